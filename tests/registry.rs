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
        NodeStatus::Online
    );
    assert_eq!(
        registry.get(uuid(2)).await.unwrap().unwrap().status,
        NodeStatus::Offline
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
    assert_eq!(back.status, NodeStatus::Online);
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

    hot.cpu_usage_percent = 10.0;
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
