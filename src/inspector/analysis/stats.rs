//! Database statistics read from RocksDB properties and the live file list.

use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Access, Source};
use crate::storage::rocksdb::{OptionsOrigin, backend_error};

/// Files and bytes on one LSM level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelStats {
    /// The level, 0 first.
    pub level: u32,
    /// SST files on it.
    pub files: u64,
    /// Their total size.
    pub bytes: u64,
}

/// One live SST file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SstFile {
    /// Column family.
    pub cf: String,
    /// File name.
    pub name: String,
    /// LSM level.
    pub level: u32,
    /// Size in bytes.
    pub bytes: u64,
    /// Smallest key (escaped for display).
    pub smallest: String,
    /// Largest key (escaped for display).
    pub largest: String,
    /// Entries, deletions included.
    pub entries: u64,
    /// Deletions (tombstones).
    pub deletions: u64,
}

impl SstFile {
    /// Share of entries that are tombstones, 0-100.
    pub fn deletion_percent(&self) -> f64 {
        if self.entries == 0 {
            0.0
        } else {
            self.deletions as f64 * 100.0 / self.entries as f64
        }
    }
}

/// Figures for one column family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CfStats {
    /// The column family.
    pub name: String,
    /// `rocksdb.estimate-num-keys` (on a secondary, made from its files and memtables: see `Source::estimate_keys`).
    pub estimate_num_keys: u64,
    /// `rocksdb.live-sst-files-size`.
    pub live_sst_bytes: u64,
    /// `rocksdb.total-sst-files-size`.
    pub total_sst_bytes: u64,
    /// `rocksdb.size-all-mem-tables` (this process's memtables).
    pub memtable_bytes: u64,
    /// `rocksdb.num-immutable-mem-table` (this process).
    pub immutable_memtables: u64,
    /// `rocksdb.estimate-live-data-size`.
    pub live_data_bytes: u64,
    /// `rocksdb.estimate-pending-compaction-bytes`.
    pub pending_compaction_bytes: u64,
    /// Files and bytes per level, from the live file list.
    pub levels: Vec<LevelStats>,
    /// `rocksdb.num-blob-files`: blob files (large values kept out of the SSTs).
    pub blob_files: u64,
    /// `rocksdb.total-blob-file-size`.
    pub blob_bytes: u64,
    /// Blob record bytes written to its blob files (the MANIFEST's total_blob_bytes).
    pub blob_record_bytes: u64,
    /// Of those, bytes no live key refers to (the MANIFEST's garbage_blob_bytes).
    pub blob_garbage_bytes: u64,
    /// `enable_blob_garbage_collection` (None: no blob files, or no readable OPTIONS).
    pub blob_garbage_collection: Option<bool>,
}

/// Figures for the whole database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbStats {
    /// The database directory.
    pub path: String,
    /// How this process holds it.
    pub access: Access,
    /// The RocksDB version that wrote its latest OPTIONS file.
    pub written_by: Option<String>,
    /// Where the options it is open with came from.
    pub options: String,
    /// `rocksdb.num-running-compactions` (this process).
    pub running_compactions: u64,
    /// `rocksdb.num-running-flushes` (this process).
    pub running_flushes: u64,
    /// `rocksdb.is-write-stopped`: this process's own write controller (the service's only
    /// when this process is the writer, `--write`).
    pub write_stopped: bool,
    /// `rocksdb.actual-delayed-write-rate`, bytes per second (0: not delayed): this
    /// process's own write controller, like `write_stopped`. A read-only instance computes
    /// one from the files too, though it never writes.
    pub delayed_write_rate: u64,
    /// What the service would meet on its next open, from the files and its OPTIONS file:
    /// one sentence per column family whose L0 files or pending compaction bytes are at a
    /// slowdown or stop trigger (empty: none).
    pub stall_on_next_open: Vec<String>,
    /// `rocksdb.background-errors`.
    pub background_errors: u64,
    /// The newest sequence number this view has: for a live secondary, the service's
    /// writes it has caught up with (the service's own is higher by the writes since).
    pub latest_sequence: u64,
    /// `rocksdb.block-cache-usage` (this process).
    pub block_cache_usage: u64,
    /// `rocksdb.block-cache-capacity`.
    pub block_cache_capacity: u64,
    /// Per column family.
    pub column_families: Vec<CfStats>,
    /// Every live SST file, by column family then level.
    pub sst_files: Vec<SstFile>,
    /// The text of `rocksdb.stats` (default column family and DB-wide counters).
    pub rocksdb_stats: String,
    /// What reclaims the blob garbage, when there is some.
    pub blob_advice: Option<String>,
    /// Why the blob garbage is unknown although there are blob files.
    pub blob_garbage_unknown: Option<String>,
}

