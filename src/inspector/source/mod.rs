//! The byte-level view of a RocksDB database: how it was opened, its column families,
//! and the seeks and scans the worker runs on blocking threads.
//!
//! The `KvStore` trait is the library's face (UTF-8 keys, default column family); this is
//! the inspector's: any bytes, every column family, every open mode.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rocksdb::ReadOptions;
use serde::Serialize;

mod cursor;
pub mod damage;
mod etcd;
pub mod in_order;
mod open;
pub mod open_phases;
pub mod open_work;
mod ordered;
pub mod owner;
mod parallel;
mod sizes;
mod split;
mod write;
pub mod yielding;

pub use crate::storage::rocksdb::lock_is_held;
pub use cursor::Cursor;
pub use etcd::{EtcdSource, is_etcd_url};
pub use open::OpenRequest;
pub use ordered::OrderedError;
pub use parallel::{Walked, Watch, walk_threads};
pub use write::{SstSummary, WriteOp};

use crate::inspector::error::InspectError;
use crate::storage::rocksdb::stored::StoredOptions;
use crate::storage::rocksdb::{Db, OptionsOrigin, backend_error, prefix_successor};

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
    /// An etcd cluster, read-only: every read is of the cluster as it is now, and a
    /// watch says when to read again.
    Cluster,
}

impl Access {
    /// What the status bar says.
    pub fn label(self) -> &'static str {
        match self {
            Access::ReadOnlySnapshot => "read-only snapshot",
            Access::LiveSecondary => "live (secondary)",
            Access::ReadWrite => "READ-WRITE",
            Access::Cluster => "etcd, read-only (live)",
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
    /// Damaged blocks the page's walk stepped over (their keys cannot be read), in the
    /// order met.
    pub skipped: Vec<damage::SkippedBlock>,
}

/// An open database.
pub struct Source {
    /// The RocksDB database, or `None` on an etcd cluster.
    db: Option<Db>,
    /// The etcd cluster, when it is one (`etcd://...`).
    etcd: Option<Box<EtcdSource>>,
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
    /// Why iterators are refused under the open-file limit (see [`Source::check_reads`]).
    reads_refused: Option<crate::storage::open_files::OverlapLimit>,
    /// Where the open's time went (zero on a cluster).
    open_phases: open_phases::OpenPhases,
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

impl Source {
    /// Where the open's time went: WAL replay, MANIFEST, table files, the rest.
    pub fn open_phases(&self) -> open_phases::OpenPhases {
        self.open_phases
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

    /// The raw handle; an etcd cluster has none.
    pub fn db(&self) -> Result<&Db, InspectError> {
        self.db.as_ref().ok_or_else(|| self.not_rocksdb("this"))
    }

    /// The error for `what` (a screen or command only RocksDB has) on an etcd cluster.
    pub fn not_rocksdb(&self, what: &'static str) -> InspectError {
        InspectError::NotRocksDb {
            what,
            url: self.path.display().to_string(),
        }
    }

    /// The etcd cluster, when it is one.
    pub fn cluster(&self) -> Option<&EtcdSource> {
        self.etcd.as_deref()
    }

    fn cf(&self, name: &str) -> Result<Arc<rocksdb::BoundColumnFamily<'_>>, InspectError> {
        self.db()?
            .cf_handle(name)
            .ok_or_else(|| InspectError::UnknownColumnFamily {
                name: name.to_string(),
                available: self.column_families.join(", "),
            })
    }

    /// A raw iterator over `cf` inside `bounds`, positioned at its first key, for walks
    /// that step two databases side by side. Blocks are not cached (a walk reads once).
    pub fn walk(
        &self,
        cf: &str,
        bounds: &Bounds,
    ) -> Result<rocksdb::DBRawIteratorWithThreadMode<'_, Db>, InspectError> {
        let mut read = bounds.read_options();
        read.fill_cache(false);
        read.set_readahead_size(2 * 1024 * 1024);
        self.iterator_at_start(cf, read)
    }

    /// An iterator over `cf` inside `bounds`, positioned at its first key, for work that
    /// seeks more than it reads (sampling keys, skipping from prefix to prefix): blocks go
    /// through the block cache and there is no readahead. A seek needs each file's index
    /// block, which a reading open keeps in the (bounded) cache rather than in the table
    /// reader, so an uncached walk would read every index block again at each seek.
    pub fn seeker(
        &self,
        cf: &str,
        bounds: &Bounds,
    ) -> Result<rocksdb::DBRawIteratorWithThreadMode<'_, Db>, InspectError> {
        self.iterator_at_start(cf, bounds.read_options())
    }

