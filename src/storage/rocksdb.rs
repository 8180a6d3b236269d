//! RocksDB backend: options from parameters, the open modes the inspector shares, and
//! `RocksDbKvStore`.
//!
//! Every call that can touch the disk runs on tokio's blocking pool. The one exception is
//! the fast path of `get`, which first asks RocksDB for the value with
//! `ReadTier::BlockCache`: that read never does I/O (RocksDB answers `Incomplete` instead),
//! so it is safe on a runtime thread and saves a thread hop for hot keys.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamilyDescriptor, DBCompressionType, DBWithThreadMode,
    ErrorKind, MultiThreaded, Options, ReadOptions, ReadTier, WriteBatch, WriteOptions,
};

use super::error::key_from_bytes;
use super::kv::{KvError, KvKey, KvPair, KvStore, KvStoreConfig, KvValue, RangeOptions};
use super::open_files;

/// The RocksDB handle type used everywhere in the crate: column families can be created
/// and dropped through a shared reference.
pub type Db = DBWithThreadMode<MultiThreaded>;

/// Parameter names accepted by the RocksDB backend, with what each expects.
pub const PARAMS: &[(&str, &str)] = &[
    ("max_open_files", "an integer; -1 keeps every file open"),
    ("write_buffer_size", "a size in bytes, at least 65536"),
    ("max_write_buffer_number", "an integer of at least 2"),
    ("compression", "one of none, snappy, lz4, zstd, zlib, bzip2"),
    ("block_cache_size", "a size in bytes (0 disables the cache)"),
    (
        "bloom_bits",
        "bits per key of a bloom filter, e.g. 10 (0 disables it)",
    ),
    ("sync", "true or false: fsync the WAL on every write"),
    ("create_if_missing", "true or false (default true)"),
    (
        "enable_statistics",
        "true or false: collect rocksdb.stats counters",
    ),
    (
        "read_only",
        "true or false: open without the lock; writes fail",
    ),
];

/// Typed RocksDB tuning, parsed from `KvStoreConfig` parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RocksDbParams {
    /// `max_open_files`.
    pub max_open_files: Option<i32>,
    /// `write_buffer_size`, bytes.
    pub write_buffer_size: Option<usize>,
    /// `max_write_buffer_number`.
    pub max_write_buffer_number: Option<i32>,
    /// `compression`, for newly written files (existing files keep theirs).
    pub compression: Option<DBCompressionType>,
    /// `block_cache_size`, bytes.
    pub block_cache_size: Option<usize>,
    /// `bloom_bits`, bits per key.
    pub bloom_bits: Option<f64>,
    /// `sync`: fsync the WAL on every write.
    pub sync: bool,
    /// `create_if_missing`.
    pub create_if_missing: bool,
    /// `enable_statistics`.
    pub enable_statistics: bool,
    /// `read_only`: open without taking the lock; every write is refused.
    pub read_only: bool,
}

impl Default for RocksDbParams {
    fn default() -> Self {
        Self {
            max_open_files: None,
            write_buffer_size: None,
            max_write_buffer_number: None,
            compression: None,
            block_cache_size: None,
            bloom_bits: None,
            sync: false,
            create_if_missing: true,
            enable_statistics: false,
            read_only: false,
        }
    }
}

fn invalid(name: &str, value: &str) -> KvError {
    let expected = PARAMS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("a valid value", |(_, e)| e);
    KvError::InvalidParam {
        name: name.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, KvError> {
    value.trim().parse().map_err(|_| invalid(name, value))
}

fn parse_bool(name: &str, value: &str) -> Result<bool, KvError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, value)),
    }
}

/// Parses a compression codec name as RocksDB and `ldb` spell them.
pub fn parse_compression(value: &str) -> Option<DBCompressionType> {
    Some(match value.trim().to_ascii_lowercase().as_str() {
        "none" | "no" => DBCompressionType::None,
        "snappy" => DBCompressionType::Snappy,
        "lz4" => DBCompressionType::Lz4,
        "lz4hc" => DBCompressionType::Lz4hc,
        "zstd" => DBCompressionType::Zstd,
        "zlib" => DBCompressionType::Zlib,
        "bzip2" => DBCompressionType::Bz2,
        _ => return None,
    })
}

