//! RocksDB options from the configuration's parameters (`KV_PARAM_*`, `with_param`):
//! what each accepts, how it is parsed, and the `Options` it makes.

use std::collections::BTreeMap;

use rocksdb::{BlockBasedOptions, Cache, DBCompressionType, Options, WriteOptions};

use crate::storage::kv::KvError;

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
    (
        "newest_format",
        "true or false: write this build's newest table format, which RocksDB 7.x cannot read (default false)",
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
    /// `newest_format`: new tables (and a new database's OPTIONS file) in this build's
    /// newest formats instead of ones RocksDB 7.x reads (see `compat`).
    pub newest_format: bool,
    /// Open an existing database with the options of its own OPTIONS file (merge
    /// operators, comparators, table format) instead of these parameters: what an
    /// inspector of someone else's database needs. Not settable from the configuration.
    pub use_stored_options: bool,
    /// Where a read-only open puts RocksDB's info log, so reading writes nothing into the
    /// database directory: a private directory of the caller's (the inspector makes one
    /// per run). Unset: a private directory is made for the open. Not settable from the
    /// configuration.
    pub scratch_dir: Option<std::path::PathBuf>,
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
            newest_format: false,
            use_stored_options: false,
            scratch_dir: None,
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
                "newest_format" => out.newest_format = parse_bool(name, value)?,
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
        // Always a table factory: its format is the newest RocksDB 7.x reads unless asked
        // otherwise, so what this build writes stays readable by a 7.x service.
        let mut table = BlockBasedOptions::default();
        if !self.newest_format {
            table.set_format_version(super::compat::READABLE_FORMAT_VERSION);
        }
        match self.block_cache_size {
            Some(0) => table.disable_cache(),
            Some(size) => table.set_block_cache(&Cache::new_lru_cache(size)),
            None => {}
        }
        if let Some(bits) = self.bloom_bits.filter(|b| *b > 0.0) {
            table.set_bloom_filter(bits, false);
        }
        opts.set_block_based_table_factory(&table);
        opts
    }

    /// Write options: `sync` decides whether each write waits for fsync.
    pub fn write_options(&self) -> WriteOptions {
        let mut w = WriteOptions::default();
        w.set_sync(self.sync);
        w
    }
}
