//! The node registry: which nodes exist, where they listen, and when they last spoke.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::listing::{Listing, RegistryError, decode_record, encode_record};
use crate::storage::kv::{KvPair, KvStore, MemoryKvStore};

/// Key prefix of node records.
pub const NODE_PREFIX: &str = "node:";

/// A node's state as the cluster sees it, as upstream Spear-Next stores it (`"Active"`,
/// `"Inactive"`, `"Unhealthy"`, `"Decommissioning"`). This project's first release
/// stored `"online"`, `"offline"`, `"unhealthy"`, `"draining"`; those still decode, as
/// the upstream status each meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NodeStatus {
    /// Heartbeating and taking work.
    Active,
    /// Not taking work: not heard from within the timeout, or taken out by an operator.
    Inactive,
    /// Heartbeating but reporting a problem.
    Unhealthy,
    /// Finishing its work, taking no more, on its way out.
    Decommissioning,
}

impl NodeStatus {
    /// Every status, in display order.
    pub const ALL: [NodeStatus; 4] = [
        NodeStatus::Active,
        NodeStatus::Unhealthy,
        NodeStatus::Decommissioning,
        NodeStatus::Inactive,
    ];

    /// The lowercase name, as upstream displays it.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Active => "active",
            NodeStatus::Inactive => "inactive",
            NodeStatus::Unhealthy => "unhealthy",
            NodeStatus::Decommissioning => "decommissioning",
        }
    }

    /// Reads a stored status: upstream's names (any case) or the first release's.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "active" | "online" => NodeStatus::Active,
            "inactive" | "offline" => NodeStatus::Inactive,
            "unhealthy" => NodeStatus::Unhealthy,
            "decommissioning" | "draining" => NodeStatus::Decommissioning,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for NodeStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        NodeStatus::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown node status {text:?}: expected Active, Inactive, Unhealthy or Decommissioning (or online, offline, draining)"
            ))
        })
    }
}

impl std::fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One node of the cluster, stored as JSON under `node:<uuid>`, field for field as
/// upstream Spear-Next writes it (`NodeInfo` in `spear-next/src/services/node.rs`).
/// Fields neither version knows are kept in `extra` and written back, so a newer
/// service's fields survive a read-modify-write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The node's identity.
    pub uuid: Uuid,
    /// The address it listens on.
    pub ip_address: String,
    /// The port it listens on.
    pub port: u16,
    /// Its state.
    pub status: NodeStatus,
    /// When it last sent a heartbeat.
    pub last_heartbeat: DateTime<Utc>,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// Free-form labels (zone, version, role, ...).
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    /// What the node said about its health with its last heartbeat.
    #[serde(default)]
    pub health_info: HashMap<String, String>,
    /// Fields of a newer service this build does not know, kept as they were.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl NodeInfo {
    /// A new online node with a fresh uuid, registered and heartbeating `now`.
    pub fn new(ip_address: impl Into<String>, port: u16) -> Self {
        Self::new_at(Uuid::new_v4(), ip_address, port, Utc::now())
    }

    /// A new online node with the given uuid and clock.
    pub fn new_at(
        uuid: Uuid,
        ip_address: impl Into<String>,
        port: u16,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            uuid,
            ip_address: ip_address.into(),
            port,
            status: NodeStatus::Active,
            last_heartbeat: now,
            registered_at: now,
            metadata: HashMap::new(),
            health_info: HashMap::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// `ip:port`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.ip_address, self.port)
    }

    /// How long since the last heartbeat, as of `now` (never negative).
    pub fn heartbeat_age(&self, now: DateTime<Utc>) -> Duration {
        (now - self.last_heartbeat).max(Duration::zero())
    }

    /// The key this node is stored under.
    pub fn key(&self) -> String {
        node_key(self.uuid)
    }
}

/// `node:<uuid>`.
pub fn node_key(uuid: Uuid) -> String {
    format!("{NODE_PREFIX}{uuid}")
}

/// Nodes over a shared `KvStore`.
#[derive(Debug, Clone)]
pub struct NodeRegistry {
    store: Arc<dyn KvStore>,
}

impl Default for NodeRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeRegistry {
    /// A registry over a fresh in-memory store.
    pub fn new() -> Self {
        Self::new_with_kv_store(Arc::new(MemoryKvStore::new()))
    }

