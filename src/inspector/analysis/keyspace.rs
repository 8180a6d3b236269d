//! The key space by prefix: keys and bytes per prefix (`node:`, `events:`, ...), drilled
//! down level by level; estimated at once from RocksDB's approximate sizes, or exact by a
//! scan that also finds the largest values and each prefix's value-size histogram. Unless
//! told, each level chooses its grouping from the keys: by delimiter when most keys have
//! one, else by the shortest leading byte length that splits them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source, Watch};
use crate::storage::rocksdb::prefix_successor;

/// How keys are grouped: below `within`, up to and including the next `delimiter`, or
/// the next `prefix_len` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    /// The prefix drilled into (empty at the top).
    pub within: Vec<u8>,
    /// What ends a prefix (`:` by default).
    pub delimiter: Vec<u8>,
    /// Fixed-length prefixes instead of a delimiter (for binary keys).
    pub prefix_len: Option<usize>,
    /// Choose between the delimiter and a prefix length from the keys ([`Grouping::resolve`]).
    pub auto: bool,
    /// Chosen from the keys (said in headers).
    pub chosen: bool,
}

impl Default for Grouping {
    fn default() -> Self {
        Self {
            within: Vec::new(),
            delimiter: b":".to_vec(),
            prefix_len: None,
            auto: true,
            chosen: false,
        }
    }
}

/// Keys sampled from the start of the range to tell whether most carry the delimiter.
const SAMPLE_KEYS: usize = 1_000;
/// Distinct prefixes counted at most while trying a prefix length.
const GROUP_PROBE: u64 = 64;
/// Longest leading byte length tried.
const MAX_AUTO_LEN: usize = 16;
/// Keys too short for the length tried, stepped over at most before giving up on it.
const SHORT_KEY_STEPS: u64 = 10_000;

impl Grouping {
    /// The group of `key` (which starts with `within`), or `None` for a key with no
    /// further delimiter (or shorter than the prefix length).
    pub fn group<'k>(&self, key: &'k [u8]) -> Option<&'k [u8]> {
        let start = self.within.len();
        let rest = key.get(start..)?;
        match self.prefix_len {
            Some(n) => (rest.len() >= n).then(|| &key[..start + n]),
            None => memchr::memmem::find(rest, &self.delimiter)
                .map(|at| &key[..start + at + self.delimiter.len()]),
        }
    }

    /// The same grouping one level below `prefix`.
    pub fn drill(&self, prefix: &[u8]) -> Self {
        Self {
            within: prefix.to_vec(),
            ..self.clone()
        }
    }

    /// How it groups, for headers: `up to ":"` or `first 4 bytes`; `(auto)` when chosen
    /// from the keys.
    pub fn describe(&self) -> String {
        let how = match self.prefix_len {
            Some(n) if self.within.is_empty() => format!("first {n} bytes"),
            Some(n) => format!("next {n} bytes"),
            None => format!("up to {:?}", String::from_utf8_lossy(&self.delimiter)),
        };
        if self.chosen {
            format!("{how} (auto)")
        } else {
            how
        }
    }

    /// The grouping to use: this one when it was given, else one chosen from the keys
    /// below `within`: the delimiter when more than half of the first keys and of the
    /// SST files' boundary keys have it after `within`; otherwise the shortest leading
    /// byte length (up to 16) that splits the keys into two or more groups, so binary
    /// keys are not split at a stray delimiter byte. Blocking; a few seeks per length.
    pub fn resolve(&self, source: &Source, cf: &str) -> Result<Grouping, InspectError> {
        if !self.auto {
            return Ok(self.clone());
        }
        let fixed = Grouping {
            auto: false,
            chosen: true,
            ..self.clone()
        };
        let bounds = self.bounds();
        let mut sample: Vec<Vec<u8>> = Vec::new();
        let mut it = source.seeker(cf, &bounds)?;
        while sample.len() < SAMPLE_KEYS
            && let Some(key) = it.key()
        {
            sample.push(key.to_vec());
            it.next();
        }
        it.status()
            .map_err(crate::storage::rocksdb::backend_error)?;
        drop(it);
        // The first keys all sit at the start of the range: the files' boundary keys
        // spread the sample over the whole of it.
        for file in source.live_files_of(cf)? {
            for key in [file.start_key, file.end_key].into_iter().flatten() {
                if key.starts_with(&self.within) {
                    sample.push(key);
                }
            }
        }
        let delimited = sample
            .iter()
            .filter(|k| {
                let by_delimiter = Grouping {
                    prefix_len: None,
                    ..fixed.clone()
                };
                by_delimiter.group(k).is_some()
            })
            .count();
        if sample.is_empty() || delimited * 2 > sample.len() {
            return Ok(Grouping {
                prefix_len: None,
                ..fixed
            });
        }
        for len in 1..=MAX_AUTO_LEN {
            if self.count_groups(source, cf, len)? >= 2 {
                return Ok(Grouping {
                    prefix_len: Some(len),
                    ..fixed
                });
            }
        }
        // Keys alike in their first 16 bytes after `within`: the delimiter groups them
        // no worse than a longer length would.
        Ok(Grouping {
            prefix_len: None,
            ..fixed
        })
    }

    /// Distinct prefixes of `len` more bytes below `within`, counted up to
    /// [`GROUP_PROBE`] by seeking past each.
    fn count_groups(&self, source: &Source, cf: &str, len: usize) -> Result<u64, InspectError> {
        let grouping = Grouping {
            prefix_len: Some(len),
            ..self.clone()
        };
        let mut it = source.seeker(cf, &self.bounds())?;
        let (mut groups, mut short) = (0u64, 0u64);
        while groups < GROUP_PROBE
            && short < SHORT_KEY_STEPS
            && let Some(key) = it.key()
        {
            match grouping.group(key).map(<[u8]>::to_vec) {
                Some(group) => {
                    groups += 1;
                    match prefix_successor(&group) {
                        Some(next) => it.seek(&next),
                        None => break,
                    }
                }
                None => {
                    short += 1;
                    it.next();
                }
            }
        }
        it.status()
            .map_err(crate::storage::rocksdb::backend_error)?;
        Ok(groups)
    }

    fn bounds(&self) -> Bounds {
        Bounds::prefix(&self.within)
    }
}

