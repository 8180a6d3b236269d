//! The Keys screen's own keys: moving through the window (fetching pages ahead), the
//! filter and go-to prompts and what is typed in them, hex display, counting, scrolling
//! the value, refreshing.

use super::{CHUNK, CountState, Filter, KeysState};
use crate::inspector::error::ErrorClass;
use crate::inspector::input::action::Action;
use crate::inspector::screens::Cx;
use crate::inspector::source::Anchor;
use crate::inspector::state::editor::Editor;
use crate::inspector::state::{FilterKind, InputPurpose, Overlay, Session};
use crate::inspector::worker::{Command, Kind, Placement, Purpose};

impl KeysState {
    /// The screen's own keys, but for its edits.
    pub(super) fn update_view(&mut self, action: Action, cx: &mut Cx) -> Vec<Command> {
        let Cx { session, overlay } = cx;
        let session = &mut **session;
        let rows = session.list_rows.max(1) as isize;
        match action {
            // Esc stops an exact count first (as on Disk), and says where it stopped.
            Action::Back if matches!(self.count, CountState::Running(_)) => {
                let CountState::Running(so_far) = self.count else {
                    return Vec::new();
                };
                self.count = CountState::Idle;
                session.say(format!(
                    "count stopped (Esc) after {} keys; c counts again",
                    crate::inspector::ui::format::count(so_far)
                ));
                return vec![session.cancel(Kind::Count)];
            }
            Action::Back => {
                let dismissed_message = session.message.take().is_some();
                if !dismissed_message && self.filter != Filter::None {
                    self.filter = Filter::None;
                    return self.reload(session);
                }
            }
            Action::Up => return self.move_by(session, -1),
            Action::Down => return self.move_by(session, 1),
            Action::PageUp => return self.move_by(session, -rows),
            Action::PageDown => return self.move_by(session, rows),
            Action::First | Action::Last if self.filter.is_scan() => {
                let last = self.window.entries.len().saturating_sub(1);
                let target = if action == Action::First { 0 } else { last };
                self.window.select(target, session.list_rows);
                return self.value_request(session).into_iter().collect();
            }
            Action::First => {
                self.window.entries.clear();
                return vec![self.page_request(session, Anchor::First, Placement::Replace, CHUNK)];
            }
            Action::Last => {
                self.window.entries.clear();
                return vec![self.page_request(
                    session,
                    Anchor::Last,
                    Placement::ReplaceAtEnd,
                    CHUNK,
                )];
            }
            Action::StartFilter => {
                // Offered as the list shows keys, which is how the prompt reads it back.
                let (text, kind) = match &self.filter {
                    Filter::None => (String::new(), FilterKind::Prefix),
                    Filter::Prefix(p) => (session.display_key(p), FilterKind::Prefix),
                    Filter::Contains(n) => (session.display_key(n), FilterKind::Contains),
                    Filter::Field(q) => (q.text.clone(), FilterKind::Field),
                };
                **overlay = Overlay::Input {
                    purpose: InputPurpose::Filter,
                    text,
                    kind,
                };
            }
            Action::StartGoto => {
                **overlay = Overlay::Input {
                    purpose: InputPurpose::Goto,
                    text: String::new(),
                    kind: FilterKind::Prefix,
                }
            }
            Action::ToggleHex => session.hex_keys = !session.hex_keys,
            Action::ToggleRawValue => match self.value.as_mut() {
                Some(v) if v.decoded.is_some() => {
                    v.show_raw = !v.show_raw;
                    v.scroll = 0;
                }
                _ => session.say("no decoder rule reads this value: it is shown as stored"),
            },
            Action::Count => return self.count(session, Purpose::Show),
            Action::ValueDown => {
                if let Some(v) = &mut self.value {
                    v.scroll_by(1);
                }
            }
            Action::ValueUp => {
                if let Some(v) = &mut self.value {
                    v.scroll_by(-1);
                }
            }
            Action::Refresh => return self.refresh(session, Purpose::Show),
            _ => {}
        }
        Vec::new()
    }

