//! The writing side of `Source` (write mode only): batches of puts and deletes, range
//! deletes, compaction and flush, creating column families.

use super::{Bounds, Pair, Source};
use crate::inspector::error::InspectError;
use crate::storage::rocksdb::{RocksDbParams, backend_error};

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
            .db
            .property_int_value_cf(&handle, "rocksdb.total-sst-files-size")
            .map_err(backend_error)?
            .unwrap_or(0))
    }

    /// Compacts the keys of `cf` inside `bounds` down to the last level. Blocking, and
    /// RocksDB offers no way to cancel it once started. Needs `--write`.
    pub fn compact(&self, cf: &str, bounds: &Bounds) -> Result<(), InspectError> {
        self.require_write("compact")?;
        let handle = self.cf(cf)?;
        self.db
            .compact_range_cf(&handle, bounds.lower.as_deref(), bounds.upper.as_deref());
        Ok(())
    }

    /// Flushes the memtables of `cf` to SST files. Blocking. Needs `--write`.
    pub fn flush(&self, cf: &str) -> Result<(), InspectError> {
        self.require_write("flush")?;
        let handle = self.cf(cf)?;
        Ok(self.db.flush_cf(&handle).map_err(backend_error)?)
    }

    /// Applies `ops` to `cf` as one atomic write batch. Needs `--write`.
    pub fn apply(&self, cf: &str, ops: &[WriteOp]) -> Result<(), InspectError> {
        self.require_write("write")?;
        let handle = self.cf(cf)?;
        let mut batch = rocksdb::WriteBatch::default();
        for op in ops {
            match op {
                WriteOp::Put(k, v) => batch.put_cf(&handle, k, v),
                WriteOp::Delete(k) => batch.delete_cf(&handle, k),
            }
        }
        Ok(self.db.write(batch).map_err(backend_error)?)
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
        self.db.create_cf(cf, &opts).map_err(backend_error)?;
        self.column_families.push(cf.to_string());
        // RocksDB wrote a new OPTIONS file naming the family: keep it loadable.
        self.keep_options_readable()
    }

    /// Deletes every key of `cf` inside `bounds` with one range tombstone (atomic; no undo).
    /// Returns how many keys were there. Needs `--write`.
    pub fn delete_range(&self, cf: &str, bounds: &Bounds) -> Result<u64, InspectError> {
        self.require_write("delete")?;
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
        self.db.write(batch).map_err(backend_error)?;
        Ok(n)
    }
}
