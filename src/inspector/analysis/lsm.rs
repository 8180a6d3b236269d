//! The LSM by prefix: for each key prefix, its bytes, entries and files per level, its
//! tombstones and older versions, the files a read of one of its keys may check (read
//! amplification), and the bytes a compaction of its range would reclaim. Every live
//! table of the column family is read entry by entry (`formats::sst::entries`) and merged
//! in key order, newest version first, so each version is judged as a compaction to the
//! bottom level judges it: a tombstone and everything below it go, older versions under
//! a newer one go, merge operands stay. Read-only; the files are opened at the start and
//! held, so a compaction by a live service cannot take them away mid-read; the reads are
//! charged to `--io-limit`.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::PathBuf;

use serde::Serialize;

use crate::inspector::analysis::keyspace::{Grouping, MAX_PREFIXES};
use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::formats::sst::entries::{
    BLOB_INDEX, DELETIONS, Entry, RangeTombstone, TableEntries, blob_size,
};
use crate::inspector::source::{Source, yielding};
use crate::storage::rocksdb::prefix_successor;

/// The comparator this reader's key order is.
const BYTEWISE: &str = "leveldb.BytewiseComparator";
/// Times the live file list is read again when a file vanished before it was opened.
const OPEN_ATTEMPTS: usize = 3;

/// One prefix's share of one level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LevelShare {
    /// The level.
    pub level: i32,
    /// Table files holding entries of the prefix.
    pub files: u64,
    /// Their stored bytes that the prefix's entries take (by entry size within a block).
    pub bytes: u64,
    /// Entries: values, tombstones, older versions, merge operands.
    pub entries: u64,
}

/// One prefix across the LSM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrefixLsm {
    /// The prefix, escaped (`(no prefix)` for keys without one).
    pub prefix: String,
    /// The raw prefix, `None` for the keys without one.
    #[serde(skip)]
    pub raw: Option<Vec<u8>>,
    /// Stored bytes in table files.
    pub bytes: u64,
    /// Entries in table files.
    pub entries: u64,
    /// Per level, only the levels holding some.
    pub levels: Vec<LevelShare>,
    /// Keys whose newest version is not a tombstone.
    pub live_keys: u64,
    /// Point tombstones (deletions, single deletions).
    pub tombstones: u64,
    /// Versions under a newer version of the same key (not tombstones).
    pub older_versions: u64,
    /// Entries a compaction of the prefix's range to the bottom level drops, unless a
    /// snapshot holds them.
    pub reclaimable_entries: u64,
    /// Their stored bytes.
    pub reclaimable_bytes: u64,
    /// Bytes of the blobs its values point at (blob files).
    pub blob_bytes: u64,
    /// Bytes of blobs only reclaimable entries point at: garbage once they go.
    pub blob_garbage_bytes: u64,
    /// Entries under a range deletion (counted as neither live nor tombstones).
    pub range_deleted: u64,
    /// Table files a compaction of its range rewrites (every file whose range meets it:
    /// level-0 files often cover every prefix), and their bytes.
    pub compaction_files: u64,
    /// Their bytes.
    pub compaction_bytes: u64,
    /// Table files a point read of one of its keys may check: every level-0 file whose
    /// range covers the prefix and one file per deeper level that has one.
    pub read_files: Option<u64>,
    /// The `compact` command for the prefix's range (set by the caller that knows the
    /// database's path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compact: Option<String>,
}

/// A table file that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: i32,
    /// Its size.
    pub bytes: u64,
    /// Why.
    pub reason: String,
    /// The damage was met mid-file: its entries before it are in the rows, those after
    /// it are not.
    pub partly_counted: bool,
}

/// The LSM of one column family by prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LsmReport {
    /// The column family.
    pub cf: String,
    /// The prefix drilled into (escaped; empty for every key).
    pub within: String,
    /// How keys were grouped.
    pub grouping: String,
    /// Live table files read.
    pub files_read: u64,
    /// Their size.
    pub table_bytes: u64,
    /// Table files per level, `(level, files)`.
    pub files_per_level: Vec<(i32, u64)>,
    /// Prefixes, the most reclaimable first (then the largest).
    pub rows: Vec<PrefixLsm>,
    /// Keys with no further delimiter, together.
    pub ungrouped: Option<PrefixLsm>,
    /// Prefixes beyond the first [`MAX_PREFIXES`], together.
    pub other_prefixes: Option<PrefixLsm>,
    /// Every row summed.
    pub total: PrefixLsm,
    /// Range deletions in the files read (not counted per prefix, and the keys they
    /// cover are not counted as reclaimable).
    pub range_deletions: u64,
    /// Entries in the memtables: not in any table file yet, so in no row.
    pub memtable_entries: u64,
    /// Files that could not be read: their entries are in no row.
    pub unread: Vec<Unread>,
    /// The column family's blob files as the MANIFEST counts them, with the garbage
    /// they hold now and whether a compaction would collect it.
    pub blob_files: Option<BlobFiles>,
    /// What else the reader should know (a grouping that fell back).
    pub notes: Vec<String>,
}

