//! The Keys screen's requests: pages of keys, the selected value, the estimate, the exact
//! count, and starting over for a new filter or column family.

use super::{
    CHUNK, CountState, Filter, KeyWindow, KeysState, MAX_MATCHES, ScanProgress, VALUE_PREVIEW,
};
use crate::inspector::decoders::Decoders;
use crate::inspector::source::Anchor;
use crate::inspector::state::Session;
use crate::inspector::worker::{Command, FilterTest, Job, Kind, Placement, Purpose};

impl KeysState {
    /// The first requests: the estimate and the first page.
    pub fn initial(&mut self, session: &mut Session) -> Vec<Command> {
        vec![
            self.refresh_request(session, Purpose::Show),
            self.page_request(session, Anchor::First, Placement::Replace, CHUNK),
        ]
    }

    pub(super) fn page_request(
        &mut self,
        session: &mut Session,
        anchor: Anchor,
        placement: Placement,
        limit: usize,
    ) -> Command {
        self.window.loading = true;
        // Only a go-to's own page keeps what it sought (see `sought`).
        if matches!(placement, Placement::Replace | Placement::ReplaceAtEnd) {
            self.sought = match &anchor {
                Anchor::AtOrAfter(key) => Some(key.clone()),
                _ => None,
            };
        }
        let context = self.context(session);
        session
            .request(
                context,
                Job::Page {
                    anchor,
                    limit,
                    placement,
                },
            )
            .into()
    }

    fn refresh_request(&mut self, session: &mut Session, purpose: Purpose) -> Command {
        let context = session.context().with_purpose(purpose);
        session.request(context, Job::Refresh).into()
    }

    pub(super) fn value_request(&mut self, session: &mut Session) -> Option<Command> {
        let key = self.selected_entry()?.key.clone();
        if self.value.as_ref().is_some_and(|v| v.key == key) {
            return None;
        }
        Some(value_job(session, key))
    }

    /// Empties the screen for another column family (its estimate is not this one's).
    pub fn switch_to_cf(&mut self, session: &mut Session) -> Vec<Command> {
        self.estimate = None;
        self.total = None;
        self.counted = None;
        let mut commands = self.reload(session);
        commands.push(self.refresh_request(session, Purpose::Show));
        commands
    }

    /// Reloads the key list from scratch for the column family and filter; a count or
    /// filter scan of the old view is cancelled, and its answers become stale.
    pub fn reload(&mut self, session: &mut Session) -> Vec<Command> {
        self.window = KeyWindow::default();
        self.value = None;
        self.sought = None;
        self.count = CountState::Idle;
        self.scan = None;
        let mut commands = vec![session.cancel(Kind::Count)];
        let test = match self.filter.clone() {
            Filter::Contains(needle) => Some(FilterTest::Contains(needle)),
            Filter::Field(query) => Some(FilterTest::Field {
                decoders: session
                    .decoders
                    .clone()
                    .unwrap_or_else(|| std::sync::Arc::new(Decoders::builtin())),
                query: Box::new(query),
            }),
            Filter::None | Filter::Prefix(_) => None,
        };
        match test {
            Some(test) => {
                self.scan = Some(ScanProgress {
                    scanned: 0,
                    matched: 0,
                    undecoded: 0,
                    done: false,
                });
                self.window.at_end = false;
                let context = session.context();
                commands.push(
                    session
                        .request(
                            context,
                            Job::Filter {
                                test,
                                cap: MAX_MATCHES,
                            },
                        )
                        .into(),
                );
            }
            None => {
                commands.push(session.cancel(Kind::Filter));
                commands.push(self.page_request(session, Anchor::First, Placement::Replace, CHUNK));
            }
        }
        commands
    }

    /// Catches up and re-reads the window from its first key, so new writes appear
    /// without moving the selection. A periodic refresh skips what is still running.
    pub fn refresh(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        let periodic = purpose == Purpose::Periodic;
        let mut commands = Vec::new();
        if !(periodic && session.tickets.is_pending(Kind::Refresh)) {
            commands.push(self.refresh_request(session, purpose));
        }
        // `r` under a substring or field filter walks again: its matches are of the
        // moment it ran, and a live database moves on.
        if !periodic && self.filter.is_scan() {
            commands.extend(self.reload(session));
            return commands;
        }
        // The value on show is read again too: a change to the selected key (seen by a
        // live view's refresh or an etcd watch) must not leave its old value on screen.
        if periodic
            && !session.tickets.is_pending(Kind::Value)
            && let Some(key) = self.value.as_ref().map(|v| v.key.clone())
        {
            commands.push(value_job(session, key));
        }
        if self.filter.is_scan()
            || self.window.loading
            || (periodic && session.tickets.is_pending(Kind::Page))
        {
            return commands;
        }
        let anchor = match (self.window.entries.first(), &self.sought) {
            (Some(first), _) if !self.window.at_start => Anchor::AtOrAfter(first.key.clone()),
            // A go-to that found nothing keeps looking where it looked.
            (None, Some(sought)) => Anchor::AtOrAfter(sought.clone()),
            _ => Anchor::First,
        };
        let limit = self.window.entries.len().max(CHUNK);
        let context = self.context(session).with_purpose(purpose);
        commands.push(
            session
                .request(
                    context,
                    Job::Page {
                        anchor,
                        limit,
                        placement: Placement::Replace,
                    },
                )
                .into(),
        );
        commands
    }

    /// Starts an exact count of the keys on screen, for showing or before a delete: under
    /// a substring filter, of its matches.
    pub fn count(&mut self, session: &mut Session, purpose: Purpose) -> Vec<Command> {
        let contains = match &self.filter {
            Filter::Contains(needle) => Some(needle.clone()),
            Filter::Field(_) => {
                // The field filter's walk counts every match already: its figure is
                // the count, and a count of keys would read as one of the matches.
                session.say("the field filter's scan counts every match (status bar)");
                return Vec::new();
            }
            Filter::None | Filter::Prefix(_) => None,
        };
        self.count = CountState::Running(0);
        let context = self.context(session).with_purpose(purpose);
        vec![session.request(context, Job::Count { contains }).into()]
    }
}

/// A read of `key`'s value (its first [`VALUE_PREVIEW`] bytes) for the value pane.
fn value_job(session: &mut Session, key: Vec<u8>) -> Command {
    let context = session.context();
    session
        .request(
            context,
            Job::Value {
                key,
                max_len: VALUE_PREVIEW,
            },
        )
        .into()
}
