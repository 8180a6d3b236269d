//! RocksDB backend: options from parameters, the open modes the inspector shares, and
//! `RocksDbKvStore`.
//!
//! Every call that can touch the disk runs on tokio's blocking pool. The one exception is
//! the fast path of `get`, which first asks RocksDB for the value with
//! `ReadTier::BlockCache`: that read never does I/O (RocksDB answers `Incomplete` instead),
//! so it is safe on a runtime thread and saves a thread hop for hot keys.

mod codecs;
pub mod compat;
mod lock;
mod open;
mod params;
pub mod stored;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use rocksdb::{DBWithThreadMode, ErrorKind, MultiThreaded, ReadOptions, ReadTier, WriteBatch};

pub use codecs::supported_compressions;
pub use lock::lock_is_held;
pub use open::{
    OpenMode, Opened, OptionsOrigin, UNRESOLVED_MERGE_MARK, backend_error, check_existing_db,
    open_db, open_db_listing, open_db_with, open_error,
};
pub use params::{PARAMS, RocksDbParams, parse_compression};

use super::error::key_from_bytes;
use super::kv::{KvError, KvKey, KvPair, KvStore, KvStoreConfig, KvValue, RangeOptions};

/// The RocksDB handle type used everywhere in the crate: column families can be created
/// and dropped through a shared reference.
pub type Db = DBWithThreadMode<MultiThreaded>;

/// The smallest byte string greater than every string starting with `prefix`, if any.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A `KvStore` over the default column family of a RocksDB database.
#[derive(Clone)]
pub struct RocksDbKvStore {
    db: Arc<Db>,
    path: PathBuf,
    params: Arc<RocksDbParams>,
    // Every column family is opened (RocksDB requires it for a read-write open); the
    // names are kept so that a caller can tell what lies beyond `default`.
    column_families: Arc<Vec<String>>,
}

impl std::fmt::Debug for RocksDbKvStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksDbKvStore")
            .field("path", &self.path)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl RocksDbKvStore {
    /// Opens (by default creating) the database `config` names, read-write.
    pub async fn open(config: &KvStoreConfig) -> Result<Self, KvError> {
        let path = config.require_path()?.to_path_buf();
        let params = RocksDbParams::from_params(&config.params)?;
        let mode = if params.read_only {
            OpenMode::ReadOnly
        } else {
            OpenMode::ReadWrite
        };
        let (db, column_families, path, params) = tokio::task::spawn_blocking(move || {
            open_db_listing(&path, &mode, &params).map(|(db, cfs)| (db, cfs, path, params))
        })
        .await??;
        Ok(Self {
            db: Arc::new(db),
            path,
            params: Arc::new(params),
            column_families: Arc::new(column_families),
        })
    }

    /// The names of the database's column families, as its MANIFEST listed them at open.
    pub fn column_families(&self) -> &[String] {
        &self.column_families
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying handle, for statistics and maintenance.
    pub fn db(&self) -> &Arc<Db> {
        &self.db
    }

    /// The error for a write on a store opened with `read_only=true`.
    fn refuse_if_read_only(&self, action: &'static str) -> Result<(), KvError> {
        if self.params.read_only {
            return Err(KvError::ReadOnly {
                path: self.path.clone(),
                action,
            });
        }
        Ok(())
    }

    /// Runs `work` on the blocking pool with the database.
    async fn blocking<T, F>(&self, work: F) -> Result<T, KvError>
    where
        T: Send + 'static,
        F: FnOnce(&Db, &RocksDbParams) -> Result<T, KvError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let params = Arc::clone(&self.params);
        tokio::task::spawn_blocking(move || work(&db, &params)).await?
    }

    /// Collects the pairs of `[lower, upper)` in one direction, up to `limit`.
    fn collect_range(
        db: &Db,
        lower: Option<Vec<u8>>,
        upper: Option<Vec<u8>>,
        reverse: bool,
        limit: usize,
        with_values: bool,
    ) -> Result<Vec<(KvKey, KvValue)>, KvError> {
        let mut read = ReadOptions::default();
        if let Some(l) = &lower {
            read.set_iterate_lower_bound(l.clone());
        }
        if let Some(u) = upper {
            read.set_iterate_upper_bound(u);
        }
        let mut it = db.raw_iterator_opt(read);
        match (&lower, reverse) {
            (_, true) => it.seek_to_last(),
            (Some(l), false) => it.seek(l),
            (None, false) => it.seek_to_first(),
        }
        let mut out = Vec::new();
        while it.valid() && out.len() < limit {
            let (Some(k), Some(v)) = (it.key(), it.value()) else {
                break;
            };
            let value = if with_values { v.to_vec() } else { Vec::new() };
            out.push((key_from_bytes(k.to_vec())?, value));
            if reverse {
                it.prev();
            } else {
                it.next();
            }
        }
        it.status().map_err(backend_error)?;
        Ok(out)
    }

    async fn prefix_pairs(
        &self,
        prefix: &str,
        with_values: bool,
    ) -> Result<Vec<(KvKey, KvValue)>, KvError> {
        let prefix = prefix.as_bytes().to_vec();
        self.blocking(move |db, _| {
            let upper = prefix_successor(&prefix);
            Self::collect_range(db, Some(prefix), upper, false, usize::MAX, with_values)
        })
        .await
    }
}

