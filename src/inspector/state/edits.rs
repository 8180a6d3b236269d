//! The write-mode flows of `App`: asking before every change, the value editor and its
//! save dialog, typing a prefix to delete it, undo, compaction and flush.
//!
//! One change runs at a time, and its outcome (success or failure) is always folded in,
//! with the column family and bounds its request carried: never the ones on screen when
//! the answer arrives.

use super::App;
use super::Screen;
use super::editor::Editor;
use super::keys::Filter;
use super::maintenance::RunningMaintenance;
use super::nodes::NodeRow;
use super::overlay::{FilterKind, InputPurpose, Overlay};
use crate::common::NodeStatus;
use crate::inspector::decode::escape_key;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::source::{Bounds, WriteOp};
use crate::inspector::worker::{Body, Command, Context, Job, Maintenance, Purpose, Ticket};
use crate::inspector::write::edit::{Edit, EditOutcome, MAX_UNDO_KEYS, Taken};

/// What a confirmation dialog asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A compaction or flush.
    Maintain {
        /// Which.
        job: Maintenance,
        /// The column family.
        cf: String,
        /// The keys (compaction).
        bounds: Bounds,
    },
    /// An edit, with the question to show and the confirming button's word.
    Edit {
        /// The change.
        edit: Edit,
        /// The question.
        question: String,
        /// The button, e.g. "Delete".
        verb: &'static str,
        /// For an undo: what it undoes, so a cancelled undo can be offered again.
        undoes: Option<String>,
    },
}

/// The last edit's undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    /// The column family the edit was made in.
    pub cf: String,
    /// The batch that undoes it.
    pub ops: Vec<WriteOp>,
    /// What it undoes.
    pub summary: String,
}

/// Changes in flight and the last one's undo.
#[derive(Debug, Clone, Default)]
pub struct Writes {
    /// A compaction or flush running.
    pub maintenance: Option<super::maintenance::RunningMaintenance>,
    /// The edit running, if any: one at a time.
    pub edit: Option<Ticket>,
    /// The last edit's undo.
    pub undo: Option<Undo>,
}

impl App {
    fn ask(&mut self, edit: Edit, question: String, verb: &'static str) {
        self.ask_with(edit, question, verb, None);
    }

    fn ask_with(
        &mut self,
        edit: Edit,
        question: String,
        verb: &'static str,
        undoes: Option<String>,
    ) {
        // An older message would sit under the question and confuse it.
        self.session.message = None;
        self.overlay = Overlay::Confirm {
            ask: Ask::Edit {
                edit,
                question,
                verb,
                undoes,
            },
            confirm_focused: false,
        };
    }

    /// The first step of every write action: refuse when read-only or while another edit
    /// runs, otherwise open the editor or the question.
    pub(super) fn start_edit(&mut self, action: Action) -> Vec<Command> {
        let what = match action {
            Action::NewKey => "put a key",
            Action::EditValue => "edit a value",
            Action::DeleteKey => "delete a key",
            Action::DeleteRange => "delete keys",
            Action::Undo => "undo",
            Action::MarkOffline | Action::MarkOnline => "change a node",
            _ => "remove a node",
        };
        if self.session.refuse_read_only(what) {
            return Vec::new();
        }
        if self.writes.edit.is_some() {
            self.session.report(
                ErrorClass::Refusal,
                "an edit is still running: wait for its result before the next one",
            );
            return Vec::new();
        }
        match (action, self.screen) {
            // The undo batch moves into the question (it can be 64 MiB: never copied)
            // and back if the question is cancelled.
            (Action::Undo, _) => match self.writes.undo.take() {
                None => self.session.say("nothing to undo"),
                Some(undo) if undo.cf == self.session.cf => {
                    let question = format!("Undo the last edit ({})?", undo.summary);
                    let edit = Edit::Restore { ops: undo.ops };
                    self.ask_with(edit, question, "Undo", Some(undo.summary))
                }
                Some(undo) => {
                    let text = format!(
                        "the last edit was in column family {}: switch to it to undo",
                        undo.cf
                    );
                    self.writes.undo = Some(undo);
                    self.session.report(ErrorClass::User, text)
                }
            },
            (Action::NewKey, Screen::Keys) => {
                self.overlay = Overlay::Input {
                    purpose: InputPurpose::NewKey,
                    text: String::new(),
                    kind: FilterKind::Prefix,
                }
            }
            (Action::EditValue, Screen::Keys) => match &self.keys.value {
                Some(v) if v.kind.is_none() => self
                    .session
                    .report(ErrorClass::User, "that key no longer exists"),
                Some(v) if v.truncated => self.session.report(
                    ErrorClass::User,
                    "value too large for the editor: write it with `spear-inspect put DB KEY VALUE --write`",
                ),
                Some(v) => {
                    self.overlay = Overlay::Editor {
                        editor: Box::new(Editor::for_value(v.key.clone(), &v.raw)),
                        dialog: None,
                    }
                }
                None => self.session.say("select a key first"),
            },
            (Action::DeleteKey, Screen::Keys) => {
                if let Some(entry) = self.keys.selected_entry() {
                    let question = format!(
                        "Delete {} ({} bytes)? Undo with u.",
                        escape_key(&entry.key),
                        entry.value_len
                    );
                    let key = entry.key.clone();
                    self.ask(Edit::Delete { key }, question, "Delete");
                }
            }
            (Action::DeleteRange, Screen::Keys) => match &self.keys.filter {
                // The count carries the bounds and column family; its answer opens the
                // confirmation with exactly those, or is dropped if anything replaced it.
                Filter::Prefix(_) => {
                    return self.keys.count(&mut self.session, Purpose::ConfirmDelete);
                }
                _ => self.session.report(
                    ErrorClass::User,
                    "filter by a prefix first (/): D deletes the keys with that prefix",
                ),
            },
            (Action::MarkOffline | Action::MarkOnline | Action::RemoveNode, Screen::Nodes) => {
                return self.ask_node_edit(action);
            }
            _ => {}
        }
        Vec::new()
    }

