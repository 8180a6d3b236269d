//! The inspector's state and the only code that changes it.
//!
//! `App` holds the shared [`Session`], the one [`Overlay`], the changes in flight
//! ([`Writes`]) and the screens, each a [`Screen`] component (see `screens`). It
//! dispatches generically: the keys every screen shares (help, the number keys, column
//! families, compaction, history, the refusals of write mode) are handled here, anything
//! else goes to the screen on show; an answer from the worker goes to the screens that
//! take its kind, judged by the ticket and context it carries (never by what is on
//! screen when it arrives). The overlays' flows (prompts, the column family list, the
//! questions, the editor) are in `overlay` and `edits`. Drawing reads `&App` only, so
//! every screen can be drawn in a test from an `App` driven without a worker.

pub mod editor;
mod edits;
mod maintenance;
mod overlay;
pub mod session;
pub mod table;

use chrono::{DateTime, Utc};

pub use edits::{Ask, Undo, Writes, ask};
pub use maintenance::RunningMaintenance;
pub use overlay::{FilterKind, InputPurpose, Overlay};
pub use session::{Message, Session};

use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::{self, Binding, KeyContext};
use crate::inspector::screens::{self, Change, Cx, Screen};
use crate::inspector::source::Access;
use crate::inspector::worker::{Body, Command, Event, Job, Kind};

