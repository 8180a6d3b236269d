//! When will writes stop: RocksDB's write-stall conditions (`db/column_family.cc`)
//! worked out from the database's files and its own OPTIONS, per column family, with
//! the stalls its LOG recorded and, from the level-0 counts its flushes and compactions
//! logged, the trend towards the stop condition.
//!
//! For a database another process holds, the conditions are those its service writes
//! under now (as this view of the files sees them); for one nobody holds, those its
//! service meets on the next open, beside how the LOG says the last run ended.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;

use crate::inspector::error::InspectError;
use crate::inspector::formats::infolog::{
    EventKind, LogEvent, LogFilter, LogStream, StallCause, StallCondition, StallPeriod, Timeline,
    TimelineOptions,
};
use crate::inspector::formats::options_defaults::parse_settings;
use crate::inspector::formats::options_file::Settings;
use crate::inspector::source::Source;

/// How far back in the LOG the level-0 trend looks.
pub const TREND_WINDOW: TimeDelta = TimeDelta::minutes(10);
/// A trend over less time than this is noise (a burst of flushes), not a rate.
pub const MIN_TREND_MINUTES: f64 = 1.0;
/// A projected stop further away than this is not a verdict.
pub const HORIZON_MINUTES: f64 = 60.0;

/// How writes stand, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteState {
    /// No condition holds.
    Ok,
    /// A slowdown condition holds: writes are delayed to `delayed_write_rate`.
    Slowing,
    /// A stop condition holds: writes wait until it clears.
    Stopped,
}

impl WriteState {
    /// The word the verdict uses.
    pub fn word(self) -> &'static str {
        match self {
            WriteState::Ok => "OK",
            WriteState::Slowing => "slowing",
            WriteState::Stopped => "stopped",
        }
    }
}

/// A column family's stall settings, from its OPTIONS section (RocksDB's defaults where
/// the file is silent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StallLimits {
    /// The option of this name.
    pub level0_slowdown_writes_trigger: i64,
    /// The option of this name.
    pub level0_stop_writes_trigger: i64,
    /// The option of this name.
    pub soft_pending_compaction_bytes_limit: u64,
    /// The option of this name.
    pub hard_pending_compaction_bytes_limit: u64,
    /// The option of this name.
    pub max_write_buffer_number: i64,
    /// The option of this name.
    pub min_write_buffer_number_to_merge: i64,
    /// The option of this name.
    pub disable_auto_compactions: bool,
}

impl Default for StallLimits {
    fn default() -> Self {
        Self {
            level0_slowdown_writes_trigger: 20,
            level0_stop_writes_trigger: 36,
            soft_pending_compaction_bytes_limit: 64 << 30,
            hard_pending_compaction_bytes_limit: 256 << 30,
            max_write_buffer_number: 2,
            min_write_buffer_number_to_merge: 1,
            disable_auto_compactions: false,
        }
    }
}

impl StallLimits {
    /// The limits of `cf` in `settings` (an OPTIONS file's).
    pub fn of(settings: &Settings, cf: &str) -> Self {
        let section = format!("CFOptions \"{cf}\"");
        let get = |key: &str| settings.get(&(section.clone(), key.to_string()));
        let int =
            |key: &str, default: i64| get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
        let bytes =
            |key: &str, default: u64| get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
        let base = Self::default();
        Self {
            level0_slowdown_writes_trigger: int(
                "level0_slowdown_writes_trigger",
                base.level0_slowdown_writes_trigger,
            ),
            level0_stop_writes_trigger: int(
                "level0_stop_writes_trigger",
                base.level0_stop_writes_trigger,
            ),
            soft_pending_compaction_bytes_limit: bytes(
                "soft_pending_compaction_bytes_limit",
                base.soft_pending_compaction_bytes_limit,
            ),
            hard_pending_compaction_bytes_limit: bytes(
                "hard_pending_compaction_bytes_limit",
                base.hard_pending_compaction_bytes_limit,
            ),
            max_write_buffer_number: int("max_write_buffer_number", base.max_write_buffer_number),
            min_write_buffer_number_to_merge: int(
                "min_write_buffer_number_to_merge",
                base.min_write_buffer_number_to_merge,
            ),
            disable_auto_compactions: get("disable_auto_compactions")
                .is_some_and(|v| v.trim() == "true"),
        }
    }
}

/// What a column family's files and memtables show now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Readings {
    /// `rocksdb.num-files-at-level0`.
    pub l0_files: u64,
    /// `rocksdb.estimate-pending-compaction-bytes`.
    pub pending_compaction_bytes: u64,
    /// Memtables not yet flushed: the immutable ones and a non-empty active one.
    pub unflushed_memtables: u64,
}

