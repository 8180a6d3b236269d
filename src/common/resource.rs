//! The node resource registry: what each node last reported about its CPU, memory, disk
//! and network.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::listing::{Listing, RegistryError, decode_record, encode_record};
use crate::storage::kv::{KvStore, MemoryKvStore};

/// Key prefix of resource records.
pub const RESOURCE_PREFIX: &str = "resource:";

/// A node's last resource report, stored as JSON under `resource:<uuid>`, field for
/// field as upstream Spear-Next writes it (`NodeResourceInfo` in
/// `src/sms/services/resource_service.rs`): sizes are signed, as there. Records of this
/// project's first release (`metadata` instead of `resource_metadata`, no
/// `available_memory_bytes`) still decode; fields neither knows are kept in `extra` and
/// written back, so a newer service's fields survive a read-modify-write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeResourceInfo {
    /// The node this report is about.
    pub node_uuid: Uuid,
    /// CPU use, 0-100.
    pub cpu_usage_percent: f64,
    /// Memory use, 0-100.
    pub memory_usage_percent: f64,
    /// Installed memory, bytes.
    pub total_memory_bytes: i64,
    /// Memory in use, bytes.
    pub used_memory_bytes: i64,
    /// Memory available, bytes.
    #[serde(default)]
    pub available_memory_bytes: i64,
    /// Disk use, 0-100.
    pub disk_usage_percent: f64,
    /// Disk capacity, bytes.
    pub total_disk_bytes: i64,
    /// Disk in use, bytes.
    pub used_disk_bytes: i64,
    /// Bytes received per second.
    pub network_rx_bytes_per_sec: i64,
    /// Bytes sent per second.
    pub network_tx_bytes_per_sec: i64,
    /// Load average over 1 minute.
    pub load_average_1m: f64,
    /// Load average over 5 minutes.
    pub load_average_5m: f64,
    /// Load average over 15 minutes.
    pub load_average_15m: f64,
    /// When the report was made.
    pub updated_at: DateTime<Utc>,
    /// Free-form extras (`metadata` in this project's first release).
    #[serde(default, alias = "metadata")]
    pub resource_metadata: HashMap<String, String>,
    /// Fields of a newer service this build does not know, kept as they were.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Limits above which a node counts as heavily loaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadThresholds {
    /// CPU percent.
    pub cpu_percent: f64,
    /// Memory percent.
    pub memory_percent: f64,
    /// One-minute load average.
    pub load_average_1m: f64,
}

impl Default for LoadThresholds {
    /// Upstream Spear-Next's rule (`is_high_load`): CPU over 80 %, memory over 85 %, or a
    /// one-minute load average over 4.0.
    fn default() -> Self {
        Self {
            cpu_percent: 80.0,
            memory_percent: 85.0,
            load_average_1m: 4.0,
        }
    }
}

impl NodeResourceInfo {
    /// An empty report for `node_uuid` made at `now`.
    pub fn new_at(node_uuid: Uuid, now: DateTime<Utc>) -> Self {
        Self {
            node_uuid,
            cpu_usage_percent: 0.0,
            memory_usage_percent: 0.0,
            total_memory_bytes: 0,
            used_memory_bytes: 0,
            available_memory_bytes: 0,
            disk_usage_percent: 0.0,
            total_disk_bytes: 0,
            used_disk_bytes: 0,
            network_rx_bytes_per_sec: 0,
            network_tx_bytes_per_sec: 0,
            load_average_1m: 0.0,
            load_average_5m: 0.0,
            load_average_15m: 0.0,
            updated_at: now,
            resource_metadata: HashMap::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// An empty report for `node_uuid` made now.
    pub fn new(node_uuid: Uuid) -> Self {
        Self::new_at(node_uuid, Utc::now())
    }

    /// The key this report is stored under.
    pub fn key(&self) -> String {
        resource_key(self.node_uuid)
    }

    /// How old the report is at `now` (never negative).
    pub fn age(&self, now: DateTime<Utc>) -> Duration {
        (now - self.updated_at).max(Duration::zero())
    }

    /// Whether the report is older than `max_age` at `now`.
    pub fn is_stale(&self, max_age: Duration, now: DateTime<Utc>) -> bool {
        self.age(now) > max_age
    }

    /// Whether CPU, memory or the one-minute load is above its threshold.
    pub fn is_high_load(&self, limits: &LoadThresholds) -> bool {
        self.cpu_usage_percent > limits.cpu_percent
            || self.memory_usage_percent > limits.memory_percent
            || self.load_average_1m > limits.load_average_1m
    }
}

/// `resource:<uuid>`.
pub fn resource_key(uuid: Uuid) -> String {
    format!("{RESOURCE_PREFIX}{uuid}")
}

/// Resource reports over a shared `KvStore`.
#[derive(Debug, Clone)]
pub struct NodeResourceRegistry {
    store: Arc<dyn KvStore>,
}

impl Default for NodeResourceRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeResourceRegistry {
    /// A registry over a fresh in-memory store.
    pub fn new() -> Self {
        Self::new_with_kv_store(Arc::new(MemoryKvStore::new()))
    }

    /// A registry over `store`, which other registries may share.
    pub fn new_with_kv_store(store: Arc<dyn KvStore>) -> Self {
        Self { store }
    }

    /// Stores a report, replacing the node's previous one.
    pub async fn update(&self, info: NodeResourceInfo) -> Result<(), RegistryError> {
        self.store.put(&info.key(), &encode_record(&info)).await?;
        Ok(())
    }

    /// The last report of `node_uuid`, if any.
    pub async fn get(&self, node_uuid: Uuid) -> Result<Option<NodeResourceInfo>, RegistryError> {
        let key = resource_key(node_uuid);
        match self.store.get(&key).await? {
            Some(bytes) => decode_record(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Removes a node's report; returns whether there was one.
    pub async fn remove(&self, node_uuid: Uuid) -> Result<bool, RegistryError> {
        Ok(self.store.delete(&resource_key(node_uuid)).await?)
    }

    /// Every report, decoded or not.
    pub async fn list(&self) -> Result<Listing<NodeResourceInfo>, RegistryError> {
        Ok(Listing::decode(
            self.store.scan_prefix(RESOURCE_PREFIX).await?,
        ))
    }

    /// Reports older than `max_age` at `now`.
    pub async fn stale_at(
        &self,
        max_age: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<NodeResourceInfo>, RegistryError> {
        let listing = self.list().await?;
        Ok(listing
            .records
            .into_iter()
            .filter(|r| r.is_stale(max_age, now))
            .collect())
    }

    /// Reports over any of `limits`.
    pub async fn high_load(
        &self,
        limits: &LoadThresholds,
    ) -> Result<Vec<NodeResourceInfo>, RegistryError> {
        let listing = self.list().await?;
        Ok(listing
            .records
            .into_iter()
            .filter(|r| r.is_high_load(limits))
            .collect())
    }
}
