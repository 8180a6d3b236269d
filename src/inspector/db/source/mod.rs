//! The byte-level view of a RocksDB database: how it was opened, its column families,
//! and the seeks and scans the worker runs on blocking threads.
//!
//! The `KvStore` trait is the library's face (UTF-8 keys, default column family); this is
//! the inspector's: any bytes, every column family, every open mode.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rocksdb::ReadOptions;
use serde::Serialize;

mod lock;

use super::owner::become_owner;
mod write;

pub use lock::lock_is_held;
pub use write::WriteOp;

use crate::inspector::error::InspectError;
use crate::storage::rocksdb::stored::{
    LINKED_VERSION, StoredOptions, load_stored_options, read_stored_options, restore_options_text,
    write_verdict,
};
use crate::storage::rocksdb::{
    Db, OpenMode, OptionsOrigin, RocksDbParams, backend_error, check_existing_db, open_db_with,
    prefix_successor,
};

/// How the inspector holds the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Nobody else held it: a read-only view as of opening (refresh reopens nothing).
    ReadOnlySnapshot,
    /// Another process holds it: a secondary instance that catches up on refresh.
    LiveSecondary,
    /// Opened with `--write`.
    ReadWrite,
}

impl Access {
    /// What the status bar says.
    pub fn label(self) -> &'static str {
        match self {
            Access::ReadOnlySnapshot => "read-only snapshot",
            Access::LiveSecondary => "live (secondary)",
            Access::ReadWrite => "READ-WRITE",
        }
    }

    /// Whether writes are allowed.
    pub fn writable(self) -> bool {
        self == Access::ReadWrite
    }
}

/// One key of a listing: the key's bytes and the size of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: Vec<u8>,
    /// The value's size in bytes.
    pub value_len: usize,
}

/// Lower (inclusive) and upper (exclusive) key bounds of a view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounds {
    /// First key included.
    pub lower: Option<Vec<u8>>,
    /// First key excluded.
    pub upper: Option<Vec<u8>>,
}

impl Bounds {
    /// Every key starting with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        if prefix.is_empty() {
            return Self::default();
        }
        Self {
            lower: Some(prefix.to_vec()),
            upper: prefix_successor(prefix),
        }
    }

    /// Whether `key` is inside.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.lower.as_deref().is_none_or(|l| key >= l)
            && self.upper.as_deref().is_none_or(|u| key < u)
    }

    fn read_options(&self) -> ReadOptions {
        let mut read = ReadOptions::default();
        if let Some(l) = &self.lower {
            read.set_iterate_lower_bound(l.clone());
        }
        if let Some(u) = &self.upper {
            read.set_iterate_upper_bound(u.clone());
        }
        read
    }
}

/// Where a page of keys starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The first key (forward).
    First,
    /// The last key (backward).
    Last,
    /// The first key at or after this one (forward).
    AtOrAfter(Vec<u8>),
    /// Keys after this one (forward).
    After(Vec<u8>),
    /// Keys before this one (backward; returned nearest first).
    Before(Vec<u8>),
}

impl Anchor {
    /// Whether the page runs backward.
    pub fn is_backward(&self) -> bool {
        matches!(self, Anchor::Last | Anchor::Before(_))
    }
}

/// A page of keys and whether the view ends on either side of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Keys in ascending order.
    pub entries: Vec<Entry>,
    /// No key inside the bounds precedes the page.
    pub at_start: bool,
    /// No key inside the bounds follows the page.
    pub at_end: bool,
}

/// An open database.
pub struct Source {
    db: Db,
    path: PathBuf,
    access: Access,
    column_families: Vec<String>,
    written_by: Option<String>,
    stored: Option<StoredOptions>,
    options: OptionsOrigin,
    unresolved_merge: Vec<(String, String)>,
    opens: u32,
    writing_as: Option<String>,
    // Keeps the private scratch directory (info log, secondary files) alive as long as the
    // database is open; it is removed when the source is dropped.
    _scratch: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("path", &self.path)
            .field("access", &self.access)
            .field("column_families", &self.column_families)
            .field("written_by", &self.written_by)
            .finish_non_exhaustive()
    }
}

/// A key and its value, as bytes.
pub type Pair = (Vec<u8>, Vec<u8>);

/// How to open a database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenRequest {
    /// Read-write (`--write`).
    pub write: bool,
    /// Write even where the RocksDB that wrote the database might not read the result.
    pub allow_format_upgrade: bool,
}

impl Source {
    /// Opens `path`: read-write if `write`, otherwise read-only, or as a live secondary
    /// when another process holds the database. Never creates the directory.
    ///
    /// Blocking.
    pub fn open(path: &Path, write: bool) -> Result<Self, InspectError> {
        Self::open_with(
            path,
            OpenRequest {
                write,
                allow_format_upgrade: false,
            },
        )
    }

