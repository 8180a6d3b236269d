//! The inspector's state and the only code that changes it.
//!
//! `App` routes: it holds the shared [`Session`], the screen on show, the one overlay,
//! and one state type per screen (`keys`, `nodes`, `resources`, `stats`), each with its
//! own update. `update` turns an `Action` into state changes and worker commands;
//! `on_event` folds an answer in, judged by the ticket and context it carries (never by
//! what is on screen when it arrives). Drawing reads `&App` only, so every screen can be
//! drawn in a test from an `App` driven without a worker.

pub mod compare;
pub mod disk;
pub mod editor;
mod edits;
pub mod events;
pub mod keys;
pub mod log;
mod maintenance;
pub mod nodes;
mod overlay;
pub mod resources;
pub mod session;
pub mod stats;
pub mod table;
pub mod wal;

use chrono::{DateTime, Utc};

pub use edits::{Ask, Undo, Writes};
pub use keys::{CountState, Counted, Filter, KeysState, ScanProgress, ValueView, value_view};
pub use maintenance::RunningMaintenance;
pub use overlay::{FilterKind, InputPurpose, Overlay};
pub use session::{Message, Session};

use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::KeyContext;
use crate::inspector::source::Access;
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::worker::{Body, Command, Event, Job, Kind, Purpose};
use nodes::NodesView;
use resources::ResourcesView;
use stats::StatsView;

/// The screens on the number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Key browser.
    Keys,
    /// Node registry.
    Nodes,
    /// Resource registry.
    Resources,
    /// Database statistics.
    Stats,
    /// Upstream Spear-Next's event streams.
    Events,
    /// What fills the disk: files, the key space by prefix, tombstones.
    Disk,
    /// What RocksDB itself wrote in its info LOG.
    Log,
    /// What the service just wrote: the WAL's newest batches.
    Wal,
    /// The open database compared with another.
    Diff,
}

impl Screen {
    /// Every screen in key order.
    pub const ALL: [Screen; 9] = [
        Screen::Keys,
        Screen::Nodes,
        Screen::Resources,
        Screen::Stats,
        Screen::Events,
        Screen::Disk,
        Screen::Log,
        Screen::Wal,
        Screen::Diff,
    ];

    /// Its tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Keys => "Keys",
            Screen::Nodes => "Nodes",
            Screen::Resources => "Resources",
            Screen::Stats => "Stats",
            Screen::Events => "Events",
            Screen::Disk => "Disk",
            Screen::Log => "Log",
            Screen::Wal => "WAL",
            Screen::Diff => "Diff",
        }
    }
}

/// What a table screen's update asks of the App.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Nothing more.
    None,
    /// Its rows must be rebuilt (sort or filter changed).
    Rebuild,
    /// Its data must be read again (`r`).
    Reread,
}

/// The whole state of the inspector.
#[derive(Debug, Clone)]
pub struct App {
    /// What every screen shares.
    pub session: Session,
    /// The screen on show.
    pub screen: Screen,
    /// The overlay or input in front of it.
    pub overlay: Overlay,
    /// The Keys screen.
    pub keys: KeysState,
    /// The registries of the column family on show, once read.
    pub registry: Option<RegistrySnapshot>,
    /// The Nodes screen.
    pub nodes: NodesView,
    /// The Resources screen.
    pub resources: ResourcesView,
    /// The Stats screen.
    pub stats: StatsView,
    /// The Events screen.
    pub events: events::EventsView,
    /// The Disk screen.
    pub disk: disk::DiskView,
    /// The Log screen.
    pub log: log::LogView,
    /// The WAL screen.
    pub wal: wal::WalView,
    /// The Diff screen.
    pub compare: compare::CompareView,
    /// Changes in flight and the last one's undo.
    pub writes: Writes,
    /// Whether to leave.
    pub should_quit: bool,
}

