//! The benchmarks' registry: 10,000 nodes and their resource records, as upstream's
//! registries store them (shared by the Nodes screen benchmarks on RocksDB and etcd).

use spear_next::common::{NodeInfo, NodeResourceInfo};
use spear_next::storage::kv::KvPair;

/// 10,000 nodes and their resource records, as upstream's registries store them.
pub fn registry_pairs() -> Vec<KvPair> {
    let now = chrono::Utc::now();
    let mut pairs = Vec::new();
    for i in 0..10_000u128 {
        let mut node = NodeInfo::new_at(
            uuid::Uuid::from_u128(i * 7919 + 1),
            format!("10.0.{}.{}", i / 250, i % 250),
            7000,
            now,
        );
        node.metadata.insert("zone".into(), "eu-west-1a".into());
        let resource = NodeResourceInfo::new_at(node.uuid, now);
        pairs.push(KvPair::new(node.key(), serde_json::to_vec(&node).unwrap()));
        pairs.push(KvPair::new(
            resource.key(),
            serde_json::to_vec(&resource).unwrap(),
        ));
    }
    pairs
}