/// Reads every figure. Blocking; cheap (properties and the file list, no data read).
pub fn collect_stats(source: &Source) -> Result<DbStats, InspectError> {
    let db = source.db()?;
    let int = |name: &str| -> Result<u64, InspectError> {
        Ok(db
            .property_int_value(name)
            .map_err(backend_error)?
            .unwrap_or(0))
    };
    let live_files = db.live_files().map_err(backend_error)?;
    let (garbage, garbage_unknown) =
        match crate::inspector::analysis::blobs::blob_garbage(source.path()) {
            Ok(g) => (g, None),
            Err(e) => (None, Some(e.to_string())),
        };
    let mut column_families = Vec::new();
    for name in source.column_families() {
        let Some(cf) = db.cf_handle(name) else {
            continue;
        };
        let cf_int = |prop: &str| -> Result<u64, InspectError> {
            Ok(db
                .property_int_value_cf(&cf, prop)
                .map_err(backend_error)?
                .unwrap_or(0))
        };
        let mut levels: Vec<LevelStats> = Vec::new();
        for file in live_files.iter().filter(|f| &f.column_family_name == name) {
            let level = file.level.max(0) as u32;
            while levels.len() <= level as usize {
                levels.push(LevelStats {
                    level: levels.len() as u32,
                    files: 0,
                    bytes: 0,
                });
            }
            levels[level as usize].files += 1;
            levels[level as usize].bytes += file.size as u64;
        }
        let (_, blob_record_bytes, blob_garbage_bytes) =
            garbage.as_ref().map_or((0, 0, 0), |g| g.of_cf(name));
        let blob_garbage_collection = garbage
            .as_ref()
            .and_then(|g| g.collection.iter().find(|c| &c.cf == name))
            .and_then(|c| c.enabled);
        column_families.push(CfStats {
            blob_record_bytes,
            blob_garbage_bytes,
            blob_garbage_collection,
            name: name.clone(),
            estimate_num_keys: source.estimate_keys_among(name, &live_files)?,
            live_sst_bytes: cf_int("rocksdb.live-sst-files-size")?,
            total_sst_bytes: cf_int("rocksdb.total-sst-files-size")?,
            memtable_bytes: cf_int("rocksdb.size-all-mem-tables")?,
            immutable_memtables: cf_int("rocksdb.num-immutable-mem-table")?,
            live_data_bytes: cf_int("rocksdb.estimate-live-data-size")?,
            pending_compaction_bytes: cf_int("rocksdb.estimate-pending-compaction-bytes")?,
            levels,
            blob_files: cf_int("rocksdb.num-blob-files")?,
            blob_bytes: cf_int("rocksdb.total-blob-file-size")?,
        });
    }
    let blob_files: u64 = column_families.iter().map(|c| c.blob_files).sum();
    let stall_on_next_open = stall_outlook(source.path(), &column_families);
    Ok(DbStats {
        stall_on_next_open,
        blob_advice: garbage.as_ref().and_then(|g| g.advice()),
        // A MANIFEST that cannot be read matters here only with blob files to explain.
        blob_garbage_unknown: garbage_unknown.filter(|_| blob_files > 0),
        path: source.path().display().to_string(),
        access: source.access(),
        written_by: source.written_by().map(str::to_string),
        options: match source.options_origin() {
            OptionsOrigin::Stored => "its OPTIONS file".to_string(),
            OptionsOrigin::Defaults => "defaults (it has no OPTIONS file)".to_string(),
            OptionsOrigin::DefaultsBecause(reason) => {
                format!("defaults (its OPTIONS file could not be loaded: {reason})")
            }
        },
        running_compactions: int("rocksdb.num-running-compactions")?,
        running_flushes: int("rocksdb.num-running-flushes")?,
        write_stopped: int("rocksdb.is-write-stopped")? != 0,
        delayed_write_rate: int("rocksdb.actual-delayed-write-rate")?,
        background_errors: int("rocksdb.background-errors")?,
        block_cache_usage: int("rocksdb.block-cache-usage")?,
        block_cache_capacity: int("rocksdb.block-cache-capacity")?,
        latest_sequence: db.latest_sequence_number(),
        column_families,
        sst_files: live_files
            .iter()
            .map(|f| SstFile {
                cf: f.column_family_name.clone(),
                name: f.name.trim_start_matches('/').to_string(),
                level: f.level.max(0) as u32,
                bytes: f.size as u64,
                smallest: f.start_key.as_deref().map(escape_key).unwrap_or_default(),
                largest: f.end_key.as_deref().map(escape_key).unwrap_or_default(),
                entries: f.num_entries,
                deletions: f.num_deletions,
            })
            .collect(),
        rocksdb_stats: db
            .property_value("rocksdb.stats")
            .map_err(backend_error)?
            .unwrap_or_default(),
    })
}