    /// Text typed in one of the screen's prompts, read as the list shows keys.
    pub(super) fn submit_input(
        &mut self,
        purpose: InputPurpose,
        text: String,
        kind: FilterKind,
        cx: &mut Cx,
    ) -> Vec<Command> {
        if purpose == InputPurpose::Filter && kind == FilterKind::Field {
            return self.submit_field_filter(cx.session, &text);
        }
        let typed = match purpose {
            InputPurpose::Goto => cx.session.parse_goto_key(&text),
            _ => cx.session.parse_typed_key(&text),
        };
        let bytes = match typed {
            Ok(bytes) => bytes,
            Err(error) => {
                cx.session.report(ErrorClass::User, error);
                return Vec::new();
            }
        };
        match purpose {
            InputPurpose::NewKey => {
                *cx.overlay = Overlay::Editor {
                    editor: Box::new(Editor::for_new_key(bytes)),
                    dialog: None,
                };
                Vec::new()
            }
            InputPurpose::Filter => self.submit_filter(cx.session, bytes, kind),
            InputPurpose::Goto => self.submit_goto(cx.session, bytes),
        }
    }

    /// A filter was typed.
    pub fn submit_filter(
        &mut self,
        session: &mut Session,
        bytes: Vec<u8>,
        kind: FilterKind,
    ) -> Vec<Command> {
        self.filter = match (bytes.is_empty(), kind) {
            (true, _) => Filter::None,
            (false, FilterKind::Prefix) => Filter::Prefix(bytes),
            (false, FilterKind::Contains) => Filter::Contains(bytes),
            // Typed text is read as a field test before it gets here.
            (false, FilterKind::Field) => Filter::None,
        };
        self.reload(session)
    }

    /// A field filter was typed: read and started, or refused with why.
    pub fn submit_field_filter(&mut self, session: &mut Session, text: &str) -> Vec<Command> {
        if text.trim().is_empty() {
            self.filter = Filter::None;
            return self.reload(session);
        }
        match crate::inspector::decoders::query::FieldQuery::parse(text) {
            Ok(query) => {
                self.filter = Filter::Field(query);
                self.reload(session)
            }
            Err(error) => {
                session.report(ErrorClass::User, error);
                Vec::new()
            }
        }
    }

    /// A key to go to was typed.
    pub fn submit_goto(&mut self, session: &mut Session, key: Vec<u8>) -> Vec<Command> {
        let mut commands = vec![session.cancel(Kind::Filter)];
        if self.filter.is_scan() {
            self.filter = Filter::None;
            self.scan = None;
            // A count of the substring's matches would read as a count of every key.
            self.count = super::CountState::Idle;
            commands.push(session.cancel(Kind::Count));
        }
        self.window.entries.clear();
        commands.push(self.page_request(
            session,
            Anchor::AtOrAfter(key),
            Placement::Replace,
            CHUNK,
        ));
        commands
    }

    pub(super) fn move_by(&mut self, session: &mut Session, delta: isize) -> Vec<Command> {
        let len = self.window.entries.len();
        if len == 0 {
            return Vec::new();
        }
        let delta = delta + std::mem::take(&mut self.window.owed);
        let wanted = self.window.selected as isize + delta;
        let target = wanted.clamp(0, len as isize - 1) as usize;
        // Past an edge with more keys beyond it: the rest of the move waits for the page.
        let more_beyond = if wanted > target as isize {
            !self.window.at_end
        } else {
            wanted < target as isize && !self.window.at_start
        };
        if more_beyond && !self.filter.is_scan() {
            self.window.owed = wanted - target as isize;
        }
        self.window.select(target, session.list_rows);
        let mut commands: Vec<Command> = self.value_request(session).into_iter().collect();
        // Fetch ahead while the user is still a screen away from the edge.
        let margin = session.list_rows.max(1) * 2;
        if self.filter.is_scan() || self.window.loading {
            return commands;
        }
        if delta > 0 && !self.window.at_end && target + margin >= len {
            let last = self.window.entries[len - 1].key.clone();
            commands.push(self.page_request(
                session,
                Anchor::After(last),
                Placement::Append,
                CHUNK,
            ));
        } else if delta < 0 && !self.window.at_start && target < margin {
            let first = self.window.entries[0].key.clone();
            commands.push(self.page_request(
                session,
                Anchor::Before(first),
                Placement::Prepend,
                CHUNK,
            ));
        }
        commands
    }
}
