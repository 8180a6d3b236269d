//! The key-value abstraction: `KvStore`, its record types, `KvStoreConfig` and the factories.
//!
//! Keys are UTF-8 `String`s and values are bytes. Every backend keeps keys in byte order,
//! so prefix and range queries return the same sequence whichever backend answers them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use super::error::KvError;
#[cfg(feature = "etcd")]
pub use super::etcd::EtcdKvStore;
pub use super::memory::MemoryKvStore;
#[cfg(feature = "rocksdb")]
pub use super::rocksdb::RocksDbKvStore;
#[cfg(feature = "sled")]
pub use super::sled::SledKvStore;

/// A key: UTF-8 text, ordered by its bytes.
pub type KvKey = String;
/// A value: arbitrary bytes.
pub type KvValue = Vec<u8>;

/// One stored key with its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KvPair {
    /// The key.
    pub key: KvKey,
    /// The value.
    pub value: KvValue,
}

impl KvPair {
    /// A pair from anything that turns into a key and a value.
    pub fn new(key: impl Into<KvKey>, value: impl Into<KvValue>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Bounds and direction of a `KvStore::range` query.
///
/// `start` is inclusive and `end` exclusive, whatever the direction: a reverse range
/// yields the same keys as the forward one, last first, and `limit` counts from the
/// end it starts at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeOptions {
    /// First key included (`None`: from the first key).
    pub start: Option<KvKey>,
    /// First key excluded (`None`: to the last key).
    pub end: Option<KvKey>,
    /// At most this many pairs (`None`: all).
    pub limit: Option<usize>,
    /// Largest key first.
    pub reverse: bool,
}

impl RangeOptions {
    /// The whole key space, forward, without limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts at `key` (inclusive).
    pub fn start(mut self, key: impl Into<KvKey>) -> Self {
        self.start = Some(key.into());
        self
    }

    /// Stops before `key` (exclusive).
    pub fn end(mut self, key: impl Into<KvKey>) -> Self {
        self.end = Some(key.into());
        self
    }

    /// Returns at most `limit` pairs.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Largest key first.
    pub fn reverse(mut self, reverse: bool) -> Self {
        self.reverse = reverse;
        self
    }