/// One of the three conditions, as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// `l0_files`, `pending_compaction_bytes` or `memtables`.
    pub name: &'static str,
    /// The figure now.
    pub value: u64,
    /// Where writes are slowed, if this condition can slow them.
    pub slowdown_at: Option<u64>,
    /// Where writes stop, if this condition can stop them.
    pub stop_at: Option<u64>,
    /// How writes stand under this condition.
    pub state: WriteState,
    /// Why the condition does not apply, when it does not (`disable_auto_compactions`).
    pub off_because: Option<&'static str>,
}

/// The three conditions for `readings` under `limits`, as RocksDB computes them
/// (`ColumnFamilyData::GetWriteStallConditionAndCause`): a stop outranks a slowdown; the
/// level-0 and pending-bytes conditions are off without automatic compactions; the
/// memtable slowdown needs more than three write buffers.
pub fn judge(limits: &StallLimits, now: &Readings) -> Vec<Condition> {
    let positive = |n: i64| u64::try_from(n).ok().filter(|n| *n > 0);
    let state = |value: u64, slow: Option<u64>, stop: Option<u64>| {
        if stop.is_some_and(|stop| value >= stop) {
            WriteState::Stopped
        } else if slow.is_some_and(|slow| value >= slow) {
            WriteState::Slowing
        } else {
            WriteState::Ok
        }
    };
    let compactions_off = limits
        .disable_auto_compactions
        .then_some("disable_auto_compactions=true");
    let l0 = {
        let (slow, stop) = match compactions_off {
            Some(_) => (None, None),
            None => (
                u64::try_from(limits.level0_slowdown_writes_trigger).ok(),
                positive(limits.level0_stop_writes_trigger),
            ),
        };
        Condition {
            name: "l0_files",
            value: now.l0_files,
            slowdown_at: slow,
            stop_at: stop,
            state: state(now.l0_files, slow, stop),
            off_because: compactions_off,
        }
    };
    let pending = {
        let limit = |n: u64| (compactions_off.is_none() && n > 0).then_some(n);
        let (slow, stop) = (
            limit(limits.soft_pending_compaction_bytes_limit),
            limit(limits.hard_pending_compaction_bytes_limit),
        );
        Condition {
            name: "pending_compaction_bytes",
            value: now.pending_compaction_bytes,
            slowdown_at: slow,
            stop_at: stop,
            state: state(now.pending_compaction_bytes, slow, stop),
            off_because: compactions_off,
        }
    };
    let memtables = {
        let max = limits.max_write_buffer_number;
        let stop = positive(max);
        // Slowed one memtable before the stop, if there are more than three and the
        // flush would still have enough to merge.
        let slow = (max > 3).then(|| positive(max - 1)).flatten().filter(|at| {
            at.saturating_sub(1) >= positive(limits.min_write_buffer_number_to_merge).unwrap_or(1)
        });
        Condition {
            name: "memtables",
            value: now.unflushed_memtables,
            slowdown_at: slow,
            stop_at: stop,
            state: state(now.unflushed_memtables, slow, stop),
            off_because: None,
        }
    };
    vec![l0, pending, memtables]
}

/// Level-0 files over time for one column family, from the `lsm_state` of the flushes
/// and compactions the LOG records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct L0Trend {
    /// Files added per minute over the window (negative when compactions win).
    pub per_minute: f64,
    /// The points the rate is taken over.
    pub points: usize,
    /// Minutes the window spans.
    pub over_minutes: f64,
}

/// Fits the change in level-0 files over `points` (time, count) in the last
/// [`TREND_WINDOW`] before the newest point: the net change over the time between the
/// first and the last point.
pub fn l0_trend(points: &[(NaiveDateTime, u64)]) -> Option<L0Trend> {
    let (last_time, last) = *points.last()?;
    let window: Vec<_> = points
        .iter()
        .filter(|(t, _)| last_time - *t <= TREND_WINDOW)
        .collect();
    let (first_time, first) = **window.first()?;
    let minutes = (last_time - first_time).num_milliseconds() as f64 / 60_000.0;
    (window.len() >= 2 && minutes >= MIN_TREND_MINUTES).then(|| L0Trend {
        per_minute: (last as f64 - first as f64) / minutes,
        points: window.len(),
        over_minutes: minutes,
    })
}

/// A column family's newest stall line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastStall {
    /// When it was logged.
    pub time: NaiveDateTime,
    /// Writes slowed or stopped.
    pub condition: StallCondition,
    /// Why.
    pub cause: StallCause,
}

