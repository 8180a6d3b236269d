//! Compaction and flush from the TUI: asked first, one at a time, and their outcome
//! always folded in (with the bounds their request carried).

use chrono::{DateTime, Utc};

use super::App;
use super::edits::Ask;
use super::overlay::Overlay;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::screens::Change;
use crate::inspector::source::Bounds;
use crate::inspector::text::maintenance::{describe, outcome};
use crate::inspector::worker::{Body, Command, Context, Maintenance};

/// A compaction or flush on the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningMaintenance {
    /// Which.
    pub job: Maintenance,
    /// On which keys.
    pub bounds: Bounds,
    /// When it started.
    pub started: DateTime<Utc>,
}

impl RunningMaintenance {
    /// How the status line names it.
    pub fn describe(&self) -> &'static str {
        describe(self.job, &self.bounds)
    }
}

impl App {
    /// Compaction or flush: refused read-only or while one runs, else asked first. A
    /// compaction covers the keys the screen on show has selected (a prefix filter, a
    /// tombstone range), or all.
    pub(super) fn ask_maintenance(&mut self, action: Action) -> Vec<Command> {
        let what = if action == Action::Compact {
            "compact"
        } else {
            "flush"
        };
        if self.session.refuse_read_only(what) {
            return Vec::new();
        }
        if self.writes.maintenance.is_some() {
            self.session.report(
                ErrorClass::Refusal,
                "a compaction or flush is already running: wait for it to finish",
            );
            return Vec::new();
        }
        let (job, bounds) = match action {
            Action::Flush => (Maintenance::Flush, Bounds::default()),
            _ => (Maintenance::Compact, self.current().compaction_bounds()),
        };
        self.session.message = None;
        self.overlay = Overlay::Confirm {
            ask: Ask::Maintain {
                job,
                cf: self.session.cf.clone(),
                bounds,
            },
            confirm_focused: false,
        };
        Vec::new()
    }

    /// A compaction's or flush's answer, never dropped.
    pub(super) fn finish_maintenance(&mut self, context: Context, body: Body) -> Vec<Command> {
        self.writes.maintenance = None;
        let report = match body {
            Body::Maintained(report) => report,
            Body::Failed(error) => {
                self.session.fail(&error);
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let text = format!(
            "{} done in {:.1} s: {}",
            describe(report.job, &context.bounds),
            report.elapsed.as_secs_f64(),
            outcome(&report)
        );
        self.session.say(text);
        self.changed(&Change::Maintained)
    }
}
