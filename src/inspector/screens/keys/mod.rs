//! Screen 1, the key browser: the filter, the window of keys, the selected value, the
//! key estimate and the exact count. Its requests, keys, answers, edits, status-bar
//! figures and drawing are in the files beside this one.

mod answers;
mod draw;
mod edits;
mod requests;
mod status;
mod update;
mod value;
mod window;

pub use value::{DecodedValue, HEXDUMP_PREVIEW, VALUE_PREVIEW, ValueView, value_view};
pub use window::{CHUNK, KeyWindow, MAX_WINDOW};

use crossterm::event::KeyCode::Char;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Change, Cx, DrawCx, Screen};
use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{Binding, b};
use crate::inspector::source::{Bounds, Entry};
use crate::inspector::state::{FilterKind, InputPurpose, Session};
use crate::inspector::worker::{Command, Context, Event, Kind, Purpose};

/// Substring matches held at most (the scan still counts all of them).
pub const MAX_MATCHES: usize = 10_000;

/// The filter in force on the key list.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every key.
    None,
    /// Keys with this prefix.
    Prefix(Vec<u8>),
    /// Keys containing this.
    Contains(Vec<u8>),
    /// Pairs whose decoded field passes this test.
    Field(crate::inspector::decoders::query::FieldQuery),
}

impl Filter {
    /// Whether the list comes from a walk of every key (a substring or a field test),
    /// not from seeks: it is streamed, capped, and cannot page.
    pub fn is_scan(&self) -> bool {
        matches!(self, Filter::Contains(_) | Filter::Field(_))
    }
}

/// A substring scan's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Keys looked at.
    pub scanned: u64,
    /// Keys matching.
    pub matched: u64,
    /// Keys a field filter could not test (no rule, or it does not decode them).
    pub undecoded: u64,
    /// Whether it finished.
    pub done: bool,
}

/// The exact count's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountState {
    /// Not asked for.
    Idle,
    /// Counting; so far.
    Running(u64),
    /// Finished.
    Done(u64),
}

/// The Keys screen.
#[derive(Debug, Clone)]
pub struct KeysState {
    /// The filter in force.
    pub filter: Filter,
    /// Substring scan progress, when filtering by substring.
    pub scan: Option<ScanProgress>,
    /// The key window.
    pub window: KeyWindow,
    /// The selected value.
    pub value: Option<ValueView>,
    /// RocksDB's key estimate for the column family (high while overwrites and
    /// deletions wait in memtables and L0).
    pub estimate: Option<u64>,
    /// The column family's exact number of keys, once a walk of all of it finished (an
    /// unfiltered count, or a substring scan with no prefix); it outranks the estimate.
    pub total: Option<u64>,
    /// The exact count of the keys on screen (all, a prefix's or a substring's matches).
    pub count: CountState,
    /// The key a go-to sought, while its page is what the list holds: an empty list
    /// then means nothing at or after it, not an empty column family.
    pub sought: Option<Vec<u8>>,
    /// When the newest exact figure (count or total) was taken, and RocksDB's estimate
    /// then: on a live database an exact figure is of its moment, and once the estimate
    /// has moved the database has moved on from it.
    pub counted: Option<Counted>,
}

/// The moment an exact figure was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// When (the session's clock).
    pub at: chrono::DateTime<chrono::Utc>,
    /// RocksDB's estimate at that moment.
    pub estimate: Option<u64>,
}

impl KeysState {
    /// Whether the database has changed since the exact figure was taken (its estimate
    /// moved): the figure is then of the past, and says so.
    pub fn exact_is_stale(&self) -> bool {
        self.counted
            .is_some_and(|c| c.estimate.is_some() && c.estimate != self.estimate)
    }
}

impl Default for KeysState {
    fn default() -> Self {
        Self {
            filter: Filter::None,
            scan: None,
            window: KeyWindow::default(),
            value: None,
            estimate: None,
            total: None,
            count: CountState::Idle,
            sought: None,
            counted: None,
        }
    }
}

impl KeysState {
    /// The bounds the filter puts on the column family.
    pub fn bounds(&self) -> Bounds {
        match &self.filter {
            Filter::Prefix(p) => Bounds::prefix(p),
            Filter::None | Filter::Contains(_) | Filter::Field(_) => Bounds::default(),
        }
    }

    /// The context of what is on screen: column family and the filter's bounds.
    pub fn context(&self, session: &Session) -> Context {
        session.context().with_bounds(self.bounds())
    }

    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.window.selected_entry()
    }
}

