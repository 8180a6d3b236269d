//! The demo database: realistic Spear-Next data written through the library's registries,
//! plus the awkward things production databases hold (binary keys, broken records, large
//! values, a second column family).

mod events;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::common::{
    NodeInfo, NodeRegistry, NodeResourceInfo, NodeResourceRegistry, NodeStatus, RegistryError,
};
use crate::storage::kv::{KvError, KvPair, KvStore, KvStoreConfig, RocksDbKvStore};
use crate::storage::rocksdb::backend_error;

/// Nodes in the demo cluster.
pub const DEMO_NODES: usize = 200;
/// The demo's second column family.
pub const EVENTS_CF: &str = "events";

/// What the demo wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Keys in the default column family.
    pub default_keys: usize,
    /// Keys in the events column family.
    pub event_keys: usize,
}

/// Errors creating the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] KvError),
    /// A registry refused a record.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// Creates the demo database at `dir` (which must not exist yet), as of `now`, with a
/// fixed seed so every demo looks alike.
pub async fn create(dir: &Path, now: DateTime<Utc>) -> Result<DemoSummary, DemoError> {
    let store =
        RocksDbKvStore::open(&KvStoreConfig::rocksdb(dir).with_param("compression", "snappy"))
            .await?;
    let shared: Arc<dyn KvStore> = Arc::new(store.clone());
    let nodes = NodeRegistry::new_with_kv_store(Arc::clone(&shared));
    let resources = NodeResourceRegistry::new_with_kv_store(Arc::clone(&shared));
    let mut rng = StdRng::seed_from_u64(0x5EA2);
    let zones = ["eu-west-1a", "eu-west-1b", "us-east-1a", "ap-south-1c"];
    let roles = ["worker", "worker", "worker", "gateway", "scheduler"];

    let mut node_uuids = Vec::with_capacity(DEMO_NODES);
    for i in 0..DEMO_NODES {
        let uuid = Uuid::from_u128(rng.r#gen());
        node_uuids.push(uuid);
        // Most nodes are fresh, some lag, a few went silent long ago.
        let heartbeat_age = match rng.gen_range(0..100) {
            0..=69 => rng.gen_range(0..30),
            70..=89 => rng.gen_range(30..300),
            _ => rng.gen_range(3600..86_400 * 3),
        };
        let mut node = NodeInfo::new_at(
            uuid,
            format!("10.{}.{}.{}", 20 + i / 64, (i * 7) % 250, 10 + i % 200),
            [7000, 7001, 8080, 9090][i % 4],
            now - Duration::seconds(heartbeat_age),
        );
        node.registered_at = now
            - Duration::days(rng.gen_range(1..400))
            - Duration::seconds(rng.gen_range(0..86_400));
        node.status = match (heartbeat_age, rng.gen_range(0..20)) {
            (age, _) if age > 3600 => NodeStatus::Inactive,
            (_, 0) => NodeStatus::Unhealthy,
            (_, 1) => NodeStatus::Decommissioning,
            _ => NodeStatus::Active,
        };
        node.metadata
            .insert("zone".into(), zones[i % zones.len()].into());
        node.metadata
            .insert("role".into(), roles[i % roles.len()].into());
        node.metadata
            .insert("version".into(), format!("0.{}.{}", 3 + i % 3, i % 10));
        // What upstream's heartbeats carry: a few words about the node's own checks.
        let checks = match node.status {
            NodeStatus::Unhealthy => "disk: read errors on /dev/nvme1n1",
            NodeStatus::Decommissioning => "draining: 3 tasks left",
            _ => "ok",
        };
        node.health_info.insert("checks".into(), checks.into());
        node.health_info
            .insert("agent".into(), format!("1.{}.{}", 2 + i % 2, i % 5));
        nodes.register(node).await?;

        // About one node in twenty has no resource record: an orphan to spot.
        if i % 20 == 7 {
            continue;
        }
        let total_memory = [16u64, 32, 64, 128][i % 4] << 30;
        let total_disk = [256u64, 512, 1024, 2048][i % 4] << 30;
        let mut info = NodeResourceInfo::new_at(
            uuid,
            now - Duration::seconds(heartbeat_age + rng.gen_range(0..20)),
        );
        info.cpu_usage_percent = round1(rng.gen_range(2.0..99.5));
        info.memory_usage_percent = round1(rng.gen_range(10.0..97.0));
        info.total_memory_bytes = total_memory as i64;
        info.used_memory_bytes = (total_memory as f64 * info.memory_usage_percent / 100.0) as i64;
        info.available_memory_bytes = info.total_memory_bytes - info.used_memory_bytes;
        info.disk_usage_percent = round1(rng.gen_range(5.0..95.0));
        info.total_disk_bytes = total_disk as i64;
        info.used_disk_bytes = (total_disk as f64 * info.disk_usage_percent / 100.0) as i64;
        info.network_rx_bytes_per_sec = rng.gen_range(1_000..120_000_000);
        info.network_tx_bytes_per_sec = rng.gen_range(1_000..80_000_000);
        info.load_average_1m = round1(rng.gen_range(0.0..16.0));
        info.load_average_5m = round1(info.load_average_1m * rng.gen_range(0.7..1.2));
        info.load_average_15m = round1(info.load_average_5m * rng.gen_range(0.8..1.1));
        resources.update(info).await?;
    }
    // A resource record whose node is gone.
    resources
        .update(NodeResourceInfo::new_at(
            Uuid::from_u128(0xdead_beef),
            now - Duration::hours(5),
        ))
        .await?;

    // Records that do not decode, as a crashed writer or a bad migration leaves them.
    let broken = [
        (
            format!("node:{}", Uuid::from_u128(1)),
            br#"{"uuid":"00000000-0000-0000-0000-000000000001","ip_address":"10.9.9.9","po"#
                .to_vec(),
        ),
        (format!("node:{}", Uuid::from_u128(2)), b"null".to_vec()),
        (
            format!("resource:{}", Uuid::from_u128(3)),
            br#"{"node_uuid":"not-a-uuid","cpu_usage_percent":"high"}"#.to_vec(),
        ),
    ];
    let mut other = Vec::new();
    for (key, value) in broken {
        other.push(KvPair::new(key, value));
    }
    for (name, value) in [
        ("config:cluster/name", "spear-demo".to_string()),
        ("config:cluster/heartbeat_timeout_secs", "90".to_string()),
        ("config:scheduler/policy", r#"{"strategy":"least-loaded","max_tasks_per_node":64,"zones":["eu-west-1a","eu-west-1b"]}"#.to_string()),
        ("config:feature_flags", r#"{"wasm_runtime":true,"gpu_scheduling":false}"#.to_string()),
    ] {
        other.push(KvPair::new(name, value));
    }
    for i in 0..300 {
        let task = Uuid::from_u128(rng.r#gen());
        let state = ["queued", "running", "done", "failed"][i % 4];
        let value = serde_json::json!({
            "task_id": task,
            "node": format!("node-{}", i % DEMO_NODES),
            "state": state,
            "attempt": 1 + i % 3,
        });
        other.push(KvPair::new(format!("task:{task}"), value.to_string()));
    }
    for i in 0..100 {
        other.push(KvPair::new(
            format!("lease:{:04}", i),
            format!("holder=node-{} ttl=30s", i * 2),
        ));
    }
    // Values over 1 MiB: a snapshot blob and a large JSON document.
    let blob: Vec<u8> = (0..1_572_864).map(|_| rng.r#gen::<u8>()).collect();
    other.push(KvPair::new("blob:snapshot/2026-11-01", blob));
    let big_json = serde_json::json!({
        "kind": "placement-history",
        "entries": (0..20_000).map(|i| serde_json::json!({"seq": i, "node": i % DEMO_NODES, "ok": i % 7 != 0})).collect::<Vec<_>>(),
    });
    other.push(KvPair::new("blob:placement-history", big_json.to_string()));
    shared.batch_put(&other).await?;

    // Binary keys and values, as another service might write them: these go around the
    // String-keyed API, straight to RocksDB.
    let db = Arc::clone(store.db());
    let path = dir.to_path_buf();
    let event_keys = tokio::task::spawn_blocking(move || -> Result<usize, KvError> {
        for i in 0u32..40 {
            let mut key = b"\x00idx\xff".to_vec();
            key.extend_from_slice(&i.to_be_bytes());
            db.put(&key, (i as u64 * 7919).to_le_bytes())
                .map_err(backend_error)?;
        }
        db.put(b"metrics:\xfe\xfflast", b"\x01\x02\x03 binary \xff\x00")
            .map_err(backend_error)?;
        // The demo is written like any new database: in formats RocksDB 7.x reads.
        let params = crate::storage::rocksdb::RocksDbParams::default();
        // The file written at creation (with the store's parameters) is the base.
        let previous = crate::storage::rocksdb::stored::read_stored_options(&path);
        db.create_cf(EVENTS_CF, &params.options())
            .map_err(backend_error)?;
        crate::storage::rocksdb::compat::write_readable_options(&path, previous.as_ref(), &params)
            .map_err(|e| KvError::Backend {
                backend: "rocksdb",
                message: format!("writing the demo's OPTIONS file: {e}"),
            })?;
        let cf = db.cf_handle(EVENTS_CF).ok_or_else(|| KvError::Backend {
            backend: "rocksdb",
            message: "the events column family vanished after creation".into(),
        })?;
        let mut batch = rocksdb::WriteBatch::default();
        for (key, value) in crate::inspector::demo::events::streams(&node_uuids[..3], now) {
            batch.put_cf(&cf, key, value);
        }
        let written = batch.len();
        db.write(batch).map_err(backend_error)?;
        db.flush().map_err(backend_error)?;
        Ok(written)
    })
    .await
    .map_err(KvError::from)??;
    let default_keys = shared.count().await?;
    Ok(DemoSummary {
        default_keys,
        event_keys,
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
