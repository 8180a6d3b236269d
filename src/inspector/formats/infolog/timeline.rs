//! Aggregation of a LOG entry stream into write-stall periods, per-time-bucket flush/compaction figures, event counts and background errors (serde-serializable for `--json`).
//!
//! Definitions:
//! - **flush bytes**: the `file_size` of every `table_file_creation` event whose job is a flush
//!   job (a job that logged `flush_started`); RocksDB 7.x's `flush_finished` carries no size.
//!   Table files created by other jobs (WAL recovery at open, job of `recovery_started`) count
//!   as `other_write_bytes`.
//! - **compaction read bytes**: `input_data_size` of the job's `compaction_started`;
//!   **compaction write bytes**: `total_output_size` of its `compaction_finished`;
//!   **compaction time**: its `compaction_time_micros`. All three are booked in the bucket of the
//!   `compaction_finished` event.
//! - **compaction throughput** (MB/s, 1 MB = 10^6 bytes): (read + write bytes) / compaction time,
//!   summed over the compactions that finished in the bucket.
//! - **write amplification**: (flush bytes + compaction write bytes) / flush bytes, over the
//!   bucket (or the whole stream); `None` without flush bytes.
//! - **stall period** (per cf): RocksDB logs `Stalling writes`/`Stopping writes` each time it
//!   recomputes the write condition of a cf (after each flush or compaction that changes the
//!   LSM) while the condition holds, and logs nothing when it clears. A period is therefore a
//!   maximal run of stall messages of one cf in which consecutive messages are at most
//!   [`TimelineOptions::stall_gap`] apart and no sign of the normal condition comes between them
//!   (`Increasing compaction threads` for that cf, or a DB open/close). It starts at its first
//!   message and ends at its last: the true end lies between that and the next entry of the cf.
//! - **buckets**: fixed-width windows aligned on multiples of the width since the epoch; the
//!   width is chosen at [`Timeline::finish`] from the span (the smallest of 1 s, 10 s, 1 min,
//!   10 min, 1 h, 6 h, 1 d, 7 d giving at most 120 buckets) unless set.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use serde::Serialize;

use super::event::{EventKind, LogEvent, StallCause, StallCondition};
use super::reader::LogEntry;

const WIDTHS: [i64; 8] = [1, 10, 60, 600, 3600, 6 * 3600, 86_400, 7 * 86_400];
const MAX_BUCKETS: i64 = 120;
/// The stored resolution is coarsened when more buckets than this are held.
const MAX_STORED: usize = 100_000;
/// At most this many background errors are kept with their text.
const MAX_ERRORS_KEPT: usize = 1000;
/// Running jobs remembered (flush jobs until `flush_finished`, compactions until
/// `compaction_finished`); the maps are cleared past this.
const MAX_JOBS: usize = 65_536;

/// Settings of a [`Timeline`].
#[derive(Debug, Clone, Copy)]
pub struct TimelineOptions {
    /// The bucket width in seconds; `None` chooses it from the span.
    pub bucket_secs: Option<u64>,
    /// The longest gap between two stall messages of one period.
    pub stall_gap: TimeDelta,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            bucket_secs: None,
            stall_gap: TimeDelta::seconds(10),
        }
    }
}

/// Figures over a time bucket or the whole stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// `flush_finished` events.
    pub flush_count: u64,
    /// Bytes of the table files written by flush jobs (see the module documentation).
    pub flush_bytes: u64,
    /// `compaction_finished` events.
    pub compaction_count: u64,
    /// `input_data_size` of the compactions that finished here.
    pub compaction_read_bytes: u64,
    /// `total_output_size` of the compactions that finished here.
    pub compaction_write_bytes: u64,
    /// `compaction_time_micros` of the compactions that finished here.
    pub compaction_micros: u64,
    /// Table files written by jobs that are neither flushes nor compactions.
    pub other_write_bytes: u64,
    /// (read + write) / compaction time, MB/s.
    pub compaction_mb_per_sec: Option<f64>,
    /// (flush + compaction write bytes) / flush bytes.
    pub write_amplification: Option<f64>,
    /// `Stalling writes` messages.
    pub stall_messages: u64,
    /// `Stopping writes` messages.
    pub stop_messages: u64,
    /// [`LogEvent::BackgroundError`] entries (other `[ERROR]` lines are not counted here).
    pub background_errors: u64,
    /// Entries by [`super::Kind::name`] (EVENT_LOG_v1 events of other kinds by their own name).
    pub events: BTreeMap<String, u64>,
}

