//! Who is writing, and what: every batch of the WAL files (live and archived) tallied per
//! column family and key prefix (puts, deletes, merges, range deletions, bytes), the
//! hottest keys, and rates over the time the WALs span. Reads files RocksDB only appends
//! to, so it is safe beside a live writer; memory is bounded by the number of prefixes
//! and keys it keeps, not by the WALs' size.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::formats::wal::{WalOpKind, WalReader, wal_files};

/// Prefixes kept per column family; writes to further prefixes are counted as "(other
/// prefixes)".
pub const MAX_PREFIXES: usize = 10_000;
/// The shortest span a rate is taken over.
pub const MIN_SPAN_SECONDS: f64 = 1.0;
/// Distinct keys counted for the hottest-keys list; later new keys are not tracked.
pub const MAX_TRACKED_KEYS: usize = 200_000;

/// How keys are grouped into prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixRule {
    /// Up to and including the first delimiter (`node:`); keys without it are grouped
    /// as "(no delimiter)".
    Delimiter(Vec<u8>),
    /// The first N bytes (binary keys).
    Length(usize),
}

impl PrefixRule {
    fn prefix_of<'k>(&self, key: &'k [u8]) -> Option<&'k [u8]> {
        match self {
            PrefixRule::Delimiter(d) => memchr::memmem::find(key, d).map(|at| &key[..at + d.len()]),
            PrefixRule::Length(n) => Some(&key[..key.len().min(*n)]),
        }
    }

    /// What the report says of the grouping.
    pub fn describe(&self) -> String {
        match self {
            PrefixRule::Delimiter(d) => format!("up to {:?}", String::from_utf8_lossy(d)),
            PrefixRule::Length(n) => format!("the first {n} bytes"),
        }
    }
}

/// Operations of one kind or another, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Every operation that changes a key.
    pub ops: u64,
    /// Key and value bytes of those operations.
    pub bytes: u64,
    /// Puts (blob index, entity and timed puts included).
    pub puts: u64,
    /// Deletes and single deletes.
    pub deletes: u64,
    /// Merge operands.
    pub merges: u64,
    /// Range deletions.
    pub range_deletes: u64,
}

impl Tally {
    fn add(&mut self, kind: WalOpKind, bytes: u64) {
        self.ops += 1;
        self.bytes += bytes;
        match kind {
            WalOpKind::Delete | WalOpKind::SingleDelete => self.deletes += 1,
            WalOpKind::Merge => self.merges += 1,
            WalOpKind::RangeDelete => self.range_deletes += 1,
            _ => self.puts += 1,
        }
    }
}

/// One prefix's writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixWrites {
    /// The column family, by name where the MANIFEST says.
    pub cf: String,
    /// The prefix, escaped where not printable.
    pub prefix: String,
    /// What was written under it.
    #[serde(flatten)]
    pub tally: Tally,
    /// Operations per second over the WALs' span, when the span is known.
    pub ops_per_second: Option<f64>,
}

/// A key written often.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotKey {
    /// The column family.
    pub cf: String,
    /// The key, escaped where not printable.
    pub key: String,
    /// Operations on it.
    pub ops: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WritesReport {
    /// WAL files read (archived ones included) and their bytes.
    pub wal_files: usize,
    /// Their total size.
    pub wal_bytes: u64,
    /// Write batches read.
    pub batches: u64,
    /// The first and last sequence numbers seen.
    pub sequences: Option<(u64, u64)>,
    /// Seconds from the oldest WAL file's creation to the newest one's last write, when
    /// the file system keeps creation times.
    pub span_seconds: Option<f64>,
    /// How prefixes were cut.
    pub grouping: String,
    /// Every write.
    pub total: Tally,
    /// Per column family.
    pub per_cf: BTreeMap<String, Tally>,
    /// Per prefix, most operations first.
    pub per_prefix: Vec<PrefixWrites>,
    /// The most written keys, most first.
    pub hottest: Vec<HotKey>,
    /// Some prefixes or keys were beyond the caps (their writes are in the totals).
    pub capped: bool,
    /// WAL files whose end was torn or damaged (read up to the damage).
    pub damaged: Vec<String>,
    /// Sequence numbers missing between one batch and the next (writes in a damaged or
    /// missing stretch of the WALs, never counted above).
    pub missing_sequences: u64,
}

