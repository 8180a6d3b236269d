//! The open-file limit and the database's table files: RocksDB keeps a descriptor per
//! SST (and blob) file it has opened, so a large database under a low `ulimit -n` fails
//! with "Too many open files" unless the open is planned around the limit.

use std::path::Path;

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Descriptors left for everything that is not a table file: the WAL, MANIFEST, LOG,
/// directory handles, the terminal, logs, and RocksDB's own bookkeeping.
pub const RESERVED_DESCRIPTORS: u64 = 64;

/// Why a merged read of a database cannot run under the open-file limit: the numbers a
/// refusal names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapLimit {
    /// The database directory.
    pub path: std::path::PathBuf,
    /// The column family with the most overlapping files.
    pub cf: String,
    /// Its L0 files.
    pub l0_files: usize,
    /// The table files one read keeps open at once.
    pub needed: u64,
    /// Descriptors kept for everything else (ours and RocksDB's).
    pub reserved: u64,
    /// The soft open-file limit in force.
    pub limit: u64,
    /// The hard limit (the soft one cannot go higher without root).
    pub hard: u64,
    /// A limit that would do.
    pub suggested: u64,
}

/// The soft and hard limits on open files, if the system reports them.
pub fn limits() -> Option<(u64, u64)> {
    getrlimit(Resource::RLIMIT_NOFILE).ok()
}

/// Raises the soft open-file limit to the hard one (what a shell's `ulimit -n` would
/// allow anyway). Returns the soft limit in force afterwards.
pub fn raise_soft_limit() -> Option<u64> {
    let (soft, hard) = limits()?;
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return Some(hard);
    }
    Some(soft)
}

/// How many table files (`*.sst`, `*.blob`, and old `*.ldb`) the directory holds: the
/// descriptors RocksDB would need to keep every one of them open.
pub fn table_files(db: &Path) -> usize {
    std::fs::read_dir(db)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.ends_with(".sst") || name.ends_with(".blob") || name.ends_with(".ldb")
                })
                .count()
        })
        .unwrap_or(0)
}

/// What the open-file limit allows for a database of `files` table files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Every table file can stay open (RocksDB's `max_open_files = -1`).
    Unbounded,
    /// Only this many may be open at once: a bounded table cache.
    Bounded(i32),
}

/// Plans the table cache for `files` table files under the soft limit `soft`.
pub fn budget(files: usize, soft: u64) -> Budget {
    let needed = files as u64 + RESERVED_DESCRIPTORS;
    if needed <= soft {
        Budget::Unbounded
    } else {
        // RocksDB itself reserves 10 of max_open_files; keep at least a handful usable.
        let usable = soft.saturating_sub(RESERVED_DESCRIPTORS).max(20);
        Budget::Bounded(i32::try_from(usable).unwrap_or(i32::MAX))
    }
}

/// The `ulimit -n` that lets every table file of the database stay open, with room to grow.
pub fn suggested_limit(files: usize) -> u64 {
    let needed = files as u64 + RESERVED_DESCRIPTORS;
    // Round up to a multiple of 1024, so the advice survives a few more flushes.
    needed.div_ceil(1024) * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_unbounded_only_with_room_for_every_file() {
        assert_eq!(budget(100, 1024), Budget::Unbounded);
        assert_eq!(budget(612, 256), Budget::Bounded(192));
        assert_eq!(budget(5000, 70), Budget::Bounded(20));
        assert_eq!(suggested_limit(612), 1024);
        assert_eq!(suggested_limit(1000), 2048);
    }
}
