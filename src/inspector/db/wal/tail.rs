//! Tail reader: the newest N batches, found by parsing blocks backwards from the end.
//!
//! Blocks always start with a record header, so each block parses on its own. Walking
//! from the last block towards the first, the fragments that open a block with
//! MIDDLE/LAST belong to a record whose FIRST lies in an earlier block; they are
//! carried over until that block is parsed. The walk stops as soon as N complete
//! batches are known, so the cost is O(N + size of those batches), not O(file size).

use std::fs::File;
use std::path::Path;

use super::physical::{BLOCK_SIZE, FragKind, ItemKind, LogRules, ParsedBlock, parse_block};
use super::{
    REASON_EOF_IN_FRAGMENT, REASON_NO_END, REASON_NO_START, WalBatch, WalError, WalTail,
    check_compression, io_err, make_batch, problem_tail, read_block, wal_number_from_path,
};

struct Frag {
    kind: FragKind,
    offset: u64,
    ldb_offset: u64,
    data: Vec<u8>,
}

/// A complete logical record found in the current window, oldest first.
struct Record {
    offset: u64,
    ldb_offset: u64,
    data: Vec<u8>,
}

/// Returns the newest `n` batches of the WAL file at `path`, newest first, and how the
/// file ends. Equivalent to the last `n` items of [`super::WalReader`], reversed, with
/// the same [`WalTail`] as long as the file has at most one damaged region (a damage
/// older than the returned batches is not looked for). A record among the newest `n`
/// whose WriteBatch does not decode fails the whole call with [`WalError::Batch`].
pub fn read_newest(path: &Path, n: usize) -> Result<(Vec<WalBatch>, WalTail), WalError> {
    read_newest_with_number(path, n, wal_number_from_path(path))
}