    /// Whether `key` lies inside `[start, end)`.
    pub fn contains(&self, key: &str) -> bool {
        self.start.as_deref().is_none_or(|s| key >= s)
            && self.end.as_deref().is_none_or(|e| key < e)
    }
}

/// The asynchronous key-value store every Spear-Next component talks to.
///
/// Implementations never block the async runtime: disk work runs on blocking threads.
#[async_trait]
pub trait KvStore: Send + Sync + fmt::Debug {
    /// The value stored under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<KvValue>, KvError>;
    /// Stores `value` under `key`, replacing what was there.
    async fn put(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    /// Removes `key`; returns whether it existed.
    async fn delete(&self, key: &str) -> Result<bool, KvError>;
    /// Whether `key` is stored.
    async fn exists(&self, key: &str) -> Result<bool, KvError>;
    /// Every key that starts with `prefix`, in order.
    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<KvKey>, KvError>;
    /// Every pair whose key starts with `prefix`, in order.
    async fn scan_prefix(&self, prefix: &str) -> Result<Vec<KvPair>, KvError>;
    /// The pairs inside `options`' bounds, in its direction, up to its limit.
    async fn range(&self, options: &RangeOptions) -> Result<Vec<KvPair>, KvError>;
    /// Every pair, in order.
    async fn all(&self) -> Result<Vec<KvPair>, KvError>;
    /// The exact number of keys.
    async fn count(&self) -> Result<usize, KvError>;
    /// Removes every key.
    async fn clear(&self) -> Result<(), KvError>;
    /// Stores every pair in one atomic write: all of them or none.
    async fn batch_put(&self, pairs: &[KvPair]) -> Result<(), KvError>;
    /// Removes every key in one atomic write; returns how many existed.
    async fn batch_delete(&self, keys: &[KvKey]) -> Result<usize, KvError>;
    /// The backend's name: `memory`, `rocksdb`, `sled` or `etcd`.
    fn backend_name(&self) -> &'static str;
}

/// Forwards every call, so `Arc::new(create_kv_store_from_config(..).await?)` is a store too.
macro_rules! forward_kv_store {
    ($ty:ty) => {
        #[async_trait]
        impl<S: KvStore + ?Sized> KvStore for $ty {
            async fn get(&self, key: &str) -> Result<Option<KvValue>, KvError> {
                (**self).get(key).await
            }
            async fn put(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
                (**self).put(key, value).await
            }
            async fn delete(&self, key: &str) -> Result<bool, KvError> {
                (**self).delete(key).await
            }
            async fn exists(&self, key: &str) -> Result<bool, KvError> {
                (**self).exists(key).await
            }
            async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<KvKey>, KvError> {
                (**self).keys_with_prefix(prefix).await
            }
            async fn scan_prefix(&self, prefix: &str) -> Result<Vec<KvPair>, KvError> {
                (**self).scan_prefix(prefix).await
            }
            async fn range(&self, options: &RangeOptions) -> Result<Vec<KvPair>, KvError> {
                (**self).range(options).await
            }
            async fn all(&self) -> Result<Vec<KvPair>, KvError> {
                (**self).all().await
            }
            async fn count(&self) -> Result<usize, KvError> {
                (**self).count().await
            }
            async fn clear(&self) -> Result<(), KvError> {
                (**self).clear().await
            }
            async fn batch_put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
                (**self).batch_put(pairs).await
            }
            async fn batch_delete(&self, keys: &[KvKey]) -> Result<usize, KvError> {
                (**self).batch_delete(keys).await
            }
            fn backend_name(&self) -> &'static str {
                (**self).backend_name()
            }
        }
    };
}
forward_kv_store!(Box<S>);
forward_kv_store!(Arc<S>);

/// The storage backends a configuration can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvBackend {
    /// In-process `BTreeMap`; nothing survives the process.
    Memory,
    /// RocksDB in a directory: the production backend.
    RocksDb,
    /// Sled in a directory: kept as a migration source.
    Sled,
    /// An etcd cluster: metadata that survives the loss of a host.
    Etcd,
}

impl KvBackend {
    /// The name used in `KV_BACKEND` and migration specs.
    pub fn name(self) -> &'static str {
        match self {
            KvBackend::Memory => "memory",
            KvBackend::RocksDb => "rocksdb",
            KvBackend::Sled => "sled",
            KvBackend::Etcd => "etcd",
        }
    }

    /// Whether this build contains the backend.
    pub fn is_compiled(self) -> bool {
        match self {
            KvBackend::Memory => true,
            KvBackend::RocksDb => cfg!(feature = "rocksdb"),
            KvBackend::Sled => cfg!(feature = "sled"),
            KvBackend::Etcd => cfg!(feature = "etcd"),
        }
    }

    fn compiled_names() -> String {
        [
            KvBackend::Memory,
            KvBackend::RocksDb,
            KvBackend::Sled,
            KvBackend::Etcd,
        ]
        .into_iter()
        .filter(|b| b.is_compiled())
        .map(KvBackend::name)
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl fmt::Display for KvBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for KvBackend {
    type Err = KvError;

    fn from_str(s: &str) -> Result<Self, KvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "memory" | "mem" => Ok(KvBackend::Memory),
            "rocksdb" | "rocks" => Ok(KvBackend::RocksDb),
            "sled" => Ok(KvBackend::Sled),
            "etcd" => Ok(KvBackend::Etcd),
            _ => Err(KvError::UnknownBackend {
                name: s.to_string(),
            }),
        }
    }
}

/// Which backend to open, where, and with which tuning parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvStoreConfig {
    /// The backend.
    pub backend: KvBackend,
    /// The database directory, for persistent backends.
    pub path: Option<PathBuf>,
    /// Backend parameters by name (see the README for the accepted names).
    pub params: BTreeMap<String, String>,
}