impl Stats {
    fn merge(&mut self, o: &Stats) {
        self.flush_count += o.flush_count;
        self.flush_bytes += o.flush_bytes;
        self.compaction_count += o.compaction_count;
        self.compaction_read_bytes += o.compaction_read_bytes;
        self.compaction_write_bytes += o.compaction_write_bytes;
        self.compaction_micros += o.compaction_micros;
        self.other_write_bytes += o.other_write_bytes;
        self.stall_messages += o.stall_messages;
        self.stop_messages += o.stop_messages;
        self.background_errors += o.background_errors;
        for (k, v) in &o.events {
            *self.events.entry(k.clone()).or_default() += v;
        }
    }

    fn derive(&mut self) {
        self.compaction_mb_per_sec = (self.compaction_micros > 0).then(|| {
            (self.compaction_read_bytes + self.compaction_write_bytes) as f64
                / self.compaction_micros as f64
        });
        self.write_amplification = (self.flush_bytes > 0).then(|| {
            (self.flush_bytes + self.compaction_write_bytes) as f64 / self.flush_bytes as f64
        });
    }
}

/// One time bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Start of the bucket (a multiple of the width since the epoch, LOG-local time).
    pub start: NaiveDateTime,
    /// Figures of the entries in `[start, start + width)`.
    #[serde(flatten)]
    pub stats: Stats,
}

/// A write-stall period of one cf (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StallPeriod {
    /// The column family that stalled.
    pub cf: String,
    /// The time of the period's first stall message.
    pub start: NaiveDateTime,
    /// The time of the period's last stall message.
    pub end: NaiveDateTime,
    /// Stall messages in the period (`stalling + stopping`).
    pub count: u64,
    /// `Stalling writes` messages in the period.
    pub stalling: u64,
    /// `Stopping writes` messages in the period.
    pub stopping: u64,
    /// The most frequent cause in the period (ties: the first in [`StallCause`] order).
    pub cause: StallCause,
    /// Messages per cause.
    pub causes: BTreeMap<StallCause, u64>,
    /// Writes were stopped (not only slowed) at some point.
    pub stopped: bool,
    /// When RocksDB showed the condition normal again for the cf (`Increasing compaction
    /// threads`), if that is what ended the period; the stall ended between `end` and this.
    pub cleared_at: Option<NaiveDateTime>,
}

/// A background error, `[ERROR]` or `[FATAL]` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRecord {
    /// The entry's time ([`LogEntry::time`]).
    pub time: Option<NaiveDateTime>,
    /// The entry's file ([`LogEntry::file`]).
    pub file: usize,
    /// The entry's first line in its file ([`LogEntry::line_no`]).
    pub line_no: u64,
    /// The entry's cf, if known.
    pub cf: Option<String>,
    /// The message ([`LogEntry::text`]).
    pub text: String,
}

/// A LOG header seen in the stream (`RocksDB version:` line): written when the DB is opened,
/// and repeated at the top of a new LOG when RocksDB rolls it by size or age
/// (`max_log_file_size`, `log_file_time_to_roll`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenRecord {
    /// When the header was written.
    pub time: Option<NaiveDateTime>,
    /// The file it is in ([`LogEntry::file`]).
    pub file: usize,
    /// The RocksDB version it names.
    pub version: String,
}

/// The result of a [`Timeline`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineSummary {
    /// The earliest entry time seen.
    pub first: Option<NaiveDateTime>,
    /// The latest entry time seen.
    pub last: Option<NaiveDateTime>,
    /// The width of the buckets, seconds.
    pub bucket_secs: u64,
    /// The non-empty buckets, in time order.
    pub buckets: Vec<Bucket>,
    /// Figures over the whole stream (entries without a time included).
    pub totals: Stats,
    /// Every stall period, ordered by start time then cf.
    pub stall_periods: Vec<StallPeriod>,
    /// Background errors and `[ERROR]`/`[FATAL]` lines (the first [`MAX_ERRORS_KEPT`]).
    pub errors: Vec<ErrorRecord>,
    /// Every background error and `[ERROR]`/`[FATAL]` line, kept or not.
    pub error_count: u64,
    /// The LOG headers seen (DB opens and LOG rolls), in stream order.
    pub opens: Vec<OpenRecord>,
    /// The options dumped at the last DB open: `""` for DB-wide options, else the cf name.
    pub options: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug)]
struct OpenStall {
    period: StallPeriod,
}

/// Accumulates [`LogEntry`]s (feed it an unfiltered stream for complete figures).
#[derive(Debug)]
pub struct Timeline {
    opts: TimelineOptions,
    /// Stored bucket width, seconds (grows if too many buckets would be stored).
    width: i64,
    buckets: BTreeMap<i64, Stats>,
    untimed: Stats,
    first: Option<NaiveDateTime>,
    last: Option<NaiveDateTime>,
    flush_jobs: HashSet<u64>,
    compaction_input: HashMap<u64, u64>,
    open_stalls: BTreeMap<String, OpenStall>,
    periods: Vec<StallPeriod>,
    errors: Vec<ErrorRecord>,
    error_count: u64,
    opens: Vec<OpenRecord>,
    options: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::new(TimelineOptions::default())
    }
}

