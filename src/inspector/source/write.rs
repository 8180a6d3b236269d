//! The writing side of `Source` (write mode only): batches of puts and deletes, range
//! deletes, compaction and flush, creating column families.

use super::{Bounds, Pair, Source};
use crate::inspector::error::InspectError;
use crate::storage::rocksdb::{RocksDbParams, backend_error};

/// The live SST files of a column family, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SstSummary {
    /// How many files.
    pub files: u64,
    /// Their bytes (`rocksdb.total-sst-files-size`).
    pub bytes: u64,
    /// Deletions (tombstones) they hold.
    pub deletions: u64,
}

/// One change in a write batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Store a value.
    Put(Vec<u8>, Vec<u8>),
    /// Remove a key.
    Delete(Vec<u8>),
}

impl Source {
    fn require_write(&self, action: &'static str) -> Result<(), InspectError> {
        if self.access.writable() {
            Ok(())
        } else {
            Err(InspectError::ReadOnly {
                action: action.to_string(),
            })
        }
    }

    /// SST bytes of `cf` (`rocksdb.total-sst-files-size`).
    pub fn sst_bytes(&self, cf: &str) -> Result<u64, InspectError> {
        let handle = self.cf(cf)?;
        Ok(self
            .db()?
            .property_int_value_cf(&handle, "rocksdb.total-sst-files-size")
            .map_err(backend_error)?
            .unwrap_or(0))
    }

    /// Compacts the keys of `cf` inside `bounds` down to the last level, rewriting the
    /// last level too. Blocking, and RocksDB offers no way to cancel it once started.
    /// Needs `--write`.
    ///
    /// A person who asks for a compaction wants the space of deleted data back. RocksDB's
    /// default only moves files that need no merging down a level unchanged, so a lone
    /// file holding a tombstone (or a tombstone and the value it hides, in two files that
    /// end up side by side in the last level) stays on disk; forcing the last level to be
    /// rewritten drops them, as `ldb compact` does.
    pub fn compact(&self, cf: &str, bounds: &Bounds) -> Result<(), InspectError> {
        self.require_write("compact")?;
        let handle = self.cf(cf)?;
        let mut options = rocksdb::CompactOptions::default();
        options.set_bottommost_level_compaction(rocksdb::BottommostLevelCompaction::Force);
        self.db()?.compact_range_cf_opt(
            &handle,
            bounds.lower.as_deref(),
            bounds.upper.as_deref(),
            &options,
        );
        Ok(())
    }

    /// What the live SST files of `cf` hold: their number, bytes and deletions
    /// (tombstones), for reporting what a compaction or flush changed.
    pub fn sst_summary(&self, cf: &str) -> Result<SstSummary, InspectError> {
        let files = self.live_files_of(cf)?;
        Ok(SstSummary {
            files: files.len() as u64,
            bytes: self.sst_bytes(cf)?,
            deletions: files.iter().map(|f| f.num_deletions).sum(),
        })
    }

    /// Flushes the memtables of `cf` to SST files. Blocking. Needs `--write`.
    pub fn flush(&self, cf: &str) -> Result<(), InspectError> {
        self.require_write("flush")?;
        let handle = self.cf(cf)?;
        Ok(self.db()?.flush_cf(&handle).map_err(backend_error)?)
    }

    /// Applies `ops` to `cf` as one atomic write batch. Needs `--write`.
    pub fn apply(&self, cf: &str, ops: &[WriteOp]) -> Result<(), InspectError> {
        self.require_write("write")?;
        if let Some(cluster) = self.cluster() {
            self.check_cf(cf)?;
            return cluster.apply(ops);
        }
        let handle = self.cf(cf)?;
        let mut batch = rocksdb::WriteBatch::default();
        for op in ops {
            match op {
                WriteOp::Put(k, v) => batch.put_cf(&handle, k, v),
                WriteOp::Delete(k) => batch.delete_cf(&handle, k),
            }
        }
        Ok(self.db()?.write(batch).map_err(backend_error)?)
    }

    /// Every pair inside `bounds`, for deleting them (and keeping them for undo).
    /// Refuses to hold more than `max_pairs` pairs or `max_bytes` bytes of keys and values
    /// in memory: the limit is on bytes as well, because values can be megabytes each.
    pub fn collect(
        &self,
        cf: &str,
        bounds: &Bounds,
        max_pairs: usize,
        max_bytes: usize,
    ) -> Result<Vec<Pair>, InspectError> {
        let mut pairs = Vec::new();
        let mut bytes = 0usize;
        let mut over = None;
        self.for_each(cf, bounds, None, |k, v| {
            bytes += k.len() + v.len();
            if pairs.len() == max_pairs {
                over = Some((
                    "keys to delete with undo",
                    pairs.len() as u64 + 1,
                    max_pairs as u64,
                ));
                return false;
            }
            if bytes > max_bytes {
                over = Some(("bytes to delete with undo", bytes as u64, max_bytes as u64));
                return false;
            }
            pairs.push((k.to_vec(), v.to_vec()));
            true
        })?;
        if let Some((what, found, limit)) = over {
            return Err(InspectError::TooLarge {
                what,
                found,
                limit,
                advice: "use `spear-inspect delete-range ... --write` for large ranges (no undo)",
            });
        }
        Ok(pairs)
    }

    /// Creates `cf` if it does not exist. Needs `--write`.
    pub fn ensure_cf(&mut self, cf: &str) -> Result<(), InspectError> {
        if self.column_families.iter().any(|c| c == cf) {
            return Ok(());
        }
        self.require_write("create a column family")?;
        // New tables in the table format the database's own version reads.
        let mut opts = RocksDbParams::default().options();
        let format = self
            .stored
            .as_ref()
            .and_then(|s| s.column_families.get("default"))
            .and_then(|settings| settings.format_version);
        if let Some(version) = format {
            let mut table = rocksdb::BlockBasedOptions::default();
            table.set_format_version(version as i32);
            opts.set_block_based_table_factory(&table);
        }
        self.db()?.create_cf(cf, &opts).map_err(backend_error)?;
        self.column_families.push(cf.to_string());
        // RocksDB wrote a new OPTIONS file naming the family: keep it loadable.
        self.keep_options_readable()
    }

    /// Deletes every key of `cf` inside `bounds` with one range tombstone (atomic; no undo).
    /// Returns how many keys were there. Needs `--write`.
    pub fn delete_range(&self, cf: &str, bounds: &Bounds) -> Result<u64, InspectError> {
        self.require_write("delete")?;
        if let Some(cluster) = self.cluster() {
            self.check_cf(cf)?;
            return cluster.delete_range(bounds);
        }
        let handle = self.cf(cf)?;
        let mut n = 0u64;
        let mut last = None;
        self.for_each(cf, bounds, None, |k, _| {
            n += 1;
            last = Some(k.to_vec());
            true
        })?;
        let (Some(lower), Some(mut upper_incl)) = (bounds.lower.clone().or(Some(Vec::new())), last)
        else {
            return Ok(0);
        };
        // The range tombstone's end is exclusive: just past the last key seen, or the
        // bound itself.
        let upper = bounds.upper.clone().unwrap_or_else(|| {
            upper_incl.push(0);
            upper_incl
        });
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range_cf(&handle, lower, upper);
        self.db()?.write(batch).map_err(backend_error)?;
        Ok(n)
    }
}