/// Blob files of a column family, from the MANIFEST.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlobFiles {
    /// Blob files.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Bytes of blobs no live entry points at any more.
    pub garbage_bytes: u64,
    /// `enable_blob_garbage_collection`: without it, compactions leave blob garbage.
    pub gc_enabled: bool,
}

/// A live table file, opened.
struct Table {
    name: String,
    level: i32,
    bytes: u64,
    start: Option<Vec<u8>>,
    end: Option<Vec<u8>>,
    file: Option<File>,
}

/// Reads the LSM of `cf` by prefix under `grouping`; `progress(read, total)` hears of the
/// stored bytes read. `Ok(None)` when `cancelled` said stop.
pub fn lsm(
    source: &Source,
    cf: &str,
    grouping: &Grouping,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Option<LsmReport>, InspectError> {
    if source.cluster().is_some() {
        return Err(source.not_rocksdb("the LSM by prefix (table files)"));
    }
    // Choosing the grouping reads a sample of keys through RocksDB, which stops at a
    // damaged block; the tables' own read goes on past one (naming it), so the grouping
    // falls back to the delimiter rather than the whole answer failing.
    let mut notes = Vec::new();
    let grouping = match grouping.resolve(source, cf) {
        Ok(g) => g,
        Err(e) => {
            notes.push(format!(
                "the grouping could not be chosen from the keys ({e}; `spear-inspect verify` names any damage): grouped by the delimiter"
            ));
            Grouping {
                auto: false,
                ..grouping.clone()
            }
        }
    };
    let mut tables = open_tables(source, cf)?;
    let lower = grouping.within.clone();
    let upper = (!lower.is_empty())
        .then(|| prefix_successor(&lower))
        .flatten();
    let in_range = |t: &Table| {
        let after_lower = t.end.as_deref().is_none_or(|e| e >= lower.as_slice());
        let before_upper = match (&upper, t.start.as_deref()) {
            (Some(u), Some(s)) => s < u.as_slice(),
            _ => true,
        };
        after_lower && before_upper
    };
    let mut report = LsmReport {
        cf: cf.to_string(),
        within: escape_key(&lower),
        grouping: grouping.describe(),
        memtable_entries: source.int_property(cf, "rocksdb.num-entries-active-mem-table")?
            + source.int_property(cf, "rocksdb.num-entries-imm-mem-tables")?,
        notes,
        ..LsmReport::default()
    };
    let mut per_level: std::collections::BTreeMap<i32, u64> = Default::default();
    for t in &tables {
        *per_level.entry(t.level).or_default() += 1;
    }
    report.files_per_level = per_level.into_iter().collect();

    // One stream per level-0 file, one per deeper level (its files in key order).
    let mut order: Vec<usize> = (0..tables.len())
        .filter(|&i| in_range(&tables[i]))
        .collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&tables[a], &tables[b]);
        a.level.cmp(&b.level).then_with(|| a.start.cmp(&b.start))
    });
    let total: u64 = order.iter().map(|&i| tables[i].bytes).sum();
    let mut streams: Vec<Stream> = Vec::new();
    for &i in &order {
        match streams.last_mut() {
            Some(s) if tables[i].level > 0 && s.level == tables[i].level => s.queue.push(i),
            _ => streams.push(Stream::new(tables[i].level, i)),
        }
    }
    let range_tombstones = range_tombstones(source, cf, &mut tables, &order)?;
    let mut merge = Merge {
        tables: &mut tables,
        lower: &lower,
        upper: upper.as_deref(),
        unread: Vec::new(),
        files_read: 0,
        range_deletions: 0,
        bytes_done: 0,
    };
    for s in &mut streams {
        merge.settle(s);
    }
    let mut tally = Tally::new(&grouping, range_tombstones);
    let mut read_before = 0u64;
    let mut steps = 0u64;
    loop {
        steps += 1;
        if steps.is_multiple_of(4096) {
            if cancelled() {
                return Ok(None);
            }
            let read: u64 = merge.bytes_done + streams.iter().map(Stream::bytes_read).sum::<u64>();
            if read != read_before {
                // Within `--io-limit`, shared with every other walk of the process.
                yielding::charge(read - read_before);
                progress(read, total);
                read_before = read;
            }
        }
        // The next entry in (user key ascending, sequence descending) order.
        let mut next: Option<(usize, Entry<'_>)> = None;
        for (i, s) in streams.iter().enumerate() {
            let Some(e) = s.peek() else { continue };
            let before = next.as_ref().is_none_or(|(_, n)| {
                (e.user_key, std::cmp::Reverse(e.seq)) < (n.user_key, std::cmp::Reverse(n.seq))
            });
            if before {
                next = Some((i, e));
            }
        }
        let Some((i, entry)) = next else { break };
        let file = streams[i].reading();
        tally.add(&entry, streams[i].level, file);
        streams[i].advance();
        merge.settle(&mut streams[i]);
    }
    progress(total, total);
    report.files_read = merge.files_read;
    report.range_deletions = merge.range_deletions;
    report.unread = merge.unread;
    report.table_bytes = order.iter().map(|&i| tables[i].bytes).sum();
    report.blob_files = blob_files(source, cf);
    tally.finish(&mut report, &tables);
    Ok(Some(report))
}

