//! Explain a read: a point read of one key, or a seek and a page of keys under a prefix,
//! run with RocksDB's perf counters on, twice (first with this process's block cache
//! empty, as a read of cold data meets it, then again with the blocks it just cached),
//! beside the live table files whose key range the read falls in. The counters say what
//! the read cost; the files say where that cost lies; the verdict says it in words with
//! the command that fixes it.

use rocksdb::perf::{PerfContext, PerfMetric, PerfStatsLevel, set_perf_stats};
use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source};

/// Tombstones stepped over beyond which they are the read's problem.
pub const MANY_TOMBSTONES: u64 = 1000;
/// Table files in a read's path beyond which level 0 is the read's problem.
pub const MANY_FILES: usize = 8;

/// What is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// `get KEY`.
    Key(Vec<u8>),
    /// A seek to the first key of `bounds` and up to `limit` keys from there.
    Range {
        /// Where the seek starts (`lower`) and the keys end.
        bounds: Bounds,
        /// Keys read after the seek at most.
        limit: usize,
    },
}

/// RocksDB's perf counters for one run of the read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Wall time of the read, microseconds.
    pub micros: u64,
    /// Keys returned (0 or 1 for a point read).
    pub keys: u64,
    /// Blocks read from the file system (page cache or disk).
    pub blocks_read: u64,
    /// Their bytes.
    pub bytes_read: u64,
    /// Blocks found in the block cache.
    pub block_cache_hits: u64,
    /// SST bloom filter checks that let the read into a file.
    pub bloom_sst_hits: u64,
    /// SST bloom filter checks that kept it out.
    pub bloom_sst_misses: u64,
    /// Memtables searched (point reads).
    pub memtables_searched: u64,
    /// Deletions (tombstones) stepped over.
    pub tombstones_skipped: u64,
    /// Entries stepped over that are not tombstones: older versions and hidden keys.
    pub hidden_versions_skipped: u64,
    /// Time in the memtables, nanoseconds.
    pub memtable_nanos: u64,
    /// Time in the table files, nanoseconds.
    pub files_nanos: u64,
    /// Time reading blocks, nanoseconds.
    pub block_read_nanos: u64,
}

fn counters(perf: &PerfContext, micros: u64, keys: u64, seek: bool) -> Counters {
    let m = |metric| perf.metric(metric);
    let deletes = m(PerfMetric::InternalDeleteSkippedCount);
    // An iterator's count of skipped internal keys includes each live key it stepped off
    // with `Next`: only what is beyond those and the tombstones is a hidden version.
    let stepped_off = if seek { keys } else { 0 };
    Counters {
        micros,
        keys,
        blocks_read: m(PerfMetric::BlockReadCount),
        bytes_read: m(PerfMetric::BlockReadByte),
        block_cache_hits: m(PerfMetric::BlockCacheHitCount),
        bloom_sst_hits: m(PerfMetric::BloomSstHitCount),
        bloom_sst_misses: m(PerfMetric::BloomSstMissCount),
        memtables_searched: m(PerfMetric::GetFromMemtableCount),
        tombstones_skipped: deletes,
        hidden_versions_skipped: m(PerfMetric::InternalKeySkippedCount)
            .saturating_sub(deletes)
            .saturating_sub(stepped_off),
        memtable_nanos: m(PerfMetric::GetFromMemtableTime) + m(PerfMetric::SeekOnMemtableTime),
        files_nanos: m(PerfMetric::GetFromOutputFilesTime) + m(PerfMetric::SeekChildSeekTime),
        block_read_nanos: m(PerfMetric::BlockReadTime),
    }
}

/// A live table file in the read's path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInPath {
    /// Its level.
    pub level: i32,
    /// Its name (`000123.sst`).
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// Entries (keys, tombstones, versions) it holds.
    pub entries: u64,
    /// Tombstones it holds.
    pub deletions: u64,
}

/// The explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explained {
    /// The column family read.
    pub cf: String,
    /// `get KEY` or `seek under PREFIX`, keys escaped.
    pub read: String,
    /// The first run: this process's block cache empty.
    pub cold: Counters,
    /// The second run: the blocks the first one read are cached.
    pub warm: Counters,
    /// Live table files whose key range the read falls in, by level.
    pub files: Vec<FileInPath>,
    /// Files per level, `(level, files)`.
    pub files_per_level: Vec<(i32, usize)>,
    /// The verdict, a sentence per finding, the worst first.
    pub verdict: Vec<String>,
    /// The key range a compaction of which would remove what the read steps over.
    #[serde(skip)]
    pub compact_range: Option<(Vec<u8>, Vec<u8>)>,
    /// The verdict found tombstones or older versions a compaction removes.
    pub compaction_helps: bool,
}

