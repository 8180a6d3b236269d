//! Read-only RocksDB write-ahead-log reader: public API, error type and `ldb dump_wal` rendering.
//!
//! * [`WalReader`] streams batches forward through a file.
//! * [`read_newest`] returns the newest N batches by reading blocks backwards from the
//!   end of the file, in time proportional to N rather than to the file size.
//! * [`ldb_line`] renders a batch exactly like `ldb dump_wal` (RocksDB 7.8) does.
//!
//! Corruption policy: like `ldb dump_wal` (RocksDB's `log::Reader` in its default
//! `kTolerateCorruptedTailRecords` mode), a damaged record in the middle of the file is
//! skipped: the rest of its block is dropped, as are the fragments of the records it cut
//! short, and reading resumes with the next record that starts in a later block. Each
//! skipped stretch is reported as a [`Corruption`] ([`WalReader::corruptions`],
//! [`WalFileInfo::corruptions`]). Damage with nothing readable after it is the end of
//! the log: [`WalTail::Torn`]. A recycled log (first record of a recyclable type) stops
//! at its first damaged record, as RocksDB does.

mod batch;
mod logical;
mod physical;
mod tail;

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Serialize;

use physical::{BLOCK_SIZE, Problem};

pub(crate) use logical::{LogRecords, Logical};
pub(crate) use physical::LogRules;
pub(crate) use physical::mask_crc;
#[cfg(test)]
pub(crate) use physical::{HEADER_SIZE, write_log};

pub use batch::BatchError;
pub use tail::{read_newest, read_newest_with_number, read_newest_within};

/// Errors naming the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// Opening, seeking in or reading a file (or listing a directory) failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The WAL uses a feature this reader does not implement (a compressed WAL).
    #[error("{}: unsupported WAL: {reason}", path.display())]
    Unsupported {
        /// The WAL file.
        path: PathBuf,
        /// What is unsupported, in words.
        reason: String,
    },
    /// A record passed its checksum but does not decode as a WriteBatch.
    #[error("{}: bad write batch in record at offset {offset}: {source}", path.display())]
    Batch {
        /// The WAL file.
        path: PathBuf,
        /// Physical offset of the record's first fragment header.
        offset: u64,
        /// What is wrong, with the offset inside the batch.
        #[source]
        source: BatchError,
    },
}

/// Maps an I/O error on `path` to [`WalError::Io`].
pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WalError + '_ {
    move |source| WalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The kind of one operation inside a write batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WalOpKind {
    /// `Put` of `key` to `value`.
    Put,
    /// `Delete` of `key`.
    Delete,
    /// `SingleDelete` of `key`.
    SingleDelete,
    /// `Merge` of the operand `value` into `key`.
    Merge,
    /// `key` is the begin key, `value` the (exclusive) end key.
    RangeDelete,
    /// BlobDB: `value` is the encoded blob index.
    PutBlobIndex,
    /// Wide-column entity: `value` is the serialized column list.
    PutEntity,
    /// TimedPut (RocksDB ≥ 9): `value` is the value packed with its 8-byte write time.
    TimedPut,
    /// `value` is the blob; not part of the key space.
    LogData,
    /// Start of a prepared section (WriteCommitted transactions).
    BeginPrepare,
    /// WritePrepared transactions.
    BeginPersistedPrepare,
    /// WriteUnprepared transactions.
    BeginUnprepare,
    /// `key` is the transaction id.
    EndPrepare,
    /// `key` is the transaction id.
    Commit,
    /// `key` is the transaction id, `value` the commit timestamp.
    CommitWithTimestamp,
    /// `key` is the transaction id.
    Rollback,
    /// A no-op marker (written by transactions); changes no key.
    Noop,
}

/// One operation of a write batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WalOp {
    /// Column family id (0 = default).
    pub cf: u32,
    /// What the operation does.
    pub kind: WalOpKind,
    /// Key, or the transaction id for the transaction markers (see [`WalOpKind`]).
    pub key: Vec<u8>,
    /// Value, or the end key for [`WalOpKind::RangeDelete`].
    pub value: Vec<u8>,
}