    fn ask_node_edit(&mut self, action: Action) -> Vec<Command> {
        let node = match (self.nodes.selected(), &self.registry) {
            (Some(NodeRow::Node(i)), Some(snapshot)) => snapshot.nodes.records[i].uuid,
            _ => {
                self.session
                    .report(ErrorClass::User, "select a node that decodes");
                return Vec::new();
            }
        };
        match action {
            Action::MarkOffline => self.ask(
                Edit::SetNodeStatus {
                    uuid: node,
                    status: NodeStatus::Inactive,
                },
                format!("Mark node {node} Inactive (it then takes no work)?"),
                "Mark Inactive",
            ),
            Action::MarkOnline => self.ask(
                Edit::SetNodeStatus {
                    uuid: node,
                    status: NodeStatus::Active,
                },
                format!("Mark node {node} Active (it takes work again)?"),
                "Mark Active",
            ),
            _ => self.ask(
                Edit::RemoveNode { uuid: node },
                format!("Remove node {node} and its resource record? Undo with u."),
                "Remove",
            ),
        }
        Vec::new()
    }

    /// The count for a prefix delete arrived: ask for the prefix to be typed, for the
    /// column family and bounds the count was made on.
    pub(super) fn confirm_range_delete(&mut self, context: Context, count: u64) {
        if count == 0 {
            self.session.say("no keys with that prefix");
            return;
        }
        if count > MAX_UNDO_KEYS as u64 {
            let text = format!(
                "{count} keys: too many to delete here with undo; use `spear-inspect delete-range --prefix ... --write`"
            );
            self.session.report(ErrorClass::User, text);
            return;
        }
        let Some(lower) = &context.bounds.lower else {
            return;
        };
        let prefix = self.keys.display_key(lower);
        self.session.message = None;
        self.overlay = Overlay::TypeToConfirm {
            cf: context.cf,
            bounds: context.bounds,
            prefix,
            count,
            typed: String::new(),
        };
    }

