//! The tombstones' skip scan on every core: each part of the key range walked with
//! RocksDB's perf counters on its own thread, measuring what each step from one live key
//! to the next skips; the stretch that crosses from one part into the next is put back
//! together from the end of the one and the start of the other, so the result is the
//! single walk's.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use rocksdb::perf::{PerfContext, PerfMetric, PerfStatsLevel, set_perf_stats};

use super::keyspace::{Grouping, MAX_PREFIXES};
use super::tombstones::{PrefixSkips, SkipScan, SkippedRange, TOP_RANGES, prefix_label};
use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source, Watch};

thread_local! {
    /// This walk thread's perf context (counting is switched on per thread).
    static PERF: PerfContext = PerfContext::default();
}

/// Tombstones and other hidden entries skipped so far on this thread.
fn skipped_so_far() -> (u64, u64) {
    PERF.with(|perf| {
        (
            perf.metric(PerfMetric::InternalDeleteSkippedCount),
            perf.metric(PerfMetric::InternalKeySkippedCount),
        )
    })
}

/// Tombstones skipped, hidden entries skipped, the live keys before and after.
type Stretch = (u64, u64, Option<Vec<u8>>, Option<Vec<u8>>);

/// What the stretches between live keys add up to, in the order they were met.
#[derive(Default)]
struct Tally {
    deletes: u64,
    hidden: u64,
    /// The [`TOP_RANGES`] largest stretches (the least on top).
    heap: BinaryHeap<Reverse<Stretch>>,
    /// Tombstones skipped per prefix, prefixes in the order met, at most MAX_PREFIXES.
    prefixes: Vec<(Vec<u8>, u64)>,
    index: HashMap<Vec<u8>, usize>,
}

impl Tally {
    /// One step from `after` to `before` (either end open at the edges of the walk).
    fn record(
        &mut self,
        grouping: &Grouping,
        after: Option<&[u8]>,
        before: Option<&[u8]>,
        deletes: u64,
        hidden: u64,
    ) {
        self.deletes += deletes;
        self.hidden += hidden;
        // One hidden entry is an overwritten version: not worth a row of its own.
        if deletes == 0 && hidden < 2 {
            return;
        }
        // The tombstones' own keys are not seen, only the live keys around them: a
        // stretch belongs to a prefix when both its ends do, else it is named as what it
        // is. Below `--prefix`, a key with no further delimiter belongs to the prefix.
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
        self.add_prefix(prefix, deletes);
        self.keep((
            deletes,
            hidden,
            after.map(<[u8]>::to_vec),
            before.map(<[u8]>::to_vec),
        ));
    }

    /// Adds `deletes` to `prefix`'s row (at most MAX_PREFIXES rows: a prefix per key would
    /// grow with the database).
    fn add_prefix(&mut self, prefix: Vec<u8>, deletes: u64) {
        let at = match self.index.get(&prefix) {
            Some(&at) => at,
            None if self.prefixes.len() < MAX_PREFIXES => {
                self.index.insert(prefix.clone(), self.prefixes.len());
                self.prefixes.push((prefix, 0));
                self.prefixes.len() - 1
            }
            None => return self.add_prefix(b"(other prefixes)".to_vec(), deletes),
        };
        self.prefixes[at].1 += deletes;
    }

