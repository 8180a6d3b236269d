//! The numbers a stream is missing, as ranges (never one entry per number), and what the
//! live WAL files know of them: written and then deleted, or nothing (never written, or
//! written and deleted before the oldest live WAL: the two cannot be told apart).

use serde::Serialize;

use super::{STREAM_CAP, StreamKind};
use crate::inspector::analysis::recent::{cf_names, live_wal_files};
use crate::inspector::error::InspectError;
use crate::inspector::formats::wal::{WalOpKind, WalReader, WalTail};
use crate::inspector::source::Source;
use crate::storage::rocksdb::prefix_successor;

/// Ranges listed at most (the newest); the rest are counted, not listed.
pub const MAX_GAPS: usize = 1_000;

/// Consecutive missing numbers, and what the WAL holds for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The lowest missing number.
    pub first: u64,
    /// The highest missing number.
    pub last: u64,
    /// Puts of these numbers' keys in the live WAL files.
    pub puts: u64,
    /// Deletions of them there.
    pub deletes: u64,
    /// The lowest and highest number the WAL has a put or deletion of.
    pub touched: Option<(u64, u64)>,
}

impl Gap {
    /// How many numbers are missing.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a gap holds at least one number.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The range as `first-last` (or one number).
    pub fn range(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}-{}", self.first, self.last)
        }
    }

    /// What the WAL knows, in a few words.
    pub fn wal_words(&self) -> String {
        match self.touched {
            None => "WAL: nothing".into(),
            Some((low, high)) => {
                let span = if low == high {
                    low.to_string()
                } else {
                    format!("{low}-{high}")
                };
                match (self.puts, self.deletes) {
                    (0, d) => format!("WAL: {span} deleted {d}×"),
                    (p, 0) => format!("WAL: {span} put {p}×, not deleted"),
                    (p, d) => format!("WAL: {span} put {p}×, deleted {d}×"),
                }
            }
        }
    }
}

/// What the live WAL files cover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WalCoverage {
    /// Live WAL files read.
    pub files: usize,
    /// The oldest sequence number they hold: anything older is flushed out of them.
    pub first_sequence: Option<u64>,
    /// Range deletions overlapping the stream's keys (not attributed to numbers).
    pub range_deletes: u64,
    /// Files whose end is torn or whose middle is damaged: something there is unread.
    pub damaged: Vec<String>,
    /// Why the WAL could not be read, if it could not.
    pub error: Option<String>,
}

/// A stream's missing numbers and what the WAL knows of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamGaps {
    /// The column family.
    pub cf: String,
    /// Which bus.
    pub kind: StreamKind,
    /// The stream.
    pub stream: String,
    /// The numbers that should be stored (the counter's newest `STREAM_CAP`), if any.
    pub expected: Option<(u64, u64)>,
    /// How many of them are missing.
    pub missing: u64,
    /// The missing ranges, newest first, at most `MAX_GAPS`.
    pub gaps: Vec<Gap>,
    /// Older ranges not listed.
    pub more_gaps: u64,
    /// What the WAL covers.
    pub wal: WalCoverage,
}

/// The numbers a stream should hold: up to its counter (or, without one, its newest
/// stored number), the newest `STREAM_CAP` of them.
pub fn expected_range(counter: Option<u64>, newest: Option<u64>) -> Option<(u64, u64)> {
    let high = counter.or(newest).filter(|h| *h > 0)?;
    Some((high.saturating_sub(STREAM_CAP - 1).max(1), high))
}

/// The missing ranges of `expected` given the stored numbers `index` (newest first):
/// at most `MAX_GAPS` ranges (the newest), the count of the rest, and the missing total.
pub fn find_gaps(index: &[u64], expected: (u64, u64)) -> (Vec<Gap>, u64, u64) {
    let (low, high) = expected;
    let mut gaps = Vec::new();
    let mut more = 0u64;
    let mut missing = 0u64;
    // The highest number not yet accounted for; `None` once below `low`.
    let mut next = Some(high);
    let mut push = |first: u64, last: u64| {
        missing += last - first + 1;
        if gaps.len() < MAX_GAPS {
            gaps.push(Gap {
                first,
                last,
                puts: 0,
                deletes: 0,
                touched: None,
            });
        } else {
            more += 1;
        }
    };
    for &seq in index {
        let Some(top) = next else { break };
        if seq > top {
            continue;
        }
        if seq < low {
            break;
        }
        if seq < top {
            push(seq + 1, top);
        }
        next = seq.checked_sub(1).filter(|n| *n >= low);
    }
    if let Some(top) = next {
        push(low, top);
    }
    (gaps, more, missing)
}