/// Opens every live table file of `cf`, reading the list again (up to
/// [`OPEN_ATTEMPTS`] times) when a compaction removed one before it was opened.
fn open_tables(source: &Source, cf: &str) -> Result<Vec<Table>, InspectError> {
    crate::storage::open_files::raise_soft_limit();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let live = source.live_files_of(cf)?;
        let mut tables = Vec::with_capacity(live.len());
        let mut vanished = None;
        for f in live {
            let path: PathBuf = source.path().join(f.name.trim_start_matches('/'));
            match File::open(&path) {
                Ok(file) => tables.push(Table {
                    name: f.name.trim_start_matches('/').to_string(),
                    level: f.level,
                    bytes: f.size as u64,
                    start: f.start_key,
                    end: f.end_key,
                    file: Some(file),
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    vanished = Some(path);
                    break;
                }
                Err(e) => {
                    return Err(InspectError::Io {
                        what: format!(
                            "opening the table file {} (raise `ulimit -n` if it says too many open files)",
                            path.display()
                        ),
                        source: std::sync::Arc::new(e),
                    });
                }
            }
        }
        match vanished {
            None => return Ok(tables),
            Some(path) if attempt >= OPEN_ATTEMPTS => {
                return Err(InspectError::Invalid(format!(
                    "the table file {} is listed live but is not there, {OPEN_ATTEMPTS} times in a row: \
                     the owning service is compacting faster than the list can be read; try again",
                    path.display()
                )));
            }
            Some(_) => source.catch_up()?,
        }
    }
}

/// The tables of one level-0 file or one deeper level, read in key order.
struct Stream {
    level: i32,
    queue: Vec<usize>,
    next_in_queue: usize,
    reader: Option<(usize, TableEntries)>,
}

impl Stream {
    fn new(level: i32, first: usize) -> Self {
        Self {
            level,
            queue: vec![first],
            next_in_queue: 0,
            reader: None,
        }
    }

    fn peek(&self) -> Option<Entry<'_>> {
        self.reader.as_ref().and_then(|(_, r)| r.peek())
    }

    /// The table the entry under the cursor is in.
    fn reading(&self) -> usize {
        self.reader.as_ref().map_or(usize::MAX, |(i, _)| *i)
    }

    fn advance(&mut self) {
        if let Some((_, r)) = self.reader.as_mut() {
            r.advance();
        }
    }

    fn bytes_read(&self) -> u64 {
        self.reader.as_ref().map_or(0, |(_, r)| r.bytes_read)
    }
}

/// What the streams share while they are read: the files, the key range, and what could
/// not be read.
struct Merge<'t> {
    tables: &'t mut [Table],
    lower: &'t [u8],
    upper: Option<&'t [u8]>,
    unread: Vec<Unread>,
    files_read: u64,
    range_deletions: u64,
    bytes_done: u64,
}

