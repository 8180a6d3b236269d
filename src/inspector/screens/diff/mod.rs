//! Screen 9, the open database compared with another (given with `--compare DB` or
//! `diff A B --tui`): the differences in key order, the selected one's values. Drawing
//! is in `draw`.

mod draw;

use std::path::PathBuf;

use crossterm::event::KeyCode::Enter;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cx, DrawCx, NO_FILTER_HERE, Screen};
use crate::inspector::analysis::diff::browse::{DiffReport, DiffRow};
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::state::Session;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{Body, Command, Event, Job, Kind, Progress, Purpose};

/// The Diff screen.
#[derive(Debug, Clone, Default)]
pub struct DiffView {
    /// The database compared with, if any.
    pub other: Option<PathBuf>,
    /// The comparison, once made.
    pub report: Option<Box<DiffReport>>,
    /// Differences found so far while it runs.
    pub running: Option<u64>,
    /// The selected difference.
    pub cursor: TableCursor,
    /// The selected difference's values are shown.
    pub detail: bool,
    /// The last comparison was stopped (Esc) before its end.
    pub stopped: bool,
}

impl DiffView {
    /// Compares (again), if there is something to compare with.
    pub fn reread(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        let Some(other) = self.other.clone() else {
            return Vec::new();
        };
        if purpose == Purpose::Periodic && session.tickets.is_pending(Kind::Diff) {
            return Vec::new();
        }
        self.running = Some(0);
        self.stopped = false;
        let context = session.context().with_purpose(purpose);
        vec![session.request(context, Job::Diff { other }).into()]
    }

    /// The selected difference.
    pub fn selected(&self) -> Option<&DiffRow> {
        self.report.as_ref()?.rows.get(self.cursor.selected)
    }

    /// The screen's own keys.
    fn update_view(&mut self, action: Action, session: &mut Session) -> Vec<Command> {
        let len = self.report.as_ref().map_or(0, |r| r.rows.len());
        if self.cursor.navigate(action, len, session.table_rows()) {
            return Vec::new();
        }
        match action {
            Action::Open => self.detail = !self.detail,
            Action::Back if self.running.take().is_some() => {
                self.stopped = true;
                session.say("comparison stopped");
                return vec![session.cancel(Kind::Diff)];
            }
            Action::Back if self.detail => self.detail = false,
            Action::Back => session.message = None,
            Action::Refresh => return self.reread(session, Purpose::Show),
            Action::StartFilter => session.say(NO_FILTER_HERE),
            _ => {}
        }
        Vec::new()
    }

    /// Folds in the worker's answer.
    fn answer(&mut self, body: Body, session: &mut Session) {
        match body {
            Body::Progress(Progress::Diff { found }) if self.running.is_some() => {
                self.running = Some(found)
            }
            Body::Diff(report) => {
                self.running = None;
                let len = report.rows.len();
                self.report = Some(report);
                self.cursor.clamp(len, session.table_rows());
            }
            Body::Failed(error) => {
                self.running = None;
                session.fail(&error);
            }
            _ => {}
        }
    }
}

/// The Diff screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Enter, false)], Action::Open, "Enter", "show both values", Some("values")),
];

impl Screen for DiffView {
    fn title(&self) -> &'static str {
        "Diff"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Diff]
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

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
