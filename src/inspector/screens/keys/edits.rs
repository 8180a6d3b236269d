//! The Keys screen's edits (write mode): a new key, the value editor, deleting the
//! selected key, and deleting every key of the prefix filter once its keys are counted.
//! The App has refused them already when read-only or while another edit runs.

use super::{Filter, KeysState};
use crate::inspector::decode::escape_key;
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::screens::Cx;
use crate::inspector::state::editor::Editor;
use crate::inspector::state::{FilterKind, InputPurpose, Overlay, ask};
use crate::inspector::worker::{Command, Context, Purpose};
use crate::inspector::write::edit::{Edit, MAX_UNDO_KEYS};

impl KeysState {
    /// Opens the prompt, the editor or the question an edit starts with.
    pub(super) fn start_edit(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        match action {
            Action::NewKey => {
                *cx.overlay = Overlay::Input {
                    purpose: InputPurpose::NewKey,
                    text: String::new(),
                    kind: FilterKind::Prefix,
                }
            }
            Action::EditValue => match &self.value {
                Some(v) if v.kind.is_none() => cx
                    .session
                    .report(ErrorClass::User, "that key no longer exists"),
                Some(v) if v.truncated => cx.session.report(
                    ErrorClass::User,
                    "value too large for the editor: write it with `spear-inspect put DB KEY VALUE --write`",
                ),
                Some(v) => {
                    *cx.overlay = Overlay::Editor {
                        editor: Box::new(Editor::for_value(v.key.clone(), &v.raw)),
                        dialog: None,
                    }
                }
                None => cx.session.say("select a key first"),
            },
            Action::DeleteKey => {
                if let Some(entry) = self.selected_entry() {
                    let question = format!(
                        "Delete {} ({} bytes)? Undo with u.",
                        escape_key(&entry.key),
                        entry.value_len
                    );
                    let key = entry.key.clone();
                    ask(cx, Edit::Delete { key }, question, "Delete");
                }
            }
            Action::DeleteRange => match &self.filter {
                // The count carries the bounds and column family; its answer opens the
                // confirmation with exactly those, or is dropped if anything replaced it.
                Filter::Prefix(_) => return self.count(cx.session, Purpose::ConfirmDelete),
                _ => cx.session.report(
                    ErrorClass::User,
                    "filter by a prefix first (/): D deletes the keys with that prefix",
                ),
            },
            _ => {}
        }
        Vec::new()
    }

    /// The count for a prefix delete arrived: ask for the prefix to be typed, for the
    /// column family and bounds the count was made on.
    pub(super) fn confirm_range_delete(&mut self, context: Context, count: u64, cx: &mut Cx) {
        if count == 0 {
            cx.session.say("no keys with that prefix");
            return;
        }
        if count > MAX_UNDO_KEYS as u64 {
            let text = format!(
                "{count} keys: too many to delete here with undo; use `spear-inspect delete-range --prefix ... --write`"
            );
            cx.session.report(ErrorClass::User, text);
            return;
        }
        let Some(lower) = &context.bounds.lower else {
            return;
        };
        let prefix = cx.session.display_key(lower);
        cx.session.message = None;
        *cx.overlay = Overlay::TypeToConfirm {
            cf: context.cf,
            bounds: context.bounds,
            prefix,
            count,
            typed: String::new(),
        };
    }
}
