//! The storage worker: owns the open database, runs each request on a blocking thread,
//! and reports back with events.
//!
//! Every request carries an id and has a kind. A new request cancels the running one of
//! the same kind (a new filter stops the old scan); a cancelled job sends nothing more, so
//! the UI only ever hears about the newest request of each kind. The UI never waits on
//! the worker: it sends and moves on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::edit::{Edit, EditOutcome, apply as apply_edit};
use super::records::{RegistrySnapshot, read_registries};
use super::source::{Anchor, Bounds, Entry, Page, Source};
use super::stats::{DbStats, collect_stats};

/// Identifies a request; events carry the id of the request they answer.
pub type RequestId = u64;

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

/// A pair streamed by a scan: key and value bytes.
pub type Pair = (Vec<u8>, Vec<u8>);

/// Work for the worker.
#[derive(Debug)]
pub enum Request {
    /// A page of keys for the key list.
    Page {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// Bounds of the view (a prefix filter).
        bounds: Bounds,
        /// Where the page starts.
        anchor: Anchor,
        /// At most this many keys.
        limit: usize,
        /// Echoed back in the event.
        placement: Placement,
    },
    /// One value, for the value pane or `get`.
    Value {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// The key.
        key: Vec<u8>,
        /// At most this many bytes of the value are returned.
        max_len: usize,
    },
    /// Keys containing `needle`, streamed as they are found, at most `cap` of them kept;
    /// the scan runs to the end to count every match.
    Filter {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// Bounds to scan within.
        bounds: Bounds,
        /// The substring.
        needle: Vec<u8>,
        /// Matches sent at most.
        cap: usize,
    },
    /// An exact count of the keys inside `bounds`, with progress.
    Count {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// Bounds to count within.
        bounds: Bounds,
    },
    /// Catch up with the primary (secondaries) and re-read the key estimate.
    Refresh {
        /// Request id.
        id: RequestId,
        /// Column family whose estimate is wanted.
        cf: String,
    },
    /// Database statistics.
    Stats {
        /// Request id.
        id: RequestId,
    },
    /// Every pair inside `bounds`, up to `limit`, in batches through `sink`; the channel's
    /// bound keeps memory flat however large the result.
    Scan {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// Bounds to scan.
        bounds: Bounds,
        /// Pairs at most.
        limit: Option<u64>,
        /// Where batches go.
        sink: mpsc::Sender<Vec<Pair>>,
    },
    /// Both registries (`node:*`, `resource:*`) of a column family, decoded.
    Registry {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
    },
    /// A compaction or flush (write mode only).
    Maintain {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// What to do.
        job: Maintenance,
    },
    /// A change (write mode only), answered with what undoes it.
    Edit {
        /// Request id.
        id: RequestId,
        /// Column family.
        cf: String,
        /// The change.
        edit: Edit,
    },
    /// Stops the running request of a kind, if any.
    Cancel(Kind),
}

/// Maintenance the worker can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Maintenance {
    /// Compact the keys inside the bounds (all of them when unbounded).
    Compact(Bounds),
    /// Flush the memtables.
    Flush,
}

impl Maintenance {
    /// How the UI names it.
    pub fn describe(&self) -> &'static str {
        match self {
            Maintenance::Compact(b) if *b == Bounds::default() => {
                "compaction of the whole column family"
            }
            Maintenance::Compact(_) => "compaction of the key range",
            Maintenance::Flush => "memtable flush",
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

/// The kinds of request; one of each runs at a time.
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
    /// Refreshes.
    Refresh,
    /// Statistics.
    Stats,
    /// Streamed scans.
    Scan,
    /// Registry reads.
    Registry,
    /// Compactions and flushes.
    Maintain,
    /// Edits.
    Edit,
}

impl Request {
    fn kind_and_id(&self) -> (Kind, RequestId) {
        match self {
            Request::Page { id, .. } => (Kind::Page, *id),
            Request::Value { id, .. } => (Kind::Value, *id),
            Request::Filter { id, .. } => (Kind::Filter, *id),
            Request::Count { id, .. } => (Kind::Count, *id),
            Request::Refresh { id, .. } => (Kind::Refresh, *id),
            Request::Stats { id } => (Kind::Stats, *id),
            Request::Scan { id, .. } => (Kind::Scan, *id),
            Request::Registry { id, .. } => (Kind::Registry, *id),
            Request::Maintain { id, .. } => (Kind::Maintain, *id),
            Request::Edit { id, .. } => (Kind::Edit, *id),
            Request::Cancel(kind) => (*kind, 0),
        }
    }
}

/// What the worker reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A page of keys.
    Page {
        /// Answered request.
        id: RequestId,
        /// As requested.
        placement: Placement,
        /// The keys.
        page: Page,
    },
    /// A value (`None`: the key is absent).
    Value {
        /// Answered request.
        id: RequestId,
        /// The key asked for.
        key: Vec<u8>,
        /// Up to `max_len` bytes of the value, and its full size.
        value: Option<(Vec<u8>, usize)>,
    },
    /// More keys matching a filter.
    Matches {
        /// Answered request.
        id: RequestId,
        /// The keys, ascending.
        entries: Vec<Entry>,
    },
    /// How far a filter or count has got.
    Progress {
        /// Answered request.
        id: RequestId,
        /// Keys looked at so far.
        scanned: u64,
        /// Keys matching so far (filters) or counted (counts).
        matched: u64,
    },
    /// A filter, count or scan finished.
    Done {
        /// Answered request.
        id: RequestId,
        /// Keys looked at.
        scanned: u64,
        /// Keys matching (filters); keys counted (counts); pairs sent (scans).
        matched: u64,
    },
    /// A refresh finished.
    Refreshed {
        /// Answered request.
        id: RequestId,
        /// RocksDB's estimate of the keys in the column family.
        estimate: u64,
    },
    /// Statistics.
    Stats {
        /// Answered request.
        id: RequestId,
        /// The figures.
        stats: Box<DbStats>,
    },
    /// Both registries.
    Registry {
        /// Answered request.
        id: RequestId,
        /// The records.
        snapshot: Box<RegistrySnapshot>,
    },
    /// A compaction or flush finished.
    Maintained {
        /// Answered request.
        id: RequestId,
        /// What it did.
        report: MaintenanceReport,
    },
    /// An edit was applied.
    Edited {
        /// Answered request.
        id: RequestId,
        /// What it did, and how to undo it.
        outcome: EditOutcome,
    },
    /// A request failed; the message is for the status line.
    Failed {
        /// Answered request.
        id: RequestId,
        /// What went wrong.
        message: String,
    },
}

