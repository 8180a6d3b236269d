//! The Keys screen's state: the filter, the window of keys, the selected value, the key
//! estimate and the exact count, with the screen's own update and answer handling.

mod update;
mod value;
mod window;

pub use value::{HEXDUMP_PREVIEW, VALUE_PREVIEW, ValueView, value_view};
pub use window::{CHUNK, KeyWindow, MAX_WINDOW};

use super::session::Session;
use crate::inspector::decode;
use crate::inspector::source::{Anchor, Bounds, Entry};
use crate::inspector::worker::{Body, Command, Context, Job, Kind, Placement, Purpose, Ticket};

/// Substring matches held at most (the scan still counts all of them).
pub const MAX_MATCHES: usize = 10_000;

/// The filter in force on the key list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every key.
    None,
    /// Keys with this prefix.
    Prefix(Vec<u8>),
    /// Keys containing this.
    Contains(Vec<u8>),
}

/// A substring scan's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Keys looked at.
    pub scanned: u64,
    /// Keys matching.
    pub matched: u64,
    /// Whether it finished.
    pub done: bool,
}

/// The exact count's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountState {
    /// Not asked for.
    Idle,
    /// Counting; so far.
    Running(u64),
    /// Finished.
    Done(u64),
}

/// The Keys screen.
#[derive(Debug, Clone)]
pub struct KeysState {
    /// The filter in force.
    pub filter: Filter,
    /// Substring scan progress, when filtering by substring.
    pub scan: Option<ScanProgress>,
    /// The key window.
    pub window: KeyWindow,
    /// The selected value.
    pub value: Option<ValueView>,
    /// Keys drawn as hex.
    pub hex_keys: bool,
    /// RocksDB's key estimate for the column family (high while overwrites and
    /// deletions wait in memtables and L0).
    pub estimate: Option<u64>,
    /// The column family's exact number of keys, once a walk of all of it finished (an
    /// unfiltered count, or a substring scan with no prefix); it outranks the estimate.
    pub total: Option<u64>,
    /// The exact count of the keys on screen (all, a prefix's or a substring's matches).
    pub count: CountState,
    /// The key a go-to sought, while its page is what the list holds: an empty list
    /// then means nothing at or after it, not an empty column family.
    pub sought: Option<Vec<u8>>,
    /// When the newest exact figure (count or total) was taken, and RocksDB's estimate
    /// then: on a live database an exact figure is of its moment, and once the estimate
    /// has moved the database has moved on from it.
    pub counted: Option<Counted>,
}

/// The moment an exact figure was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// When (the session's clock).
    pub at: chrono::DateTime<chrono::Utc>,
    /// RocksDB's estimate at that moment.
    pub estimate: Option<u64>,
}

impl KeysState {
    /// Whether the database has changed since the exact figure was taken (its estimate
    /// moved): the figure is then of the past, and says so.
    pub fn exact_is_stale(&self) -> bool {
        self.counted
            .is_some_and(|c| c.estimate.is_some() && c.estimate != self.estimate)
    }
}

impl Default for KeysState {
    fn default() -> Self {
        Self {
            filter: Filter::None,
            scan: None,
            window: KeyWindow::default(),
            value: None,
            hex_keys: false,
            estimate: None,
            total: None,
            count: CountState::Idle,
            sought: None,
            counted: None,
        }
    }
}

impl KeysState {
    /// The bounds the filter puts on the column family.
    pub fn bounds(&self) -> Bounds {
        match &self.filter {
            Filter::Prefix(p) => Bounds::prefix(p),
            Filter::None | Filter::Contains(_) => Bounds::default(),
        }
    }

