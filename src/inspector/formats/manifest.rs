//! Read-only RocksDB MANIFEST reader: decodes every VersionEdit of the current MANIFEST and replays them into a per-column-family summary.
//!
//! The MANIFEST uses the same log format as the WAL (32 KiB blocks of CRC32C-protected
//! FULL/FIRST/MIDDLE/LAST fragments), read by the WAL module's log-record reader under
//! its MANIFEST rules; every logical record is one serialized `VersionEdit` (RocksDB
//! `db/version_edit.cc`).
//!
//! * [`read_manifest`] follows `CURRENT` to the live MANIFEST of a database directory.
//! * [`read_manifest_file`] reads a given MANIFEST file.
//! * [`oldest_wal_holder`] tells which column families keep the oldest WAL alive.
//! * [`ManifestSummary::blob_files`] lists the current version's blob files with the
//!   garbage the MANIFEST recorded in them.
//!
//! The file is opened read-only and only the bytes present at open time are read. A live
//! writer may be appending, so a damaged or incomplete record at the end is not an
//! error: reading stops there, the edits before it are kept and the position is reported
//! as [`Tail::Torn`]. A record that passes its checksum but does not decode as a
//! VersionEdit is an error ([`ManifestError::Decode`] / [`ManifestError::UnknownTag`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::inspector::formats::wal::{LogRecords, LogRules, Logical, WalTail};

// ------------------------------------------------------------------ public API

/// Errors naming the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// An I/O error on `path`.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `CURRENT` does not name a MANIFEST file of the same directory.
    #[error("{}: bad CURRENT file: {source}", path.display())]
    BadCurrent {
        /// Path of `CURRENT`.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: CurrentError,
    },
    /// A checksummed record does not decode as a VersionEdit.
    #[error("{}: bad VersionEdit in record at offset {offset}: {source}", path.display())]
    Decode {
        /// The MANIFEST file.
        path: PathBuf,
        /// File offset of the record's first fragment header.
        offset: u64,
        /// What could not be decoded.
        #[source]
        source: EditError,
    },
    /// A VersionEdit tag that is unknown and lacks the safe-ignore bit (`1 << 13`):
    /// written by a newer, forward-incompatible RocksDB.
    #[error(
        "{}: unknown VersionEdit tag {tag} (no safe-ignore bit) at byte {pos} of the record at offset {offset}",
        path.display()
    )]
    UnknownTag {
        /// The MANIFEST file.
        path: PathBuf,
        /// File offset of the record's first fragment header.
        offset: u64,
        /// Byte position of the tag inside the logical record.
        pos: usize,
        /// The tag value.
        tag: u32,
    },
    /// The edits decode but are inconsistent (e.g. an edit for a column family that
    /// was never added), which RocksDB would also reject as corruption.
    #[error("{}: inconsistent edit in record at offset {offset}: {source}", path.display())]
    Replay {
        /// The MANIFEST file.
        path: PathBuf,
        /// File offset of the record's first fragment header.
        offset: u64,
        /// What is inconsistent.
        #[source]
        source: ReplayError,
    },
}

/// Why `CURRENT` names no MANIFEST.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrentError {
    /// Its bytes are not text.
    #[error("not UTF-8")]
    NotUtf8(#[source] std::string::FromUtf8Error),
    /// RocksDB writes the name followed by a newline and rejects a `CURRENT` without it.
    #[error("{text:?} does not end with a newline (being rewritten?)")]
    NoNewline {
        /// What the file holds.
        text: String,
    },
    /// The name is not `MANIFEST-` and digits (nothing else, so never another directory).
    #[error("{name:?} is not a MANIFEST-NNNNNN file name")]
    NotAManifest {
        /// The name it holds.
        name: String,
    },
}

/// What is wrong in a checksummed record that does not decode as a VersionEdit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// A field that is truncated or out of range.
    #[error("bad {what}")]
    Field {
        /// The field, e.g. "log number".
        what: &'static str,
    },
    /// The payload of a safely ignorable (forward-compatible) tag overruns the record.
    #[error("bad safely ignorable tag {tag}")]
    IgnorableTag {
        /// The tag.
        tag: u32,
    },
    /// A kWalAddition field tag this reader does not know.
    #[error("unknown WAL addition tag {tag}")]
    WalAdditionTag {
        /// The tag.
        tag: u32,
    },
    /// The kNewFile4 "min log number to keep" field is not 8 bytes.
    #[error("min log number to keep (hack) size")]
    MinLogNumberSize,
    /// The kNewFile4 oldest-blob-file field is not a varint.
    #[error("new-file4 oldest blob file number")]
    OldestBlobFileNumber,
    /// The kNewFile4 path id is not one byte of at most 3.
    #[error("new-file4 path id")]
    PathId,
    /// A kNewFile4 custom field that must be understood and is not.
    #[error("new-file4 custom field {tag} not supported (forward-incompatible)")]
    NewFile4Field {
        /// The field tag.
        tag: u32,
    },
    /// A blob file custom field that must be understood and is not.
    #[error("forward-incompatible blob custom field {tag}")]
    BlobField {
        /// The field tag.
        tag: u32,
    },
}

/// An edit that decodes but does not fit the state the edits before it built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// A column family id added while it exists.
    #[error("column family {id} ({name:?}) added twice")]
    ColumnFamilyAddedTwice {
        /// Its id.
        id: u32,
        /// The name of the second addition.
        name: String,
    },
    /// A drop of a column family id that does not exist.
    #[error("dropping unknown column family {id}")]
    DropOfUnknownColumnFamily {
        /// The id.
        id: u32,
    },
    /// An edit for a column family id that does not exist.
    #[error("edit for unknown column family {id}")]
    UnknownColumnFamily {
        /// The id.
        id: u32,
    },
    /// A blob file number added while it exists.
    #[error("blob file {number} added twice")]
    BlobFileAddedTwice {
        /// The blob file number.
        number: u64,
    },
    /// Garbage recorded in a blob file that was never added.
    #[error("garbage recorded for unknown blob file {number}")]
    GarbageInUnknownBlobFile {
        /// The blob file number.
        number: u64,
    },
    /// An atomic group must be read whole before any other edit.
    #[error("atomic group interrupted by an edit outside it")]
    AtomicGroupInterrupted,
}

/// How the MANIFEST ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Tail {
    /// Every byte up to the size at open time was consumed.
    Clean,
    /// Reading stopped at `offset`: the start of the first record (or of the first
    /// incomplete atomic group) that was not applied.
    Torn {
        /// File offset where the unapplied data starts.
        offset: u64,
        /// Why reading stopped.
        reason: String,
    },
}

