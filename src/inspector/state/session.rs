//! What every screen shares: the database as opened, the column family on show, how keys
//! are shown and typed, the terminal's size and colours, the clock, the status line, and
//! the tickets of requests in flight. Screens take `&mut Session` next to their own state.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::inspector::decode;
use crate::inspector::error::{ErrorClass, InspectError};
use crate::inspector::source::Access;
use crate::inspector::worker::{Command, Context, Job, Kind, Request, Ticket};

/// A message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// The class of the problem it reports, so each is shown its own way; `None` for a
    /// result or a hint.
    pub problem: Option<ErrorClass>,
}

impl Message {
    /// Whether it reports a problem of any kind.
    pub fn is_error(&self) -> bool {
        self.problem.is_some()
    }
}

/// Request tickets: the newest of each kind, and which kinds still await their answer.
#[derive(Debug, Clone, Default)]
pub struct Tickets {
    next: u64,
    latest: HashMap<Kind, u64>,
    pending: HashSet<Kind>,
}

impl Tickets {
    /// A new ticket number for `kind`; it supersedes the kind's older ones.
    pub fn issue(&mut self, kind: Kind) -> u64 {
        self.next += 1;
        self.latest.insert(kind, self.next);
        self.pending.insert(kind);
        self.next
    }

    /// Whether `ticket` is the newest of its kind.
    pub fn is_current(&self, ticket: Ticket) -> bool {
        self.latest.get(&ticket.kind) == Some(&ticket.id)
    }

    /// The last answer for `ticket` arrived: its kind is no longer awaited (if it is the
    /// newest of its kind).
    pub fn answered(&mut self, ticket: Ticket) {
        if self.is_current(ticket) {
            self.pending.remove(&ticket.kind);
        }
    }

    /// Every request of `kind` is now stale. Private: a request is forgotten only as it
    /// is cancelled ([`Session::cancel`]), since a cancelled job answers nothing more.
    fn forget(&mut self, kind: Kind) {
        self.latest.remove(&kind);
        self.pending.remove(&kind);
    }

    /// Whether a request of `kind` awaits its answer.
    pub fn is_pending(&self, kind: Kind) -> bool {
        self.pending.contains(&kind)
    }
}

/// The state every screen shares.
#[derive(Debug, Clone)]
pub struct Session {
    /// The database directory, as given.
    pub db_path: String,
    /// How it is held.
    pub access: Access,
    /// Column families, `default` first.
    pub column_families: Vec<String>,
    /// The one on show.
    pub cf: String,
    /// Rows the key list shows (set from the terminal size).
    pub list_rows: usize,
    /// Whether to draw in colour (off for `NO_COLOR` and `TERM=dumb`).
    pub color: bool,
    /// The clock, set by the event loop on every tick (fixed in tests).
    pub now: DateTime<Utc>,
    /// Heartbeats older than this are highlighted.
    pub stale_after: chrono::Duration,
    /// The status line message.
    pub message: Option<Message>,
    /// Requests in flight.
    pub tickets: Tickets,
    /// The user this process became to write as the database's owner, if it did.
    pub writing_as: Option<String>,
    /// Changes arrive by a watch (an etcd cluster): the tick does not poll for them.
    pub watched: bool,
    /// The database is an etcd cluster: the screens that read RocksDB's files say so
    /// instead of asking.
    pub cluster: bool,
    /// Keys drawn, and typed into every prompt, as hex instead of escaped text (`x` on
    /// the Keys screen).
    pub hex_keys: bool,
    /// When a walk last waited for `--io-limit` (the status line says so for a while).
    pub held_back_at: Option<DateTime<Utc>>,
    /// The decoder config: keys in the lists by their rule's layout.
    pub decoders: Option<std::sync::Arc<crate::inspector::decoders::Decoders>>,
}

impl Session {
    /// A session on a database just opened.
    pub fn new(
        db_path: impl Into<String>,
        access: Access,
        column_families: Vec<String>,
        cf: String,
    ) -> Self {
        Self {
            db_path: db_path.into(),
            access,
            column_families,
            cf,
            list_rows: 20,
            color: true,
            now: Utc::now(),
            stale_after: chrono::Duration::seconds(90),
            message: None,
            tickets: Tickets::default(),
            writing_as: None,
            watched: false,
            cluster: false,
            hex_keys: false,
            held_back_at: None,
            decoders: None,
        }
    }

