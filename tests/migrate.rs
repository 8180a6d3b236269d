//! Migration between backends, and configuration errors.

use spear_next::storage::kv::{
    KvBackend, KvError, KvPair, KvStore, KvStoreConfig, MemoryKvStore, create_kv_store_from_config,
};
use spear_next::storage::migrate::migrate;

async fn source_with(n: usize) -> MemoryKvStore {
    let store = MemoryKvStore::new();
    let pairs: Vec<KvPair> = (0..n)
        .map(|i| KvPair::new(format!("key:{i:05}"), format!("v{i}")))
        .collect();
    store.batch_put(&pairs).await.unwrap();
    store
        .put("key:00001\0tail", b"a key with NUL inside")
        .await
        .unwrap();
    store
}

#[tokio::test]
async fn memory_to_memory_in_batches_with_progress() {
    let source = source_with(1000).await;
    let dest = MemoryKvStore::new();
    let mut reports = Vec::new();
    let done = migrate(&source, &dest, 128, |p| reports.push(p))
        .await
        .unwrap();
    assert_eq!(done.copied, 1001);
    assert_eq!(done.total, Some(1001));
    // A first batch of 64 learns the pair size; small pairs then go 128 at a time.
    assert_eq!(reports[0].copied, 64);
    assert_eq!(reports.len(), 9, "1001 pairs: 64, then batches of 128");
    assert!(reports.windows(2).all(|w| w[1].copied - w[0].copied <= 128));
    assert!(reports.windows(2).all(|w| w[0].copied < w[1].copied));
    assert_eq!(dest.all().await.unwrap(), source.all().await.unwrap());
}

#[cfg(feature = "rocksdb")]
#[tokio::test(flavor = "multi_thread")]
async fn memory_to_rocksdb() {
    let (_dir, path) = crate::common::temp_db();
    let source = source_with(5000).await;
    let dest = create_kv_store_from_config(&KvStoreConfig::rocksdb(&path))
        .await
        .unwrap();
    migrate(&source, dest.as_ref(), 1000, |_| {}).await.unwrap();
    assert_eq!(dest.all().await.unwrap(), source.all().await.unwrap());
}

#[cfg(all(feature = "rocksdb", feature = "sled"))]
#[tokio::test(flavor = "multi_thread")]
async fn sled_to_rocksdb() {
    let (dir, sled_path) = crate::common::temp_db();
    let sled = create_kv_store_from_config(&KvStoreConfig::sled(&sled_path))
        .await
        .unwrap();
    let pairs: Vec<KvPair> = (0..3000)
        .map(|i| KvPair::new(format!("s{i:05}"), vec![i as u8; 10]))
        .collect();
    sled.batch_put(&pairs).await.unwrap();
    let rocks = create_kv_store_from_config(&KvStoreConfig::rocksdb(dir.path().join("rocks")))
        .await
        .unwrap();
    let done = migrate(sled.as_ref(), rocks.as_ref(), 500, |_| {})
        .await
        .unwrap();
    assert_eq!(done.copied, 3000);
    assert_eq!(rocks.all().await.unwrap(), pairs);
}

#[test]
fn config_from_vars() {
    let config = KvStoreConfig::from_vars([
        ("KV_BACKEND", "rocksdb"),
        ("KV_PATH", "/tmp/x"),
        ("KV_PARAM_MAX_OPEN_FILES", "100"),
        ("UNRELATED", "1"),
    ])
    .unwrap();
    assert_eq!(config.backend, KvBackend::RocksDb);
    assert_eq!(config.path.as_deref(), Some(std::path::Path::new("/tmp/x")));
    assert_eq!(config.get_param("max_open_files"), Some("100"));
    assert_eq!(
        KvStoreConfig::from_vars::<_, &str, &str>([]).unwrap(),
        KvStoreConfig::memory()
    );
    let err = KvStoreConfig::from_vars([("KV_BACKEND", "cassandra")]).unwrap_err();
    assert!(matches!(err, KvError::UnknownBackend { .. }), "{err}");
    assert!(err.to_string().contains("memory, rocksdb, sled"));
}