    /// Keeps `stretch` if it is among the [`TOP_RANGES`] largest.
    fn keep(&mut self, stretch: Stretch) {
        let entry = Reverse(stretch);
        if self.heap.len() < TOP_RANGES {
            self.heap.push(entry);
        } else if self.heap.peek().is_some_and(|smallest| entry < *smallest) {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    /// Adds a later part's tally (met after everything in this one).
    fn absorb(&mut self, later: Tally) {
        self.deletes += later.deletes;
        self.hidden += later.hidden;
        for (prefix, deletes) in later.prefixes {
            self.add_prefix(prefix, deletes);
        }
        for Reverse(stretch) in later.heap {
            self.keep(stretch);
        }
    }
}

/// One part's walk.
#[derive(Default)]
struct Part {
    /// The counters at the last live key (at the part's start before the first).
    counters: (u64, u64),
    /// Skipped before the part's first live key, from its start.
    head: (u64, u64),
    first: Option<Vec<u8>>,
    last: Option<Vec<u8>>,
    /// The stretches between the part's own live keys.
    inner: Tally,
    /// Skipped after the part's last live key, to its end (the whole part when it has
    /// no live key).
    tail: (u64, u64),
    /// Live keys per group, groups in the order met.
    live: Vec<(Vec<u8>, u64)>,
    live_index: HashMap<Vec<u8>, usize>,
}

impl Part {
    fn start() -> Self {
        set_perf_stats(PerfStatsLevel::EnableCount);
        Part {
            counters: skipped_so_far(),
            ..Part::default()
        }
    }

    fn visit(&mut self, grouping: &Grouping, key: &[u8]) {
        let now = skipped_so_far();
        let (deletes, hidden) = (now.0 - self.counters.0, now.1 - self.counters.1);
        match &self.last {
            None => {
                self.head = (deletes, hidden);
                self.first = Some(key.to_vec());
            }
            // Every step from one live key to the next counts one internal key itself.
            Some(previous) => {
                let previous = previous.clone();
                self.inner.record(
                    grouping,
                    Some(&previous),
                    Some(key),
                    deletes,
                    hidden.saturating_sub(1),
                );
            }
        }
        self.counters = now;
        self.last = Some(key.to_vec());
        let group = grouping.group(key).unwrap_or(&grouping.within);
        if let Some(&at) = self.live_index.get(group) {
            self.live[at].1 += 1;
        } else if self.live.len() < MAX_PREFIXES {
            self.live_index.insert(group.to_vec(), self.live.len());
            self.live.push((group.to_vec(), 1));
        }
    }

    fn finish(&mut self) {
        let now = skipped_so_far();
        self.tail = (now.0 - self.counters.0, now.1 - self.counters.1);
    }
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
    let within = Bounds::prefix(&grouping.within);
    let walked = source.walk_parallel_finishing(
        cf,
        &within,
        Part::start,
        |part: &mut Part, key, _| part.visit(grouping, key),
        Part::finish,
        Watch {
            progress,
            cancelled,
        },
    )?;
    let Some(walked) = walked else {
        return Ok(None);
    };
    // The parts in key order, each stretch that crosses a cut made whole again: what was
    // skipped after one part's last live key and before the next one's first.
    let mut tally = Tally::default();
    let mut live: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut live_index: HashMap<Vec<u8>, usize> = HashMap::new();
    let (mut after, mut pending): (Option<Vec<u8>>, (u64, u64)) = (None, (0, 0));
    for part in walked.parts {
        let Some(first) = part.first else {
            pending = (pending.0 + part.tail.0, pending.1 + part.tail.1);
            continue;
        };
        let stepped = u64::from(after.is_some());
        tally.record(
            grouping,
            after.as_deref(),
            Some(&first),
            pending.0 + part.head.0,
            (pending.1 + part.head.1).saturating_sub(stepped),
        );
        tally.absorb(part.inner);
        for (group, n) in part.live {
            if let Some(&at) = live_index.get(&group) {
                live[at].1 += n;
            } else if live.len() < MAX_PREFIXES {
                live_index.insert(group.clone(), live.len());
                live.push((group, n));
            }
        }
        after = part.last;
        pending = part.tail;
    }
    let stepped = u64::from(after.is_some());
    tally.record(
        grouping,
        after.as_deref(),
        None,
        pending.0,
        pending.1.saturating_sub(stepped),
    );
    Ok(Some(summarize(tally, live, walked.read, &within)))
}

/// The scan's report from its tally and live keys.
fn summarize(tally: Tally, live: Vec<(Vec<u8>, u64)>, read: u64, within: &Bounds) -> SkipScan {
    let mut ranges: Vec<SkippedRange> = tally
        .heap
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
    // Equal stretches in key order: the heap gives them in no order worth showing.
    ranges.sort_by(|a, b| {
        (b.deletes_skipped, b.hidden_skipped)
            .cmp(&(a.deletes_skipped, a.hidden_skipped))
            .then_with(|| (&a.from_raw, &a.to_raw).cmp(&(&b.from_raw, &b.to_raw)))
    });
    let mut rows: Vec<PrefixSkips> = tally
        .prefixes
        .into_iter()
        .map(|(prefix, deletes)| PrefixSkips {
            prefix: prefix_label(&prefix),
            deletes_skipped: deletes,
            live_keys: 0,
        })
        .collect();
    let mut at: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.prefix.clone(), i))
        .collect();
    for (group, n) in live {
        let label = prefix_label(&group);
        match at.get(&label) {
            Some(&i) => rows[i].live_keys = n,
            None if rows.len() < MAX_PREFIXES => {
                at.insert(label.clone(), rows.len());
                rows.push(PrefixSkips {
                    prefix: label,
                    deletes_skipped: 0,
                    live_keys: n,
                });
            }
            None => {}
        }
    }
    rows.sort_by(|a, b| {
        b.deletes_skipped
            .cmp(&a.deletes_skipped)
            .then_with(|| a.prefix.cmp(&b.prefix))
    });
    SkipScan {
        live_keys: read,
        deletes_skipped: tally.deletes,
        hidden_skipped: tally.hidden,
        ranges,
        prefixes: rows,
    }
}
