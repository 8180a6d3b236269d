//! The byte-level face of `EtcdKvStore` that the inspector reads through: pages of a key
//! range at one revision, count-only ranges, writes of any bytes in one transaction, a
//! key's versions from etcd's revision history, a watch on the namespace, and the
//! cluster's own figures (members, leader, raft term and index, database sizes, alarms).
//!
//! Keys here are the user's bytes, without the namespace: the namespace is added on the
//! way in and removed on the way out, as the `KvStore` methods do.

use std::time::Duration;

use etcd_client::{
    AlarmAction, AlarmType, Client, EventType, GetOptions, SortOrder, SortTarget, Txn, TxnOp,
    WatchOptions, WatchStream,
};
use serde::Serialize;

use super::{EtcdKvStore, error, non_empty};

/// How long a watch delivering a key's past events must be quiet before a deleted
/// key's history is taken as whole (see [`EtcdKvStore::history`]).
const QUIET: Duration = Duration::from_millis(500);
use crate::storage::kv::KvError;

/// One page of a key range, read at one revision.
#[derive(Debug, Clone, Default)]
pub struct RangePage {
    /// Keys (without the namespace) and values, in the order asked for.
    pub pairs: Vec<(Vec<u8>, Vec<u8>)>,
    /// More keys lie in the range beyond the page, in the direction it was read.
    pub more: bool,
    /// The revision it was read at: pass it back to read the next page of the same view.
    pub revision: i64,
}

/// One change to a key, from etcd's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// The revision of the change.
    pub revision: i64,
    /// Whether it deleted the key (else it put a value).
    pub deleted: bool,
    /// The key's version after the change (1 for a creation; 0 after a deletion).
    pub version: i64,
    /// The value written (empty for a deletion).
    pub value: Vec<u8>,
}

/// What etcd still holds of one key's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRevisions {
    /// Changes, newest first.
    pub changes: Vec<Revision>,
    /// The cluster's revision when it was read.
    pub revision_now: i64,
    /// The revision below which etcd compacted its history away (0: none), so older
    /// changes are gone.
    pub compacted_before: i64,
}

/// One member as the cluster lists it, with its own status when it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberStatus {
    /// Its name.
    pub name: String,
    /// Its id, in hex as `etcdctl` prints it.
    pub id: String,
    /// Where clients reach it.
    pub client_urls: Vec<String>,
    /// A learner (not voting).
    pub is_learner: bool,
    /// Its status, or why it could not be read.
    pub status: Result<MemberFigures, String>,
}

/// One member's own figures (`etcdctl endpoint status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberFigures {
    /// The server's version.
    pub version: String,
    /// Whether this member is the leader.
    pub is_leader: bool,
    /// The raft term it knows.
    pub raft_term: u64,
    /// Its raft index.
    pub raft_index: u64,
    /// The raft index it has applied.
    pub raft_applied_index: u64,
    /// Its database file's size.
    pub db_size: i64,
    /// The part of it in use (the rest is freed pages a defragmentation returns).
    pub db_size_in_use: i64,
    /// Errors it reports.
    pub errors: Vec<String>,
}

/// The cluster's own figures, in place of RocksDB's statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterStatus {
    /// The endpoints the store was opened with.
    pub endpoints: String,
    /// The key namespace (empty: the whole key space).
    pub namespace: String,
    /// The cluster's id, in hex.
    pub cluster_id: String,
    /// The leader's member id, in hex (empty: no leader).
    pub leader: String,
    /// The cluster's current revision.
    pub revision: i64,
    /// Keys in the namespace.
    pub keys: u64,
    /// Every member, in the cluster's order.
    pub members: Vec<MemberStatus>,
    /// Alarms raised (e.g. `NOSPACE on 8e9e05c52164694d`): writes fail while one is.
    pub alarms: Vec<String>,
}

impl EtcdKvStore {
    /// The stored form of a user key.
    fn stored(&self, key: &[u8]) -> Vec<u8> {
        let mut k = self.namespace.clone();
        k.extend_from_slice(key);
        k
    }

    /// The stored range of user keys in `[lower, upper)`, `None` being the namespace's
    /// start or end.
    fn stored_range(&self, lower: Option<&[u8]>, upper: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
        let start = non_empty(self.stored(lower.unwrap_or_default()));
        let end = match upper {
            Some(upper) => non_empty(self.stored(upper)),
            None => self.namespace_end(),
        };
        (start, end)
    }

    /// A stored key without the namespace.
    fn strip(&self, mut stored: Vec<u8>) -> Vec<u8> {
        stored.drain(..self.namespace.len().min(stored.len()));
        stored
    }