/// The whole state of the inspector.
#[derive(Debug, Clone)]
pub struct App {
    /// What every screen shares.
    pub session: Session,
    /// The overlay or input in front of the screen.
    pub overlay: Overlay,
    /// Changes in flight and the last one's undo.
    pub writes: Writes,
    /// Whether to leave.
    pub should_quit: bool,
    /// Every screen, in tab order.
    screens: Vec<Box<dyn Screen>>,
    /// Which of them is on show.
    shown: usize,
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
            overlay: Overlay::Closed,
            writes: Writes::default(),
            should_quit: false,
            screens: screens::registered(),
            shown: 0,
        }
    }

    /// Every screen, in tab order.
    pub fn screens(&self) -> &[Box<dyn Screen>] {
        &self.screens
    }

    /// The place of the screen on show in the tabs (from 0).
    pub fn shown(&self) -> usize {
        self.shown
    }

    /// The screen on show.
    pub fn current(&self) -> &dyn Screen {
        self.screens[self.shown].as_ref()
    }

    /// The screen of type `S`. Panics if no such screen is registered.
    pub fn screen<S: Screen>(&self) -> &S {
        self.screens
            .iter()
            .find_map(|s| s.as_any().downcast_ref())
            .expect("every screen type is registered")
    }

    /// The screen of type `S`, to change it (tests, and the start-up options that
    /// configure one screen). Panics if no such screen is registered.
    pub fn screen_mut<S: Screen>(&mut self) -> &mut S {
        self.screens
            .iter_mut()
            .find_map(|s| s.as_any_mut().downcast_mut())
            .expect("every screen type is registered")
    }

    /// Puts the screen of type `S` on show; what it reads is asked for by
    /// `initial_commands`, or by the next number key.
    pub fn show<S: Screen>(&mut self) {
        if let Some(at) = self.screens.iter().position(|s| s.as_any().is::<S>()) {
            self.shown = at;
        }
    }

    /// Whether the screen of type `S` is on show.
    pub fn showing<S: Screen>(&self) -> bool {
        self.current().as_any().is::<S>()
    }

    /// The first commands: every screen's first requests (a page of keys and the
    /// estimate), and what the screen on show needs (started on another screen with
    /// `--compare`: its data too).
    pub fn initial_commands(&mut self) -> Vec<Command> {
        let mut commands = self.each(|screen, _, cx| screen.start(cx));
        commands.extend(self.on_current(|screen, cx| screen.show(cx)));
        supersede(commands)
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
            Overlay::Closed | Overlay::Help | Overlay::History(_) | Overlay::Explained(_) => {
                KeyContext::Normal
            }
        }
    }

    /// The key tables that apply now, most specific first.
    pub fn bindings(&self) -> Vec<&'static [Binding]> {
        keymap::tables(self.key_context(), self.current().keys())
    }

    /// Whether `action` does anything now on the screen on show (the footer and help
    /// show only those).
    pub fn available(&self, action: Action) -> bool {
        self.current().available(action)
    }

    /// The action for a key press, if any.
    pub fn action_for(&self, key: crossterm::event::KeyEvent) -> Option<Action> {
        keymap::dispatch(self.key_context(), self.current().keys(), key)
    }

    /// Applies a user action; returns the commands it needs.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if action == Action::Quit {
            self.should_quit = true;
            return Vec::new();
        }
        let commands = match self.overlay {
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
            Overlay::Explained(_) => {
                if matches!(
                    action,
                    Action::Back | Action::Explain | Action::ExplainSeek | Action::ToggleHelp
                ) {
                    self.overlay = Overlay::Closed;
                }
                Vec::new()
            }
        };
        supersede(commands)
    }

    /// The keys every screen shares; anything else is the screen's own. A screen gets a
    /// shared action only if its key table binds it (`]` on Keys and Disk, `h` on Keys
    /// and WAL, `C` where compaction makes sense).
    fn update_screen(&mut self, action: Action) -> Vec<Command> {
        let families = self.session.column_families.len().max(1);
        let at = self
            .session
            .column_families
            .iter()
            .position(|c| *c == self.session.cf)
            .unwrap_or(0);
        match action {
            Action::ToggleHelp => {
                self.overlay = Overlay::Help;
                Vec::new()
            }
            Action::Screen(n) => {
                if usize::from(n) >= 1 && usize::from(n) <= self.screens.len() {
                    self.shown = usize::from(n) - 1;
                }
                if self.shown_needs_rocksdb() {
                    return Vec::new();
                }
                self.on_current(|screen, cx| screen.show(cx))
            }
            Action::PickColumnFamily => {
                self.overlay = Overlay::Picker { selected: at };
                Vec::new()
            }
            Action::NextColumnFamily => self.switch_cf((at + 1) % families),
            Action::PrevColumnFamily => self.switch_cf((at + families - 1) % families),
            Action::Compact | Action::Flush => self.ask_maintenance(action),
            Action::History => self.ask_history(),
            Action::Explain => self.ask_explain(),
            Action::ExplainSeek => self.ask_explain_seek(),
            Action::NewKey
            | Action::EditValue
            | Action::DeleteKey
            | Action::DeleteRange
            | Action::Undo
            | Action::MarkOffline
            | Action::MarkOnline
            | Action::RemoveNode => self.start_edit(action),
            _ => self.on_current(|screen, cx| screen.update(action, cx)),
        }
    }

    /// The selected key's history, where the screen on show names one.
    fn ask_history(&mut self) -> Vec<Command> {
        let Some((cf, key)) = self.current().history_target(&self.session) else {
            self.session
                .say("select a key (of a column family the MANIFEST names) to see its history");
            return Vec::new();
        };
        self.session
            .say("reading the key's history from the WAL files…");
        let context = crate::inspector::worker::Context::cf(cf);
        vec![self.session.request(context, Job::History { key }).into()]
    }

    fn ask_explain(&mut self) -> Vec<Command> {
        if self.session.access == crate::inspector::source::Access::Cluster {
            self.session
                .say("explain reads RocksDB's perf counters: an etcd cluster has none");
            return Vec::new();
        }
        let Some((cf, key)) = self.current().history_target(&self.session) else {
            self.session.say("select a key to explain a read of it");
            return Vec::new();
        };
        self.session.say("explaining a read of the key…");
        let context = crate::inspector::worker::Context::cf(cf);
        let read = crate::inspector::analysis::explain::Read::Key(key);
        vec![self.session.request(context, Job::Explain { read }).into()]
    }

    fn ask_explain_seek(&mut self) -> Vec<Command> {
        if self.session.access == crate::inspector::source::Access::Cluster {
            self.session
                .say("explain reads RocksDB's perf counters: an etcd cluster has none");
            return Vec::new();
        }
        let Some((cf, bounds, limit)) = self.current().seek_target(&self.session) else {
            self.session.say(
                "S explains the seek of a key list (Keys screen, no contains filter: its scan is a walk, not a seek)",
            );
            return Vec::new();
        };
        self.session.say("explaining the page's seek…");
        let context = crate::inspector::worker::Context::cf(cf);
        let read = crate::inspector::analysis::explain::Read::Range { bounds, limit };
        vec![self.session.request(context, Job::Explain { read }).into()]
    }

    /// Shows another column family: every screen forgets the old one's data, and the one
    /// on show reads the new one's.
    fn switch_cf(&mut self, index: usize) -> Vec<Command> {
        let Some(cf) = self.session.column_families.get(index).cloned() else {
            return Vec::new();
        };
        self.session.cf = cf;
        self.each(|screen, shown, cx| screen.switch_cf(shown, cx))
    }

    /// A change to the database finished: every screen reads again what it may have moved.
    fn changed(&mut self, change: &Change) -> Vec<Command> {
        self.each(|screen, shown, cx| screen.changed(change, shown, cx))
    }

    /// The periodic tick: the clock moves, every screen samples what it keeps a history
    /// of, and on a live database the screen on show re-reads its data (every read
    /// catching up with the primary). A kind still awaiting its last answer is not asked
    /// again, so periodic work never piles up on a slow database.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Command> {
        self.session.now = now;
        let mut commands = self.each(|screen, _, cx| screen.sample(cx));
        if self.session.access != Access::ReadOnlySnapshot
            && !self.session.watched
            && !self.shown_needs_rocksdb()
        {
            commands.extend(self.on_current(|screen, cx| screen.follow(cx)));
        }
        supersede(commands)
    }

    /// The watch on a cluster saw a change: the screen on show re-reads its data, as a
    /// tick does on a live RocksDB database (no polling in between).
    pub fn remote_changed(&mut self) -> Vec<Command> {
        if self.shown_needs_rocksdb() {
            return Vec::new();
        }
        supersede(self.on_current(|screen, cx| screen.follow(cx)))
    }

    /// Whether the screen on show reads RocksDB's own files (Disk, Log, WAL) while the
    /// database is an etcd cluster: it is drawn as a notice and asks nothing.
    pub fn shown_needs_rocksdb(&self) -> bool {
        self.session.cluster && matches!(self.current().title(), "Disk" | "Log" | "WAL")
    }

    /// Folds a worker answer into the state; returns follow-up commands. Changes always
    /// land; any other answer counts only if its ticket is still the newest of its kind,
    /// and goes to every screen that takes its kind.
    pub fn on_event(&mut self, event: Event) -> Vec<Command> {
        let ticket = event.ticket;
        // Whichever job it came from: the status line says reads are being held back.
        if matches!(event.body, Body::HeldBack) {
            self.session.held_back_at = Some(self.session.now);
            return Vec::new();
        }
        let current = self.session.tickets.is_current(ticket);
        if event.body.is_final() {
            self.session.tickets.answered(ticket);
        }
        let commands = match ticket.kind {
            Kind::Edit => self.finish_edit(ticket, event.context, event.body),
            Kind::Maintain => self.finish_maintenance(event.context, event.body),
            _ if !current => Vec::new(),
            Kind::Explain => {
                match event.body {
                    Body::Explained(explained) => {
                        self.session.message = None;
                        self.overlay = Overlay::Explained(explained);
                    }
                    Body::Failed(error) => self.session.fail(&error),
                    _ => {}
                }
                Vec::new()
            }
            Kind::History => {
                match event.body {
                    Body::History(history) => {
                        self.session.message = None;
                        self.overlay = Overlay::History(history);
                    }
                    Body::Failed(error) => self.session.fail(&error),
                    _ => {}
                }
                Vec::new()
            }
            kind => self.route(kind, event),
        };
        supersede(commands)
    }

    /// Gives `event` to every screen that takes answers of `kind`.
    fn route(&mut self, kind: Kind, event: Event) -> Vec<Command> {
        let takers: Vec<usize> = (0..self.screens.len())
            .filter(|&i| self.screens[i].kinds().contains(&kind))
            .collect();
        let Some((&last, others)) = takers.split_last() else {
            return Vec::new();
        };
        let mut cx = Cx {
            session: &mut self.session,
            overlay: &mut self.overlay,
        };
        let mut commands = Vec::new();
        for &i in others {
            commands.extend(self.screens[i].on_event(event.clone(), &mut cx));
        }
        commands.extend(self.screens[last].on_event(event, &mut cx));
        commands
    }

    /// Sets the visible list height (from the terminal size).
    pub fn set_list_rows(&mut self, rows: usize) {
        self.session.list_rows = rows.max(1);
        for screen in &mut self.screens {
            screen.resize(self.session.list_rows);
        }
    }

    /// Runs `f` on every screen (with whether it is on show), collecting the commands.
    fn each(
        &mut self,
        mut f: impl FnMut(&mut dyn Screen, bool, &mut Cx) -> Vec<Command>,
    ) -> Vec<Command> {
        let mut cx = Cx {
            session: &mut self.session,
            overlay: &mut self.overlay,
        };
        let mut commands = Vec::new();
        for (i, screen) in self.screens.iter_mut().enumerate() {
            commands.extend(f(screen.as_mut(), i == self.shown, &mut cx));
        }
        commands
    }

    /// Runs `f` on the screen on show.
    fn on_current(
        &mut self,
        f: impl FnOnce(&mut dyn Screen, &mut Cx) -> Vec<Command>,
    ) -> Vec<Command> {
        let mut cx = Cx {
            session: &mut self.session,
            overlay: &mut self.overlay,
        };
        f(self.screens[self.shown].as_mut(), &mut cx)
    }
}

/// Drops from a batch the requests a later request of the same kind supersedes at once,
/// and repeated cancellations: several screens may read the same thing (the Nodes and
/// Resources screens share the registries), and a request that would be cancelled before
/// it starts is work for nothing. Changes are never dropped.
fn supersede(commands: Vec<Command>) -> Vec<Command> {
    let mut kept: Vec<Command> = Vec::with_capacity(commands.len());
    for command in commands.into_iter().rev() {
        let repeated = match &command {
            Command::Run(request) => {
                let kind = request.ticket.kind;
                !kind.runs_to_completion()
                    && kept
                        .iter()
                        .any(|c| matches!(c, Command::Run(r) if r.ticket.kind == kind))
            }
            Command::Cancel(kind) => kept
                .iter()
                .any(|c| matches!(c, Command::Cancel(k) if k == kind)),
        };
        if !repeated {
            kept.push(command);
        }
    }
    kept.reverse();
    kept
}
