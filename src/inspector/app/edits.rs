//! The write-mode flows of `App`: asking before every change, the value editor and its
//! save dialog, typing a prefix to delete it, and undo.

use super::{App, Filter, InputPurpose, Mode, Screen};
use crate::common::NodeStatus;
use crate::inspector::action::Action;
use crate::inspector::decode::escape_key;
use crate::inspector::edit::{Edit, EditOutcome, MAX_UNDO_KEYS};
use crate::inspector::editor::Editor;
use crate::inspector::nodes_view::NodeRow;
use crate::inspector::source::Bounds;
use crate::inspector::worker::{Kind, Maintenance, Request};

/// What a confirmation dialog asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A compaction or flush.
    Maintain(Maintenance),
    /// An edit, with the question to show and the confirming button's word.
    Edit {
        /// The change.
        edit: Edit,
        /// The question.
        question: String,
        /// The button, e.g. "Delete".
        verb: &'static str,
    },
}

impl App {
    fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.access.writable() {
            return false;
        }
        self.say(format!("read-only: restart with --write to {what}"), true);
        true
    }

    fn ask(&mut self, edit: Edit, question: String, verb: &'static str) {
        // An older message would sit under the question and confuse it.
        self.message = None;
        self.mode = Mode::Confirm {
            ask: Ask::Edit {
                edit,
                question,
                verb,
            },
            confirm_focused: false,
        };
    }

    /// The first step of every write action: refuse when read-only, otherwise open the
    /// editor or the question.
    pub(super) fn start_edit(&mut self, action: Action) -> Vec<crate::inspector::worker::Request> {
        let what = match action {
            Action::NewKey => "put a key",
            Action::EditValue => "edit a value",
            Action::DeleteKey => "delete a key",
            Action::DeleteRange => "delete keys",
            Action::Undo => "undo",
            Action::MarkOffline | Action::MarkOnline => "change a node",
            _ => "remove a node",
        };
        if self.refuse_read_only(what) {
            return Vec::new();
        }
        match (action, self.screen) {
            (Action::Undo, _) => match self.undo.clone() {
                None => self.say("nothing to undo", false),
                Some((cf, ops, summary)) if cf == self.cf => {
                    self.ask(Edit::Restore { ops }, format!("Undo the last edit ({summary})?"), "Undo")
                }
                Some((cf, ..)) => self.say(format!("the last edit was in column family {cf}: switch to it to undo"), true),
            },
            (Action::NewKey, Screen::Keys) => {
                self.mode = Mode::Input {
                    purpose: InputPurpose::NewKey,
                    text: String::new(),
                    kind: super::FilterKind::Prefix,
                }
            }
            (Action::EditValue, Screen::Keys) => match &self.value {
                Some(v) if v.kind.is_none() => self.say("that key no longer exists", true),
                Some(v) if v.truncated => self.say(
                    "value too large for the editor: write it with `spear-inspect put DB KEY VALUE --write`",
                    true,
                ),
                Some(v) => {
                    self.mode = Mode::Editor {
                        editor: Box::new(Editor::for_value(v.key.clone(), &v.raw)),
                        dialog: None,
                    }
                }
                None => self.say("select a key first", false),
            },
            (Action::DeleteKey, Screen::Keys) => {
                if let Some(entry) = self.selected_entry() {
                    let question = format!("Delete {} ({} bytes)? Undo with u.", escape_key(&entry.key), entry.value_len);
                    self.ask(Edit::Delete { key: entry.key.clone() }, question, "Delete");
                }
            }
            (Action::DeleteRange, Screen::Keys) => match &self.filter {
                Filter::Prefix(prefix) => {
                    let bounds = Bounds::prefix(prefix);
                    self.pending_range_delete = Some(bounds.clone());
                    self.count = super::CountState::Running(0);
                    return vec![Request::Count {
                        id: self.issue(Kind::Count),
                        cf: self.cf.clone(),
                        bounds,
                    }];
                }
                _ => self.say("filter by a prefix first (/): D deletes the keys with that prefix", true),
            },
            (Action::MarkOffline | Action::MarkOnline | Action::RemoveNode, Screen::Nodes) => {
                let node = match (self.nodes.selected(), &self.registry) {
                    (Some(NodeRow::Node(i)), Some(snapshot)) => snapshot.nodes.records[i].uuid,
                    _ => {
                        self.say("select a node that decodes", true);
                        return Vec::new();
                    }
                };
                match action {
                    Action::MarkOffline => self.ask(
                        Edit::SetNodeStatus { uuid: node, status: NodeStatus::Offline },
                        format!("Mark node {node} offline?"),
                        "Mark offline",
                    ),
                    Action::MarkOnline => self.ask(
                        Edit::SetNodeStatus { uuid: node, status: NodeStatus::Online },
                        format!("Mark node {node} online?"),
                        "Mark online",
                    ),
                    _ => self.ask(
                        Edit::RemoveNode { uuid: node },
                        format!("Remove node {node} and its resource record? Undo with u."),
                        "Remove",
                    ),
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The new key's name was typed: open an empty editor for its value.
    pub(super) fn open_new_key_editor(&mut self, key: Vec<u8>) {
        self.mode = Mode::Editor {
            editor: Box::new(Editor::for_new_key(key)),
            dialog: None,
        };
    }

    /// The count for a prefix delete arrived: ask for the prefix to be typed.
    pub(super) fn confirm_range_delete(&mut self, bounds: Bounds, count: u64) {
        if count == 0 {
            self.say("no keys with that prefix", false);
            return;
        }
        if count > MAX_UNDO_KEYS as u64 {
            self.say(
                format!("{count} keys: too many to delete here with undo; use `spear-inspect delete-range --prefix ... --write`"),
                true,
            );
            return;
        }
        let prefix = match &self.filter {
            Filter::Prefix(p) => self.display_key(p),
            _ => return,
        };
        self.message = None;
        self.mode = Mode::TypeToConfirm {
            bounds,
            prefix,
            count,
            typed: String::new(),
        };
    }

    pub(super) fn update_confirm(
        &mut self,
        action: Action,
        ask: Ask,
        confirm_focused: bool,
    ) -> Vec<Request> {
        match action {
            Action::FocusToggle => {
                self.mode = Mode::Confirm {
                    ask,
                    confirm_focused: !confirm_focused,
                }
            }
            Action::Submit if confirm_focused => {
                self.mode = Mode::Normal;
                return match ask {
                    Ask::Maintain(job) => {
                        self.maintenance = Some((job.clone(), self.now));
                        vec![Request::Maintain {
                            id: self.issue(Kind::Maintain),
                            cf: self.cf.clone(),
                            job,
                        }]
                    }
                    Ask::Edit { edit, .. } => vec![self.edit_request(edit)],
                };
            }
            Action::Submit | Action::Back => self.mode = Mode::Normal,
            _ => {}
        }
        Vec::new()
    }

    fn edit_request(&mut self, edit: Edit) -> Request {
        Request::Edit {
            id: self.issue(Kind::Edit),
            cf: self.cf.clone(),
            edit,
        }
    }

    pub(super) fn update_editor(
        &mut self,
        action: Action,
        mut editor: Editor,
        dialog: Option<usize>,
    ) -> Vec<Request> {
        if let Some(focus) = dialog {
            match action {
                Action::FocusToggle => {
                    self.mode = Mode::Editor {
                        editor: Box::new(editor),
                        dialog: Some((focus + 1) % 3),
                    };
                }
                Action::Submit if focus == 1 => {
                    self.mode = Mode::Normal;
                    self.say("edit discarded", false);
                }
                Action::Submit if focus == 2 => match editor.to_bytes() {
                    Ok(value) => {
                        self.mode = Mode::Normal;
                        let key = editor.key.clone();
                        return vec![self.edit_request(Edit::Put { key, value })];
                    }
                    Err(reason) => {
                        editor.error = Some(reason);
                        self.mode = Mode::Editor {
                            editor: Box::new(editor),
                            dialog: None,
                        };
                    }
                },
                // Keep editing (Enter on it, or Esc).
                _ => {
                    self.mode = Mode::Editor {
                        editor: Box::new(editor),
                        dialog: None,
                    };
                }
            }
            return Vec::new();
        }
        let mut dialog = None;
        match action {
            Action::Input(c) => editor.insert(c),
            Action::Submit => editor.newline(),
            Action::Backspace => editor.backspace(),
            Action::Up => editor.move_cursor(-1, 0),
            Action::Down => editor.move_cursor(1, 0),
            Action::CursorLeft => editor.move_cursor(0, -1),
            Action::CursorRight => editor.move_cursor(0, 1),
            Action::LineStart => editor.line_edge(false),
            Action::LineEnd => editor.line_edge(true),
            // Esc: the save dialog, focus on "keep editing".
            Action::Back => dialog = Some(0),
            _ => {}
        }
        self.mode = Mode::Editor {
            editor: Box::new(editor),
            dialog,
        };
        Vec::new()
    }

    pub(super) fn update_type_to_confirm(
        &mut self,
        action: Action,
        bounds: Bounds,
        prefix: String,
        count: u64,
        mut typed: String,
    ) -> Vec<Request> {
        match action {
            Action::Input(c) => typed.push(c),
            Action::Backspace => {
                typed.pop();
            }
            Action::Back => {
                self.mode = Mode::Normal;
                return Vec::new();
            }
            Action::Submit if typed == prefix => {
                self.mode = Mode::Normal;
                return vec![self.edit_request(Edit::DeleteRange { bounds })];
            }
            Action::Submit => {
                self.say("type the prefix exactly to confirm, or Esc to cancel", true)
            }
            _ => {}
        }
        self.mode = Mode::TypeToConfirm {
            bounds,
            prefix,
            count,
            typed,
        };
        Vec::new()
    }

    /// An edit landed: keep its undo, say what happened, re-read what is on screen.
    pub(super) fn finish_edit(&mut self, outcome: EditOutcome) -> Vec<Request> {
        self.undo = Some((self.cf.clone(), outcome.undo, outcome.summary.clone()));
        self.say(outcome.summary, false);
        self.value = None;
        let mut requests = self.refresh();
        if matches!(self.screen, Screen::Nodes | Screen::Resources) || self.registry.is_some() {
            requests.push(Request::Registry {
                id: self.issue(Kind::Registry),
                cf: self.cf.clone(),
            });
        }
        requests
    }
}
