//! Running one request on a blocking thread: the job's context ([`Run`]), with the
//! progress and cancellation every long job shares, and the dispatch to the job's
//! function (in `jobs/`).

use tokio_util::sync::CancellationToken;

use super::protocol::{Body, Context, Event, Job, Progress, Purpose, Request, Ticket};
use crate::inspector::error::InspectError;
use crate::inspector::source::Source;
use crate::inspector::source::yielding::{self, on_walk_thread};

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

/// One request being run: what every job reads (the source, the request's column family
/// and bounds) and how it answers (events carrying the ticket and context, dropped once
/// the job is cancelled).
pub(super) struct Run<'a> {
    pub(super) source: &'a Source,
    emit: &'a (dyn Fn(Event) + Sync),
    token: &'a CancellationToken,
    ticket: Ticket,
    pub(super) context: &'a Context,
}

impl Run<'_> {
    /// The column family the request was made in.
    pub(super) fn cf(&self) -> &str {
        &self.context.cf
    }

    /// Sends `body` unless this job was cancelled.
    pub(super) fn emit(&self, body: Body) {
        if !self.cancelled() {
            self.always(body);
        }
    }

    /// Sends `body` whatever happened since: the outcome of a change is never dropped.
    pub(super) fn always(&self, body: Body) {
        (self.emit)(Event {
            ticket: self.ticket,
            context: self.context.clone(),
            body,
        });
    }

    /// Whether a newer request of this kind (or the UI leaving) stopped this job: a walk
    /// stops at its next check and sends nothing more.
    pub(super) fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Sends how far the job has got.
    pub(super) fn progress(&self, progress: Progress) {
        self.emit(Body::Progress(progress));
        if yielding::take_held_back() {
            self.emit(Body::HeldBack);
        }
    }

    /// [`Run::cancelled`] in the form the walks of `analysis` and `spear` ask it.
    pub(super) fn stop_check(&self) -> impl Fn() -> bool + '_ {
        || self.cancelled()
    }

    /// [`Run::progress`] in the form the walks of `analysis` report keys read to, each
    /// count made the walk's own progress by `walk` (e.g. `Progress::Keyspace`).
    pub(super) fn keys_read(&self, walk: fn(u64) -> Progress) -> impl FnMut(u64) + '_ {
        move |read| self.progress(walk(read))
    }

    fn execute(&self, job: Job) -> Result<(), InspectError> {
        if self.source.cluster().is_some()
            && let Some(what) = rocksdb_only(&job)
        {
            return Err(self.source.not_rocksdb(what));
        }
        if follows_primary(&job, self.context.purpose) {
            // A tick's catch-up replays everything the service wrote since the last one
            // into this process's memtables: it yields to the service as walks do. One the
            // user asked for (a key, a screen) runs at once.
            if self.context.purpose == Purpose::Periodic {
                on_walk_thread(|| self.source.catch_up())?;
            } else {
                self.source.catch_up()?;
            }
        }
        match job {
            Job::Page {
                anchor,
                limit,
                placement,
            } => self.page(&anchor, limit, placement),
            Job::Value { key, max_len } => self.value(key, max_len),
            Job::Filter { test, cap } => on_walk_thread(|| self.filter(&test, cap)),
            Job::Count { contains } => self.count(contains.as_deref()),
            Job::Refresh => self.refresh(),
            Job::Stats => self.stats(),
            Job::Registry => self.registry(),
            Job::Streams => self.streams(),
            Job::Events {
                kind,
                stream,
                offset,
                limit,
            } => self.events(kind, &stream, offset, limit),
            Job::Gaps {
                kind,
                stream,
                counter,
            } => self.gaps(kind, &stream, counter),
            Job::Options => self.options(),
            Job::Diff { other } => on_walk_thread(|| self.diff(&other)),
            Job::History { key } => self.history(&key),
            Job::Explain { read } => self.explain(&read),
            Job::Log { keep } => self.log(keep),
            Job::Wal { limit } => self.wal(limit),
            Job::Usage => self.usage(),
            Job::Keyspace { grouping, exact } => self.keyspace(&grouping, exact),
            Job::Verify => self.verify(),
            Job::Lsm { grouping } => on_walk_thread(|| self.lsm(&grouping)),
            Job::Stall => self.stall(),
            Job::Writes => self.writes(),
            Job::Tombstones { grouping, scan } => {
                on_walk_thread(|| self.tombstones(&grouping, scan))
            }
            Job::Maintain(job) => self.maintain(job),
            Job::Edit(edit) => self.edit(edit),
        }
    }
}