#[async_trait]
impl KvStore for RocksDbKvStore {
    async fn get(&self, key: &str) -> Result<Option<KvValue>, KvError> {
        let mut cached = ReadOptions::default();
        cached.set_read_tier(ReadTier::BlockCache);
        match self.db.get_opt(key.as_bytes(), &cached) {
            Ok(value) => return Ok(value),
            Err(e) if e.kind() == ErrorKind::Incomplete => {}
            Err(e) => return Err(backend_error(e)),
        }
        let key = key.as_bytes().to_vec();
        self.blocking(move |db, _| db.get(&key).map_err(backend_error))
            .await
    }

    async fn put(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.refuse_if_read_only("put")?;
        let (key, value) = (key.as_bytes().to_vec(), value.to_vec());
        self.blocking(move |db, params| {
            db.put_opt(&key, &value, &params.write_options())
                .map_err(backend_error)
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<bool, KvError> {
        self.refuse_if_read_only("delete")?;
        let key = key.as_bytes().to_vec();
        self.blocking(move |db, params| {
            let existed = db.get_pinned(&key).map_err(backend_error)?.is_some();
            if existed {
                db.delete_opt(&key, &params.write_options())
                    .map_err(backend_error)?;
            }
            Ok(existed)
        })
        .await
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        let key = key.as_bytes().to_vec();
        self.blocking(move |db, _| Ok(db.get_pinned(&key).map_err(backend_error)?.is_some()))
            .await
    }

    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<KvKey>, KvError> {
        let pairs = self.prefix_pairs(prefix, false).await?;
        Ok(pairs.into_iter().map(|(k, _)| k).collect())
    }

    async fn scan_prefix(&self, prefix: &str) -> Result<Vec<KvPair>, KvError> {
        let pairs = self.prefix_pairs(prefix, true).await?;
        Ok(pairs
            .into_iter()
            .map(|(key, value)| KvPair { key, value })
            .collect())
    }

    async fn range(&self, options: &RangeOptions) -> Result<Vec<KvPair>, KvError> {
        let lower = options.start.as_ref().map(|s| s.as_bytes().to_vec());
        let upper = options.end.as_ref().map(|s| s.as_bytes().to_vec());
        if let (Some(l), Some(u)) = (&lower, &upper)
            && l >= u
        {
            return Ok(Vec::new());
        }
        let (reverse, limit) = (options.reverse, options.limit.unwrap_or(usize::MAX));
        let pairs = self
            .blocking(move |db, _| Self::collect_range(db, lower, upper, reverse, limit, true))
            .await?;
        Ok(pairs
            .into_iter()
            .map(|(key, value)| KvPair { key, value })
            .collect())
    }

    async fn all(&self) -> Result<Vec<KvPair>, KvError> {
        self.range(&RangeOptions::new()).await
    }

    async fn count(&self) -> Result<usize, KvError> {
        self.blocking(|db, _| {
            let mut read = ReadOptions::default();
            // A count touches every block once; keep it from evicting the hot ones.
            read.fill_cache(false);
            let mut it = db.raw_iterator_opt(read);
            it.seek_to_first();
            let mut n = 0;
            while it.valid() {
                n += 1;
                it.next();
            }
            it.status().map_err(backend_error)?;
            Ok(n)
        })
        .await
    }

    async fn clear(&self) -> Result<(), KvError> {
        self.refuse_if_read_only("clear")?;
        self.blocking(|db, params| {
            let mut it = db.raw_iterator();
            it.seek_to_first();
            let Some(first) = it.key().map(<[u8]>::to_vec) else {
                return it.status().map_err(backend_error);
            };
            it.seek_to_last();
            let mut end = it.key().map(<[u8]>::to_vec).unwrap_or_default();
            it.status().map_err(backend_error)?;
            drop(it);
            end.push(0);
            let mut batch = WriteBatch::default();
            let cf = db
                .cf_handle(rocksdb::DEFAULT_COLUMN_FAMILY_NAME)
                .ok_or_else(|| KvError::Backend {
                    backend: "rocksdb",
                    message: "the default column family is missing".into(),
                })?;
            batch.delete_range_cf(&cf, first, end);
            db.write_opt(batch, &params.write_options())
                .map_err(backend_error)
        })
        .await
    }

    async fn batch_put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        self.refuse_if_read_only("batch_put")?;
        let mut batch = WriteBatch::default();
        for pair in pairs {
            batch.put(pair.key.as_bytes(), &pair.value);
        }
        self.blocking(move |db, params| {
            db.write_opt(batch, &params.write_options())
                .map_err(backend_error)
        })
        .await
    }

    async fn batch_delete(&self, keys: &[KvKey]) -> Result<usize, KvError> {
        self.refuse_if_read_only("batch_delete")?;
        let keys: Vec<Vec<u8>> = keys.iter().map(|k| k.as_bytes().to_vec()).collect();
        self.blocking(move |db, params| {
            let mut batch = WriteBatch::default();
            let mut existed = 0;
            for (key, found) in keys.iter().zip(db.multi_get(&keys)) {
                if found.map_err(backend_error)?.is_some() {
                    existed += 1;
                }
                batch.delete(key);
            }
            db.write_opt(batch, &params.write_options())
                .map_err(backend_error)?;
            Ok(existed)
        })
        .await
    }

    fn backend_name(&self) -> &'static str {
        "rocksdb"
    }
}