/// How often long jobs report progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Pairs per batch sent by scans and filters.
const BATCH: usize = 1024;

/// The sending side the UI and subcommands hold.
#[derive(Debug, Clone)]
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<Request>,
}

impl WorkerHandle {
    /// Sends a request. If the worker has stopped, the request is dropped: the UI is
    /// shutting down anyway.
    pub fn send(&self, request: Request) {
        let _ = self.tx.send(request);
    }
}

/// Starts the worker on the current tokio runtime.
pub fn spawn(source: Arc<Source>) -> (WorkerHandle, mpsc::UnboundedReceiver<Event>) {
    let (tx, mut requests) = mpsc::unbounded_channel::<Request>();
    let (events_tx, events) = mpsc::unbounded_channel();
    // Fault injection for the end-to-end test of a worker panic (tests/host.rs): the
    // first request's thread panics.
    let inject_panic = std::env::var_os("SPEAR_INSPECT_FAULT").is_some_and(|v| v == "worker-panic");
    tokio::spawn(async move {
        let mut running: HashMap<Kind, CancellationToken> = HashMap::new();
        while let Some(request) = requests.recv().await {
            let (kind, _) = request.kind_and_id();
            if let Some(previous) = running.remove(&kind) {
                previous.cancel();
            }
            if matches!(request, Request::Cancel(_)) {
                continue;
            }
            let token = CancellationToken::new();
            running.insert(kind, token.clone());
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
        for token in running.values() {
            token.cancel();
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
    let job = Job {
        source,
        emit,
        token,
    };
    let (_, id) = request.kind_and_id();
    if let Err(message) = job.execute(request) {
        job.emit(Event::Failed { id, message });
    }
}

struct Job<'a> {
    source: &'a Source,
    emit: &'a (dyn Fn(Event) + Sync),
    token: &'a CancellationToken,
}

impl Job<'_> {
    /// Sends `event` unless this job was superseded.
    fn emit(&self, event: Event) {
        if !self.token.is_cancelled() {
            (self.emit)(event);
        }
    }

    fn execute(&self, request: Request) -> Result<(), String> {
        let source = self.source;
        match request {
            Request::Page {
                id,
                cf,
                bounds,
                anchor,
                limit,
                placement,
            } => {
                let page = source
                    .page(&cf, &bounds, &anchor, limit)
                    .map_err(|e| e.to_string())?;
                self.emit(Event::Page {
                    id,
                    placement,
                    page,
                });
            }
            Request::Value {
                id,
                cf,
                key,
                max_len,
            } => {
                let value = source.get(&cf, &key, max_len).map_err(|e| e.to_string())?;
                self.emit(Event::Value { id, key, value });
            }
            Request::Filter {
                id,
                cf,
                bounds,
                needle,
                cap,
            } => self.filter(id, &cf, &bounds, &needle, cap)?,
            Request::Count { id, cf, bounds } => self.count(id, &cf, &bounds)?,
            Request::Refresh { id, cf } => {
                source.catch_up().map_err(|e| e.to_string())?;
                let estimate = source.estimate_keys(&cf).map_err(|e| e.to_string())?;
                self.emit(Event::Refreshed { id, estimate });
            }
            Request::Stats { id } => {
                let stats = collect_stats(source).map_err(|e| e.to_string())?;
                self.emit(Event::Stats {
                    id,
                    stats: Box::new(stats),
                });
            }
            Request::Scan {
                id,
                cf,
                bounds,
                limit,
                sink,
            } => self.scan(id, &cf, &bounds, limit, &sink)?,
            Request::Registry { id, cf } => {
                let snapshot = read_registries(source, &cf).map_err(|e| e.to_string())?;
                self.emit(Event::Registry {
                    id,
                    snapshot: Box::new(snapshot),
                });
            }
            Request::Maintain { id, cf, job } => {
                let sst_before = source.sst_bytes(&cf).map_err(|e| e.to_string())?;
                let started = Instant::now();
                match &job {
                    Maintenance::Compact(bounds) => source.compact(&cf, bounds),
                    Maintenance::Flush => source.flush(&cf),
                }
                .map_err(|e| e.to_string())?;
                let elapsed = started.elapsed();
                let sst_after = source.sst_bytes(&cf).map_err(|e| e.to_string())?;
                // A maintenance job cannot be cancelled, so its outcome is always reported.
                (self.emit)(Event::Maintained {
                    id,
                    report: MaintenanceReport {
                        job,
                        elapsed,
                        sst_before,
                        sst_after,
                    },
                });
            }
            Request::Edit { id, cf, edit } => {
                let outcome = apply_edit(source, &cf, edit).map_err(|e| e.to_string())?;
                // An applied edit is always reported: the UI needs its undo.
                (self.emit)(Event::Edited { id, outcome });
            }
            Request::Cancel(_) => {}
        }
        Ok(())
    }

    fn filter(
        &self,
        id: RequestId,
        cf: &str,
        bounds: &Bounds,
        needle: &[u8],
        cap: usize,
    ) -> Result<(), String> {
        let finder = memchr::memmem::Finder::new(needle);
        let (mut scanned, mut matched) = (0u64, 0u64);
        let mut batch = Vec::new();
        let mut last_report = Instant::now();
        self.source
            .for_each(cf, bounds, None, |key, value| {
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
                        return false;
                    }
                    if last_report.elapsed() >= PROGRESS_EVERY {
                        last_report = Instant::now();
                        if !batch.is_empty() {
                            self.emit(Event::Matches {
                                id,
                                entries: std::mem::take(&mut batch),
                            });
                        }
                        self.emit(Event::Progress {
                            id,
                            scanned,
                            matched,
                        });
                    }
                }
                true
            })
            .map_err(|e| e.to_string())?;
        if !batch.is_empty() {
            self.emit(Event::Matches { id, entries: batch });
        }
        self.emit(Event::Done {
            id,
            scanned,
            matched,
        });
        Ok(())
    }

    fn count(&self, id: RequestId, cf: &str, bounds: &Bounds) -> Result<(), String> {
        let mut counted = 0u64;
        let mut last_report = Instant::now();
        self.source
            .for_each(cf, bounds, None, |_, _| {
                counted += 1;
                if counted.is_multiple_of(65536) {
                    if self.token.is_cancelled() {
                        return false;
                    }
                    if last_report.elapsed() >= PROGRESS_EVERY {
                        last_report = Instant::now();
                        self.emit(Event::Progress {
                            id,
                            scanned: counted,
                            matched: counted,
                        });
                    }
                }
                true
            })
            .map_err(|e| e.to_string())?;
        self.emit(Event::Done {
            id,
            scanned: counted,
            matched: counted,
        });
        Ok(())
    }

    fn scan(
        &self,
        id: RequestId,
        cf: &str,
        bounds: &Bounds,
        limit: Option<u64>,
        sink: &mpsc::Sender<Vec<Pair>>,
    ) -> Result<(), String> {
        let expected = limit;
        let limit = limit.unwrap_or(u64::MAX);
        if limit == 0 {
            self.emit(Event::Done {
                id,
                scanned: 0,
                matched: 0,
            });
            return Ok(());
        }
        let mut sent = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        let mut receiver_gone = false;
        self.source
            .for_each(cf, bounds, expected, |key, value| {
                batch.push((key.to_vec(), value.to_vec()));
                sent += 1;
                if batch.len() == BATCH || sent == limit {
                    // Blocks while the consumer is behind: memory stays at a few batches.
                    if sink
                        .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_err()
                    {
                        receiver_gone = true;
                        return false;
                    }
                }
                sent < limit && !self.token.is_cancelled()
            })
            .map_err(|e| e.to_string())?;
        if !batch.is_empty() && !receiver_gone {
            let _ = sink.blocking_send(batch);
        }
        self.emit(Event::Done {
            id,
            scanned: sent,
            matched: sent,
        });
        Ok(())
    }
}