/// Runs `read` on `cf` twice with the perf counters on, on this thread.
pub fn explain(source: &Source, cf: &str, read: &Read) -> Result<Explained, InspectError> {
    source.check_cf(cf)?;
    let mut perf = PerfContext::default();
    // The crate's level names predate RocksDB's `kEnableWait` (3): the value this name
    // carries, 4, is RocksDB 10's `kEnableTimeExceptForMutex`, which times the phases.
    set_perf_stats(PerfStatsLevel::EnableTimeAndCPUTimeExceptForMutex);
    let mut last_key = None;
    let mut run = || -> Result<Counters, InspectError> {
        perf.reset();
        let started = std::time::Instant::now();
        let keys = match read {
            Read::Key(key) => u64::from(source.get(cf, key, 0)?.is_some()),
            Read::Range { bounds, limit } => {
                let mut it = source.seeker(cf, bounds)?;
                let mut keys = 0u64;
                while it.valid() && keys < *limit as u64 {
                    keys += 1;
                    last_key = it.key().map(<[u8]>::to_vec);
                    it.next();
                }
                it.status()
                    .map_err(crate::storage::rocksdb::backend_error)?;
                keys
            }
        };
        let micros = started.elapsed().as_micros() as u64;
        Ok(counters(
            &perf,
            micros,
            keys,
            matches!(read, Read::Range { .. }),
        ))
    };
    let cold = run();
    let warm = run();
    set_perf_stats(PerfStatsLevel::Disable);
    let (cold, warm) = (cold?, warm?);

    // [key, key + \0) for one key; for a seek, the keys it read: to the upper bound, or
    // to just past the last key read when the page stopped before it.
    let past = |key: &[u8]| [key, &[0]].concat();
    let compact_range = match read {
        Read::Key(key) => Some((key.clone(), past(key))),
        Read::Range { bounds, limit } => {
            let end = match (&last_key, cold.keys >= *limit as u64) {
                (Some(last), true) => Some(past(last)),
                _ => bounds
                    .upper
                    .clone()
                    .or_else(|| last_key.as_deref().map(past)),
            };
            Some((
                bounds.lower.clone().unwrap_or_default(),
                end.unwrap_or_default(),
            ))
            .filter(|(_, end)| !end.is_empty())
        }
    };
    // The files whose key range meets what was read: [key, key] for a point read, from
    // the seek's start to just past the last key it read (or the upper bound).
    let (from, to) = match (read, &compact_range) {
        (Read::Key(key), _) => (Some(key.clone()), Some(key.clone())),
        (Read::Range { bounds, .. }, Some((_, end))) => (bounds.lower.clone(), Some(end.clone())),
        (Read::Range { bounds, .. }, None) => (bounds.lower.clone(), bounds.upper.clone()),
    };
    let inclusive_to = matches!(read, Read::Key(_));
    let mut files: Vec<FileInPath> = source
        .live_files_of(cf)?
        .into_iter()
        .filter(|f| {
            let (Some(start), Some(end)) = (f.start_key.as_deref(), f.end_key.as_deref()) else {
                return true;
            };
            let after_from = from.as_deref().is_none_or(|from| end >= from);
            let before_to = to.as_deref().is_none_or(|to| {
                if inclusive_to {
                    start <= to
                } else {
                    start < to
                }
            });
            after_from && before_to
        })
        .map(|f| FileInPath {
            level: f.level,
            name: f.name.trim_start_matches('/').to_string(),
            bytes: f.size as u64,
            entries: f.num_entries,
            deletions: f.num_deletions,
        })
        .collect();
    // In the order a read meets them: level by level, and within L0 (whose files
    // overlap) the newest first.
    files.sort_by(|a, b| {
        a.level.cmp(&b.level).then_with(|| {
            if a.level == 0 {
                b.name.cmp(&a.name)
            } else {
                a.name.cmp(&b.name)
            }
        })
    });
    let mut files_per_level: Vec<(i32, usize)> = Vec::new();
    for file in &files {
        match files_per_level.last_mut() {
            Some((level, n)) if *level == file.level => *n += 1,
            _ => files_per_level.push((file.level, 1)),
        }
    }
    let read_text = match read {
        Read::Key(key) => format!("get {}", escape_key(key)),
        Read::Range { bounds, limit } => format!(
            "seek from {} to {}, up to {limit} keys",
            bounds
                .lower
                .as_deref()
                .filter(|k| !k.is_empty())
                .map_or("the first key".into(), escape_key),
            bounds
                .upper
                .as_deref()
                .map_or("the last key".into(), escape_key)
        ),
    };
    let mut explained = Explained {
        cf: cf.to_string(),
        read: read_text,
        cold,
        warm,
        files,
        files_per_level,
        verdict: Vec::new(),
        compact_range,
        compaction_helps: false,
    };
    (explained.verdict, explained.compaction_helps) = verdict(&explained);
    Ok(explained)
}

