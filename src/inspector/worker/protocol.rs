//! The worker's protocol: tickets, the context every request carries and every answer
//! returns, the jobs, and the answers' bodies, each saying what it carries (a count's
//! progress is a [`Progress::Count`], never a pair of numbers read by the ticket's kind).

use std::sync::Arc;
use std::time::Duration;

use crate::inspector::analysis::diff::browse::DiffReport;
use crate::inspector::analysis::history::KeyHistory;
use crate::inspector::analysis::keyspace::{Breakdown, Grouping};
use crate::inspector::analysis::recent::{LogReport, WalReport};
use crate::inspector::analysis::stats::DbStats;
use crate::inspector::analysis::tombstones::Tombstones;
use crate::inspector::analysis::usage::Usage;
use crate::inspector::error::InspectError;
use crate::inspector::formats::options_file::OptionsReport;
use crate::inspector::source::{Anchor, Bounds, Entry, Page, SstSummary};
use crate::inspector::spear::events::{EventRecord, StreamGaps, StreamKind, StreamSummary};
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::write::edit::{Edit, EditOutcome};
use crate::storage::etcd::ClusterStatus;

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
    /// Event stream listings.
    Streams,
    /// Pages of one event stream.
    Events,
    /// One stream's missing numbers and what the WAL knows of them.
    Gaps,
    /// The options in effect.
    Options,
    /// The info LOG.
    Log,
    /// The WAL files.
    Wal,
    /// One key's history.
    History,
    /// One read explained.
    Explain,
    /// A comparison with another database.
    Diff,
    /// Disk usage by file kind.
    Usage,
    /// The key space by prefix.
    Keyspace,
    /// Tombstone counts and skip scans.
    Tombstones,
    /// Every file's checksums.
    Verify,
    /// The LSM by prefix.
    Lsm,
    /// The write-stall verdict.
    Stall,
    /// Who is writing (every WAL batch tallied).
    Writes,
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

/// What a filter tests each pair for.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterTest {
    /// The key contains these bytes.
    Contains(Vec<u8>),
    /// A field of the pair as its decoder rule reads it (`status == "Unhealthy"`).
    Field {
        /// The rules.
        decoders: std::sync::Arc<crate::inspector::decoders::Decoders>,
        /// The test (boxed: every request carries a job, most without one).
        query: Box<crate::inspector::decoders::query::FieldQuery>,
    },
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
    /// Keys inside the bounds that pass `test`, streamed as found, at most `cap` kept;
    /// the scan runs to the end to count every match.
    Filter {
        /// A substring of the key, or a decoded field's test.
        test: FilterTest,
        /// Matches sent at most.
        cap: usize,
    },
    /// An exact count of the keys inside the bounds (only those containing `contains`,
    /// when given), with progress. Its answer's `scanned` is every key walked.
    Count {
        /// The substring a key must contain to be counted.
        contains: Option<Vec<u8>>,
    },
    /// Catch up with the primary and re-read the key estimate.
    Refresh,
    /// Database statistics.
    Stats,
    /// Both registries (`node:*`, `resource:*`), decoded.
    Registry,
    /// Every event stream of every column family, with counters and counts.
    Streams,
    /// A page of one stream's events, newest first, decoded; the stream is in the
    /// context's column family.
    Events {
        /// Which bus.
        kind: StreamKind,
        /// The stream.
        stream: String,
        /// Events skipped from the newest.
        offset: usize,
        /// Events at most.
        limit: usize,
    },
    /// The missing numbers of one stream (in the context's column family) and what the
    /// live WAL files know of them: reads every live WAL file, so it is asked for when a
    /// stream is selected or on a refresh, never periodically.
    Gaps {
        /// Which bus.
        kind: StreamKind,
        /// The stream.
        stream: String,
        /// Its counter, when it has one.
        counter: Option<u64>,
    },
    /// The options in effect (the newest OPTIONS file against defaults and the previous).
    Options,
    /// The info LOG: the newest notable entries and the timeline.
    Log {
        /// Entries of each kind kept at most (the newest).
        keep: usize,
    },
    /// The open database compared with another.
    Diff {
        /// The other database.
        other: std::path::PathBuf,
    },
    /// One key's history in the context's column family.
    History {
        /// The key.
        key: Vec<u8>,
    },
    /// A point read of one key in the context's column family, explained.
    Explain {
        /// A point read of a key, or a seek and a page of keys.
        read: crate::inspector::analysis::explain::Read,
    },
    /// The WAL files and their newest batches.
    Wal {
        /// Batches at most.
        limit: usize,
    },
    /// Every file of the database directory by kind.
    Usage,
    /// The key space by prefix below `grouping.within`, estimated or counted.
    Keyspace {
        /// How keys are grouped.
        grouping: Grouping,
        /// Count every key (with progress) instead of estimating.
        exact: bool,
    },
    /// Tombstones of the context's column family; with `scan`, a walk measuring the
    /// ranges reads skip (with progress).
    Tombstones {
        /// How skipped tombstones are attributed to prefixes.
        grouping: Grouping,
        /// Walk every key.
        scan: bool,
    },
    /// Every block of every live table and blob file, the MANIFEST and the WAL files,
    /// checked (with progress).
    Verify,
    /// The LSM by prefix: every live table of the context's column family read entry by
    /// entry (with progress), below `grouping.within`.
    Lsm {
        /// How keys are grouped.
        grouping: Grouping,
    },
    /// The write-stall verdict: conditions against the limits, the LOG's stalls.
    Stall,
    /// Who is writing: every batch of the WAL files tallied per column family, prefix
    /// (up to `:`) and key.
    Writes,
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
            Job::Count { .. } => Kind::Count,
            Job::Refresh => Kind::Refresh,
            Job::Stats => Kind::Stats,
            Job::Registry => Kind::Registry,
            Job::Streams => Kind::Streams,
            Job::Events { .. } => Kind::Events,
            Job::Gaps { .. } => Kind::Gaps,
            Job::Options => Kind::Options,
            Job::Log { .. } => Kind::Log,
            Job::History { .. } => Kind::History,
            Job::Explain { .. } => Kind::Explain,
            Job::Diff { .. } => Kind::Diff,
            Job::Wal { .. } => Kind::Wal,
            Job::Usage => Kind::Usage,
            Job::Keyspace { .. } => Kind::Keyspace,
            Job::Tombstones { .. } => Kind::Tombstones,
            Job::Verify => Kind::Verify,
            Job::Lsm { .. } => Kind::Lsm,
            Job::Stall => Kind::Stall,
            Job::Writes => Kind::Writes,
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
    /// The column family's SST files before.
    pub before: SstSummary,
    /// And after.
    pub after: SstSummary,
}

