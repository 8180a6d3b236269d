//! Logical records: the fragments of the blocks parsed by [`super::physical`], reassembled
//! forward through any log-format file. [`super::WalReader`] decodes them as write
//! batches; the MANIFEST reader decodes them as VersionEdits.

use std::fs::File;

use super::physical::{BLOCK_SIZE, FragKind, ItemKind, LogRules, ParsedBlock, parse_block};
use super::{
    Corruption, REASON_EOF_IN_FRAGMENT, REASON_NO_END, REASON_NO_START, REASON_ZERO_IN_RECORD,
    WalTail, fill_block, problem_tail, resumes_after, starts_recycled,
};

/// What [`LogRecords::next`] yields.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Logical<'a> {
    /// A complete logical record.
    Record {
        /// Physical offset of the header of the record's first fragment.
        offset: u64,
        /// The offset `ldb` prints: `offset`, except for a record that starts a block
        /// after trailer padding, where ldb prints the trailer's offset.
        ldb_offset: u64,
        /// The reassembled payload.
        data: &'a [u8],
    },
    /// A kSetCompressionType record; the payload's first 4 bytes are the compression type.
    SetCompression(&'a [u8]),
}

/// Forward reader of the logical records of one log-format file, over the bytes present
/// at open time (fewer if the file shrinks while it is read).
///
/// [`LogRules::Manifest`]: reading stops at the first damaged physical record;
/// [`LogRecords::tail`] then says where and why.
///
/// [`LogRules::Wal`]: like `ldb dump_wal` (RocksDB's `log::Reader`, default
/// `kTolerateCorruptedTailRecords`), a damaged record drops the rest of its block and the
/// record it cut short, and reading goes on; the skipped stretches are
/// [`LogRecords::corruptions`]. Damage with no record returned after it is the torn tail.
pub(crate) struct LogRecords {
    file: File,
    size: u64,
    log_number: u64,
    rules: LogRules,
    block: Vec<u8>,
    parsed: ParsedBlock,
    idx: usize,
    next_block: u64,
    prev_trailer: usize,
    /// `(offset, ldb_offset)` of an unfinished fragmented record, whose fragments so far
    /// are in `data`.
    pending: Option<(u64, u64)>,
    data: Vec<u8>,
    tail: Option<WalTail>,
    done: bool,
    /// [`LogRules::Wal`]: the first record is recyclable, so damage ends the log.
    recycled: bool,
    /// Start and reason of the damaged stretch since the last record returned.
    region: Option<(u64, String)>,
    corruptions: Vec<Corruption>,
}

impl LogRecords {
    /// Reads `file` from its start; recyclable records must carry `log_number`.
    pub(crate) fn new(file: File, log_number: u64, rules: LogRules) -> std::io::Result<Self> {
        let size = file.metadata()?.len();
        Ok(LogRecords {
            file,
            size,
            log_number,
            rules,
            block: Vec::with_capacity(BLOCK_SIZE),
            parsed: ParsedBlock::default(),
            idx: 0,
            next_block: 0,
            prev_trailer: 0,
            pending: None,
            data: Vec::new(),
            tail: None,
            done: false,
            recycled: false,
            region: None,
            corruptions: Vec::new(),
        })
    }

    /// The damaged stretches skipped so far ([`LogRules::Wal`] only), oldest first.
    pub(crate) fn corruptions(&self) -> &[Corruption] {
        &self.corruptions
    }

    /// Damage lost the bytes from `offset` on; opens a skipped stretch unless one is open.
    fn damage(&mut self, offset: u64, reason: impl Into<String>) {
        if self.region.is_none() {
            self.region = Some((offset, reason.into()));
        }
    }

    /// A record starting at `offset` is returned: closes the open stretch, if any.
    fn resume(&mut self, offset: u64) {
        if let Some((start, reason)) = self.region.take() {
            self.corruptions.push(Corruption {
                offset: start,
                reason,
                skipped_bytes: offset - start,
            });
        }
    }

    /// How the file ended; `None` until [`LogRecords::next`] has returned `None` (and
    /// after an I/O error).
    pub(crate) fn tail(&self) -> Option<&WalTail> {
        self.tail.as_ref()
    }

    /// The end of the log; an open damaged stretch makes the end torn at its start.
    fn finish(&mut self, tail: WalTail) {
        self.tail = Some(match self.region.take() {
            Some((offset, reason)) => WalTail::Torn { offset, reason },
            None => tail,
        });
        self.done = true;
    }