/// One logical WAL record: a write batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WalBatch {
    /// Number of the WAL file the batch was read from (`NNNNNN.log`).
    pub wal_number: u64,
    /// Physical offset of the header of the record's first fragment.
    pub offset: u64,
    /// The offset `ldb dump_wal` prints. Equal to `offset` except for a record that
    /// starts a block after trailer padding: ldb then prints the trailer's offset.
    pub ldb_offset: u64,
    /// Sequence number of the batch (that of its first operation).
    pub sequence: u64,
    /// Operation count from the batch header.
    pub count: u32,
    /// Size of the batch in bytes (header included).
    pub byte_size: usize,
    /// The decoded operations, in batch order.
    pub ops: Vec<WalOp>,
}

/// How a WAL file ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum WalTail {
    /// The file ends after a complete record (or in zero padding, or at stale records of a
    /// recycled log).
    Clean,
    /// The end of the file is torn: nothing readable follows `offset` (start of the first
    /// record not returned after the last batch). Damage followed by readable batches is
    /// a [`Corruption`] instead.
    Torn {
        /// File offset of the first record not returned.
        offset: u64,
        /// Why reading stopped there (checksum mismatch, truncation, ...).
        reason: String,
    },
}

/// A damaged stretch in the middle of a WAL, skipped by the reader (as `ldb dump_wal`
/// skips it) before it resumed with the next readable record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Corruption {
    /// File offset of the first byte not returned: the header of the damaged record, or
    /// the header of the first fragment of the record the damage cut short.
    pub offset: u64,
    /// What was wrong (checksum mismatch, bad record length, ...), for the first damage
    /// of the stretch.
    pub reason: String,
    /// Bytes from `offset` to the header of the next record returned.
    pub skipped_bytes: u64,
}

/// A WAL file found in a DB directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WalFileInfo {
    /// Path of the WAL file.
    pub path: PathBuf,
    /// WAL number from the `NNNNNN.log` name.
    pub number: u64,
    /// File size in bytes, when listed.
    pub size: u64,
    /// Found under `archive/` (kept for WAL_ttl_seconds / WAL_size_limit_MB).
    pub archived: bool,
    /// Sequence number of the first batch; `None` for a WAL without batches.
    pub first_sequence: Option<u64>,
    /// Sequence number of the newest batch (its first sequence number).
    pub last_sequence: Option<u64>,
    /// Sequence number the newest batch's last operation consumed, assuming one
    /// sequence number per counted operation (the default write policy).
    pub last_op_sequence: Option<u64>,
    /// How the file ends, as seen by [`read_newest`]; `None` if it could not be read.
    pub tail: Option<WalTail>,
    /// Damaged stretches in the middle of the file that the reader skipped, oldest first
    /// (found by reading the whole file's records, without decoding the batches).
    pub corruptions: Vec<Corruption>,
    /// Set when the file could not be read; the other fields are then partial.
    pub error: Option<String>,
}

/// WAL number from a `NNNNNN.log` file name; 0 otherwise (as ldb does).
pub fn wal_number_from_path(path: &Path) -> u64 {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(parse_log_name)
        .unwrap_or(0)
}

fn parse_log_name(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".log")?;
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// Lists the `NNNNNN.log` files of a DB directory and of its `archive/` subdirectory,
/// ordered by number, with their sequence ranges from their heads and tails (a cost
/// that does not grow with their size; `corruptions` is left empty).
pub fn wal_files(dir: &Path) -> Result<Vec<WalFileInfo>, WalError> {
    list_wals(dir, false)
}

/// [`wal_files`], each file also read whole for damage in its middle
/// ([`WalFileInfo::corruptions`]): a cost in proportion to the WALs' size.
pub fn wal_files_checked(dir: &Path) -> Result<Vec<WalFileInfo>, WalError> {
    list_wals(dir, true)
}

