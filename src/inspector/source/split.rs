//! Cutting a key range into parts of about equal size for a walk on every core, without
//! reading the keys: candidate cut keys spread between the range's first and last key,
//! weighed by RocksDB's approximate sizes, cut finer where the data is.

use super::{Bounds, Source};
use crate::inspector::error::InspectError;
use crate::storage::rocksdb::backend_error;

/// Candidate cut keys weighed before choosing the parts' boundaries.
const CANDIDATES: usize = 64;
/// Rounds of cutting heavy segments finer.
const REFINEMENTS: usize = 3;

impl Source {
    /// Cuts `bounds` of `cf` into at most `parts` ranges of about equal on-disk size.
    /// Candidate cuts are spread evenly between the first and last key (read as numbers
    /// past their common prefix: SST file boundaries do not split overlapping L0 files or
    /// the memtables), weighed by RocksDB's approximate sizes (evenly where those see
    /// nothing, as for data still in the memtables). Only the cut keys depend on these
    /// guesses; the parts always cover the bounds exactly.
    pub fn split(
        &self,
        cf: &str,
        bounds: &Bounds,
        parts: usize,
    ) -> Result<Vec<Bounds>, InspectError> {
        self.check_reads()?;
        let handle = self.cf(cf)?;
        let mut it = self
            .db()?
            .raw_iterator_cf_opt(&handle, bounds.read_options());
        it.seek_to_first();
        let first = it.key().map(<[u8]>::to_vec);
        it.seek_to_last();
        let last = it.key().map(<[u8]>::to_vec);
        it.status().map_err(backend_error)?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(vec![bounds.clone()]);
        };
        if parts < 2 || first >= last {
            return Ok(vec![bounds.clone()]);
        }
        // Segments between candidate cuts with their weights; a segment heavier than half
        // a part's share is cut again between its ends (key ranges full of data between
        // empty ones, as prefixes are, need finer cuts than an even spread gives).
        let mut edges = vec![first.clone()];
        edges.extend(spread(&first, &last, CANDIDATES));
        edges.push(last);
        let mut weights = self.segment_sizes(cf, &edges)?;
        for _ in 0..REFINEMENTS {
            let total: u64 = weights.iter().sum();
            let heavy = |w: u64| w * parts as u64 * 2 > total;
            if total == 0 || !weights.iter().any(|&w| heavy(w)) {
                break;
            }
            let mut finer = vec![edges[0].clone()];
            for (pair, &weight) in edges.windows(2).zip(&weights) {
                // Spread between the segment's own first and last keys: its data may
                // fill a sliver of it (`events:0…` between `eu` and `ew`).
                if heavy(weight) {
                    it.seek(&pair[0]);
                    let inner_first = it.key().map(<[u8]>::to_vec);
                    it.seek_for_prev(&pair[1]);
                    if it.key() == Some(pair[1].as_slice()) {
                        it.prev();
                    }
                    let inner_last = it.key().map(<[u8]>::to_vec);
                    if let (Some(a), Some(b)) = (inner_first, inner_last)
                        && pair[0] <= a
                        && a < b
                        && b < pair[1]
                    {
                        if a > pair[0] {
                            finer.push(a.clone());
                        }
                        finer.extend(spread(&a, &b, CANDIDATES / 4));
                    }
                }
                finer.push(pair[1].clone());
            }
            it.status().map_err(backend_error)?;
            if finer.len() == edges.len() {
                break;
            }
            edges = finer;
            weights = self.segment_sizes(cf, &edges)?;
        }
        if weights.iter().all(|&w| w == 0) {
            weights = vec![1; weights.len()];
        }
        let total: u64 = weights.iter().sum();
        let mut cuts: Vec<Vec<u8>> = Vec::new();
        let (mut before, mut next_share) = (0u64, 1u64);
        // Each segment's end is a candidate cut, but the last (the last key) is not.
        for (cut, weight) in edges[1..edges.len() - 1].iter().zip(&weights) {
            before += weight;
            if before * parts as u64 >= total * next_share {
                if bounds.contains(cut) && bounds.lower.as_ref() != Some(cut) {
                    cuts.push(cut.clone());
                }
                while before * parts as u64 >= total * next_share {
                    next_share += 1;
                }
            }
        }
        cuts.dedup();
        let mut ranges = Vec::with_capacity(cuts.len() + 1);
        let mut lower = bounds.lower.clone();
        for cut in cuts {
            ranges.push(Bounds {
                lower,
                upper: Some(cut.clone()),
            });
            lower = Some(cut);
        }
        ranges.push(Bounds {
            lower,
            upper: bounds.upper.clone(),
        });
        Ok(ranges)
    }

    /// RocksDB's approximate on-disk bytes between each pair of neighbouring `edges`.
    fn segment_sizes(&self, cf: &str, edges: &[Vec<u8>]) -> Result<Vec<u64>, InspectError> {
        let segments: Vec<(Vec<u8>, Vec<u8>)> = edges
            .windows(2)
            .map(|w| (w[0].clone(), w[1].clone()))
            .collect();
        self.approximate_sizes(cf, &segments)
    }
}

/// `n` keys spread evenly, in ascending order, strictly between `first` and `last`
/// (`first < last`): each is the shared prefix and 16 bytes read as a number between the
/// two keys' numbers. Fewer when the keys are too close to hold `n` between them.
fn spread(first: &[u8], last: &[u8], n: usize) -> Vec<Vec<u8>> {
    let common = first.iter().zip(last).take_while(|(a, b)| a == b).count();
    let number = |key: &[u8]| {
        let mut bytes = [0u8; 16];
        for (to, from) in bytes.iter_mut().zip(key.iter().skip(common)) {
            *to = *from;
        }
        u128::from_be_bytes(bytes)
    };
    let (low, high) = (number(first), number(last));
    let step = (high - low) / (n as u128 + 1);
    let mut keys: Vec<Vec<u8>> = (1..=n as u128)
        .map(|i| {
            let mut key = first[..common].to_vec();
            key.extend_from_slice(&(low + step * i).to_be_bytes());
            key
        })
        .filter(|key| key.as_slice() > first && key.as_slice() < last)
        .collect();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_keys_lie_strictly_between_in_order() {
        for (first, last) in [
            (&b"node:a"[..], &b"node:z"[..]),
            (b"\x00", b"\xff\xff"),
            (b"k0001", b"k0002"),
            (b"a", b"a\x00"),
        ] {
            let keys = spread(first, last, 64);
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{first:?}..{last:?}");
            assert!(
                keys.iter()
                    .all(|k| k.as_slice() > first && k.as_slice() < last)
            );
        }
        assert_eq!(spread(b"node:a", b"node:z", 64).len(), 64);
        assert!(spread(b"node:a", b"node:z", 64)[0].starts_with(b"node:"));
    }
}