    /// Whether a walk waited for `--io-limit` in the last few seconds.
    pub fn held_back(&self) -> bool {
        self.held_back_at
            .is_some_and(|at| self.now - at < chrono::Duration::seconds(3))
    }

    /// A request with a fresh ticket.
    pub fn request(&mut self, context: Context, job: Job) -> Request {
        let id = self.tickets.issue(job.kind());
        Request::new(id, context, job)
    }

    /// Stops the running request of `kind`: its answers become stale and the kind is no
    /// longer awaited, and the returned command tells the worker to stop it. One call for
    /// both, because a cancelled job sends no further event: a cancel sent without
    /// forgetting the ticket left the kind pending for ever.
    pub fn cancel(&mut self, kind: Kind) -> Command {
        self.tickets.forget(kind);
        Command::Cancel(kind)
    }

    /// The context of the column family on show, unbounded.
    pub fn context(&self) -> Context {
        Context::cf(self.cf.clone())
    }

    /// Rows a table with a header shows.
    pub fn table_rows(&self) -> usize {
        self.list_rows.saturating_sub(1).max(1)
    }

    /// A key as the lists show it.
    pub fn display_key(&self, key: &[u8]) -> String {
        if self.hex_keys {
            decode::hex(key)
        } else {
            decode::escape_key(key)
        }
    }

    /// A key of the column family on show as a list row shows it: by its decoder rule's
    /// layout when one covers it (`order:7`, `block=1,234 kind=delete`), else as
    /// [`Session::display_key`] does. A key that does not fit its layout is shown as
    /// bytes, marked `≠` (the value pane says why). Typed keys stay in the escaped form.
    pub fn list_key(&self, key: &[u8]) -> String {
        self.list_key_in(&self.cf, key)
    }

    /// [`Session::list_key`] for a key of column family `cf` (the WAL's writes are of
    /// every column family).
    pub fn list_key_in(&self, cf: &str, key: &[u8]) -> String {
        let rule = self
            .decoders
            .as_ref()
            .filter(|_| !self.hex_keys)
            .and_then(|d| d.rule_for(cf, key))
            .map(|(_, rule)| rule)
            .filter(|rule| rule.key != crate::inspector::decoders::key::KeyLayout::String);
        let Some(rule) = rule else {
            return self.display_key(key);
        };
        rule.show_key(key)
            .unwrap_or_else(|_| format!("≠{}", decode::escape_key(key)))
    }

    /// Reads a key typed as the lists show keys: hex while keys are drawn as hex, else
    /// escaped text (see `decode::escape_key`).
    pub fn parse_typed_key(&self, text: &str) -> Result<Vec<u8>, String> {
        if self.hex_keys {
            decode::parse_hex(text)
                .ok_or_else(|| format!("{text:?} is not hex: keys are shown as hex (x toggles)"))
        } else {
            decode::parse_key(text).map_err(|e| e.to_string())
        }
    }

    /// Reads a key typed at go-to: in the layout of a decoder rule of the column family
    /// whose prefix starts it (`blk:block=1234`, as the list shows such keys), else as
    /// [`Session::parse_typed_key`] does.
    pub fn parse_goto_key(&self, text: &str) -> Result<Vec<u8>, String> {
        let by_layout = self
            .decoders
            .as_ref()
            .filter(|_| !self.hex_keys)
            .and_then(|d| d.encode_key(&self.cf, text));
        match by_layout {
            Some(result) => result,
            None => self.parse_typed_key(text),
        }
    }

    /// Puts a result or hint on the status line.
    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            problem: None,
        });
    }

    /// Puts a problem on the status line, shown as its class.
    pub fn report(&mut self, class: ErrorClass, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            problem: Some(class),
        });
    }

    /// Puts a failed request's error on the status line.
    pub fn fail(&mut self, error: &InspectError) {
        self.report(error.class(), error.to_string());
    }

    /// Refuses a change when the database is open read-only; true if it refused.
    pub fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.access.writable() {
            return false;
        }
        self.fail(&InspectError::ReadOnly {
            action: what.to_string(),
        });
        true
    }
}
