//! Screen 5, upstream Spear-Next's event streams: every stream (of every column family)
//! with its counter and what is stored, and a page of the selected stream's events,
//! newest first by number, with a detail pane. Memory: the stream list and one page.
//! Drawing is in `draw`.

mod draw;

use crossterm::event::KeyCode::{Enter, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cx, DrawCx, NO_FILTER_HERE, Screen};
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::spear::events::{EventRecord, StreamGaps, StreamSummary};
use crate::inspector::state::Session;
use crate::inspector::state::table::TableCursor;
use crate::inspector::worker::{Body, Command, Context, Event, Job, Kind, Purpose};

/// Events fetched per page.
pub const EVENTS_PAGE: usize = 200;

/// Which list has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    /// The streams.
    #[default]
    Streams,
    /// The selected stream's events.
    Events,
}

/// The Events screen.
#[derive(Debug, Clone, Default)]
pub struct EventsView {
    /// Every stream, once read.
    pub streams: Option<Vec<StreamSummary>>,
    /// The streams' cursor.
    pub stream_cursor: TableCursor,
    /// The page of events on show, of `shown_stream`.
    pub page: Vec<EventRecord>,
    /// The stream the page belongs to (cf, name), and how many events it holds.
    pub shown: Option<(String, String, usize)>,
    /// Events skipped from the newest.
    pub offset: usize,
    /// The events' cursor.
    pub event_cursor: TableCursor,
    /// Which list has the keys.
    pub pane: Pane,
    /// The detail pane is open.
    pub detail: bool,
    /// The selected stream's missing numbers and what the WAL knows of them, once read.
    pub gaps: Option<StreamGaps>,
}

impl EventsView {
    /// The selected stream.
    pub fn selected_stream(&self) -> Option<&StreamSummary> {
        self.streams.as_ref()?.get(self.stream_cursor.selected)
    }

    /// The selected event.
    pub fn selected_event(&self) -> Option<&EventRecord> {
        self.page.get(self.event_cursor.selected)
    }

    fn events_request(
        &self,
        session: &mut Session,
        offset: usize,
        purpose: Purpose,
    ) -> Option<Command> {
        let stream = self.selected_stream()?;
        let job = Job::Events {
            kind: stream.kind,
            stream: stream.stream.clone(),
            offset,
            limit: EVENTS_PAGE,
        };
        let context = Context::cf(stream.cf.clone()).with_purpose(purpose);
        Some(session.request(context, job).into())
    }

    /// Asks for the selected stream's gaps (a read of every live WAL file: on selection
    /// and refresh only).
    fn gaps_request(&self, session: &mut Session) -> Option<Command> {
        let stream = self.selected_stream()?;
        let job = Job::Gaps {
            kind: stream.kind,
            stream: stream.stream.clone(),
            counter: stream.counter,
        };
        let context = Context::cf(stream.cf.clone()).with_purpose(Purpose::Show);
        Some(session.request(context, job).into())
    }

    /// The gaps of the selected stream, when those read are its.
    pub fn selected_gaps(&self) -> Option<&StreamGaps> {
        let stream = self.selected_stream()?;
        self.gaps
            .as_ref()
            .filter(|g| g.cf == stream.cf && g.stream == stream.stream && g.kind == stream.kind)
    }

    /// Reads the streams (and the page on show) again; a periodic read skips what is
    /// still running, and re-reads the page only when it shows the newest events.
    pub fn reread(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        let periodic = purpose == Purpose::Periodic;
        let mut commands = Vec::new();
        if !(periodic && session.tickets.is_pending(Kind::Streams)) {
            let context = session.context().with_purpose(purpose);
            commands.push(session.request(context, Job::Streams).into());
        }
        if self.offset == 0 && !(periodic && session.tickets.is_pending(Kind::Events)) {
            commands.extend(self.events_request(session, 0, purpose));
        }
        if !periodic {
            commands.extend(self.gaps_request(session));
        }
        commands
    }

