//! The storage worker: owns the open database, runs each request on a blocking thread,
//! and answers with events.
//!
//! One protocol: a [`Request`] is a [`Ticket`] (kind + id), the [`Context`] it was made
//! in (column family, bounds, purpose) and a [`Job`]; every [`Event`] returns the same
//! ticket and context, so the UI checks staleness with one comparison and never re-reads
//! its own state to understand an answer. A newer request of a kind cancels the running
//! one (a new filter stops the old scan); a cancelled job sends nothing more. Edits and
//! maintenance are never cancelled by a newer request, and their outcome is always sent.
//! On a secondary instance every job that shows data catches up with the primary first.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::db::edit::{Edit, EditOutcome, apply as apply_edit};
use super::db::records::{RegistrySnapshot, read_registries};
use super::db::source::{Anchor, Bounds, Entry, Page, Pair, Source};
use super::db::stats::{DbStats, collect_stats};
use super::error::InspectError;

/// The kinds of job; one of each runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Key pages.
    Page,
    /// Values.
    Value,
    /// Substring filters.
    Filter,
    /// Exact counts.
    Count,
    /// Catch-up and key estimate.
    Refresh,
    /// Statistics.
    Stats,
    /// Registry reads.
    Registry,
    /// Compactions and flushes.
    Maintain,
    /// Edits.
    Edit,
}

impl Kind {
    /// Whether a newer request of this kind leaves a running one alone: changes to the
    /// database run to the end and always report.
    pub fn runs_to_completion(self) -> bool {
        matches!(self, Kind::Maintain | Kind::Edit)
    }
}

/// Identifies one request: its kind and a number unique within the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket {
    /// What kind of job.
    pub kind: Kind,
    /// Which one.
    pub id: u64,
}

/// Why a request was made, so its answer is put to the same use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Purpose {
    /// To show the answer (the default).
    #[default]
    Show,
    /// A periodic re-read (ticks on a live database).
    Periodic,
    /// A count taken before deleting the bounds: its answer opens the confirmation.
    ConfirmDelete,
}

/// The state a request was made in, returned with every answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The column family.
    pub cf: String,
    /// The key bounds the job covers (unbounded for jobs that take none).
    pub bounds: Bounds,
    /// What the answer is for.
    pub purpose: Purpose,
}

impl Context {
    /// A context for `cf`, unbounded, to show.
    pub fn cf(cf: impl Into<String>) -> Self {
        Self {
            cf: cf.into(),
            ..Self::default()
        }
    }

    /// The same with `bounds`.
    pub fn with_bounds(mut self, bounds: Bounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// The same with `purpose`.
    pub fn with_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }
}

/// What the keys window does with a page when it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Replace the window, keeping the selection on the same key if it is still there.
    Replace,
    /// Replace the window and select its last key (`G`).
    ReplaceAtEnd,
    /// Add after the window's last key.
    Append,
    /// Add before the window's first key.
    Prepend,
}

/// Maintenance the worker can run on the context's column family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maintenance {
    /// Compact the keys inside the context's bounds (all of them when unbounded).
    Compact,
    /// Flush the memtables.
    Flush,
}

/// The work itself; the column family and bounds are in the request's [`Context`].
#[derive(Debug)]
pub enum Job {
    /// A page of keys inside the bounds.
    Page {
        /// Where the page starts.
        anchor: Anchor,
        /// At most this many keys.
        limit: usize,
        /// Echoed back in the answer.
        placement: Placement,
    },
    /// One value; at most `max_len` bytes of it are returned.
    Value {
        /// The key.
        key: Vec<u8>,
        /// Bytes returned at most.
        max_len: usize,
    },
    /// Keys inside the bounds containing `needle`, streamed as found, at most `cap` kept;
    /// the scan runs to the end to count every match.
    Filter {
        /// The substring.
        needle: Vec<u8>,
        /// Matches sent at most.
        cap: usize,
    },
    /// An exact count of the keys inside the bounds, with progress.
    Count,
    /// Catch up with the primary and re-read the key estimate.
    Refresh,
    /// Database statistics.
    Stats,
    /// Both registries (`node:*`, `resource:*`), decoded.
    Registry,
    /// A compaction or flush (write mode only).
    Maintain(Maintenance),
    /// A change (write mode only), answered with what undoes it.
    Edit(Edit),
}