impl App {
    /// A fresh state for a database; `initial_commands` says what to ask the worker first.
    pub fn new(
        db_path: impl Into<String>,
        access: Access,
        column_families: Vec<String>,
        cf: String,
    ) -> Self {
        Self {
            session: Session::new(db_path, access, column_families, cf),
            screen: Screen::Keys,
            overlay: Overlay::Closed,
            keys: KeysState::default(),
            registry: None,
            nodes: NodesView::default(),
            resources: ResourcesView::default(),
            stats: StatsView::default(),
            events: events::EventsView::default(),
            disk: disk::DiskView::default(),
            log: log::LogView::default(),
            wal: wal::WalView::default(),
            compare: compare::CompareView::default(),
            writes: Writes::default(),
            should_quit: false,
        }
    }

    /// The first commands: a page of keys and the estimate, and what the screen on show
    /// needs.
    pub fn initial_commands(&mut self) -> Vec<Command> {
        let mut commands = self.keys.initial(&mut self.session);
        // Started on another screen (`--compare`): its data too.
        commands.extend(self.screen_data(Purpose::Show, false));
        commands
    }

    /// Which keymap applies now.
    pub fn key_context(&self) -> KeyContext {
        match self.overlay {
            Overlay::Input { .. } | Overlay::TypeToConfirm { .. } => KeyContext::Input,
            Overlay::Picker { .. } => KeyContext::Picker,
            Overlay::Confirm { .. } => KeyContext::Confirm,
            Overlay::Editor { dialog: None, .. } => KeyContext::Editor,
            Overlay::Editor {
                dialog: Some(_), ..
            } => KeyContext::Confirm,
            Overlay::Closed | Overlay::Help | Overlay::History(_) => KeyContext::Normal,
        }
    }

