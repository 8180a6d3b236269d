//! The Diff screen's comparison: the open database against another (a checkpoint, a copy,
//! a replica), every column family either has, walked in key order on every core: counts
//! per column family and the first differences with the head of each value, in bounded
//! memory.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::inspector::analysis::diff::{Change, DiffCounts, Difference, diff_cf};
use crate::inspector::error::InspectError;
use crate::inspector::source::yielding;
use crate::inspector::source::{Bounds, Source, walk_threads};

/// Parts per walk thread: a thread that drew a short part takes another.
const PARTS_PER_THREAD: usize = 4;
/// How often the calling thread reports progress and asks whether to stop.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Differences kept for browsing; the counts cover every one.
pub const ROWS_KEPT: usize = 5_000;
/// Bytes of each value kept for the detail pane.
pub const VALUE_HEAD: usize = 256;

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    /// The column family.
    pub cf: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The key.
    pub key: Vec<u8>,
    /// In the open database (A): the head of the value and its size.
    pub old: Option<(Vec<u8>, usize)>,
    /// In the other (B): the head of the value and its size.
    pub new: Option<(Vec<u8>, usize)>,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffReport {
    /// The other database.
    pub other: String,
    /// Counts per column family (every column family either has).
    pub per_cf: Vec<(String, DiffCounts)>,
    /// The first [`ROWS_KEPT`] differences, in column family then key order.
    pub rows: Vec<DiffRow>,
}

impl DiffReport {
    /// Differences in all.
    pub fn total(&self) -> u64 {
        self.per_cf
            .iter()
            .map(|(_, c)| c.added + c.removed + c.changed)
            .sum()
    }
}

/// Compares `a` with the database at `other` (opened read-only, or as a secondary if
/// its service holds it). `progress` hears how many differences were found so far;
/// `cancelled` is asked about every 100 ms (`Ok(None)` when it says stop).
pub fn compare(
    a: &Source,
    other: &Path,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<DiffReport>, InspectError> {
    let b = Source::open(other, false)?;
    let report = compare_sources(a, &b, walk_threads(), cancelled, progress)?;
    Ok(report.map(|mut report| {
        report.other = other.display().to_string();
        report
    }))
}

/// [`compare`] of two open sources on `threads` walk threads: each column family's key
/// range is cut into parts by `a`'s data (the parts cover it exactly, so `b`'s keys
/// outside `a`'s are compared too), each part compared by its own pair of cursors on a
/// lowered walk thread, and the parts folded back in key order: counts summed, the first
/// [`ROWS_KEPT`] differences kept (each part keeps at most that many, so memory stays
/// at parts × [`ROWS_KEPT`] rows whatever the number of differences).
pub fn compare_sources(
    a: &Source,
    b: &Source,
    threads: usize,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<DiffReport>, InspectError> {
    let mut families: Vec<String> = a.column_families().to_vec();
    for cf in b.column_families() {
        if !families.contains(cf) {
            families.push(cf.clone());
        }
    }
    let mut report = DiffReport {
        other: b.path().display().to_string(),
        per_cf: Vec::new(),
        rows: Vec::new(),
    };
    let found = AtomicU64::new(0);
    for cf in families {
        // Cut by `a`'s data where it has the column family on RocksDB; one part else.
        let splittable = threads > 1 && a.cluster().is_none() && a.column_families().contains(&cf);
        let parts = if splittable {
            a.split(&cf, &Bounds::default(), threads * PARTS_PER_THREAD)?
        } else {
            vec![Bounds::default()]
        };
        let Some((counts, rows)) =
            compare_parts(a, b, &cf, &parts, threads, &found, cancelled, progress)?
        else {
            return Ok(None);
        };
        let room = ROWS_KEPT.saturating_sub(report.rows.len());
        report.rows.extend(rows.into_iter().take(room));
        report.per_cf.push((cf, counts));
    }
    Ok(Some(report))
}

/// What one part's comparison gave: its counts and its first differences.
type PartOutcome = Result<Option<(DiffCounts, Vec<DiffRow>)>, InspectError>;

/// Compares `parts` (in key order) of `cf` on `threads` threads; the calling thread
/// reports progress and hears "stop".
#[allow(clippy::too_many_arguments)]
fn compare_parts(
    a: &Source,
    b: &Source,
    cf: &str,
    parts: &[Bounds],
    threads: usize,
    found: &AtomicU64,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<(DiffCounts, Vec<DiffRow>)>, InspectError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<PartOutcome>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(parts.len()).collect());
    let (done_tx, done_rx) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, parts.len().max(1)) {
            let done = done_tx.clone();
            let (next, stop, results) = (&next, &stop, &results);
            scope.spawn(move || {
                yielding::lower_this_thread();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = parts.get(i) else { break };
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut rows = Vec::new();
                    let outcome =
                        diff_cf(a, b, cf, part, &|| stop.load(Ordering::Relaxed), &mut |d| {
                            found.fetch_add(1, Ordering::Relaxed);
                            if rows.len() < ROWS_KEPT {
                                rows.push(row(cf, &d));
                            }
                        });
                    let failed = outcome.is_err();
                    let outcome = outcome.map(|counts| counts.map(|c| (c, rows)));
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(outcome);
                    if failed {
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                }
                let _ = done.send(());
            });
        }
        drop(done_tx);
        loop {
            match done_rx.recv_timeout(REPORT_EVERY) {
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if !stop.load(Ordering::Relaxed) {
                progress(found.load(Ordering::Relaxed));
                if cancelled() {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    // A failed part fails the comparison: never report what it did not compare as equal.
    let mut folded = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Some(Err(e)) => return Err(e),
            Some(Ok(Some(part))) => folded.push(part),
            // Stopped before or during this part.
            Some(Ok(None)) | None => return Ok(None),
        }
    }
    let mut counts = DiffCounts::default();
    let mut rows = Vec::new();
    for (part, part_rows) in folded {
        counts.added += part.added;
        counts.removed += part.removed;
        counts.changed += part.changed;
        counts.same += part.same;
        let room = ROWS_KEPT.saturating_sub(rows.len());
        rows.extend(part_rows.into_iter().take(room));
    }
    Ok(Some((counts, rows)))
}

/// A difference as a row: its key and the heads of its values.
fn row(cf: &str, d: &Difference<'_>) -> DiffRow {
    let head = |v: &[u8]| (v[..v.len().min(VALUE_HEAD)].to_vec(), v.len());
    DiffRow {
        cf: cf.to_string(),
        change: d.change.clone(),
        key: d.key.to_vec(),
        old: d.old.map(head),
        new: d.new.map(head),
    }
}
