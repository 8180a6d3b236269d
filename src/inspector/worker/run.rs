//! Running one request on a blocking thread: the jobs themselves, with progress and
//! cancellation, and the CLI's streaming scan.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::protocol::{
    Body, Context, Event, Job, Maintenance, MaintenanceReport, Purpose, Request, Ticket,
};
use crate::inspector::analysis::stats::collect_stats;
use crate::inspector::analysis::{keyspace, tombstones};
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Entry, Pair, Source};
use crate::inspector::spear::events;
use crate::inspector::spear::records::read_registries;
use crate::inspector::write::edit::apply as apply_edit;

/// How often long jobs report progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Pairs per batch sent by scans.
const BATCH: usize = 1024;

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
            Job::Refresh | Job::Stats | Job::Registry | Job::Streams => true,
            Job::Events { offset, .. } => offset == 0,
            Job::Gaps { .. } => true,
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
            Job::Count { contains } => self.count(contains.as_deref())?,
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
            Job::Streams => {
                // The counters of every column family first (a screen shows them at once),
                // then the events counted.
                let mut early = Vec::new();
                let mut all = Vec::new();
                let cancelled = || self.token.is_cancelled();
                for cf in source.column_families() {
                    let mut counters_read = |partial: Vec<_>| {
                        if !partial.is_empty() {
                            early.extend(partial);
                            self.emit(Body::StreamsCounted(early.clone()));
                        }
                    };
                    match events::list_streams(source, cf, &cancelled, &mut counters_read)? {
                        Some(streams) => all.extend(streams),
                        None => return Ok(()),
                    }
                }
                self.emit(Body::Streams(all));
            }
            Job::Events {
                kind,
                stream,
                offset,
                limit,
            } => {
                let index = events::stream_index(source, cf, kind, &stream)?;
                let page: Vec<u64> = index.iter().skip(offset).take(limit).copied().collect();
                let records = events::read_events(source, cf, kind, &stream, &page)?;
                self.emit(Body::Events {
                    total: index.len(),
                    offset,
                    records,
                });
            }
            Job::Gaps {
                kind,
                stream,
                counter,
            } => {
                let cancelled = || self.token.is_cancelled();
                let index = events::stream_index(source, cf, kind, &stream)?;
                if let Some(gaps) =
                    events::stream_gaps(source, cf, kind, &stream, &index, counter, &cancelled)?
                {
                    self.emit(Body::Gaps(Box::new(gaps)));
                }
            }
            Job::Options => {
                let report = crate::inspector::formats::options_file::report(source.path())?;
                self.emit(Body::Options(Box::new(report)));
            }
            Job::Diff { other } => {
                let cancelled = || self.token.is_cancelled();
                let mut progress = |found| {
                    self.emit(Body::Progress {
                        scanned: found,
                        matched: found,
                    })
                };
                if let Some(report) = crate::inspector::analysis::diff::browse::compare(
                    source,
                    &other,
                    &cancelled,
                    &mut progress,
                )? {
                    self.emit(Body::Diff(Box::new(report)));
                }
            }
            Job::History { key } => {
                let history = crate::inspector::analysis::history::key_history(source, cf, &key)?;
                self.emit(Body::History(Box::new(history)));
            }
            Job::Log { keep } => {
                // A first screen from the newest 4 MiB, then the whole LOG's timeline (a
                // periodic re-read replaces what is on screen only once, when whole).
                if self.context.purpose != Purpose::Periodic
                    && let Some(tail) = crate::inspector::analysis::recent::read_log_tail(
                        source.path(),
                        4 * 1024 * 1024,
                        keep,
                    )?
                {
                    self.emit(Body::LogPartial(Box::new(tail)));
                }
                let report =
                    crate::inspector::analysis::recent::read_log_keeping(source.path(), keep)?;
                self.emit(Body::Log(Box::new(report)));
            }
            Job::Wal { limit } => {
                let report = crate::inspector::analysis::recent::read_wal(source.path(), limit)?;
                self.emit(Body::Wal(Box::new(report)));
            }
            Job::Usage => {
                let usage = crate::inspector::analysis::usage::usage(source)?;
                self.emit(Body::Usage(Box::new(usage)));
            }
            Job::Keyspace { grouping, exact } => {
                let cancelled = || self.token.is_cancelled();
                let mut progress = |scanned| {
                    self.emit(Body::Progress {
                        scanned,
                        matched: 0,
                    })
                };
                let breakdown = if exact {
                    keyspace::exact(source, cf, &grouping, 20, &cancelled, &mut progress)?
                } else {
                    keyspace::estimate(source, cf, &grouping, &cancelled, &mut progress)?
                };
                if let Some(breakdown) = breakdown {
                    self.emit(Body::Keyspace(Box::new(breakdown)));
                }
            }
            Job::Tombstones { grouping, scan } => {
                let mut report = tombstones::tombstones(source, cf)?;
                if scan {
                    let cancelled = || self.token.is_cancelled();
                    let mut progress = |scanned| {
                        self.emit(Body::Progress {
                            scanned,
                            matched: 0,
                        })
                    };
                    match tombstones::skip_scan(source, cf, &grouping, &cancelled, &mut progress)? {
                        Some(found) => report.scan = Some(found),
                        None => return Ok(()),
                    }
                }
                self.emit(Body::Tombstones(Box::new(report)));
            }
            Job::Maintain(job) => {
                let before = source.sst_summary(cf)?;
                let started = Instant::now();
                match job {
                    Maintenance::Compact => source.compact(cf, bounds),
                    Maintenance::Flush => source.flush(cf),
                }?;
                let elapsed = started.elapsed();
                let after = source.sst_summary(cf)?;
                self.always(Body::Maintained(MaintenanceReport {
                    job,
                    elapsed,
                    before,
                    after,
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

    fn count(&self, contains: Option<&[u8]>) -> Result<(), InspectError> {
        let finder = contains.map(memchr::memmem::Finder::new);
        let (mut scanned, mut matched) = (0u64, 0u64);
        let mut last_report = Instant::now();
        let mut stopped = false;
        self.source
            .for_each(&self.context.cf, &self.context.bounds, None, |key, _| {
                scanned += 1;
                if finder.as_ref().is_none_or(|f| f.find(key).is_some()) {
                    matched += 1;
                }
                if scanned.is_multiple_of(65536) {
                    if self.token.is_cancelled() {
                        stopped = true;
                        return false;
                    }
                    if last_report.elapsed() >= PROGRESS_EVERY {
                        last_report = Instant::now();
                        self.emit(Body::Progress { scanned, matched });
                    }
                }
                true
            })?;
        if !stopped {
            self.emit(Body::Done { scanned, matched });
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