/// [`read_newest`] with an explicit WAL number (needed for recycled logs).
pub fn read_newest_with_number(
    path: &Path,
    n: usize,
    wal_number: u64,
) -> Result<(Vec<WalBatch>, WalTail), WalError> {
    let mut file = File::open(path).map_err(io_err(path))?;
    let size = file.metadata().map_err(io_err(path))?.len();
    if size == 0 {
        return Ok((Vec::new(), WalTail::Clean));
    }
    let block_count = size.div_ceil(BLOCK_SIZE as u64);
    let mut load = |b: u64, buf: &mut Vec<u8>| -> Result<ParsedBlock, WalError> {
        let off = b * BLOCK_SIZE as u64;
        read_block(&mut file, path, off, size, buf)?;
        Ok(parse_block(
            buf,
            off,
            wal_number,
            b + 1 == block_count,
            LogRules::Wal,
        ))
    };

    // A compressed WAL announces itself with a SetCompressionType record first.
    let mut buf = Vec::with_capacity(BLOCK_SIZE);
    {
        let first = load(0, &mut buf)?;
        if let Some(item) = first.items.first()
            && item.kind == ItemKind::SetCompression
        {
            check_compression(path, &buf[item.start..item.end])?;
        }
    }

    let mut b = block_count - 1;
    let mut cur_buf = Vec::with_capacity(BLOCK_SIZE);
    let mut cur = load(b, &mut cur_buf)?;
    let mut prev_buf = Vec::with_capacity(BLOCK_SIZE);
    let mut carry: Vec<Frag> = Vec::new();
    let mut out: Vec<WalBatch> = Vec::new();
    let mut tail = WalTail::Clean;
    let mut carry_reason = String::new();
    // What follows the current block when nothing is carried: EOF for the last block,
    // then whatever opened the newer block (a new record, or a damaged one).
    let mut next_reason = REASON_EOF_IN_FRAGMENT.to_string();
    let wal = wal_number;

    loop {
        // The previous block's trailer decides ldb's offset for records opening this block.
        let prev = if b > 0 {
            Some(load(b - 1, &mut prev_buf)?)
        } else {
            None
        };
        let prev_trailer = prev.as_ref().map_or(0, |p| p.trailer) as u64;

        // What follows the fragments of this window if a record is left unfinished.
        let mut end_reason = if carry.is_empty() {
            next_reason.clone()
        } else {
            carry_reason.clone()
        };
        if let Some((off, problem)) = &cur.problem {
            // The forward reader stops here: nothing after it is returned.
            out.clear();
            carry.clear();
            tail = problem_tail(*off, problem, None, LogRules::Wal);
            end_reason = problem.reason(LogRules::Wal);
        }

        let mut seq: Vec<Frag> = cur
            .items
            .iter()
            .filter_map(|it| match it.kind {
                ItemKind::Fragment(kind) => Some(Frag {
                    kind,
                    offset: it.offset,
                    ldb_offset: if it.first_in_block {
                        it.offset - prev_trailer
                    } else {
                        it.offset
                    },
                    data: cur_buf[it.start..it.end].to_vec(),
                }),
                _ => None,
            })
            .collect();
        next_reason = if seq.is_empty() {
            end_reason.clone()
        } else {
            REASON_NO_END.to_string()
        };
        seq.append(&mut carry);

        // Leading continuation fragments: MIDDLE* [LAST]. Their FIRST is in an earlier block.
        let mut head = 0;
        let mut head_complete = false;
        while head < seq.len() {
            match seq[head].kind {
                FragKind::Middle => head += 1,
                FragKind::Last => {
                    head += 1;
                    head_complete = true;
                    break;
                }
                _ => break,
            }
        }
        if head > 0 && !head_complete && head < seq.len() {
            // The continued record is interrupted by a new record: the forward reader
            // stops at the continued record's start, so what follows is dropped.
            out.clear();
            seq.truncate(head);
            end_reason = REASON_NO_END.to_string();
        }
        if head > 0 {
            if b == 0 {
                // Continuation fragments at the very start of the file.
                out.clear();
                tail = WalTail::Torn {
                    offset: seq[0].offset,
                    reason: REASON_NO_START.to_string(),
                };
                seq.clear();
            } else {
                carry = seq.drain(..head).collect();
                carry_reason = end_reason.clone();
            }
        }

        // Assemble the remaining fragments forward, as the forward reader would.
        let mut records: Vec<Record> = Vec::new();
        let mut pending: Option<Record> = None;
        let mut stopped = false;
        for f in seq {
            match f.kind {
                FragKind::Full | FragKind::First => {
                    if let Some(p) = pending.take() {
                        out.clear();
                        tail = WalTail::Torn {
                            offset: p.offset,
                            reason: REASON_NO_END.to_string(),
                        };
                        stopped = true;
                        break;
                    }
                    let r = Record {
                        offset: f.offset,
                        ldb_offset: f.ldb_offset,
                        data: f.data,
                    };
                    if f.kind == FragKind::Full {
                        records.push(r);
                    } else {
                        pending = Some(r);
                    }
                }
                FragKind::Middle | FragKind::Last => {
                    let Some(p) = pending.as_mut() else {
                        out.clear();
                        tail = WalTail::Torn {
                            offset: f.offset,
                            reason: REASON_NO_START.to_string(),
                        };
                        stopped = true;
                        break;
                    };
                    p.data.extend_from_slice(&f.data);
                    if f.kind == FragKind::Last {
                        records.push(pending.take().expect("pending record"));
                    }
                }
            }
        }
        if !stopped && let Some(p) = pending {
            // Unfinished record at the end of the readable data.
            out.clear();
            tail = WalTail::Torn {
                offset: p.offset,
                reason: end_reason,
            };
        }

        for r in records.into_iter().rev() {
            if out.len() >= n {
                break;
            }
            out.push(make_batch(path, wal, r.offset, r.ldb_offset, &r.data)?);
        }

        if out.len() >= n || b == 0 {
            break;
        }
        b -= 1;
        cur = prev.expect("previous block");
        std::mem::swap(&mut cur_buf, &mut prev_buf);
    }
    Ok((out, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspector::db::wal::physical::write_log;
    use crate::inspector::db::wal::{WalReader, ldb_line};

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn batch(seq: u64, value_len: usize, rng: &mut Rng) -> Vec<u8> {
        let mut b = seq.to_le_bytes().to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.push(1);
        b.push(3);
        b.extend_from_slice(b"key");
        let mut v = value_len as u32;
        while v >= 0x80 {
            b.push((v as u8) | 0x80);
            v >>= 7;
        }
        b.push(v as u8);
        b.extend((0..value_len).map(|_| rng.next() as u8));
        b
    }

    fn forward(path: &Path) -> (Vec<WalBatch>, WalTail) {
        let mut r = WalReader::open(path).unwrap();
        let v: Vec<WalBatch> = r.by_ref().map(|b| b.unwrap()).collect();
        (v, r.tail().unwrap().clone())
    }

    #[test]
    fn backward_equals_forward_on_synthetic_logs() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let sizes = [0usize, 1, 5, 30, 100, 1000, 20_000, 32_700, 32_748, 70_000];
        let records: Vec<Vec<u8>> = (0..400)
            .map(|i| {
                let len = sizes[rng.below(sizes.len() as u64) as usize];
                // Near-block-size values make trailers of every length 0..=6 likely.
                let jitter = rng.below(8) as usize;
                batch(i + 1, len.saturating_sub(jitter), &mut rng)
            })
            .collect();
        let log = write_log(&records);
        let path = dir.path().join("000007.log");
        std::fs::write(&path, &log).unwrap();
        let (all, tail) = forward(&path);
        assert_eq!(tail, WalTail::Clean);
        assert_eq!(all.len(), records.len());
        for (b, r) in all.iter().zip(&records) {
            assert_eq!(b.byte_size, r.len());
        }
        assert!(
            all.iter().any(|b| b.ldb_offset != b.offset),
            "no trailer case"
        );
        for n in [1, 2, 7, 50, 399, 400, 1000] {
            let (newest, t) = read_newest(&path, n).unwrap();
            let exp: Vec<WalBatch> = all.iter().rev().take(n).cloned().collect();
            assert!(newest == exp, "n={n}");
            assert_eq!(t, tail);
            let l: Vec<String> = newest.iter().map(|b| ldb_line(b, false)).collect();
            let e: Vec<String> = exp.iter().map(|b| ldb_line(b, false)).collect();
            assert_eq!(l, e);
        }

        // Truncations anywhere: damage is at the tail, so any N agrees with forward.
        for _ in 0..150 {
            let cut = rng.below(log.len() as u64) as usize;
            std::fs::write(&path, &log[..cut]).unwrap();
            let (all, tail) = forward(&path);
            for n in [1, 5, usize::MAX] {
                let (newest, t) = read_newest(&path, n).unwrap();
                let exp: Vec<WalBatch> = all.iter().rev().take(n).cloned().collect();
                assert!(newest == exp, "cut={cut} n={n}");
                assert_eq!(t, tail, "cut={cut} n={n}");
            }
        }

        // One corrupted byte anywhere: reading the whole file backwards agrees with forward.
        for _ in 0..150 {
            let mut bad = log.clone();
            let at = rng.below(bad.len() as u64) as usize;
            bad[at] ^= 1 << rng.below(8);
            std::fs::write(&path, &bad).unwrap();
            let (all, tail) = forward(&path);
            let (newest, t) = read_newest(&path, usize::MAX).unwrap();
            assert!(
                newest.len() == all.len(),
                "flip at {at}: {} vs {}",
                newest.len(),
                all.len()
            );
            assert!(newest.iter().rev().eq(all.iter()), "flip at {at}");
            assert_eq!(t, tail, "flip at {at}");
        }
    }
}