fn list_wals(dir: &Path, check: bool) -> Result<Vec<WalFileInfo>, WalError> {
    let mut out = Vec::new();
    collect_wals(dir, false, check, &mut out)?;
    let archive = dir.join("archive");
    if archive.is_dir() {
        collect_wals(&archive, true, check, &mut out)?;
    }
    out.sort_by_key(|w| (w.number, w.archived));
    Ok(out)
}

fn collect_wals(
    dir: &Path,
    archived: bool,
    check: bool,
    out: &mut Vec<WalFileInfo>,
) -> Result<(), WalError> {
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let Some(number) = entry.file_name().to_str().and_then(parse_log_name) else {
            continue;
        };
        let path = entry.path();
        let meta = entry.metadata().map_err(io_err(&path))?;
        if !meta.is_file() {
            continue;
        }
        let mut info = WalFileInfo {
            path: path.clone(),
            number,
            size: meta.len(),
            archived,
            first_sequence: None,
            last_sequence: None,
            last_op_sequence: None,
            tail: None,
            corruptions: Vec::new(),
            error: None,
        };
        match WalReader::open(&path).and_then(|mut r| r.next().transpose()) {
            Ok(first) => info.first_sequence = first.map(|b| b.sequence),
            Err(e) => info.error = Some(e.to_string()),
        }
        if check && info.error.is_none() {
            match scan_corruptions(&path, number) {
                Ok(c) => info.corruptions = c,
                Err(e) => info.error = Some(e.to_string()),
            }
        }
        if info.error.is_none() {
            match read_newest(&path, 1) {
                Ok((newest, tail)) => {
                    if let Some(b) = newest.first() {
                        info.last_sequence = Some(b.sequence);
                        info.last_op_sequence =
                            Some(b.sequence.saturating_add(u64::from(b.count.max(1)) - 1));
                    }
                    info.tail = Some(tail);
                }
                Err(e) => info.error = Some(e.to_string()),
            }
        }
        out.push(info);
    }
    Ok(())
}

/// The [`Corruption`]s of a whole WAL file, read record by record (batches are not
/// decoded).
fn scan_corruptions(path: &Path, wal_number: u64) -> Result<Vec<Corruption>, WalError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut records = LogRecords::new(file, wal_number, LogRules::Wal).map_err(io_err(path))?;
    while let Some(r) = records.next() {
        r.map_err(io_err(path))?;
    }
    Ok(records.corruptions().to_vec())
}

/// Reads up to one block at `offset`, never past `limit` (the file size at open).
pub(crate) fn read_block(
    file: &mut File,
    path: &Path,
    offset: u64,
    limit: u64,
    buf: &mut Vec<u8>,
) -> Result<(), WalError> {
    fill_block(file, offset, limit, buf).map_err(io_err(path))
}