    /// An iterator over `cf` read with `read`, at its first key.
    fn iterator_at_start(
        &self,
        cf: &str,
        read: ReadOptions,
    ) -> Result<rocksdb::DBRawIteratorWithThreadMode<'_, Db>, InspectError> {
        if self.etcd.is_some() {
            return Err(self.not_rocksdb("a RocksDB iterator"));
        }
        self.check_reads()?;
        let handle = self.cf(cf)?;
        let mut it = self.db()?.raw_iterator_cf_opt(&handle, read);
        it.seek_to_first();
        Ok(it)
    }

    /// Fails when a merged read cannot run under the open-file limit (more overlapping
    /// L0 files than descriptors): asked before every iterator, so what needs none (stats,
    /// usage, estimates, point reads) still works on such a database and a walk never
    /// fails half-way with "Too many open files".
    pub fn check_reads(&self) -> Result<(), InspectError> {
        match &self.reads_refused {
            Some(limit) => {
                Err(crate::storage::kv::KvError::TooManyOverlapping(limit.clone()).into())
            }
            None => Ok(()),
        }
    }

    /// Checks that `name` exists, with the error the user sees otherwise.
    pub fn check_cf(&self, name: &str) -> Result<(), InspectError> {
        if self.etcd.is_some() {
            return self.check_etcd_cf(name);
        }
        self.cf(name).map(drop)
    }

    /// An etcd cluster has one key space, shown as the column family `default`.
    fn check_etcd_cf(&self, name: &str) -> Result<(), InspectError> {
        if name == "default" {
            Ok(())
        } else {
            Err(InspectError::UnknownColumnFamily {
                name: name.to_string(),
                available: "only default (an etcd cluster has one key space)".into(),
            })
        }
    }

    /// Follows the primary's latest writes (secondaries only; a no-op otherwise).
    pub fn catch_up(&self) -> Result<(), InspectError> {
        if self.access == Access::LiveSecondary {
            self.db()?
                .try_catch_up_with_primary()
                .map_err(backend_error)?;
        }
        Ok(())
    }

    /// RocksDB's estimate of the keys in `cf` (instant; may be off after deletes).
    pub fn estimate_keys(&self, cf: &str) -> Result<u64, InspectError> {
        if let Some(cluster) = &self.etcd {
            // etcd counts a range exactly, without sending a key.
            self.check_etcd_cf(cf)?;
            return cluster.count(&Bounds::default());
        }
        if self.access != Access::LiveSecondary {
            return self.int_property(cf, "rocksdb.estimate-num-keys");
        }
        self.estimate_keys_among(cf, &self.live_files_of(cf)?)
    }

    /// [`Self::estimate_keys`] for a caller that has read the live file list already
    /// (`files` may hold other column families' files too).
    ///
    /// A secondary instance's `rocksdb.estimate-num-keys` counts again what each
    /// catch-up replays (measured: 66,985 for 40,000 keys after 20 catch-ups, growing
    /// with every refresh), so there the same estimate is made from what the instance
    /// holds now: the live SST files' entries and the memtables', each less its deletions
    /// twice (a deletion hides a key and is no key itself), as RocksDB's own does.
    pub fn estimate_keys_among(
        &self,
        cf: &str,
        files: &[rocksdb::LiveFile],
    ) -> Result<u64, InspectError> {
        if self.access != Access::LiveSecondary {
            return self.int_property(cf, "rocksdb.estimate-num-keys");
        }
        let files: Vec<_> = files
            .iter()
            .filter(|f| f.column_family_name == cf)
            .collect();
        let entries: u64 = files.iter().map(|f| f.num_entries).sum::<u64>()
            + self.int_property(cf, "rocksdb.num-entries-active-mem-table")?
            + self.int_property(cf, "rocksdb.num-entries-imm-mem-tables")?;
        let deletions: u64 = files.iter().map(|f| f.num_deletions).sum::<u64>()
            + self.int_property(cf, "rocksdb.num-deletes-active-mem-table")?
            + self.int_property(cf, "rocksdb.num-deletes-imm-mem-tables")?;
        Ok(entries.saturating_sub(deletions.saturating_mul(2)))
    }

    /// Up to `limit` keys from `anchor` inside `bounds`.
    pub fn page(
        &self,
        cf: &str,
        bounds: &Bounds,
        anchor: &Anchor,
        limit: usize,
    ) -> Result<Page, InspectError> {
        if let Some(cluster) = &self.etcd {
            self.check_etcd_cf(cf)?;
            return cluster.page(bounds, anchor, limit);
        }
        self.check_reads()?;
        let handle = self.cf(cf)?;
        let mut it = self
            .db()?
            .raw_iterator_cf_opt(&handle, bounds.read_options());
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
        // Each gap with the number of keys read before it.
        let mut skipped: Vec<(usize, damage::SkippedBlock)> = Vec::new();
        loop {
            while it.valid() && entries.len() < limit {
                if let (Some(k), Some(v)) = (it.key(), it.value()) {
                    entries.push(Entry {
                        key: k.to_vec(),
                        value_len: v.len(),
                    });
                }
                if backward { it.prev() } else { it.next() }
            }
            let Err(error) = it.status() else { break };
            // A damaged block: step over its keys and read on, so the rest of the range
            // stays browsable; the page says what it stepped over.
            let gap = (skipped.len() < damage::MAX_SKIPS)
                .then(|| damage::SkippedBlock::from_error(error.as_ref()))
                .flatten()
                .filter(|gap| !skipped.iter().any(|(_, seen)| seen == gap));
            let Some(gap) = gap else {
                return Err(backend_error(error).into());
            };
            match (backward, &gap.after) {
                (false, _) => it.seek(damage::just_after(&gap.through)),
                (true, Some(after)) => it.seek_for_prev(after),
                (true, None) => return Err(backend_error(error).into()),
            }
            skipped.push((entries.len(), gap));
        }
        let exhausted = !it.valid();
        // The keys read either side of each gap, in key order.
        let skipped = skipped
            .into_iter()
            .map(|(at, mut gap)| {
                let key = |i: usize| entries.get(i).map(|e: &Entry| e.key.clone());
                let (near, far) = (at.checked_sub(1).and_then(key), key(at));
                gap.readable = if backward { (far, near) } else { (near, far) };
                gap
            })
            .collect();
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
            skipped,
        })
    }

    /// The value of `key`, at most `max_len` bytes of it, and its full size.
    pub fn get(
        &self,
        cf: &str,
        key: &[u8],
        max_len: usize,
    ) -> Result<Option<(Vec<u8>, usize)>, InspectError> {
        if let Some(cluster) = &self.etcd {
            self.check_etcd_cf(cf)?;
            return cluster.get(key, max_len);
        }
        let handle = self.cf(cf)?;
        let value = self
            .db()?
            .get_pinned_cf(&handle, key)
            .map_err(backend_error)?;
        Ok(value.map(|v| (v[..v.len().min(max_len)].to_vec(), v.len())))
    }

    /// Walks every pair inside `bounds` in order, calling `visit` with each key and value;
    /// `visit` returns `false` to stop. Returns how many pairs were visited. `expected`
    /// is how many pairs the caller wants at most, if it knows: long walks read ahead.
    ///
    /// Its reads count against `--io-limit` ([`yielding::charge`]).
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
        if let Some(cluster) = &self.etcd {
            self.check_etcd_cf(cf)?;
            return cluster.for_each(bounds, |k, v| {
                yielding::charge((k.len() + v.len()) as u64);
                visit(k, v)
            });
        }
        self.check_reads()?;
        let handle = self.cf(cf)?;
        let mut read = bounds.read_options();
        read.fill_cache(false);
        // Readahead pays off over many blocks; for a short walk it only reads more.
        if expected.is_none_or(|n| n > 10_000) {
            read.set_readahead_size(2 * 1024 * 1024);
        }
        let mut it = self.db()?.raw_iterator_cf_opt(&handle, read);
        match &bounds.lower {
            Some(l) => it.seek(l),
            None => it.seek_to_first(),
        }
        let (mut n, mut bytes) = (0, 0u64);
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            n += 1;
            bytes += (k.len() + v.len()) as u64;
            if n % 4096 == 0 {
                yielding::charge(std::mem::take(&mut bytes));
            }
            if !visit(k, v) {
                break;
            }
            it.next();
        }
        yielding::charge(bytes);
        it.status().map_err(backend_error)?;
        Ok(n)
    }
}