#[tokio::test]
async fn config_errors_name_the_problem() {
    let no_path = KvStoreConfig {
        path: None,
        ..KvStoreConfig::rocksdb("x")
    };
    let err = create_kv_store_from_config(&no_path).await.unwrap_err();
    if cfg!(feature = "rocksdb") {
        assert!(
            matches!(err, KvError::MissingPath { backend: "rocksdb" }),
            "{err}"
        );
        assert!(err.to_string().contains("KV_PATH"));
    }
    let err = create_kv_store_from_config(&KvStoreConfig::memory().with_param("cache", "1"))
        .await
        .unwrap_err();
    assert!(matches!(err, KvError::UnknownParam { .. }), "{err}");
    if !cfg!(feature = "sled") {
        let err = create_kv_store_from_config(&KvStoreConfig::sled("/tmp/none"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                KvError::BackendNotCompiled {
                    backend: "sled",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("--features sled"));
    }
}

#[cfg(feature = "rocksdb")]
#[tokio::test(flavor = "multi_thread")]
async fn rocksdb_params_are_checked_and_applied() {
    let (dir, path) = crate::common::temp_db();
    let err = create_kv_store_from_config(
        &KvStoreConfig::rocksdb(&path).with_param("max_open_file", "10"),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("max_open_file") && text.contains("write_buffer_size"),
        "lists accepted names: {text}"
    );
    let err = create_kv_store_from_config(
        &KvStoreConfig::rocksdb(&path).with_param("compression", "brotli"),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("snappy, lz4, zstd, zlib, bzip2"),
        "{err}"
    );
    assert!(!path.exists(), "a bad config creates nothing");

    let err = create_kv_store_from_config(
        &KvStoreConfig::rocksdb(&path).with_param("create_if_missing", "false"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, KvError::NotFound { .. }), "{err}");
    assert!(!path.exists());

    for codec in ["none", "snappy", "lz4", "zstd", "zlib", "bzip2"] {
        let p = dir.path().join(codec);
        let config = KvStoreConfig::rocksdb(&p)
            .with_param("compression", codec)
            .with_param("write_buffer_size", "65536")
            .with_param("max_write_buffer_number", "2")
            .with_param("block_cache_size", "1048576")
            .with_param("bloom_bits", "10")
            .with_param("sync", "true")
            .with_param("enable_statistics", "true")
            .with_param("max_open_files", "64");
        let store = create_kv_store_from_config(&config).await.unwrap();
        // Enough data to flush several SSTs through the codec, then read it back.
        let pairs: Vec<KvPair> = (0..3000)
            .map(|i| KvPair::new(format!("c{i:05}"), vec![b'x'; 100]))
            .collect();
        store.batch_put(&pairs).await.unwrap();
        drop(store);
        // The settings reached RocksDB: the OPTIONS file it wrote records them.
        let options = std::fs::read_to_string(crate::common::latest_options_file(&p)).unwrap();
        let codec_name = match codec {
            "none" => "kNoCompression",
            "snappy" => "kSnappyCompression",
            "lz4" => "kLZ4Compression",
            "zstd" => "kZSTD",
            "zlib" => "kZlibCompression",
            _ => "kBZip2Compression",
        };
        for setting in [
            format!("compression={codec_name}"),
            "write_buffer_size=65536".to_string(),
            "max_write_buffer_number=2".to_string(),
            "max_open_files=64".to_string(),
            // RocksDB 10 records the filter without its bits per key.
            "filter_policy=bloomfilter".to_string(),
        ] {
            assert!(
                options.lines().any(|l| l.trim().starts_with(&setting)),
                "{codec}: {setting} not in the OPTIONS file:\n{options}"
            );
        }
        let store = create_kv_store_from_config(&KvStoreConfig::rocksdb(&p))
            .await
            .unwrap();
        assert_eq!(store.count().await.unwrap(), 3000, "{codec}");
    }
}

/// Migration batches are bounded by bytes: 1 MiB values with 10,000 pairs per batch move
/// at most about 64 MiB at a time.
#[tokio::test]
async fn migration_batches_are_bounded_by_bytes() {
    use spear_next::storage::kv::{KvPair, KvStore, MemoryKvStore};
    let source = MemoryKvStore::new();
    let value = vec![b'v'; 1024 * 1024];
    let pairs: Vec<KvPair> = (0..200)
        .map(|i| KvPair::new(format!("big:{i:03}"), value.clone()))
        .collect();
    source.batch_put(&pairs).await.unwrap();
    let destination = MemoryKvStore::new();
    let mut batches = Vec::new();
    let mut last = 0u64;
    let done = spear_next::storage::migrate::migrate(&source, &destination, 10_000, |p| {
        batches.push(p.bytes - last);
        last = p.bytes;
    })
    .await
    .unwrap();
    assert_eq!(done.copied, 200);
    assert!(batches.len() >= 3, "{batches:?}");
    let cap = spear_next::storage::migrate::BATCH_BYTES + 2 * 1024 * 1024;
    assert!(batches.iter().all(|&b| b <= cap), "{batches:?}");
}

/// Upstream Spear-Next's variables configure the store as the seed's do; two that
/// disagree are an error naming both.
#[test]
fn upstream_environment_variables() {
    let config = KvStoreConfig::from_vars([
        ("KV_STORE_BACKEND", "rocksdb"),
        ("KV_STORE_PATH", "/srv/spear/db"),
        ("KV_STORE_MAX_OPEN_FILES", "512"),
    ])
    .unwrap();
    assert_eq!(config.backend, KvBackend::RocksDb);
    assert_eq!(
        config.path.as_deref(),
        Some(std::path::Path::new("/srv/spear/db"))
    );
    assert_eq!(config.get_param("max_open_files"), Some("512"));

    let legacy =
        KvStoreConfig::from_vars([("SPEAR_KV_BACKEND", "sled"), ("SPEAR_KV_SLED_PATH", "/s")])
            .unwrap();
    assert_eq!(legacy.backend, KvBackend::Sled);
    assert_eq!(legacy.path.as_deref(), Some(std::path::Path::new("/s")));

    // The same value twice is fine; different values are not.
    let same =
        KvStoreConfig::from_vars([("KV_BACKEND", "rocksdb"), ("SPEAR_KV_BACKEND", "rocksdb")]);
    assert_eq!(same.unwrap().backend, KvBackend::RocksDb);
    for vars in [
        [("KV_BACKEND", "rocksdb"), ("KV_STORE_BACKEND", "sled")],
        [("KV_STORE_BACKEND", "memory"), ("SPEAR_KV_BACKEND", "sled")],
        [("KV_PATH", "/a"), ("SPEAR_KV_SLED_PATH", "/b")],
        [
            ("KV_PARAM_COMPRESSION", "lz4"),
            ("KV_STORE_COMPRESSION", "zstd"),
        ],
    ] {
        let err = KvStoreConfig::from_vars(vars).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, KvError::ConflictingEnv { .. }), "{text}");
        for (name, value) in vars {
            assert!(text.contains(name) && text.contains(value), "{text}");
        }
    }
}

