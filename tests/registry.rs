//! Node and resource registries, including records that do not decode.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use spear_next::common::{
    LoadThresholds, NodeInfo, NodeRegistry, NodeResourceInfo, NodeResourceRegistry, NodeStatus,
    RegistryError,
};
use spear_next::storage::kv::{KvStore, MemoryKvStore};
use uuid::Uuid;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

#[tokio::test]
async fn node_lifecycle() {
    let registry = NodeRegistry::new();
    let mut node = NodeInfo::new_at(uuid(1), "10.0.0.1", 7000, t0());
    node.metadata.insert("zone".into(), "eu-1".into());
    registry.register(node.clone()).await.unwrap();
    assert!(matches!(
        registry.register(node.clone()).await,
        Err(RegistryError::AlreadyRegistered(u)) if u == uuid(1)
    ));
    assert_eq!(registry.get(uuid(1)).await.unwrap().unwrap(), node);
    assert_eq!(registry.get(uuid(2)).await.unwrap(), None);

    node.port = 7001;
    registry.update(node.clone()).await.unwrap();
    assert_eq!(registry.get(uuid(1)).await.unwrap().unwrap().port, 7001);
    let stranger = NodeInfo::new_at(uuid(9), "10.0.0.9", 1, t0());
    assert!(matches!(
        registry.update(stranger).await,
        Err(RegistryError::NotRegistered(_))
    ));

    let later = t0() + Duration::seconds(30);
    let beat = registry.heartbeat_at(uuid(1), later).await.unwrap();
    assert_eq!(beat.last_heartbeat, later);
    assert_eq!(registry.list().await.unwrap().records.len(), 1);
    assert!(registry.remove(uuid(1)).await.unwrap());
    assert!(!registry.remove(uuid(1)).await.unwrap());
    assert!(registry.list().await.unwrap().records.is_empty());
}

#[tokio::test]
async fn stale_nodes_go_offline_and_come_back_on_heartbeat() {
    let registry = NodeRegistry::new();
    for (n, age_secs) in [(1, 10), (2, 200), (3, 95)] {
        let node = NodeInfo::new_at(
            uuid(n),
            "10.0.0.1",
            7000,
            t0() - Duration::seconds(age_secs),
        );
        registry.register(node).await.unwrap();
    }
    let mut offline = registry
        .mark_stale_offline_at(Duration::seconds(90), t0())
        .await
        .unwrap();
    offline.sort();
    assert_eq!(offline, [uuid(2), uuid(3)]);
    assert_eq!(
        registry.get(uuid(1)).await.unwrap().unwrap().status,
        NodeStatus::Active
    );
    assert_eq!(
        registry.get(uuid(2)).await.unwrap().unwrap().status,
        NodeStatus::Inactive
    );
    // Already offline: not reported twice.
    assert!(
        registry
            .mark_stale_offline_at(Duration::seconds(90), t0())
            .await
            .unwrap()
            .is_empty()
    );
    let back = registry.heartbeat_at(uuid(2), t0()).await.unwrap();
    assert_eq!(back.status, NodeStatus::Active);
}

#[tokio::test]
async fn undecodable_records_are_reported_and_hide_nothing() {
    let store: Arc<dyn KvStore> = Arc::new(MemoryKvStore::new());
    let nodes = NodeRegistry::new_with_kv_store(store.clone());
    let resources = NodeResourceRegistry::new_with_kv_store(store.clone());
    nodes
        .register(NodeInfo::new_at(uuid(1), "a", 1, t0()))
        .await
        .unwrap();
    nodes
        .register(NodeInfo::new_at(uuid(3), "c", 3, t0()))
        .await
        .unwrap();
    let bad_key = format!("node:{}", uuid(2));
    store.put(&bad_key, b"{\"uuid\": 12").await.unwrap();
    store.put("resource:broken", b"\xff\xfe").await.unwrap();
    resources
        .update(NodeResourceInfo::new_at(uuid(1), t0()))
        .await
        .unwrap();

    let listing = nodes.list().await.unwrap();
    assert_eq!(
        listing.records.len(),
        2,
        "good records around the bad one are all listed"
    );
    assert_eq!(listing.undecodable.len(), 1);
    assert_eq!(listing.undecodable[0].key, bad_key);
    assert!(
        listing.undecodable[0]
            .error
            .contains("expected a formatted UUID"),
        "{}",
        listing.undecodable[0].error
    );

    let err = nodes.get(uuid(2)).await.unwrap_err();
    assert!(
        err.to_string().contains(&bad_key),
        "the error names the key: {err}"
    );

    let listing = resources.list().await.unwrap();
    assert_eq!(listing.records.len(), 1);
    assert_eq!(listing.undecodable[0].key, "resource:broken");
    // Stale marking skips what it cannot read instead of failing.
    nodes
        .mark_stale_offline_at(Duration::seconds(1), t0() + Duration::hours(1))
        .await
        .unwrap();
}