impl From<WalTail> for Tail {
    fn from(tail: WalTail) -> Self {
        match tail {
            WalTail::Clean => Tail::Clean,
            WalTail::Torn { offset, reason } => Tail::Torn { offset, reason },
        }
    }
}

/// State of one live column family after replaying the MANIFEST.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CfState {
    /// Column family id (0 = default).
    pub id: u32,
    /// Column family name (`default` for id 0).
    pub name: String,
    /// WALs numbered below this hold no data of this column family (everything
    /// written before was flushed); 0 when the MANIFEST never recorded one.
    /// Like RocksDB, a smaller value recorded later is ignored.
    pub log_number: u64,
    /// SST files currently in this column family's LSM tree (added minus deleted).
    pub live_files: u64,
    /// The comparator name recorded for this column family, if any.
    pub comparator: Option<String>,
}

/// The result of replaying a MANIFEST.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManifestSummary {
    /// File name of the MANIFEST read, e.g. `MANIFEST-000005`.
    pub manifest: String,
    /// Live (not dropped) column families, ordered by id.
    pub column_families: Vec<CfState>,
    /// The last recorded next file number. Note `ldb manifest_dump` prints this
    /// value plus one (what a DB opened on this MANIFEST would use).
    pub next_file_number: Option<u64>,
    /// The last recorded last sequence number.
    pub last_sequence: Option<u64>,
    /// The largest recorded minimum WAL number to keep (kMinLogNumberToKeep, also
    /// carried inside kNewFile4 as a custom field).
    pub min_log_number_to_keep: Option<u64>,
    /// Number of VersionEdits applied (edits of an incomplete trailing atomic group
    /// are not applied and not counted).
    pub edits: u64,
    /// How the file ended.
    pub tail: Tail,
    /// Blob files of the current version, by column family id then number.
    pub blob_files: Vec<BlobFile>,
    /// SST files of the current version, by column family id then number (left out of
    /// JSON: their keys are bytes, and thousands of them).
    #[serde(skip)]
    pub live_ssts: Vec<LiveSst>,
}

/// One SST file of the current version, as its kNewFile edit recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveSst {
    /// Its column family's name.
    pub cf: String,
    /// Its LSM level.
    pub level: u32,
    /// Its number (`NNNNNN.sst`).
    pub number: u64,
    /// Its size in bytes, as written (what `ldb checkconsistency` compares).
    pub size: u64,
    /// Its smallest and largest user keys.
    pub smallest: Vec<u8>,
    /// See `smallest`.
    pub largest: Vec<u8>,
    /// The oldest blob file it refers to (0: none).
    pub oldest_blob: u64,
}

/// One blob file of the current version, with the figures `ldb manifest_dump` prints
/// for it: what was written to it and how much of that later compactions found
/// overwritten or deleted (garbage, reclaimed only by blob garbage collection or
/// when every blob in the file is garbage).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BlobFile {
    /// The column family it belongs to.
    pub cf: String,
    /// Its number (`NNNNNN.blob`).
    pub number: u64,
    /// Blobs written to it.
    pub total_blob_count: u64,
    /// Their bytes (records with their headers; the file adds a header and footer).
    pub total_blob_bytes: u64,
    /// Blobs no live SST refers to any more.
    pub garbage_blob_count: u64,
    /// Their bytes.
    pub garbage_blob_bytes: u64,
    /// Live SST files whose oldest blob reference is this file.
    pub linked_ssts: u64,
}

/// Reads the MANIFEST named by `db_dir/CURRENT` and replays it.
///
/// If the named MANIFEST disappears between reading `CURRENT` and opening it (the DB
/// rolled to a new MANIFEST meanwhile), `CURRENT` is read again, a few times at most.
pub fn read_manifest(db_dir: &Path) -> Result<ManifestSummary, ManifestError> {
    let mut attempt = 0;
    loop {
        let name = current_manifest_name(db_dir)?;
        let path = db_dir.join(&name);
        match File::open(&path) {
            Ok(file) => return read_open_manifest(file, &path, name),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempt < 3 => attempt += 1,
            Err(e) => return Err(io_err(&path)(e)),
        }
    }
}

/// Reads and replays one MANIFEST file (any name; e.g. a copy or an older MANIFEST).
pub fn read_manifest_file(path: &Path) -> Result<ManifestSummary, ManifestError> {
    let file = File::open(path).map_err(io_err(path))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_open_manifest(file, path, name)
}

/// Finds the oldest of `wal_numbers` and the live column families that keep it alive.
///
/// RocksDB's rule: WAL `W` may still hold unflushed data of column family `C` iff
/// `W >= C.log_number` (every write to `C` in WALs older than `C.log_number` has been
/// flushed; on flush `log_number` advances to the WAL that was current when the
/// memtable was switched). A WAL is needed while any live column family needs it.
///
/// Returns `None` when `wal_numbers` is empty; otherwise `(W, names)` with `W` the
/// smallest number given and `names` the column families (by id order) whose
/// `log_number <= W` according to the MANIFEST. Exactly:
///
/// * `names` non-empty: recovery from this MANIFEST would replay `W` for those column
///   families; flushing them (and only them) lets RocksDB delete `W`. A column family
///   that has received no write since its last flush can still be listed: RocksDB
///   advances the log number of an empty column family in memory at each WAL switch
///   without writing that to the MANIFEST, so the MANIFEST value can be stale for idle
///   column families (the list is an upper bound of the true holders).
/// * `names` empty: no column family needs `W`; it is obsolete as far as the LSM state
///   goes, and is still on disk only because it awaits purging, is archived
///   (`WAL_ttl_seconds` / `WAL_size_limit_MB`) or is pinned by a prepared 2PC
///   transaction (see [`ManifestSummary::min_log_number_to_keep`]).
pub fn oldest_wal_holder(
    summary: &ManifestSummary,
    wal_numbers: &[u64],
) -> Option<(u64, Vec<String>)> {
    let oldest = *wal_numbers.iter().min()?;
    let names = summary
        .column_families
        .iter()
        .filter(|cf| cf.log_number <= oldest)
        .map(|cf| cf.name.clone())
        .collect();
    Some((oldest, names))
}

