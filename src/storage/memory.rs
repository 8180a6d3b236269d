//! `MemoryKvStore`: a `BTreeMap` behind a lock, for tests, development and migration.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use super::kv::{KvError, KvKey, KvPair, KvStore, KvStoreConfig, KvValue, RangeOptions};

/// An in-process store. Every operation is a short critical section, so it runs inline
/// on the async runtime without blocking it.
#[derive(Debug, Default)]
pub struct MemoryKvStore {
    map: RwLock<BTreeMap<KvKey, KvValue>>,
}

impl MemoryKvStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store for `config`, which must carry no parameters.
    pub fn from_config(config: &KvStoreConfig) -> Result<Self, KvError> {
        if let Some(name) = config.params.keys().next() {
            return Err(KvError::UnknownParam {
                backend: "memory",
                name: name.clone(),
                accepted: "none (the memory backend takes no parameters)".into(),
            });
        }
        Ok(Self::new())
    }

    // A panic while holding the lock cannot leave the map half-updated (every write is
    // a single map operation or a loop of them that cannot panic), so poisoning is moot.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<KvKey, KvValue>> {
        self.map.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<KvKey, KvValue>> {
        self.map.write().unwrap_or_else(|p| p.into_inner())
    }

    fn prefix_pairs<'a>(
        map: &'a BTreeMap<KvKey, KvValue>,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a KvKey, &'a KvValue)> + 'a {
        map.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
    }
}

#[async_trait]
impl KvStore for MemoryKvStore {
    async fn get(&self, key: &str) -> Result<Option<KvValue>, KvError> {
        Ok(self.read().get(key).cloned())
    }

    async fn put(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.write().insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.write().remove(key).is_some())
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.read().contains_key(key))
    }

    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<KvKey>, KvError> {
        let map = self.read();
        Ok(Self::prefix_pairs(&map, prefix)
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn scan_prefix(&self, prefix: &str) -> Result<Vec<KvPair>, KvError> {
        let map = self.read();
        Ok(Self::prefix_pairs(&map, prefix)
            .map(|(k, v)| KvPair::new(k.clone(), v.clone()))
            .collect())
    }

    async fn range(&self, options: &RangeOptions) -> Result<Vec<KvPair>, KvError> {
        let lower = options
            .start
            .as_deref()
            .map_or(Bound::Unbounded, Bound::Included);
        let upper = options
            .end
            .as_deref()
            .map_or(Bound::Unbounded, Bound::Excluded);
        if let (Bound::Included(s), Bound::Excluded(e)) = (lower, upper)
            && s >= e
        {
            return Ok(Vec::new());
        }
        let map = self.read();
        let range = map.range::<str, _>((lower, upper));
        let limit = options.limit.unwrap_or(usize::MAX);
        let to_pair = |(k, v): (&KvKey, &KvValue)| KvPair::new(k.clone(), v.clone());
        Ok(if options.reverse {
            range.rev().take(limit).map(to_pair).collect()
        } else {
            range.take(limit).map(to_pair).collect()
        })
    }

    async fn all(&self) -> Result<Vec<KvPair>, KvError> {
        Ok(self
            .read()
            .iter()
            .map(|(k, v)| KvPair::new(k.clone(), v.clone()))
            .collect())
    }

    async fn count(&self) -> Result<usize, KvError> {
        Ok(self.read().len())
    }

    async fn clear(&self) -> Result<(), KvError> {
        self.write().clear();
        Ok(())
    }

    async fn batch_put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        // One write lock for the whole batch: readers see all of it or none.
        let mut map = self.write();
        for pair in pairs {
            map.insert(pair.key.clone(), pair.value.clone());
        }
        Ok(())
    }

    async fn batch_delete(&self, keys: &[KvKey]) -> Result<usize, KvError> {
        let mut map = self.write();
        Ok(keys
            .iter()
            .filter(|k| map.remove(k.as_str()).is_some())
            .count())
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}