/// A migration's closing check: the destination read back must match what was read
/// from the source, in count and in hash, or the migration is an error.
#[tokio::test]
async fn verification_catches_a_destination_that_differs() {
    use spear_next::storage::migrate::{Digest, MigrateError, require_empty, verify};
    let source = source_with(300).await;
    let dest = MemoryKvStore::new();
    require_empty(&dest).await.unwrap();
    let done = migrate(&source, &dest, 100, |_| {}).await.unwrap();
    assert_eq!(done.digest.pairs, 301);
    assert_eq!(verify(&done, &dest, 100).await.unwrap(), done.digest);
    assert!(matches!(
        require_empty(&dest).await,
        Err(MigrateError::DestinationNotEmpty)
    ));

    // The same count with one value changed.
    dest.put("key:00007", b"changed").await.unwrap();
    let err = verify(&done, &dest, 100).await.unwrap_err();
    assert!(matches!(err, MigrateError::Mismatch { .. }), "{err}");
    dest.put("key:00007", b"v7").await.unwrap();
    assert!(verify(&done, &dest, 7).await.is_ok(), "any batch size");

    // A pair missing.
    dest.delete("key:00001\0tail").await.unwrap();
    let err = verify(&done, &dest, 100).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("source 301 pairs") && text.contains("destination 300 pairs"),
        "{text}"
    );

    // A source whose count disagrees with what the copy read.
    let moved = spear_next::storage::migrate::MigrationProgress {
        total: Some(302),
        ..done
    };
    assert!(matches!(
        verify(&moved, &source, 100).await,
        Err(MigrateError::SourceMoved { counted: 302, .. })
    ));

    // Lengths frame each part: moving a byte from key to value changes the hash.
    let (mut a, mut b) = (Digest::default(), Digest::default());
    a.add(b"ab", b"c");
    b.add(b"a", b"bc");
    assert_ne!(a, b);
}

