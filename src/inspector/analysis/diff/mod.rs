//! Two databases (or a database and a checkpoint of it) compared by walking both in key
//! order at once: added, removed and changed keys per column family, in constant memory.

pub mod browse;

use serde::Serialize;

use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source};

/// How a key differs from A to B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, with different values.
    Changed,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference<'a> {
    /// What changed.
    pub change: Change,
    /// The key.
    pub key: &'a [u8],
    /// Its value in A, if there.
    pub old: Option<&'a [u8]>,
    /// Its value in B, if there.
    pub new: Option<&'a [u8]>,
}

/// What one column family's comparison found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffCounts {
    /// Keys only in B.
    pub added: u64,
    /// Keys only in A.
    pub removed: u64,
    /// Keys in both with different values.
    pub changed: u64,
    /// Keys in both with equal values.
    pub same: u64,
}

impl DiffCounts {
    /// Whether anything differs.
    pub fn differ(&self) -> bool {
        self.added + self.removed + self.changed > 0
    }
}

/// Compares column family `cf` of `a` and `b` inside `bounds`, calling `on_difference`
/// for each difference in key order. A column family missing on one side counts as empty
/// there. `cancelled` is asked every 65,536 steps; `Ok(None)` when it said stop.
/// Blocking.
pub fn diff_cf(
    a: &Source,
    b: &Source,
    cf: &str,
    bounds: &Bounds,
    cancelled: &dyn Fn() -> bool,
    on_difference: &mut dyn FnMut(Difference<'_>),
) -> Result<Option<DiffCounts>, InspectError> {
    let has = |s: &Source| s.column_families().iter().any(|c| c == cf);
    let mut left = has(a).then(|| a.cursor(cf, bounds)).transpose()?;
    let mut right = has(b).then(|| b.cursor(cf, bounds)).transpose()?;
    let mut counts = DiffCounts::default();
    let mut steps = 0u64;
    loop {
        steps += 1;
        if steps.is_multiple_of(65_536) && cancelled() {
            return Ok(None);
        }
        let l = left.as_ref().and_then(|it| it.key().zip(it.value()));
        let r = right.as_ref().and_then(|it| it.key().zip(it.value()));
        let (step_left, step_right) = match (l, r) {
            (None, None) => break,
            (Some((key, old)), None) => {
                counts.removed += 1;
                on_difference(Difference {
                    change: Change::Removed,
                    key,
                    old: Some(old),
                    new: None,
                });
                (true, false)
            }
            (None, Some((key, new))) => {
                counts.added += 1;
                on_difference(Difference {
                    change: Change::Added,
                    key,
                    old: None,
                    new: Some(new),
                });
                (false, true)
            }
            (Some((lk, lv)), Some((rk, rv))) => match lk.cmp(rk) {
                std::cmp::Ordering::Less => {
                    counts.removed += 1;
                    on_difference(Difference {
                        change: Change::Removed,
                        key: lk,
                        old: Some(lv),
                        new: None,
                    });
                    (true, false)
                }
                std::cmp::Ordering::Greater => {
                    counts.added += 1;
                    on_difference(Difference {
                        change: Change::Added,
                        key: rk,
                        old: None,
                        new: Some(rv),
                    });
                    (false, true)
                }
                std::cmp::Ordering::Equal if lv == rv => {
                    counts.same += 1;
                    (true, true)
                }
                std::cmp::Ordering::Equal => {
                    counts.changed += 1;
                    on_difference(Difference {
                        change: Change::Changed,
                        key: lk,
                        old: Some(lv),
                        new: Some(rv),
                    });
                    (true, true)
                }
            },
        };
        if step_left && let Some(it) = left.as_mut() {
            it.next();
        }
        if step_right && let Some(it) = right.as_mut() {
            it.next();
        }
    }
    // An iterator that stopped on an error stopped early: never report that as "equal".
    for it in [left, right].into_iter().flatten() {
        it.status()?;
    }
    Ok(Some(counts))
}
