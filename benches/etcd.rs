//! The KvStore on etcd against the raw `etcd-client` crate, on the same 3-member
//! loopback cluster in the same run (started from Debian's etcd by the test harness's
//! `EtcdCluster`, stopped when the run ends): batch_put of 10k pairs, get of random keys,
//! scan_prefix over 10k keys. Then the inspector's Nodes screen opened on 10,000 nodes
//! on etcd and, beside it, on RocksDB. The README's etcd figures come from here
//! (`scripts/bench-etcd.sh`).

#[path = "../tests/common/etcd.rs"]
mod cluster;
#[path = "support/registry.rs"]
mod registry;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use etcd_client::{Client, GetOptions, Txn, TxnOp};
use rand::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spear_next::inspector::screens::nodes::NodesView;
use spear_next::inspector::source::Source;
use spear_next::inspector::state::App;
use spear_next::inspector::ui;
use spear_next::inspector::worker::Command;
use spear_next::storage::kv::{EtcdKvStore, KvPair, KvStore, KvStoreConfig, RocksDbKvStore};

const N: usize = 10_000;

/// One cluster for the whole run; its transaction limit takes 10k puts at once.
fn cluster() -> &'static cluster::EtcdCluster {
    static CLUSTER: std::sync::OnceLock<cluster::EtcdCluster> = std::sync::OnceLock::new();
    CLUSTER.get_or_init(|| cluster::EtcdCluster::start_with(3, N as u32))
}

/// Keys of equal length on both sides (`o:` ours, `r:` raw), 100-byte values.
fn pairs(prefix: &str) -> Vec<KvPair> {
    (0..N)
        .map(|i| KvPair::new(format!("{prefix}{i:08}"), vec![(i % 251) as u8; 100]))
        .collect()
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    ours: EtcdKvStore,
    raw: Client,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let endpoints = &cluster().endpoints;
    let config = KvStoreConfig::etcd(endpoints).with_param("max_txn_ops", N.to_string());
    let ours = rt.block_on(EtcdKvStore::open(&config)).unwrap();
    let raw = rt
        .block_on(Client::connect(endpoints.clone(), None))
        .unwrap();
    Fixture { rt, ours, raw }
}

/// The raw side of batch_put: one transaction of puts, as the KvStore sends.
async fn raw_batch_put(client: &Client, data: &[KvPair]) {
    let ops: Vec<TxnOp> = data
        .iter()
        .map(|p| TxnOp::put(p.key.as_bytes(), p.value.clone(), None))
        .collect();
    client
        .kv_client()
        .txn(Txn::new().and_then(ops))
        .await
        .unwrap();
}