/// Value sizes in powers of two: bucket 0 holds empty values, bucket `b` sizes in
/// `[2^(b-1), 2^b)`.
pub const HISTOGRAM_BUCKETS: usize = 33;

/// The histogram bucket of a value of `len` bytes (values over 2 GiB share the last).
pub fn size_bucket(len: usize) -> usize {
    ((usize::BITS - len.leading_zeros()) as usize).min(HISTOGRAM_BUCKETS - 1)
}

/// One prefix's share.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrefixRow {
    /// The prefix, escaped for display.
    pub prefix: String,
    /// The prefix's bytes, to drill into it.
    #[serde(skip)]
    pub raw: Vec<u8>,
    /// Keys: exact, or estimated from the on-disk bytes.
    pub keys: u64,
    /// Key and value bytes (keys counted by a scan only).
    pub logical_bytes: Option<u64>,
    /// RocksDB's approximate on-disk (compressed) bytes of the prefix's key range in
    /// the SST files (a range per prefix: none for the keys without one).
    pub disk_bytes: Option<u64>,
    /// The largest value's size (exact scans only).
    pub largest_value: Option<u64>,
    /// Values per size bucket (exact scans only; see [`size_bucket`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub histogram: Vec<u64>,
}

impl PrefixRow {
    fn new(raw: &[u8]) -> Self {
        Self {
            prefix: escape_key(raw),
            raw: raw.to_vec(),
            ..Self::default()
        }
    }

    fn count(&mut self, key: &[u8], value: &[u8]) {
        self.keys += 1;
        *self.logical_bytes.get_or_insert(0) += (key.len() + value.len()) as u64;
        let largest = self.largest_value.get_or_insert(0);
        *largest = (*largest).max(value.len() as u64);
        if self.histogram.is_empty() {
            self.histogram = vec![0; HISTOGRAM_BUCKETS];
        }
        self.histogram[size_bucket(value.len())] += 1;
    }

    /// Adds what `other` counted (the same prefix, elsewhere in the key space).
    fn merge(&mut self, other: &PrefixRow) {
        self.keys += other.keys;
        if let Some(bytes) = other.logical_bytes {
            *self.logical_bytes.get_or_insert(0) += bytes;
        }
        if let Some(largest) = other.largest_value {
            let mine = self.largest_value.get_or_insert(0);
            *mine = (*mine).max(largest);
        }
        if !other.histogram.is_empty() {
            if self.histogram.is_empty() {
                self.histogram = vec![0; HISTOGRAM_BUCKETS];
            }
            for (mine, theirs) in self.histogram.iter_mut().zip(&other.histogram) {
                *mine += theirs;
            }
        }
    }

    /// The size to rank by: logical bytes when counted, else on-disk bytes.
    pub fn bytes(&self) -> u64 {
        self.logical_bytes.or(self.disk_bytes).unwrap_or(0)
    }
}

