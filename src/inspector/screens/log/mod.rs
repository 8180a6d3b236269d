//! Screen 7, what RocksDB itself wrote in its info LOG: the newest notable entries,
//! newest first, narrowed by kind, and the timeline of the whole LOG, followed on a live
//! database. Drawing is in `draw`.

mod draw;

use crossterm::event::KeyCode::{Char, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cx, DrawCx, Screen};
use crate::inspector::analysis::recent::{LOG_ENTRIES_KEPT, LogReport};
use crate::inspector::formats::infolog::LogEntry;
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::state::Session;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{Body, Command, Event, Job, Kind, Purpose};

pub use crate::inspector::analysis::recent::LogOnly;

/// Which pane is on show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogPane {
    /// The entries.
    #[default]
    Entries,
    /// The timeline.
    Timeline,
}

/// The Log screen.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    /// The LOG as last read.
    pub report: Option<Box<LogReport>>,
    /// Rows: indices into `report.entries`, newest first, of the kinds admitted.
    pub rows: Vec<usize>,
    /// The selected row.
    pub cursor: TableCursor,
    /// Which kinds are listed.
    pub only: LogOnly,
    /// The pane on show.
    pub pane: LogPane,
    /// When the LOG was last asked for (live databases re-read it every 10 s).
    pub asked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many entries of each kind to keep: [`LOG_ENTRIES_KEPT`] at first, more on `m`
    /// (0 until first asked: then the default).
    pub keep: usize,
}

impl LogView {
    /// Reads the LOG (again).
    pub fn reread(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        self.asked_at = Some(session.now);
        if self.keep == 0 {
            self.keep = LOG_ENTRIES_KEPT;
        }
        let context = session.context().with_purpose(purpose);
        vec![
            session
                .request(context, Job::Log { keep: self.keep })
                .into(),
        ]
    }

    /// On a live database, a re-read when the last is 10 s old and answered: a LOG can be
    /// 100 MB, and the service goes on writing it.
    fn follow_log(&mut self, session: &mut Session) -> Vec<Command> {
        let due = self
            .asked_at
            .is_none_or(|at| session.now - at >= chrono::Duration::seconds(10));
        if due && !session.tickets.is_pending(Kind::Log) {
            self.reread(session, Purpose::Periodic)
        } else {
            Vec::new()
        }
    }

    /// The selected entry.
    pub fn selected(&self) -> Option<&LogEntry> {
        let report = self.report.as_ref()?;
        report.entries.get(*self.rows.get(self.cursor.selected)?)
    }

    fn rebuild(&mut self, visible: usize) {
        self.rows = match &self.report {
            // The entries kept hold the newest `kept` of each kind: of this kind, those.
            Some(report) => (0..report.entries.len())
                .rev()
                .filter(|&i| self.only.admits(&report.entries[i]))
                .take(report.kept)
                .collect(),
            None => Vec::new(),
        };
        self.cursor.clamp(self.rows.len(), visible);
    }

    /// The screen's own keys.
    fn update_view(&mut self, action: Action, session: &mut Session) -> Vec<Command> {
        let rows = session.table_rows();
        if self.pane == LogPane::Entries && self.cursor.navigate(action, self.rows.len(), rows) {
            return Vec::new();
        }
        match action {
            Action::NextPage => {
                self.pane = match self.pane {
                    LogPane::Entries => LogPane::Timeline,
                    LogPane::Timeline => LogPane::Entries,
                }
            }
            Action::StatusFilter => {
                let at = LogOnly::ALL
                    .iter()
                    .position(|o| *o == self.only)
                    .unwrap_or(0);
                self.only = LogOnly::ALL[(at + 1) % LogOnly::ALL.len()];
                self.cursor = TableCursor::default();
                self.rebuild(rows);
            }
            Action::Refresh => return self.reread(session, Purpose::Show),
            Action::LoadMore => {
                let counted = self
                    .report
                    .as_ref()
                    .map_or(0, |r| r.counts[self.only.index()]);
                if counted as usize <= self.rows.len() {
                    session.say("every entry of this kind is listed");
                } else {
                    self.keep = self.keep.max(LOG_ENTRIES_KEPT).saturating_mul(4);
                    session.say(format!(
                        "re-reading the LOG, keeping the newest {} of each kind…",
                        self.keep
                    ));
                    return self.reread(session, Purpose::Show);
                }
            }
            Action::Back => session.message = None,
            Action::StartFilter => session.say("t narrows the LOG by kind"),
            _ => {}
        }
        Vec::new()
    }

    /// Folds in the worker's answer.
    fn answer(&mut self, body: Body, session: &mut Session) {
        match body {
            Body::Log(report) | Body::LogPartial(report) => {
                self.report = Some(report);
                self.rebuild(session.table_rows());
            }
            Body::Failed(error) => session.fail(&error),
            _ => {}
        }
    }
}

/// The Log screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "entries / timeline", Some("pane")),
    b(&[(Char('t'), false)], Action::StatusFilter, "t", "narrow by kind", Some("kind")),
    b(&[(Char('m'), false)], Action::LoadMore, "m", "keep more entries (4x)", None),
];

impl Screen for LogView {
    fn title(&self) -> &'static str {
        "Log"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Log]
    }

    fn show(&mut self, cx: &mut Cx) -> Vec<Command> {
        if self.report.is_some() {
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
        self.follow_log(cx.session)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
