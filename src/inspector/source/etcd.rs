//! The inspector's view of an etcd cluster (`etcd://host:port[,...][/namespace]`): the
//! same pages, reads, walks and writes as a RocksDB database, made of etcd ranges (each
//! walk read in pages at one revision, so it is one consistent view), count-only
//! ranges, and transactions. The worker's jobs run on blocking threads; each call here
//! blocks on the async client.

use std::future::Future;

use tokio::runtime::{Handle, Runtime};

use super::{Anchor, Bounds, Entry, Page, WriteOp};
use crate::inspector::error::InspectError;
use crate::storage::etcd::{ClusterStatus, EtcdKvStore, KeyRevisions, RangePage, next_page_keys};
use crate::storage::kv::{KvError, KvStoreConfig};

/// An open etcd cluster.
pub struct EtcdSource {
    store: EtcdKvStore,
    url: String,
    handle: Handle,
    /// A runtime of its own when opened outside one (tests, tools); shut down in the
    /// background on drop, which is allowed anywhere.
    owned: Option<Runtime>,
}

impl Drop for EtcdSource {
    fn drop(&mut self) {
        if let Some(runtime) = self.owned.take() {
            runtime.shutdown_background();
        }
    }
}

/// Whether `path` names an etcd cluster rather than a directory.
pub fn is_etcd_url(path: &std::path::Path) -> bool {
    path.to_str().is_some_and(|s| s.starts_with("etcd://"))
}

