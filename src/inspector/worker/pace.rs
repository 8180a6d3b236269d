//! The pace of the worker's own key walks (filters and counts): how often they ask
//! whether they were cancelled and report how far they have got.

use std::time::{Duration, Instant};

/// How often the worker's own walks report progress.
pub(super) const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// What a walk does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Walk on.
    Walk,
    /// Report progress, then walk on.
    Report,
    /// Stop: the job was cancelled; send nothing more.
    Stop,
}

/// Checks a walk every `EVERY` keys (a power of two, so the check between them costs a
/// mask, not a division): asks whether it was cancelled and, at most every `period`,
/// says to report.
pub(super) struct Pace<const EVERY: u64> {
    period: Duration,
    last_report: Instant,
}

impl<const EVERY: u64> Pace<EVERY> {
    /// A pace whose first report is due `period` from now.
    pub(super) fn new(period: Duration) -> Self {
        Self {
            period,
            last_report: Instant::now(),
        }
    }

    /// What to do after the `scanned`th key; `cancelled` is asked only at a check.
    #[inline]
    pub(super) fn after(&mut self, scanned: u64, cancelled: &dyn Fn() -> bool) -> Step {
        if !scanned.is_multiple_of(EVERY) {
            return Step::Walk;
        }
        if cancelled() {
            return Step::Stop;
        }
        if self.last_report.elapsed() >= self.period {
            self.last_report = Instant::now();
            return Step::Report;
        }
        Step::Walk
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Drives a walk of `keys` keys with `pace`, cancelling it after key `cancel_at`;
    /// returns the keys at which it reported and the key it stopped at.
    fn walk<const EVERY: u64>(
        mut pace: Pace<EVERY>,
        keys: u64,
        cancel_at: Option<u64>,
    ) -> (Vec<u64>, Option<u64>) {
        let scanned = Cell::new(0);
        let cancelled = || cancel_at.is_some_and(|at| scanned.get() > at);
        let mut reports = Vec::new();
        for key in 1..=keys {
            scanned.set(key);
            match pace.after(key, &cancelled) {
                Step::Walk => {}
                Step::Report => reports.push(key),
                Step::Stop => return (reports, Some(key)),
            }
        }
        (reports, None)
    }

    #[test]
    fn reports_at_every_check_once_the_period_has_passed() {
        let (reports, stopped) = walk(Pace::<4>::new(Duration::ZERO), 10, None);
        assert_eq!(reports, [4, 8]);
        assert_eq!(stopped, None);
    }

    #[test]
    fn reports_nothing_before_the_period() {
        let (reports, stopped) = walk(Pace::<4>::new(Duration::from_secs(3600)), 100, None);
        assert!(reports.is_empty());
        assert_eq!(stopped, None);
    }

    /// A cancelled walk stops at its next check and reports nothing from then on.
    #[test]
    fn a_cancelled_walk_stops_at_the_next_check_without_reporting() {
        let (reports, stopped) = walk(Pace::<4>::new(Duration::ZERO), 100, Some(9));
        assert_eq!(reports, [4, 8]);
        assert_eq!(stopped, Some(12));
    }

    /// Between checks the cancellation is not even asked (it costs an atomic load).
    #[test]
    fn cancellation_is_asked_only_at_checks() {
        let asked = Cell::new(0);
        let cancelled = || {
            asked.set(asked.get() + 1);
            false
        };
        let mut pace = Pace::<4>::new(Duration::from_secs(3600));
        for key in 1..=10 {
            pace.after(key, &cancelled);
        }
        assert_eq!(asked.get(), 2);
    }
}