/// The write stalls RocksDB would impose on the database's next read-write open, by its
/// own rules (`RecalculateWriteStallConditions`): L0 files at `level0_stop_writes_trigger`
/// or `level0_slowdown_writes_trigger` (unless auto compactions are off), pending
/// compaction bytes at the hard or soft limit (0: no limit). The triggers are the newest
/// OPTIONS file's; a column family it does not name is judged by RocksDB's defaults.
pub fn stall_outlook(db: &std::path::Path, cfs: &[CfStats]) -> Vec<String> {
    use crate::inspector::analysis::stall::{Readings, StallLimits, WriteState, judge};
    use crate::inspector::formats::options_file::{options_files, read_settings};
    let settings = options_files(db)
        .last()
        .and_then(|f| read_settings(f).ok())
        .unwrap_or_default();
    let mut said = Vec::new();
    for cf in cfs {
        let readings = Readings {
            l0_files: cf.levels.first().map_or(0, |l| l.files),
            pending_compaction_bytes: cf.pending_compaction_bytes,
            // The next open flushes what its WAL replays: no memtable waits then.
            unflushed_memtables: 0,
        };
        let conditions = judge(&StallLimits::of(&settings, &cf.name), &readings);
        // A stop before a slowdown; level-0 files before pending bytes.
        let worst = [WriteState::Stopped, WriteState::Slowing]
            .into_iter()
            .find_map(|state| conditions.iter().find(|c| c.state == state));
        let Some(condition) = worst else { continue };
        let (verb, limit, at) = match condition.state {
            WriteState::Stopped => ("stop", "stop trigger", condition.stop_at),
            _ => ("slow", "slowdown trigger", condition.slowdown_at),
        };
        let at = at.unwrap_or_default();
        let name = &cf.name;
        let value = condition.value;
        said.push(if condition.name == "l0_files" {
            format!("[{name}] writes {verb}: {value} L0 files, {limit} {at}")
        } else {
            let limit = if verb == "stop" {
                "hard limit"
            } else {
                "soft limit"
            };
            format!("[{name}] writes {verb}: {value} B to compact, {limit} {at}")
        });
    }
    said
}
