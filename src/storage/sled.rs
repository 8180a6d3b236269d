//! `SledKvStore`: sled as a migration source (feature `sled`).

use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use super::error::key_from_bytes;
use super::kv::{KvError, KvKey, KvPair, KvStore, KvStoreConfig, KvValue, RangeOptions};

/// A `KvStore` over a sled database. Sled's calls may block on disk, so each runs on the
/// blocking pool.
///
/// Sled applies a batch atomically but its iterators are not snapshots, so a scan racing
/// a batch could see half of it. A reader-writer lock restores the contract: batches and
/// `clear` take it exclusively, multi-key reads shared.
#[derive(Debug, Clone)]
pub struct SledKvStore {
    db: Arc<sled::Db>,
    isolation: Arc<RwLock<()>>,
}

fn sled_error(path: Option<&std::path::Path>, err: sled::Error) -> KvError {
    match (path, &err) {
        // sled wraps the failed `flock` in an error of its own kind; its text says it.
        (Some(path), sled::Error::Io(io))
            if io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("acquire lock") =>
        {
            KvError::Locked {
                path: path.to_path_buf(),
            }
        }
        (Some(path), sled::Error::Corruption { .. }) => KvError::Corrupt {
            path: path.to_path_buf(),
            detail: err.to_string(),
        },
        _ => KvError::Backend {
            backend: "sled",
            message: err.to_string(),
        },
    }
}

fn backend(err: sled::Error) -> KvError {
    sled_error(None, err)
}

fn to_pair((k, v): (sled::IVec, sled::IVec)) -> Result<KvPair, KvError> {
    Ok(KvPair {
        key: key_from_bytes(k.to_vec())?,
        value: v.to_vec(),
    })
}

impl SledKvStore {
    /// Opens (creating if needed) the sled database `config` names. Takes no parameters.
    pub async fn open(config: &KvStoreConfig) -> Result<Self, KvError> {
        let path = config.require_path()?.to_path_buf();
        if let Some(name) = config.params.keys().next() {
            return Err(KvError::UnknownParam {
                backend: "sled",
                name: name.clone(),
                accepted: "none (the sled backend takes no parameters)".into(),
            });
        }
        let db = tokio::task::spawn_blocking(move || {
            // sled releases its file lock from a background thread after the last handle
            // is dropped, so a reopen in the same process can race it: wait briefly for a
            // lock that is on its way out before calling the database locked.
            let mut attempts = 0;
            loop {
                match sled::open(&path).map_err(|e| sled_error(Some(&path), e)) {
                    Err(KvError::Locked { .. }) if attempts < 20 => {
                        attempts += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    other => break other,
                }
            }
        })
        .await??;
        Ok(Self {
            db: Arc::new(db),
            isolation: Arc::default(),
        })
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, KvError>
    where
        T: Send + 'static,
        F: FnOnce(&sled::Db) -> Result<T, KvError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db)).await?
    }

    /// Runs a multi-key read that must not see half a batch.
    async fn reading<T, F>(&self, work: F) -> Result<T, KvError>
    where
        T: Send + 'static,
        F: FnOnce(&sled::Db) -> Result<T, KvError> + Send + 'static,
    {
        let isolation = Arc::clone(&self.isolation);
        self.blocking(move |db| {
            let _shared = isolation.read().unwrap_or_else(|p| p.into_inner());
            work(db)
        })
        .await
    }

    /// Runs a multi-key write that readers must see whole or not at all.
    async fn writing<T, F>(&self, work: F) -> Result<T, KvError>
    where
        T: Send + 'static,
        F: FnOnce(&sled::Db) -> Result<T, KvError> + Send + 'static,
    {
        let isolation = Arc::clone(&self.isolation);
        self.blocking(move |db| {
            let _exclusive = isolation.write().unwrap_or_else(|p| p.into_inner());
            work(db)
        })
        .await
    }
}

#[async_trait]
impl KvStore for SledKvStore {
    async fn get(&self, key: &str) -> Result<Option<KvValue>, KvError> {
        let key = key.to_owned();
        self.blocking(move |db| Ok(db.get(key).map_err(backend)?.map(|v| v.to_vec())))
            .await
    }

    async fn put(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.blocking(move |db| db.insert(key, value).map(drop).map_err(backend))
            .await
    }

    async fn delete(&self, key: &str) -> Result<bool, KvError> {
        let key = key.to_owned();
        self.blocking(move |db| Ok(db.remove(key).map_err(backend)?.is_some()))
            .await
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        let key = key.to_owned();
        self.blocking(move |db| db.contains_key(key).map_err(backend))
            .await
    }

    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<KvKey>, KvError> {
        let pairs = self.scan_prefix(prefix).await?;
        Ok(pairs.into_iter().map(|p| p.key).collect())
    }

    async fn scan_prefix(&self, prefix: &str) -> Result<Vec<KvPair>, KvError> {
        let prefix = prefix.to_owned();
        self.reading(move |db| {
            db.scan_prefix(prefix)
                .map(|item| item.map_err(backend).and_then(to_pair))
                .collect()
        })
        .await
    }

    async fn range(&self, options: &RangeOptions) -> Result<Vec<KvPair>, KvError> {
        let options = options.clone();
        self.reading(move |db| {
            use std::ops::Bound;
            let lower = options
                .start
                .as_deref()
                .map_or(Bound::Unbounded, |s| Bound::Included(s.as_bytes()));
            let upper = options
                .end
                .as_deref()
                .map_or(Bound::Unbounded, |e| Bound::Excluded(e.as_bytes()));
            if let (Bound::Included(s), Bound::Excluded(e)) = (lower, upper)
                && s >= e
            {
                return Ok(Vec::new());
            }
            let iter = db.range::<&[u8], _>((lower, upper));
            let limit = options.limit.unwrap_or(usize::MAX);
            let convert = |item: sled::Result<(sled::IVec, sled::IVec)>| {
                item.map_err(backend).and_then(to_pair)
            };
            if options.reverse {
                iter.rev().take(limit).map(convert).collect()
            } else {
                iter.take(limit).map(convert).collect()
            }
        })
        .await
    }

    async fn all(&self) -> Result<Vec<KvPair>, KvError> {
        self.range(&RangeOptions::new()).await
    }

    async fn count(&self) -> Result<usize, KvError> {
        self.reading(|db| Ok(db.len())).await
    }

    async fn clear(&self) -> Result<(), KvError> {
        self.writing(|db| db.clear().map_err(backend)).await
    }

    async fn batch_put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        let mut batch = sled::Batch::default();
        for pair in pairs {
            batch.insert(pair.key.as_bytes(), pair.value.as_slice());
        }
        self.writing(move |db| db.apply_batch(batch).map_err(backend))
            .await
    }

    async fn batch_delete(&self, keys: &[KvKey]) -> Result<usize, KvError> {
        let keys = keys.to_vec();
        self.writing(move |db| {
            let mut batch = sled::Batch::default();
            let mut existed = 0;
            for key in &keys {
                if db.contains_key(key).map_err(backend)? {
                    existed += 1;
                }
                batch.remove(key.as_bytes());
            }
            db.apply_batch(batch).map_err(backend)?;
            Ok(existed)
        })
        .await
    }

    fn backend_name(&self) -> &'static str {
        "sled"
    }
}
