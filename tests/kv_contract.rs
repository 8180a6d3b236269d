//! The `KvStore` contract, run against every backend compiled in.

use std::sync::Arc;

use spear_next::storage::kv::{
    KvError, KvKey, KvPair, KvStore, KvStoreConfig, RangeOptions, create_kv_store_from_config,
};

/// A store under test, with the directory that keeps it alive.
pub struct Subject {
    pub store: Arc<dyn KvStore>,
    pub config: KvStoreConfig,
    _dir: Option<tempfile::TempDir>,
}

async fn open(config: KvStoreConfig, dir: Option<tempfile::TempDir>) -> Subject {
    let store = create_kv_store_from_config(&config)
        .await
        .expect("open store");
    Subject {
        store: Arc::from(store),
        config,
        _dir: dir,
    }
}

pub async fn memory() -> Subject {
    open(KvStoreConfig::memory(), None).await
}

#[cfg(feature = "rocksdb")]
pub async fn rocksdb() -> Subject {
    let (dir, path) = crate::common::temp_db();
    open(KvStoreConfig::rocksdb(path), Some(dir)).await
}

#[cfg(feature = "sled")]
pub async fn sled() -> Subject {
    let (dir, path) = crate::common::temp_db();
    open(KvStoreConfig::sled(path), Some(dir)).await
}

/// A store on the shared 3-member etcd cluster, in a namespace of its own.
#[cfg(feature = "etcd")]
pub async fn etcd() -> Subject {
    let cluster = crate::common::etcd::shared();
    let config = KvStoreConfig::etcd(&cluster.endpoints)
        .with_param(
            "namespace",
            crate::common::etcd::fresh_namespace("contract"),
        )
        .with_param("max_txn_ops", "1000");
    open(config, None).await
}

fn keys(pairs: &[KvPair]) -> Vec<&str> {
    pairs.iter().map(|p| p.key.as_str()).collect()
}

async fn fill(store: &dyn KvStore, names: &[&str]) {
    for name in names {
        store.put(name, name.as_bytes()).await.unwrap();
    }
}

pub async fn get_put_delete_exists(s: Subject) {
    let store = &*s.store;
    assert_eq!(store.get("missing").await.unwrap(), None);
    assert!(!store.exists("k").await.unwrap());
    store.put("k", b"v1").await.unwrap();
    store.put("k", b"v2").await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(b"v2".to_vec()));
    assert!(store.exists("k").await.unwrap());
    assert!(
        store.delete("k").await.unwrap(),
        "delete reports an existing key"
    );
    assert!(
        !store.delete("k").await.unwrap(),
        "delete reports a missing key"
    );
    assert_eq!(store.get("k").await.unwrap(), None);
}

pub async fn ordering_is_byte_order(s: Subject) {
    let store = &*s.store;
    // Inserted out of order; byte order puts uppercase before lowercase and multi-byte
    // UTF-8 after ASCII.
    fill(store, &["b", "é", "a/2", "A", "a/10", "a", "z", "日本"]).await;
    let all = store.all().await.unwrap();
    assert_eq!(keys(&all), ["A", "a", "a/10", "a/2", "b", "z", "é", "日本"]);
    assert_eq!(store.count().await.unwrap(), 8);
}

pub async fn prefixes(s: Subject) {
    let store = &*s.store;
    fill(
        store,
        &["node:1", "node:2", "node:10", "nodes", "resource:1", "n"],
    )
    .await;
    assert_eq!(
        store.keys_with_prefix("node:").await.unwrap(),
        ["node:1", "node:10", "node:2"]
    );
    // The empty prefix is everything.
    assert_eq!(store.scan_prefix("").await.unwrap().len(), 6);
    // A whole key as prefix: the key itself and the keys that extend it.
    assert_eq!(
        keys(&store.scan_prefix("node:1").await.unwrap()),
        ["node:1", "node:10"]
    );
    assert_eq!(
        keys(&store.scan_prefix("resource:1").await.unwrap()),
        ["resource:1"]
    );
    assert!(store.scan_prefix("zzz").await.unwrap().is_empty());
    let pair = &store.scan_prefix("node:2").await.unwrap()[0];
    assert_eq!(pair.value, b"node:2");
}