    /// A registry over `store`, which other registries may share.
    pub fn new_with_kv_store(store: Arc<dyn KvStore>) -> Self {
        Self { store }
    }

    /// The store below.
    pub fn store(&self) -> &Arc<dyn KvStore> {
        &self.store
    }

    /// Adds a node; fails if its uuid is already registered.
    pub async fn register(&self, node: NodeInfo) -> Result<(), RegistryError> {
        if self.store.exists(&node.key()).await? {
            return Err(RegistryError::AlreadyRegistered(node.uuid));
        }
        self.store.put(&node.key(), &encode_record(&node)).await?;
        Ok(())
    }

    /// The node with `uuid`, if registered.
    pub async fn get(&self, uuid: Uuid) -> Result<Option<NodeInfo>, RegistryError> {
        let key = node_key(uuid);
        match self.store.get(&key).await? {
            Some(bytes) => decode_record(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Replaces a registered node's record; fails if it is not registered.
    pub async fn update(&self, node: NodeInfo) -> Result<(), RegistryError> {
        if !self.store.exists(&node.key()).await? {
            return Err(RegistryError::NotRegistered(node.uuid));
        }
        self.store.put(&node.key(), &encode_record(&node)).await?;
        Ok(())
    }

    /// Removes a node; returns whether it was registered.
    pub async fn remove(&self, uuid: Uuid) -> Result<bool, RegistryError> {
        Ok(self.store.delete(&node_key(uuid)).await?)
    }

    /// Every node record, decoded or not.
    pub async fn list(&self) -> Result<Listing<NodeInfo>, RegistryError> {
        Ok(Listing::decode(self.store.scan_prefix(NODE_PREFIX).await?))
    }

    /// Records a heartbeat now. See [`NodeRegistry::heartbeat_at`].
    pub async fn heartbeat(&self, uuid: Uuid) -> Result<NodeInfo, RegistryError> {
        self.heartbeat_at(uuid, Utc::now()).await
    }

    /// Records a heartbeat at `now`. A node that was offline is back online: it spoke.
    pub async fn heartbeat_at(
        &self,
        uuid: Uuid,
        now: DateTime<Utc>,
    ) -> Result<NodeInfo, RegistryError> {
        let mut node = self
            .get(uuid)
            .await?
            .ok_or(RegistryError::NotRegistered(uuid))?;
        node.last_heartbeat = now;
        if node.status == NodeStatus::Inactive {
            node.status = NodeStatus::Active;
        }
        self.store.put(&node.key(), &encode_record(&node)).await?;
        Ok(node)
    }

    /// Sets a node's status (an operator's action).
    pub async fn set_status(
        &self,
        uuid: Uuid,
        status: NodeStatus,
    ) -> Result<NodeInfo, RegistryError> {
        let mut node = self
            .get(uuid)
            .await?
            .ok_or(RegistryError::NotRegistered(uuid))?;
        node.status = status;
        self.store.put(&node.key(), &encode_record(&node)).await?;
        Ok(node)
    }

    /// Marks offline, now, every node silent for longer than `timeout`.
    pub async fn mark_stale_offline(&self, timeout: Duration) -> Result<Vec<Uuid>, RegistryError> {
        self.mark_stale_offline_at(timeout, Utc::now()).await
    }

    /// Marks offline every node whose last heartbeat is older than `timeout` at `now`,
    /// in one atomic batch; returns their uuids. Undecodable records are left alone.
    pub async fn mark_stale_offline_at(
        &self,
        timeout: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, RegistryError> {
        let listing = self.list().await?;
        let stale: Vec<NodeInfo> = listing
            .records
            .into_iter()
            .filter(|n| n.status != NodeStatus::Inactive && n.heartbeat_age(now) > timeout)
            .map(|mut n| {
                n.status = NodeStatus::Inactive;
                n
            })
            .collect();
        let batch: Vec<KvPair> = stale
            .iter()
            .map(|n| KvPair::new(n.key(), encode_record(n)))
            .collect();
        self.store.batch_put(&batch).await?;
        Ok(stale.into_iter().map(|n| n.uuid).collect())
    }

    /// How many node records exist (decodable or not).
    pub async fn count(&self) -> Result<usize, RegistryError> {
        Ok(self.store.keys_with_prefix(NODE_PREFIX).await?.len())
    }
}
