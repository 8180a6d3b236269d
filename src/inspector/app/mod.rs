//! The inspector's state and the one function that changes it.
//!
//! `App` is plain data: `update` turns an `Action` into state changes and worker
//! requests, `on_event` folds worker events in. Drawing reads `&App` only, so every
//! screen can be drawn in a test from a hand-made `App`.

mod edits;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use humansize::{BINARY, format_size};

use super::action::Action;
use super::decode::{self, ValueKind};
use super::editor::Editor;
use super::keymap::KeyContext;
use super::nodes_view::NodesView;
use super::records::RegistrySnapshot;
use super::resources_view::ResourcesView;
use super::source::WriteOp;
use super::source::{Access, Anchor, Bounds, Entry};
use super::stats_view::{StatsPage, StatsView};
use super::worker::{Event, Kind, Maintenance, MaintenanceReport, Placement, Request, RequestId};
pub use edits::Ask;

/// Keys fetched per page.
pub const CHUNK: usize = 256;
/// Keys held in the window at most; older ones are dropped as the user scrolls on.
pub const MAX_WINDOW: usize = 4 * CHUNK;
/// Substring matches held at most (the scan still counts all of them).
pub const MAX_MATCHES: usize = 10_000;
/// Bytes of a value fetched for display; larger values show their first part. Large
/// enough that JSON documents of realistic size arrive whole and are pretty-printed.
pub const VALUE_PREVIEW: usize = 2 * 1024 * 1024;
/// Bytes of a binary value shown as a hexdump: nobody pages through more by hand.
pub const HEXDUMP_PREVIEW: usize = 64 * 1024;

/// The screens on the number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Key browser.
    Keys,
    /// Node registry (next milestone).
    Nodes,
    /// Resource registry (next milestone).
    Resources,
    /// Database statistics (next milestone).
    Stats,
}

impl Screen {
    /// Every screen in key order.
    pub const ALL: [Screen; 4] = [
        Screen::Keys,
        Screen::Nodes,
        Screen::Resources,
        Screen::Stats,
    ];

    /// Its tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Keys => "Keys",
            Screen::Nodes => "Nodes",
            Screen::Resources => "Resources",
            Screen::Stats => "Stats",
        }
    }
}

/// What is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    /// A filter.
    Filter,
    /// A key to jump to.
    Goto,
    /// The name of a new key.
    NewKey,
}

/// Prefix or substring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Keys starting with the text (a seek).
    Prefix,
    /// Keys containing the text (a streamed scan).
    Contains,
}

/// The overlay or input in front of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Browsing.
    Normal,
    /// Typing.
    Input {
        /// What for.
        purpose: InputPurpose,
        /// The text so far.
        text: String,
        /// Prefix or substring (filters only).
        kind: FilterKind,
    },
    /// The help overlay.
    Help,
    /// The column family list.
    Picker {
        /// Highlighted row.
        selected: usize,
    },
    /// "Really do this?" for a compaction, flush or edit. Focus starts on cancel.
    Confirm {
        /// What would run.
        ask: Ask,
        /// Whether the focus is on the confirming button.
        confirm_focused: bool,
    },
    /// The value editor, and its save dialog when open.
    Editor {
        /// The buffer.
        editor: Box<Editor>,
        /// The save dialog's focused button (0 keep editing, 1 discard, 2 write).
        dialog: Option<usize>,
    },
    /// Deleting a prefix: the user must type it to confirm.
    TypeToConfirm {
        /// The keys that would go.
        bounds: Bounds,
        /// The prefix as the user must type it.
        prefix: String,
        /// How many keys.
        count: u64,
        /// Typed so far.
        typed: String,
    },
}

/// The filter in force on the key list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every key.
    None,
    /// Keys with this prefix.
    Prefix(Vec<u8>),
    /// Keys containing this.
    Contains(Vec<u8>),
}

/// A substring scan's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Keys looked at.
    pub scanned: u64,
    /// Keys matching.
    pub matched: u64,
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

/// The window of keys on screen and around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyWindow {
    /// Keys in order.
    pub entries: Vec<Entry>,
    /// Selected index into `entries`.
    pub selected: usize,
    /// First index drawn.
    pub top: usize,
    /// Nothing before `entries` (within the filter).
    pub at_start: bool,
    /// Nothing after `entries` (within the filter).
    pub at_end: bool,
    /// A page is on its way.
    pub loading: bool,
}