fn secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

fn from_secs(s: i64) -> NaiveDateTime {
    DateTime::from_timestamp(s, 0)
        .unwrap_or_default()
        .naive_utc()
}

impl Timeline {
    /// An empty timeline.
    pub fn new(opts: TimelineOptions) -> Self {
        let width = opts
            .bucket_secs
            .map_or(1, |w| i64::try_from(w.max(1)).unwrap_or(i64::MAX / 2));
        Timeline {
            opts,
            width,
            buckets: BTreeMap::new(),
            untimed: Stats::default(),
            first: None,
            last: None,
            flush_jobs: HashSet::new(),
            compaction_input: HashMap::new(),
            open_stalls: BTreeMap::new(),
            periods: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            opens: Vec::new(),
            options: BTreeMap::new(),
        }
    }

    fn stats_at(&mut self, t: Option<NaiveDateTime>) -> &mut Stats {
        match t {
            None => &mut self.untimed,
            Some(t) => {
                let key = secs(t).div_euclid(self.width) * self.width;
                self.buckets.entry(key).or_default()
            }
        }
    }

    fn coarsen(&mut self) {
        if self.buckets.len() <= MAX_STORED || self.opts.bucket_secs.is_some() {
            return;
        }
        let next = WIDTHS
            .iter()
            .copied()
            .find(|&w| w > self.width)
            .unwrap_or(self.width * 10);
        self.width = next;
        let old = std::mem::take(&mut self.buckets);
        for (k, s) in old {
            let key = k.div_euclid(next) * next;
            self.buckets.entry(key).or_default().merge(&s);
        }
    }

    fn close_stall(&mut self, cf: &str) {
        if let Some(o) = self.open_stalls.remove(cf) {
            self.periods.push(o.period);
        }
    }

    fn close_all_stalls(&mut self) {
        let open = std::mem::take(&mut self.open_stalls);
        self.periods.extend(open.into_values().map(|o| o.period));
    }

