//! The key bindings: one table per mode, which both dispatches keys and writes the help
//! screen and footer, so the two cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::inspector::input::action::Action;
use crate::inspector::state::Screen;

/// Which table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyContext {
    /// Browsing.
    Normal,
    /// Typing a filter or a key.
    Input,
    /// A list overlay (column families).
    Picker,
    /// A yes/no dialog.
    Confirm,
    /// The value editor.
    Editor,
}

/// One binding: the keys, what they do, and how help shows them.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys, as (code, needs ctrl).
    pub keys: &'static [(KeyCode, bool)],
    /// What they do.
    pub action: Action,
    /// How help names the keys.
    pub label: &'static str,
    /// What help says they do.
    pub help: &'static str,
    /// The footer's short word for it, if the footer shows it.
    pub footer: Option<&'static str>,
}

const fn b(
    keys: &'static [(KeyCode, bool)],
    action: Action,
    label: &'static str,
    help: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        action,
        label,
        help,
        footer,
    }
}

use KeyCode::{
    Backspace, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up,
};

/// Keys that work on every screen.
#[rustfmt::skip]
pub const GLOBAL: &[Binding] = &[
    b(&[(Char('q'), false), (Char('c'), true)], Action::Quit, "q", "quit", Some("quit")),
    b(&[(Char('?'), false)], Action::ToggleHelp, "?", "help", Some("help")),
    b(&[(Char('1'), false)], Action::Screen(1), "1", "keys", None),
    b(&[(Char('2'), false)], Action::Screen(2), "2", "nodes", None),
    b(&[(Char('3'), false)], Action::Screen(3), "3", "resources", None),
    b(&[(Char('4'), false)], Action::Screen(4), "4", "stats", None),
    b(&[(Char('5'), false)], Action::Screen(5), "5", "events", None),
    b(&[(Char('6'), false)], Action::Screen(6), "6", "disk", None),
    b(&[(Char('7'), false)], Action::Screen(7), "7", "RocksDB's LOG", None),
    b(&[(Char('8'), false)], Action::Screen(8), "8", "WAL: latest writes", None),
    b(&[(Char('9'), false)], Action::Screen(9), "9", "diff with --compare DB", None),
    b(&[(Char('j'), false), (Down, false)], Action::Down, "j/↓", "down", None),
    b(&[(Char('k'), false), (Up, false)], Action::Up, "k/↑", "up", None),
    b(&[(PageDown, false), (Char('d'), true)], Action::PageDown, "PgDn", "page down", None),
    b(&[(PageUp, false), (Char('u'), true)], Action::PageUp, "PgUp", "page up", None),
    b(&[(Char('g'), false), (Home, false)], Action::First, "g", "first", None),
    b(&[(Char('G'), false), (End, false)], Action::Last, "G", "last", None),
    b(&[(Char('/'), false)], Action::StartFilter, "/", "filter", Some("filter")),
    b(&[(Char('r'), false)], Action::Refresh, "r", "refresh now", None),
    b(&[(Esc, false)], Action::Back, "Esc", "back / clear filter", None),
];

/// The Keys screen's own keys.
#[rustfmt::skip]
pub const KEYS: &[Binding] = &[
    b(&[(Char(':'), false)], Action::StartGoto, ":", "go to key", Some("goto")),
    b(&[(Char('c'), false)], Action::Count, "c", "exact count", Some("count")),
    b(&[(Char('f'), false)], Action::PickColumnFamily, "f", "column families", Some("cf")),
    b(&[(Char(']'), false)], Action::NextColumnFamily, "]", "next column family", None),
    b(&[(Char('['), false)], Action::PrevColumnFamily, "[", "previous column family", None),
    b(&[(Char('x'), false)], Action::ToggleHex, "x", "keys as hex", Some("hex")),
    b(&[(Char('h'), false)], Action::History, "h", "the key's history (WAL, now)", None),
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

/// The Nodes screen's own keys.
#[rustfmt::skip]
pub const NODES: &[Binding] = &[
    b(&[(Char('s'), false)], Action::SortNext, "s", "sort by next column", Some("sort")),
    b(&[(Char('S'), false)], Action::SortReverse, "S", "reverse sort", None),
    b(&[(Char('t'), false)], Action::StatusFilter, "t", "filter by status", Some("status")),
    b(&[(Enter, false)], Action::Open, "Enter", "node detail", Some("detail")),
    b(&[(Char('o'), false)], Action::MarkOffline, "o", "mark Inactive (--write)", None),
    b(&[(Char('O'), false)], Action::MarkOnline, "O", "mark Active (--write)", None),
    b(&[(Char('X'), false)], Action::RemoveNode, "X", "remove node (--write)", None),
    b(&[(Char('u'), false)], Action::Undo, "u", "undo last edit (--write)", None),
];

/// The Resources screen's own keys.
#[rustfmt::skip]
pub const RESOURCES: &[Binding] = &[
    b(&[(Char('s'), false)], Action::SortNext, "s", "sort by next column", Some("sort")),
    b(&[(Char('S'), false)], Action::SortReverse, "S", "reverse sort", None),
];

/// The Stats screen's own keys.
#[rustfmt::skip]
pub const STATS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "next page", Some("page")),
    b(&[(Char('s'), false)], Action::SortNext, "s", "sort SST files", Some("sort")),
    b(&[(Char('S'), false)], Action::SortReverse, "S", "reverse sort", None),
    b(&[(Char('C'), false)], Action::Compact, "C", "compact (--write)", None),
    b(&[(Char('F'), false)], Action::Flush, "F", "flush (--write)", None),
];

