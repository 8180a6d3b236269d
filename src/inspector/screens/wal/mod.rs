//! Screen 8, what the service just wrote: the newest write batches of the WAL files, one
//! row per operation, newest first, followed on a live database. Drawing is in `draw`.

mod draw;

use crossterm::event::KeyCode::{Char, Enter, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cx, DrawCx, NO_FILTER_HERE, Screen};
use crate::inspector::analysis::recent::WalReport;
use crate::inspector::analysis::writes::WritesReport;
use crate::inspector::formats::wal::{WalBatch, WalOp};
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::state::Session;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{Body, Command, Event, Job, Kind, Purpose};

/// Batches read for the screen.
pub const WAL_BATCHES: usize = 1_000;

/// The WAL screen's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WalPage {
    /// The newest batches, one row per operation.
    #[default]
    Batches,
    /// Who is writing: every batch tallied per column family, prefix and key.
    Writes,
}

/// The WAL screen.
#[derive(Debug, Clone, Default)]
pub struct WalView {
    /// The page on show.
    pub page: WalPage,
    /// Who is writing, read when the writes page is shown and again as the batches are.
    pub writes: Option<Box<WritesReport>>,
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
        if self.page == WalPage::Writes {
            if purpose == Purpose::Periodic && session.tickets.is_pending(Kind::Writes) {
                return Vec::new();
            }
            let context = session.context().with_purpose(purpose);
            return vec![session.request(context, Job::Writes).into()];
        }
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
    fn update_view(&mut self, action: Action, session: &mut Session) -> Vec<Command> {
        if self
            .cursor
            .navigate(action, self.rows.len(), session.table_rows())
        {
            return Vec::new();
        }
        match action {
            Action::NextPage => {
                self.page = match self.page {
                    WalPage::Batches => WalPage::Writes,
                    WalPage::Writes => WalPage::Batches,
                };
                if self.page == WalPage::Writes && self.writes.is_none() {
                    return self.reread(session, Purpose::Show);
                }
            }
            Action::Open => self.detail = !self.detail,
            Action::Back if self.detail => self.detail = false,
            Action::Back => session.message = None,
            Action::Refresh => return self.reread(session, Purpose::Show),
            Action::StartFilter => session.say(NO_FILTER_HERE),
            _ => {}
        }
        Vec::new()
    }

    /// Folds in the worker's answer, keeping the selection on the same operation when it
    /// is still there (new batches arrive above it).
    fn answer(&mut self, body: Body, session: &mut Session) {
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
            Body::Writes(report) => self.writes = Some(report),
            Body::Failed(error) => session.fail(&error),
            _ => {}
        }
    }
}

/// The WAL screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "batches / who is writing", Some("page")),
    b(&[(Enter, false)], Action::Open, "Enter", "show the value", Some("value")),
    b(&[(Char('h'), false)], Action::History, "h", "the key's history (WAL, now)", Some("history")),
];

impl Screen for WalView {
    fn title(&self) -> &'static str {
        "WAL"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Wal, Kind::Writes]
    }

    fn show(&mut self, cx: &mut Cx) -> Vec<Command> {
        if self.report.is_some() && (self.page == WalPage::Batches || self.writes.is_some()) {
            return Vec::new();
        }
        self.reread(cx.session, Purpose::Show)
    }

    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        self.update_view(action, cx.session)
    }

    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        self.answer(event.body, cx.session);
        Vec::new()
    }

    fn follow(&mut self, cx: &mut Cx) -> Vec<Command> {
        self.reread(cx.session, Purpose::Periodic)
    }

    /// The selected operation's key, in its column family (as the MANIFEST names it).
    fn history_target(&self, _session: &Session) -> Option<(String, Vec<u8>)> {
        let (_, op) = self.selected()?;
        let names = &self.report.as_ref()?.cf_names;
        Some((names.get(&op.cf)?.clone(), op.key.clone()))
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