/// The findings in words, the worst first, and whether a compaction of the range removes
/// what the read stepped over.
fn verdict(x: &Explained) -> (Vec<String>, bool) {
    let mut said = Vec::new();
    let mut compaction_helps = false;
    let cold = &x.cold;
    let thousands = crate::inspector::ui::format::count;
    if cold.tombstones_skipped >= MANY_TOMBSTONES
        || (cold.tombstones_skipped > 0 && cold.tombstones_skipped >= 10 * cold.keys.max(1))
    {
        let holder = x
            .files
            .iter()
            .max_by_key(|f| f.deletions)
            .filter(|f| f.deletions > 0)
            .map(|f| {
                format!(
                    " (the most in L{} file {}: {} deletions)",
                    f.level,
                    f.name,
                    thousands(f.deletions)
                )
            })
            .unwrap_or_else(|| {
                " (in the memtables: no table file in the path holds deletions)".into()
            });
        compaction_helps = true;
        said.push(format!(
            "{} tombstones stepped over for {} key{}{holder}: a compaction of the range removes them",
            thousands(cold.tombstones_skipped),
            thousands(cold.keys),
            if cold.keys == 1 { "" } else { "s" }
        ));
    }
    if cold.hidden_versions_skipped >= MANY_TOMBSTONES {
        compaction_helps = true;
        said.push(format!(
            "{} older versions stepped over: overwrites not yet compacted away",
            thousands(cold.hidden_versions_skipped)
        ));
    }
    let l0 = x
        .files_per_level
        .iter()
        .find(|(level, _)| *level == 0)
        .map_or(0, |(_, n)| *n);
    if x.files.len() > MANY_FILES && matches!(x.read.split(' ').next(), Some("get")) {
        said.push(format!(
            "the key's range is in {} table files, {l0} of them in L0 (each may need a look): compaction is behind",
            x.files.len()
        ));
    }
    let filtered = cold.bloom_sst_hits + cold.bloom_sst_misses;
    let touched_files = filtered + cold.blocks_read + cold.block_cache_hits > 0;
    if x.read.starts_with("get ") {
        if cold.keys == 1 && !touched_files {
            said.push("found in a memtable: no table file was read".to_string());
        } else if filtered > 0 {
            said.push(format!(
                "bloom filters kept the read out of {} of {} table files they were asked about",
                cold.bloom_sst_misses, filtered
            ));
        } else if x.files.len() > 1 && cold.keys == 0 {
            said.push(format!(
                "no bloom filter answered: each of the {} table files in the key's range was searched through its index",
                x.files.len()
            ));
        } else if x.files.len() > 1 {
            said.push(format!(
                "no bloom filter answered: the {} table files in the key's range were searched through their indexes, newest first, until one held the key",
                x.files.len()
            ));
        }
    }
    said.push(format!(
        "cold: {} blocks read ({}), {} from the block cache, {:.3} ms; warm: {} read, {} from the cache, {:.3} ms",
        cold.blocks_read,
        humansize::format_size(cold.bytes_read, humansize::BINARY),
        cold.block_cache_hits,
        cold.micros as f64 / 1000.0,
        x.warm.blocks_read,
        x.warm.block_cache_hits,
        x.warm.micros as f64 / 1000.0
    ));
    (said, compaction_helps)
}