/// The Events screen's own keys.
#[rustfmt::skip]
pub const EVENTS: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "streams / events", Some("pane")),
    b(&[(Enter, false)], Action::Open, "Enter", "event detail", Some("detail")),
];

/// The Disk screen's own keys.
#[rustfmt::skip]
pub const DISK: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "files / prefixes / tombstones", Some("page")),
    b(&[(Enter, false)], Action::Open, "Enter", "look inside the prefix", Some("inside")),
    b(&[(Char('c'), false)], Action::Count, "c", "count exactly / walk for tombstones", Some("count")),
    b(&[(Char(']'), false)], Action::NextColumnFamily, "]", "next column family", None),
    b(&[(Char('['), false)], Action::PrevColumnFamily, "[", "previous column family", None),
    b(&[(Char('C'), false)], Action::Compact, "C", "compact the selected range (--write)", None),
];

/// The Log screen's own keys.
#[rustfmt::skip]
pub const LOG: &[Binding] = &[
    b(&[(Tab, false)], Action::NextPage, "Tab", "entries / timeline", Some("pane")),
    b(&[(Char('t'), false)], Action::StatusFilter, "t", "narrow by kind", Some("kind")),
    b(&[(Char('m'), false)], Action::LoadMore, "m", "keep more entries (4x)", None),
];

/// The WAL screen's own keys.
#[rustfmt::skip]
pub const WAL: &[Binding] = &[
    b(&[(Enter, false)], Action::Open, "Enter", "show the value", Some("value")),
    b(&[(Char('h'), false)], Action::History, "h", "the key's history (WAL, now)", Some("history")),
];

/// The Diff screen's own keys.
#[rustfmt::skip]
pub const DIFF: &[Binding] = &[
    b(&[(Enter, false)], Action::Open, "Enter", "show both values", Some("values")),
];

/// Keys while typing a filter or key.
#[rustfmt::skip]
pub const INPUT: &[Binding] = &[
    b(&[(Enter, false)], Action::Submit, "Enter", "apply", Some("apply")),
    b(&[(Esc, false)], Action::Back, "Esc", "cancel", Some("cancel")),
    b(&[(Tab, false)], Action::ToggleFilterKind, "Tab", "prefix / contains", Some("toggle")),
    b(&[(Backspace, false)], Action::Backspace, "Bksp", "delete a character", None),
    b(&[(Char('c'), true)], Action::Quit, "^C", "quit", None),
];

/// Keys in a confirmation dialog; the focus starts on "cancel".
#[rustfmt::skip]
pub const CONFIRM: &[Binding] = &[
    b(&[ (Left, false), (Right, false), (Tab, false), (Char('h'), false), (Char('l'), false), ], Action::FocusToggle, "Tab", "switch button", Some("switch")),
    b(&[(Enter, false)], Action::Submit, "Enter", "press the focused button", Some("press")),
    b(&[(Esc, false), (Char('n'), false), (Char('q'), false)], Action::Back, "Esc", "cancel", Some("cancel")),
    b(&[(Char('c'), true)], Action::Quit, "^C", "quit", None),
];

/// Keys in the value editor; other characters are typed.
#[rustfmt::skip]
pub const EDITOR: &[Binding] = &[
    b(&[(Esc, false)], Action::Back, "Esc", "save or discard…", Some("save/discard")),
    b(&[(Enter, false)], Action::Submit, "Enter", "new line", None),
    b(&[(Backspace, false)], Action::Backspace, "Bksp", "delete a character", None),
    b(&[(Up, false)], Action::Up, "↑", "line up", None),
    b(&[(Down, false)], Action::Down, "↓", "line down", None),
    b(&[(Left, false)], Action::CursorLeft, "←", "left", None),
    b(&[(Right, false)], Action::CursorRight, "→", "right", None),
    b(&[(Home, false)], Action::LineStart, "Home", "start of line", None),
    b(&[(End, false)], Action::LineEnd, "End", "end of line", None),
    b(&[(Char('c'), true)], Action::Quit, "^C", "quit (unsaved edits are lost)", None),
];