    /// Up to `limit` pairs of `[lower, upper)`, ascending or (`reverse`) descending, at
    /// `revision` (0: the newest).
    pub async fn range_page(
        &self,
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        limit: usize,
        reverse: bool,
        revision: i64,
    ) -> Result<RangePage, KvError> {
        let (start, end) = self.stored_range(lower, upper);
        if end != [0] && end <= start {
            return Ok(RangePage {
                revision,
                ..RangePage::default()
            });
        }
        let mut options = GetOptions::new()
            .with_range(end)
            .with_limit(limit as i64)
            .with_revision(revision);
        if reverse {
            options = options.with_sort(SortTarget::Key, SortOrder::Descend);
        }
        let mut response = self.range_at(start, options, revision).await?;
        // A page read at a fixed revision reports the member's newest in its header:
        // the view stays at the revision asked for.
        let revision = if revision == 0 {
            response.header().map_or(0, |h| h.revision())
        } else {
            revision
        };
        let more = response.more();
        let pairs = response
            .take_kvs()
            .into_iter()
            .map(|kv| {
                let (k, v) = kv.into_key_value();
                (self.strip(k), v)
            })
            .collect();
        Ok(RangePage {
            pairs,
            more,
            revision,
        })
    }

    /// How many keys lie in `[lower, upper)`: a count-only range, no key is sent.
    pub async fn count_range(
        &self,
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
    ) -> Result<u64, KvError> {
        let (start, end) = self.stored_range(lower, upper);
        if end != [0] && end <= start {
            return Ok(0);
        }
        let response = self
            .call(|mut kv| {
                let (start, end) = (start.clone(), end.clone());
                async move {
                    let options = GetOptions::new().with_range(end).with_count_only();
                    kv.get(start, Some(options)).await
                }
            })
            .await?;
        Ok(response.count().max(0) as u64)
    }

    /// The value of a key of any bytes.
    pub async fn get_bytes(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        let key = self.stored(key);
        let mut response = self
            .call(|mut kv| {
                let key = key.clone();
                async move { kv.get(key, None).await }
            })
            .await?;
        Ok(response
            .take_kvs()
            .into_iter()
            .next()
            .map(|kv| kv.into_key_value().1))
    }

    /// Puts (`Some`) and deletes (`None`) of keys of any bytes, as one transaction:
    /// refused whole above the transaction limit.
    pub async fn write_bytes(&self, ops: &[(Vec<u8>, Option<Vec<u8>>)]) -> Result<(), KvError> {
        if ops.is_empty() {
            return Ok(());
        }
        self.check_batch(ops.len())?;
        let ops: Vec<TxnOp> = ops
            .iter()
            .map(|(k, v)| match v {
                Some(v) => TxnOp::put(self.stored(k), v.clone(), None),
                None => TxnOp::delete(self.stored(k), None),
            })
            .collect();
        self.call(|mut kv| {
            let ops = ops.clone();
            async move { kv.txn(Txn::new().and_then(ops)).await }
        })
        .await?;
        Ok(())
    }

    /// Every change to `key` etcd still holds (back to its last compaction), newest
    /// first: a watch from the oldest revision kept, read until it has delivered the
    /// key's last change.
    ///
    /// When the key exists, its last change is the put at its `mod_revision`, so the
    /// end is exact. A deleted key's last change is a delete whose revision no read
    /// returns; its history ends at the last delete delivered once the watch has been
    /// quiet for [`QUIET`] (etcd delivers a watcher's past events in one batch per
    /// 100 ms sync). etcd 3.4 answers a progress request at once, before the past
    /// events, so progress notices cannot mark the end there.
    pub async fn history(&self, key: &[u8]) -> Result<KeyRevisions, KvError> {
        let key = self.stored(key);
        let timeout = self.params.request_timeout;
        let endpoints = self.endpoints.clone();
        let read = async {
            let mut from = 1;
            loop {
                match self.history_from(&key, from).await? {
                    Ok(found) => return Ok(found),
                    // Compacted below `from`: start again at the oldest revision kept.
                    Err(compacted) => from = compacted,
                }
            }
        };
        match tokio::time::timeout(timeout, read).await {
            Ok(answer) => answer,
            Err(_) => Err(error::timed_out(&endpoints, timeout)),
        }
    }