impl Default for KeyWindow {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            selected: 0,
            top: 0,
            at_start: true,
            at_end: true,
            loading: true,
        }
    }
}

/// The selected key's value, decoded once when it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueView {
    /// The key.
    pub key: Vec<u8>,
    /// `None`: the key vanished (deleted since listed).
    pub kind: Option<ValueKind>,
    /// Display lines.
    pub lines: Vec<String>,
    /// Full size in bytes.
    pub size: usize,
    /// Only the first `VALUE_PREVIEW` bytes were fetched.
    pub truncated: bool,
    /// First line drawn.
    pub scroll: usize,
    /// The fetched bytes (at most `VALUE_PREVIEW`), for the editor.
    pub raw: Vec<u8>,
}

/// A message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// Whether it reports an error.
    pub is_error: bool,
}

/// The whole state of the inspector.
#[derive(Debug, Clone)]
pub struct App {
    /// The database directory, as given.
    pub db_path: String,
    /// How it is held.
    pub access: Access,
    /// Column families, `default` first.
    pub column_families: Vec<String>,
    /// The one on screen.
    pub cf: String,
    /// The screen on show.
    pub screen: Screen,
    /// Overlay or input.
    pub mode: Mode,
    /// The filter in force.
    pub filter: Filter,
    /// Substring scan progress, when filtering by substring.
    pub scan: Option<ScanProgress>,
    /// The key window.
    pub keys: KeyWindow,
    /// The selected value.
    pub value: Option<ValueView>,
    /// Keys drawn as hex.
    pub hex_keys: bool,
    /// RocksDB's key estimate for the column family.
    pub estimate: Option<u64>,
    /// The exact count.
    pub count: CountState,
    /// The status line message.
    pub message: Option<Message>,
    /// Rows the key list shows (set from the terminal size).
    pub list_rows: usize,
    /// Whether to draw in colour (off for `NO_COLOR` and `TERM=dumb`).
    pub color: bool,
    /// The clock, set by the event loop on every tick (fixed in tests).
    pub now: DateTime<Utc>,
    /// Heartbeats older than this are highlighted.
    pub stale_after: chrono::Duration,
    /// The registries, once read.
    pub registry: Option<RegistrySnapshot>,
    /// Nodes screen state.
    pub nodes: NodesView,
    /// Resources screen state.
    pub resources: ResourcesView,
    /// Stats screen state.
    pub stats: StatsView,
    /// A compaction or flush running on the worker, and when it started.
    pub maintenance: Option<(Maintenance, DateTime<Utc>)>,
    /// The last edit's undo: column family, batch, what it undoes.
    pub undo: Option<(String, Vec<WriteOp>, String)>,
    /// A prefix delete waiting for its key count.
    pub pending_range_delete: Option<Bounds>,
    /// Whether to leave.
    pub should_quit: bool,
    next_id: RequestId,
    latest: HashMap<Kind, RequestId>,
}

impl App {
    /// A fresh state for a database; `initial_requests` says what to ask the worker first.
    pub fn new(
        db_path: impl Into<String>,
        access: Access,
        column_families: Vec<String>,
        cf: String,
    ) -> Self {
        Self {
            db_path: db_path.into(),
            access,
            column_families,
            cf,
            screen: Screen::Keys,
            mode: Mode::Normal,
            filter: Filter::None,
            scan: None,
            keys: KeyWindow::default(),
            value: None,
            hex_keys: false,
            estimate: None,
            count: CountState::Idle,
            message: None,
            list_rows: 20,
            color: true,
            now: Utc::now(),
            stale_after: chrono::Duration::seconds(90),
            registry: None,
            nodes: NodesView::default(),
            resources: ResourcesView::default(),
            stats: StatsView::default(),
            maintenance: None,
            undo: None,
            pending_range_delete: None,
            should_quit: false,
            next_id: 1,
            latest: HashMap::new(),
        }
    }

    /// The first requests: a page of keys and the estimate.
    pub fn initial_requests(&mut self) -> Vec<Request> {
        vec![
            self.refresh_request(),
            self.page_request(Anchor::First, Placement::Replace),
        ]
    }

