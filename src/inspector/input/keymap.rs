//! The key bindings: one table per mode (each screen's own table is in its folder under
//! `screens`), which both dispatches keys and writes the help screen and footer, so the
//! two cannot drift apart. The number keys choose a screen by its place in the tabs.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::inspector::input::action::Action;

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

/// A binding, as the tables write it.
pub const fn b(
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

/// Keys that work on every screen (and `1`..`9`, the screens in tab order).
#[rustfmt::skip]
pub const GLOBAL: &[Binding] = &[
    b(&[(Char('q'), false), (Char('c'), true)], Action::Quit, "q", "quit", Some("quit")),
    b(&[(Char('?'), false)], Action::ToggleHelp, "?", "help", Some("help")),
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

/// Keys while typing a filter or key.
#[rustfmt::skip]
pub const INPUT: &[Binding] = &[
    b(&[(Enter, false)], Action::Submit, "Enter", "apply", Some("apply")),
    b(&[(Esc, false)], Action::Back, "Esc", "cancel", Some("cancel")),
    b(&[(Tab, false)], Action::ToggleFilterKind, "Tab", "prefix / contains / field", Some("toggle")),
    b(&[(Backspace, false)], Action::Backspace, "Bksp", "delete a character", None),
    b(&[(Char('u'), true)], Action::ClearInput, "^U", "clear the text", None),
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

/// The tables that apply, most specific first: the screen's own keys (`own`), then the
/// global ones.
pub fn tables(context: KeyContext, own: &'static [Binding]) -> Vec<&'static [Binding]> {
    match context {
        KeyContext::Normal => vec![own, GLOBAL],
        KeyContext::Input => vec![INPUT],
        KeyContext::Picker => vec![PICKER],
        KeyContext::Confirm => vec![CONFIRM],
        KeyContext::Editor => vec![EDITOR],
    }
}

/// The action for a key press in `context` on a screen whose own keys are `own`, if any.
/// Releases are ignored (Windows terminals and the kitty protocol report them).
pub fn dispatch(context: KeyContext, own: &'static [Binding], key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let found = tables(context, own)
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
        // The n-th screen in tab order: no table names the screens.
        (None, KeyContext::Normal, Char(c @ '1'..='9')) if !ctrl => {
            Some(Action::Screen(c as u8 - b'0'))
        }
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
            dispatch(KeyContext::Normal, &[], press(Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            dispatch(KeyContext::Normal, &[], press(Down)),
            Some(Action::Down)
        );
        assert_eq!(
            dispatch(
                KeyContext::Normal,
                &[],
                KeyEvent::new(Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(dispatch(KeyContext::Normal, &[], press(Char('Z'))), None);
    }

    #[test]
    fn number_keys_choose_a_screen_except_while_typing() {
        assert_eq!(
            dispatch(KeyContext::Normal, &[], press(Char('9'))),
            Some(Action::Screen(9))
        );
        assert_eq!(dispatch(KeyContext::Normal, &[], press(Char('0'))), None);
        assert_eq!(
            dispatch(KeyContext::Input, &[], press(Char('3'))),
            Some(Action::Input('3'))
        );
    }

    #[test]
    fn typing_goes_to_the_input_except_bound_keys() {
        assert_eq!(
            dispatch(KeyContext::Input, &[], press(Char('q'))),
            Some(Action::Input('q'))
        );
        assert_eq!(
            dispatch(KeyContext::Input, &[], press(Enter)),
            Some(Action::Submit)
        );
        assert_eq!(
            dispatch(KeyContext::Input, &[], press(Esc)),
            Some(Action::Back)
        );
    }

    #[test]
    fn releases_are_ignored() {
        let mut key = press(Char('q'));
        key.kind = KeyEventKind::Release;
        assert_eq!(dispatch(KeyContext::Normal, &[], key), None);
    }
}