impl Job {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Job::Page { .. } => Kind::Page,
            Job::Value { .. } => Kind::Value,
            Job::Filter { .. } => Kind::Filter,
            Job::Count => Kind::Count,
            Job::Refresh => Kind::Refresh,
            Job::Stats => Kind::Stats,
            Job::Registry => Kind::Registry,
            Job::Maintain(_) => Kind::Maintain,
            Job::Edit(_) => Kind::Edit,
        }
    }
}

/// Work for the worker.
#[derive(Debug)]
pub struct Request {
    /// Its ticket; the kind always matches the job's.
    pub ticket: Ticket,
    /// The state it was made in.
    pub context: Context,
    /// What to do.
    pub job: Job,
}

impl Request {
    /// A request with ticket number `id`.
    pub fn new(id: u64, context: Context, job: Job) -> Self {
        Self {
            ticket: Ticket {
                kind: job.kind(),
                id,
            },
            context,
            job,
        }
    }
}

/// What a compaction or flush did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// What ran.
    pub job: Maintenance,
    /// How long it took.
    pub elapsed: Duration,
    /// SST bytes of the column family before.
    pub sst_before: u64,
    /// And after.
    pub sst_after: u64,
}

impl MaintenanceReport {
    /// How the UI names what ran.
    pub fn describe(&self, bounds: &Bounds) -> &'static str {
        describe(self.job, bounds)
    }
}

/// How the UI names a maintenance job on `bounds`.
pub fn describe(job: Maintenance, bounds: &Bounds) -> &'static str {
    match job {
        Maintenance::Compact if *bounds == Bounds::default() => {
            "compaction of the whole column family"
        }
        Maintenance::Compact => "compaction of the key range",
        Maintenance::Flush => "memtable flush",
    }
}

/// What an answer says.
#[derive(Debug, Clone)]
pub enum Body {
    /// A page of keys.
    Page {
        /// As requested.
        placement: Placement,
        /// The keys.
        page: Page,
    },
    /// A value (`None`: the key is absent).
    Value {
        /// The key asked for.
        key: Vec<u8>,
        /// Up to `max_len` bytes of the value, and its full size.
        value: Option<(Vec<u8>, usize)>,
    },
    /// More keys matching a filter.
    Matches(Vec<Entry>),
    /// How far a filter or count has got.
    Progress {
        /// Keys looked at so far.
        scanned: u64,
        /// Keys matching so far (filters) or counted (counts).
        matched: u64,
    },
    /// A filter or count finished.
    Done {
        /// Keys looked at.
        scanned: u64,
        /// Keys matching (filters); keys counted (counts).
        matched: u64,
    },
    /// RocksDB's estimate of the keys in the column family, after catching up.
    Refreshed {
        /// The estimate.
        estimate: u64,
    },
    /// Statistics.
    Stats(Box<DbStats>),
    /// Both registries.
    Registry(Box<RegistrySnapshot>),
    /// A compaction or flush finished.
    Maintained(MaintenanceReport),
    /// An edit was applied: what it did and how to undo it.
    Edited(EditOutcome),
    /// The request failed.
    Failed(InspectError),
}

impl Body {
    /// Whether this is the last event of its request.
    pub fn is_final(&self) -> bool {
        !matches!(self, Body::Matches(_) | Body::Progress { .. })
    }
}

/// An answer: the ticket and context of the request it answers, and what it says.
#[derive(Debug, Clone)]
pub struct Event {
    /// The request's ticket.
    pub ticket: Ticket,
    /// The request's context.
    pub context: Context,
    /// The answer.
    pub body: Body,
}

/// How often long jobs report progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Pairs per batch sent by scans.
const BATCH: usize = 1024;

/// What the UI sends the worker.
#[derive(Debug)]
pub enum Command {
    /// Run a request (superseding the running one of its kind, unless that is a change).
    Run(Request),
    /// Stop the running job of a kind, if any (changes run on).
    Cancel(Kind),
}

impl From<Request> for Command {
    fn from(request: Request) -> Self {
        Command::Run(request)
    }
}

/// The sending side the UI and subcommands hold.
#[derive(Clone)]
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkerHandle")
    }
}

