//! Tail reader: the newest N batches, found by parsing blocks backwards from the end.
//!
//! Blocks always start with a record header, so each block parses on its own. Walking
//! from the last block towards the first, blocks are gathered until one is reached that
//! the forward reader enters with no unfinished record (the previous block ends with a
//! complete record, or with damage or zero fill, which drop an unfinished one); that
//! segment is then replayed forward with the forward reader's rules, damage included.
//! The walk stops as soon as N complete batches are known, so the cost is
//! O(N + size of those batches), not O(file size).

use std::fs::File;
use std::path::Path;

use super::physical::{BLOCK_SIZE, FragKind, ItemKind, LogRules, ParsedBlock, parse_block};
use super::{
    REASON_EOF_IN_FRAGMENT, REASON_NO_END, REASON_NO_START, REASON_ZERO_IN_RECORD, WalBatch,
    WalError, WalTail, check_compression, io_err, make_batch, problem_tail, read_block,
    resumes_after, starts_recycled, wal_number_from_path,
};

/// A parsed block of the window being walked, with its bytes.
struct Blk {
    parsed: ParsedBlock,
    buf: Vec<u8>,
    /// Trailer padding of the previous block (for ldb's offsets).
    prev_trailer: u64,
}

/// A complete logical record, with its fragments reassembled.
struct Record {
    offset: u64,
    ldb_offset: u64,
    data: Vec<u8>,
}

/// What the forward reader does over a run of blocks, in order.
enum Event {
    /// A record returned.
    Record(Record),
    /// Damage losing the bytes from this offset on, for this reason.
    Damage(u64, String),
    /// The end of the log (the file's end, or damage that stops reading).
    End(WalTail),
}

/// Whether the forward reader leaves a block with no unfinished record, whatever it came
/// in with: the next block then starts a segment that can be read on its own.
fn ends_unpending(p: &ParsedBlock) -> bool {
    if p.problem.is_some() || p.zero_fill.is_some() {
        return true;
    }
    // Some(false): no unfinished record; Some(true): one; None: as on entry.
    let mut pending: Option<bool> = None;
    for it in &p.items {
        match it.kind {
            ItemKind::Fragment(FragKind::Full | FragKind::Last) | ItemKind::Unknown(_) => {
                pending = Some(false);
            }
            ItemKind::Fragment(FragKind::First) => pending = Some(true),
            _ => {}
        }
    }
    pending == Some(false)
}

/// Runs the forward reader's rules over `blocks` (oldest first), entered with no
/// unfinished record; `eof`: the last of them is the file's last block.
fn simulate<'a>(blocks: impl Iterator<Item = &'a Blk>, recycled: bool, eof: bool) -> Vec<Event> {
    let mut evs = Vec::new();
    let mut pending: Option<Record> = None;
    for blk in blocks {
        for it in &blk.parsed.items {
            let kind = match it.kind {
                ItemKind::Fragment(k) => k,
                ItemKind::Unknown(t) => {
                    let lost = pending.take().map_or(it.offset, |p| p.offset);
                    evs.push(Event::Damage(lost, format!("unknown record type {t}")));
                    continue;
                }
                ItemKind::SetCompression | ItemKind::Ignorable => continue,
            };
            let data = &blk.buf[it.start..it.end];
            match kind {
                FragKind::Full | FragKind::First => {
                    if let Some(p) = pending.take()
                        && !p.data.is_empty()
                    {
                        evs.push(Event::Damage(p.offset, REASON_NO_END.to_string()));
                    }
                    let r = Record {
                        offset: it.offset,
                        ldb_offset: if it.first_in_block {
                            it.offset - blk.prev_trailer
                        } else {
                            it.offset
                        },
                        data: data.to_vec(),
                    };
                    if kind == FragKind::Full {
                        evs.push(Event::Record(r));
                    } else {
                        pending = Some(r);
                    }
                }
                FragKind::Middle | FragKind::Last => {
                    let Some(p) = pending.as_mut() else {
                        evs.push(Event::Damage(it.offset, REASON_NO_START.to_string()));
                        continue;
                    };
                    p.data.extend_from_slice(data);
                    if kind == FragKind::Last {
                        evs.push(Event::Record(pending.take().expect("pending record")));
                    }
                }
            }
        }
        if blk.parsed.zero_fill.is_some()
            && let Some(p) = pending.take()
        {
            evs.push(Event::Damage(p.offset, REASON_ZERO_IN_RECORD.to_string()));
        }
        if let Some((off, problem)) = &blk.parsed.problem {
            let lost = pending.as_ref().map(|p| p.offset);
            if resumes_after(problem, LogRules::Wal, recycled) {
                pending = None;
                evs.push(Event::Damage(
                    lost.unwrap_or(*off),
                    problem.reason(LogRules::Wal),
                ));
            } else {
                evs.push(Event::End(problem_tail(*off, problem, lost, LogRules::Wal)));
                return evs;
            }
        }
    }
    if eof {
        evs.push(Event::End(match pending {
            Some(p) => WalTail::Torn {
                offset: p.offset,
                reason: REASON_EOF_IN_FRAGMENT.to_string(),
            },
            None => WalTail::Clean,
        }));
    }
    evs
}