    /// Applies a user action; returns the commands it needs.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if action == Action::Quit {
            self.should_quit = true;
            return Vec::new();
        }
        match self.overlay {
            Overlay::Closed => self.update_screen(action),
            Overlay::Input { .. } => self.update_input(action),
            Overlay::Picker { .. } => self.update_picker(action),
            Overlay::Confirm { .. } => self.update_confirm(action),
            Overlay::Editor { .. } => self.update_editor(action),
            Overlay::TypeToConfirm { .. } => self.update_type_to_confirm(action),
            Overlay::Help => {
                if matches!(action, Action::Back | Action::ToggleHelp) {
                    self.overlay = Overlay::Closed;
                }
                Vec::new()
            }
            Overlay::History(_) => {
                if matches!(action, Action::Back | Action::History | Action::ToggleHelp) {
                    self.overlay = Overlay::Closed;
                }
                Vec::new()
            }
        }
    }

    fn update_screen(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::ToggleHelp => {
                self.overlay = Overlay::Help;
                return Vec::new();
            }
            Action::Screen(n) => {
                if let Some(screen) = Screen::ALL.get(usize::from(n).saturating_sub(1)) {
                    self.screen = *screen;
                }
                return self.screen_data(Purpose::Show, false);
            }
            Action::Compact | Action::Flush => return self.ask_maintenance(action),
            Action::History if matches!(self.screen, Screen::Keys | Screen::Wal) => {
                return self.ask_history();
            }
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
        let reaction = match self.screen {
            Screen::Keys => return self.update_keys(action),
            Screen::Nodes => self
                .nodes
                .update(action, &mut self.session, &mut self.overlay),
            Screen::Resources => self.resources.update(action, &mut self.session),
            Screen::Stats => {
                let reaction = self.stats.update(action, &mut self.session);
                if self.stats.page == stats::StatsPage::Options
                    && self.stats.options.is_none()
                    && !self.session.tickets.is_pending(Kind::Options)
                {
                    let context = self.session.context();
                    return vec![self.session.request(context, Job::Options).into()];
                }
                reaction
            }
            Screen::Events => return self.events.update(action, &mut self.session),
            Screen::Disk => return self.update_disk(action),
            Screen::Log => return self.log.update(action, &mut self.session),
            Screen::Wal => return self.wal.update(action, &mut self.session),
            Screen::Diff => return self.compare.update(action, &mut self.session),
        };
        match reaction {
            Reaction::None => Vec::new(),
            Reaction::Rebuild => {
                self.rebuild_tables();
                Vec::new()
            }
            Reaction::Reread => self.screen_data(Purpose::Show, true),
        }
    }

    /// The Keys screen, plus the column family keys (the column family is the session's).
    fn update_keys(&mut self, action: Action) -> Vec<Command> {
        let families = &self.session.column_families;
        let at = families
            .iter()
            .position(|c| *c == self.session.cf)
            .unwrap_or(0);
        let n = families.len().max(1);
        match action {
            Action::PickColumnFamily => {
                self.overlay = Overlay::Picker { selected: at };
                Vec::new()
            }
            Action::NextColumnFamily => self.switch_cf((at + 1) % n),
            Action::PrevColumnFamily => self.switch_cf((at + n - 1) % n),
            _ => self
                .keys
                .update(action, &mut self.session, &mut self.overlay),
        }
    }

    /// The selected key's history: on Keys the key on show, on WAL the operation's key in
    /// its column family.
    fn ask_history(&mut self) -> Vec<Command> {
        let target = match self.screen {
            Screen::Wal => self.wal.selected().and_then(|(_, op)| {
                let names = &self.wal.report.as_ref()?.cf_names;
                Some((names.get(&op.cf)?.clone(), op.key.clone()))
            }),
            _ => self
                .keys
                .selected_entry()
                .map(|e| (self.session.cf.clone(), e.key.clone())),
        };
        let Some((cf, key)) = target else {
            self.session
                .say("select a key (of a column family the MANIFEST names) to see its history");
            return Vec::new();
        };
        self.session
            .say("reading the key's history from the WAL files…");
        let context = crate::inspector::worker::Context::cf(cf);
        vec![self.session.request(context, Job::History { key }).into()]
    }

    /// The Disk screen, plus the column family keys.
    fn update_disk(&mut self, action: Action) -> Vec<Command> {
        let n = self.session.column_families.len().max(1);
        let at = self
            .session
            .column_families
            .iter()
            .position(|c| *c == self.session.cf)
            .unwrap_or(0);
        let index = match action {
            Action::NextColumnFamily => (at + 1) % n,
            Action::PrevColumnFamily => (at + n - 1) % n,
            _ => return self.disk.update(action, &mut self.session),
        };
        let mut commands = self.switch_cf(index);
        commands.extend(self.disk.reread(&mut self.session, Purpose::Show));
        commands
    }

    /// Shows another column family: the Keys screen starts over, the registries of the
    /// old one are dropped (they are read again when a registry screen needs them).
    fn switch_cf(&mut self, index: usize) -> Vec<Command> {
        let Some(cf) = self.session.column_families.get(index).cloned() else {
            return Vec::new();
        };
        self.session.cf = cf;
        self.registry = None;
        self.session.tickets.forget(Kind::Registry);
        self.disk.switch_cf();
        self.keys.switch_cf(&mut self.session)
    }

    fn rebuild_tables(&mut self) {
        let rows = self.session.table_rows();
        if let Some(snapshot) = &self.registry {
            self.nodes.rebuild(snapshot, rows);
            self.resources.rebuild(snapshot, rows);
        }
    }

    /// What the current screen needs from the worker: registries for Nodes and
    /// Resources, figures for Stats. `force` re-reads what is already there.
    fn screen_data(&mut self, purpose: Purpose, force: bool) -> Vec<Command> {
        match self.screen {
            Screen::Nodes | Screen::Resources if force || self.registry.is_none() => {
                let context = self.session.context().with_purpose(purpose);
                vec![self.session.request(context, Job::Registry).into()]
            }
            Screen::Stats if force || self.stats.latest.is_none() => {
                vec![self.stats_request(purpose)]
            }
            Screen::Events if force || self.events.streams.is_none() => {
                self.events.reread(&mut self.session, purpose)
            }
            Screen::Disk if force || self.disk.is_empty() => {
                self.disk.reread(&mut self.session, purpose)
            }
            Screen::Log if force || self.log.report.is_none() => {
                self.log.reread(&mut self.session, purpose)
            }
            Screen::Wal if force || self.wal.report.is_none() => {
                self.wal.reread(&mut self.session, purpose)
            }
            Screen::Diff if force || self.compare.report.is_none() => {
                self.compare.reread(&mut self.session, purpose)
            }
            _ => Vec::new(),
        }
    }

    fn stats_request(&mut self, purpose: Purpose) -> Command {
        let context = self.session.context().with_purpose(purpose);
        self.session.request(context, Job::Stats).into()
    }

    /// The periodic tick: the clock moves, statistics are sampled for the history, and
    /// on a live database the screen on show re-reads its data (every read catching up
    /// with the primary). A kind still awaiting its last answer is not asked again, so
    /// periodic work never piles up on a slow database.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Command> {
        self.session.now = now;
        let mut commands = Vec::new();
        if !self.session.tickets.is_pending(Kind::Stats) {
            commands.push(self.stats_request(Purpose::Periodic));
        }
        if self.session.access != Access::ReadOnlySnapshot {
            match self.screen {
                Screen::Keys => {
                    commands.extend(self.keys.refresh(&mut self.session, Purpose::Periodic))
                }
                Screen::Nodes | Screen::Resources
                    if !self.session.tickets.is_pending(Kind::Registry) =>
                {
                    commands.extend(self.screen_data(Purpose::Periodic, true))
                }
                Screen::Events => {
                    commands.extend(self.events.reread(&mut self.session, Purpose::Periodic))
                }
                Screen::Wal => {
                    commands.extend(self.wal.reread(&mut self.session, Purpose::Periodic))
                }
                Screen::Log => commands.extend(self.log.follow(&mut self.session)),
                _ => {}
            }
        }
        commands
    }

    /// Folds a worker answer into the state; returns follow-up commands. Changes always
    /// land; any other answer counts only if its ticket is still the newest of its kind.
    pub fn on_event(&mut self, event: Event) -> Vec<Command> {
        let Event {
            ticket,
            context,
            body,
        } = event;
        let current = self.session.tickets.is_current(ticket);
        if body.is_final() {
            self.session.tickets.answered(ticket);
        }
        match ticket.kind {
            Kind::Edit => return self.finish_edit(ticket, context, body),
            Kind::Maintain => return self.finish_maintenance(context, body),
            _ if !current => return Vec::new(),
            Kind::Count if context.purpose == Purpose::ConfirmDelete => match body {
                Body::Done { matched, .. } => {
                    self.keys.count = CountState::Done(matched);
                    self.confirm_range_delete(context, matched);
                    return Vec::new();
                }
                other => {
                    return self
                        .keys
                        .on_event(ticket, &context, other, &mut self.session);
                }
            },
            Kind::Stats => match body {
                Body::Stats(stats) => self.stats.record(stats, self.session.table_rows()),
                Body::Failed(error) => self.session.fail(&error),
                _ => {}
            },
            Kind::Registry => match body {
                Body::Registry(snapshot) if context.cf == self.session.cf => {
                    self.registry = Some(*snapshot);
                    self.rebuild_tables();
                }
                Body::Failed(error) => self.session.fail(&error),
                _ => {}
            },
            Kind::Options => match body {
                Body::Options(report) => self.stats.options = Some(report),
                Body::Failed(error) => self.session.fail(&error),
                _ => {}
            },
            Kind::Log => self.log.on_event(body, &mut self.session),
            Kind::Diff => self.compare.on_event(body, &mut self.session),
            Kind::History => match body {
                Body::History(history) => {
                    self.session.message = None;
                    self.overlay = Overlay::History(history);
                }
                Body::Failed(error) => self.session.fail(&error),
                _ => {}
            },
            Kind::Wal => self.wal.on_event(body, &mut self.session),
            Kind::Usage | Kind::Keyspace | Kind::Tombstones => {
                self.disk
                    .on_event(ticket, &context, body, &mut self.session);
            }
            Kind::Streams | Kind::Events | Kind::Gaps => {
                return self
                    .events
                    .on_event(ticket, context, body, &mut self.session);
            }
            _ => {
                return self
                    .keys
                    .on_event(ticket, &context, body, &mut self.session);
            }
        }
        Vec::new()
    }

    /// Sets the visible list height (from the terminal size).
    pub fn set_list_rows(&mut self, rows: usize) {
        self.session.list_rows = rows.max(1);
        let selected = self.keys.window.selected;
        self.keys.window.select(selected, self.session.list_rows);
    }
}
