//! Where the deletions are and what they cost: tombstones per SST file, level and column
//! family (table properties), in the memtables (which no SST shows), and, by walking the
//! keys with RocksDB's perf counters on, the key ranges where a read skips the most.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::Source;

pub use super::skip_scan::skip_scan;

/// Tombstones of one live SST file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileTombstones {
    /// File name.
    pub name: String,
    /// LSM level.
    pub level: u32,
    /// Entries, tombstones included.
    pub entries: u64,
    /// Deletions, range deletions included (RocksDB's `num_deletions`).
    pub deletions: u64,
    /// Smallest key, escaped.
    pub smallest: String,
    /// Largest key, escaped.
    pub largest: String,
}

/// Tombstones of one level (RocksDB's aggregated table properties).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LevelTombstones {
    /// The level.
    pub level: u32,
    /// SST files.
    pub files: u64,
    /// Entries, tombstones included.
    pub entries: u64,
    /// Point deletions.
    pub deletions: u64,
    /// Range deletions.
    pub range_deletions: u64,
}

/// Tombstones not yet flushed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemtableTombstones {
    /// Entries in the active and immutable memtables.
    pub entries: u64,
    /// Point deletions among them.
    pub deletions: u64,
}

/// A stretch between two live keys that a read has to step over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRange {
    /// The live key before it (escaped), or `None` from the start.
    pub after: Option<String>,
    /// The live key after it (escaped), or `None` to the end.
    pub before: Option<String>,
    /// The first key bound to compact it (the live key before it), raw.
    #[serde(skip)]
    pub from_raw: Option<Vec<u8>>,
    /// The last key bound to compact it (the live key after it), raw.
    #[serde(skip)]
    pub to_raw: Option<Vec<u8>>,
    /// Point tombstones skipped.
    pub deletes_skipped: u64,
    /// Other hidden entries skipped (overwritten versions, keys under range deletions).
    pub hidden_skipped: u64,
}

/// Tombstones skipped while walking one prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrefixSkips {
    /// The prefix, escaped (`(between prefixes)` for stretches that cross two).
    pub prefix: String,
    /// Point tombstones skipped.
    pub deletes_skipped: u64,
    /// Live keys.
    pub live_keys: u64,
}

/// What walking every key found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SkipScan {
    /// Live keys walked.
    pub live_keys: u64,
    /// Point tombstones stepped over in all.
    pub deletes_skipped: u64,
    /// Other hidden entries stepped over in all.
    pub hidden_skipped: u64,
    /// The stretches with the most tombstones, most first.
    pub ranges: Vec<SkippedRange>,
    /// Per prefix, most tombstones first.
    pub prefixes: Vec<PrefixSkips>,
}

/// A column family's tombstones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tombstones {
    /// The column family.
    pub cf: String,
    /// Per level.
    pub levels: Vec<LevelTombstones>,
    /// Per live SST file, most deletions first.
    pub files: Vec<FileTombstones>,
    /// In the memtables.
    pub memtable: MemtableTombstones,
    /// The walk, when asked for.
    pub scan: Option<SkipScan>,
}

/// The stretches kept at most.
pub const TOP_RANGES: usize = 20;

/// Tombstones of `cf` from table properties and memtable counters (instant).
pub fn tombstones(source: &Source, cf: &str) -> Result<Tombstones, InspectError> {
    let files = source.live_files_of(cf)?;
    let mut levels: BTreeMap<u32, LevelTombstones> = BTreeMap::new();
    for f in &files {
        let level = f.level.max(0) as u32;
        levels
            .entry(level)
            .or_insert_with(|| LevelTombstones {
                level,
                ..LevelTombstones::default()
            })
            .files += 1;
    }
    for (level, row) in levels.iter_mut() {
        let name = format!("rocksdb.aggregated-table-properties-at-level{level}");
        if let Some(text) = source.text_property(cf, &name)? {
            let props = table_properties(&text);
            row.entries = props.get("# entries").copied().unwrap_or(0);
            row.deletions = props.get("# deletions").copied().unwrap_or(0);
            row.range_deletions = props.get("# range deletions").copied().unwrap_or(0);
        }
    }
    let mut files: Vec<FileTombstones> = files
        .into_iter()
        .map(|f| FileTombstones {
            name: f.name.trim_start_matches('/').to_string(),
            level: f.level.max(0) as u32,
            entries: f.num_entries,
            deletions: f.num_deletions,
            smallest: f.start_key.as_deref().map(escape_key).unwrap_or_default(),
            largest: f.end_key.as_deref().map(escape_key).unwrap_or_default(),
        })
        .collect();
    files.sort_by(|a, b| {
        b.deletions
            .cmp(&a.deletions)
            .then_with(|| a.name.cmp(&b.name))
    });
    let memtable = MemtableTombstones {
        entries: source.int_property(cf, "rocksdb.num-entries-active-mem-table")?
            + source.int_property(cf, "rocksdb.num-entries-imm-mem-tables")?,
        deletions: source.int_property(cf, "rocksdb.num-deletes-active-mem-table")?
            + source.int_property(cf, "rocksdb.num-deletes-imm-mem-tables")?,
    };
    Ok(Tombstones {
        cf: cf.to_string(),
        levels: levels.into_values().collect(),
        files,
        memtable,
        scan: None,
    })
}

/// `key=value; key=value` table properties, the numeric ones.
fn table_properties(text: &str) -> HashMap<&str, u64> {
    text.split(';')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key.trim(), value.trim().parse().ok()?))
        })
        .collect()
}

/// A prefix for display; the empty one (keys with no prefix at all) named as such.
pub(super) fn prefix_label(prefix: &[u8]) -> String {
    if prefix.is_empty() {
        "(no prefix)".to_string()
    } else {
        escape_key(prefix)
    }
}