impl Merge<'_> {
    /// Brings `stream` to its next entry within the range, opening its next table when
    /// one ends; a table that cannot be read is named in `unread` and passed over.
    fn settle(&mut self, stream: &mut Stream) {
        loop {
            if let Some((i, reader)) = stream.reader.as_mut() {
                let i = *i;
                match reader.settle() {
                    Ok(true) => {
                        let key = reader.peek().expect("settled").user_key;
                        if key < self.lower {
                            reader.advance();
                            continue;
                        }
                        if self.upper.is_none_or(|u| key < u) {
                            return;
                        }
                        // Past the range: so are the level's later files.
                        stream.next_in_queue = stream.queue.len();
                    }
                    Ok(false) => {}
                    Err(reason) => {
                        let partly = reader.bytes_read > 0;
                        self.unread(i, reason);
                        if let Some(u) = self.unread.last_mut() {
                            u.partly_counted = partly;
                        }
                    }
                }
                self.bytes_done += reader.bytes_read;
                stream.reader = None;
            }
            let Some(&i) = stream.queue.get(stream.next_in_queue) else {
                return;
            };
            stream.next_in_queue += 1;
            let Some(file) = self.tables[i].file.take() else {
                continue;
            };
            match TableEntries::open(file) {
                Ok(mut reader) => {
                    self.files_read += 1;
                    self.range_deletions += reader.range_deletions();
                    match reader.comparator() {
                        Some(c) if c != BYTEWISE => self.unread(
                            i,
                            format!("written with the comparator {c}: only {BYTEWISE} order is read here"),
                        ),
                        _ => {
                            reader.skip_before(self.lower);
                            stream.reader = Some((i, reader));
                        }
                    }
                }
                Err(reason) => self.unread(i, reason),
            }
        }
    }

    fn unread(&mut self, i: usize, reason: String) {
        let t = &self.tables[i];
        self.unread.push(Unread {
            name: t.name.clone(),
            level: t.level,
            bytes: t.bytes,
            reason,
            partly_counted: false,
        });
    }
}

/// One prefix's sums while the tables are read.
#[derive(Debug, Default)]
struct Acc {
    prefix: Option<Vec<u8>>,
    /// Per level: stored bytes, entries, files, the file last counted.
    levels: Vec<(f64, u64, u64, Option<usize>)>,
    live: u64,
    tombstones: u64,
    older: u64,
    range_deleted: u64,
    reclaim_entries: u64,
    reclaim_bytes: f64,
    blob: u64,
    blob_garbage: u64,
}

/// Row 0 sums the keys without a prefix, row 1 the prefixes beyond the cap.
const UNGROUPED: usize = 0;
const OTHER: usize = 1;

/// The sums per prefix.
struct Tally<'g> {
    grouping: &'g Grouping,
    accs: Vec<Acc>,
    index: HashMap<Vec<u8>, usize>,
    last_group: Option<(Vec<u8>, usize)>,
    files_seen: HashSet<(usize, usize)>,
    /// Every (level, file) that held an entry in range, and the last file counted.
    files_read: HashSet<(i32, usize)>,
    last_file: Option<usize>,
    key: Option<Vec<u8>>,
    /// Range deletions `(start, end, seq)` by start, the next to take effect, and those
    /// whose start the keys have passed: `(end, seq)`.
    ranges: Vec<RangeTombstone>,
    next_range: usize,
    active: Vec<(Vec<u8>, u64)>,
}

impl<'g> Tally<'g> {
    fn new(grouping: &'g Grouping, mut ranges: Vec<RangeTombstone>) -> Self {
        ranges.sort();
        Self {
            grouping,
            accs: vec![Acc::default(), Acc::default()],
            index: HashMap::new(),
            last_group: None,
            files_seen: HashSet::new(),
            files_read: HashSet::new(),
            last_file: None,
            key: None,
            ranges,
            next_range: 0,
            active: Vec::new(),
        }
    }

    /// Whether a range deletion newer than the entry covers its key (keys come in order:
    /// the deletions are swept along with them).
    fn range_deleted(&mut self, e: &Entry<'_>) -> bool {
        while let Some((start, end, seq)) = self.ranges.get(self.next_range)
            && start.as_slice() <= e.user_key
        {
            self.active.push((end.clone(), *seq));
            self.next_range += 1;
        }
        self.active.retain(|(end, _)| end.as_slice() > e.user_key);
        self.active.iter().any(|(_, seq)| *seq > e.seq)
    }