    /// [`Self::history`] from revision `from`; `Err(revision)` when etcd compacted its
    /// history beyond `from` (the oldest revision it still has).
    async fn history_from(
        &self,
        key: &[u8],
        from: i64,
    ) -> Result<Result<KeyRevisions, i64>, KvError> {
        let mut client = self.client.clone();
        let classify = |e| error::classify(e, &self.endpoints);
        // "Now", and the key's last put if it exists: everything up to it is history.
        let mut current = client.get(key.to_vec(), None).await.map_err(classify)?;
        let now = current.header().map_or(0, |h| h.revision());
        let last_put = current.take_kvs().first().map(|kv| kv.mod_revision());
        let options = WatchOptions::new().with_start_revision(from);
        let mut stream: WatchStream = client
            .watch(key.to_vec(), Some(options))
            .await
            .map_err(classify)?;
        let mut changes: Vec<Revision> = Vec::new();
        loop {
            let done = match (last_put, changes.last()) {
                (Some(last), Some(seen)) => seen.revision >= last,
                _ => false,
            };
            if done {
                break;
            }
            let message = match tokio::time::timeout(QUIET, stream.message()).await {
                Ok(message) => message,
                // Quiet: a deleted (or never written) key has had all its changes.
                Err(_) if last_put.is_none() => break,
                Err(_) => continue,
            };
            let Some(response) = message.map_err(classify)? else {
                break;
            };
            if response.canceled() && response.compact_revision() > 0 {
                return Ok(Err(response.compact_revision()));
            }
            for event in response.events() {
                let Some(kv) = event.kv() else { continue };
                if kv.mod_revision() > now {
                    continue;
                }
                let deleted = event.event_type() == EventType::Delete;
                changes.push(Revision {
                    revision: kv.mod_revision(),
                    deleted,
                    version: kv.version(),
                    value: if deleted {
                        Vec::new()
                    } else {
                        kv.value().to_vec()
                    },
                });
            }
        }
        changes.reverse();
        Ok(Ok(KeyRevisions {
            changes,
            revision_now: now,
            compacted_before: from.max(1) - 1,
        }))
    }

    /// A watch on every key of the namespace from now on: each response says something
    /// changed (the inspector re-reads what it shows).
    pub async fn watch_namespace(&self) -> Result<WatchStream, KvError> {
        let (start, end) = self.stored_range(None, None);
        let options = WatchOptions::new().with_range(end);
        self.client
            .clone()
            .watch(start, Some(options))
            .await
            .map_err(|e| error::classify(e, &self.endpoints))
    }

    /// The cluster's figures: its members (each asked for its own status), the leader,
    /// the revision, the namespace's keys and the alarms raised.
    pub async fn cluster_status(&self) -> Result<ClusterStatus, KvError> {
        let mut client = self.client.clone();
        let classify = |e| error::classify(e, &self.endpoints);
        let timeout = self.params.request_timeout;
        let list = tokio::time::timeout(timeout, client.member_list())
            .await
            .map_err(|_| error::timed_out(&self.endpoints, timeout))?
            .map_err(classify)?;
        let cluster_id = list.header().map_or(0, |h| h.cluster_id());
        let mut members = Vec::new();
        let mut leader = 0;
        for member in list.members() {
            let status = self.member_figures(member.client_urls()).await;
            // Every member that answers names the same leader.
            if let Ok((_, _, leader_id)) = &status
                && leader == 0
            {
                leader = *leader_id;
            }
            members.push(MemberStatus {
                name: member.name().to_string(),
                id: format!("{:x}", member.id()),
                client_urls: member.client_urls().to_vec(),
                is_learner: member.is_learner(),
                status: status.map(|(figures, _, _)| figures),
            });
        }
        let alarms = tokio::time::timeout(
            timeout,
            client.alarm(AlarmAction::Get, AlarmType::None, None),
        )
        .await
        .map_err(|_| error::timed_out(&self.endpoints, timeout))?
        .map_err(classify)?;
        let alarms = alarms
            .alarms()
            .iter()
            .map(|a| format!("{:?} on {:x}", a.alarm(), a.member_id()).to_uppercase())
            .collect();
        let revision = client
            .get(vec![0u8], Some(GetOptions::new().with_count_only()))
            .await
            .map_err(classify)?
            .header()
            .map_or(0, |h| h.revision());
        Ok(ClusterStatus {
            endpoints: self.endpoints.clone(),
            namespace: String::from_utf8_lossy(&self.namespace).into_owned(),
            cluster_id: format!("{cluster_id:x}"),
            leader: if leader == 0 {
                String::new()
            } else {
                format!("{leader:x}")
            },
            revision,
            keys: self.count_range(None, None).await?,
            members,
            alarms,
        })
    }