    /// Opens `path` as asked, with the options of the database's own OPTIONS file (its
    /// merge operators, comparators and table format). Read-write only where what this
    /// build writes stays readable by the RocksDB that wrote it, unless
    /// `allow_format_upgrade`.
    pub fn open_with(path: &Path, request: OpenRequest) -> Result<Self, InspectError> {
        let mut params = RocksDbParams {
            create_if_missing: false,
            use_stored_options: true,
            ..RocksDbParams::default()
        };
        let mut writing_as = None;
        if request.write {
            check_existing_db(path)?;
            refuse_risky_writes(path, request.allow_format_upgrade)?;
            writing_as = become_owner(path)?;
        }
        // One private directory per run (0700, a fresh name, removed on exit) for the
        // info log of a read-only view and the scratch files of a secondary.
        let scratch = || {
            tempfile::Builder::new()
                .prefix("spear-inspect-")
                .tempdir()
                .map_err(|e| InspectError::Io {
                    what: "creating a private scratch directory".into(),
                    detail: e.to_string(),
                })
        };
        let (opened, access, scratch) = if request.write {
            (
                open_db_with(path, &OpenMode::ReadWrite, &params)?,
                Access::ReadWrite,
                None,
            )
        } else if lock_is_held(path) {
            let scratch = scratch()?;
            let mode = OpenMode::Secondary {
                scratch: scratch.path().to_path_buf(),
            };
            (
                open_db_with(path, &mode, &params)?,
                Access::LiveSecondary,
                Some(scratch),
            )
        } else {
            let scratch = scratch()?;
            params.scratch_dir = Some(scratch.path().to_path_buf());
            (
                open_db_with(path, &OpenMode::ReadOnly, &params)?,
                Access::ReadOnlySnapshot,
                Some(scratch),
            )
        };
        let mut column_families = opened.column_families;
        // `default` first, the rest in name order.
        column_families.sort_by(|a, b| (a != "default", a).cmp(&(b != "default", b)));
        let source = Self {
            db: opened.db,
            path: path.to_path_buf(),
            access,
            column_families,
            written_by: opened
                .stored
                .as_ref()
                .and_then(|s| s.rocksdb_version.clone()),
            stored: opened.stored,
            options: opened.origin,
            unresolved_merge: opened.unresolved_merge,
            opens: opened.attempts,
            writing_as,
            _scratch: scratch,
        };
        source.keep_options_readable()?;
        Ok(source)
    }

    /// After a read-write open (or a new column family), puts the service's own OPTIONS
    /// text back where RocksDB wrote this build's: see `restore_options_text`.
    pub(crate) fn keep_options_readable(&self) -> Result<(), InspectError> {
        if let (Access::ReadWrite, Some(stored)) = (self.access, &self.stored) {
            restore_options_text(&self.path, stored).map_err(|e| InspectError::Io {
                what: format!(
                    "keeping the OPTIONS file of {} readable",
                    self.path.display()
                ),
                detail: e.to_string(),
            })?;
        }
        Ok(())
    }

    /// The database's OPTIONS file as read when it was opened, if it has one.
    pub fn stored_options(&self) -> Option<&StoredOptions> {
        self.stored.as_ref()
    }

    /// "writing as NAME (uid N), the owner of DB" when a root process became the owner to
    /// write.
    pub fn writing_as(&self) -> Option<&str> {
        self.writing_as.as_deref()
    }

    /// Opens it took to get a view that no WAL deletion by a writer overlapped.
    pub fn opens(&self) -> u32 {
        self.opens
    }

    /// The RocksDB version that wrote the database's latest OPTIONS file.
    pub fn written_by(&self) -> Option<&str> {
        self.written_by.as_deref()
    }

    /// Where the options it was opened with came from.
    pub fn options_origin(&self) -> &OptionsOrigin {
        &self.options
    }