/// What the LOG files say about stalls.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct LogHistory {
    /// LOG files read (`LOG` and `LOG.old.*`).
    pub files: usize,
    /// The newest entry's time.
    pub last_entry: Option<NaiveDateTime>,
    /// Every stall period, oldest first.
    pub periods: Vec<StallPeriod>,
    /// `Stalling writes` lines.
    pub stalling_lines: u64,
    /// `Stopping writes` lines.
    pub stopping_lines: u64,
    /// `Stalling writes` lines per cause.
    pub slowed_by: BTreeMap<StallCause, u64>,
    /// `Stopping writes` lines per cause.
    pub stopped_by: BTreeMap<StallCause, u64>,
    /// The newest run (since the last `RocksDB version` header) ended with `Shutdown
    /// complete`.
    pub shut_down_cleanly: bool,
    /// Each column family's newest stall line: when, stalling or stopping, and why.
    pub last_stall: BTreeMap<String, LastStall>,
    /// Level-0 counts over time per column family.
    #[serde(skip)]
    pub l0_points: BTreeMap<String, Vec<(NaiveDateTime, u64)>>,
}

impl LogHistory {
    /// Reads every LOG file of `db` (a database without one gives an empty history).
    pub fn read(db: &Path) -> Result<Self, InspectError> {
        let stream = LogStream::open_dir(db, LogFilter::default())?;
        let mut history = Self {
            files: stream.files().len(),
            ..Self::default()
        };
        let mut timeline = Timeline::new(TimelineOptions::default());
        for entry in stream {
            let entry = entry?;
            timeline.add(&entry);
            match &entry.event {
                LogEvent::DbOpen { .. } => history.shut_down_cleanly = false,
                LogEvent::DbClose => history.shut_down_cleanly = true,
                LogEvent::Stall(stall) => {
                    let (lines, by) = match stall.condition {
                        StallCondition::Stalling => {
                            (&mut history.stalling_lines, &mut history.slowed_by)
                        }
                        StallCondition::Stopping => {
                            (&mut history.stopping_lines, &mut history.stopped_by)
                        }
                    };
                    *lines += 1;
                    *by.entry(stall.cause).or_default() += 1;
                    if let (Some(time), Some(cf)) = (entry.time, entry.cf.clone()) {
                        history.last_stall.insert(
                            cf,
                            LastStall {
                                time,
                                condition: stall.condition,
                                cause: stall.cause,
                            },
                        );
                    }
                }
                LogEvent::Event(event)
                    if matches!(
                        event.kind,
                        EventKind::FlushFinished | EventKind::CompactionFinished
                    ) =>
                {
                    let l0 = event
                        .json()
                        .ok()
                        .and_then(|json| json.get("lsm_state")?.get(0)?.as_u64());
                    if let (Some(l0), Some(time), Some(cf)) = (l0, entry.time, entry.cf.clone()) {
                        history.l0_points.entry(cf).or_default().push((time, l0));
                    }
                }
                _ => {}
            }
        }
        let summary = timeline.finish();
        history.last_entry = summary.last;
        history.periods = summary.stall_periods;
        Ok(history)
    }

    /// The stall period of `cf` still running when the LOG ends: its last message within
    /// the period gap of the LOG's last entry, and nothing since that said writes were
    /// normal again.
    pub fn stalled_at_end(&self, cf: &str) -> Option<&StallPeriod> {
        let last = self.last_entry?;
        self.periods.iter().rev().find(|p| p.cf == cf).filter(|p| {
            p.cleared_at.is_none() && last - p.end <= TimelineOptions::default().stall_gap
        })
    }
}

/// The verdict for one column family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CfVerdict {
    /// The column family.
    pub cf: String,
    /// Its stall settings.
    pub limits: StallLimits,
    /// Its figures now.
    pub readings: Readings,
    /// The three conditions: level-0 files, pending compaction bytes, memtables.
    pub conditions: Vec<Condition>,
    /// The worst of the conditions.
    pub state: WriteState,
    /// Level-0 files per minute over the LOG's last minutes, if it logged enough.
    pub l0_trend: Option<L0Trend>,
    /// Minutes until the level-0 stop condition at that rate, if it is rising and the stop
    /// lies within [`HORIZON_MINUTES`].
    pub stops_in_minutes: Option<f64>,
    /// The LOG's stall period still running at its end, if any.
    pub stalled_at_log_end: Option<StallPeriod>,
    /// Level-0 files by the prefix (up to `:`) of their keys, the most first: the
    /// prefixes whose writes fill level 0. A file whose first and last keys differ in
    /// prefix counts under [`SPANNING`].
    pub l0_by_prefix: Vec<(String, u64)>,
}