/// Returns the newest `n` batches of the WAL file at `path`, newest first, and how the
/// file ends: the last `n` items of [`super::WalReader`], reversed, with the same
/// [`WalTail`]. Damaged blocks met on the way back are skipped as the forward reader
/// skips them. (For a recycled log, which the forward reader stops reading at its first
/// damaged record, a damage older than the returned batches is not looked for.) A
/// record among the newest `n` whose WriteBatch does not decode fails the whole call
/// with [`WalError::Batch`].
pub fn read_newest(path: &Path, n: usize) -> Result<(Vec<WalBatch>, WalTail), WalError> {
    read_newest_with_number(path, n, wal_number_from_path(path))
}

/// [`read_newest`] with an explicit WAL number (needed for recycled logs).
pub fn read_newest_with_number(
    path: &Path,
    n: usize,
    wal_number: u64,
) -> Result<(Vec<WalBatch>, WalTail), WalError> {
    read_newest_within(path, n, usize::MAX, wal_number)
}

/// [`read_newest_with_number`], also stopping once the batches kept reach `max_bytes`
/// (the newest batch is always kept): what a screen holds stays bounded by bytes, not
/// only by batches, whatever size the service's batches are.
pub fn read_newest_within(
    path: &Path,
    n: usize,
    max_bytes: usize,
    wal_number: u64,
) -> Result<(Vec<WalBatch>, WalTail), WalError> {
    let mut kept_bytes = 0usize;
    let mut file = File::open(path).map_err(io_err(path))?;
    let size = file.metadata().map_err(io_err(path))?.len();
    if size == 0 {
        return Ok((Vec::new(), WalTail::Clean));
    }
    let block_count = size.div_ceil(BLOCK_SIZE as u64);
    let mut load = |b: u64| -> Result<Blk, WalError> {
        let off = b * BLOCK_SIZE as u64;
        let mut buf = Vec::with_capacity(BLOCK_SIZE);
        read_block(&mut file, path, off, size, &mut buf)?;
        let parsed = parse_block(&buf, off, wal_number, b + 1 == block_count, LogRules::Wal);
        Ok(Blk {
            parsed,
            buf,
            prev_trailer: 0,
        })
    };

    // A compressed WAL announces itself with a SetCompressionType record first.
    let recycled = {
        let first = load(0)?;
        if let Some(item) = first.parsed.items.first()
            && item.kind == ItemKind::SetCompression
        {
            check_compression(path, &first.buf[item.start..item.end])?;
        }
        starts_recycled(&first.buf)
    };

    // Walking back, blocks are gathered into segments that start where the forward reader
    // has no unfinished record; each segment is then replayed forward.
    let mut out: Vec<WalBatch> = Vec::new();
    // Whether the newest record of the log is known (then so is the tail).
    let mut found_record = false;
    // The oldest damage after the newest record: the torn tail, if any.
    let mut damage_after: Option<(u64, String)> = None;
    let mut end_tail = WalTail::Clean;
    let mut window: Vec<Blk> = Vec::new(); // newest first
    let mut segment_at_eof = true;
    let mut b = block_count - 1;
    let mut cur = load(b)?;
    loop {
        let prev = if b > 0 { Some(load(b - 1)?) } else { None };
        cur.prev_trailer = prev.as_ref().map_or(0, |p| p.parsed.trailer) as u64;
        window.push(cur);
        if prev.as_ref().is_none_or(|p| ends_unpending(&p.parsed)) {
            let evs = simulate(window.iter().rev(), recycled, segment_at_eof);
            window.clear();
            segment_at_eof = false;
            for ev in evs.into_iter().rev() {
                match ev {
                    Event::End(t) => {
                        // Nothing after this end is read by the forward reader.
                        out.clear();
                        found_record = false;
                        damage_after = None;
                        end_tail = t;
                    }
                    Event::Damage(offset, reason) => {
                        if !found_record {
                            damage_after = Some((offset, reason));
                        }
                    }
                    Event::Record(r) => {
                        found_record = true;
                        if out.len() < n && (out.is_empty() || kept_bytes < max_bytes) {
                            kept_bytes += r.data.len();
                            out.push(make_batch(
                                path,
                                wal_number,
                                r.offset,
                                r.ldb_offset,
                                &r.data,
                            )?);
                        }
                    }
                }
            }
            if found_record && (out.len() >= n || kept_bytes >= max_bytes) {
                break;
            }
        }
        let Some(p) = prev else { break };
        b -= 1;
        cur = p;
    }
    let tail = match damage_after {
        Some((offset, reason)) => WalTail::Torn { offset, reason },
        None => end_tail,
    };
    Ok((out, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspector::formats::wal::physical::write_log;
    use crate::inspector::formats::wal::{WalReader, ldb_line};

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

        // Damage anywhere (flipped bits, overwritten or zeroed runs, several at once):
        // the forward reader skips mid-file damage and reads on, and the backward walk
        // agrees with it for every N.
        let mut resumed = 0;
        for round in 0..300 {
            let mut bad = log.clone();
            let mut what = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bad.len() as u64) as usize;
                match rng.below(4) {
                    0 => bad[at] ^= 1 << rng.below(8),
                    kind => {
                        let len = [0, 21, 7, 300][kind as usize].min(bad.len() - at);
                        for x in &mut bad[at..at + len] {
                            *x = if kind == 2 { 0 } else { rng.next() as u8 };
                        }
                    }
                }
                what.push(at);
            }
            let what = format!("round {round}, damage at {what:?}");
            std::fs::write(&path, &bad).unwrap();
            let mut r = WalReader::open(&path).unwrap();
            let all: Vec<WalBatch> = r.by_ref().filter_map(|b| b.ok()).collect();
            let tail = r.tail().unwrap().clone();
            if !r.corruptions().is_empty() {
                resumed += 1;
                let c = &r.corruptions()[0];
                assert!(c.skipped_bytes > 0, "{what}: {c:?}");
                // Some batch starts right where the skipped stretch ends.
                let resume = c.offset + c.skipped_bytes;
                assert!(all.iter().any(|b| b.offset == resume), "{what}: {c:?}");
            }
            for n in [0, 1, 5, 40, usize::MAX] {
                let Ok((newest, t)) = read_newest(&path, n) else {
                    continue; // a damaged record that still checksums (rare): not compared
                };
                let exp: Vec<WalBatch> = all.iter().rev().take(n).cloned().collect();
                assert!(
                    newest == exp,
                    "{what} n={n}: {} vs {}",
                    newest.len(),
                    exp.len()
                );
                assert_eq!(t, tail, "{what} n={n}");
            }
        }
        assert!(
            resumed > 100,
            "only {resumed} rounds read past mid-file damage"
        );
    }

    /// A record that passes its checksum but is no WriteBatch: the decoder's typed error
    /// is the `source()`, and the message reads as it did when it was a string.
    #[test]
    fn a_bad_batch_keeps_what_is_wrong_as_its_source() {
        use std::error::Error as _;

        use crate::inspector::formats::wal::{BatchError, WalError};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("000009.log");
        let mut record = 5u64.to_le_bytes().to_vec();
        record.extend_from_slice(&1u32.to_le_bytes());
        record.push(0x14);
        std::fs::write(&path, write_log(&[record])).unwrap();
        let err = read_newest(&path, 10).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: bad write batch in record at offset 0: unknown WriteBatch tag 0x14 at offset 12",
                path.display()
            )
        );
        assert!(matches!(err, WalError::Batch { .. }));
        assert_eq!(
            err.source().and_then(|e| e.downcast_ref::<BatchError>()),
            Some(&BatchError::UnknownTag { tag: 0x14, at: 12 })
        );
    }
}