// ------------------------------------------------------------------ CURRENT

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ManifestError + '_ {
    move |source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn current_manifest_name(db_dir: &Path) -> Result<String, ManifestError> {
    let path = db_dir.join("CURRENT");
    let raw = std::fs::read(&path).map_err(io_err(&path))?;
    let bad = |source: CurrentError| ManifestError::BadCurrent {
        path: path.clone(),
        source,
    };
    let text = String::from_utf8(raw).map_err(|e| bad(CurrentError::NotUtf8(e)))?;
    // RocksDB writes the name followed by a newline and rejects a CURRENT without it.
    let Some(name) = text.strip_suffix('\n') else {
        return Err(bad(CurrentError::NoNewline { text }));
    };
    let valid = name
        .strip_prefix("MANIFEST-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        return Err(bad(CurrentError::NotAManifest { name: name.into() }));
    }
    Ok(name.to_string())
}

fn manifest_number(name: &str) -> u64 {
    name.strip_prefix("MANIFEST-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

// ------------------------------------------------------------------ VersionEdit

const K_COMPARATOR: u32 = 1;
const K_LOG_NUMBER: u32 = 2;
const K_NEXT_FILE_NUMBER: u32 = 3;
const K_LAST_SEQUENCE: u32 = 4;
const K_COMPACT_CURSOR: u32 = 5;
const K_DELETED_FILE: u32 = 6;
const K_NEW_FILE: u32 = 7;
const K_PREV_LOG_NUMBER: u32 = 9;
const K_MIN_LOG_NUMBER_TO_KEEP: u32 = 10;
const K_NEW_FILE2: u32 = 100;
const K_NEW_FILE3: u32 = 102;
const K_NEW_FILE4: u32 = 103;
const K_COLUMN_FAMILY: u32 = 200;
const K_COLUMN_FAMILY_ADD: u32 = 201;
const K_COLUMN_FAMILY_DROP: u32 = 202;
const K_MAX_COLUMN_FAMILY: u32 = 203;
const K_IN_ATOMIC_GROUP: u32 = 300;
const K_BLOB_FILE_ADDITION: u32 = 400;
const K_BLOB_FILE_GARBAGE: u32 = 401;
const K_TAG_SAFE_IGNORE_MASK: u32 = 1 << 13;
const K_DB_ID: u32 = K_TAG_SAFE_IGNORE_MASK + 1;
const K_BLOB_FILE_ADDITION_DEPRECATED: u32 = K_TAG_SAFE_IGNORE_MASK + 2;
const K_BLOB_FILE_GARBAGE_DEPRECATED: u32 = K_TAG_SAFE_IGNORE_MASK + 3;
/// Not length-prefixed (unlike the later kWalAddition2).
const K_WAL_ADDITION: u32 = K_TAG_SAFE_IGNORE_MASK + 4;
/// Not length-prefixed (unlike the later kWalDeletion2).
const K_WAL_DELETION: u32 = K_TAG_SAFE_IGNORE_MASK + 5;
// kFullHistoryTsLow, kWalAddition2, kWalDeletion2, kPersistUserDefinedTimestamps,
// kSubcompactionProgress, kLastCompactedManifestFileSize (+6..+11) are all
// length-prefixed, so the generic safe-ignore path handles them.

// NewFile4 custom field tags.
const NF_TERMINATE: u32 = 1;
const NF_MIN_LOG_NUMBER_TO_KEEP_HACK: u32 = 3;
const NF_OLDEST_BLOB_FILE_NUMBER: u32 = 4;
const NF_NON_SAFE_IGNORE_MASK: u32 = 1 << 6;
const NF_PATH_ID: u32 = NF_NON_SAFE_IGNORE_MASK + 1;

// Blob file addition/garbage custom field tags.
const BLOB_END_MARKER: u32 = 0;
const BLOB_FORWARD_INCOMPATIBLE_MASK: u32 = 1 << 6;

// WalAddition tags.
const WAL_TERMINATE: u32 = 1;
const WAL_SYNCED_SIZE: u32 = 2;

/// The parts of a VersionEdit the summary needs.
#[derive(Debug, Default, PartialEq, Eq)]
struct Edit {
    comparator: Option<String>,
    log_number: Option<u64>,
    next_file_number: Option<u64>,
    last_sequence: Option<u64>,
    min_log_number_to_keep: Option<u64>,
    column_family: u32,
    cf_add: Option<String>,
    cf_drop: bool,
    /// (level, file number)
    deleted_files: Vec<(u32, u64)>,
    new_files: Vec<LiveSst>,
    /// (blob file number, blob count, blob bytes)
    blob_additions: Vec<(u64, u64, u64)>,
    /// (blob file number, garbage count, garbage bytes): added to what the file had.
    blob_garbage: Vec<(u64, u64, u64)>,
    /// kInAtomicGroup: entries remaining in the group after this one.
    atomic_remaining: Option<u32>,
}

/// A decoding failure: byte position inside the record and reason.
#[derive(Debug, PartialEq, Eq)]
enum DecodeErr {
    Bad(usize, EditError),
    UnknownTag(usize, u32),
}

impl DecodeErr {
    /// The same failure, told as the payload of safely ignorable tag `tag`.
    fn in_ignorable_tag(self, tag: u32) -> Self {
        match self {
            DecodeErr::Bad(pos, _) => DecodeErr::Bad(pos, EditError::IgnorableTag { tag }),
            other => other,
        }
    }
}

struct Input<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Input { buf, pos: 0 }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn bad<T>(&self, what: &'static str) -> Result<T, DecodeErr> {
        Err(DecodeErr::Bad(self.pos, EditError::Field { what }))
    }

    fn varint64(&mut self, what: &'static str) -> Result<u64, DecodeErr> {
        let mut v = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos + i) else {
                return self.bad(what);
            };
            if i == 9 && b > 1 {
                return self.bad(what);
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.pos += i + 1;
                return Ok(v);
            }
        }
        self.bad(what)
    }

    fn varint32(&mut self, what: &'static str) -> Result<u32, DecodeErr> {
        let start = self.pos;
        let v = self.varint64(what)?;
        if self.pos - start > 5 || v > u64::from(u32::MAX) {
            self.pos = start;
            return self.bad(what);
        }
        Ok(v as u32)
    }

    fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeErr> {
        if self.buf.len() - self.pos < n {
            return self.bad(what);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn slice(&mut self, what: &'static str) -> Result<&'a [u8], DecodeErr> {
        let start = self.pos;
        let n = self.varint32(what)? as usize;
        self.bytes(n, what).inspect_err(|_| self.pos = start)
    }

    fn string(&mut self, what: &'static str) -> Result<String, DecodeErr> {
        Ok(String::from_utf8_lossy(self.slice(what)?).into_owned())
    }

    /// A length-prefixed internal key (user key + 8-byte sequence/type trailer).
    /// An internal key; its user key (the key without the 8-byte sequence and type).
    fn internal_key(&mut self, what: &'static str) -> Result<Vec<u8>, DecodeErr> {
        let start = self.pos;
        let key = self.slice(what)?;
        if key.len() < 8 {
            self.pos = start;
            return self.bad(what);
        }
        Ok(key[..key.len() - 8].to_vec())
    }
}

fn decode_edit(buf: &[u8]) -> Result<Edit, DecodeErr> {
    let mut e = Edit::default();
    let mut inp = Input::new(buf);
    while !inp.is_empty() {
        let tag_pos = inp.pos;
        let tag = inp.varint32("tag")?;
        match tag {
            K_COMPARATOR => e.comparator = Some(inp.string("comparator name")?),
            K_LOG_NUMBER => e.log_number = Some(inp.varint64("log number")?),
            K_PREV_LOG_NUMBER => {
                inp.varint64("previous log number")?;
            }
            K_NEXT_FILE_NUMBER => e.next_file_number = Some(inp.varint64("next file number")?),
            K_MAX_COLUMN_FAMILY => {
                inp.varint32("max column family")?;
            }
            K_MIN_LOG_NUMBER_TO_KEEP => {
                let v = inp.varint64("min log number to keep")?;
                e.min_log_number_to_keep = Some(e.min_log_number_to_keep.map_or(v, |m| m.max(v)));
            }
            K_LAST_SEQUENCE => e.last_sequence = Some(inp.varint64("last sequence number")?),
            K_COMPACT_CURSOR => {
                inp.varint32("compaction cursor level")?;
                inp.internal_key("compaction cursor")?;
            }
            K_DELETED_FILE => {
                let level = inp.varint32("deleted file level")?;
                let number = inp.varint64("deleted file number")?;
                e.deleted_files.push((level, number));
            }
            K_NEW_FILE | K_NEW_FILE2 | K_NEW_FILE3 => {
                let level = inp.varint32("new-file level")?;
                let number = inp.varint64("new-file number")?;
                if tag == K_NEW_FILE3 {
                    inp.varint32("new-file path id")?;
                }
                let size = inp.varint64("new-file size")?;
                let smallest = inp.internal_key("new-file smallest key")?;
                let largest = inp.internal_key("new-file largest key")?;
                if tag != K_NEW_FILE {
                    inp.varint64("new-file smallest seqno")?;
                    inp.varint64("new-file largest seqno")?;
                }
                e.new_files.push(LiveSst {
                    cf: String::new(),
                    level,
                    number: number & 0x3FFF_FFFF_FFFF_FFFF,
                    size,
                    smallest,
                    largest,
                    oldest_blob: 0,
                });
            }
            K_NEW_FILE4 => decode_new_file4(&mut inp, &mut e)?,
            K_BLOB_FILE_ADDITION | K_BLOB_FILE_ADDITION_DEPRECATED => {
                let number = inp.varint64("blob file number")?;
                let count = inp.varint64("total blob count")?;
                let bytes = inp.varint64("total blob bytes")?;
                inp.slice("blob checksum method")?;
                inp.slice("blob checksum value")?;
                skip_blob_custom_fields(&mut inp)?;
                e.blob_additions.push((number, count, bytes));
            }
            K_BLOB_FILE_GARBAGE | K_BLOB_FILE_GARBAGE_DEPRECATED => {
                let number = inp.varint64("blob file number")?;
                let count = inp.varint64("garbage blob count")?;
                let bytes = inp.varint64("garbage blob bytes")?;
                skip_blob_custom_fields(&mut inp)?;
                e.blob_garbage.push((number, count, bytes));
            }
            K_WAL_ADDITION => {
                inp.varint64("WAL addition log number")?;
                loop {
                    let pos = inp.pos;
                    match inp.varint32("WAL addition tag")? {
                        WAL_TERMINATE => break,
                        WAL_SYNCED_SIZE => {
                            inp.varint64("WAL synced size")?;
                        }
                        tag => return Err(DecodeErr::Bad(pos, EditError::WalAdditionTag { tag })),
                    }
                }
            }
            K_WAL_DELETION => {
                inp.varint64("WAL deletion log number")?;
            }
            K_DB_ID => {
                inp.slice("db id")?;
            }
            K_COLUMN_FAMILY => e.column_family = inp.varint32("column family id")?,
            K_COLUMN_FAMILY_ADD => e.cf_add = Some(inp.string("column family add")?),
            K_COLUMN_FAMILY_DROP => e.cf_drop = true,
            K_IN_ATOMIC_GROUP => e.atomic_remaining = Some(inp.varint32("remaining entries")?),
            t if t & K_TAG_SAFE_IGNORE_MASK != 0 => {
                // Forward-compatible tag: a length-prefixed payload we can skip.
                inp.slice("safely ignorable tag")
                    .map_err(|e| e.in_ignorable_tag(t))?;
            }
            t => return Err(DecodeErr::UnknownTag(tag_pos, t)),
        }
    }
    Ok(e)
}

fn decode_new_file4(inp: &mut Input<'_>, e: &mut Edit) -> Result<(), DecodeErr> {
    let level = inp.varint32("new-file4 level")?;
    let number = inp.varint64("new-file4 number")?;
    let size = inp.varint64("new-file4 size")?;
    let smallest = inp.internal_key("new-file4 smallest key")?;
    let largest = inp.internal_key("new-file4 largest key")?;
    inp.varint64("new-file4 smallest seqno")?;
    inp.varint64("new-file4 largest seqno")?;
    let mut oldest_blob = 0;
    loop {
        let pos = inp.pos;
        let tag = inp.varint32("new-file4 custom field tag")?;
        if tag == NF_TERMINATE {
            break;
        }
        let field = inp.slice("new-file4 custom field")?;
        match tag {
            NF_MIN_LOG_NUMBER_TO_KEEP_HACK => {
                let Ok(b) = <[u8; 8]>::try_from(field) else {
                    return Err(DecodeErr::Bad(pos, EditError::MinLogNumberSize));
                };
                let v = u64::from_le_bytes(b);
                e.min_log_number_to_keep = Some(e.min_log_number_to_keep.map_or(v, |m| m.max(v)));
            }
            NF_OLDEST_BLOB_FILE_NUMBER => {
                let mut f = Input::new(field);
                oldest_blob = f
                    .varint64("oldest blob file number")
                    .map_err(|_| DecodeErr::Bad(pos, EditError::OldestBlobFileNumber))?;
            }
            NF_PATH_ID if field.len() != 1 || field[0] > 3 => {
                return Err(DecodeErr::Bad(pos, EditError::PathId));
            }
            NF_PATH_ID => {}
            tag if tag & NF_NON_SAFE_IGNORE_MASK != 0 => {
                return Err(DecodeErr::Bad(pos, EditError::NewFile4Field { tag }));
            }
            _ => {} // known fields we don't need, or safely ignorable ones
        }
    }
    e.new_files.push(LiveSst {
        cf: String::new(),
        level,
        number,
        size,
        smallest,
        largest,
        oldest_blob,
    });
    Ok(())
}

fn skip_blob_custom_fields(inp: &mut Input<'_>) -> Result<(), DecodeErr> {
    loop {
        let pos = inp.pos;
        let tag = inp.varint32("blob custom field tag")?;
        if tag == BLOB_END_MARKER {
            return Ok(());
        }
        if tag & BLOB_FORWARD_INCOMPATIBLE_MASK != 0 {
            return Err(DecodeErr::Bad(pos, EditError::BlobField { tag }));
        }
        inp.slice("blob custom field")?;
    }
}

// ------------------------------------------------------------------ replay

struct Cf {
    name: String,
    log_number: u64,
    /// Live SST files by number.
    files: BTreeMap<u64, LiveSst>,
    /// Blob files added and not yet dropped: (count, bytes, garbage count, garbage bytes).
    blobs: BTreeMap<u64, [u64; 4]>,
    comparator: Option<String>,
}

impl Cf {
    fn new(name: String) -> Self {
        Cf {
            name,
            log_number: 0,
            files: BTreeMap::new(),
            blobs: BTreeMap::new(),
            comparator: None,
        }
    }

    /// The blob files RocksDB 7.8 keeps in the version it builds from these edits
    /// (`VersionBuilder::SaveBlobFilesTo`): none older than the oldest file an SST links
    /// to, and none that no SST links to whose every blob is garbage.
    fn live_blob_files(&self) -> Vec<BlobFile> {
        let mut linked: BTreeMap<u64, u64> = BTreeMap::new();
        for oldest in self
            .files
            .values()
            .map(|f| f.oldest_blob)
            .filter(|&b| b != 0)
        {
            *linked.entry(oldest).or_default() += 1;
        }
        // Linked SSTs count only for blob files that exist; 0 (none) keeps them all.
        let oldest_linked = self
            .blobs
            .keys()
            .find(|n| linked.contains_key(n))
            .copied()
            .unwrap_or(0);
        self.blobs
            .range(oldest_linked..)
            .filter_map(|(&number, &[count, bytes, garbage_count, garbage_bytes])| {
                let linked_ssts = linked.get(&number).copied().unwrap_or(0);
                (linked_ssts > 0 || garbage_count < count).then(|| BlobFile {
                    cf: self.name.clone(),
                    number,
                    total_blob_count: count,
                    total_blob_bytes: bytes,
                    garbage_blob_count: garbage_count,
                    garbage_blob_bytes: garbage_bytes,
                    linked_ssts,
                })
            })
            .collect()
    }
}

#[derive(Default)]
struct Replay {
    cfs: BTreeMap<u32, Cf>,
    next_file_number: Option<u64>,
    last_sequence: Option<u64>,
    min_log_number_to_keep: Option<u64>,
    edits: u64,
}

impl Replay {
    fn new() -> Self {
        let mut r = Replay::default();
        // The default column family exists implicitly; its first edit has no
        // kColumnFamilyAdd.
        r.cfs.insert(0, Cf::new("default".into()));
        r
    }

    fn apply(&mut self, e: Edit) -> Result<(), ReplayError> {
        let id = e.column_family;
        if let Some(name) = e.cf_add {
            if self.cfs.contains_key(&id) {
                return Err(ReplayError::ColumnFamilyAddedTwice { id, name });
            }
            self.cfs.insert(id, Cf::new(name));
        } else if e.cf_drop {
            if self.cfs.remove(&id).is_none() {
                return Err(ReplayError::DropOfUnknownColumnFamily { id });
            }
        } else if !self.cfs.contains_key(&id) {
            return Err(ReplayError::UnknownColumnFamily { id });
        }
        if let Some(cf) = self.cfs.get_mut(&id) {
            for (_, n) in &e.deleted_files {
                cf.files.remove(n);
            }
            for file in &e.new_files {
                let file = LiveSst {
                    cf: cf.name.clone(),
                    ..file.clone()
                };
                cf.files.insert(file.number, file);
            }
            for &(n, count, bytes) in &e.blob_additions {
                if cf.blobs.insert(n, [count, bytes, 0, 0]).is_some() {
                    return Err(ReplayError::BlobFileAddedTwice { number: n });
                }
            }
            for &(n, count, bytes) in &e.blob_garbage {
                let Some(blob) = cf.blobs.get_mut(&n) else {
                    return Err(ReplayError::GarbageInUnknownBlobFile { number: n });
                };
                blob[2] += count;
                blob[3] += bytes;
            }
            if let Some(n) = e.log_number {
                // RocksDB ignores a log number smaller than the current one.
                cf.log_number = cf.log_number.max(n);
            }
            if let Some(c) = e.comparator {
                cf.comparator = Some(c);
            }
        }
        if let Some(n) = e.next_file_number {
            self.next_file_number = Some(n);
        }
        if let Some(n) = e.last_sequence {
            self.last_sequence = Some(n);
        }
        if let Some(n) = e.min_log_number_to_keep {
            self.min_log_number_to_keep = Some(self.min_log_number_to_keep.map_or(n, |m| m.max(n)));
        }
        self.edits += 1;
        Ok(())
    }
}

fn read_open_manifest(
    file: File,
    path: &Path,
    name: String,
) -> Result<ManifestSummary, ManifestError> {
    let mut reader =
        LogRecords::new(file, manifest_number(&name), LogRules::Manifest).map_err(io_err(path))?;
    let mut replay = Replay::new();
    // Edits of an atomic group are applied together once the last one is read.
    let mut group: Vec<(u64, Edit)> = Vec::new();
    let tail = loop {
        let (offset, data) = match reader.next() {
            Some(Ok(Logical::Record { offset, data, .. })) => (offset, data),
            // kSetCompressionType is metadata the MANIFEST reader does not act on.
            Some(Ok(Logical::SetCompression(_))) => continue,
            Some(Err(e)) => return Err(io_err(path)(e)),
            None => break Tail::from(reader.tail().expect("tail after the last record").clone()),
        };
        let edit = decode_edit(data).map_err(|e| match e {
            DecodeErr::Bad(_, source) => ManifestError::Decode {
                path: path.to_path_buf(),
                offset,
                source,
            },
            DecodeErr::UnknownTag(pos, tag) => ManifestError::UnknownTag {
                path: path.to_path_buf(),
                offset,
                pos,
                tag,
            },
        })?;
        let replay_err = |offset: u64, source: ReplayError| ManifestError::Replay {
            path: path.to_path_buf(),
            offset,
            source,
        };
        match edit.atomic_remaining {
            Some(remaining) => {
                group.push((offset, edit));
                if remaining == 0 {
                    for (off, e) in group.drain(..) {
                        replay.apply(e).map_err(|r| replay_err(off, r))?;
                    }
                }
            }
            None => {
                if !group.is_empty() {
                    return Err(replay_err(offset, ReplayError::AtomicGroupInterrupted));
                }
                replay.apply(edit).map_err(|r| replay_err(offset, r))?;
            }
        }
    };
    let tail = match group.first() {
        Some((start, _)) => Tail::Torn {
            offset: *start,
            reason: match tail {
                Tail::Clean => "incomplete atomic group at end of file".into(),
                Tail::Torn { reason, .. } => format!("incomplete atomic group; {reason}"),
            },
        },
        None => tail,
    };
    let blob_files = replay.cfs.values().flat_map(Cf::live_blob_files).collect();
    let live_ssts = replay
        .cfs
        .values()
        .flat_map(|cf| cf.files.values().cloned())
        .collect();
    Ok(ManifestSummary {
        manifest: name,
        blob_files,
        live_ssts,
        column_families: replay
            .cfs
            .into_iter()
            .map(|(id, cf)| CfState {
                id,
                name: cf.name,
                log_number: cf.log_number,
                live_files: cf.files.len() as u64,
                comparator: cf.comparator,
            })
            .collect(),
        next_file_number: replay.next_file_number,
        last_sequence: replay.last_sequence,
        min_log_number_to_keep: replay.min_log_number_to_keep,
        edits: replay.edits,
        tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspector::formats::wal::{HEADER_SIZE, write_log};

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn put_slice(out: &mut Vec<u8>, s: &[u8]) {
        put_varint(out, s.len() as u64);
        out.extend_from_slice(s);
    }

    fn ikey(user: &[u8]) -> Vec<u8> {
        let mut k = user.to_vec();
        k.extend_from_slice(&((1u64 << 8) | 1).to_le_bytes());
        k
    }

    fn write_db(records: &[Vec<u8>]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("CURRENT"), "MANIFEST-000007\n").unwrap();
        std::fs::write(d.path().join("MANIFEST-000007"), write_log(records)).unwrap();
        d
    }

    fn new_file4(out: &mut Vec<u8>, level: u64, number: u64, custom: &[(u32, Vec<u8>)]) {
        put_varint(out, u64::from(K_NEW_FILE4));
        put_varint(out, level);
        put_varint(out, number);
        put_varint(out, 1234);
        put_slice(out, &ikey(b"a"));
        put_slice(out, &ikey(b"z"));
        put_varint(out, 1);
        put_varint(out, 9);
        for (t, v) in custom {
            put_varint(out, u64::from(*t));
            put_slice(out, v);
        }
        put_varint(out, u64::from(NF_TERMINATE));
    }

    fn tag(out: &mut Vec<u8>, t: u32, v: u64) {
        put_varint(out, u64::from(t));
        put_varint(out, v);
    }

    #[test]
    fn replays_all_tag_kinds() {
        let mut e0 = Vec::new();
        put_varint(&mut e0, u64::from(K_COMPARATOR));
        put_slice(&mut e0, b"leveldb.BytewiseComparator");
        put_varint(&mut e0, u64::from(K_DB_ID));
        put_slice(&mut e0, b"some-db-id");
        tag(&mut e0, K_LOG_NUMBER, 4);
        tag(&mut e0, K_NEXT_FILE_NUMBER, 10);
        tag(&mut e0, K_LAST_SEQUENCE, 77);
        // kWalAddition is NOT length-prefixed: number, kSyncedSize, size, kTerminate.
        tag(&mut e0, K_WAL_ADDITION, 4);
        tag(&mut e0, WAL_SYNCED_SIZE, 100);
        put_varint(&mut e0, u64::from(WAL_TERMINATE));
        tag(&mut e0, K_WAL_DELETION, 3);
        // Length-prefixed forward-compatible tags, known and unknown.
        put_varint(&mut e0, u64::from(K_TAG_SAFE_IGNORE_MASK + 7)); // kWalAddition2
        put_slice(&mut e0, &[4, 2, 100, 1]);
        put_varint(&mut e0, u64::from(K_TAG_SAFE_IGNORE_MASK + 500));
        put_slice(&mut e0, b"future stuff");
        new_file4(
            &mut e0,
            0,
            8,
            &[
                (NF_MIN_LOG_NUMBER_TO_KEEP_HACK, 3u64.to_le_bytes().to_vec()),
                (NF_PATH_ID, vec![0]),
                (5, vec![0x81, 0x01]),
                (30, b"unknown but safe".to_vec()),
            ],
        );
        // kNewFile (legacy) / kNewFile2 / kNewFile3
        for (t, n) in [(K_NEW_FILE, 11u64), (K_NEW_FILE2, 12), (K_NEW_FILE3, 13)] {
            put_varint(&mut e0, u64::from(t));
            put_varint(&mut e0, 1);
            put_varint(&mut e0, n);
            if t == K_NEW_FILE3 {
                put_varint(&mut e0, 0);
            }
            put_varint(&mut e0, 99);
            put_slice(&mut e0, &ikey(b"b"));
            put_slice(&mut e0, &ikey(b"c"));
            if t != K_NEW_FILE {
                put_varint(&mut e0, 2);
                put_varint(&mut e0, 3);
            }
        }
        put_varint(&mut e0, u64::from(K_COMPACT_CURSOR));
        put_varint(&mut e0, 1);
        put_slice(&mut e0, &ikey(b"m"));
        put_varint(&mut e0, u64::from(K_BLOB_FILE_ADDITION));
        for v in [20u64, 5, 500] {
            put_varint(&mut e0, v);
        }
        put_slice(&mut e0, b"");
        put_slice(&mut e0, b"");
        put_varint(&mut e0, 0);
        put_varint(&mut e0, u64::from(K_BLOB_FILE_GARBAGE));
        for v in [20u64, 1, 100] {
            put_varint(&mut e0, v);
        }
        put_varint(&mut e0, 0);

        // Add cf 1 "hot" and cf 2 "cold" in an atomic group, then drop 2.
        let mut e1 = Vec::new();
        tag(&mut e1, K_COLUMN_FAMILY, 1);
        put_varint(&mut e1, u64::from(K_COLUMN_FAMILY_ADD));
        put_slice(&mut e1, b"hot");
        tag(&mut e1, K_IN_ATOMIC_GROUP, 1);
        let mut e2 = Vec::new();
        tag(&mut e2, K_COLUMN_FAMILY, 2);
        put_varint(&mut e2, u64::from(K_COLUMN_FAMILY_ADD));
        put_slice(&mut e2, b"cold");
        tag(&mut e2, K_IN_ATOMIC_GROUP, 0);
        tag(&mut e2, K_MAX_COLUMN_FAMILY, 2);
        let mut e3 = Vec::new();
        tag(&mut e3, K_COLUMN_FAMILY, 2);
        put_varint(&mut e3, u64::from(K_COLUMN_FAMILY_DROP));
        // Flush of hot, then a trivial move + deletion in default; a lower log number
        // for default is ignored as RocksDB does.
        let mut e4 = Vec::new();
        tag(&mut e4, K_COLUMN_FAMILY, 1);
        tag(&mut e4, K_LOG_NUMBER, 9);
        tag(&mut e4, K_PREV_LOG_NUMBER, 0);
        tag(&mut e4, K_MIN_LOG_NUMBER_TO_KEEP, 4);
        new_file4(&mut e4, 0, 14, &[]);
        let mut e5 = Vec::new();
        tag(&mut e5, K_LOG_NUMBER, 2);
        put_varint(&mut e5, u64::from(K_DELETED_FILE));
        put_varint(&mut e5, 0);
        put_varint(&mut e5, 8);
        new_file4(&mut e5, 1, 8, &[]);
        put_varint(&mut e5, u64::from(K_DELETED_FILE));
        put_varint(&mut e5, 1);
        put_varint(&mut e5, 11);
        tag(&mut e5, K_LAST_SEQUENCE, 90);
        // A big edit spanning several blocks.
        let mut e6 = Vec::new();
        put_varint(&mut e6, u64::from(K_TAG_SAFE_IGNORE_MASK + 99));
        put_slice(&mut e6, &vec![7u8; 100_000]);
        tag(&mut e6, K_NEXT_FILE_NUMBER, 15);

        let d = write_db(&[e0, e1, e2, e3, e4, e5, e6]);
        let s = read_manifest(d.path()).unwrap();
        assert_eq!(s.manifest, "MANIFEST-000007");
        assert_eq!(s.tail, Tail::Clean);
        assert_eq!(s.edits, 7);
        assert_eq!(s.next_file_number, Some(15));
        assert_eq!(s.last_sequence, Some(90));
        assert_eq!(s.min_log_number_to_keep, Some(4));
        assert_eq!(
            s.column_families,
            vec![
                CfState {
                    id: 0,
                    name: "default".into(),
                    log_number: 4,
                    live_files: 3, // 8 (moved), 12, 13
                    comparator: Some("leveldb.BytewiseComparator".into()),
                },
                CfState {
                    id: 1,
                    name: "hot".into(),
                    log_number: 9,
                    live_files: 1,
                    comparator: None,
                },
            ]
        );
        assert_eq!(
            oldest_wal_holder(&s, &[9, 5, 12]),
            Some((5, vec!["default".to_string()]))
        );
        assert_eq!(
            oldest_wal_holder(&s, &[9]),
            Some((9, vec!["default".to_string(), "hot".to_string()]))
        );
        assert_eq!(oldest_wal_holder(&s, &[]), None);
        // Blob file 20: 5 blobs, one of them garbage, linked to no SST.
        assert_eq!(
            s.blob_files,
            vec![BlobFile {
                cf: "default".into(),
                number: 20,
                total_blob_count: 5,
                total_blob_bytes: 500,
                garbage_blob_count: 1,
                garbage_blob_bytes: 100,
                linked_ssts: 0,
            }]
        );
    }

    fn blob_addition(out: &mut Vec<u8>, number: u64, count: u64) {
        put_varint(out, u64::from(K_BLOB_FILE_ADDITION));
        for v in [number, count, count * 100] {
            put_varint(out, v);
        }
        put_slice(out, b"");
        put_slice(out, b"");
        put_varint(out, 0);
    }

    fn blob_garbage(out: &mut Vec<u8>, number: u64, count: u64) {
        put_varint(out, u64::from(K_BLOB_FILE_GARBAGE));
        for v in [number, count, count * 100] {
            put_varint(out, v);
        }
        put_varint(out, 0);
    }

    /// RocksDB 7.8 drops blob files older than the oldest one an SST links to, and
    /// unlinked ones whose every blob is garbage; garbage adds up across edits.
    #[test]
    fn blob_files_follow_rocksdbs_drop_rules() {
        let mut e0 = Vec::new();
        for n in [5, 6, 7, 8] {
            blob_addition(&mut e0, n, 4);
        }
        let mut oldest = Vec::new();
        put_varint(&mut oldest, 6);
        new_file4(&mut e0, 0, 10, &[(NF_OLDEST_BLOB_FILE_NUMBER, oldest)]);
        let mut e1 = Vec::new();
        blob_garbage(&mut e1, 5, 1);
        blob_garbage(&mut e1, 6, 1);
        blob_garbage(&mut e1, 7, 4);
        blob_garbage(&mut e1, 8, 1);
        blob_garbage(&mut e1, 8, 2);
        let d = write_db(&[e0, e1]);
        let s = read_manifest(d.path()).unwrap();
        let got: Vec<(u64, u64, u64, u64)> = s
            .blob_files
            .iter()
            .map(|b| {
                (
                    b.number,
                    b.garbage_blob_count,
                    b.garbage_blob_bytes,
                    b.linked_ssts,
                )
            })
            .collect();
        // 5 is older than 6 (the oldest linked), 7 is all garbage and unlinked.
        assert_eq!(got, [(6, 1, 100, 1), (8, 3, 300, 0)]);

        let mut bad = Vec::new();
        blob_garbage(&mut bad, 99, 1);
        let d = write_db(&[bad]);
        assert!(matches!(
            read_manifest(d.path()),
            Err(ManifestError::Replay { .. })
        ));
    }

    #[test]
    fn unknown_tag_without_safe_ignore_bit_is_an_error() {
        let mut ok = Vec::new();
        tag(&mut ok, K_LAST_SEQUENCE, 5);
        let mut bad = Vec::new();
        tag(&mut bad, K_LOG_NUMBER, 1);
        tag(&mut bad, 77, 1);
        let d = write_db(&[ok, bad]);
        let err = read_manifest(d.path()).unwrap_err();
        match &err {
            ManifestError::UnknownTag {
                offset, pos, tag, ..
            } => {
                assert_eq!((*offset, *pos, *tag), (HEADER_SIZE as u64 + 2, 2, 77));
            }
            e => panic!("unexpected {e}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("tag 77") && msg.contains("offset 9"), "{msg}");
    }

    #[test]
    fn incomplete_atomic_group_is_not_applied() {
        let mut e1 = Vec::new();
        tag(&mut e1, K_COLUMN_FAMILY, 1);
        put_varint(&mut e1, u64::from(K_COLUMN_FAMILY_ADD));
        put_slice(&mut e1, b"a");
        tag(&mut e1, K_IN_ATOMIC_GROUP, 1);
        let d = write_db(&[vec![], e1]);
        let s = read_manifest(d.path()).unwrap();
        assert_eq!(s.edits, 1);
        assert_eq!(s.column_families.len(), 1);
        assert!(
            matches!(s.tail, Tail::Torn { offset: 7, .. }),
            "{:?}",
            s.tail
        );
    }

    #[test]
    fn truncation_at_every_byte_never_panics() {
        let mut recs = Vec::new();
        for i in 0..40u64 {
            let mut e = Vec::new();
            tag(&mut e, K_LAST_SEQUENCE, i);
            put_varint(&mut e, u64::from(K_TAG_SAFE_IGNORE_MASK + 99));
            put_slice(&mut e, &vec![1u8; (i as usize) * 997 % 5000]);
            recs.push(e);
        }
        let full = write_log(&recs);
        let d = write_db(&recs);
        let m = d.path().join("MANIFEST-000007");
        let mut last_edits = 0;
        for cut in (0..full.len()).step_by(131).chain([full.len()]) {
            std::fs::write(&m, &full[..cut]).unwrap();
            let s = read_manifest(d.path()).unwrap();
            assert!(s.edits >= last_edits);
            last_edits = s.edits;
            if s.edits > 0 {
                assert_eq!(s.last_sequence, Some(s.edits - 1));
            }
            if cut == full.len() {
                assert_eq!((s.edits, s.tail), (40, Tail::Clean));
            }
        }
        // Garbage: every outcome is an error or a result, never a panic.
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200 {
            let mut g = full.clone();
            for _ in 0..8 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let i = (rng as usize) % g.len();
                g[i] = (rng >> 32) as u8;
            }
            std::fs::write(&m, &g).unwrap();
            let _ = read_manifest(d.path());
        }
    }

    #[test]
    fn decode_edit_rejects_garbage_without_panicking() {
        let mut rng = 1u64;
        for len in 0..200usize {
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    rng = rng
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (rng >> 56) as u8
                })
                .collect();
            let _ = decode_edit(&buf);
        }
        assert!(matches!(
            decode_edit(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
            Err(DecodeErr::Bad(0, _))
        ));
    }

    /// What is wrong stays a typed `source()` of the error, and the message reads as it
    /// did when it was a string.
    #[test]
    fn a_malformed_manifest_keeps_what_is_wrong_as_its_source() {
        use std::error::Error as _;
        // Decodes, but records garbage in a blob file never added.
        let mut garbage = Vec::new();
        blob_garbage(&mut garbage, 99, 1);
        let d = write_db(&[garbage]);
        let manifest = d.path().join("MANIFEST-000007");
        let err = read_manifest(d.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: inconsistent edit in record at offset 0: garbage recorded for unknown blob file 99",
                manifest.display()
            )
        );
        let cause = err.source().and_then(|e| e.downcast_ref::<ReplayError>());
        assert_eq!(
            cause,
            Some(&ReplayError::GarbageInUnknownBlobFile { number: 99 })
        );

        // A log number cut short: does not decode.
        let mut cut = Vec::new();
        put_varint(&mut cut, u64::from(K_LOG_NUMBER));
        cut.push(0x80);
        let d = write_db(&[cut]);
        let err = read_manifest(d.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: bad VersionEdit in record at offset 0: bad log number",
                d.path().join("MANIFEST-000007").display()
            )
        );
        let cause = err.source().and_then(|e| e.downcast_ref::<EditError>());
        assert_eq!(cause, Some(&EditError::Field { what: "log number" }));

        // A CURRENT that is not text: the UTF-8 error is kept, one level further down.
        std::fs::write(d.path().join("CURRENT"), b"\xffMANIFEST-000007\n").unwrap();
        let err = read_manifest(d.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: bad CURRENT file: not UTF-8",
                d.path().join("CURRENT").display()
            )
        );
        let cause = err.source().expect("what is wrong with CURRENT");
        assert!(matches!(
            cause.downcast_ref::<CurrentError>(),
            Some(CurrentError::NotUtf8(_))
        ));
        assert!(
            cause
                .source()
                .is_some_and(|e| e.is::<std::string::FromUtf8Error>())
        );
    }

    #[test]
    fn bad_current() {
        let d = tempfile::tempdir().unwrap();
        for bad in [
            "MANIFEST-000001",
            "../x\n",
            "MANIFEST-\n",
            "MANIFEST-1/../2\n",
        ] {
            std::fs::write(d.path().join("CURRENT"), bad).unwrap();
            assert!(matches!(
                read_manifest(d.path()),
                Err(ManifestError::BadCurrent { .. })
            ));
        }
        std::fs::write(d.path().join("CURRENT"), "MANIFEST-000001\n").unwrap();
        assert!(matches!(
            read_manifest(d.path()),
            Err(ManifestError::Io { .. })
        ));
    }
}
