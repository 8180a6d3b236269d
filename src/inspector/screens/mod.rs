//! One component per screen: each folder holds a screen's state, its keys, its update,
//! its handling of the worker's answers and its drawing, side by side. Every screen
//! implements [`Screen`]; `App` holds them in the order [`registered`] lists them (that
//! order is the tab order and the number keys') and dispatches to them generically.
//!
//! Adding a screen: a folder here with its state and `impl Screen`, one line in the
//! `screens!` list below, and its tests. Nothing in `App`, the keymap or `ui` names a
//! screen.

mod registry;

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::inspector::input::action::Action;
use crate::inspector::input::keymap::Binding;
use crate::inspector::source::Bounds;
use crate::inspector::state::{FilterKind, InputPurpose, Overlay, Session};
use crate::inspector::ui::theme::Theme;
use crate::inspector::worker::{Command, Event, Kind};

/// Declares each screen's module and lists its component in [`registered`]: one line a
/// screen, so a screen cannot be declared and forgotten, or listed and not declared.
macro_rules! screens {
    ($($module:ident::$component:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every screen, in tab order (the number keys follow it).
        pub fn registered() -> Vec<Box<dyn Screen>> {
            vec![$(Box::new($module::$component::default())),*]
        }
    };
}

screens! {
    keys::KeysState,
    nodes::NodesView,
    resources::ResourcesView,
    stats::StatsView,
    events::EventsView,
    disk::DiskView,
    log::LogView,
    wal::WalView,
    diff::DiffView,
}

/// What a screen's update may change besides its own state: the shared session and the
/// overlay in front of the screen (a prompt, a question, the editor).
#[derive(Debug)]
pub struct Cx<'a> {
    /// What every screen shares.
    pub session: &'a mut Session,
    /// The overlay in front of the screen.
    pub overlay: &'a mut Overlay,
}

/// What drawing a screen may read besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct DrawCx<'a> {
    /// What every screen shares.
    pub session: &'a Session,
    /// The colours (or none).
    pub theme: Theme,
}

/// A change to the database that finished: the screens that show its data read it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An edit in this column family.
    Edited {
        /// The column family it was made in.
        cf: String,
    },
    /// A compaction or flush.
    Maintained,
}

/// One screen: its keys, how it answers them and the worker, what it reads when, and how
/// it is drawn. Only `App::update` and `App::on_event` call the `&mut self` methods, so a
/// screen changes only there; `draw` reads `&self`.
///
/// Every hook but its title, keys, kinds, update, answers and drawing has a default that
/// does nothing: a screen implements what concerns it.
pub trait Screen: ScreenAny + std::fmt::Debug {
    /// Its tab title.
    fn title(&self) -> &'static str;

    /// Its own keys, which dispatch and write the help and footer (the global keys
    /// follow them).
    fn keys(&self) -> &'static [Binding];

    /// Whether `action` does anything now: the footer and help leave out the keys that
    /// do not (a key pressed anyway still says where it works).
    fn available(&self, _action: Action) -> bool {
        true
    }

    /// The job kinds whose answers it takes.
    fn kinds(&self) -> &'static [Kind];

    /// The first requests when the inspector starts, whichever screen shows first.
    fn start(&mut self, _cx: &mut Cx) -> Vec<Command> {
        Vec::new()
    }

    /// It comes on show: ask for what it has not read yet.
    fn show(&mut self, _cx: &mut Cx) -> Vec<Command> {
        Vec::new()
    }

    /// A key's action while it is on show (the App has handled the global ones).
    fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Command>;

    /// Text typed in a prompt it opened was submitted.
    fn submit(
        &mut self,
        _purpose: InputPurpose,
        _text: String,
        _kind: FilterKind,
        _cx: &mut Cx,
    ) -> Vec<Command> {
        Vec::new()
    }

    /// The footer's words for a prompt it opened.
    fn prompt(&self, purpose: InputPurpose, kind: FilterKind) -> &'static str {
        match (purpose, kind) {
            (InputPurpose::Filter, FilterKind::Prefix) => "filter, keys starting with",
            (InputPurpose::Filter, FilterKind::Contains) => "filter, keys containing",
            (InputPurpose::Filter, FilterKind::Field) => {
                "filter, decoded field (status == Unhealthy, cpu > 80)"
            }
            (InputPurpose::Goto, _) => "go to key",
            (InputPurpose::NewKey, _) => "new key",
        }
    }

    /// A current answer to one of its [`kinds`](Screen::kinds).
    fn on_event(&mut self, event: Event, cx: &mut Cx) -> Vec<Command>;

    /// Every tick, whichever screen is on show.
    fn sample(&mut self, _cx: &mut Cx) -> Vec<Command> {
        Vec::new()
    }

    /// Every tick on a live database while it is on show: read again what moves.
    fn follow(&mut self, _cx: &mut Cx) -> Vec<Command> {
        Vec::new()
    }

    /// Another column family is on show (`cx.session.cf`): forget the old one's data,
    /// and read again if `shown`.
    fn switch_cf(&mut self, _shown: bool, _cx: &mut Cx) -> Vec<Command> {
        Vec::new()
    }

    /// A change to the database finished: read again what it may have moved.
    fn changed(&mut self, _change: &Change, _shown: bool, _cx: &mut Cx) -> Vec<Command> {
        Vec::new()
    }

    /// The keys a compaction asked for on this screen covers.
    fn compaction_bounds(&self) -> Bounds {
        Bounds::default()
    }

    /// The column family and key whose history `h` shows, when one is selected.
    fn history_target(&self, _session: &Session) -> Option<(String, Vec<u8>)> {
        None
    }

    /// The column family, bounds and page size of the seek that fills the list on show,
    /// which `S` explains.
    fn seek_target(&self, _session: &Session) -> Option<(String, Bounds, usize)> {
        None
    }

    /// Its parts of the status bar, shown on every screen.
    fn status(&self, _session: &Session) -> Vec<String> {
        Vec::new()
    }

    /// The key list now shows `rows` rows (the terminal was resized).
    fn resize(&mut self, _rows: usize) {}

    /// Draws it in `area`.
    fn draw(&self, frame: &mut Frame, area: Rect, cx: &DrawCx);
}