pub async fn ranges(s: Subject) {
    let store = &*s.store;
    let names: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    fill(store, &refs).await;

    let r = store
        .range(&RangeOptions::new().start("k2").end("k5"))
        .await
        .unwrap();
    assert_eq!(
        keys(&r),
        ["k2", "k3", "k4"],
        "start inclusive, end exclusive"
    );

    let r = store
        .range(
            &RangeOptions::new()
                .start("k2")
                .end("k8")
                .reverse(true)
                .limit(3),
        )
        .await
        .unwrap();
    assert_eq!(
        keys(&r),
        ["k7", "k6", "k5"],
        "reverse starts at the end, limit counts from there"
    );

    let r = store
        .range(&RangeOptions::new().reverse(true).limit(2))
        .await
        .unwrap();
    assert_eq!(keys(&r), ["k9", "k8"]);

    let r = store.range(&RangeOptions::new().start("k8")).await.unwrap();
    assert_eq!(keys(&r), ["k8", "k9"]);

    let r = store.range(&RangeOptions::new().end("k1")).await.unwrap();
    assert_eq!(keys(&r), ["k0"]);

    let r = store
        .range(&RangeOptions::new().start("k5").end("k5"))
        .await
        .unwrap();
    assert!(r.is_empty(), "an empty range");
    let r = store
        .range(&RangeOptions::new().start("k6").end("k2"))
        .await
        .unwrap();
    assert!(r.is_empty(), "an inverted range");

    let r = store
        .range(&RangeOptions::new().start("k3").limit(0))
        .await
        .unwrap();
    assert!(r.is_empty(), "limit 0");
}

pub async fn unicode_keys(s: Subject) {
    let store = &*s.store;
    let key = "nœud:🦀:ключ";
    store.put(key, "värde".as_bytes()).await.unwrap();
    assert_eq!(store.get(key).await.unwrap().unwrap(), "värde".as_bytes());
    assert_eq!(store.keys_with_prefix("nœud:🦀").await.unwrap(), [key]);
}

pub async fn empty_and_large_values(s: Subject) {
    let store = &*s.store;
    store.put("empty", b"").await.unwrap();
    assert_eq!(
        store.get("empty").await.unwrap(),
        Some(Vec::new()),
        "empty is not absent"
    );
    assert!(store.exists("empty").await.unwrap());
    let big: Vec<u8> = (0..4 * 1024 * 1024).map(|i| (i * 31 % 251) as u8).collect();
    store.put("big", &big).await.unwrap();
    assert_eq!(store.get("big").await.unwrap().unwrap(), big);
}

pub async fn batches(s: Subject) {
    let store = &*s.store;
    let pairs: Vec<KvPair> = (0..100)
        .map(|i| KvPair::new(format!("b{i:03}"), vec![i as u8]))
        .collect();
    store.batch_put(&pairs).await.unwrap();
    assert_eq!(store.count().await.unwrap(), 100);
    let doomed: Vec<KvKey> = vec!["b000".into(), "b050".into(), "absent".into()];
    assert_eq!(
        store.batch_delete(&doomed).await.unwrap(),
        2,
        "counts keys that existed"
    );
    assert_eq!(store.count().await.unwrap(), 98);
    store.batch_put(&[]).await.unwrap();
    store.clear().await.unwrap();
    assert_eq!(store.count().await.unwrap(), 0);
    assert!(store.all().await.unwrap().is_empty());
    store.put("after-clear", b"x").await.unwrap();
    assert_eq!(store.count().await.unwrap(), 1);
}

