//! The write-stall conditions over this session: each re-read of the verdict (the Stats
//! screen's stall page reads it again at every sample) is kept for [`TREND_WINDOW`], and
//! the level-0 files and pending compaction bytes of each column family give a rate and,
//! when rising, the minutes left to the next threshold (slowdown, then stop). The LOG's
//! level-0 trend covers the past; this one covers what happens while on-call watches,
//! pending bytes included, which RocksDB logs no figure for.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::stall::{Condition, MIN_TREND_MINUTES, StallReport, TREND_WINDOW};

/// Readings kept at most (a sample a second for the window).
const MAX_READINGS: usize = 600;

/// One re-read: per column family, its conditions.
type Reading = (DateTime<Utc>, Vec<(String, Vec<Condition>)>);

/// The re-reads of this session, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionSeries {
    readings: VecDeque<Reading>,
}

/// One condition of one column family over the session.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionTrend {
    /// The column family.
    pub cf: String,
    /// `l0_files` or `pending_compaction_bytes`.
    pub condition: &'static str,
    /// Its figure at the first and the last reading of the window.
    pub from: u64,
    /// Its figure now.
    pub now: u64,
    /// Change per minute (negative when compactions win).
    pub per_minute: f64,
    /// Minutes between the first and the last reading.
    pub over_minutes: f64,
    /// The next threshold above the figure (`slowdown` or `stop`), its value, and the
    /// minutes to it at this rate, when rising.
    pub reaches: Option<(&'static str, u64, f64)>,
}

impl SessionSeries {
    /// Keeps `report` as read at `at`, forgetting readings older than the window.
    pub fn push(&mut self, at: DateTime<Utc>, report: &StallReport) {
        let per_cf = report
            .column_families
            .iter()
            .map(|c| (c.cf.clone(), c.conditions.clone()))
            .collect();
        self.readings.push_back((at, per_cf));
        while self
            .readings
            .front()
            .is_some_and(|(t, _)| at - *t > TREND_WINDOW)
            || self.readings.len() > MAX_READINGS
        {
            self.readings.pop_front();
        }
    }

    /// Readings kept, and the minutes they span.
    pub fn span(&self) -> (usize, f64) {
        let minutes = match (self.readings.front(), self.readings.back()) {
            (Some((first, _)), Some((last, _))) => {
                (*last - *first).num_milliseconds() as f64 / 60_000.0
            }
            _ => 0.0,
        };
        (self.readings.len(), minutes)
    }

    /// The trends, once the readings span [`MIN_TREND_MINUTES`]; conditions that did
    /// not move are left out.
    pub fn trends(&self) -> Vec<ConditionTrend> {
        let (count, minutes) = self.span();
        if count < 2 || minutes < MIN_TREND_MINUTES {
            return Vec::new();
        }
        let (Some((_, first)), Some((_, last))) = (self.readings.front(), self.readings.back())
        else {
            return Vec::new();
        };
        let mut trends = Vec::new();
        for (cf, conditions) in last {
            for now in conditions {
                if !matches!(now.name, "l0_files" | "pending_compaction_bytes")
                    || now.off_because.is_some()
                {
                    continue;
                }
                let from = first
                    .iter()
                    .find(|(c, _)| c == cf)
                    .and_then(|(_, cs)| cs.iter().find(|c| c.name == now.name))
                    .map_or(now.value, |c| c.value);
                if from == now.value {
                    continue;
                }
                let per_minute = (now.value as f64 - from as f64) / minutes;
                let next = [("slowdown", now.slowdown_at), ("stop", now.stop_at)]
                    .into_iter()
                    .find_map(|(what, at)| at.filter(|&at| at > now.value).map(|at| (what, at)));
                let reaches = next
                    .filter(|_| per_minute > 0.0)
                    .map(|(what, at)| (what, at, (at - now.value) as f64 / per_minute));
                trends.push(ConditionTrend {
                    cf: cf.clone(),
                    condition: now.name,
                    from,
                    now: now.value,
                    per_minute,
                    over_minutes: minutes,
                    reaches,
                });
            }
        }
        trends
    }
}

#[cfg(test)]
mod tests {
    use super::super::stall::{CfVerdict, Readings, StallLimits, WriteState, judge};
    use super::*;

    fn report(l0_files: u64, pending_compaction_bytes: u64) -> StallReport {
        let limits = StallLimits::default();
        let readings = Readings {
            l0_files,
            pending_compaction_bytes,
            unflushed_memtables: 0,
        };
        StallReport {
            held: true,
            state: WriteState::Ok,
            verdict: "OK".into(),
            limits_from: "defaults".into(),
            column_families: vec![CfVerdict {
                cf: "default".into(),
                limits,
                readings,
                conditions: judge(&limits, &readings),
                state: WriteState::Ok,
                l0_trend: None,
                stops_in_minutes: None,
                stalled_at_log_end: None,
                l0_by_prefix: Vec::new(),
            }],
            log: Default::default(),
        }
    }

    #[test]
    fn rising_figures_give_a_rate_and_the_minutes_to_the_next_threshold() {
        let start = DateTime::parse_from_rfc3339("2026-12-04T07:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut series = SessionSeries::default();
        series.push(start, &report(4, 10 << 30));
        // Under a minute: no rate yet.
        series.push(start + chrono::TimeDelta::seconds(30), &report(5, 12 << 30));
        assert!(series.trends().is_empty());
        series.push(start + chrono::TimeDelta::minutes(2), &report(8, 6 << 30));
        let trends = series.trends();
        let l0 = trends.iter().find(|t| t.condition == "l0_files").unwrap();
        assert_eq!((l0.from, l0.now), (4, 8));
        assert!((l0.per_minute - 2.0).abs() < 1e-9);
        // 12 files to the slowdown trigger (20) at 2 a minute.
        assert_eq!(l0.reaches, Some(("slowdown", 20, 6.0)));
        let pending = trends
            .iter()
            .find(|t| t.condition == "pending_compaction_bytes")
            .unwrap();
        assert!(pending.per_minute < 0.0);
        assert_eq!(pending.reaches, None, "falling: no threshold is reached");
        // Readings older than the window are forgotten.
        series.push(start + chrono::TimeDelta::minutes(30), &report(8, 6 << 30));
        assert_eq!(series.span().0, 1);
    }
}