#[tokio::test]
async fn resource_checks() {
    let registry = NodeResourceRegistry::new();
    let mut hot = NodeResourceInfo::new_at(uuid(1), t0());
    hot.cpu_usage_percent = 97.5;
    hot.load_average_1m = 12.0;
    let mut old = NodeResourceInfo::new_at(uuid(2), t0() - Duration::minutes(10));
    old.disk_usage_percent = 40.0;
    registry.update(hot.clone()).await.unwrap();
    registry.update(old.clone()).await.unwrap();
    assert_eq!(registry.get(uuid(1)).await.unwrap().unwrap(), hot);

    let high = registry
        .high_load(&LoadThresholds::default())
        .await
        .unwrap();
    assert_eq!(
        high.iter().map(|r| r.node_uuid).collect::<Vec<_>>(),
        [uuid(1)]
    );
    let stale = registry.stale_at(Duration::minutes(5), t0()).await.unwrap();
    assert_eq!(
        stale.iter().map(|r| r.node_uuid).collect::<Vec<_>>(),
        [uuid(2)]
    );

    // Upstream's rule: CPU, memory and the one-minute load must all be back under.
    hot.cpu_usage_percent = 10.0;
    hot.load_average_1m = 1.5;
    registry.update(hot).await.unwrap();
    assert!(
        registry
            .high_load(&LoadThresholds::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(registry.remove(uuid(2)).await.unwrap());
    assert_eq!(registry.list().await.unwrap().records.len(), 1);
}

#[cfg(feature = "rocksdb")]
#[tokio::test(flavor = "multi_thread")]
async fn registries_share_one_rocksdb_store() {
    use spear_next::storage::kv::{KvStoreConfig, create_kv_store_from_config};
    let (_dir, path) = crate::common::temp_db();
    let store = Arc::new(
        create_kv_store_from_config(&KvStoreConfig::rocksdb(&path))
            .await
            .unwrap(),
    );
    let nodes = NodeRegistry::new_with_kv_store(store.clone());
    let resources = NodeResourceRegistry::new_with_kv_store(store.clone());
    nodes
        .register(NodeInfo::new_at(uuid(7), "10.1.1.1", 80, t0()))
        .await
        .unwrap();
    resources
        .update(NodeResourceInfo::new_at(uuid(7), t0()))
        .await
        .unwrap();
    assert_eq!(store.count().await.unwrap(), 2);
    assert!(store.exists(&format!("node:{}", uuid(7))).await.unwrap());
    assert!(
        store
            .exists(&format!("resource:{}", uuid(7)))
            .await
            .unwrap()
    );
}

/// Records exactly as upstream Spear-Next serialises them (its serde definitions at the
/// commit the README names), written as raw JSON, not through our types.
const UPSTREAM_NODE: &str = r#"{"uuid":"6a1f0b3c-2d4e-4f50-8a61-7b8c9d0e1f23","ip_address":"10.0.3.17","port":50051,"status":"Inactive","last_heartbeat":"2026-11-25T11:58:00Z","registered_at":"2026-10-01T08:00:00Z","metadata":{"zone":"b"},"health_info":{"disk":"ok","agent":"1.4.2"}}"#;
const UPSTREAM_RESOURCE: &str = r#"{"node_uuid":"6a1f0b3c-2d4e-4f50-8a61-7b8c9d0e1f23","cpu_usage_percent":42.5,"memory_usage_percent":61.0,"total_memory_bytes":17179869184,"used_memory_bytes":10479720448,"available_memory_bytes":6700148736,"disk_usage_percent":33.3,"total_disk_bytes":512000000000,"used_disk_bytes":170496000000,"network_rx_bytes_per_sec":1200000,"network_tx_bytes_per_sec":800000,"load_average_1m":4.5,"load_average_5m":3.9,"load_average_15m":3.1,"updated_at":"2026-11-25T11:59:50Z","resource_metadata":{"kernel":"6.1"}}"#;
/// And in this project's first release's format.
const FIRST_RELEASE_NODE: &str = r#"{"uuid":"00000000-0000-4000-8000-000000000001","ip_address":"10.0.0.1","port":7000,"status":"draining","last_heartbeat":"2026-11-25T11:00:00Z","registered_at":"2026-11-01T00:00:00Z","metadata":{}}"#;
const FIRST_RELEASE_RESOURCE: &str = r#"{"node_uuid":"00000000-0000-4000-8000-000000000001","cpu_usage_percent":10.0,"memory_usage_percent":20.0,"total_memory_bytes":1000,"used_memory_bytes":200,"disk_usage_percent":5.0,"total_disk_bytes":100,"used_disk_bytes":5,"network_rx_bytes_per_sec":1,"network_tx_bytes_per_sec":2,"load_average_1m":0.5,"load_average_5m":0.4,"load_average_15m":0.3,"updated_at":"2026-11-25T11:00:00Z","metadata":{"note":"old"}}"#;

#[test]
fn upstream_and_first_release_records_decode() {
    let node: NodeInfo = serde_json::from_str(UPSTREAM_NODE).unwrap();
    assert_eq!(node.status, NodeStatus::Inactive);
    assert_eq!(node.health_info["agent"], "1.4.2");
    assert!(node.extra.is_empty());
    let resource: NodeResourceInfo = serde_json::from_str(UPSTREAM_RESOURCE).unwrap();
    assert_eq!(resource.available_memory_bytes, 6_700_148_736);
    assert_eq!(resource.resource_metadata["kernel"], "6.1");
    assert!(
        resource.is_high_load(&LoadThresholds::default()),
        "1-minute load 4.5 > 4.0"
    );
    // Our records serialise back to upstream's exact bytes.
    assert_eq!(
        serde_json::to_string(&node).unwrap().len(),
        UPSTREAM_NODE.len()
    );
    assert_eq!(
        serde_json::to_value(&resource).unwrap(),
        serde_json::from_str::<serde_json::Value>(UPSTREAM_RESOURCE).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&node).unwrap(),
        serde_json::from_str::<serde_json::Value>(UPSTREAM_NODE).unwrap()
    );

    let old: NodeInfo = serde_json::from_str(FIRST_RELEASE_NODE).unwrap();
    assert_eq!(old.status, NodeStatus::Decommissioning, "draining");
    for (text, status) in [
        ("online", NodeStatus::Active),
        ("offline", NodeStatus::Inactive),
        ("unhealthy", NodeStatus::Unhealthy),
        ("Decommissioning", NodeStatus::Decommissioning),
    ] {
        assert_eq!(NodeStatus::parse(text), Some(status));
    }
    let old: NodeResourceInfo = serde_json::from_str(FIRST_RELEASE_RESOURCE).unwrap();
    assert_eq!(old.resource_metadata["note"], "old");
    assert_eq!(old.available_memory_bytes, 0);
}

#[test]
fn fields_neither_version_knows_survive_a_round_trip() {
    let newer = UPSTREAM_NODE.replace(
        r#""health_info""#,
        r#""gpu":{"count":8,"model":"H100"},"rack":"r12","health_info""#,
    );
    let node: NodeInfo = serde_json::from_str(&newer).unwrap();
    assert_eq!(node.extra["rack"], "r12");
    assert_eq!(
        serde_json::to_value(&node).unwrap(),
        serde_json::from_str::<serde_json::Value>(&newer).unwrap()
    );
}
