//! What RocksDB knows about a column family without reading its data: approximate sizes
//! of key ranges, integer properties and the live SST files.

use super::Source;
use crate::inspector::error::InspectError;
use crate::storage::rocksdb::backend_error;

impl Source {
    /// RocksDB's approximate on-disk bytes of each `[start, end)` range of `cf`, from the
    /// SST files' indexes (unflushed memtable data is not included).
    pub fn approximate_sizes(
        &self,
        cf: &str,
        ranges: &[(Vec<u8>, Vec<u8>)],
    ) -> Result<Vec<u64>, InspectError> {
        let handle = self.cf(cf)?;
        let ranges: Vec<rocksdb::Range<'_>> = ranges
            .iter()
            .map(|(start, end)| rocksdb::Range::new(start, end))
            .collect();
        Ok(self.db()?.get_approximate_sizes_cf(&handle, &ranges))
    }

    /// An integer property of `cf` (`rocksdb.num-deletes-active-mem-table`, ...); 0 when
    /// this RocksDB does not have it.
    pub fn int_property(&self, cf: &str, name: &str) -> Result<u64, InspectError> {
        let handle = self.cf(cf)?;
        Ok(self
            .db()?
            .property_int_value_cf(&handle, name)
            .map_err(backend_error)?
            .unwrap_or(0))
    }

    /// A text property of `cf` (`rocksdb.aggregated-table-properties`, ...).
    pub fn text_property(&self, cf: &str, name: &str) -> Result<Option<String>, InspectError> {
        let handle = self.cf(cf)?;
        self.db()?
            .property_value_cf(&handle, name)
            .map_err(|e| backend_error(e).into())
    }

    /// The live SST files of `cf`.
    pub fn live_files_of(&self, cf: &str) -> Result<Vec<rocksdb::LiveFile>, InspectError> {
        self.check_cf(cf)?;
        let files = self.db()?.live_files().map_err(backend_error)?;
        Ok(files
            .into_iter()
            .filter(|f| f.column_family_name == cf)
            .collect())
    }
}