    /// Which keymap applies now.
    pub fn key_context(&self) -> KeyContext {
        match self.mode {
            Mode::Input { .. } => KeyContext::Input,
            Mode::Picker { .. } => KeyContext::Picker,
            Mode::Confirm { .. } => KeyContext::Confirm,
            Mode::Editor { dialog: None, .. } => KeyContext::Editor,
            Mode::Editor {
                dialog: Some(_), ..
            } => KeyContext::Confirm,
            Mode::TypeToConfirm { .. } => KeyContext::Input,
            Mode::Normal | Mode::Help => KeyContext::Normal,
        }
    }

    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.keys.entries.get(self.keys.selected)
    }

    fn issue(&mut self, kind: Kind) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        self.latest.insert(kind, id);
        id
    }

    fn is_current(&self, kind: Kind, id: RequestId) -> bool {
        self.latest.get(&kind) == Some(&id)
    }

    /// Whether an event answers the newest request of its kind.
    fn event_is_current(&self, event: &Event) -> bool {
        match event {
            Event::Page { id, .. } => self.is_current(Kind::Page, *id),
            Event::Value { id, .. } => self.is_current(Kind::Value, *id),
            Event::Matches { id, .. } => self.is_current(Kind::Filter, *id),
            Event::Refreshed { id, .. } => self.is_current(Kind::Refresh, *id),
            Event::Stats { id, .. } => self.is_current(Kind::Stats, *id),
            Event::Registry { id, .. } => self.is_current(Kind::Registry, *id),
            Event::Maintained { id, .. } => self.is_current(Kind::Maintain, *id),
            Event::Edited { id, .. } => self.is_current(Kind::Edit, *id),
            Event::Progress { id, .. } | Event::Done { id, .. } => {
                self.is_current(Kind::Filter, *id) || self.is_current(Kind::Count, *id)
            }
            Event::Failed { id, .. } => self.latest.values().any(|v| v == id),
        }
    }

    fn bounds(&self) -> Bounds {
        match &self.filter {
            Filter::Prefix(p) => Bounds::prefix(p),
            Filter::None | Filter::Contains(_) => Bounds::default(),
        }
    }

    fn page_request(&mut self, anchor: Anchor, placement: Placement) -> Request {
        self.keys.loading = true;
        Request::Page {
            id: self.issue(Kind::Page),
            cf: self.cf.clone(),
            bounds: self.bounds(),
            anchor,
            limit: CHUNK,
            placement,
        }
    }

    fn refresh_request(&mut self) -> Request {
        Request::Refresh {
            id: self.issue(Kind::Refresh),
            cf: self.cf.clone(),
        }
    }

    fn value_request(&mut self) -> Option<Request> {
        let key = self.selected_entry()?.key.clone();
        if self.value.as_ref().is_some_and(|v| v.key == key) {
            return None;
        }
        Some(Request::Value {
            id: self.issue(Kind::Value),
            cf: self.cf.clone(),
            key,
            max_len: VALUE_PREVIEW,
        })
    }

    fn say(&mut self, text: impl Into<String>, is_error: bool) {
        self.message = Some(Message {
            text: text.into(),
            is_error,
        });
    }

    /// Reloads the key list from scratch for the current column family and filter.
    fn reload(&mut self) -> Vec<Request> {
        self.keys = KeyWindow::default();
        self.value = None;
        self.count = CountState::Idle;
        self.scan = None;
        let mut requests = vec![Request::Cancel(Kind::Count)];
        match self.filter.clone() {
            Filter::Contains(needle) => {
                self.scan = Some(ScanProgress {
                    scanned: 0,
                    matched: 0,
                    done: false,
                });
                self.keys.at_end = false;
                requests.push(Request::Filter {
                    id: self.issue(Kind::Filter),
                    cf: self.cf.clone(),
                    bounds: Bounds::default(),
                    needle,
                    cap: MAX_MATCHES,
                });
            }
            Filter::None | Filter::Prefix(_) => {
                requests.push(Request::Cancel(Kind::Filter));
                self.latest.remove(&Kind::Filter);
                requests.push(self.page_request(Anchor::First, Placement::Replace));
            }
        }
        requests
    }

    /// Applies a user action; returns the requests it needs.
    pub fn update(&mut self, action: Action) -> Vec<Request> {
        if action == Action::Quit {
            self.should_quit = true;
            return Vec::new();
        }
        match self.mode.clone() {
            Mode::Input {
                purpose,
                text,
                kind,
            } => self.update_input(action, purpose, text, kind),
            Mode::Picker { selected } => self.update_picker(action, selected),
            Mode::Confirm {
                ask,
                confirm_focused,
            } => self.update_confirm(action, ask, confirm_focused),
            Mode::Editor { editor, dialog } => self.update_editor(action, *editor, dialog),
            Mode::TypeToConfirm {
                bounds,
                prefix,
                count,
                typed,
            } => self.update_type_to_confirm(action, bounds, prefix, count, typed),
            Mode::Help => {
                if matches!(action, Action::Back | Action::ToggleHelp) {
                    self.mode = Mode::Normal;
                }
                Vec::new()
            }
            Mode::Normal => self.update_normal(action),
        }
    }

    fn update_normal(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::ToggleHelp => {
                self.mode = Mode::Help;
                return Vec::new();
            }
            Action::Screen(n) => {
                if let Some(screen) = Screen::ALL.get(usize::from(n).saturating_sub(1)) {
                    self.screen = *screen;
                }
                return self.screen_data_requests(false);
            }
            Action::Compact | Action::Flush => return self.ask_maintenance(action),
            Action::NewKey
            | Action::EditValue
            | Action::DeleteKey
            | Action::DeleteRange
            | Action::Undo
            | Action::MarkOffline
            | Action::MarkOnline
            | Action::RemoveNode => return self.start_edit(action),
            _ => {}
        }
        match self.screen {
            Screen::Keys => self.update_keys(action),
            Screen::Nodes => self.update_nodes(action),
            Screen::Resources => self.update_resources(action),
            Screen::Stats => self.update_stats(action),
        }
    }

    fn update_keys(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::Back => {
                let dismissed_message = self.message.take().is_some();
                if !dismissed_message && self.filter != Filter::None {
                    self.filter = Filter::None;
                    return self.reload();
                }
            }
            Action::Up => return self.move_by(-1),
            Action::Down => return self.move_by(1),
            Action::PageUp => return self.move_by(-(self.list_rows.max(1) as isize)),
            Action::PageDown => return self.move_by(self.list_rows.max(1) as isize),
            Action::First | Action::Last if matches!(self.filter, Filter::Contains(_)) => {
                let last = self.keys.entries.len().saturating_sub(1);
                self.select(if action == Action::First { 0 } else { last });
                return self.value_request().into_iter().collect();
            }
            Action::First => {
                self.keys.entries.clear();
                return vec![self.page_request(Anchor::First, Placement::Replace)];
            }
            Action::Last => {
                self.keys.entries.clear();
                return vec![self.page_request(Anchor::Last, Placement::ReplaceAtEnd)];
            }
            Action::StartFilter => {
                let (text, kind) = match &self.filter {
                    Filter::None => (String::new(), FilterKind::Prefix),
                    Filter::Prefix(p) => {
                        (String::from_utf8_lossy(p).into_owned(), FilterKind::Prefix)
                    }
                    Filter::Contains(n) => (
                        String::from_utf8_lossy(n).into_owned(),
                        FilterKind::Contains,
                    ),
                };
                self.mode = Mode::Input {
                    purpose: InputPurpose::Filter,
                    text,
                    kind,
                };
            }
            Action::StartGoto => {
                self.mode = Mode::Input {
                    purpose: InputPurpose::Goto,
                    text: String::new(),
                    kind: FilterKind::Prefix,
                }
            }
            Action::ToggleHex => self.hex_keys = !self.hex_keys,
            Action::Count => {
                self.count = CountState::Running(0);
                return vec![Request::Count {
                    id: self.issue(Kind::Count),
                    cf: self.cf.clone(),
                    bounds: self.bounds(),
                }];
            }
            Action::PickColumnFamily => {
                let selected = self
                    .column_families
                    .iter()
                    .position(|c| *c == self.cf)
                    .unwrap_or(0);
                self.mode = Mode::Picker { selected };
            }
            Action::NextColumnFamily | Action::PrevColumnFamily => {
                let n = self.column_families.len();
                let at = self
                    .column_families
                    .iter()
                    .position(|c| *c == self.cf)
                    .unwrap_or(0);
                let next = if action == Action::NextColumnFamily {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                return self.switch_cf(next);
            }
            Action::ValueDown => {
                if let Some(v) = &mut self.value {
                    v.scroll = (v.scroll + 1).min(v.lines.len().saturating_sub(1));
                }
            }
            Action::ValueUp => {
                if let Some(v) = &mut self.value {
                    v.scroll = v.scroll.saturating_sub(1);
                }
            }
            Action::Refresh => return self.refresh(),
            _ => {}
        }
        Vec::new()
    }

    /// Rows a table with a header shows.
    fn table_rows(&self) -> usize {
        self.list_rows.saturating_sub(1).max(1)
    }

    fn update_nodes(&mut self, action: Action) -> Vec<Request> {
        let rows = self.table_rows();
        let len = self.nodes.rows.len();
        if self.nodes.cursor.navigate(action, len, rows) {
            return Vec::new();
        }
        match action {
            Action::SortNext => self.nodes.cycle_sort(),
            Action::SortReverse => self.nodes.descending = !self.nodes.descending,
            Action::StatusFilter => self.nodes.cycle_status(),
            Action::Open => self.nodes.detail = !self.nodes.detail && len > 0,
            Action::StartFilter => {
                self.mode = Mode::Input {
                    purpose: InputPurpose::Filter,
                    text: self.nodes.text.clone(),
                    kind: FilterKind::Contains,
                };
                return Vec::new();
            }
            Action::Back => {
                if self.message.take().is_none() {
                    if self.nodes.detail {
                        self.nodes.detail = false;
                    } else {
                        self.nodes.text.clear();
                        self.nodes.status = None;
                    }
                }
            }
            Action::Refresh => return self.screen_data_requests(true),
            _ => return Vec::new(),
        }
        self.rebuild_tables();
        Vec::new()
    }

    fn update_resources(&mut self, action: Action) -> Vec<Request> {
        let rows = self.table_rows();
        let len = self.resources.rows.len();
        if self.resources.cursor.navigate(action, len, rows) {
            return Vec::new();
        }
        match action {
            Action::SortNext => self.resources.cycle_sort(),
            Action::SortReverse => self.resources.descending = !self.resources.descending,
            Action::Back => self.message = None,
            Action::StartFilter => {
                self.say("filters work on the Keys (1) and Nodes (2) screens", false)
            }
            Action::Refresh => return self.screen_data_requests(true),
            _ => return Vec::new(),
        }
        self.rebuild_tables();
        Vec::new()
    }

    fn update_stats(&mut self, action: Action) -> Vec<Request> {
        let rows = self.table_rows();
        let stats = &mut self.stats;
        let len = stats.sst_order.len();
        if stats.page == StatsPage::SstFiles && stats.sst_cursor.navigate(action, len, rows) {
            return Vec::new();
        }
        let raw_lines = stats
            .latest
            .as_ref()
            .map_or(0, |s| s.rocksdb_stats.lines().count());
        let last_raw = raw_lines.saturating_sub(1);
        match (action, stats.page) {
            (Action::NextPage, _) => stats.next_page(),
            (Action::SortNext, _) => {
                stats.page = StatsPage::SstFiles;
                stats.cycle_sst_sort(rows);
            }
            (Action::SortReverse, _) => {
                stats.sst_descending = !stats.sst_descending;
                stats.sort_ssts(rows);
            }
            (Action::Up, StatsPage::Raw) => stats.raw_scroll = stats.raw_scroll.saturating_sub(1),
            (Action::Down, StatsPage::Raw) => {
                stats.raw_scroll = (stats.raw_scroll + 1).min(last_raw)
            }
            (Action::PageUp, StatsPage::Raw) => {
                stats.raw_scroll = stats.raw_scroll.saturating_sub(rows)
            }
            (Action::PageDown, StatsPage::Raw) => {
                stats.raw_scroll = (stats.raw_scroll + rows).min(last_raw)
            }
            (Action::First, StatsPage::Raw) => stats.raw_scroll = 0,
            (Action::Last, StatsPage::Raw) => stats.raw_scroll = raw_lines.saturating_sub(rows),
            (Action::Back, _) => self.message = None,
            (Action::StartFilter, _) => {
                self.say("filters work on the Keys (1) and Nodes (2) screens", false)
            }
            (Action::Refresh, _) => return self.screen_data_requests(true),
            _ => {}
        }
        Vec::new()
    }

    fn rebuild_tables(&mut self) {
        let rows = self.table_rows();
        if let Some(snapshot) = &self.registry {
            self.nodes.rebuild(snapshot, rows);
            self.resources.rebuild(snapshot, rows);
        }
    }

    /// What the current screen needs from the worker: registries for Nodes and
    /// Resources, figures for Stats. `force` re-reads what is already there.
    fn screen_data_requests(&mut self, force: bool) -> Vec<Request> {
        match self.screen {
            Screen::Nodes | Screen::Resources if force || self.registry.is_none() => {
                vec![Request::Registry {
                    id: self.issue(Kind::Registry),
                    cf: self.cf.clone(),
                }]
            }
            Screen::Stats if force || self.stats.latest.is_none() => vec![self.stats_request()],
            _ => Vec::new(),
        }
    }

    fn stats_request(&mut self) -> Request {
        Request::Stats {
            id: self.issue(Kind::Stats),
        }
    }

    /// The periodic tick: the clock moves, statistics are sampled for the history, and
    /// on a live database the screen on show re-reads its data.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Request> {
        self.now = now;
        let mut requests = vec![self.stats_request()];
        if self.access != Access::ReadOnlySnapshot {
            match self.screen {
                Screen::Keys => requests.extend(self.refresh()),
                Screen::Nodes | Screen::Resources => {
                    requests.extend(self.screen_data_requests(true))
                }
                Screen::Stats => {}
            }
        }
        requests
    }

    fn ask_maintenance(&mut self, action: Action) -> Vec<Request> {
        let what = if action == Action::Compact {
            "compact"
        } else {
            "flush"
        };
        if !self.access.writable() {
            self.say(format!("read-only: restart with --write to {what}"), true);
            return Vec::new();
        }
        if self.maintenance.is_some() {
            self.say(
                "a compaction or flush is already running: wait for it to finish",
                true,
            );
            return Vec::new();
        }
        let job = match (action, self.screen, &self.filter) {
            (Action::Flush, _, _) => Maintenance::Flush,
            (_, Screen::Keys, Filter::Prefix(p)) => Maintenance::Compact(Bounds::prefix(p)),
            _ => Maintenance::Compact(Bounds::default()),
        };
        self.message = None;
        self.mode = Mode::Confirm {
            ask: Ask::Maintain(job),
            confirm_focused: false,
        };
        Vec::new()
    }

    fn finish_maintenance(&mut self, report: MaintenanceReport) -> Vec<Request> {
        self.maintenance = None;
        let text = format!(
            "{} done in {:.1} s: SST {} → {}",
            report.job.describe(),
            report.elapsed.as_secs_f64(),
            format_size(report.sst_before, BINARY),
            format_size(report.sst_after, BINARY)
        );
        self.say(text, false);
        let mut requests = vec![self.stats_request()];
        requests.extend(self.refresh());
        requests
    }

    fn update_input(
        &mut self,
        action: Action,
        purpose: InputPurpose,
        mut text: String,
        mut kind: FilterKind,
    ) -> Vec<Request> {
        match action {
            Action::Input(c) => text.push(c),
            Action::Backspace => {
                text.pop();
            }
            Action::ToggleFilterKind if purpose == InputPurpose::Filter => {
                kind = match kind {
                    FilterKind::Prefix => FilterKind::Contains,
                    FilterKind::Contains => FilterKind::Prefix,
                }
            }
            Action::Back => {
                self.mode = Mode::Normal;
                return Vec::new();
            }
            Action::Submit => {
                self.mode = Mode::Normal;
                let bytes = if self.hex_keys {
                    match decode::parse_hex(&text) {
                        Some(b) => b,
                        None => {
                            self.say(
                                format!("{text:?} is not hex: keys are shown as hex (x toggles)"),
                                true,
                            );
                            return Vec::new();
                        }
                    }
                } else {
                    text.into_bytes()
                };
                if purpose == InputPurpose::NewKey {
                    self.open_new_key_editor(bytes);
                    return Vec::new();
                }
                if purpose == InputPurpose::Filter && self.screen == Screen::Nodes {
                    self.nodes.text = String::from_utf8_lossy(&bytes).into_owned();
                    self.rebuild_tables();
                    return Vec::new();
                }
                return match purpose {
                    InputPurpose::NewKey => Vec::new(),
                    InputPurpose::Filter => {
                        self.filter = match (bytes.is_empty(), kind) {
                            (true, _) => Filter::None,
                            (false, FilterKind::Prefix) => Filter::Prefix(bytes),
                            (false, FilterKind::Contains) => Filter::Contains(bytes),
                        };
                        self.reload()
                    }
                    InputPurpose::Goto => {
                        if matches!(self.filter, Filter::Contains(_)) {
                            self.filter = Filter::None;
                            self.scan = None;
                        }
                        self.keys.entries.clear();
                        vec![
                            Request::Cancel(Kind::Filter),
                            self.page_request(Anchor::AtOrAfter(bytes), Placement::Replace),
                        ]
                    }
                };
            }
            _ => {}
        }
        self.mode = Mode::Input {
            purpose,
            text,
            kind,
        };
        Vec::new()
    }

    fn update_picker(&mut self, action: Action, selected: usize) -> Vec<Request> {
        let n = self.column_families.len().max(1);
        match action {
            Action::Down => {
                self.mode = Mode::Picker {
                    selected: (selected + 1) % n,
                }
            }
            Action::Up => {
                self.mode = Mode::Picker {
                    selected: (selected + n - 1) % n,
                }
            }
            Action::Back => self.mode = Mode::Normal,
            Action::Submit => {
                self.mode = Mode::Normal;
                return self.switch_cf(selected);
            }
            _ => {}
        }
        Vec::new()
    }

    fn switch_cf(&mut self, index: usize) -> Vec<Request> {
        let Some(cf) = self.column_families.get(index).cloned() else {
            return Vec::new();
        };
        self.cf = cf;
        self.estimate = None;
        let mut requests = self.reload();
        requests.push(self.refresh_request());
        requests
    }

    /// A periodic refresh: catch up with the primary and re-read the window from its
    /// first key, so new writes appear without moving the selection.
    pub fn refresh(&mut self) -> Vec<Request> {
        let mut requests = vec![self.refresh_request()];
        if matches!(self.filter, Filter::Contains(_)) || self.keys.loading {
            return requests;
        }
        let anchor = match self.keys.entries.first() {
            Some(first) if !self.keys.at_start => Anchor::AtOrAfter(first.key.clone()),
            _ => Anchor::First,
        };
        let limit = self.keys.entries.len().max(CHUNK);
        let mut request = self.page_request(anchor, Placement::Replace);
        if let Request::Page { limit: l, .. } = &mut request {
            *l = limit;
        }
        // A refresh keeps what is on screen until the new page lands.
        self.keys.loading = false;
        requests.push(request);
        requests
    }

    fn select(&mut self, index: usize) {
        self.keys.selected = index;
        let rows = self.list_rows.max(1);
        if index < self.keys.top {
            self.keys.top = index;
        } else if index >= self.keys.top + rows {
            self.keys.top = index + 1 - rows;
        }
    }

    fn move_by(&mut self, delta: isize) -> Vec<Request> {
        let len = self.keys.entries.len();
        if len == 0 {
            return Vec::new();
        }
        let target = (self.keys.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        self.select(target);
        let mut requests: Vec<Request> = self.value_request().into_iter().collect();
        // Fetch ahead while the user is still a screen away from the edge.
        let margin = self.list_rows.max(1) * 2;
        if matches!(self.filter, Filter::Contains(_)) || self.keys.loading {
            return requests;
        }
        if delta > 0 && !self.keys.at_end && target + margin >= len {
            let last = self.keys.entries[len - 1].key.clone();
            requests.push(self.page_request(Anchor::After(last), Placement::Append));
        } else if delta < 0 && !self.keys.at_start && target < margin {
            let first = self.keys.entries[0].key.clone();
            requests.push(self.page_request(Anchor::Before(first), Placement::Prepend));
        }
        requests
    }

    /// Folds a worker event into the state; returns follow-up requests.
    pub fn on_event(&mut self, event: Event) -> Vec<Request> {
        if !self.event_is_current(&event) {
            return Vec::new();
        }
        match event {
            Event::Page {
                placement, page, ..
            } => {
                self.keys.loading = false;
                self.place_page(placement, page);
                return self.value_request().into_iter().collect();
            }
            Event::Value { key, value, .. } => {
                self.value = Some(match value {
                    None => ValueView {
                        key,
                        kind: None,
                        lines: vec!["(the key no longer exists)".into()],
                        size: 0,
                        truncated: false,
                        scroll: 0,
                        raw: Vec::new(),
                    },
                    Some((bytes, size)) => value_view(key, &bytes, size),
                });
            }
            Event::Matches { entries, .. } => {
                let was_empty = self.keys.entries.is_empty();
                let room = MAX_MATCHES.saturating_sub(self.keys.entries.len());
                self.keys.entries.extend(entries.into_iter().take(room));
                self.keys.loading = false;
                if was_empty {
                    return self.value_request().into_iter().collect();
                }
            }
            Event::Progress {
                id,
                scanned,
                matched,
            } => {
                if self.is_current(Kind::Count, id) {
                    self.count = CountState::Running(matched);
                } else {
                    self.scan = Some(ScanProgress {
                        scanned,
                        matched,
                        done: false,
                    });
                }
            }
            Event::Done {
                id,
                scanned,
                matched,
            } => {
                if self.is_current(Kind::Count, id) {
                    self.count = CountState::Done(matched);
                    if let Some(bounds) = self.pending_range_delete.take() {
                        self.confirm_range_delete(bounds, matched);
                    }
                } else {
                    self.scan = Some(ScanProgress {
                        scanned,
                        matched,
                        done: true,
                    });
                    self.keys.at_end = true;
                    self.keys.loading = false;
                }
            }
            Event::Refreshed { estimate, .. } => self.estimate = Some(estimate),
            Event::Stats { stats, .. } => {
                let rows = self.table_rows();
                self.stats.record(stats, rows);
            }
            Event::Registry { snapshot, .. } => {
                self.registry = Some(*snapshot);
                self.rebuild_tables();
            }
            Event::Maintained { report, .. } => return self.finish_maintenance(report),
            Event::Edited { outcome, .. } => return self.finish_edit(outcome),
            Event::Failed { id, message } => {
                if self.is_current(Kind::Maintain, id) {
                    self.maintenance = None;
                }
                self.keys.loading = false;
                if matches!(self.count, CountState::Running(_)) {
                    self.count = CountState::Idle;
                }
                self.say(message, true);
            }
        }
        Vec::new()
    }

    fn place_page(&mut self, placement: Placement, page: super::source::Page) {
        let keys = &mut self.keys;
        match placement {
            Placement::Replace | Placement::ReplaceAtEnd => {
                let selected_key = keys.entries.get(keys.selected).map(|e| e.key.clone());
                keys.entries = page.entries;
                keys.at_start = page.at_start;
                keys.at_end = page.at_end;
                keys.top = 0;
                let last = keys.entries.len().saturating_sub(1);
                let target = if placement == Placement::ReplaceAtEnd {
                    last
                } else {
                    // A refresh keeps the selection on the same key, or the next one.
                    selected_key
                        .and_then(|k| keys.entries.iter().position(|e| e.key >= k))
                        .unwrap_or(0)
                        .min(last)
                };
                self.select(target);
            }
            Placement::Append => {
                keys.at_end = page.at_end;
                keys.entries.extend(page.entries);
                let excess = keys.entries.len().saturating_sub(MAX_WINDOW);
                if excess > 0 {
                    keys.entries.drain(..excess);
                    keys.at_start = false;
                    keys.selected = keys.selected.saturating_sub(excess);
                    keys.top = keys.top.saturating_sub(excess);
                }
            }
            Placement::Prepend => {
                keys.at_start = page.at_start;
                let added = page.entries.len();
                let mut entries = page.entries;
                entries.append(&mut keys.entries);
                keys.entries = entries;
                keys.selected += added;
                keys.top += added;
                if keys.entries.len() > MAX_WINDOW {
                    keys.entries.truncate(MAX_WINDOW);
                    keys.at_end = false;
                }
            }
        }
    }

    /// Sets the visible list height (from the terminal size).
    pub fn set_list_rows(&mut self, rows: usize) {
        self.list_rows = rows.max(1);
        let selected = self.keys.selected;
        self.select(selected);
    }

    /// A key as the list shows it.
    pub fn display_key(&self, key: &[u8]) -> String {
        if self.hex_keys {
            decode::hex(key)
        } else {
            decode::escape_key(key)
        }
    }
}

/// Decodes a fetched value into display lines.
pub fn value_view(key: Vec<u8>, bytes: &[u8], size: usize) -> ValueView {
    let raw = bytes.to_vec();
    let mut truncated = bytes.len() < size;
    let kind = if truncated && std::str::from_utf8(bytes).is_err() {
        ValueKind::Binary
    } else if truncated {
        ValueKind::Text
    } else {
        decode::classify(bytes)
    };
    let bytes = if kind == ValueKind::Binary && bytes.len() > HEXDUMP_PREVIEW {
        truncated = true;
        &bytes[..HEXDUMP_PREVIEW]
    } else {
        bytes
    };
    let lines = match kind {
        ValueKind::Json => decode::pretty_json(bytes)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect(),
        ValueKind::Text => String::from_utf8_lossy(bytes)
            .lines()
            .map(str::to_owned)
            .collect(),
        ValueKind::Binary => decode::hexdump(bytes),
    };
    ValueView {
        key,
        kind: Some(kind),
        lines,
        size,
        truncated,
        scroll: 0,
        raw,
    }
}