/// [`read_block`] without a path: `buf` gets the bytes read, fewer than asked for if
/// the file is shorter than `limit`.
pub(crate) fn fill_block(
    file: &mut File,
    offset: u64,
    limit: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let want = (limit.saturating_sub(offset)).min(BLOCK_SIZE as u64) as usize;
    buf.clear();
    buf.resize(want, 0);
    file.seek(SeekFrom::Start(offset))?;
    let mut got = 0;
    while got < want {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(())
}

/// Checks a kSetCompressionType payload (a fixed32 compression type).
pub(crate) fn check_compression(path: &Path, payload: &[u8]) -> Result<(), WalError> {
    let mut b = [0u8; 4];
    let k = payload.len().min(4);
    b[..k].copy_from_slice(&payload[..k]);
    let ctype = u32::from_le_bytes(b);
    if ctype == 0 {
        Ok(())
    } else {
        Err(WalError::Unsupported {
            path: path.to_path_buf(),
            reason: format!(
                "WAL is compressed (compression type {ctype}, see wal_compression); \
                 compressed WALs are not supported"
            ),
        })
    }
}

/// Decodes a reassembled record's payload into a [`WalBatch`].
pub(crate) fn make_batch(
    path: &Path,
    wal_number: u64,
    offset: u64,
    ldb_offset: u64,
    data: &[u8],
) -> Result<WalBatch, WalError> {
    let d = batch::decode_batch(data).map_err(|source| WalError::Batch {
        path: path.to_path_buf(),
        offset,
        source,
    })?;
    Ok(WalBatch {
        wal_number,
        offset,
        ldb_offset,
        sequence: d.sequence,
        count: d.count,
        byte_size: data.len(),
        ops: d.ops,
    })
}

pub(crate) const REASON_EOF_IN_FRAGMENT: &str = "file ends inside a fragmented record";
pub(crate) const REASON_NO_END: &str = "fragmented record interrupted by a new record";
pub(crate) const REASON_NO_START: &str = "missing start of fragmented record";
/// Reason for an unfinished fragmented record dropped at zero-filled space ([`LogRules::Wal`]).
pub(crate) const REASON_ZERO_IN_RECORD: &str = "fragmented record interrupted by zero-filled space";

/// Whether the forward reader skips a block `problem` and reads on (`ldb dump_wal`'s
/// behaviour) rather than stopping there. `recycled`: the log's first record is of a
/// recyclable type, and RocksDB then stops at a damaged record.
pub(crate) fn resumes_after(problem: &Problem, rules: LogRules, recycled: bool) -> bool {
    rules == LogRules::Wal
        && !recycled
        && matches!(problem, Problem::BadChecksum | Problem::BadLength)
}

/// Whether a block starts with a record header of a recyclable full/first/middle/last
/// type: RocksDB's `log::Reader` treats a log whose first record is one as recycled.
pub(crate) fn starts_recycled(block: &[u8]) -> bool {
    block.len() >= physical::HEADER_SIZE && (5..=8).contains(&block[6])
}

/// The tail reported for a block problem at `offset`, with `pending` the start of an
/// unfinished fragmented record, if any.
pub(crate) fn problem_tail(
    offset: u64,
    problem: &Problem,
    pending: Option<u64>,
    rules: LogRules,
) -> WalTail {
    match (problem, pending) {
        (Problem::OldRecord, None) => WalTail::Clean,
        // The end of a recycled log is a clean end, cutting the pending record short.
        (Problem::OldRecord, Some(pending)) if rules == LogRules::Manifest => WalTail::Torn {
            offset: pending,
            reason: REASON_EOF_IN_FRAGMENT.to_string(),
        },
        (p, pending) => WalTail::Torn {
            offset: pending.unwrap_or(offset),
            reason: p.reason(rules),
        },
    }
}

/// Forward streaming reader over one WAL file.
pub struct WalReader {
    path: PathBuf,
    wal_number: u64,
    records: LogRecords,
    done: bool,
}

impl WalReader {
    /// Opens a WAL file; the WAL number is taken from its `NNNNNN.log` name (0 if none).
    pub fn open(path: &Path) -> Result<Self, WalError> {
        Self::open_with_number(path, wal_number_from_path(path))
    }

    /// Opens a WAL file with an explicit WAL number (needed for recycled logs).
    pub fn open_with_number(path: &Path, wal_number: u64) -> Result<Self, WalError> {
        let file = File::open(path).map_err(io_err(path))?;
        let records = LogRecords::new(file, wal_number, LogRules::Wal).map_err(io_err(path))?;
        Ok(WalReader {
            path: path.to_path_buf(),
            wal_number,
            records,
            done: false,
        })
    }

    /// How the file ended; `None` until the iterator is exhausted (or after an I/O error).
    pub fn tail(&self) -> Option<&WalTail> {
        self.records.tail()
    }

    /// The damaged stretches skipped so far, oldest first (complete once the iterator is
    /// exhausted). Damage at the end of the file is the [`WalTail::Torn`] tail instead.
    pub fn corruptions(&self) -> &[Corruption] {
        self.records.corruptions()
    }

    fn next_inner(&mut self) -> Option<Result<WalBatch, WalError>> {
        loop {
            if self.done {
                return None;
            }
            match self.records.next()? {
                Err(e) => {
                    self.done = true;
                    return Some(Err(io_err(&self.path)(e)));
                }
                Ok(Logical::SetCompression(payload)) => {
                    if let Err(e) = check_compression(&self.path, payload) {
                        self.done = true;
                        return Some(Err(e));
                    }
                }
                Ok(Logical::Record {
                    offset,
                    ldb_offset,
                    data,
                }) => {
                    return Some(make_batch(
                        &self.path,
                        self.wal_number,
                        offset,
                        ldb_offset,
                        data,
                    ));
                }
            }
        }
    }
}

impl Iterator for WalReader {
    type Item = Result<WalBatch, WalError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_inner()
    }
}

