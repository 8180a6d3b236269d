//! The Diff screen's comparison: the open database against another (a checkpoint, a copy,
//! a replica), every column family either has, walked in key order: counts per column
//! family and the first differences with the head of each value, in bounded memory.

use std::path::Path;

use crate::inspector::analysis::diff::{Change, DiffCounts, diff_cf};
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source};

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
/// `cancelled` is asked every 65,536 keys (`Ok(None)` when it says stop).
pub fn compare(
    a: &Source,
    other: &Path,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Option<DiffReport>, InspectError> {
    let b = Source::open(other, false)?;
    let mut families: Vec<String> = a.column_families().to_vec();
    for cf in b.column_families() {
        if !families.contains(cf) {
            families.push(cf.clone());
        }
    }
    let mut report = DiffReport {
        other: other.display().to_string(),
        per_cf: Vec::new(),
        rows: Vec::new(),
    };
    let head = |v: &[u8]| (v[..v.len().min(VALUE_HEAD)].to_vec(), v.len());
    let mut found = 0u64;
    for cf in families {
        let counts = diff_cf(a, &b, &cf, &Bounds::default(), cancelled, &mut |d| {
            found += 1;
            if found.is_multiple_of(4_096) {
                progress(found);
            }
            if report.rows.len() < ROWS_KEPT {
                report.rows.push(DiffRow {
                    cf: cf.clone(),
                    change: d.change,
                    key: d.key.to_vec(),
                    old: d.old.map(head),
                    new: d.new.map(head),
                });
            }
        })?;
        let Some(counts) = counts else {
            return Ok(None);
        };
        report.per_cf.push((cf, counts));
    }
    Ok(Some(report))
}