    fn torn(&mut self, offset: u64, reason: &str) {
        self.finish(WalTail::Torn {
            offset,
            reason: reason.to_string(),
        });
    }

    /// The next logical record (or compression marker); `None` at the end of the log or
    /// after an I/O error.
    pub(crate) fn next(&mut self) -> Option<std::io::Result<Logical<'_>>> {
        loop {
            if self.done {
                return None;
            }
            if self.idx >= self.parsed.items.len() {
                if self.rules == LogRules::Wal
                    && self.parsed.zero_fill.take().is_some()
                    && let Some((offset, _)) = self.pending.take()
                {
                    self.damage(offset, REASON_ZERO_IN_RECORD);
                }
                if let Some((off, p)) = self.parsed.problem.take() {
                    let pending = self.pending.map(|(offset, _)| offset);
                    if resumes_after(&p, self.rules, self.recycled) {
                        // Skip the rest of the block (and the record it cut short).
                        self.pending = None;
                        self.damage(pending.unwrap_or(off), p.reason(self.rules));
                    } else {
                        self.finish(problem_tail(off, &p, pending, self.rules));
                        return None;
                    }
                }
                if self.next_block >= self.size {
                    match self.pending.take() {
                        Some((offset, _)) => self.torn(offset, REASON_EOF_IN_FRAGMENT),
                        None => self.finish(WalTail::Clean),
                    }
                    return None;
                }
                let off = self.next_block;
                let want = (self.size - off).min(BLOCK_SIZE as u64) as usize;
                if let Err(e) = fill_block(&mut self.file, off, self.size, &mut self.block) {
                    self.done = true;
                    return Some(Err(e));
                }
                if self.block.len() < want {
                    // The file shrank meanwhile; what is missing is a torn tail.
                    self.size = off + self.block.len() as u64;
                }
                if off == 0 {
                    self.recycled = starts_recycled(&self.block);
                }
                self.prev_trailer = self.parsed.trailer;
                let at_eof = off + BLOCK_SIZE as u64 >= self.size;
                self.parsed = parse_block(&self.block, off, self.log_number, at_eof, self.rules);
                self.idx = 0;
                self.next_block = off + BLOCK_SIZE as u64;
                continue;
            }
            let item = self.parsed.items[self.idx].clone();
            self.idx += 1;
            let (start, end) = (item.start, item.end);
            let ldb_offset = if item.first_in_block {
                item.offset - self.prev_trailer as u64
            } else {
                item.offset
            };
            let kind = match item.kind {
                ItemKind::Ignorable => continue,
                ItemKind::SetCompression => {
                    return Some(Ok(Logical::SetCompression(&self.block[start..end])));
                }
                ItemKind::Unknown(t) => {
                    // LogRules::Wal only: reported, and the record it interrupts is lost.
                    let lost = self.pending.take().map_or(item.offset, |(o, _)| o);
                    self.damage(lost, format!("unknown record type {t}"));
                    continue;
                }
                ItemKind::Fragment(k) => k,
            };
            match kind {
                FragKind::Full | FragKind::First => {
                    if let Some((offset, _)) = self.pending.take() {
                        if self.rules == LogRules::Manifest {
                            self.torn(offset, REASON_NO_END);
                            return None;
                        }
                        // ldb drops the unfinished record (reporting it if not empty).
                        if !self.data.is_empty() {
                            self.damage(offset, REASON_NO_END);
                        }
                    }
                    if kind == FragKind::Full {
                        self.resume(item.offset);
                        return Some(Ok(Logical::Record {
                            offset: item.offset,
                            ldb_offset,
                            data: &self.block[start..end],
                        }));
                    }
                    self.pending = Some((item.offset, ldb_offset));
                    self.data.clear();
                    self.data.extend_from_slice(&self.block[start..end]);
                }
                FragKind::Middle | FragKind::Last => {
                    let Some((offset, ldb_offset)) = self.pending else {
                        if self.rules == LogRules::Manifest {
                            self.torn(item.offset, REASON_NO_START);
                            return None;
                        }
                        self.damage(item.offset, REASON_NO_START);
                        continue;
                    };
                    self.data.extend_from_slice(&self.block[start..end]);
                    if kind == FragKind::Last {
                        self.pending = None;
                        self.resume(offset);
                        return Some(Ok(Logical::Record {
                            offset,
                            ldb_offset,
                            data: &self.data,
                        }));
                    }
                }
            }
        }
    }
}