/// What `job` reads that only a RocksDB database has (its files, LOG, WAL, options,
/// levels), named for the error an etcd cluster answers with; `None` for the jobs that
/// run on both.
fn rocksdb_only(job: &Job) -> Option<&'static str> {
    match job {
        Job::Options => Some("the options page"),
        Job::Log { .. } => Some("the Log screen"),
        Job::Wal { .. } => Some("the WAL screen"),
        Job::Usage | Job::Keyspace { .. } => Some("the Disk screen"),
        Job::Tombstones { .. } => Some("counting tombstones"),
        Job::Verify => Some("verify"),
        Job::Lsm { .. } => Some("the LSM by prefix"),
        Job::Stall => Some("the write-stall page"),
        Job::Writes => Some("the writes page"),
        Job::Maintain(_) => Some("compaction and flush"),
        _ => None,
    }
}

/// Whether `job` reads the database's current state, so that on a secondary it first
/// follows the primary, whichever screen asked (a no-op on other opens).
fn follows_primary(job: &Job, purpose: Purpose) -> bool {
    match job {
        Job::Refresh | Job::Stats | Job::Registry | Job::Streams => true,
        Job::Events { offset, .. } => *offset == 0,
        Job::Gaps { .. } | Job::Stall => true,
        Job::Page { .. } => purpose == Purpose::Periodic,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::inspector::source::Source;

    /// A database of `keys` keys in the default column family.
    fn database(keys: u32) -> (tempfile::TempDir, Source) {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut opts = rocksdb::Options::default();
            opts.create_if_missing(true);
            let db = rocksdb::DB::open(&opts, dir.path()).unwrap();
            let mut batch = rocksdb::WriteBatch::default();
            for i in 0..keys {
                batch.put(format!("k{i:08}"), b"v");
            }
            db.write(batch).unwrap();
        }
        let source = Source::open(dir.path(), false).unwrap();
        (dir, source)
    }

    /// The bodies `job` answers with when its token is (or is not) cancelled first.
    fn answers(source: &Source, job: Job, cancelled: bool) -> Vec<Body> {
        let token = CancellationToken::new();
        if cancelled {
            token.cancel();
        }
        let bodies = Mutex::new(Vec::new());
        let request = Request::new(1, Context::cf("default"), job);
        run_request(source, request, &token, &|event| {
            bodies.lock().unwrap().push(event.body)
        });
        bodies.into_inner().unwrap()
    }

    /// A cancelled walk stops at its first check (past 65,536 keys) and sends nothing:
    /// no progress, no matches, no final answer.
    #[test]
    fn a_cancelled_walk_sends_nothing() {
        let (_dir, source) = database(70_000);
        let count = || Job::Count { contains: None };
        let filter = || Job::Filter {
            test: super::super::protocol::FilterTest::Contains(b"k".to_vec()),
            cap: 10,
        };
        assert!(answers(&source, count(), true).is_empty());
        assert!(answers(&source, filter(), true).is_empty());
        let done = answers(&source, count(), false);
        assert!(
            matches!(
                done.last(),
                Some(Body::Counted {
                    scanned: 70_000,
                    counted: 70_000
                })
            ),
            "{done:?}"
        );
    }
}