    /// Adds one entry.
    pub fn add(&mut self, e: &LogEntry) {
        if let Some(t) = e.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        let name = match &e.event {
            LogEvent::Event(j) => j.kind.name().to_string(),
            other => other.kind().name().to_string(),
        };
        let gap = self.opts.stall_gap;
        {
            let s = self.stats_at(e.time);
            *s.events.entry(name).or_default() += 1;
        }
        match &e.event {
            LogEvent::Event(j) => match &j.kind {
                EventKind::FlushStarted => {
                    if let Some(job) = j.job {
                        if self.flush_jobs.len() >= MAX_JOBS {
                            self.flush_jobs.clear();
                        }
                        self.flush_jobs.insert(job);
                        self.compaction_input.remove(&job);
                    }
                }
                EventKind::RecoveryStarted => {
                    // WAL recovery writes level-0 tables under its own job (`other_write_bytes`).
                    if let Some(job) = j.job {
                        self.flush_jobs.remove(&job);
                        self.compaction_input.remove(&job);
                    }
                }
                EventKind::FlushFinished => {
                    // The job's table file was logged before `flush_finished`.
                    if let Some(job) = j.job {
                        self.flush_jobs.remove(&job);
                    }
                    self.stats_at(e.time).flush_count += 1;
                }
                EventKind::TableFileCreation => {
                    let size = j.file_size.unwrap_or(0);
                    let is_flush = j.job.is_some_and(|job| self.flush_jobs.contains(&job));
                    let is_compaction = j
                        .job
                        .is_some_and(|job| self.compaction_input.contains_key(&job));
                    let s = self.stats_at(e.time);
                    if is_flush {
                        s.flush_bytes += size;
                    } else if !is_compaction {
                        s.other_write_bytes += size;
                    }
                }
                EventKind::CompactionStarted => {
                    if let Some(job) = j.job {
                        if self.compaction_input.len() >= MAX_JOBS {
                            self.compaction_input.clear();
                        }
                        self.flush_jobs.remove(&job);
                        self.compaction_input
                            .insert(job, j.input_data_size.unwrap_or(0));
                    }
                }
                EventKind::CompactionFinished => {
                    let read = j
                        .job
                        .and_then(|job| self.compaction_input.remove(&job))
                        .unwrap_or(0);
                    let write = j.total_output_size.unwrap_or(0);
                    let micros = j.compaction_time_micros.unwrap_or(0);
                    let s = self.stats_at(e.time);
                    s.compaction_count += 1;
                    s.compaction_read_bytes += read;
                    s.compaction_write_bytes += write;
                    s.compaction_micros += micros;
                }
                _ => {}
            },
            LogEvent::Stall(st) => {
                {
                    let s = self.stats_at(e.time);
                    match st.condition {
                        StallCondition::Stalling => s.stall_messages += 1,
                        StallCondition::Stopping => s.stop_messages += 1,
                    }
                }
                if let (Some(t), Some(cf)) = (e.time, &e.cf) {
                    let extend = self
                        .open_stalls
                        .get(cf)
                        .is_some_and(|o| t - o.period.end <= gap && t >= o.period.start);
                    if !extend {
                        self.close_stall(cf);
                        self.open_stalls.insert(
                            cf.clone(),
                            OpenStall {
                                period: StallPeriod {
                                    cf: cf.clone(),
                                    start: t,
                                    end: t,
                                    count: 0,
                                    stalling: 0,
                                    stopping: 0,
                                    cause: st.cause,
                                    causes: BTreeMap::new(),
                                    stopped: false,
                                    cleared_at: None,
                                },
                            },
                        );
                    }
                    if let Some(o) = self.open_stalls.get_mut(cf) {
                        let p = &mut o.period;
                        p.end = p.end.max(t);
                        p.count += 1;
                        match st.condition {
                            StallCondition::Stalling => p.stalling += 1,
                            StallCondition::Stopping => {
                                p.stopping += 1;
                                p.stopped = true;
                            }
                        }
                        *p.causes.entry(st.cause).or_default() += 1;
                        let mut best = (0, st.cause);
                        for (c, n) in &p.causes {
                            if *n > best.0 {
                                best = (*n, *c);
                            }
                        }
                        p.cause = best.1;
                    }
                }
            }
            LogEvent::CompactionPressure => {
                if let Some(cf) = &e.cf
                    && let Some(mut o) = self.open_stalls.remove(cf)
                {
                    o.period.cleared_at = e.time.filter(|&t| t >= o.period.end);
                    self.periods.push(o.period);
                }
            }
            LogEvent::BackgroundError { .. } | LogEvent::Error => {
                self.stats_at(e.time).background_errors +=
                    u64::from(matches!(e.event, LogEvent::BackgroundError { .. }));
                self.error_count += 1;
                if self.errors.len() < MAX_ERRORS_KEPT {
                    self.errors.push(ErrorRecord {
                        time: e.time,
                        file: e.file,
                        line_no: e.line_no,
                        cf: e.cf.clone(),
                        text: e.text.clone(),
                    });
                }
            }
            LogEvent::DbOpen { version } => {
                // Job numbers restart at an open; they are re-assigned by the `*_started`
                // events, so the job maps are not cleared here (the header is also repeated
                // when RocksDB rolls the LOG by size or age, without a reopen).
                self.close_all_stalls();
                self.options.clear();
                self.opens.push(OpenRecord {
                    time: e.time,
                    file: e.file,
                    version: version.clone(),
                });
            }
            LogEvent::DbClose => self.close_all_stalls(),
            LogEvent::Options { cf, values } => {
                let m = self
                    .options
                    .entry(cf.clone().unwrap_or_default())
                    .or_default();
                for (k, v) in values {
                    m.insert(k.clone(), v.clone());
                }
            }
            _ => {}
        }
        self.coarsen();
    }

    /// The summary: buckets merged to the final width, derived figures computed.
    pub fn finish(mut self) -> TimelineSummary {
        self.close_all_stalls();
        let mut periods = std::mem::take(&mut self.periods);
        periods.sort_by(|a, b| (a.start, &a.cf).cmp(&(b.start, &b.cf)));
        let width = match self.opts.bucket_secs {
            Some(_) => self.width,
            None => {
                let span = match (self.first, self.last) {
                    (Some(f), Some(l)) => secs(l) - secs(f) + 1,
                    _ => 1,
                };
                WIDTHS
                    .iter()
                    .copied()
                    .find(|&w| w >= self.width && (span + w - 1) / w <= MAX_BUCKETS)
                    .unwrap_or(WIDTHS[WIDTHS.len() - 1].max(self.width))
            }
        };
        let mut merged: BTreeMap<i64, Stats> = BTreeMap::new();
        let mut totals = self.untimed.clone();
        for (k, s) in &self.buckets {
            totals.merge(s);
            merged
                .entry(k.div_euclid(width) * width)
                .or_default()
                .merge(s);
        }
        totals.derive();
        let buckets = merged
            .into_iter()
            .map(|(k, mut stats)| {
                stats.derive();
                Bucket {
                    start: from_secs(k),
                    stats,
                }
            })
            .collect();
        TimelineSummary {
            first: self.first,
            last: self.last,
            bucket_secs: u64::try_from(width).unwrap_or(1),
            buckets,
            totals,
            stall_periods: periods,
            errors: self.errors,
            error_count: self.error_count,
            opens: self.opens,
            options: self.options,
        }
    }
}