impl KvStoreConfig {
    /// An in-memory store.
    pub fn memory() -> Self {
        Self {
            backend: KvBackend::Memory,
            path: None,
            params: BTreeMap::new(),
        }
    }

    /// A RocksDB store in the directory `path`.
    pub fn rocksdb(path: impl Into<PathBuf>) -> Self {
        Self {
            backend: KvBackend::RocksDb,
            path: Some(path.into()),
            params: BTreeMap::new(),
        }
    }

    /// A sled store in the directory `path`.
    pub fn sled(path: impl Into<PathBuf>) -> Self {
        Self {
            backend: KvBackend::Sled,
            path: Some(path.into()),
            params: BTreeMap::new(),
        }
    }

    /// An etcd store on the cluster answering at `endpoints` (`host:port` each); set a
    /// key prefix with `.with_param("namespace", "spear/")`.
    pub fn etcd<I, S>(endpoints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let endpoints: Vec<String> = endpoints
            .into_iter()
            .map(|e| e.as_ref().to_string())
            .collect();
        Self {
            backend: KvBackend::Etcd,
            path: None,
            params: BTreeMap::from([("endpoints".to_string(), endpoints.join(","))]),
        }
    }

    /// The etcd store an `etcd://host:port[,host:port...][/namespace]` URL names (what
    /// `migrate --to` and the inspector accept). The namespace is every character after the
    /// first `/`, kept as written: `etcd://h:2379/spear/` stores `node:1` as `spear/node:1`.
    /// The other etcd parameters come from the environment (`KV_STORE_USER`,
    /// `KV_STORE_PASSWORD`, `KV_STORE_CA_FILE`, `KV_STORE_MAX_TXN_OPS`, ...).
    pub fn etcd_url(url: &str) -> Result<Self, KvError> {
        let invalid = |why: &str| KvError::InvalidParam {
            name: "etcd URL".into(),
            value: url.to_string(),
            expected: format!("etcd://host:port[,host:port...][/namespace] ({why})"),
        };
        let rest = url
            .strip_prefix("etcd://")
            .ok_or_else(|| invalid("it must start with etcd://"))?;
        let (hosts, namespace) = rest.split_once('/').unwrap_or((rest, ""));
        let endpoints: Vec<&str> = hosts.split(',').filter(|h| !h.is_empty()).collect();
        if endpoints.is_empty() {
            return Err(invalid("no host:port given"));
        }
        if let Some(bad) = endpoints.iter().find(|h| !h.contains(':')) {
            return Err(invalid(&format!("{bad} has no :port")));
        }
        let mut config = Self::etcd(endpoints);
        if !namespace.is_empty() {
            config = config.with_param("namespace", namespace);
        }
        // The rest (credentials, TLS files, timeouts, the transaction limit) from the
        // environment, so that a password never has to be on a command line.
        #[cfg(feature = "etcd")]
        if let Ok(env) = Self::from_env() {
            for (name, value) in env.params {
                let known = super::etcd::params::PARAMS.iter().any(|(n, _)| *n == name);
                if known && name != "endpoints" && name != "namespace" {
                    config.params.entry(name).or_insert(value);
                }
            }
        }
        Ok(config)
    }

    /// Sets a backend parameter. Names are checked when the store is created.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// The value of a parameter, if set.
    pub fn get_param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Reads the backend, path and parameters from the process environment: the seed's
    /// variables and upstream Spear-Next's, side by side (see [`KvStoreConfig::from_vars`]).
    pub fn from_env() -> Result<Self, KvError> {
        Self::from_vars(std::env::vars())
    }

