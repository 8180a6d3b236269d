//! `EtcdKvStore`: the `KvStore` contract on a real etcd cluster, for metadata that must
//! outlive its host. Keys live under an optional namespace prefix; prefix and range
//! queries are etcd ranges in its byte order (read in pages at one revision, so a long
//! scan is one consistent snapshot); `count` is a count-only range; a batch is one
//! transaction, refused whole when it exceeds the server's transaction limit.

mod error;
pub mod params;
mod raw;

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use etcd_client::{
    Certificate, Client, ConnectOptions, DeleteOptions, GetOptions, GetResponse, Identity,
    KvClient, SortOrder, SortTarget, TlsOptions, Txn, TxnOp, TxnOpResponse,
};

use crate::storage::error::key_from_bytes;
use crate::storage::kv::{KvError, KvKey, KvPair, KvStore, KvStoreConfig, KvValue, RangeOptions};
pub use params::EtcdParams;
pub use raw::{ClusterStatus, KeyRevisions, MemberFigures, MemberStatus, RangePage, Revision};

/// Keys asked for in the first request of a long range, before any size is known: at
/// etcd's largest values (1.5 MiB) still far below the client's 256 MiB response limit.
/// The pages after it are sized by bytes ([`next_page_keys`]), so a registry of 10,000
/// small records comes in two round trips (each request is a quorum read, about 2 ms on
/// a loopback cluster; fixed pages of 1,000 made a 10k scan 0.44x of one raw range).
const FIRST_PAGE: usize = 128;
/// Bytes a page of a long range aims at: the next page's key count follows the sizes
/// seen so far, so large values come in pages that stay far below the client's 256 MiB
/// response limit, and small ones in few round trips.
const PAGE_BYTES: usize = 16 << 20;

/// Keys to ask for in the next page, after a page of `pairs` pairs and `bytes` bytes.
pub fn next_page_keys(pairs: usize, bytes: usize) -> usize {
    if pairs == 0 {
        return FIRST_PAGE;
    }
    let per_pair = (bytes / pairs).max(1);
    (PAGE_BYTES / per_pair).clamp(16, 100_000)
}

/// A `KvStore` on an etcd cluster.
#[derive(Clone)]
pub struct EtcdKvStore {
    client: Client,
    kv: KvClient,
    params: EtcdParams,
    namespace: Vec<u8>,
    endpoints: String,
}

impl std::fmt::Debug for EtcdKvStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdKvStore")
            .field("endpoints", &self.endpoints)
            .field("namespace", &self.params.namespace)
            .finish_non_exhaustive()
    }
}

impl EtcdKvStore {
    /// Connects to the cluster `config` names (its `endpoints` parameter) and checks that
    /// it answers, so a wrong address fails here with a clear error, not at first use.
    pub async fn open(config: &KvStoreConfig) -> Result<Self, KvError> {
        let params = EtcdParams::from_params(&config.params)?;
        let endpoints = params.endpoint_list();
        let options = connect_options(&params)?;
        let connect = Client::connect(params.endpoints.clone(), Some(options));
        let client = match tokio::time::timeout(params.dial_timeout, connect).await {
            Ok(result) => result.map_err(|e| error::classify(e, &endpoints))?,
            Err(_) => {
                return Err(KvError::Unreachable {
                    endpoints,
                    detail: format!("no connection within {:?}", params.dial_timeout),
                });
            }
        };
        // A larger response limit than gRPC's 4 MiB default: a page of large values.
        let kv = client
            .kv_client()
            .max_decoding_message_size(256 << 20)
            .max_encoding_message_size(64 << 20);
        let store = Self {
            client,
            kv,
            namespace: params.namespace.as_bytes().to_vec(),
            params,
            endpoints,
        };
        // One linearizable read proves an endpoint answers and the cluster has quorum.
        store
            .call_within(store.params.dial_timeout, |mut kv| async move {
                kv.get(vec![0u8], Some(GetOptions::new().with_count_only()))
                    .await
            })
            .await?;
        Ok(store)
    }

    /// The parameters it was opened with.
    pub fn params(&self) -> &EtcdParams {
        &self.params
    }