impl WorkerHandle {
    /// Sends a request or a cancellation. If the worker has stopped, it is dropped: the
    /// UI is shutting down anyway.
    pub fn send(&self, command: impl Into<Command>) {
        let _ = self.tx.send(command.into());
    }
}

/// Starts the worker on the current tokio runtime.
pub fn spawn(source: Arc<Source>) -> (WorkerHandle, mpsc::UnboundedReceiver<Event>) {
    let (tx, mut commands) = mpsc::unbounded_channel::<Command>();
    let (events_tx, events) = mpsc::unbounded_channel();
    // Fault injection for the end-to-end test of a worker panic (tests/host.rs): the
    // first request's thread panics.
    let inject_panic = std::env::var_os("SPEAR_INSPECT_FAULT").is_some_and(|v| v == "worker-panic");
    tokio::spawn(async move {
        let mut running: HashMap<Kind, CancellationToken> = HashMap::new();
        while let Some(command) = commands.recv().await {
            let request = match command {
                Command::Cancel(kind) => {
                    if !kind.runs_to_completion()
                        && let Some(token) = running.remove(&kind)
                    {
                        token.cancel();
                    }
                    continue;
                }
                Command::Run(request) => request,
            };
            let kind = request.ticket.kind;
            let token = CancellationToken::new();
            if let Some(previous) = running.insert(kind, token.clone())
                && !kind.runs_to_completion()
            {
                previous.cancel();
            }
            let source = Arc::clone(&source);
            let events = events_tx.clone();
            tokio::task::spawn_blocking(move || {
                assert!(!inject_panic, "injected worker panic (SPEAR_INSPECT_FAULT)");
                let emit = move |event| {
                    let _ = events.send(event);
                };
                run_request(&source, request, &token, &emit);
            });
        }
        for (kind, token) in &running {
            if !kind.runs_to_completion() {
                token.cancel();
            }
        }
    });
    (WorkerHandle { tx }, events)
}

/// Runs one request to the end on the calling (blocking) thread, passing each event to
/// `emit` until `token` is cancelled. The worker runs this on tokio's blocking pool; tests
/// call it directly to drive an `App` deterministically.
pub fn run_request(
    source: &Source,
    request: Request,
    token: &CancellationToken,
    emit: &(dyn Fn(Event) + Sync),
) {
    let Request {
        ticket,
        context,
        job,
    } = request;
    let run = Run {
        source,
        emit,
        token,
        ticket,
        context: &context,
    };
    if let Err(error) = run.execute(job) {
        // A change's failure is reported like its success: always.
        if ticket.kind.runs_to_completion() {
            run.always(Body::Failed(error));
        } else {
            run.emit(Body::Failed(error));
        }
    }
}

struct Run<'a> {
    source: &'a Source,
    emit: &'a (dyn Fn(Event) + Sync),
    token: &'a CancellationToken,
    ticket: Ticket,
    context: &'a Context,
}