/// An interrupted migration (the destination holds the first whole batches) resumes
/// after the destination's last key and verifies whole; a destination that is not such
/// a prefix of the source fails the verification.
#[tokio::test]
async fn an_interrupted_migration_resumes_and_verifies_whole() {
    use spear_next::storage::kv::{KvPair, KvStore, MemoryKvStore};
    use spear_next::storage::migrate::{resume, verify};
    let source = MemoryKvStore::new();
    let pairs: Vec<KvPair> = (0..1000)
        .map(|i| KvPair::new(format!("k:{i:04}"), format!("v{i}")))
        .collect();
    source.batch_put(&pairs).await.unwrap();
    let destination = MemoryKvStore::new();
    destination.batch_put(&pairs[..400]).await.unwrap();
    let done = resume(&source, &destination, 128, |_| {}).await.unwrap();
    assert_eq!((done.resumed, done.copied), (400, 600));
    verify(&done, &destination, 128).await.unwrap();
    assert_eq!(destination.count().await.unwrap(), 1000);

    let wrong = MemoryKvStore::new();
    wrong.put("k:0001", b"not the source's").await.unwrap();
    let done = resume(&source, &wrong, 128, |_| {}).await.unwrap();
    assert!(verify(&done, &wrong, 128).await.is_err());
}

/// The verification pass by prefix names where the sides differ: a changed value under
/// `node:` and a pair only the destination has under `task:`, while `resource:` agrees.
#[tokio::test]
async fn verification_by_prefix_names_the_prefixes_that_differ() {
    use spear_next::storage::migrate::{MigrateError, NO_PREFIX, verify_by_prefix};
    let source = MemoryKvStore::new();
    let mut pairs: Vec<KvPair> = Vec::new();
    for i in 0..50 {
        pairs.push(KvPair::new(format!("node:{i:03}"), format!("n{i}")));
        pairs.push(KvPair::new(format!("resource:{i:03}"), format!("r{i}")));
    }
    pairs.push(KvPair::new("bare", "no colon"));
    source.batch_put(&pairs).await.unwrap();
    let dest = MemoryKvStore::new();
    migrate(&source, &dest, 7, |_| {}).await.unwrap();
    let checks = verify_by_prefix(&source, &dest, 7).await.unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c.prefix.as_str()).collect();
    assert_eq!(names, [NO_PREFIX, "node:", "resource:"]);
    assert_eq!(checks[1].source.pairs, 50);
    assert!(checks.iter().all(|c| c.source == c.destination));

    dest.put("node:007", b"changed").await.unwrap();
    dest.put("task:1", b"only here").await.unwrap();
    let err = verify_by_prefix(&source, &dest, 7).await.unwrap_err();
    let MigrateError::PrefixMismatch { differing } = &err else {
        panic!("{err}");
    };
    let named: Vec<&str> = differing.iter().map(|d| d.prefix.as_str()).collect();
    assert_eq!(named, ["node:", "task:"], "{err}");
    assert_eq!(differing[1].source.pairs, 0);
    assert_eq!(differing[1].destination.pairs, 1);
    assert!(err.to_string().contains("2 prefixes"), "{err}");
}
