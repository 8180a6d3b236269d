//! Walks on every core: the bounds cut into parts of about equal size (`split`), each
//! part walked by its own iterator on a thread made for the walk
//! (lowered to the walk priority, charged to `--io-limit`), the results handed back in
//! key order so a caller can fold them exactly as one walk would have.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Bounds, Source, yielding};
use crate::inspector::error::InspectError;
use crate::storage::rocksdb::{Db, backend_error};

/// Parts per thread: more parts than threads lets a thread that drew a short part take
/// another, so one part's misjudged size does not leave a core idle at the end.
const PARTS_PER_THREAD: usize = 4;
/// Keys a walker reads between looking at the stop flag and reporting its count.
const CHECK_EVERY: u64 = 4096;
/// How often the calling thread reports progress and asks whether to stop.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// How a parallel walk reports and hears "stop" (both on the calling thread).
pub struct Watch<'a> {
    /// Keys read so far over all parts.
    pub progress: &'a mut dyn FnMut(u64),
    /// Whether to stop.
    pub cancelled: &'a dyn Fn() -> bool,
}

/// What each part's walk gave back, in key order.
pub struct Walked<A> {
    /// Each part's accumulator, first part first.
    pub parts: Vec<A>,
    /// Pairs read over all parts.
    pub read: u64,
}

