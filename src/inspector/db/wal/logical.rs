//! Logical records: the fragments of the blocks parsed by [`super::physical`], reassembled
//! forward through any log-format file. [`super::WalReader`] decodes them as write
//! batches; the MANIFEST reader decodes them as VersionEdits.

use std::fs::File;

use super::physical::{BLOCK_SIZE, FragKind, ItemKind, LogRules, ParsedBlock, parse_block};
use super::{
    REASON_EOF_IN_FRAGMENT, REASON_NO_END, REASON_NO_START, WalTail, fill_block, problem_tail,
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
/// Like RocksDB's default `kPointInTimeRecovery`, reading stops at the first damaged
/// physical record; [`LogRecords::tail`] then says where and why.
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
        })
    }

    /// How the file ended; `None` until [`LogRecords::next`] has returned `None` (and
    /// after an I/O error).
    pub(crate) fn tail(&self) -> Option<&WalTail> {
        self.tail.as_ref()
    }

    fn finish(&mut self, tail: WalTail) {
        self.tail = Some(tail);
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
                if let Some((off, p)) = self.parsed.problem.take() {
                    let pending = self.pending.map(|(offset, _)| offset);
                    self.finish(problem_tail(off, &p, pending, self.rules));
                    return None;
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
                ItemKind::Fragment(k) => k,
            };
            match kind {
                FragKind::Full | FragKind::First => {
                    if let Some((offset, _)) = self.pending.take() {
                        self.torn(offset, REASON_NO_END);
                        return None;
                    }
                    if kind == FragKind::Full {
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
                        self.torn(item.offset, REASON_NO_START);
                        return None;
                    };
                    self.data.extend_from_slice(&self.block[start..end]);
                    if kind == FragKind::Last {
                        self.pending = None;
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