/// `ldb dump_wal --header` line.
pub fn ldb_header(print_value: bool) -> String {
    let mut s = String::from("Sequence,Count,ByteSize,Physical Offset,Key(s)");
    if print_value {
        s.push_str(" : value ");
    }
    s
}

fn push_hex(s: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    s.reserve(2 + bytes.len() * 2);
    s.push_str("0x");
    for &b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
}

/// The line `ldb dump_wal [--print_value]` prints for this batch (without the newline).
///
/// Ops that ldb 7.8 cannot print (blob index, entity, timed put — ldb aborts the dump
/// on them) are rendered in the same style as PUT, under their own names.
pub fn ldb_line(batch: &WalBatch, print_value: bool) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{},{},{},{},",
        batch.sequence, batch.count, batch.byte_size, batch.ldb_offset
    );
    for op in &batch.ops {
        let name = match op.kind {
            WalOpKind::Put => "PUT",
            WalOpKind::Merge => "MERGE",
            WalOpKind::PutBlobIndex => "PUT_BLOB_INDEX",
            WalOpKind::PutEntity => "PUT_ENTITY",
            WalOpKind::TimedPut => "TIMED_PUT",
            WalOpKind::Delete => "DELETE",
            WalOpKind::SingleDelete => "SINGLE_DELETE",
            WalOpKind::RangeDelete => "DELETE_RANGE",
            WalOpKind::LogData => continue,
            WalOpKind::Noop => {
                s.push_str("NOOP ");
                continue;
            }
            WalOpKind::BeginPrepare | WalOpKind::BeginPersistedPrepare => {
                s.push_str("BEGIN_PREPARE(false) ");
                continue;
            }
            WalOpKind::BeginUnprepare => {
                s.push_str("BEGIN_PREPARE(true) ");
                continue;
            }
            WalOpKind::EndPrepare | WalOpKind::Commit | WalOpKind::Rollback => {
                s.push_str(match op.kind {
                    WalOpKind::EndPrepare => "END_PREPARE(",
                    WalOpKind::Commit => "COMMIT(",
                    _ => "ROLLBACK(",
                });
                push_hex(&mut s, &op.key);
                s.push_str(") ");
                continue;
            }
            WalOpKind::CommitWithTimestamp => {
                s.push_str("COMMIT_WITH_TIMESTAMP(");
                push_hex(&mut s, &op.key);
                s.push_str(", ");
                push_hex(&mut s, &op.value);
                s.push_str(") ");
                continue;
            }
        };
        let _ = write!(s, "{name}({}) : ", op.cf);
        push_hex(&mut s, &op.key);
        s.push(' ');
        match op.kind {
            WalOpKind::Delete | WalOpKind::SingleDelete => {}
            WalOpKind::RangeDelete => {
                push_hex(&mut s, &op.value);
                s.push(' ');
            }
            _ if print_value => {
                s.push_str(": ");
                push_hex(&mut s, &op.value);
                s.push(' ');
            }
            _ => {}
        }
    }
    s
}