/// A reader racing a writer of whole batches must only ever see whole batches.
pub async fn batch_atomicity(s: Subject) {
    const N: usize = 500;
    let writer = {
        let store = Arc::clone(&s.store);
        tokio::spawn(async move {
            for generation in 0u8..20 {
                let pairs: Vec<KvPair> = (0..N)
                    .map(|i| KvPair::new(format!("atom:{i:04}"), vec![generation]))
                    .collect();
                store.batch_put(&pairs).await.unwrap();
                if generation % 2 == 1 {
                    let keys: Vec<KvKey> = pairs.into_iter().map(|p| p.key).collect();
                    store.batch_delete(&keys).await.unwrap();
                }
            }
        })
    };
    let mut observations = 0;
    while !writer.is_finished() || observations == 0 {
        let seen = s.store.scan_prefix("atom:").await.unwrap();
        assert!(
            seen.is_empty() || seen.len() == N,
            "saw a partial batch: {} keys",
            seen.len()
        );
        if let Some(first) = seen.first() {
            assert!(
                seen.iter().all(|p| p.value == first.value),
                "saw two generations at once"
            );
        }
        observations += 1;
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
}

pub async fn concurrent_writers(s: Subject) {
    let tasks: Vec<_> = (0..64)
        .map(|w| {
            let store = Arc::clone(&s.store);
            tokio::spawn(async move {
                for i in 0..25 {
                    store
                        .put(&format!("w{w:02}:{i:02}"), format!("{w}-{i}").as_bytes())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.store.count().await.unwrap(), 64 * 25);
    assert_eq!(s.store.get("w63:24").await.unwrap().unwrap(), b"63-24");
    assert_eq!(s.store.keys_with_prefix("w07:").await.unwrap().len(), 25);
}

/// Persistent backends only: data survives closing and reopening.
pub async fn persists_across_reopen(s: Subject) {
    s.store.put("durable", b"yes").await.unwrap();
    s.store
        .batch_put(&[KvPair::new("d2", "two")])
        .await
        .unwrap();
    let Subject {
        store,
        config,
        _dir,
    } = s;
    drop(store);
    let reopened = create_kv_store_from_config(&config).await.expect("reopen");
    assert_eq!(
        reopened.get("durable").await.unwrap(),
        Some(b"yes".to_vec())
    );
    assert_eq!(reopened.count().await.unwrap(), 2);
}

/// Persistent backends only: a second open of a held database is refused with a
/// message that names the path.
pub async fn second_open_is_locked(s: Subject) {
    let err = create_kv_store_from_config(&s.config)
        .await
        .expect_err("second open must fail");
    assert!(matches!(err, KvError::Locked { .. }), "got {err:?}");
    let path = s.config.path.as_ref().unwrap().display().to_string();
    let message = err.to_string();
    assert!(
        message.contains(&path) && message.contains("read-only"),
        "{message}"
    );
}

// Modules are named `test_<backend>` so the seed's `cargo test --features rocksdb
// test_rocksdb` selects the RocksDB contract.
macro_rules! contract {
    ($module:ident => $backend:ident: $($case:ident),* $(,)?) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(super::$backend().await).await;
                }
            )*
        }
    };
}

contract!(test_memory => memory: get_put_delete_exists, ordering_is_byte_order, prefixes, ranges, unicode_keys,
    empty_and_large_values, batches, batch_atomicity, concurrent_writers);

#[cfg(feature = "rocksdb")]
contract!(test_rocksdb => rocksdb: get_put_delete_exists, ordering_is_byte_order, prefixes, ranges, unicode_keys,
    empty_and_large_values, batches, batch_atomicity, concurrent_writers, persists_across_reopen,
    second_open_is_locked);

#[cfg(feature = "sled")]
contract!(test_sled => sled: get_put_delete_exists, ordering_is_byte_order, prefixes, ranges, unicode_keys,
    empty_and_large_values, batches, batch_atomicity, concurrent_writers, persists_across_reopen,
    second_open_is_locked);

#[cfg(feature = "etcd")]
contract!(test_etcd => etcd: get_put_delete_exists, ordering_is_byte_order, prefixes, ranges, unicode_keys,
    empty_and_large_values, batches, batch_atomicity, concurrent_writers, persists_across_reopen);