    /// One member's status, asked of that member alone: (figures, its id, the leader it
    /// knows).
    async fn member_figures(&self, urls: &[String]) -> Result<(MemberFigures, u64, u64), String> {
        let options = super::connect_options(&self.params).map_err(|e| e.to_string())?;
        let timeout = self.params.dial_timeout;
        let ask = async {
            let mut client = Client::connect(urls.to_vec(), Some(options))
                .await
                .map_err(|e| e.to_string())?;
            client.status().await.map_err(|e| e.to_string())
        };
        let status = match tokio::time::timeout(timeout, ask).await {
            Ok(answer) => answer?,
            Err(_) => return Err(format!("no answer within {timeout:?}")),
        };
        let id = status.header().map_or(0, |h| h.member_id());
        let figures = MemberFigures {
            version: status.version().to_string(),
            is_leader: id != 0 && status.leader() == id,
            raft_term: status.raft_term(),
            raft_index: status.raft_index(),
            raft_applied_index: status.raft_applied_index(),
            db_size: status.db_size(),
            db_size_in_use: status.raft_used_db_size(),
            errors: status.errors().to_vec(),
        };
        Ok((figures, id, status.leader()))
    }
}

impl EtcdKvStore {
    /// Deletes every key of `[lower, upper)` in one request (atomic); returns how many.
    pub async fn delete_range_bytes(
        &self,
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
    ) -> Result<u64, KvError> {
        let (start, end) = self.stored_range(lower, upper);
        if end != [0] && end <= start {
            return Ok(0);
        }
        let response = self
            .call(|mut kv| {
                let (start, end) = (start.clone(), end.clone());
                async move {
                    let options = etcd_client::DeleteOptions::new().with_range(end);
                    kv.delete(start, Some(options)).await
                }
            })
            .await?;
        Ok(response.deleted().max(0) as u64)
    }
}

/// Keys of the whole cluster sampled to say where the data is when a namespace is empty.
const NEIGHBOUR_SAMPLE: i64 = 1_000;

impl EtcdKvStore {
    /// Fails with [`KvError::NamespaceMismatch`] when the namespace holds no key but the
    /// cluster holds some: an inspector shown an empty namespace would give the worst
    /// answer it can, nothing where data exists. Names the namespaces the first keys
    /// of the cluster are under (up to the first `/`), with their URLs.
    ///
    /// A namespace without its separator (`spear` for `spear/`) is refused too when
    /// every key in it starts with `/`: its keys would show as `/node:...` and the
    /// registries (which read `node:`) would find nothing.
    pub async fn check_namespace_holds_keys(&self) -> Result<(), KvError> {
        self.check_separator().await?;
        if self.count_range(None, None).await? > 0 {
            return Ok(());
        }
        let sample = self
            .call(|mut kv| async move {
                let options = GetOptions::new()
                    .with_range(vec![0u8])
                    .with_keys_only()
                    .with_limit(NEIGHBOUR_SAMPLE);
                kv.get(vec![0u8], Some(options)).await
            })
            .await?;
        if sample.kvs().is_empty() {
            return Ok(());
        }
        let mut under: std::collections::BTreeMap<String, u64> = Default::default();
        for kv in sample.kvs() {
            let key = String::from_utf8_lossy(kv.key());
            let namespace = match key.find('/') {
                Some(at) => key[..=at].to_string(),
                None => String::new(),
            };
            *under.entry(namespace).or_default() += 1;
        }
        let endpoints = self.endpoints.clone();
        let mut found: Vec<String> = under
            .iter()
            .take(5)
            .map(|(namespace, n)| match namespace.as_str() {
                "" => format!("{n} keys with no namespace (etcd://{endpoints})"),
                ns => format!("{n} keys under {ns:?} (etcd://{endpoints}/{ns})"),
            })
            .collect();
        if sample.more() {
            found.push(format!(
                "counted among the cluster's first {NEIGHBOUR_SAMPLE} keys only (there are more)"
            ));
        }
        Err(KvError::NamespaceMismatch {
            namespace: String::from_utf8_lossy(&self.namespace).into_owned(),
            endpoints,
            found: found.join(", "),
        })
    }
}

impl EtcdKvStore {
    /// A namespace written without its separator (`spear` for `spear/`): keys under
    /// `spear/` would show as `/node:...`, the registries would find no node, and a
    /// write would go next to the service's keys, not among them. Refused for reads and
    /// writes alike.
    pub async fn check_separator(&self) -> Result<(), KvError> {
        if self.namespace.is_empty() || self.namespace.ends_with(b"/") {
            return Ok(());
        }
        if self.count_range(Some(b"/"), Some(b"0")).await? == 0 {
            return Ok(());
        }
        let namespace = String::from_utf8_lossy(&self.namespace).into_owned();
        let keys = self.count_range(Some(b"/"), Some(b"0")).await?;
        Err(KvError::NamespaceMismatch {
            found: format!(
                "{keys} keys under {:?} (etcd://{}/{namespace}/)",
                format!("{namespace}/"),
                self.endpoints
            ),
            namespace,
            endpoints: self.endpoints.clone(),
        })
    }
}