/// The stream's gaps from its stored numbers (`index`, newest first) and counter, with
/// what the live WAL files of `source` know of each. Reads every live WAL file once.
/// Blocking.
pub fn stream_gaps(
    source: &Source,
    cf: &str,
    kind: StreamKind,
    stream: &str,
    index: &[u64],
    counter: Option<u64>,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<StreamGaps>, InspectError> {
    let expected = expected_range(counter, index.first().copied());
    let (mut gaps, more_gaps, missing) = match expected {
        Some(range) => find_gaps(index, range),
        None => (Vec::new(), 0, 0),
    };
    let mut wal = WalCoverage::default();
    if !gaps.is_empty() && source.cluster().is_some() {
        wal.error = Some(
            "an etcd cluster has no WAL: a missing event's puts and deletes are in its key's history (h on Keys)"
                .to_string(),
        );
    } else if !gaps.is_empty() {
        match read_wal(source, cf, &kind.event_prefix(stream), &mut gaps, cancelled) {
            Ok(Some(coverage)) => wal = coverage,
            Ok(None) => return Ok(None),
            Err(e) => wal.error = Some(e),
        }
    }
    Ok(Some(StreamGaps {
        cf: cf.to_string(),
        kind,
        stream: stream.to_string(),
        expected,
        missing,
        gaps,
        more_gaps,
        wal,
    }))
}

/// Counts the WAL's puts and deletions of the gaps' keys (`gaps` newest first).
fn read_wal(
    source: &Source,
    cf: &str,
    prefix: &[u8],
    gaps: &mut [Gap],
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<WalCoverage>, String> {
    let cf_id = cf_names(source.path())
        .into_iter()
        .find(|(_, name)| name == cf)
        .map(|(id, _)| id)
        .ok_or_else(|| format!("the MANIFEST does not name column family {cf}"))?;
    let files = live_wal_files(source.path()).map_err(|e| e.to_string())?;
    let end = prefix_successor(prefix);
    let mut coverage = WalCoverage {
        files: files.len(),
        first_sequence: files.iter().filter_map(|f| f.first_sequence).min(),
        ..WalCoverage::default()
    };
    let mut batches = 0u64;
    for file in &files {
        let mut reader =
            WalReader::open_with_number(&file.path, file.number).map_err(|e| e.to_string())?;
        for batch in reader.by_ref() {
            let batch = batch.map_err(|e| e.to_string())?;
            batches += 1;
            if batches.is_multiple_of(4096) && cancelled() {
                return Ok(None);
            }
            for op in batch.ops.iter().filter(|op| op.cf == cf_id) {
                let put = match op.kind {
                    WalOpKind::Put
                    | WalOpKind::Merge
                    | WalOpKind::PutEntity
                    | WalOpKind::TimedPut
                    | WalOpKind::PutBlobIndex => true,
                    WalOpKind::Delete | WalOpKind::SingleDelete => false,
                    WalOpKind::RangeDelete => {
                        let overlaps = op.key.as_slice() < end.as_deref().unwrap_or(&[0xff; 64])
                            && op.value.as_slice() > prefix;
                        coverage.range_deletes += u64::from(overlaps);
                        continue;
                    }
                    _ => continue,
                };
                let Some(seq) = op
                    .key
                    .strip_prefix(prefix)
                    .filter(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_digit))
                    .and_then(|rest| std::str::from_utf8(rest).ok()?.parse::<u64>().ok())
                else {
                    continue;
                };
                // Newest first: the first gap whose lowest number is at most `seq`.
                let at = gaps.partition_point(|g| g.first > seq);
                if let Some(gap) = gaps.get_mut(at).filter(|g| seq <= g.last) {
                    if put {
                        gap.puts += 1;
                    } else {
                        gap.deletes += 1;
                    }
                    gap.touched = Some(
                        gap.touched
                            .map_or((seq, seq), |(low, high)| (low.min(seq), high.max(seq))),
                    );
                }
            }
        }
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if matches!(reader.tail(), Some(WalTail::Torn { .. })) || !reader.corruptions().is_empty() {
            coverage.damaged.push(name);
        }
    }
    Ok(Some(coverage))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(gaps: &[Gap]) -> Vec<(u64, u64)> {
        gaps.iter().map(|g| (g.first, g.last)).collect()
    }

    #[test]
    fn gaps_are_ranges_newest_first() {
        let index = [101, 100, 11, 10, 9, 3, 2, 1];
        let (gaps, more, missing) = find_gaps(&index, (1, 101));
        assert_eq!(ranges(&gaps), [(12, 99), (4, 8)]);
        assert_eq!((more, missing), (0, 93));
        // The counter ran ahead of the newest, and the oldest are gone.
        let (gaps, _, missing) = find_gaps(&[5, 4], (1, 7));
        assert_eq!(ranges(&gaps), [(6, 7), (1, 3)]);
        assert_eq!(missing, 5);
        // Numbers above the counter or below the window are not gaps.
        let (gaps, _, _) = find_gaps(&[12, 10, 3], (5, 10));
        assert_eq!(ranges(&gaps), [(5, 9)]);
        assert_eq!(find_gaps(&[3, 2, 1], (1, 3)).0, []);
        assert_eq!(ranges(&find_gaps(&[], (1, 4)).0), [(1, 4)]);
    }

    #[test]
    fn listing_is_bounded_and_the_window_follows_the_cap() {
        let index: Vec<u64> = (1..=5_000).rev().map(|n| n * 2).collect();
        let (gaps, more, missing) = find_gaps(&index, (1, 10_000));
        assert_eq!(gaps.len(), MAX_GAPS);
        assert_eq!(gaps.len() as u64 + more, 5_000);
        assert_eq!(missing, 5_000);
        assert_eq!(expected_range(Some(10_500), None), Some((501, 10_500)));
        assert_eq!(expected_range(Some(0), Some(3)), None);
        assert_eq!(expected_range(None, Some(3)), Some((1, 3)));
    }
}