impl Run<'_> {
    /// Sends `body` unless this job was superseded.
    fn emit(&self, body: Body) {
        if !self.token.is_cancelled() {
            self.always(body);
        }
    }

    /// Sends `body` whatever happened since.
    fn always(&self, body: Body) {
        (self.emit)(Event {
            ticket: self.ticket,
            context: self.context.clone(),
            body,
        });
    }

    fn execute(&self, job: Job) -> Result<(), InspectError> {
        let source = self.source;
        let cf = self.context.cf.as_str();
        let bounds = &self.context.bounds;
        // On a secondary, every read of the database's current state first follows the
        // primary, whichever screen asked (a no-op on other opens).
        let follows_primary = match job {
            Job::Refresh | Job::Stats | Job::Registry => true,
            Job::Page { .. } => self.context.purpose == Purpose::Periodic,
            _ => false,
        };
        if follows_primary {
            source.catch_up()?;
        }
        match job {
            Job::Page {
                anchor,
                limit,
                placement,
            } => {
                let page = source.page(cf, bounds, &anchor, limit)?;
                self.emit(Body::Page { placement, page });
            }
            Job::Value { key, max_len } => {
                let value = source.get(cf, &key, max_len)?;
                self.emit(Body::Value { key, value });
            }
            Job::Filter { needle, cap } => self.filter(&needle, cap)?,
            Job::Count => self.count()?,
            Job::Refresh => {
                let estimate = source.estimate_keys(cf)?;
                self.emit(Body::Refreshed { estimate });
            }
            Job::Stats => {
                let stats = collect_stats(source)?;
                self.emit(Body::Stats(Box::new(stats)));
            }
            Job::Registry => {
                let cancelled = || self.token.is_cancelled();
                if let Some(snapshot) = read_registries(source, cf, &cancelled)? {
                    self.emit(Body::Registry(Box::new(snapshot)));
                }
            }
            Job::Maintain(job) => {
                let sst_before = source.sst_bytes(cf)?;
                let started = Instant::now();
                match job {
                    Maintenance::Compact => source.compact(cf, bounds),
                    Maintenance::Flush => source.flush(cf),
                }?;
                let elapsed = started.elapsed();
                let sst_after = source.sst_bytes(cf)?;
                self.always(Body::Maintained(MaintenanceReport {
                    job,
                    elapsed,
                    sst_before,
                    sst_after,
                }));
            }
            Job::Edit(edit) => {
                let outcome = apply_edit(source, cf, edit)?;
                self.always(Body::Edited(outcome));
            }
        }
        Ok(())
    }

    fn filter(&self, needle: &[u8], cap: usize) -> Result<(), InspectError> {
        let finder = memchr::memmem::Finder::new(needle);
        let (mut scanned, mut matched) = (0u64, 0u64);
        let mut batch = Vec::new();
        let mut last_report = Instant::now();
        let mut stopped = false;
        self.source.for_each(
            &self.context.cf,
            &self.context.bounds,
            None,
            |key, value| {
                scanned += 1;
                if finder.find(key).is_some() {
                    matched += 1;
                    if (matched as usize) <= cap {
                        batch.push(Entry {
                            key: key.to_vec(),
                            value_len: value.len(),
                        });
                    }
                }
                if scanned.is_multiple_of(4096) {
                    if self.token.is_cancelled() {
                        stopped = true;
                        return false;
                    }
                    if last_report.elapsed() >= PROGRESS_EVERY {
                        last_report = Instant::now();
                        if !batch.is_empty() {
                            self.emit(Body::Matches(std::mem::take(&mut batch)));
                        }
                        self.emit(Body::Progress { scanned, matched });
                    }
                }
                true
            },
        )?;
        if stopped {
            return Ok(());
        }
        if !batch.is_empty() {
            self.emit(Body::Matches(batch));
        }
        self.emit(Body::Done { scanned, matched });
        Ok(())
    }

    fn count(&self) -> Result<(), InspectError> {
        let mut counted = 0u64;
        let mut last_report = Instant::now();
        let mut stopped = false;
        self.source
            .for_each(&self.context.cf, &self.context.bounds, None, |_, _| {
                counted += 1;
                if counted.is_multiple_of(65536) {
                    if self.token.is_cancelled() {
                        stopped = true;
                        return false;
                    }
                    if last_report.elapsed() >= PROGRESS_EVERY {
                        last_report = Instant::now();
                        self.emit(Body::Progress {
                            scanned: counted,
                            matched: counted,
                        });
                    }
                }
                true
            })?;
        if !stopped {
            self.emit(Body::Done {
                scanned: counted,
                matched: counted,
            });
        }
        Ok(())
    }
}

/// Streams every pair of `cf` inside `bounds`, up to `limit`, in batches through `sink`;
/// the channel's bound keeps memory flat however large the result. Returns the pairs
/// sent. For the CLI's `scan`, outside the TUI's job slots. Blocking.
pub fn stream_scan(
    source: &Source,
    cf: &str,
    bounds: &Bounds,
    limit: Option<u64>,
    sink: &mpsc::Sender<Vec<Pair>>,
) -> Result<u64, InspectError> {
    let max = limit.unwrap_or(u64::MAX);
    if max == 0 {
        return Ok(0);
    }
    let mut sent = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    let mut receiver_gone = false;
    source.for_each(cf, bounds, limit, |key, value| {
        batch.push((key.to_vec(), value.to_vec()));
        sent += 1;
        if batch.len() == BATCH || sent == max {
            // Blocks while the consumer is behind: memory stays at a few batches.
            if sink
                .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .is_err()
            {
                receiver_gone = true;
                return false;
            }
        }
        sent < max
    })?;
    if !batch.is_empty() && !receiver_gone {
        let _ = sink.blocking_send(batch);
    }
    Ok(sent)
}