/// How far a long job has got, in that job's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A filter.
    Filter {
        /// Keys looked at so far.
        scanned: u64,
        /// Keys passing the filter so far.
        matched: u64,
        /// Keys a field filter could not test: no rule covers them or it does not
        /// decode them.
        undecoded: u64,
    },
    /// An exact count.
    Count {
        /// Keys walked so far.
        scanned: u64,
        /// Keys counted so far (under a "contains" filter, those containing the text).
        counted: u64,
    },
    /// The key space by prefix, estimated or counted.
    Keyspace {
        /// Keys read so far.
        read: u64,
    },
    /// The tombstones' skip scan.
    Tombstones {
        /// Keys read so far.
        read: u64,
    },
    /// The comparison with another database.
    Diff {
        /// Differences found so far.
        found: u64,
    },
    /// A check of every file's checksums.
    Verify {
        /// Bytes read so far.
        read: u64,
        /// Bytes to read.
        total: u64,
    },
    /// A read of the LSM by prefix.
    Lsm {
        /// Stored bytes read so far.
        read: u64,
        /// Stored bytes to read.
        total: u64,
    },
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
    /// How far a long job has got.
    Progress(Progress),
    /// A walk waited to keep its reads under `--io-limit` since its last progress.
    HeldBack,
    /// A substring filter finished.
    Filtered {
        /// Keys looked at.
        scanned: u64,
        /// Keys passing the filter.
        matched: u64,
        /// Keys a field filter could not test (see [`Progress::Filter`]).
        undecoded: u64,
    },
    /// An exact count finished.
    Counted {
        /// Every key walked inside the bounds.
        scanned: u64,
        /// The keys counted: all of them, or those containing the text asked for.
        counted: u64,
    },
    /// RocksDB's estimate of the keys in the column family, after catching up (an etcd
    /// cluster's count, which is exact).
    Refreshed {
        /// The estimate.
        estimate: u64,
        /// It is an exact count (etcd counts a range itself).
        exact: bool,
    },
    /// Statistics.
    Stats(Box<DbStats>),
    /// An etcd cluster's own figures, in place of RocksDB's statistics.
    Cluster(Box<ClusterStatus>),
    /// Both registries (shared: the screens that show them keep the same snapshot).
    Registry(Arc<RegistrySnapshot>),
    /// The event streams by their counters, before their events are counted.
    StreamsCounted(Vec<StreamSummary>),
    /// Every event stream, counted.
    Streams(Vec<StreamSummary>),
    /// A page of a stream's events.
    Events {
        /// Events the stream holds.
        total: usize,
        /// Events skipped from the newest.
        offset: usize,
        /// The page, newest first.
        records: Vec<EventRecord>,
    },
    /// A stream's gaps.
    Gaps(Box<StreamGaps>),
    /// The options in effect.
    Options(Box<OptionsReport>),
    /// The newest part of the info LOG, while the whole is read.
    LogPartial(Box<LogReport>),
    /// The info LOG.
    Log(Box<LogReport>),
    /// One key's history.
    History(Box<KeyHistory>),
    /// One read explained.
    Explained(Box<crate::inspector::analysis::explain::Explained>),
    /// A comparison with another database.
    Diff(Box<DiffReport>),
    /// The WAL files.
    Wal(Box<WalReport>),
    /// Disk usage.
    Usage(Box<Usage>),
    /// A key-space breakdown.
    Keyspace(Box<Breakdown>),
    /// Tombstones (with the skip scan when asked).
    Tombstones(Box<Tombstones>),
    /// The write-stall verdict.
    Stall(Box<crate::inspector::analysis::stall::StallReport>),
    /// Who is writing.
    Writes(Box<crate::inspector::analysis::writes::WritesReport>),
    /// What a check of every file's checksums found.
    Verified(Box<crate::inspector::analysis::verify::VerifyReport>),
    /// The LSM by prefix.
    Lsm(Box<crate::inspector::analysis::lsm::LsmReport>),
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
        !matches!(
            self,
            Body::Matches(_)
                | Body::Progress(_)
                | Body::HeldBack
                | Body::StreamsCounted(_)
                | Body::LogPartial(_)
        )
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