/// Keys in the column family list.
#[rustfmt::skip]
pub const PICKER: &[Binding] = &[
    b(&[(Char('j'), false), (Down, false)], Action::Down, "j/↓", "next", Some("down")),
    b(&[(Char('k'), false), (Up, false)], Action::Up, "k/↑", "previous", Some("up")),
    b(&[(Enter, false)], Action::Submit, "Enter", "open", Some("open")),
    b(&[(Esc, false), (Char('q'), false)], Action::Back, "Esc", "close", Some("close")),
    b(&[(Char('c'), true)], Action::Quit, "^C", "quit", None),
];

/// Whether `action` does anything on the page on show: the footer and help leave out
/// the keys that do not (a key pressed anyway still says where it works).
pub fn available(app: &crate::inspector::state::App, action: Action) -> bool {
    use crate::inspector::state::disk::DiskPage;
    match (app.screen, action) {
        (Screen::Disk, Action::StartFilter) => false,
        (Screen::Disk, Action::Open) => app.disk.page == DiskPage::Prefixes,
        (Screen::Disk, Action::Count) => app.disk.page != DiskPage::Files,
        (Screen::Disk, Action::Compact) => app.disk.page == DiskPage::Tombstones,
        _ => true,
    }
}

/// The tables that apply, most specific first: a screen's own keys, then the global ones.
pub fn tables(context: KeyContext, screen: Screen) -> Vec<&'static [Binding]> {
    match context {
        KeyContext::Normal => {
            let own = match screen {
                Screen::Keys => KEYS,
                Screen::Nodes => NODES,
                Screen::Resources => RESOURCES,
                Screen::Stats => STATS,
                Screen::Events => EVENTS,
                Screen::Disk => DISK,
                Screen::Log => LOG,
                Screen::Wal => WAL,
                Screen::Diff => DIFF,
            };
            vec![own, GLOBAL]
        }
        KeyContext::Input => vec![INPUT],
        KeyContext::Picker => vec![PICKER],
        KeyContext::Confirm => vec![CONFIRM],
        KeyContext::Editor => vec![EDITOR],
    }
}

/// The action for a key press in `context` on `screen`, if any. Releases are ignored
/// (Windows terminals and the kitty protocol report them).
pub fn dispatch(context: KeyContext, screen: Screen, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let found = tables(context, screen)
        .into_iter()
        .flatten()
        .find(|binding| {
            binding
                .keys
                .iter()
                .any(|&(code, c)| code == key.code && c == ctrl)
        })
        .map(|binding| binding.action);
    match (found, context, key.code) {
        (Some(action), _, _) => Some(action),
        (None, KeyContext::Input | KeyContext::Editor, Char(c)) if !ctrl => Some(Action::Input(c)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_dispatch_from_the_table() {
        assert_eq!(
            dispatch(KeyContext::Normal, Screen::Keys, press(Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            dispatch(KeyContext::Normal, Screen::Keys, press(Down)),
            Some(Action::Down)
        );
        assert_eq!(
            dispatch(
                KeyContext::Normal,
                Screen::Keys,
                KeyEvent::new(Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            dispatch(KeyContext::Normal, Screen::Keys, press(Char('c'))),
            Some(Action::Count)
        );
        assert_eq!(
            dispatch(KeyContext::Normal, Screen::Keys, press(Char('Z'))),
            None
        );
    }

    #[test]
    fn typing_goes_to_the_input_except_bound_keys() {
        assert_eq!(
            dispatch(KeyContext::Input, Screen::Keys, press(Char('q'))),
            Some(Action::Input('q'))
        );
        assert_eq!(
            dispatch(KeyContext::Input, Screen::Keys, press(Enter)),
            Some(Action::Submit)
        );
        assert_eq!(
            dispatch(KeyContext::Input, Screen::Keys, press(Esc)),
            Some(Action::Back)
        );
    }

    #[test]
    fn releases_are_ignored() {
        let mut key = press(Char('q'));
        key.kind = KeyEventKind::Release;
        assert_eq!(dispatch(KeyContext::Normal, Screen::Keys, key), None);
    }

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
            for screen in Screen::ALL {
                let mut seen = std::collections::HashSet::new();
                for binding in tables(context, screen).into_iter().flatten() {
                    for key in binding.keys {
                        assert!(
                            seen.insert(*key),
                            "{key:?} bound twice in {context:?} on {screen:?}"
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

    #[test]
    fn screens_have_their_own_keys() {
        let s = press(Char('s'));
        assert_eq!(
            dispatch(KeyContext::Normal, Screen::Nodes, s),
            Some(Action::SortNext)
        );
        assert_eq!(dispatch(KeyContext::Normal, Screen::Keys, s), None);
        assert_eq!(
            dispatch(KeyContext::Normal, Screen::Stats, press(Tab)),
            Some(Action::NextPage)
        );
        assert_eq!(
            dispatch(KeyContext::Confirm, Screen::Stats, press(Enter)),
            Some(Action::Submit)
        );
    }
}