    /// The context of what is on screen: column family and the filter's bounds.
    pub fn context(&self, session: &Session) -> Context {
        session.context().with_bounds(self.bounds())
    }

    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.window.selected_entry()
    }

    /// A key as the list shows it.
    pub fn display_key(&self, key: &[u8]) -> String {
        if self.hex_keys {
            decode::hex(key)
        } else {
            decode::escape_key(key)
        }
    }

    /// Reads a key typed as the list shows keys: hex while keys are drawn as hex, else
    /// escaped text (see `decode::escape_key`).
    pub fn parse_typed_key(&self, text: &str) -> Result<Vec<u8>, String> {
        if self.hex_keys {
            decode::parse_hex(text)
                .ok_or_else(|| format!("{text:?} is not hex: keys are shown as hex (x toggles)"))
        } else {
            decode::parse_key(text).map_err(|e| e.to_string())
        }
    }

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
        let context = session.context();
        Some(
            session
                .request(
                    context,
                    Job::Value {
                        key,
                        max_len: VALUE_PREVIEW,
                    },
                )
                .into(),
        )
    }

    /// Empties the screen for another column family (its estimate is not this one's).
    pub fn switch_cf(&mut self, session: &mut Session) -> Vec<Command> {
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
        match self.filter.clone() {
            Filter::Contains(needle) => {
                self.scan = Some(ScanProgress {
                    scanned: 0,
                    matched: 0,
                    done: false,
                });
                self.window.at_end = false;
                let context = session.context();
                commands.push(
                    session
                        .request(
                            context,
                            Job::Filter {
                                needle,
                                cap: MAX_MATCHES,
                            },
                        )
                        .into(),
                );
            }
            Filter::None | Filter::Prefix(_) => {
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
        if matches!(self.filter, Filter::Contains(_))
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
        self.count = CountState::Running(0);
        let contains = match &self.filter {
            Filter::Contains(needle) => Some(needle.clone()),
            Filter::None | Filter::Prefix(_) => None,
        };
        let context = self.context(session).with_purpose(purpose);
        vec![session.request(context, Job::Count { contains }).into()]
    }

    /// Keeps `scanned` as the column family's exact size when the walk that counted it
    /// covered all of it (no bounds) in the column family on screen.
    fn learn_total(&mut self, context: &Context, session: &Session, scanned: u64) {
        if context.bounds == Bounds::default() && context.cf == session.cf {
            self.total = Some(scanned);
        }
    }

    /// Folds in an answer to one of this screen's current requests.
    pub fn on_event(
        &mut self,
        ticket: Ticket,
        context: &Context,
        body: Body,
        session: &mut Session,
    ) -> Vec<Command> {
        match body {
            Body::Page { placement, page } => {
                self.window.loading = false;
                self.window.place(placement, page, session.list_rows);
                if self.window.entries.is_empty() {
                    // No key is selected: the pane must not keep the last one's value.
                    self.value = None;
                }
                if self.window.owed != 0
                    && matches!(placement, Placement::Append | Placement::Prepend)
                {
                    // Movement the user asked for while this page was on its way.
                    return self.move_by(session, 0);
                }
                return self.value_request(session).into_iter().collect();
            }
            Body::Value { key, value } => {
                self.value = Some(match value {
                    None => ValueView::vanished(key),
                    Some((bytes, size)) => value_view(key, &bytes, size),
                });
            }
            Body::Matches(entries) => {
                let was_empty = self.window.entries.is_empty();
                let room = MAX_MATCHES.saturating_sub(self.window.entries.len());
                self.window.entries.extend(entries.into_iter().take(room));
                self.window.loading = false;
                if was_empty {
                    return self.value_request(session).into_iter().collect();
                }
            }
            Body::Progress { scanned, matched } => match ticket.kind {
                Kind::Count => self.count = CountState::Running(matched),
                _ => {
                    self.scan = Some(ScanProgress {
                        scanned,
                        matched,
                        done: false,
                    })
                }
            },
            Body::Done { scanned, matched } => match ticket.kind {
                Kind::Count => {
                    self.learn_total(context, session, scanned);
                    self.count = CountState::Done(matched);
                    self.counted = Some(Counted {
                        at: session.now,
                        estimate: self.estimate,
                    });
                }
                _ => {
                    self.learn_total(context, session, scanned);
                    if context.bounds == Bounds::default() {
                        self.counted = Some(Counted {
                            at: session.now,
                            estimate: self.estimate,
                        });
                    }
                    self.scan = Some(ScanProgress {
                        scanned,
                        matched,
                        done: true,
                    });
                    self.window.at_end = true;
                    self.window.loading = false;
                }
            },
            Body::Refreshed { estimate } => self.estimate = Some(estimate),
            Body::Failed(error) => {
                self.window.loading = false;
                if ticket.kind == Kind::Count {
                    self.count = CountState::Idle;
                }
                session.fail(&error);
            }
            _ => {}
        }
        Vec::new()
    }
}
