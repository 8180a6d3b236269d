//! What an open of a database will have to do, read from its directory before opening:
//! the write-ahead log to replay, the MANIFEST to read and the table files to know, so a
//! slow open can say why (`count --timings`) and a long one says so before it starts.

use std::fmt;
use std::path::Path;

/// Write-ahead log beyond which the TUI says, before opening, that the open replays it.
pub const NOTABLE_WAL_BYTES: u64 = 64 << 20;
/// Table files beyond which the TUI says so too.
pub const NOTABLE_TABLE_FILES: usize = 1000;

/// The work of opening one database directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenWork {
    /// Bytes of write-ahead log (`*.log`) in the directory: replayed into memtables by
    /// every open (archived logs are not).
    pub wal_bytes: u64,
    /// WAL files.
    pub wal_files: usize,
    /// Bytes of MANIFEST files (every version edit since the last rewrite).
    pub manifest_bytes: u64,
    /// SST and blob files.
    pub table_files: usize,
}

impl OpenWork {
    /// Reads the directory listing of `db` (nothing is opened; an unreadable directory
    /// gives zeros, and the open then reports the real error).
    pub fn of(db: &Path) -> Self {
        let mut work = Self::default();
        let Ok(entries) = std::fs::read_dir(db) else {
            return work;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let size = || entry.metadata().map_or(0, |m| m.len());
            if name.ends_with(".log") {
                work.wal_bytes += size();
                work.wal_files += 1;
            } else if name.starts_with("MANIFEST-") {
                work.manifest_bytes += size();
            } else if name.ends_with(".sst") || name.ends_with(".blob") || name.ends_with(".ldb") {
                work.table_files += 1;
            }
        }
        work
    }

    /// Whether the open is worth announcing before it starts.
    pub fn is_notable(&self) -> bool {
        self.wal_bytes > NOTABLE_WAL_BYTES || self.table_files > NOTABLE_TABLE_FILES
    }
}

/// Bytes this process has read with read calls (`rchar` of `/proc/self/io`), if `/proc`
/// says: RocksDB's open reports no progress, so the bytes read since it began stand in.
pub fn read_chars() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines()
        .find_map(|line| line.strip_prefix("rchar:"))
        .and_then(|n| n.trim().parse().ok())
}

/// The share (in %) of `to_read` that `read` is. Reads of table files count in `read`
/// too, so the share waits at 99 until the open returns.
pub fn share_read(read: u64, to_read: u64) -> u64 {
    read.saturating_mul(100)
        .checked_div(to_read)
        .map_or(99, |share| share.min(99))
}

impl fmt::Display for OpenWork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = |bytes| humansize::format_size(bytes, humansize::BINARY);
        write!(
            f,
            "{} of write-ahead log to replay in {} file{}, {} of MANIFEST, {} table file{}",
            size(self.wal_bytes),
            self.wal_files,
            if self.wal_files == 1 { "" } else { "s" },
            size(self.manifest_bytes),
            self.table_files,
            if self.table_files == 1 { "" } else { "s" },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_are_counted() {
        let before = read_chars().expect("/proc/self/io");
        let _ = std::fs::read("/proc/self/status").unwrap();
        assert!(read_chars().unwrap() > before);
    }

    #[test]
    fn counts_what_an_open_reads() {
        let dir = tempfile::tempdir().unwrap();
        for (name, len) in [
            ("000012.log", 3000),
            ("000013.log", 1000),
            ("MANIFEST-000005", 528),
            ("000014.sst", 10),
            ("000015.blob", 10),
            ("LOG", 99),
            ("OPTIONS-000007", 50),
        ] {
            std::fs::write(dir.path().join(name), vec![0u8; len]).unwrap();
        }
        let work = OpenWork::of(dir.path());
        assert_eq!(
            work,
            OpenWork {
                wal_bytes: 4000,
                wal_files: 2,
                manifest_bytes: 528,
                table_files: 2
            }
        );
        assert!(!work.is_notable());
        assert_eq!(
            work.to_string(),
            "3.91 KiB of write-ahead log to replay in 2 files, 528 B of MANIFEST, 2 table files"
        );
    }
}