    /// The underlying client, for what the `KvStore` trait does not cover (status,
    /// members, watch, revisions).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs one request under the request timeout, with its errors classified.
    ///
    /// A request that could not even connect (a dead member the client still balances
    /// over) was never sent, so it is tried again, on whichever endpoint the client picks
    /// next, until the timeout: one member down of three must not fail a request.
    async fn call<T, F, Fut>(&self, request: F) -> Result<T, KvError>
    where
        F: Fn(KvClient) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        self.call_within(self.params.request_timeout, request).await
    }

    /// [`Self::call`] with its own time limit.
    async fn call_within<T, F, Fut>(&self, timeout: Duration, request: F) -> Result<T, KvError>
    where
        F: Fn(KvClient) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let attempt = tokio::time::timeout_at(deadline, request(self.kv.clone())).await;
            let err = match attempt {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(err)) => err,
                // Out of time: a cluster that cannot commit, unless nothing even listens.
                Err(_) if error::none_listening(&self.params.endpoints).await => {
                    return Err(KvError::Unreachable {
                        endpoints: self.endpoints.clone(),
                        detail: format!("no connection within {timeout:?}"),
                    });
                }
                Err(_) => return Err(error::timed_out(&self.endpoints, timeout)),
            };
            if !error::never_sent(&err) {
                return Err(error::classify(err, &self.endpoints));
            }
            // Refused everywhere: nothing listens, and waiting will not change that soon.
            if tokio::time::Instant::now() >= deadline
                || error::none_listening(&self.params.endpoints).await
            {
                return Err(error::classify(err, &self.endpoints));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn stored_key(&self, key: &str) -> Vec<u8> {
        let mut k = self.namespace.clone();
        k.extend_from_slice(key.as_bytes());
        k
    }

    /// The end of the namespace's key range (etcd's "\0": to the last key).
    fn namespace_end(&self) -> Vec<u8> {
        prefix_end(&self.namespace)
    }

    fn user_key(&self, stored: Vec<u8>) -> Result<KvKey, KvError> {
        let mut stored = stored;
        stored.drain(..self.namespace.len().min(stored.len()));
        key_from_bytes(stored)
    }

    /// Every pair in `[start, end)` in key order (or reverse), up to `limit`, read in
    /// pages at the revision of the first page.
    async fn read_range(
        &self,
        start: Vec<u8>,
        end: Vec<u8>,
        limit: Option<usize>,
        reverse: bool,
        keys_only: bool,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, KvError> {
        let mut out = Vec::new();
        if limit == Some(0) || (end != [0] && end <= start) {
            return Ok(out);
        }
        let (mut start, mut end) = (start, end);
        let mut revision = 0;
        let mut page_keys = FIRST_PAGE;
        loop {
            let left = limit.map_or(usize::MAX, |l| l - out.len());
            let want = page_keys.min(left) as i64;
            let mut options = GetOptions::new()
                .with_range(end.clone())
                .with_limit(want)
                .with_revision(revision);
            if reverse {
                options = options.with_sort(SortTarget::Key, SortOrder::Descend);
            }
            if keys_only {
                options = options.with_keys_only();
            }
            let mut page = self.range_at(start.clone(), options, revision).await?;
            if revision == 0 {
                revision = page.header().map_or(0, |h| h.revision());
            }
            let more = page.more();
            let kvs = page.take_kvs();
            let bytes: usize = kvs.iter().map(|kv| kv.key().len() + kv.value().len()).sum();
            page_keys = next_page_keys(kvs.len(), bytes);
            let Some(last) = kvs.last().map(|kv| kv.key().to_vec()) else {
                break;
            };
            out.extend(kvs.into_iter().map(|kv| {
                let (k, v) = kv.into_key_value();
                (k, v)
            }));
            if !more || limit.is_some_and(|l| out.len() >= l) {
                break;
            }
            if reverse {
                end = last;
            } else {
                start = last;
                start.push(0);
            }
        }
        Ok(out)
    }

    /// One range request at `revision`. The first page of a long read (revision 0) is a
    /// quorum read and fixes the revision; the pages after it read that same revision
    /// from whichever member answers (serializable: no quorum round trip, which cost
    /// about 15 ms a page on a loopback cluster), and the same data, since a revision
    /// never changes once applied. A member that has not applied it yet says so, and
    /// the page is asked again as a quorum read.
    async fn range_at(
        &self,
        key: Vec<u8>,
        options: GetOptions,
        revision: i64,
    ) -> Result<GetResponse, KvError> {
        let ask = |options: GetOptions| {
            let key = key.clone();
            self.call(move |mut kv| {
                let (key, options) = (key.clone(), options.clone());
                async move { kv.get(key, Some(options)).await }
            })
        };
        if revision == 0 {
            return ask(options).await;
        }
        match ask(options.clone().with_serializable()).await {
            Err(e) if e.to_string().contains("future revision") => ask(options).await,
            answer => answer,
        }
    }

    /// Stored pairs as the trait's pairs: keys without the namespace, checked as UTF-8.
    fn to_pairs(&self, raw: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<KvPair>, KvError> {
        raw.into_iter()
            .map(|(k, v)| {
                Ok(KvPair {
                    key: self.user_key(k)?,
                    value: v,
                })
            })
            .collect()
    }

    async fn pairs(&self, start: Vec<u8>, end: Vec<u8>) -> Result<Vec<KvPair>, KvError> {
        let raw = self.read_range(start, end, None, false, false).await?;
        self.to_pairs(raw)
    }

    /// The stored range of the keys starting with `prefix` in the namespace. etcd has no
    /// empty key: an empty start (no namespace, no prefix) becomes "\0", its smallest.
    fn prefix_bounds(&self, prefix: &str) -> (Vec<u8>, Vec<u8>) {
        let start = self.stored_key(prefix);
        let end = prefix_end(&start);
        (non_empty(start), end)
    }

    /// Refuses a batch the server would refuse, before sending anything.
    fn check_batch(&self, ops: usize) -> Result<(), KvError> {
        if ops > self.params.max_txn_ops {
            return Err(KvError::TxnTooLarge {
                ops,
                limit: self.params.max_txn_ops,
            });
        }
        Ok(())
    }
}

/// `key`, or etcd's smallest key "\0" for the empty key etcd cannot take.
fn non_empty(key: Vec<u8>) -> Vec<u8> {
    if key.is_empty() { vec![0] } else { key }
}

/// The first key after every key starting with `prefix`; `[0]` (etcd's "to the end")
/// when there is none (an empty prefix, or one of only 0xff bytes).
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

fn connect_options(params: &EtcdParams) -> Result<ConnectOptions, KvError> {
    let mut options = ConnectOptions::new()
        .with_connect_timeout(params.dial_timeout)
        .with_timeout(params.request_timeout)
        .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5))
        // A member cut off from its leader answers "no leader" at once instead of
        // waiting out the timeout.
        .with_require_leader(true);
    if let Some((user, password)) = &params.credentials {
        options = options.with_user(user, password);
    }
    if params.ca_file.is_some() || params.identity.is_some() {
        let read = |name: &str, path: &std::path::Path| {
            std::fs::read(path).map_err(|e| KvError::InvalidParam {
                name: name.to_string(),
                value: path.display().to_string(),
                expected: format!("a readable PEM file ({e})"),
            })
        };
        let mut tls = TlsOptions::new();
        if let Some(ca) = &params.ca_file {
            tls = tls.ca_certificate(Certificate::from_pem(read("ca_file", ca)?));
        }
        if let Some((cert, key)) = &params.identity {
            tls = tls.identity(Identity::from_pem(
                read("cert_file", cert)?,
                read("key_file", key)?,
            ));
        }
        options = options.with_tls(tls);
    }
    Ok(options)
}