/// Reads every WAL of `db` (in its `wal_dir` when the service keeps them apart, the
/// archived ones too) and tallies its writes; the `top` prefixes and hottest keys are
/// kept in the lists.
pub fn writes(db: &Path, rule: &PrefixRule, top: usize) -> Result<WritesReport, InspectError> {
    let wal_dir = super::recent::locations(db).wal_dir;
    let names = super::recent::cf_names(db);
    let cf_name = |id: u32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("cf {id}"))
    };
    let files = wal_files(&wal_dir).map_err(|e| {
        InspectError::wal(format!("listing the WAL files in {}", wal_dir.display()), e)
    })?;
    let mut report = WritesReport {
        wal_files: files.len(),
        wal_bytes: files.iter().map(|f| f.size).sum(),
        batches: 0,
        sequences: None,
        span_seconds: None,
        grouping: rule.describe(),
        total: Tally::default(),
        per_cf: BTreeMap::new(),
        per_prefix: Vec::new(),
        hottest: Vec::new(),
        capped: false,
        damaged: Vec::new(),
        missing_sequences: 0,
    };
    let mut next_expected: Option<u64> = None;
    let mut prefixes: HashMap<(u32, Vec<u8>), Tally> = HashMap::new();
    let mut per_cf: HashMap<u32, Tally> = HashMap::new();
    let mut keys: HashMap<(u32, Vec<u8>), u64> = HashMap::new();
    let (mut created, mut modified): (Option<SystemTime>, Option<SystemTime>) = (None, None);
    for file in &files {
        if let Ok(meta) = std::fs::metadata(&file.path) {
            if let Ok(at) = meta.created() {
                created = Some(created.map_or(at, |c| c.min(at)));
            }
            if let Ok(at) = meta.modified() {
                modified = Some(modified.map_or(at, |m| m.max(at)));
            }
        }
        let mut reader = WalReader::open_with_number(&file.path, file.number)
            .map_err(|e| InspectError::wal("opening a WAL file", e))?;
        for batch in reader.by_ref() {
            let batch = batch.map_err(|e| InspectError::wal("reading a WAL file", e))?;
            report.batches += 1;
            let last = batch.sequence + u64::from(batch.count.saturating_sub(1));
            if let Some(expected) = next_expected
                && batch.sequence > expected
            {
                report.missing_sequences += batch.sequence - expected;
            }
            next_expected = Some(next_expected.map_or(last + 1, |n| n.max(last + 1)));
            report.sequences = Some(match report.sequences {
                None => (batch.sequence, last),
                Some((first, newest)) => (first.min(batch.sequence), newest.max(last)),
            });
            for op in &batch.ops {
                if matches!(
                    op.kind,
                    WalOpKind::LogData
                        | WalOpKind::BeginPrepare
                        | WalOpKind::BeginPersistedPrepare
                        | WalOpKind::BeginUnprepare
                        | WalOpKind::EndPrepare
                        | WalOpKind::Commit
                        | WalOpKind::CommitWithTimestamp
                        | WalOpKind::Rollback
                        | WalOpKind::Noop
                ) {
                    continue;
                }
                let bytes = (op.key.len() + op.value.len()) as u64;
                report.total.add(op.kind, bytes);
                per_cf.entry(op.cf).or_default().add(op.kind, bytes);
                let prefix = rule.prefix_of(&op.key).map(<[u8]>::to_vec);
                let group = match prefix {
                    Some(p)
                        if prefixes.len() < MAX_PREFIXES
                            || prefixes.contains_key(&(op.cf, p.clone())) =>
                    {
                        p
                    }
                    Some(_) => {
                        report.capped = true;
                        b"(other prefixes)".to_vec()
                    }
                    None => b"(no delimiter)".to_vec(),
                };
                prefixes
                    .entry((op.cf, group))
                    .or_default()
                    .add(op.kind, bytes);
                let key = (op.cf, op.key.clone());
                if let Some(n) = keys.get_mut(&key) {
                    *n += 1;
                } else if keys.len() < MAX_TRACKED_KEYS {
                    keys.insert(key, 1);
                } else {
                    report.capped = true;
                }
            }
        }
        if let Some(crate::inspector::formats::wal::WalTail::Torn { offset, reason }) =
            reader.tail()
        {
            report.damaged.push(format!(
                "{}: torn at {offset}: {reason}",
                file.path.display()
            ));
        }
        for damage in reader.corruptions() {
            report.damaged.push(format!(
                "{}: {} bytes skipped at {}: {}",
                file.path.display(),
                damage.skipped_bytes,
                damage.offset,
                damage.reason
            ));
        }
    }
    report.span_seconds = created
        .zip(modified)
        .and_then(|(from, to)| to.duration_since(from).ok())
        .map(|d| d.as_secs_f64())
        // Under a second (a copy's fresh files, one write) is no span to take a rate over.
        .filter(|s| *s >= MIN_SPAN_SECONDS);
    report.per_cf = per_cf.into_iter().map(|(id, t)| (cf_name(id), t)).collect();
    let mut rows: Vec<_> = prefixes.into_iter().collect();
    rows.sort_by(|a, b| b.1.ops.cmp(&a.1.ops).then_with(|| a.0.cmp(&b.0)));
    report.per_prefix = rows
        .into_iter()
        .take(top)
        .map(|((cf, prefix), tally)| PrefixWrites {
            cf: cf_name(cf),
            prefix: escape_key(&prefix),
            tally,
            ops_per_second: report.span_seconds.map(|s| tally.ops as f64 / s),
        })
        .collect();
    let mut hot: Vec<_> = keys.into_iter().filter(|(_, n)| *n > 1).collect();
    hot.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    report.hottest = hot
        .into_iter()
        .take(top)
        .map(|((cf, key), ops)| HotKey {
            cf: cf_name(cf),
            key: escape_key(&key),
            ops,
        })
        .collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_by_delimiter_or_length() {
        let colon = PrefixRule::Delimiter(b":".to_vec());
        assert_eq!(colon.prefix_of(b"node:1"), Some(&b"node:"[..]));
        assert_eq!(colon.prefix_of(b"plain"), None);
        let four = PrefixRule::Length(4);
        assert_eq!(
            four.prefix_of(b"\x00\x01\x02\x03\x04"),
            Some(&b"\x00\x01\x02\x03"[..])
        );
        assert_eq!(four.prefix_of(b"ab"), Some(&b"ab"[..]));
    }

    #[test]
    fn each_kind_is_counted_once() {
        let mut tally = Tally::default();
        for kind in [
            WalOpKind::Put,
            WalOpKind::Delete,
            WalOpKind::SingleDelete,
            WalOpKind::Merge,
            WalOpKind::RangeDelete,
            WalOpKind::PutBlobIndex,
        ] {
            tally.add(kind, 10);
        }
        assert_eq!(
            (
                tally.ops,
                tally.bytes,
                tally.puts,
                tally.deletes,
                tally.merges,
                tally.range_deletes
            ),
            (6, 60, 2, 2, 1, 1)
        );
    }
}