    /// Like [`KvStoreConfig::from_env`], from any list of variables (handy in tests,
    /// where changing the process environment is unsafe).
    ///
    /// - backend: `KV_BACKEND`, `KV_STORE_BACKEND` or `SPEAR_KV_BACKEND` (default `memory`);
    /// - path: `KV_PATH`, `KV_STORE_PATH`, or `SPEAR_KV_SLED_PATH` (upstream's sled path);
    /// - parameter `name`: `KV_PARAM_<NAME>` or `KV_STORE_<NAME>` (names lowercased);
    ///   etcd's endpoints also as `SPEAR_KV_ETCD_ENDPOINTS`, beside upstream's sled path.
    ///
    /// Any of these may be set, in any mix; two that name the same setting with different
    /// values are an error naming both, never a silent choice.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, KvError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut backend: Option<(String, String)> = None;
        let mut path: Option<(String, String)> = None;
        let mut params: BTreeMap<String, Option<(String, String)>> = BTreeMap::new();
        fn set(
            slot: &mut Option<(String, String)>,
            name: &str,
            value: String,
        ) -> Result<(), KvError> {
            match slot {
                Some((first, earlier)) if *earlier != value => Err(KvError::ConflictingEnv {
                    first: first.clone(),
                    first_value: earlier.clone(),
                    second: name.to_string(),
                    second_value: value,
                }),
                _ => {
                    *slot = Some((name.to_string(), value));
                    Ok(())
                }
            }
        }
        // Sorted, so which of two conflicting variables is named first does not depend on
        // the order of the environment.
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.into()))
            .collect();
        vars.sort();
        for (name, value) in vars {
            match name.as_str() {
                "KV_BACKEND" | "KV_STORE_BACKEND" | "SPEAR_KV_BACKEND" => {
                    set(&mut backend, &name, value)?
                }
                "KV_PATH" | "KV_STORE_PATH" | "SPEAR_KV_SLED_PATH" if !value.is_empty() => {
                    set(&mut path, &name, value)?
                }
                "SPEAR_KV_ETCD_ENDPOINTS" => {
                    let slot = params.entry("endpoints".into()).or_insert(None);
                    set(slot, &name, value)?;
                }
                _ => {
                    let param = name
                        .strip_prefix("KV_PARAM_")
                        .or_else(|| name.strip_prefix("KV_STORE_"));
                    if let Some(param) = param {
                        let slot = params.entry(param.to_ascii_lowercase()).or_insert(None);
                        set(slot, &name, value)?;
                    }
                }
            }
        }
        Ok(Self {
            backend: match backend {
                Some((_, value)) => value.parse()?,
                None => KvBackend::Memory,
            },
            path: path.map(|(_, value)| PathBuf::from(value)),
            params: params
                .into_iter()
                .filter_map(|(name, slot)| slot.map(|(_, value)| (name, value)))
                .collect(),
        })
    }

    /// The path, or the error a persistent backend gives without one.
    #[cfg_attr(not(any(feature = "rocksdb", feature = "sled")), allow(dead_code))]
    pub(crate) fn require_path(&self) -> Result<&std::path::Path, KvError> {
        self.path.as_deref().ok_or(KvError::MissingPath {
            backend: self.backend.name(),
        })
    }
}

/// Opens the store `config` describes.
pub async fn create_kv_store_from_config(
    config: &KvStoreConfig,
) -> Result<Box<dyn KvStore>, KvError> {
    if !config.backend.is_compiled() {
        return Err(KvError::BackendNotCompiled {
            backend: config.backend.name(),
            available: KvBackend::compiled_names(),
        });
    }
    match config.backend {
        KvBackend::Memory => Ok(Box::new(MemoryKvStore::from_config(config)?)),
        #[cfg(feature = "rocksdb")]
        KvBackend::RocksDb => Ok(Box::new(RocksDbKvStore::open(config).await?)),
        #[cfg(feature = "sled")]
        KvBackend::Sled => Ok(Box::new(SledKvStore::open(config).await?)),
        #[cfg(feature = "etcd")]
        KvBackend::Etcd => Ok(Box::new(EtcdKvStore::open(config).await?)),
        #[allow(unreachable_patterns)]
        other => unreachable!("{other} is compiled in but has no constructor"),
    }
}

/// Opens the store the environment describes (see [`KvStoreConfig::from_env`]).
pub async fn create_kv_store_from_env() -> Result<Box<dyn KvStore>, KvError> {
    create_kv_store_from_config(&KvStoreConfig::from_env()?).await
}