/// The name level-0 files spanning several prefixes are counted under.
pub const SPANNING: &str = "(several prefixes)";

/// Level-0 files of `cf` by the prefix of their keys (see [`CfVerdict::l0_by_prefix`]).
fn l0_by_prefix(source: &Source, cf: &str) -> Result<Vec<(String, u64)>, InspectError> {
    let prefix = |key: &Option<Vec<u8>>| {
        key.as_deref().map(|k| {
            let end = memchr::memchr(b':', k).map_or(k.len(), |at| at + 1);
            k[..end].to_vec()
        })
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for f in source.live_files_of(cf)?.iter().filter(|f| f.level == 0) {
        let (first, last) = (prefix(&f.start_key), prefix(&f.end_key));
        let name = match (first, last) {
            (Some(a), Some(b)) if a == b => crate::inspector::decode::escape_key(&a),
            _ => SPANNING.to_string(),
        };
        *counts.entry(name).or_default() += 1;
    }
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// The whole verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StallReport {
    /// Another process holds the database: the conditions are its service's now.
    /// Otherwise they are what the service meets on its next open.
    pub held: bool,
    /// The worst column family's state.
    pub state: WriteState,
    /// The verdict in words: `OK`, `slowing`, `stops in ~4 min`, `stopped`.
    pub verdict: String,
    /// Where the limits come from: the OPTIONS file, or RocksDB's defaults when there is
    /// none to read (said, since the service may run with others).
    pub limits_from: String,
    /// Per column family, `default` first.
    pub column_families: Vec<CfVerdict>,
    /// What the LOG files say.
    pub log: LogHistory,
}

/// Works out the verdict for the open database `source`.
pub fn report(source: &Source) -> Result<StallReport, InspectError> {
    let held = source.access() == crate::inspector::source::Access::LiveSecondary;
    let settings = source
        .stored_options()
        .map(|stored| parse_settings(&stored.text))
        .unwrap_or_default();
    let log = LogHistory::read(source.path())?;
    let mut column_families = Vec::new();
    for cf in source.column_families() {
        let limits = StallLimits::of(&settings, cf);
        let property = |name: &str| source.int_property(cf, name);
        let active_entries = property("rocksdb.num-entries-active-mem-table")?;
        let readings = Readings {
            l0_files: property("rocksdb.num-files-at-level0")?,
            pending_compaction_bytes: property("rocksdb.estimate-pending-compaction-bytes")?,
            unflushed_memtables: property("rocksdb.num-immutable-mem-table")?
                + u64::from(active_entries > 0),
        };
        let mut conditions = judge(&limits, &readings);
        let memtables = &mut conditions[2];
        memtables.state = WriteState::Ok;
        memtables.off_because = Some(if held {
            // A secondary's memtables are its own replay of the WAL, not the service's.
            "the service's memtables are not visible from another process; its LOG's `Stopping writes` lines are"
        } else {
            // The next open replays the WAL into memtables and flushes them before the
            // service writes: no memtable is waiting then.
            "the next open flushes what its WAL replays"
        });
        let stalled_at_log_end = log.stalled_at_end(cf).cloned();
        // As the LOG's newest stall line for the column family says, while its period
        // runs: a stop that gave way to a slowdown is a slowdown now.
        let log_state = stalled_at_log_end
            .as_ref()
            .filter(|_| held)
            .and_then(|_| log.last_stall.get(cf))
            .map(|last| match last.condition {
                StallCondition::Stopping => WriteState::Stopped,
                StallCondition::Stalling => WriteState::Slowing,
            });
        let state = conditions
            .iter()
            .map(|c| c.state)
            .chain(log_state)
            .max()
            .unwrap_or(WriteState::Ok);
        let l0_trend = log.l0_points.get(cf).and_then(|points| l0_trend(points));
        let stops_in_minutes = l0_trend.as_ref().and_then(|trend| {
            let stop = conditions[0].stop_at?;
            let left = stop.checked_sub(readings.l0_files)? as f64;
            (held && state < WriteState::Stopped && trend.per_minute > 0.0)
                .then(|| left / trend.per_minute)
                .filter(|minutes| *minutes <= HORIZON_MINUTES)
        });
        column_families.push(CfVerdict {
            cf: cf.clone(),
            limits,
            readings,
            conditions,
            state,
            l0_trend,
            stops_in_minutes,
            stalled_at_log_end,
            l0_by_prefix: l0_by_prefix(source, cf)?,
        });
    }
    let state = column_families
        .iter()
        .map(|cf| cf.state)
        .max()
        .unwrap_or(WriteState::Ok);
    let soonest = column_families
        .iter()
        .filter_map(|cf| cf.stops_in_minutes)
        .min_by(f64::total_cmp);
    let verdict = match (state, soonest) {
        (WriteState::Ok, Some(minutes)) => format!("stops in ~{} min", minutes.ceil().max(1.0)),
        (state, _) => state.word().to_string(),
    };
    let limits_from = match source.stored_options() {
        Some(stored) => format!("its OPTIONS file ({})", stored.file.display()),
        None => "RocksDB's defaults: the database has no OPTIONS file to read, and its service may run with other limits (its LOG's `Options.` lines show them)".to_string(),
    };
    Ok(StallReport {
        held,
        state,
        verdict,
        limits_from,
        column_families,
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(limits: &StallLimits, now: Readings) -> Vec<WriteState> {
        judge(limits, &now).iter().map(|c| c.state).collect()
    }

    #[test]
    fn level0_files_slow_then_stop_writes() {
        let limits = StallLimits::default();
        let at = |l0_files| Readings {
            l0_files,
            ..Readings::default()
        };
        assert_eq!(states(&limits, at(19))[0], WriteState::Ok);
        assert_eq!(states(&limits, at(20))[0], WriteState::Slowing);
        assert_eq!(states(&limits, at(35))[0], WriteState::Slowing);
        assert_eq!(states(&limits, at(36))[0], WriteState::Stopped);
        let off = StallLimits {
            disable_auto_compactions: true,
            ..limits
        };
        let judged = judge(&off, &at(500));
        assert_eq!(judged[0].state, WriteState::Ok);
        assert_eq!(judged[0].off_because, Some("disable_auto_compactions=true"));
    }

    #[test]
    fn pending_compaction_bytes_against_the_soft_and_hard_limits() {
        let limits = StallLimits::default();
        let at = |pending_compaction_bytes| Readings {
            pending_compaction_bytes,
            ..Readings::default()
        };
        assert_eq!(states(&limits, at((64 << 30) - 1))[1], WriteState::Ok);
        assert_eq!(states(&limits, at(64 << 30))[1], WriteState::Slowing);
        assert_eq!(states(&limits, at(256 << 30))[1], WriteState::Stopped);
        let unlimited = StallLimits {
            soft_pending_compaction_bytes_limit: 0,
            hard_pending_compaction_bytes_limit: 0,
            ..limits
        };
        assert_eq!(states(&unlimited, at(u64::MAX))[1], WriteState::Ok);
    }

    #[test]
    fn memtables_slow_only_with_more_than_three() {
        let at = |unflushed_memtables| Readings {
            unflushed_memtables,
            ..Readings::default()
        };
        let two = StallLimits::default();
        assert_eq!(states(&two, at(1))[2], WriteState::Ok);
        assert_eq!(states(&two, at(2))[2], WriteState::Stopped);
        let six = StallLimits {
            max_write_buffer_number: 6,
            ..two
        };
        assert_eq!(states(&six, at(4))[2], WriteState::Ok);
        assert_eq!(states(&six, at(5))[2], WriteState::Slowing);
        assert_eq!(states(&six, at(6))[2], WriteState::Stopped);
    }

    #[test]
    fn limits_come_from_the_column_familys_section() {
        let settings = parse_settings(
            "[CFOptions \"default\"]\n  level0_slowdown_writes_trigger=3\n  level0_stop_writes_trigger=5\n  max_write_buffer_number=4\n[CFOptions \"events\"]\n  disable_auto_compactions=true\n",
        );
        let default = StallLimits::of(&settings, "default");
        assert_eq!(
            (
                default.level0_slowdown_writes_trigger,
                default.level0_stop_writes_trigger,
                default.max_write_buffer_number,
                default.disable_auto_compactions
            ),
            (3, 5, 4, false)
        );
        let events = StallLimits::of(&settings, "events");
        assert!(events.disable_auto_compactions);
        assert_eq!(events.level0_stop_writes_trigger, 36);
    }

    #[test]
    fn the_trend_is_the_net_change_over_the_last_minutes() {
        let t = |s: i64| chrono::DateTime::UNIX_EPOCH.naive_utc() + TimeDelta::seconds(s);
        // An hour ago the count was 30: outside the window, so not part of the trend.
        let points = [
            (t(0), 30),
            (t(3000), 4),
            (t(3060), 6),
            (t(3120), 8),
            (t(3240), 12),
        ];
        let trend = l0_trend(&points).unwrap();
        assert_eq!(trend.points, 4);
        assert!((trend.per_minute - 2.0).abs() < 1e-9, "{trend:?}");
        assert!(l0_trend(&points[..1]).is_none());
    }
}