    /// The row of `key`'s prefix; keys come in order, so most share the last one's.
    fn row_of(&mut self, key: &[u8]) -> usize {
        let Some(group) = self.grouping.group(key) else {
            return UNGROUPED;
        };
        if let Some((last, row)) = &self.last_group
            && last.as_slice() == group
        {
            return *row;
        }
        let row = match self.index.get(group) {
            Some(&row) => row,
            None if self.index.len() < MAX_PREFIXES => {
                self.accs.push(Acc {
                    prefix: Some(group.to_vec()),
                    ..Acc::default()
                });
                self.index.insert(group.to_vec(), self.accs.len() - 1);
                self.accs.len() - 1
            }
            None => OTHER,
        };
        self.last_group = Some((group.to_vec(), row));
        row
    }

    /// Counts one entry, met in (user key, newest first) order.
    fn add(&mut self, e: &Entry<'_>, level: i32, file: usize) {
        let newest = self.key.as_deref() != Some(e.user_key);
        if newest {
            let key = self.key.get_or_insert_with(Vec::new);
            key.clear();
            key.extend_from_slice(e.user_key);
        }
        let deletion = DELETIONS.contains(&e.kind);
        let covered = self.range_deleted(e);
        // A compaction to the bottom keeps only each key's newest version, and not even
        // that when it is a tombstone or range-deleted: older versions go, shadowed or
        // deleted, and merge operands fold into one value (counted as the newest's bytes).
        let reclaim = !newest || deletion || covered;
        if self.last_file != Some(file) {
            self.last_file = Some(file);
            self.files_read.insert((level, file));
        }
        let row = self.row_of(e.user_key);
        let acc = &mut self.accs[row];
        if covered {
            acc.range_deleted += 1;
        } else if deletion {
            acc.tombstones += 1;
        } else if newest {
            acc.live += 1;
        } else {
            acc.older += 1;
        }
        let level = usize::try_from(level).unwrap_or(0);
        if acc.levels.len() <= level {
            acc.levels.resize(level + 1, (0.0, 0, 0, None));
        }
        let slot = &mut acc.levels[level];
        slot.0 += e.stored_bytes;
        slot.1 += 1;
        if slot.3 != Some(file) {
            slot.3 = Some(file);
            if self.files_seen.insert((row, file)) {
                slot.2 += 1;
            }
        }
        if reclaim {
            acc.reclaim_entries += 1;
            acc.reclaim_bytes += e.stored_bytes;
        }
        if e.kind == BLOB_INDEX
            && let Some(bytes) = blob_size(e.value)
        {
            acc.blob += bytes;
            if reclaim {
                acc.blob_garbage += bytes;
            }
        }
    }

    /// The rows, sorted, with the read amplification from the files' key ranges.
    fn finish(self, report: &mut LsmReport, tables: &[Table]) {
        let files_read = self.files_read;
        let mut rows: Vec<PrefixLsm> = Vec::new();
        for (i, acc) in self.accs.into_iter().enumerate() {
            let mut row = acc.into_row();
            if row.entries == 0 {
                continue;
            }
            match i {
                UNGROUPED => {
                    row.prefix = "(no prefix)".into();
                    report.ungrouped = Some(row);
                }
                OTHER => {
                    row.prefix = format!("(prefixes beyond the first {MAX_PREFIXES})");
                    report.other_prefixes = Some(row);
                }
                _ => {
                    if let Some(prefix) = row.raw.as_deref() {
                        let meets: Vec<&Table> =
                            tables.iter().filter(|t| meets(t, prefix)).collect();
                        row.read_files = Some(read_files(&meets));
                        row.compaction_files = meets.len() as u64;
                        row.compaction_bytes = meets.iter().map(|t| t.bytes).sum();
                    }
                    rows.push(row);
                }
            }
        }
        rows.sort_by(|a, b| {
            b.reclaimable_bytes
                .cmp(&a.reclaimable_bytes)
                .then(b.bytes.cmp(&a.bytes))
                .then_with(|| a.raw.cmp(&b.raw))
        });
        let mut total = PrefixLsm {
            prefix: "(all)".into(),
            ..PrefixLsm::default()
        };
        let parts = rows
            .iter()
            .chain(&report.ungrouped)
            .chain(&report.other_prefixes);
        for r in parts {
            total.bytes += r.bytes;
            total.entries += r.entries;
            total.live_keys += r.live_keys;
            total.tombstones += r.tombstones;
            total.older_versions += r.older_versions;
            total.reclaimable_entries += r.reclaimable_entries;
            total.reclaimable_bytes += r.reclaimable_bytes;
            total.blob_bytes += r.blob_bytes;
            total.blob_garbage_bytes += r.blob_garbage_bytes;
            total.range_deleted += r.range_deleted;
            for l in &r.levels {
                match total.levels.iter_mut().find(|t| t.level == l.level) {
                    Some(t) => {
                        t.bytes += l.bytes;
                        t.entries += l.entries;
                    }
                    None => total.levels.push(LevelShare {
                        files: 0,
                        ..l.clone()
                    }),
                }
            }
        }
        for t in &mut total.levels {
            t.files = files_read.iter().filter(|(l, _)| *l == t.level).count() as u64;
        }
        total.levels.sort_by_key(|l| l.level);
        report.total = total;
        report.rows = rows;
    }
}