    /// Column families whose merges this build cannot resolve, with the operator's name.
    pub fn unresolved_merge(&self) -> &[(String, String)] {
        &self.unresolved_merge
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How it is held.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Column family names, `default` first.
    pub fn column_families(&self) -> &[String] {
        &self.column_families
    }

    /// The raw handle.
    pub fn db(&self) -> &Db {
        &self.db
    }

    fn cf(&self, name: &str) -> Result<Arc<rocksdb::BoundColumnFamily<'_>>, InspectError> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| InspectError::UnknownColumnFamily {
                name: name.to_string(),
                available: self.column_families.join(", "),
            })
    }

    /// Checks that `name` exists, with the error the user sees otherwise.
    pub fn check_cf(&self, name: &str) -> Result<(), InspectError> {
        self.cf(name).map(drop)
    }

    /// Follows the primary's latest writes (secondaries only; a no-op otherwise).
    pub fn catch_up(&self) -> Result<(), InspectError> {
        if self.access == Access::LiveSecondary {
            self.db.try_catch_up_with_primary().map_err(backend_error)?;
        }
        Ok(())
    }

    /// RocksDB's estimate of the keys in `cf` (instant; may be off after deletes).
    pub fn estimate_keys(&self, cf: &str) -> Result<u64, InspectError> {
        let handle = self.cf(cf)?;
        Ok(self
            .db
            .property_int_value_cf(&handle, "rocksdb.estimate-num-keys")
            .map_err(backend_error)?
            .unwrap_or(0))
    }

    /// Up to `limit` keys from `anchor` inside `bounds`.
    pub fn page(
        &self,
        cf: &str,
        bounds: &Bounds,
        anchor: &Anchor,
        limit: usize,
    ) -> Result<Page, InspectError> {
        let handle = self.cf(cf)?;
        let mut it = self.db.raw_iterator_cf_opt(&handle, bounds.read_options());
        match anchor {
            Anchor::First => it.seek_to_first(),
            Anchor::Last => it.seek_to_last(),
            Anchor::AtOrAfter(k) => it.seek(k),
            Anchor::After(k) => {
                it.seek(k);
                if it.key() == Some(k.as_slice()) {
                    it.next();
                }
            }
            Anchor::Before(k) => it.seek_for_prev(k),
        }
        if let Anchor::Before(k) = anchor
            && it.key() == Some(k.as_slice())
        {
            it.prev();
        }
        let backward = anchor.is_backward();
        let mut entries = Vec::with_capacity(limit.min(4096));
        while it.valid() && entries.len() < limit {
            if let (Some(k), Some(v)) = (it.key(), it.value()) {
                entries.push(Entry {
                    key: k.to_vec(),
                    value_len: v.len(),
                });
            }
            if backward { it.prev() } else { it.next() }
        }
        let exhausted = !it.valid();
        it.status().map_err(backend_error)?;
        if backward {
            entries.reverse();
        }
        // Whether anything lies beyond the page on the side it did not walk towards is
        // known only for First/Last; elsewhere probe one key.
        let (at_start, at_end) = match anchor {
            Anchor::First => (true, exhausted),
            Anchor::Last => (exhausted, true),
            Anchor::Before(_) => (exhausted, false),
            Anchor::After(_) | Anchor::AtOrAfter(_) => {
                let first = entries.first().map(|e| e.key.clone());
                let at_start = match first {
                    Some(k) => self
                        .page(cf, bounds, &Anchor::Before(k), 1)?
                        .entries
                        .is_empty(),
                    None => false,
                };
                (at_start, exhausted)
            }
        };
        Ok(Page {
            entries,
            at_start,
            at_end,
        })
    }

    /// The value of `key`, at most `max_len` bytes of it, and its full size.
    pub fn get(
        &self,
        cf: &str,
        key: &[u8],
        max_len: usize,
    ) -> Result<Option<(Vec<u8>, usize)>, InspectError> {
        let handle = self.cf(cf)?;
        let value = self.db.get_pinned_cf(&handle, key).map_err(backend_error)?;
        Ok(value.map(|v| (v[..v.len().min(max_len)].to_vec(), v.len())))
    }

    /// Walks every pair inside `bounds` in order, calling `visit` with each key and value;
    /// `visit` returns `false` to stop. Returns how many pairs were visited. `expected`
    /// is how many pairs the caller wants at most, if it knows: long walks read ahead.
    ///
    /// Blocks do not enter the block cache: a full scan would otherwise evict the owning
    /// service's hot blocks (this matters for a live secondary sharing the page cache).
    pub fn for_each(
        &self,
        cf: &str,
        bounds: &Bounds,
        expected: Option<u64>,
        mut visit: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<u64, InspectError> {
        let handle = self.cf(cf)?;
        let mut read = bounds.read_options();
        read.fill_cache(false);
        // Readahead pays off over many blocks; for a short walk it only reads more.
        if expected.is_none_or(|n| n > 10_000) {
            read.set_readahead_size(2 * 1024 * 1024);
        }
        let mut it = self.db.raw_iterator_cf_opt(&handle, read);
        match &bounds.lower {
            Some(l) => it.seek(l),
            None => it.seek_to_first(),
        }
        let mut n = 0;
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            n += 1;
            if !visit(k, v) {
                break;
            }
            it.next();
        }
        it.status().map_err(backend_error)?;
        Ok(n)
    }
}

/// Refuses `--write` where what this build writes might not be readable by the RocksDB
/// that wrote the database (unless `allow_format_upgrade`), and always where a column
/// family's merge operator is its service's own code.
fn refuse_risky_writes(path: &Path, allow_format_upgrade: bool) -> Result<(), InspectError> {
    let stored = read_stored_options(path);
    if let Some(stored) = &stored {
        for (cf, settings) in &stored.column_families {
            if !settings.merge_operator_is_built_in() {
                return Err(InspectError::ForeignMergeOperator {
                    path: path.to_path_buf(),
                    cf: cf.clone(),
                    operator: settings.merge_operator.clone().unwrap_or_default(),
                });
            }
        }
    }
    if allow_format_upgrade {
        return Ok(());
    }
    let verdict = write_verdict(stored.as_ref()).and_then(|()| {
        // Its table format is kept only if RocksDB can load the file that names it.
        load_stored_options(path)
            .map(drop)
            .map_err(|reason| format!("RocksDB cannot load its OPTIONS file ({reason})"))
    });
    verdict.map_err(|reason| InspectError::FormatRisk {
        path: path.to_path_buf(),
        reason,
        linked: LINKED_VERSION,
    })
}
