//! The Keys screen's figures on the status bar, shown on every screen: how many keys (an
//! estimate, a count, or a walk's exact total, with its time on a live database) and a
//! substring scan's progress.

use super::{CountState, Filter, KeysState};
use crate::inspector::source::Access;
use crate::inspector::state::Session;
use crate::inspector::ui::format;

impl KeysState {
    /// The key count, then the scan's progress while filtering by substring.
    pub(super) fn status_figures(&self, session: &Session) -> Vec<String> {
        let mut figures = vec![self.summary(session)];
        if let Some(scan) = self.scan {
            // A finished scan names its own total; a running one, the best figure known.
            let of = match (self.total, self.estimate) {
                _ if scan.done => String::new(),
                (Some(total), _) => format!(" of {}", format::count(total)),
                (None, Some(e)) => format!(" of ~{}", format::count(e)),
                (None, None) => String::new(),
            };
            let state = if scan.done { "matched" } else { "scanning:" };
            // A field filter cannot test what its rules do not decode: said, never hidden
            // in an empty list.
            let undecoded = match scan.undecoded {
                0 => String::new(),
                n => format!(" ({} undecoded)", format::count(n)),
            };
            // On a live database the matches are of the walk's moment: once the estimate
            // has moved, they say so (`r` walks again).
            let stale = match scan.done && self.exact_is_stale() {
                true => ", stale: r re-runs",
                false => "",
            };
            figures.push(format!(
                "{state} {} in {}{of}{undecoded}{stale}",
                format::count(scan.matched),
                format::count(scan.scanned)
            ));
        }
        figures
    }

    fn summary(&self, session: &Session) -> String {
        let summary = self.figure();
        // On a live database an exact figure is of its moment: it carries its time, and is
        // marked stale once the database has moved on (its estimate changed).
        let exact = matches!(self.count, CountState::Done(_))
            || (self.count == CountState::Idle && self.total.is_some());
        match (session.access, self.counted) {
            (Access::LiveSecondary, Some(counted)) if exact => {
                let stale = if self.exact_is_stale() {
                    ", stale: c recounts"
                } else {
                    ""
                };
                format!("{summary} at {}{stale}", counted.at.format("%H:%M:%S"))
            }
            _ => summary,
        }
    }

    fn figure(&self) -> String {
        let filtered = self.filter != Filter::None;
        match (self.count, self.total, self.estimate) {
            (CountState::Done(n), _, _) => format!(
                "{} keys{}",
                format::count(n),
                if filtered { " match" } else { "" }
            ),
            (CountState::Running(n), _, _) => format!("counting… {}", format::count(n)),
            // A finished walk's figure is the truth; the estimate no longer matters.
            (CountState::Idle, Some(total), _) => format!("{} keys", format::count(total)),
            // RocksDB counts every entry in memtables and L0, so overwrites and deletions
            // not yet compacted make it high (by 43 % on the 1M-key reference).
            (CountState::Idle, None, Some(e)) => {
                format!("~{} keys (estimate; can be high)", format::count(e))
            }
            (CountState::Idle, None, None) => "keys: …".into(),
        }
    }
}