impl RocksDbParams {
    /// Parses and checks every parameter; an unknown name or a bad value is an error.
    pub fn from_params(params: &BTreeMap<String, String>) -> Result<Self, KvError> {
        let mut out = Self::default();
        for (name, value) in params {
            match name.as_str() {
                "max_open_files" => out.max_open_files = Some(parse_num(name, value)?),
                "write_buffer_size" => {
                    let size: usize = parse_num(name, value)?;
                    if size < 65536 {
                        return Err(invalid(name, value));
                    }
                    out.write_buffer_size = Some(size);
                }
                "max_write_buffer_number" => {
                    let n: i32 = parse_num(name, value)?;
                    if n < 2 {
                        return Err(invalid(name, value));
                    }
                    out.max_write_buffer_number = Some(n);
                }
                "compression" => {
                    out.compression =
                        Some(parse_compression(value).ok_or_else(|| invalid(name, value))?)
                }
                "block_cache_size" => out.block_cache_size = Some(parse_num(name, value)?),
                "bloom_bits" => {
                    let bits: f64 = parse_num(name, value)?;
                    if !(0.0..=64.0).contains(&bits) {
                        return Err(invalid(name, value));
                    }
                    out.bloom_bits = Some(bits);
                }
                "sync" => out.sync = parse_bool(name, value)?,
                "create_if_missing" => out.create_if_missing = parse_bool(name, value)?,
                "enable_statistics" => out.enable_statistics = parse_bool(name, value)?,
                "read_only" => out.read_only = parse_bool(name, value)?,
                _ => {
                    return Err(KvError::UnknownParam {
                        backend: "rocksdb",
                        name: name.clone(),
                        accepted: PARAMS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
        Ok(out)
    }

    /// RocksDB options for the database and each of its column families.
    pub fn options(&self) -> Options {
        let mut opts = Options::default();
        opts.create_if_missing(self.create_if_missing);
        opts.create_missing_column_families(true);
        if let Some(n) = self.max_open_files {
            opts.set_max_open_files(n);
        }
        if let Some(size) = self.write_buffer_size {
            opts.set_write_buffer_size(size);
        }
        if let Some(n) = self.max_write_buffer_number {
            opts.set_max_write_buffer_number(n);
        }
        if let Some(codec) = self.compression {
            opts.set_compression_type(codec);
        }
        if self.enable_statistics {
            opts.enable_statistics();
        }
        if self.block_cache_size.is_some() || self.bloom_bits.is_some() {
            let mut table = BlockBasedOptions::default();
            match self.block_cache_size {
                Some(0) => table.disable_cache(),
                Some(size) => table.set_block_cache(&Cache::new_lru_cache(size)),
                None => {}
            }
            if let Some(bits) = self.bloom_bits.filter(|b| *b > 0.0) {
                table.set_bloom_filter(bits, false);
            }
            opts.set_block_based_table_factory(&table);
        }
        opts
    }

    /// Write options: `sync` decides whether each write waits for fsync.
    pub fn write_options(&self) -> WriteOptions {
        let mut w = WriteOptions::default();
        w.set_sync(self.sync);
        w
    }
}

/// How to open a database directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenMode {
    /// Read-write, taking the LOCK; may create the directory.
    ReadWrite,
    /// Read-only: no lock, no file created or changed in the directory.
    ReadOnly,
    /// A secondary instance following a running primary; its info log and other
    /// scratch files live in `scratch`, outside the database directory.
    Secondary {
        /// A directory of this process's own.
        scratch: PathBuf,
    },
}

/// Translates a RocksDB error met while opening `path` into a `KvError` that says what
/// happened and what to do.
pub fn open_error(path: &Path, err: rocksdb::Error) -> KvError {
    let message = err.to_string();
    let lower = message.to_ascii_lowercase();
    if lower.contains("/lock") || lower.contains("lock hold by current process") {
        KvError::Locked {
            path: path.to_path_buf(),
        }
    } else if (lower.contains("does not exist") || lower.contains("no such file"))
        && !path.join("CURRENT").exists()
    {
        // Only a missing CURRENT means "no database"; a missing SST or WAL under an
        // existing CURRENT is damage (or a race with the primary), reported as such below.
        KvError::NotFound {
            path: path.to_path_buf(),
        }
    } else if err.kind() == ErrorKind::Corruption
        || lower.contains("corrupt")
        || lower.contains("does not exist")
        || lower.contains("no such file")
    {
        KvError::Corrupt {
            path: path.to_path_buf(),
            detail: message,
        }
    } else {
        backend_error(err)
    }
}

/// Wraps any other RocksDB error.
pub fn backend_error(err: rocksdb::Error) -> KvError {
    KvError::Backend {
        backend: "rocksdb",
        message: err.to_string(),
    }
}

/// Checks before opening read-only or as a secondary, so a wrong path gets a precise
/// message instead of RocksDB's, and so nothing is ever created by a read.
pub fn check_existing_db(path: &Path) -> Result<(), KvError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(KvError::NotFound {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(KvError::NotADatabase {
            path: path.to_path_buf(),
            detail: format!("it cannot be read ({e})"),
        }),
        Ok(meta) if !meta.is_dir() => Err(KvError::NotADatabase {
            path: path.to_path_buf(),
            detail: "it is a file, not a database directory".into(),
        }),
        Ok(_) if !path.join("CURRENT").is_file() => Err(KvError::NotADatabase {
            path: path.to_path_buf(),
            detail: "the directory has no CURRENT file".into(),
        }),
        Ok(_) => Ok(()),
    }
}

/// Opens the database at `path` in `mode` with every column family it has.
///
/// Blocking: call it from a blocking thread.
pub fn open_db(path: &Path, mode: &OpenMode, params: &RocksDbParams) -> Result<Db, KvError> {
    open_db_listing(path, mode, params).map(|(db, _)| db)
}

/// Like [`open_db`], also returning the column family names (read from the MANIFEST once).
pub fn open_db_listing(
    path: &Path,
    mode: &OpenMode,
    params: &RocksDbParams,
) -> Result<(Db, Vec<String>), KvError> {
    let mut opts = params.options();
    let exists = path.join("CURRENT").is_file();
    if *mode != OpenMode::ReadWrite || !params.create_if_missing {
        check_existing_db(path)?;
    }
    let cf_names = if exists {
        Db::list_cf(&opts, path).map_err(|e| open_error(path, e))?
    } else {
        vec![rocksdb::DEFAULT_COLUMN_FAMILY_NAME.to_string()]
    };
    let descriptors: Vec<_> = cf_names
        .iter()
        .map(|name| ColumnFamilyDescriptor::new(name, params.options()))
        .collect();
    match mode {
        OpenMode::ReadWrite => Db::open_cf_descriptors(&opts, path, descriptors),
        OpenMode::ReadOnly => {
            // A read-only open would still write an info LOG into the directory; send it
            // nowhere the user cares about, so reading leaves the directory untouched.
            opts.create_if_missing(false);
            // More table files than descriptors: a bounded table cache, which RocksDB
            // allows for read-only opens (a snapshot's files are never deleted under it).
            if params.max_open_files.is_none()
                && let Some((soft, _)) = open_files::limits()
                && let open_files::Budget::Bounded(n) =
                    open_files::budget(open_files::table_files(path), soft)
            {
                opts.set_max_open_files(n);
            }
            opts.set_db_log_dir(std::env::temp_dir().join("spear-inspect-logs"));
            opts.set_keep_log_file_num(1);
            Db::open_cf_descriptors_read_only(&opts, path, descriptors, false)
        }
        OpenMode::Secondary { scratch } => {
            opts.create_if_missing(false);
            let table_files = open_files::table_files(path);
            if let Some((soft, _)) = open_files::limits()
                && open_files::budget(table_files, soft) != open_files::Budget::Unbounded
            {
                return Err(KvError::TooManyFiles {
                    path: path.to_path_buf(),
                    table_files,
                    limit: soft,
                    suggested: open_files::suggested_limit(table_files),
                });
            }
            // Secondaries must keep every file open: the primary may delete an SST the
            // secondary still needs between two catch-ups.
            opts.set_max_open_files(-1);
            opts.set_db_log_dir(scratch);
            Db::open_cf_descriptors_as_secondary(&opts, path, scratch, descriptors)
        }
    }
    .map(|db| (db, cf_names))
    .map_err(|e| open_error(path, e))
}

/// The compression codecs this build's RocksDB accepts, asked of RocksDB itself: a
/// database is opened in memory once per codec, and RocksDB refuses a codec that is not
/// linked in ("Compression type ... is not linked with the binary").
pub fn supported_compressions() -> Vec<&'static str> {
    let Ok(env) = rocksdb::Env::mem_env() else {
        return Vec::new();
    };
    [
        ("snappy", DBCompressionType::Snappy),
        ("lz4", DBCompressionType::Lz4),
        ("lz4hc", DBCompressionType::Lz4hc),
        ("zstd", DBCompressionType::Zstd),
        ("zlib", DBCompressionType::Zlib),
        ("bzip2", DBCompressionType::Bz2),
    ]
    .into_iter()
    .filter(|(name, codec)| {
        let mut opts = Options::default();
        opts.set_env(&env);
        opts.create_if_missing(true);
        opts.set_compression_type(*codec);
        Db::open(&opts, format!("/codec-probe-{name}")).is_ok()
    })
    .map(|(name, _)| name)
    .collect()
}

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
        let (db, path, params) = tokio::task::spawn_blocking(move || {
            open_db(&path, &mode, &params).map(|db| (db, path, params))
        })
        .await??;
        Ok(Self {
            db: Arc::new(db),
            path,
            params: Arc::new(params),
        })
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