/// The threads a walk may use: `--threads`, else the cores this process may run on
/// (`taskset` respected).
pub fn walk_threads() -> usize {
    yielding::settings()
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

impl Source {
    /// Walks `bounds` of `cf` on [`walk_threads`] threads: each part gets a fresh
    /// accumulator from `start` and every pair of the part through `visit`, in key order
    /// within the part. `None` when `watch` said stop. Blocks are not cached (a walk reads
    /// once and must not evict the service's hot blocks).
    pub fn walk_parallel<A, S, V>(
        &self,
        cf: &str,
        bounds: &Bounds,
        start: S,
        visit: V,
        watch: Watch<'_>,
    ) -> Result<Option<Walked<A>>, InspectError>
    where
        A: Send,
        S: Fn() -> A + Sync,
        V: Fn(&mut A, &[u8], &[u8]) + Sync,
    {
        self.walk_parallel_finishing(cf, bounds, start, visit, |_| {}, watch)
    }

    /// [`Self::walk_parallel`], with `finish` called on each part's accumulator on its
    /// walk thread once the part's iterator has reached its end (for what only the end of
    /// a part knows, such as thread-local counters read after the last step).
    pub fn walk_parallel_finishing<A, S, V, F>(
        &self,
        cf: &str,
        bounds: &Bounds,
        start: S,
        visit: V,
        finish: F,
        watch: Watch<'_>,
    ) -> Result<Option<Walked<A>>, InspectError>
    where
        A: Send,
        S: Fn() -> A + Sync,
        V: Fn(&mut A, &[u8], &[u8]) + Sync,
        F: Fn(&mut A) + Sync,
    {
        if self.cluster().is_some() {
            return self.walk_one(cf, bounds, start, visit, finish, watch);
        }
        let threads = walk_threads();
        // One thread walks the bounds whole: cutting them would only cost seeks.
        let parts = if threads == 1 {
            vec![bounds.clone()]
        } else {
            self.split(cf, bounds, threads * PARTS_PER_THREAD)?
        };
        self.walk_parts(cf, &parts, threads, start, visit, finish, watch)
    }

    /// An iterator over one part of a walk, at its first key: blocks not cached (a walk
    /// reads once and must not evict the service's hot blocks), read ahead.
    pub(super) fn part_iterator<'a>(
        db: &'a Db,
        handle: &Arc<rocksdb::BoundColumnFamily<'a>>,
        part: &Bounds,
    ) -> rocksdb::DBRawIteratorWithThreadMode<'a, Db> {
        let mut options = part.read_options();
        options.fill_cache(false);
        options.set_readahead_size(2 * 1024 * 1024);
        let mut it = db.raw_iterator_cf_opt(handle, options);
        match &part.lower {
            Some(l) => it.seek(l),
            None => it.seek_to_first(),
        }
        it
    }

    /// Walks `parts` (in key order) on `threads` threads; see [`Self::walk_parallel`].
    /// One thread walks the parts one after the other, still lowered and charged.
    #[allow(clippy::too_many_arguments)] // each is one of the walk's parts
    pub fn walk_parts<A, S, V, F>(
        &self,
        cf: &str,
        parts: &[Bounds],
        threads: usize,
        start: S,
        visit: V,
        finish: F,
        watch: Watch<'_>,
    ) -> Result<Option<Walked<A>>, InspectError>
    where
        A: Send,
        S: Fn() -> A + Sync,
        V: Fn(&mut A, &[u8], &[u8]) + Sync,
        F: Fn(&mut A) + Sync,
    {
        self.check_reads()?;
        let handle = self.cf(cf)?;
        let db = self.db()?;
        let next_part = AtomicUsize::new(0);
        let read = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let results: Mutex<Vec<Option<A>>> =
            Mutex::new(std::iter::repeat_with(|| None).take(parts.len()).collect());
        let failure: Mutex<Option<rocksdb::Error>> = Mutex::new(None);
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let Watch {
            progress,
            cancelled,
        } = watch;
        std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, parts.len().max(1)) {
                let done = done_tx.clone();
                let (handle, next_part, read, stop) = (&handle, &next_part, &read, &stop);
                let (results, failure, start, visit) = (&results, &failure, &start, &visit);
                let finish = &finish;
                scope.spawn(move || {
                    yielding::lower_this_thread();
                    loop {
                        let i = next_part.fetch_add(1, Ordering::Relaxed);
                        let Some(part) = parts.get(i) else { break };
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let mut acc = start();
                        let (mut n, mut bytes) = (0u64, 0u64);
                        let mut it = Self::part_iterator(db, handle, part);
                        while let (Some(k), Some(v)) = (it.key(), it.value()) {
                            visit(&mut acc, k, v);
                            n += 1;
                            bytes += (k.len() + v.len()) as u64;
                            if n.is_multiple_of(CHECK_EVERY) {
                                read.fetch_add(CHECK_EVERY, Ordering::Relaxed);
                                yielding::charge(std::mem::take(&mut bytes));
                                if stop.load(Ordering::Relaxed) {
                                    break;
                                }
                            }
                            it.next();
                        }
                        finish(&mut acc);
                        read.fetch_add(n % CHECK_EVERY, Ordering::Relaxed);
                        yielding::charge(bytes);
                        if let Err(e) = it.status() {
                            failure
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                        results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(acc);
                    }
                    let _ = done.send(());
                });
            }
            drop(done_tx);
            // The calling thread reports and listens until every walker has finished.
            loop {
                match done_rx.recv_timeout(REPORT_EVERY) {
                    Ok(()) => {}
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                if !stop.load(Ordering::Relaxed) {
                    progress(read.load(Ordering::Relaxed));
                    if cancelled() {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        });
        if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(backend_error(e).into());
        }
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        if stop.load(Ordering::Relaxed) || results.iter().any(Option::is_none) {
            return Ok(None);
        }
        Ok(Some(Walked {
            parts: results.into_iter().flatten().collect(),
            read: read.into_inner(),
        }))
    }

    /// [`Self::walk_parallel_finishing`] as one walk on the calling thread, one part (an
    /// etcd cluster: its ranges are read page by page at one revision).
    fn walk_one<A, S, V, F>(
        &self,
        cf: &str,
        bounds: &Bounds,
        start: S,
        visit: V,
        finish: F,
        watch: Watch<'_>,
    ) -> Result<Option<Walked<A>>, InspectError>
    where
        S: Fn() -> A,
        V: Fn(&mut A, &[u8], &[u8]),
        F: Fn(&mut A),
    {
        let Watch {
            progress,
            cancelled,
        } = watch;
        let mut acc = start();
        let (mut read, mut stopped) = (0u64, false);
        let mut reported = std::time::Instant::now();
        self.for_each(cf, bounds, None, |k, v| {
            visit(&mut acc, k, v);
            read += 1;
            if reported.elapsed() >= REPORT_EVERY {
                reported = std::time::Instant::now();
                progress(read);
                stopped = cancelled();
            }
            !stopped
        })?;
        if stopped {
            return Ok(None);
        }
        finish(&mut acc);
        Ok(Some(Walked {
            parts: vec![acc],
            read,
        }))
    }
}