impl EtcdSource {
    /// Connects to the cluster `url` names and checks that it answers. A namespace
    /// written without its `/` is refused; read-only, so is an empty namespace in a
    /// cluster that holds keys elsewhere, naming where they are.
    pub fn open(url: &str, write: bool) -> Result<Self, InspectError> {
        let config = KvStoreConfig::etcd_url(url)?;
        let (handle, owned) = match Handle::try_current() {
            Ok(handle) => (handle, None),
            Err(_) => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("spear-etcd")
                    .enable_all()
                    .build()
                    .map_err(|e| InspectError::io("starting the etcd client's runtime", e))?;
                (runtime.handle().clone(), Some(runtime))
            }
        };
        let store = handle.block_on(async {
            let store = EtcdKvStore::open(&config).await?;
            if write {
                store.check_separator().await?;
            } else {
                store.check_namespace_holds_keys().await?;
            }
            Ok::<_, KvError>(store)
        })?;
        Ok(Self {
            store,
            url: url.to_string(),
            handle,
            owned,
        })
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The store, for the async callers (the TUI's watch).
    pub fn store(&self) -> &EtcdKvStore {
        &self.store
    }

    /// Runs one request of the async client to its end from a blocking thread.
    fn block<T>(
        &self,
        request: impl Future<Output = Result<T, KvError>>,
    ) -> Result<T, InspectError> {
        Ok(self.handle.block_on(request)?)
    }

    /// Up to `limit` keys from `anchor` inside `bounds`, with whether the view ends on
    /// either side of them.
    pub fn page(
        &self,
        bounds: &Bounds,
        anchor: &Anchor,
        limit: usize,
    ) -> Result<Page, InspectError> {
        let (lower, upper) = (bounds.lower.as_deref(), bounds.upper.as_deref());
        // Each anchor is one range, ascending from its start or descending from its end.
        let (from, to, reverse) = match anchor {
            Anchor::First => (lower.map(<[u8]>::to_vec), upper.map(<[u8]>::to_vec), false),
            Anchor::Last => (lower.map(<[u8]>::to_vec), upper.map(<[u8]>::to_vec), true),
            Anchor::AtOrAfter(k) => (
                Some(max_lower(lower, k.clone())),
                upper.map(<[u8]>::to_vec),
                false,
            ),
            Anchor::After(k) => (
                Some(max_lower(lower, successor(k))),
                upper.map(<[u8]>::to_vec),
                false,
            ),
            Anchor::Before(k) => (
                lower.map(<[u8]>::to_vec),
                Some(min_upper(upper, k.clone())),
                true,
            ),
        };
        let got =
            self.block(
                self.store
                    .range_page(from.as_deref(), to.as_deref(), limit, reverse, 0),
            )?;
        let exhausted = !got.more;
        let mut entries: Vec<Entry> = got
            .pairs
            .into_iter()
            .map(|(key, value)| Entry {
                value_len: value.len(),
                key,
            })
            .collect();
        if reverse {
            entries.reverse();
        }
        let (at_start, at_end) = match anchor {
            Anchor::First => (true, exhausted),
            Anchor::Last => (exhausted, true),
            Anchor::Before(_) => (exhausted, false),
            Anchor::After(_) | Anchor::AtOrAfter(_) => {
                let at_start = match entries.first() {
                    Some(first) => {
                        self.block(self.store.count_range(lower, Some(&first.key)))? == 0
                    }
                    None => false,
                };
                (at_start, exhausted)
            }
        };
        Ok(Page {
            entries,
            at_start,
            at_end,
            skipped: Vec::new(),
        })
    }

    /// The value of `key`, at most `max_len` bytes of it, and its full size.
    pub fn get(
        &self,
        key: &[u8],
        max_len: usize,
    ) -> Result<Option<(Vec<u8>, usize)>, InspectError> {
        let value = self.block(self.store.get_bytes(key))?;
        Ok(value.map(|v| (v[..v.len().min(max_len)].to_vec(), v.len())))
    }

    /// Walks every pair inside `bounds` in key order, in pages at the revision of the
    /// first page, until `visit` returns `false`. Returns how many pairs it visited.
    pub fn for_each(
        &self,
        bounds: &Bounds,
        mut visit: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<u64, InspectError> {
        let upper = bounds.upper.as_deref();
        let mut from = bounds.lower.clone();
        let (mut revision, mut visited) = (0, 0u64);
        let mut page_keys = next_page_keys(0, 0);
        loop {
            let page = self.block(self.store.range_page(
                from.as_deref(),
                upper,
                page_keys,
                false,
                revision,
            ))?;
            revision = page.revision;
            let bytes = page.pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
            page_keys = next_page_keys(page.pairs.len(), bytes);
            let Some(last) = page.pairs.last().map(|(k, _)| successor(k)) else {
                return Ok(visited);
            };
            for (key, value) in &page.pairs {
                visited += 1;
                if !visit(key, value) {
                    return Ok(visited);
                }
            }
            if !page.more {
                return Ok(visited);
            }
            from = Some(last);
        }
    }

    /// One page of `[lower, upper)` from `lower`, at `revision` (0: the newest).
    pub fn range_page(
        &self,
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        limit: usize,
        revision: i64,
    ) -> Result<RangePage, InspectError> {
        self.block(self.store.range_page(lower, upper, limit, false, revision))
    }

    /// How many keys lie inside `bounds`: a count-only range, exact.
    pub fn count(&self, bounds: &Bounds) -> Result<u64, InspectError> {
        self.block(
            self.store
                .count_range(bounds.lower.as_deref(), bounds.upper.as_deref()),
        )
    }

    /// Applies `ops` as one transaction.
    pub fn apply(&self, ops: &[WriteOp]) -> Result<(), InspectError> {
        let ops: Vec<(Vec<u8>, Option<Vec<u8>>)> = ops
            .iter()
            .map(|op| match op {
                WriteOp::Put(k, v) => (k.clone(), Some(v.clone())),
                WriteOp::Delete(k) => (k.clone(), None),
            })
            .collect();
        self.block(self.store.write_bytes(&ops))
    }

    /// Deletes every key inside `bounds` in one request; returns how many.
    pub fn delete_range(&self, bounds: &Bounds) -> Result<u64, InspectError> {
        self.block(
            self.store
                .delete_range_bytes(bounds.lower.as_deref(), bounds.upper.as_deref()),
        )
    }

    /// The changes to `key` etcd still holds, newest first.
    pub fn history(&self, key: &[u8]) -> Result<KeyRevisions, InspectError> {
        self.block(self.store.history(key))
    }

    /// The cluster's own figures.
    pub fn status(&self) -> Result<ClusterStatus, InspectError> {
        self.block(self.store.cluster_status())
    }
}

/// The smallest key after `key`.
fn successor(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// The larger of a view's lower bound and `key`.
fn max_lower(lower: Option<&[u8]>, key: Vec<u8>) -> Vec<u8> {
    match lower {
        Some(lower) if lower > key.as_slice() => lower.to_vec(),
        _ => key,
    }
}

/// The smaller of a view's upper bound and `key`.
fn min_upper(upper: Option<&[u8]>, key: Vec<u8>) -> Vec<u8> {
    match upper {
        Some(upper) if upper < key.as_slice() => upper.to_vec(),
        _ => key,
    }
}
