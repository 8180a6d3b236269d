//! The write-mode flows every screen shares: the refusals (read-only, an edit still
//! running), asking before every change, the value editor and its save dialog, typing a
//! prefix to delete it, undo, and folding in an edit's outcome. What a screen's own edits
//! ask is in that screen (`screens::keys::edits`, `screens::nodes::edits`).
//!
//! One change runs at a time, and its outcome (success or failure) is always folded in,
//! with the column family and bounds its request carried: never the ones on screen when
//! the answer arrives.

use super::App;
use super::maintenance::RunningMaintenance;
use super::overlay::Overlay;
use crate::inspector::decode::escape_key;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::screens::{Change, Cx};
use crate::inspector::source::{Bounds, WriteOp};
use crate::inspector::worker::{Body, Command, Context, Job, Maintenance, Ticket};
use crate::inspector::write::edit::{Edit, EditOutcome, Taken};

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

/// Asks before `edit`: the question, and the confirming button's word (focus starts on
/// cancel).
pub fn ask(cx: &mut Cx, edit: Edit, question: String, verb: &'static str) {
    ask_with(cx, edit, question, verb, None);
}

fn ask_with(cx: &mut Cx, edit: Edit, question: String, verb: &'static str, undoes: Option<String>) {
    // An older message would sit under the question and confuse it.
    cx.session.message = None;
    *cx.overlay = Overlay::Confirm {
        ask: Ask::Edit {
            edit,
            question,
            verb,
            undoes,
        },
        confirm_focused: false,
    };
}

impl App {
    fn cx(&mut self) -> Cx<'_> {
        Cx {
            session: &mut self.session,
            overlay: &mut self.overlay,
        }
    }

    /// The first step of every write action: refuse when read-only or while another edit
    /// runs; undo here; otherwise the screen on show opens its editor or question.
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
        if action != Action::Undo {
            return self.on_current(|screen, cx| screen.update(action, cx));
        }
        // The undo batch moves into the question (it can be 64 MiB: never copied) and
        // back if the question is cancelled.
        match self.writes.undo.take() {
            None => self.session.say("nothing to undo"),
            Some(undo) if undo.cf == self.session.cf => {
                let question = format!("Undo the last edit ({})?", undo.summary);
                let edit = Edit::Restore { ops: undo.ops };
                ask_with(&mut self.cx(), edit, question, "Undo", Some(undo.summary))
            }
            Some(undo) => {
                let text = format!(
                    "the last edit was in column family {}: switch to it to undo",
                    undo.cf
                );
                self.writes.undo = Some(undo);
                self.session.report(ErrorClass::User, text)
            }
        }
        Vec::new()
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
        let cf = context.cf.clone();
        match body {
            Body::Edited(EditOutcome {
                exists: Some(taken),
                ..
            }) => {
                let question = replace_question(&taken);
                let Taken { key, value, .. } = taken;
                ask(
                    &mut self.cx(),
                    Edit::Put { key, value },
                    question,
                    "Replace",
                );
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
        self.changed(&Change::Edited { cf })
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