    pub(super) fn update_confirm(&mut self, action: Action) -> Vec<Command> {
        let Overlay::Confirm {
            confirm_focused, ..
        } = &mut self.overlay
        else {
            return Vec::new();
        };
        match action {
            Action::FocusToggle => *confirm_focused = !*confirm_focused,
            Action::Submit if *confirm_focused => {
                let Overlay::Confirm { ask, .. } =
                    std::mem::replace(&mut self.overlay, Overlay::Closed)
                else {
                    return Vec::new();
                };
                return match ask {
                    Ask::Maintain { job, cf, bounds } => {
                        self.writes.maintenance = Some(RunningMaintenance {
                            job,
                            bounds: bounds.clone(),
                            started: self.session.now,
                        });
                        let context = Context::cf(cf).with_bounds(bounds);
                        vec![self.session.request(context, Job::Maintain(job)).into()]
                    }
                    Ask::Edit { edit, .. } => {
                        let cf = self.session.cf.clone();
                        vec![self.edit_request(cf, edit)]
                    }
                };
            }
            Action::Submit | Action::Back => {
                let closed = std::mem::replace(&mut self.overlay, Overlay::Closed);
                if let Overlay::Confirm {
                    ask:
                        Ask::Edit {
                            edit: Edit::Restore { ops },
                            undoes: Some(summary),
                            ..
                        },
                    ..
                } = closed
                {
                    self.writes.undo = Some(Undo {
                        cf: self.session.cf.clone(),
                        ops,
                        summary,
                    });
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn edit_request(&mut self, cf: String, edit: Edit) -> Command {
        let request = self.session.request(Context::cf(cf), Job::Edit(edit));
        self.writes.edit = Some(request.ticket);
        request.into()
    }

    pub(super) fn update_editor(&mut self, action: Action) -> Vec<Command> {
        let Overlay::Editor { editor, dialog } = &mut self.overlay else {
            return Vec::new();
        };
        if let Some(focus) = *dialog {
            match action {
                Action::FocusToggle => *dialog = Some((focus + 1) % 3),
                Action::Submit if focus == 1 => {
                    self.overlay = Overlay::Closed;
                    self.session.say("edit discarded");
                }
                Action::Submit if focus == 2 => match editor.to_bytes() {
                    Ok(value) => {
                        let key = editor.key.clone();
                        // A key typed as new is written only if it is still absent:
                        // replacing a stored value is asked for separately.
                        let edit = if editor.new_key {
                            Edit::Create { key, value }
                        } else {
                            Edit::Put { key, value }
                        };
                        self.overlay = Overlay::Closed;
                        let cf = self.session.cf.clone();
                        return vec![self.edit_request(cf, edit)];
                    }
                    Err(reason) => {
                        editor.error = Some(reason);
                        *dialog = None;
                    }
                },
                // Keep editing (Enter on it, or Esc).
                _ => *dialog = None,
            }
            return Vec::new();
        }
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
            Action::Back => *dialog = Some(0),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_type_to_confirm(&mut self, action: Action) -> Vec<Command> {
        let Overlay::TypeToConfirm { prefix, typed, .. } = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Input(c) => typed.push(c),
            Action::Backspace => {
                typed.pop();
            }
            Action::Back => self.overlay = Overlay::Closed,
            Action::Submit if typed == prefix => {
                let Overlay::TypeToConfirm { cf, bounds, .. } =
                    std::mem::replace(&mut self.overlay, Overlay::Closed)
                else {
                    return Vec::new();
                };
                return vec![self.edit_request(cf, Edit::DeleteRange { bounds })];
            }
            Action::Submit => self.session.report(
                ErrorClass::User,
                "type the prefix exactly to confirm, or Esc to cancel",
            ),
            _ => {}
        }
        Vec::new()
    }

    /// An edit's answer, never dropped: keep its undo (for the column family it was made
    /// in), say what happened, re-read what is on screen.
    pub(super) fn finish_edit(
        &mut self,
        ticket: Ticket,
        context: Context,
        body: Body,
    ) -> Vec<Command> {
        if self.writes.edit == Some(ticket) {
            self.writes.edit = None;
        }
        let on_screen_cf = context.cf == self.session.cf;
        match body {
            Body::Edited(EditOutcome {
                exists: Some(taken),
                ..
            }) => {
                let question = replace_question(&taken);
                let Taken { key, value, .. } = taken;
                self.ask(Edit::Put { key, value }, question, "Replace");
                return Vec::new();
            }
            Body::Edited(outcome) => {
                self.session.say(outcome.summary.clone());
                self.writes.undo = Some(Undo {
                    cf: context.cf,
                    ops: outcome.undo,
                    summary: outcome.summary,
                });
            }
            Body::Failed(error) => {
                self.session.fail(&error);
                return Vec::new();
            }
            _ => return Vec::new(),
        }
        self.keys.value = None;
        // A change moves the exact size by an amount unknown here (a put may add a key
        // or overwrite one): back to the estimate until a walk counts again.
        if on_screen_cf {
            self.keys.total = None;
        }
        let mut commands = self.keys.refresh(&mut self.session, Purpose::Show);
        if matches!(self.screen, Screen::Nodes | Screen::Resources) || self.registry.is_some() {
            let context = self.session.context();
            commands.push(self.session.request(context, Job::Registry).into());
        }
        commands
    }
}

/// Asks before a key named as new replaces the value it already holds, showing that value.
fn replace_question(taken: &Taken) -> String {
    use humansize::{BINARY, format_size};
    const SHOWN: usize = 120;
    let shown = String::from_utf8_lossy(&taken.stored[..taken.stored.len().min(SHOWN)])
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect::<String>();
    let more = if taken.stored.len() > SHOWN {
        "…"
    } else {
        ""
    };
    format!(
        "{} already exists and holds {}: {shown}{more}. Replace that value with the {} just written?",
        escape_key(&taken.key),
        format_size(taken.stored.len() as u64, BINARY),
        format_size(taken.value.len() as u64, BINARY),
    )
}
