//! The WAL screen's state: what the service just wrote, the newest write batches of the
//! WAL files, one row per operation, newest first, followed on a live database.

use super::session::Session;
use super::table::TableCursor;
use crate::inspector::analysis::recent::WalReport;
use crate::inspector::formats::wal::{WalBatch, WalOp};
use crate::inspector::input::action::Action;
use crate::inspector::worker::{Body, Command, Job, Kind, Purpose};

/// Batches read for the screen.
pub const WAL_BATCHES: usize = 1_000;

/// The WAL screen.
#[derive(Debug, Clone, Default)]
pub struct WalView {
    /// The files and batches as last read.
    pub report: Option<Box<WalReport>>,
    /// Rows: (batch, op) indices, newest batch first.
    pub rows: Vec<(usize, usize)>,
    /// The selected row.
    pub cursor: TableCursor,
    /// The selected operation's value is shown.
    pub detail: bool,
}

impl WalView {
    /// Reads the WAL files' tails (again); a periodic read waits for the last one.
    pub fn reread(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        if purpose == Purpose::Periodic && session.tickets.is_pending(Kind::Wal) {
            return Vec::new();
        }
        let context = session.context().with_purpose(purpose);
        vec![
            session
                .request(context, Job::Wal { limit: WAL_BATCHES })
                .into(),
        ]
    }

    /// The selected batch and operation.
    pub fn selected(&self) -> Option<(&WalBatch, &WalOp)> {
        let (b, o) = *self.rows.get(self.cursor.selected)?;
        let batch = self.report.as_ref()?.batches.get(b)?;
        Some((batch, batch.ops.get(o)?))
    }

    /// The screen's own keys.
    pub fn update(&mut self, action: Action, session: &mut Session) -> Vec<Command> {
        if self
            .cursor
            .navigate(action, self.rows.len(), session.table_rows())
        {
            return Vec::new();
        }
        match action {
            Action::Open => self.detail = !self.detail,
            Action::Back if self.detail => self.detail = false,
            Action::Back => session.message = None,
            Action::Refresh => return self.reread(session, Purpose::Show),
            Action::StartFilter => {
                session.say("filters work on the Keys (1) and Nodes (2) screens")
            }
            _ => {}
        }
        Vec::new()
    }

    /// Folds in the worker's answer, keeping the selection on the same operation when it
    /// is still there (new batches arrive above it).
    pub fn on_event(&mut self, body: Body, session: &mut Session) {
        match body {
            Body::Wal(report) => {
                let kept = self
                    .selected()
                    .map(|(batch, _)| (batch.sequence, self.rows[self.cursor.selected].1));
                self.rows = report
                    .batches
                    .iter()
                    .enumerate()
                    .flat_map(|(b, batch)| (0..batch.ops.len()).map(move |o| (b, o)))
                    .collect();
                let visible = session.table_rows();
                let at = kept.and_then(|(sequence, op)| {
                    self.rows
                        .iter()
                        .position(|&(b, o)| report.batches[b].sequence == sequence && o == op)
                });
                self.report = Some(report);
                match at {
                    Some(i) if self.cursor.selected != 0 => self.cursor.select(i, visible),
                    _ => self.cursor.clamp(self.rows.len(), visible),
                }
            }
            Body::Failed(error) => session.fail(&error),
            _ => {}
        }
    }
}