/// One of the largest values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LargeValue {
    /// The key, escaped.
    pub key: String,
    /// The value's size.
    pub bytes: u64,
}

/// The part of the key space an estimate did not get to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unexplored {
    /// The first key not grouped, escaped.
    pub from: String,
    /// RocksDB's approximate on-disk bytes from there on.
    pub disk_bytes: u64,
    /// Keys estimated from them.
    pub keys: u64,
}

/// The key space of one column family below one prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// The column family.
    pub cf: String,
    /// The prefix drilled into (escaped; empty at the top).
    pub within: String,
    /// How keys were grouped.
    pub grouping: String,
    /// Counted by a scan (true) or estimated from approximate sizes.
    pub exact: bool,
    /// Prefixes, largest first.
    pub rows: Vec<PrefixRow>,
    /// Keys with no further delimiter, together.
    pub ungrouped: PrefixRow,
    /// Where an estimate stopped looking for prefixes (a time budget), if it did.
    pub unexplored: Option<Unexplored>,
    /// Prefixes beyond the cap, together (exact scans with very many prefixes).
    pub other_prefixes: Option<PrefixRow>,
    /// Entries in the memtables: in an estimate's total, but not seen by prefix (they
    /// are spread over the prefixes in proportion to their on-disk sizes).
    pub memtable_entries: u64,
    /// The largest values (exact scans only), largest first.
    pub largest: Vec<LargeValue>,
    /// Keys scanned (exact) or stepped over while looking for prefixes (estimate).
    pub keys_read: u64,
    /// Why an estimate may mislead (many L0 files, values in blob files).
    pub warnings: Vec<String>,
}

/// Distinct prefixes kept at most; the rest are counted together.
pub const MAX_PREFIXES: usize = 10_000;
/// How long an estimate looks for prefixes before it names what it did not reach.
const DISCOVERY_BUDGET: Duration = Duration::from_millis(400);
/// Below this many keys (RocksDB's estimate) an estimate counts exactly instead: the
/// scan takes a few tens of milliseconds and the answer is not approximate.
pub const EXACT_BELOW: u64 = 200_000;