#[async_trait]
impl KvStore for EtcdKvStore {
    async fn get(&self, key: &str) -> Result<Option<KvValue>, KvError> {
        self.get_bytes(key.as_bytes()).await
    }

    async fn put(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        let (key, value) = (self.stored_key(key), value.to_vec());
        self.call(|mut kv| {
            let (key, value) = (key.clone(), value.clone());
            async move { kv.put(key, value, None).await }
        })
        .await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool, KvError> {
        let key = self.stored_key(key);
        let response = self
            .call(|mut kv| {
                let key = key.clone();
                async move { kv.delete(key, None).await }
            })
            .await?;
        Ok(response.deleted() > 0)
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        let key = self.stored_key(key);
        let response = self
            .call(|mut kv| {
                let key = key.clone();
                async move { kv.get(key, Some(GetOptions::new().with_count_only())).await }
            })
            .await?;
        Ok(response.count() > 0)
    }

    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<KvKey>, KvError> {
        let (start, end) = self.prefix_bounds(prefix);
        self.read_range(start, end, None, false, true)
            .await?
            .into_iter()
            .map(|(k, _)| self.user_key(k))
            .collect()
    }

    async fn scan_prefix(&self, prefix: &str) -> Result<Vec<KvPair>, KvError> {
        let (start, end) = self.prefix_bounds(prefix);
        self.pairs(start, end).await
    }

    async fn range(&self, options: &RangeOptions) -> Result<Vec<KvPair>, KvError> {
        let start = self.stored_key(options.start.as_deref().unwrap_or(""));
        let end = match &options.end {
            Some(end) => self.stored_key(end),
            None => self.namespace_end(),
        };
        let raw = self
            .read_range(non_empty(start), end, options.limit, options.reverse, false)
            .await?;
        self.to_pairs(raw)
    }

    async fn all(&self) -> Result<Vec<KvPair>, KvError> {
        let (start, end) = self.prefix_bounds("");
        self.pairs(start, end).await
    }

    async fn count(&self) -> Result<usize, KvError> {
        Ok(self.count_range(None, None).await? as usize)
    }

    async fn clear(&self) -> Result<(), KvError> {
        let (start, end) = self.prefix_bounds("");
        self.call(|mut kv| {
            let (start, end) = (start.clone(), end.clone());
            async move {
                let options = DeleteOptions::new().with_range(end);
                kv.delete(start, Some(options)).await
            }
        })
        .await?;
        Ok(())
    }

    async fn batch_put(&self, pairs: &[KvPair]) -> Result<(), KvError> {
        // etcd refuses a transaction that writes one key twice; the last value wins, as
        // in every other backend. Keys in ascending order (the usual batch) are unique
        // already and skip the map.
        let sorted = pairs.windows(2).all(|w| w[0].key < w[1].key);
        let unique: Vec<(&str, &[u8])> = if sorted {
            pairs
                .iter()
                .map(|p| (p.key.as_str(), p.value.as_slice()))
                .collect()
        } else {
            let mut last: std::collections::BTreeMap<&str, &[u8]> = Default::default();
            for pair in pairs {
                last.insert(&pair.key, &pair.value);
            }
            last.into_iter().collect()
        };
        if unique.is_empty() {
            return Ok(());
        }
        self.check_batch(unique.len())?;
        let build = || -> Vec<TxnOp> {
            unique
                .iter()
                .map(|(k, v)| TxnOp::put(self.stored_key(k), v.to_vec(), None))
                .collect()
        };
        // The first attempt takes the operations built once; a retry (a member that
        // could not be reached) builds them again.
        let first = std::sync::Mutex::new(Some(build()));
        self.call(|mut kv| {
            let taken = first.lock().unwrap_or_else(|p| p.into_inner()).take();
            let ops = taken.unwrap_or_else(build);
            async move { kv.txn(Txn::new().and_then(ops)).await }
        })
        .await?;
        Ok(())
    }

    async fn batch_delete(&self, keys: &[KvKey]) -> Result<usize, KvError> {
        let unique: std::collections::BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        if unique.is_empty() {
            return Ok(0);
        }
        self.check_batch(unique.len())?;
        let ops: Vec<TxnOp> = unique
            .into_iter()
            .map(|k| TxnOp::delete(self.stored_key(k), None))
            .collect();
        let response = self
            .call(|mut kv| {
                let ops = ops.clone();
                async move { kv.txn(Txn::new().and_then(ops)).await }
            })
            .await?;
        Ok(response
            .op_responses()
            .iter()
            .map(|r| match r {
                TxnOpResponse::Delete(d) => d.deleted() as usize,
                _ => 0,
            })
            .sum())
    }

    fn backend_name(&self) -> &'static str {
        "etcd"
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(b"ab"), b"ac");
        assert_eq!(prefix_end(b"a\xff"), b"b");
        assert_eq!(prefix_end(b"\xff\xff"), [0]);
        assert_eq!(prefix_end(b""), [0]);
    }
}