    /// The screen's own keys.
    fn update_view(&mut self, action: Action, session: &mut Session) -> Vec<Command> {
        let rows = session.table_rows();
        match (action, self.pane) {
            (Action::NextPage, _) => {
                self.pane = match self.pane {
                    Pane::Streams => Pane::Events,
                    Pane::Events => Pane::Streams,
                }
            }
            (Action::Open, _) => self.detail = !self.detail && !self.page.is_empty(),
            (Action::Back, _) => {
                if session.message.take().is_none() {
                    self.detail = false;
                }
            }
            (Action::Refresh, _) => return self.reread(session, Purpose::Show),
            (Action::StartFilter, _) => session.say(NO_FILTER_HERE),
            (_, Pane::Streams) => {
                let before = self.stream_cursor.selected;
                let len = self.streams.as_ref().map_or(0, Vec::len);
                if self.stream_cursor.navigate(action, len, rows)
                    && before != self.stream_cursor.selected
                {
                    self.page.clear();
                    self.offset = 0;
                    self.event_cursor = TableCursor::default();
                    return self
                        .events_request(session, 0, Purpose::Show)
                        .into_iter()
                        .chain(self.gaps_request(session))
                        .collect();
                }
            }
            (_, Pane::Events) => {
                let total = self.shown.as_ref().map_or(0, |s| s.2);
                let at = self.event_cursor.selected;
                // Past either end of the page: the next older or newer page.
                if matches!(action, Action::Down | Action::PageDown)
                    && at + 1 >= self.page.len()
                    && self.offset + self.page.len() < total
                {
                    let offset = self.offset + self.page.len();
                    return self
                        .events_request(session, offset, Purpose::Show)
                        .into_iter()
                        .collect();
                }
                if matches!(action, Action::Up | Action::PageUp) && at == 0 && self.offset > 0 {
                    let offset = self.offset.saturating_sub(EVENTS_PAGE);
                    return self
                        .events_request(session, offset, Purpose::Show)
                        .into_iter()
                        .collect();
                }
                self.event_cursor.navigate(action, self.page.len(), rows);
            }
        }
        Vec::new()
    }

    /// Folds in an answer (already known to be current).
    fn answer(&mut self, context: Context, body: Body, session: &mut Session) -> Vec<Command> {
        let rows = session.table_rows();
        match body {
            Body::Streams(mut streams) | Body::StreamsCounted(mut streams) => {
                // Streams whose counter disagrees with what is stored come first: they are
                // what an on-call is looking for.
                streams.sort_by_key(|s| s.mismatch().is_none());
                let first = self.streams.is_none();
                // Keep the selection on the same stream when the list changes.
                let selected = self
                    .selected_stream()
                    .map(|s| (s.cf.clone(), s.stream.clone()));
                let at = selected
                    .and_then(|(cf, name)| {
                        streams.iter().position(|s| s.cf == cf && s.stream == name)
                    })
                    .unwrap_or(0);
                let len = streams.len();
                self.streams = Some(streams);
                self.stream_cursor
                    .select(at.min(len.saturating_sub(1)), rows);
                if first {
                    return self
                        .events_request(session, 0, Purpose::Show)
                        .into_iter()
                        .chain(self.gaps_request(session))
                        .collect();
                }
            }
            Body::Events {
                total,
                offset,
                records,
            } => {
                let name = self
                    .selected_stream()
                    .map(|s| s.stream.clone())
                    .unwrap_or_default();
                let keep = self.selected_event().map(|e| e.seq);
                let at = match offset.cmp(&self.offset) {
                    // An older page: start at its top; a newer one: at its bottom.
                    std::cmp::Ordering::Greater => 0,
                    std::cmp::Ordering::Less => records.len().saturating_sub(1),
                    // The same page again (a refresh): stay on the same event.
                    std::cmp::Ordering::Equal => keep
                        .and_then(|k| records.iter().position(|e| e.seq == k))
                        .unwrap_or(0),
                };
                self.shown = Some((context.cf, name, total));
                self.offset = offset;
                self.page = records;
                self.event_cursor.select(at, rows);
            }
            Body::Gaps(gaps) => self.gaps = Some(*gaps),
            Body::Failed(error) => session.fail(&error),
            _ => {}
        }
        Vec::new()
    }
}

/// The Events screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "streams / events", Some("pane")),
    b(&[(Enter, false)], Action::Open, "Enter", "event detail", Some("detail")),
];

impl Screen for EventsView {
    fn title(&self) -> &'static str {
        "Events"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Streams, Kind::Events, Kind::Gaps]
    }

    fn show(&mut self, cx: &mut Cx) -> Vec<Command> {
        if self.streams.is_some() {
            return Vec::new();
        }
        self.reread(cx.session, Purpose::Show)
    }

    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        self.update_view(action, cx.session)
    }

    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        self.answer(event.context, event.body, cx.session)
    }

    fn follow(&mut self, cx: &mut Cx) -> Vec<Command> {
        self.reread(cx.session, Purpose::Periodic)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