impl Acc {
    fn into_row(self) -> PrefixLsm {
        let levels: Vec<LevelShare> = self
            .levels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.1 > 0)
            .map(|(level, l)| LevelShare {
                level: level as i32,
                files: l.2,
                bytes: l.0.round() as u64,
                entries: l.1,
            })
            .collect();
        PrefixLsm {
            prefix: self.prefix.as_deref().map(escape_key).unwrap_or_default(),
            bytes: levels.iter().map(|l| l.bytes).sum(),
            entries: levels.iter().map(|l| l.entries).sum(),
            levels,
            raw: self.prefix,
            live_keys: self.live,
            tombstones: self.tombstones,
            older_versions: self.older,
            reclaimable_entries: self.reclaim_entries,
            reclaimable_bytes: self.reclaim_bytes.round() as u64,
            blob_bytes: self.blob,
            blob_garbage_bytes: self.blob_garbage,
            range_deleted: self.range_deleted,
            compaction_files: 0,
            compaction_bytes: 0,
            read_files: None,
            compact: None,
        }
    }
}

/// Whether `t`'s key range meets the keys under `prefix`.
fn meets(t: &Table, prefix: &[u8]) -> bool {
    let starts_before_end = match (prefix_successor(prefix), t.start.as_deref()) {
        (Some(end), Some(start)) => start < end.as_slice(),
        _ => true,
    };
    starts_before_end && t.end.as_deref().is_none_or(|e| e >= prefix)
}

/// Table files a point read of a key under a prefix may check, of the files whose range
/// meets it: each level-0 file, and one per deeper level.
fn read_files(meeting: &[&Table]) -> u64 {
    let l0 = meeting.iter().filter(|t| t.level == 0).count() as u64;
    let deeper: HashSet<i32> = meeting
        .iter()
        .filter(|t| t.level > 0)
        .map(|t| t.level)
        .collect();
    l0 + deeper.len() as u64
}

/// The range deletions of the tables in `order`, read only on the levels whose table
/// properties count some (their blocks are small; the other tables are not opened twice).
fn range_tombstones(
    source: &Source,
    cf: &str,
    tables: &mut [Table],
    order: &[usize],
) -> Result<Vec<RangeTombstone>, InspectError> {
    let levels: HashSet<i32> = crate::inspector::analysis::tombstones::tombstones(source, cf)?
        .levels
        .iter()
        .filter(|l| l.range_deletions > 0)
        .map(|l| l.level as i32)
        .collect();
    let mut out = Vec::new();
    for &i in order {
        if !levels.contains(&tables[i].level) {
            continue;
        }
        let Some(file) = tables[i].file.as_ref().and_then(|f| f.try_clone().ok()) else {
            continue;
        };
        // A table that cannot be read is named when the merge reaches it.
        if let Ok(mut reader) = TableEntries::open(file)
            && let Ok(found) = reader.range_tombstones()
        {
            out.extend(found);
        }
    }
    Ok(out)
}

/// The column family's blob files from the MANIFEST, if it has any.
fn blob_files(source: &Source, cf: &str) -> Option<BlobFiles> {
    let garbage = crate::inspector::analysis::blobs::blob_garbage(source.path())
        .ok()
        .flatten()?;
    let (files, bytes, garbage_bytes) = garbage.of_cf(cf);
    (files > 0).then(|| BlobFiles {
        files,
        bytes,
        garbage_bytes,
        gc_enabled: garbage
            .collection
            .iter()
            .any(|c| c.cf == cf && c.enabled == Some(true)),
    })
}

/// The `compact` command of each row, for the database at `db`.
pub fn with_commands(report: &mut LsmReport, db: &str) {
    for row in &mut report.rows {
        let end = row.raw.as_deref().and_then(prefix_successor);
        row.compact = row.raw.as_deref().map(|p| {
            crate::inspector::text::explain::compact_range_command(
                db,
                &report.cf,
                Some(p),
                end.as_deref(),
            )
        });
    }
}
