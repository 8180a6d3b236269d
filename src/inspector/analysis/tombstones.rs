//! Where the deletions are and what they cost: tombstones per SST file, level and column
//! family (table properties), in the memtables (which no SST shows), and, by walking the
//! keys with RocksDB's perf counters on, the key ranges where a read skips the most.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use rocksdb::perf::{PerfContext, PerfMetric, PerfStatsLevel, set_perf_stats};
use serde::Serialize;

use crate::inspector::analysis::keyspace::{Grouping, MAX_PREFIXES};
use crate::inspector::analysis::pacer::Pacer;
use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source};

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

/// Walks every live key of `cf` with RocksDB's perf counters on, measuring the tombstones
/// (and other hidden entries) each step skips: what a read between those keys pays. Sees
/// SST files and memtables alike. `None` when `cancelled` stopped it.
pub fn skip_scan(
    source: &Source,
    cf: &str,
    grouping: &Grouping,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<SkipScan>, InspectError> {
    let _counting = PerfCounting::start();
    let mut perf = PerfContext::default();
    perf.reset();
    let mut scan = SkipScan::default();
    let mut heap: BinaryHeap<Reverse<Stretch>> = BinaryHeap::new();
    let mut per_prefix: HashMap<Vec<u8>, PrefixSkips> = HashMap::new();
    let mut previous: Option<Vec<u8>> = None;
    let (mut deletes_before, mut hidden_before) = (0u64, 0u64);
    let mut pacer = Pacer::new(progress, cancelled);
    let mut record = |after: Option<&[u8]>, before: Option<&[u8]>, deletes: u64, hidden: u64| {
        scan.deletes_skipped += deletes;
        scan.hidden_skipped += hidden;
        // One hidden entry is an overwritten version: not worth a row of its own.
        if deletes == 0 && hidden < 2 {
            return;
        }
        // The tombstones' own keys are not seen, only the live keys around them: a
        // stretch belongs to a prefix when both its ends do, else it is named as what it
        // is.
        // Below `--prefix`, a key with no further delimiter belongs to the prefix itself.
        let group_of =
            |k: Option<&[u8]>| k.map(|k| grouping.group(k).unwrap_or(&grouping.within).to_vec());
        let prefix = match (after, before) {
            (None, None) => b"(everywhere: no live key at all)".to_vec(),
            (None, _) => b"(before the first live key)".to_vec(),
            (_, None) => b"(after the last live key)".to_vec(),
            _ => match (group_of(after), group_of(before)) {
                (Some(a), Some(b)) if a == b => a,
                _ => b"(between prefixes)".to_vec(),
            },
        };
        // At most MAX_PREFIXES rows: a prefix per key would grow with the database.
        let prefix = if per_prefix.len() >= MAX_PREFIXES && !per_prefix.contains_key(&prefix) {
            b"(other prefixes)".to_vec()
        } else {
            prefix
        };
        per_prefix
            .entry(prefix.clone())
            .or_insert_with(|| PrefixSkips {
                prefix: prefix_label(&prefix),
                ..PrefixSkips::default()
            })
            .deletes_skipped += deletes;
        let entry = Reverse((
            deletes,
            hidden,
            after.map(<[u8]>::to_vec),
            before.map(<[u8]>::to_vec),
        ));
        if heap.len() < TOP_RANGES {
            heap.push(entry);
        } else if heap.peek().is_some_and(|smallest| entry < *smallest) {
            heap.pop();
            heap.push(entry);
        }
    };
    let mut live: HashMap<Vec<u8>, u64> = HashMap::new();
    let within = Bounds::prefix(&grouping.within);
    let walked = source.for_each(cf, &within, None, |key, _| {
        let deletes = perf.metric(PerfMetric::InternalDeleteSkippedCount);
        let hidden = perf.metric(PerfMetric::InternalKeySkippedCount);
        // Every step from one live key to the next counts one internal key itself.
        let stepped = u64::from(previous.is_some());
        record(
            previous.as_deref(),
            Some(key),
            deletes.saturating_sub(deletes_before),
            hidden.saturating_sub(hidden_before).saturating_sub(stepped),
        );
        (deletes_before, hidden_before) = (deletes, hidden);
        let group = grouping.group(key).unwrap_or(&grouping.within);
        if let Some(n) = live.get_mut(group) {
            *n += 1;
        } else if live.len() < MAX_PREFIXES {
            live.insert(group.to_vec(), 1);
        }
        previous = Some(key.to_vec());
        pacer.step()
    });
    let walked = walked?;
    if pacer.stopped() {
        return Ok(None);
    }
    let deletes = perf.metric(PerfMetric::InternalDeleteSkippedCount);
    let hidden = perf.metric(PerfMetric::InternalKeySkippedCount);
    let stepped = u64::from(previous.is_some());
    record(
        previous.as_deref(),
        None,
        deletes.saturating_sub(deletes_before),
        hidden.saturating_sub(hidden_before).saturating_sub(stepped),
    );
    scan.live_keys = walked;
    let mut ranges: Vec<SkippedRange> = heap
        .into_iter()
        .map(|Reverse((deletes, hidden, after, before))| SkippedRange {
            after: after.as_deref().map(escape_key),
            before: before.as_deref().map(escape_key),
            // An open end stops at the prefix walked, never the whole column family.
            from_raw: after.or_else(|| within.lower.clone()),
            to_raw: before.or_else(|| within.upper.clone()),
            deletes_skipped: deletes,
            hidden_skipped: hidden,
        })
        .collect();
    ranges.sort_by(|a, b| {
        (b.deletes_skipped, b.hidden_skipped).cmp(&(a.deletes_skipped, a.hidden_skipped))
    });
    scan.ranges = ranges;
    for (group, n) in live {
        if per_prefix.len() >= MAX_PREFIXES && !per_prefix.contains_key(&group) {
            continue;
        }
        per_prefix
            .entry(group.clone())
            .or_insert_with(|| PrefixSkips {
                prefix: prefix_label(&group),
                ..PrefixSkips::default()
            })
            .live_keys = n;
    }
    let mut prefixes: Vec<PrefixSkips> = per_prefix.into_values().collect();
    prefixes.sort_by(|a, b| {
        b.deletes_skipped
            .cmp(&a.deletes_skipped)
            .then_with(|| a.prefix.cmp(&b.prefix))
    });
    scan.prefixes = prefixes;
    Ok(Some(scan))
}

/// Tombstones skipped, hidden entries skipped, the live keys before and after.
type Stretch = (u64, u64, Option<Vec<u8>>, Option<Vec<u8>>);

/// A prefix for display; the empty one (keys with no prefix at all) named as such.
fn prefix_label(prefix: &[u8]) -> String {
    if prefix.is_empty() {
        "(no prefix)".to_string()
    } else {
        escape_key(prefix)
    }
}

/// Perf counting on this thread for as long as it lives (blocking-pool threads are reused:
/// counting must not outlive the walk).
struct PerfCounting;

impl PerfCounting {
    fn start() -> Self {
        set_perf_stats(PerfStatsLevel::EnableCount);
        Self
    }
}

impl Drop for PerfCounting {
    fn drop(&mut self) {
        set_perf_stats(PerfStatsLevel::Disable);
    }
}