/// The Keys screen's own keys.
#[rustfmt::skip]
const KEYS: &[Binding] = &[
    b(&[(Char(':'), false)], Action::StartGoto, ":", "go to key", Some("goto")),
    b(&[(Char('c'), false)], Action::Count, "c", "exact count", Some("count")),
    b(&[(Char('f'), false)], Action::PickColumnFamily, "f", "column families", Some("cf")),
    b(&[(Char(']'), false)], Action::NextColumnFamily, "]", "next column family", None),
    b(&[(Char('['), false)], Action::PrevColumnFamily, "[", "previous column family", None),
    b(&[(Char('x'), false)], Action::ToggleHex, "x", "keys as hex", Some("hex")),
    b(&[(Char('v'), false)], Action::ToggleRawValue, "v", "value decoded / raw bytes", Some("raw")),
    b(&[(Char('h'), false)], Action::History, "h", "the key's history (WAL, now)", None),
    b(&[(Char('E'), false)], Action::Explain, "E", "explain a read of the key", None),
    b(&[(Char('S'), false)], Action::ExplainSeek, "S", "explain the page's seek", None),
    b(&[(Char('J'), false)], Action::ValueDown, "J", "scroll value down", None),
    b(&[(Char('K'), false)], Action::ValueUp, "K", "scroll value up", None),
    b(&[(Char('C'), false)], Action::Compact, "C", "compact (--write)", None),
    b(&[(Char('F'), false)], Action::Flush, "F", "flush (--write)", None),
    b(&[(Char('n'), false)], Action::NewKey, "n", "new key (--write)", None),
    b(&[(Char('e'), false)], Action::EditValue, "e", "edit value (--write)", None),
    b(&[(Char('d'), false)], Action::DeleteKey, "d", "delete key (--write)", None),
    b(&[(Char('D'), false)], Action::DeleteRange, "D", "delete prefix (--write)", None),
    b(&[(Char('u'), false)], Action::Undo, "u", "undo last edit (--write)", None),
];

/// The kinds of job whose answers this screen takes.
const KINDS: &[Kind] = &[
    Kind::Page,
    Kind::Value,
    Kind::Filter,
    Kind::Count,
    Kind::Refresh,
];

impl Screen for KeysState {
    fn title(&self) -> &'static str {
        "Keys"
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn kinds(&self) -> &'static [Kind] {
        KINDS
    }

    /// `D` deletes the keys of a prefix filter: without one it does nothing, so the
    /// footer and help leave it out (pressed anyway, it says to filter first). `S` has no
    /// seek to explain under a contains filter (its list comes from a walk). `v` is
    /// offered only while a decoder rule reads the value on show.
    fn available(&self, action: Action) -> bool {
        match action {
            Action::DeleteRange => matches!(self.filter, Filter::Prefix(_)),
            Action::ExplainSeek => !self.filter.is_scan(),
            Action::ToggleRawValue => self.value.as_ref().is_some_and(|v| v.decoded.is_some()),
            _ => true,
        }
    }

    fn start(&mut self, cx: &mut Cx) -> Vec<Command> {
        self.initial(cx.session)
    }

    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        match action {
            Action::NewKey | Action::EditValue | Action::DeleteKey | Action::DeleteRange => {
                self.start_edit(action, cx)
            }
            _ => self.update_view(action, cx),
        }
    }

    fn submit(
        &mut self,
        purpose: InputPurpose,
        text: String,
        kind: FilterKind,
        cx: &mut Cx,
    ) -> Vec<Command> {
        self.submit_input(purpose, text, kind, cx)
    }

    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command> {
        self.answer(event, cx)
    }

    fn follow(&mut self, cx: &mut Cx) -> Vec<Command> {
        self.refresh(cx.session, Purpose::Periodic)
    }

    fn switch_cf(&mut self, _shown: bool, cx: &mut Cx) -> Vec<Command> {
        self.switch_to_cf(cx.session)
    }

    fn changed(&mut self, change: &Change, _shown: bool, cx: &mut Cx) -> Vec<Command> {
        if let Change::Edited { cf } = change {
            self.value = None;
            // A change moves the exact size by an amount unknown here (a put may add a
            // key or overwrite one): back to the estimate until a walk counts again.
            if *cf == cx.session.cf {
                self.total = None;
            }
        }
        self.refresh(cx.session, Purpose::Show)
    }

    /// The prefix filtered on, or all.
    fn compaction_bounds(&self) -> Bounds {
        self.bounds()
    }

    fn history_target(&self, session: &Session) -> Option<(String, Vec<u8>)> {
        self.selected_entry()
            .map(|e| (session.cf.clone(), e.key.clone()))
    }

    /// The seek that fills the list: from where its first page was sought (the start of
    /// the filter's bounds, or the key a go-to sought) when the list shows its start,
    /// else from the first key shown; the rows shown. A seek from the start steps over
    /// what lies before the first live key (tombstones): from the key itself it would not.
    fn seek_target(&self, session: &Session) -> Option<(String, Bounds, usize)> {
        if self.filter.is_scan() {
            return None;
        }
        let mut bounds = self.bounds();
        let top = self.window.top == 0;
        match (&self.sought, self.window.entries.get(self.window.top)) {
            (Some(sought), _) if top => {
                bounds.lower = Some(bounds.lower.map_or(sought.clone(), |l| l.max(sought.clone())))
            }
            (None, _) if top && self.window.at_start => {}
            (_, Some(first)) => bounds.lower = Some(first.key.clone()),
            (_, None) => {}
        }
        Some((session.cf.clone(), bounds, session.list_rows.max(1)))
    }

    fn status(&self, session: &Session) -> Vec<String> {
        self.status_figures(session)
    }

    fn resize(&mut self, rows: usize) {
        let selected = self.window.selected;
        self.window.select(selected, rows);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx) {
        draw::draw(frame, area, self, cx);
    }
}