fn batch_put(c: &mut Criterion) {
    let f = fixture();
    let (ours_data, raw_data) = (pairs("o:"), pairs("r:"));
    // Both sides to the same state (their keys written once) before measuring.
    for _ in 0..3 {
        f.rt.block_on(f.ours.batch_put(&ours_data)).unwrap();
        f.rt.block_on(raw_batch_put(&f.raw, &raw_data));
    }
    let mut group = c.benchmark_group("etcd_batch_put_10k");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(20);
    // etcd's state drifts as the run writes (its database grows by every revision), so
    // whichever side ran first paid more (0.77x one way, 1.25x the other). Each timed
    // write of one side follows an untimed write of the other: both meet the same state.
    let ours = || {
        f.rt.block_on(f.ours.batch_put(black_box(&ours_data)))
            .unwrap()
    };
    let raw = || f.rt.block_on(raw_batch_put(&f.raw, black_box(&raw_data)));
    group.bench_function("kvstore", |b| {
        b.iter_custom(|iters| {
            let mut timed = std::time::Duration::ZERO;
            for _ in 0..iters {
                raw();
                let start = std::time::Instant::now();
                ours();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.bench_function("raw", |b| {
        b.iter_custom(|iters| {
            let mut timed = std::time::Duration::ZERO;
            for _ in 0..iters {
                ours();
                let start = std::time::Instant::now();
                raw();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.finish();
}

fn get_random(c: &mut Criterion) {
    let f = fixture();
    f.rt.block_on(f.ours.batch_put(&pairs("o:"))).unwrap();
    f.rt.block_on(raw_batch_put(&f.raw, &pairs("r:")));
    let picks: Vec<usize> = {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        (0..4096).map(|_| rng.gen_range(0..N)).collect()
    };
    let mut group = c.benchmark_group("etcd_get_random");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("kvstore", |b| {
        b.iter(|| {
            i = (i + 1) % picks.len();
            let key = format!("o:{:08}", picks[i]);
            f.rt.block_on(f.ours.get(black_box(&key))).unwrap().unwrap()
        })
    });
    let mut i = 0;
    let mut kv = f.raw.kv_client();
    group.bench_function("raw", |b| {
        b.iter(|| {
            i = (i + 1) % picks.len();
            let key = format!("r:{:08}", picks[i]);
            let mut found = f.rt.block_on(kv.get(black_box(key), None)).unwrap();
            found.take_kvs().pop().unwrap().into_key_value().1
        })
    });
    group.finish();
}

fn scan_prefix(c: &mut Criterion) {
    let f = fixture();
    f.rt.block_on(f.ours.batch_put(&pairs("o:"))).unwrap();
    f.rt.block_on(raw_batch_put(&f.raw, &pairs("r:")));
    let mut group = c.benchmark_group("etcd_scan_prefix_10k");
    group
        .throughput(Throughput::Elements(N as u64))
        .sample_size(20);
    group.bench_function("kvstore", |b| {
        b.iter(|| {
            let found = f.rt.block_on(f.ours.scan_prefix(black_box("o:"))).unwrap();
            assert_eq!(found.len(), N);
            found
        })
    });
    // Raw: one prefix range, the whole answer in one response, into owned pairs.
    let mut kv = f.raw.kv_client().max_decoding_message_size(256 << 20);
    group.bench_function("raw", |b| {
        b.iter(|| {
            let mut answer =
                f.rt.block_on(kv.get(black_box("r:"), Some(GetOptions::new().with_prefix())))
                    .unwrap();
            let found: Vec<(Vec<u8>, Vec<u8>)> = answer
                .take_kvs()
                .into_iter()
                .map(|kv| kv.into_key_value())
                .collect();
            assert_eq!(found.len(), N);
            found
        })
    });
    group.finish();
}

/// Opens the Nodes screen on `source` (reading and decoding both registries, sorting,
/// drawing the first frame), as the TUI does on the `2` key.
fn open_nodes_screen(source: &Source, terminal: &mut Terminal<TestBackend>) {
    let mut app = App::new(
        "bench",
        source.access(),
        vec!["default".into()],
        "default".into(),
    );
    app.set_list_rows(ui::list_rows(40));
    let commands = app.update(spear_next::inspector::input::action::Action::Screen(2));
    let Some(Command::Run(request)) = commands.into_iter().next() else {
        panic!("the Nodes screen asks for the registries")
    };
    let events = std::sync::Mutex::new(Vec::new());
    let token = tokio_util::sync::CancellationToken::new();
    spear_next::inspector::worker::run_request(source, request, &token, &|e| {
        events.lock().unwrap().push(e)
    });
    for event in events.into_inner().unwrap() {
        app.on_event(event);
    }
    assert_eq!(app.screen::<NodesView>().rows.len(), 10_000);
    terminal.draw(|frame| ui::draw(frame, &app)).unwrap();
}

fn nodes_screen(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let data = registry::registry_pairs();
    // etcd: its own namespace, written in transactions the cluster takes.
    let url = format!("etcd://{}/nodes-bench/", cluster().endpoints.join(","));
    let config = KvStoreConfig::etcd_url(&url)
        .unwrap()
        .with_param("max_txn_ops", N.to_string());
    let store: Arc<dyn KvStore> = Arc::new(rt.block_on(EtcdKvStore::open(&config)).unwrap());
    for chunk in data.chunks(N) {
        rt.block_on(store.batch_put(chunk)).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    rt.block_on(async {
        let rocks = RocksDbKvStore::open(&KvStoreConfig::rocksdb(&path))
            .await
            .unwrap();
        rocks.batch_put(&data).await.unwrap();
    });
    let on_etcd = Source::open(std::path::Path::new(&url), false).unwrap();
    let on_rocksdb = Source::open(&path, false).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut group = c.benchmark_group("nodes_screen_open_10k");
    group.sample_size(20);
    group.bench_function("etcd", |b| {
        b.iter(|| open_nodes_screen(&on_etcd, &mut terminal))
    });
    group.bench_function("rocksdb", |b| {
        b.iter(|| open_nodes_screen(&on_rocksdb, &mut terminal))
    });
    group.finish();
}

criterion_group!(benches, batch_put, get_random, scan_prefix, nodes_screen);
criterion_main!(benches);
