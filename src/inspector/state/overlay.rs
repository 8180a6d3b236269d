//! The one overlay in front of the screen (typing, help, the column family picker, the
//! dialogs and the editor), changed in place, and the updates of typing and picking: what
//! is typed goes to the screen on show, which opened the prompt. The dialogs' and
//! editor's updates are in `edits`.

use super::App;
use super::editor::Editor;
use super::edits::Ask;
use crate::inspector::analysis::history::KeyHistory;
use crate::inspector::input::action::Action;
use crate::inspector::source::Bounds;
use crate::inspector::worker::Command;

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

/// Prefix, substring or decoded field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Keys starting with the text (a seek).
    Prefix,
    /// Keys containing the text (a streamed scan).
    Contains,
    /// Pairs whose decoded field passes a test (`cpu > 80`; a streamed scan).
    Field,
}

/// The overlay or input in front of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing: the screen has the keys.
    Closed,
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
    /// A key's history (read-only; any key closes it).
    History(Box<KeyHistory>),
    /// A read of one key explained (`E`).
    Explained(Box<crate::inspector::analysis::explain::Explained>),
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
    /// Deleting a prefix: the user must type it to confirm. Holds the column family and
    /// bounds the count was taken on, whatever is on screen by now.
    TypeToConfirm {
        /// The column family the keys are in.
        cf: String,
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

impl App {
    pub(super) fn update_input(&mut self, action: Action) -> Vec<Command> {
        let Overlay::Input {
            purpose,
            text,
            kind,
        } = &mut self.overlay
        else {
            return Vec::new();
        };
        match action {
            Action::Input(c) => text.push(c),
            Action::Backspace => {
                text.pop();
            }
            Action::ClearInput => text.clear(),
            Action::ToggleFilterKind if *purpose == InputPurpose::Filter => {
                *kind = match kind {
                    FilterKind::Prefix => FilterKind::Contains,
                    FilterKind::Contains => FilterKind::Field,
                    FilterKind::Field => FilterKind::Prefix,
                }
            }
            Action::Back => self.overlay = Overlay::Closed,
            Action::Submit => {
                let (purpose, text, kind) = (*purpose, std::mem::take(text), *kind);
                self.overlay = Overlay::Closed;
                return self.on_current(|screen, cx| screen.submit(purpose, text, kind, cx));
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_picker(&mut self, action: Action) -> Vec<Command> {
        let Overlay::Picker { selected } = &mut self.overlay else {
            return Vec::new();
        };
        let n = self.session.column_families.len().max(1);
        match action {
            Action::Down => *selected = (*selected + 1) % n,
            Action::Up => *selected = (*selected + n - 1) % n,
            Action::Back => self.overlay = Overlay::Closed,
            Action::Submit => {
                let index = *selected;
                self.overlay = Overlay::Closed;
                return self.switch_cf(index);
            }
            _ => {}
        }
        Vec::new()
    }
}