/// What every screen gets for free: its concrete type (for tests and for the start-up
/// options that configure one screen) and a copy of itself (`App` is `Clone`).
pub trait ScreenAny: Any {
    /// Itself, to downcast.
    fn as_any(&self) -> &dyn Any;
    /// Itself, to downcast mutably.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// A boxed copy.
    fn boxed_clone(&self) -> Box<dyn Screen>;
}

impl<T: Screen + Clone> ScreenAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn boxed_clone(&self) -> Box<dyn Screen> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Screen> {
    fn clone(&self) -> Self {
        self.boxed_clone()
    }
}

/// What every screen without a filter of its own says to `/`.
pub(crate) const NO_FILTER_HERE: &str = "filters work on the Keys (1) and Nodes (2) screens";

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::inspector::input::action::Action;
    use crate::inspector::input::keymap::{self, KeyContext};

    #[test]
    fn no_destructive_action_on_a_ctrl_key_and_no_key_bound_twice() {
        let contexts = [
            KeyContext::Normal,
            KeyContext::Input,
            KeyContext::Picker,
            KeyContext::Confirm,
            KeyContext::Editor,
        ];
        for context in contexts {
            for screen in super::registered() {
                let mut seen = HashSet::new();
                for binding in keymap::tables(context, screen.keys()).into_iter().flatten() {
                    for key in binding.keys {
                        assert!(
                            seen.insert(*key),
                            "{key:?} bound twice in {context:?} on {}",
                            screen.title()
                        );
                        let destructive = matches!(
                            binding.action,
                            Action::Compact
                                | Action::Flush
                                | Action::DeleteKey
                                | Action::DeleteRange
                                | Action::RemoveNode
                                | Action::MarkOffline
                        );
                        assert!(
                            !(destructive && key.1),
                            "{:?} sits on a Ctrl key",
                            binding.action
                        );
                    }
                }
            }
        }
    }

    /// Every answer reaches someone: each kind of job is taken by a screen, except the
    /// App's own flows (a key's history, an explained read, edits, maintenance).
    #[test]
    fn every_kind_of_answer_has_a_taker() {
        use crate::inspector::worker::Kind::{self, *};
        let all = [
            Page, Value, Filter, Count, Refresh, Stats, Registry, Streams, Events, Gaps, Options,
            Log, Wal, History, Explain, Diff, Usage, Keyspace, Tombstones, Lsm, Verify, Stall,
            Writes, Maintain, Edit,
        ];
        // Fails to compile when a kind is added, so `all` stays complete.
        let _listed = |kind: Kind| match kind {
            Page | Value | Filter | Count | Refresh | Stats | Registry | Streams | Events
            | Gaps | Options | Log | Wal | History | Explain | Diff | Usage | Keyspace
            | Tombstones | Lsm | Verify | Stall | Writes | Maintain | Edit => (),
        };
        let screens = super::registered();
        for kind in all {
            let takers = screens.iter().filter(|s| s.kinds().contains(&kind)).count();
            let app_flow = matches!(kind, History | Explain | Edit | Maintain);
            assert_eq!(takers > 0, !app_flow, "{kind:?}: {takers} screens take it");
        }
    }

    #[test]
    fn screens_have_their_own_keys() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let press = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let screens = super::registered();
        let by_title = |title: &str| {
            screens
                .iter()
                .find(|s| s.title() == title)
                .expect("registered")
                .keys()
        };
        let s = press(KeyCode::Char('s'));
        assert_eq!(
            keymap::dispatch(KeyContext::Normal, by_title("Nodes"), s),
            Some(Action::SortNext)
        );
        assert_eq!(
            keymap::dispatch(KeyContext::Normal, by_title("Keys"), s),
            None
        );
        assert_eq!(
            keymap::dispatch(KeyContext::Normal, by_title("Stats"), press(KeyCode::Tab)),
            Some(Action::NextPage)
        );
        assert_eq!(
            keymap::dispatch(
                KeyContext::Confirm,
                by_title("Stats"),
                press(KeyCode::Enter)
            ),
            Some(Action::Submit)
        );
    }
}