/// The breakdown estimated from RocksDB's approximate sizes: prefixes found by seeking
/// past each one (one seek per prefix, not per key), their on-disk bytes from the SST
/// indexes, keys in proportion. Small column families, and those with a fifth or more
/// of their entries still in the memtables (which approximate sizes do not see), are
/// counted exactly instead.
/// The fallback count reports to `progress` and stops when `cancelled` (`Ok(None)`).
pub fn estimate(
    source: &Source,
    cf: &str,
    grouping: &Grouping,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<Breakdown>, InspectError> {
    let grouping = &grouping.resolve(source, cf)?;
    let estimated_keys = source.estimate_keys(cf)?;
    let in_memory = memtable_entries(source, cf)?;
    // Approximate sizes see SST files only: when much of the data is still in the
    // memtables an estimate would show it as nothing, so count instead.
    if estimated_keys < EXACT_BELOW || in_memory.saturating_mul(5) > estimated_keys {
        return exact(source, cf, grouping, 10, cancelled, progress);
    }
    estimate_from_sizes(source, cf, grouping).map(Some)
}

/// The estimate itself, without the fallback to counting that [`estimate`] takes for
/// small or memtable-heavy column families (tests force it with this). `grouping` is
/// used as given ([`Grouping::resolve`] first to choose one).
pub fn estimate_from_sizes(
    source: &Source,
    cf: &str,
    grouping: &Grouping,
) -> Result<Breakdown, InspectError> {
    let estimated_keys = source.estimate_keys(cf)?;
    let in_memory = memtable_entries(source, cf)?;
    let mut it = source.seeker(cf, &grouping.bounds())?;
    let started = Instant::now();
    let mut groups: Vec<Vec<u8>> = Vec::new();
    let mut ungrouped = PrefixRow::new(b"");
    let mut unexplored_from = None;
    let mut keys_read = 0u64;
    while let Some(key) = it.key() {
        keys_read += 1;
        if keys_read.is_multiple_of(256) && started.elapsed() > DISCOVERY_BUDGET {
            unexplored_from = Some(key.to_vec());
            break;
        }
        match grouping.group(key) {
            Some(group) => {
                let group = group.to_vec();
                match prefix_successor(&group) {
                    Some(next) => it.seek(&next),
                    None => {
                        groups.push(group);
                        break;
                    }
                }
                groups.push(group);
            }
            None => {
                ungrouped.count(key, it.value().unwrap_or_default());
                it.next();
            }
        }
    }
    it.status()
        .map_err(crate::storage::rocksdb::backend_error)?;
    drop(it);

    // On-disk bytes of each prefix's range, and of the part not reached, in one call.
    let end = range_end(source, cf, grouping)?;
    let mut ranges: Vec<(Vec<u8>, Vec<u8>)> = groups
        .iter()
        .map(|g| {
            (
                g.clone(),
                prefix_successor(g).unwrap_or_else(|| end.clone()),
            )
        })
        .collect();
    if let Some(from) = &unexplored_from {
        ranges.push((from.clone(), end.clone()));
    }
    let sizes = source.approximate_sizes(cf, &ranges)?;
    let files = source.live_files_of(cf)?;
    let disk_total: u64 = files.iter().map(|f| f.size as u64).sum();
    let level0 = files.iter().filter(|f| f.level == 0).count();
    let blob_bytes = source.int_property(cf, "rocksdb.total-blob-file-size")?;
    let mut warnings = Vec::new();
    if level0 > 20 {
        warnings.push(format!(
            "{level0} overlapping L0 files make these estimates rough (they may be off several times over): c / --exact counts"
        ));
    }
    if blob_bytes > 0 {
        warnings.push(format!(
            "{} of values live in blob files, which these on-disk sizes leave out",
            humansize::format_size(blob_bytes, humansize::BINARY)
        ));
    }
    let keys_per_byte = if disk_total == 0 {
        0.0
    } else {
        estimated_keys as f64 / disk_total as f64
    };
    let keys_for = |bytes: u64| (bytes as f64 * keys_per_byte).round() as u64;
    let mut rows: Vec<PrefixRow> = groups
        .iter()
        .zip(&sizes)
        .map(|(g, &bytes)| PrefixRow {
            // A prefix was seen, so it has at least one key even if it is all in memory.
            keys: keys_for(bytes).max(1),
            disk_bytes: Some(bytes),
            ..PrefixRow::new(g)
        })
        .collect();
    sort_rows(&mut rows);
    let unexplored = unexplored_from.map(|from| {
        let disk_bytes = sizes.last().copied().unwrap_or(0);
        Unexplored {
            from: escape_key(&from),
            disk_bytes,
            keys: keys_for(disk_bytes),
        }
    });
    Ok(Breakdown {
        cf: cf.to_string(),
        within: escape_key(&grouping.within),
        grouping: grouping.describe(),
        exact: false,
        rows,
        ungrouped,
        unexplored,
        other_prefixes: None,
        memtable_entries: in_memory,
        largest: Vec::new(),
        keys_read,
        warnings,
    })
}

/// The breakdown counted by scanning every key below the prefix: keys, key and value
/// bytes, the largest value and a value-size histogram per prefix, and the `top` largest
/// values overall. `progress` hears the keys read so far; `cancelled` stops it
/// (`Ok(None)`).
pub fn exact(
    source: &Source,
    cf: &str,
    grouping: &Grouping,
    top: usize,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<Breakdown>, InspectError> {
    let grouping = &grouping.resolve(source, cf)?;
    let visit = |part: &mut Tally, key: &[u8], value: &[u8]| part.count(grouping, top, key, value);
    let walked = source.walk_parallel(
        cf,
        &grouping.bounds(),
        Tally::default,
        visit,
        Watch {
            progress,
            cancelled,
        },
    )?;
    let Some(walked) = walked else {
        return Ok(None);
    };
    let keys_read = walked.read;
    let Tally {
        mut rows,
        ungrouped,
        other_prefixes: other,
        largest,
        ..
    } = Tally::fold(walked.parts, top);
    // Each prefix's share of the SST files beside its key and value bytes: the two
    // differ by compression, block overhead and versions not yet compacted away.
    let ranges: Vec<(Vec<u8>, Vec<u8>)> = if rows.is_empty() {
        Vec::new()
    } else {
        let end = range_end(source, cf, grouping)?;
        rows.iter()
            .map(|r| {
                (
                    r.raw.clone(),
                    prefix_successor(&r.raw).unwrap_or_else(|| end.clone()),
                )
            })
            .collect()
    };
    for (row, bytes) in rows.iter_mut().zip(source.approximate_sizes(cf, &ranges)?) {
        row.disk_bytes = Some(bytes);
    }
    sort_rows(&mut rows);
    let mut largest: Vec<LargeValue> = largest
        .into_iter()
        .map(|Reverse((bytes, Reverse(key)))| LargeValue {
            key: escape_key(&key),
            bytes,
        })
        .collect();
    largest.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
    Ok(Some(Breakdown {
        cf: cf.to_string(),
        within: escape_key(&grouping.within),
        grouping: grouping.describe(),
        exact: true,
        rows,
        ungrouped,
        unexplored: None,
        other_prefixes: other,
        memtable_entries: memtable_entries(source, cf)?,
        largest,
        keys_read,
        warnings: Vec::new(),
    }))
}

/// What an exact scan has counted over part of the key space: rows in the order their
/// prefixes were first met, at most [`MAX_PREFIXES`] of them.
#[derive(Default)]
struct Tally {
    index: HashMap<Vec<u8>, usize>,
    rows: Vec<PrefixRow>,
    ungrouped: PrefixRow,
    other_prefixes: Option<PrefixRow>,
    /// The `top` largest values: the least of them on top (smaller size, then the later
    /// key), so the set kept is the largest values, earlier keys first among equals,
    /// however the key space was cut into parts.
    largest: Largest,
}

/// The largest values kept so far: the least of them on top.
type Largest = BinaryHeap<Reverse<(u64, Reverse<Vec<u8>>)>>;

impl Tally {
    /// Counts one pair.
    fn count(&mut self, grouping: &Grouping, top: usize, key: &[u8], value: &[u8]) {
        let row = match grouping.group(key) {
            None => &mut self.ungrouped,
            Some(group) => self.row(group),
        };
        row.count(key, value);
        keep_largest(&mut self.largest, top, value.len() as u64, key);
    }

    /// The row of `group`: its own while there is room, else the one for the rest.
    fn row(&mut self, group: &[u8]) -> &mut PrefixRow {
        match self.index.get(group) {
            Some(&i) => &mut self.rows[i],
            None if self.rows.len() < MAX_PREFIXES => {
                self.index.insert(group.to_vec(), self.rows.len());
                self.rows.push(PrefixRow::new(group));
                self.rows.last_mut().expect("just pushed")
            }
            None => self
                .other_prefixes
                .get_or_insert_with(|| PrefixRow::new(b"(other prefixes)")),
        }
    }

    /// The parts' tallies, given in key order, as one scan in key order would have
    /// counted: a prefix gets its own row if it was among the first [`MAX_PREFIXES`]
    /// met, whichever part met it.
    fn fold(parts: Vec<Tally>, top: usize) -> Tally {
        let mut whole = Tally::default();
        for part in parts {
            for row in part.rows {
                whole.row(&row.raw).merge(&row);
            }
            whole.ungrouped.merge(&part.ungrouped);
            if let Some(other) = part.other_prefixes {
                whole
                    .other_prefixes
                    .get_or_insert_with(|| PrefixRow::new(b"(other prefixes)"))
                    .merge(&other);
            }
            for Reverse((bytes, Reverse(key))) in part.largest {
                keep_largest(&mut whole.largest, top, bytes, &key);
            }
        }
        whole
    }
}

/// Keeps `key` among the `top` largest values if it belongs there.
fn keep_largest(largest: &mut Largest, top: usize, bytes: u64, key: &[u8]) {
    if top == 0 {
        return;
    }
    if largest.len() < top {
        largest.push(Reverse((bytes, Reverse(key.to_vec()))));
    } else if largest
        .peek()
        .is_some_and(|Reverse((min, Reverse(min_key)))| {
            (bytes, Reverse(key)) > (*min, Reverse(min_key.as_slice()))
        })
    {
        largest.pop();
        largest.push(Reverse((bytes, Reverse(key.to_vec()))));
    }
}

fn sort_rows(rows: &mut [PrefixRow]) {
    rows.sort_by(|a, b| {
        b.bytes()
            .cmp(&a.bytes())
            .then(b.keys.cmp(&a.keys))
            .then_with(|| a.raw.cmp(&b.raw))
    });
}

/// A key after every key of the breakdown's range.
fn range_end(source: &Source, cf: &str, grouping: &Grouping) -> Result<Vec<u8>, InspectError> {
    if let Some(upper) = grouping.bounds().upper {
        return Ok(upper);
    }
    let largest = source
        .live_files_of(cf)?
        .into_iter()
        .filter_map(|f| f.end_key)
        .max()
        .unwrap_or_default();
    let mut end = largest;
    end.push(0);
    Ok(end)
}

fn memtable_entries(source: &Source, cf: &str) -> Result<u64, InspectError> {
    Ok(
        source.int_property(cf, "rocksdb.num-entries-active-mem-table")?
            + source.int_property(cf, "rocksdb.num-entries-imm-mem-tables")?,
    )
}
