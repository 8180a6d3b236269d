//! The same work through `KvStore` (RocksDB backend) and through the raw `rocksdb` crate,
//! in one run: batch_put of 100k pairs, get of random keys, scan_prefix over 100k keys.
//! The README's storage figures come from here.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rocksdb::{DB, Options, ReadOptions, WriteBatch};
use spear_next::storage::kv::{KvPair, KvStore, KvStoreConfig, RocksDbKvStore};

const N: usize = 100_000;
const PREFIX: &str = "bench:";

fn pairs() -> Vec<KvPair> {
    (0..N)
        .map(|i| KvPair::new(format!("{PREFIX}{i:08}"), vec![(i % 251) as u8; 100]))
        .collect()
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    ours: RocksDbKvStore,
    raw: DB,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn fixture(preload: bool) -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ours_dir = tempfile::tempdir().unwrap();
    let raw_dir = tempfile::tempdir().unwrap();
    let ours = rt
        .block_on(RocksDbKvStore::open(&KvStoreConfig::rocksdb(
            ours_dir.path().join("db"),
        )))
        .unwrap();
    let mut opts = Options::default();
    opts.create_if_missing(true);
    let raw = DB::open(&opts, raw_dir.path().join("db")).unwrap();
    if preload {
        let data = pairs();
        rt.block_on(ours.batch_put(&data)).unwrap();
        raw.write(raw_batch(&data)).unwrap();
    }
    Fixture {
        rt,
        ours,
        raw,
        _dirs: (ours_dir, raw_dir),
    }
}

fn raw_batch(data: &[KvPair]) -> WriteBatch {
    let mut batch = WriteBatch::default();
    for p in data {
        batch.put(p.key.as_bytes(), &p.value);
    }
    batch
}

fn batch_put(c: &mut Criterion) {
    let f = fixture(false);
    let data = pairs();
    // A fresh database speeds up, then slows down as its first flushes and compactions
    // start: whichever side ran first paid for that. Bring both to the same steady state,
    // interleaved, before measuring either.
    for _ in 0..30 {
        f.rt.block_on(f.ours.batch_put(&data)).unwrap();
        f.raw.write(raw_batch(&data)).unwrap();
    }
    let mut group = c.benchmark_group("batch_put_100k");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(10);
    group.bench_function("kvstore", |b| {
        b.iter(|| f.rt.block_on(f.ours.batch_put(black_box(&data))).unwrap())
    });
    group.bench_function("raw", |b| {
        b.iter(|| f.raw.write(raw_batch(black_box(&data))).unwrap())
    });
    group.finish();
}

fn get_random(c: &mut Criterion) {
    let f = fixture(true);
    let keys: Vec<String> = {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        (0..4096)
            .map(|_| format!("{PREFIX}{:08}", rng.gen_range(0..N)))
            .collect()
    };
    let mut group = c.benchmark_group("get_random");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("kvstore", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            f.rt.block_on(f.ours.get(black_box(&keys[i])))
                .unwrap()
                .unwrap()
        })
    });
    let mut i = 0;
    group.bench_function("raw", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            f.raw.get(black_box(keys[i].as_bytes())).unwrap().unwrap()
        })
    });
    group.finish();
}

fn scan_prefix(c: &mut Criterion) {
    let f = fixture(true);
    let mut group = c.benchmark_group("scan_prefix_100k");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(10);
    group.bench_function("kvstore", |b| {
        b.iter(|| {
            let found =
                f.rt.block_on(f.ours.scan_prefix(black_box(PREFIX)))
                    .unwrap();
            assert_eq!(found.len(), N);
            found
        })
    });
    group.bench_function("raw", |b| {
        b.iter(|| {
            // The same result shape as scan_prefix: owned keys and values in a Vec.
            let mut read = ReadOptions::default();
            read.set_iterate_upper_bound(b"bench;".to_vec());
            let mut it = f.raw.raw_iterator_opt(read);
            it.seek(PREFIX.as_bytes());
            let mut found = Vec::new();
            while let (Some(k), Some(v)) = (it.key(), it.value()) {
                found.push((k.to_vec(), v.to_vec()));
                it.next();
            }
            assert_eq!(found.len(), N);
            found
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = batch_put, get_random, scan_prefix
}
criterion_main!(benches);
