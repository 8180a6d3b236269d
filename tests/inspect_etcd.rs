//! The inspector on an etcd cluster (`etcd://...`), against the 3-member cluster the
//! harness starts: pages and walks as etcd ranges, the commands that accept the URL
//! (scan, count, nodes, resources, get, export, diff, history, stats), refusals for what
//! only RocksDB has, writes only with `--write`, and the TUI following changes by watch.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spear_next::common::{NodeInfo, NodeRegistry};
use spear_next::inspector::source::{Access, Anchor, Bounds, Source, WriteOp};
use spear_next::storage::kv::{KvStore, KvStoreConfig, create_kv_store_from_config};

use crate::common::etcd::{fresh_namespace, shared};

/// A fresh namespace on the shared cluster: its URL, and a store writing into it.
async fn namespace(test: &str) -> (String, Arc<dyn KvStore>) {
    let cluster = shared();
    let url = format!(
        "etcd://{}/{}",
        cluster.endpoint_list(),
        fresh_namespace(test)
    );
    let config = KvStoreConfig::etcd_url(&url).unwrap();
    let store = create_kv_store_from_config(&config).await.unwrap();
    (url, Arc::from(store))
}

fn inspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
        .args(args)
        .env("SPEAR_LOG", "off")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Pages from every anchor, inside and outside a prefix, match the keys in order, with
/// the ends of the view known; walks, counts and the estimate (exact on etcd) agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walks_and_counts_are_etcd_ranges() {
    let (url, store) = namespace("pages").await;
    let mut keys: Vec<String> = (0..2_500).map(|i| format!("a:{i:05}")).collect();
    keys.extend((0..30).map(|i| format!("b:{i:02}")));
    for chunk in keys.chunks(100) {
        let pairs: Vec<_> = chunk
            .iter()
            .map(|k| spear_next::storage::kv::KvPair::new(k.clone(), k.as_bytes().to_vec()))
            .collect();
        store.batch_put(&pairs).await.unwrap();
    }
    let source = tokio::task::spawn_blocking(move || {
        let source = Source::open(Path::new(&url), false).unwrap();
        assert_eq!(source.access(), Access::Cluster);
        assert_eq!(source.column_families(), ["default"]);
        let all = Bounds::default();
        let first = source.page("default", &all, &Anchor::First, 10).unwrap();
        assert_eq!(first.entries[0].key, b"a:00000");
        assert_eq!(first.entries[0].value_len, 7);
        assert!(first.at_start && !first.at_end);
        let last = source.page("default", &all, &Anchor::Last, 10).unwrap();
        assert_eq!(last.entries.last().unwrap().key, b"b:29");
        assert_eq!(last.entries[0].key, b"b:20", "a page reads in key order");
        assert!(last.at_end && !last.at_start);
        let after = source
            .page("default", &all, &Anchor::After(b"a:02499".to_vec()), 3)
            .unwrap();
        let names: Vec<_> = after.entries.iter().map(|e| e.key.clone()).collect();
        assert_eq!(
            names,
            [b"b:00".to_vec(), b"b:01".to_vec(), b"b:02".to_vec()]
        );
        assert!(!after.at_start);
        let b = Bounds::prefix(b"b:");
        let before = source
            .page("default", &b, &Anchor::Before(b"b:05".to_vec()), 10)
            .unwrap();
        assert_eq!(before.entries.len(), 5, "the prefix bounds the page");
        assert!(before.at_start);
        let at = source
            .page("default", &b, &Anchor::AtOrAfter(b"a:00001".to_vec()), 100)
            .unwrap();
        assert_eq!(at.entries.len(), 30);
        assert!(at.at_start && at.at_end);

        // A walk reads every key once, in order, across etcd's pages of 1,000.
        let mut walked = Vec::new();
        let n = source
            .for_each("default", &all, None, |k, _| {
                walked.push(k.to_vec());
                true
            })
            .unwrap();
        assert_eq!(n, 2_530);
        assert!(walked.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(source.estimate_keys("default").unwrap(), 2_530);
        assert!(source.check_cf("events").is_err());
        // Read-only: a write is refused before anything reaches etcd.
        let refused = source.apply("default", &[WriteOp::Delete(b"a:00000".to_vec())]);
        assert!(refused.unwrap_err().to_string().contains("--write"));
        source
    })
    .await
    .unwrap();
    drop(source);
    assert!(store.exists("a:00000").await.unwrap());
}

/// The commands that take a database take the URL: count, scan, get, nodes, resources,
/// export, stats (the cluster's own figures), history (etcd's revisions), and diff
/// against a RocksDB copy; what only RocksDB has is refused, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_read_a_cluster() {
    let (url, store) = namespace("commands").await;
    let registry = NodeRegistry::new_with_kv_store(Arc::clone(&store));
    for i in 0..20u16 {
        registry
            .register(NodeInfo::new(format!("10.0.0.{i}"), 8000 + i))
            .await
            .unwrap();
    }
    store.put("config:name", b"one").await.unwrap();
    store.delete("config:name").await.unwrap();
    store.put("config:name", b"two").await.unwrap();
    let url = url.as_str();

    assert_eq!(stdout(&inspect(&["count", url])).trim(), "21");
    assert_eq!(
        stdout(&inspect(&["count", url, "--prefix", "node:"])).trim(),
        "20"
    );
    let nodes = stdout(&inspect(&["nodes", url]));
    assert_eq!(nodes.lines().count(), 20, "{nodes}");
    assert!(nodes.contains("10.0.0.7"), "{nodes}");
    assert_eq!(stdout(&inspect(&["get", url, "config:name"])).trim(), "two");
    let scan = stdout(&inspect(&["scan", url, "--limit", "1"]));
    assert!(scan.starts_with("config:name"), "{scan}");
    let export = stdout(&inspect(&["export", url]));
    assert_eq!(export.lines().count(), 21);

    let stats: serde_json::Value =
        serde_json::from_str(&stdout(&inspect(&["stats", url, "--json"]))).unwrap();
    let members = stats["members"].as_array().unwrap();
    assert_eq!(members.len(), 3, "{stats}");
    assert!(!stats["leader"].as_str().unwrap().is_empty(), "{stats}");
    assert_eq!(stats["keys"], 21);
    let leaders = members
        .iter()
        .filter(|m| m["status"]["Ok"]["is_leader"] == true)
        .count();
    assert_eq!(leaders, 1, "{stats}");

    let json: serde_json::Value = serde_json::from_str(&stdout(&inspect(&[
        "history",
        url,
        "config:name",
        "--json",
    ])))
    .unwrap();
    let ops: Vec<&str> = json["etcd_revisions"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["put", "delete", "put"], "{json}");
    assert_eq!(json["etcd_revisions"]["changes"][0]["value"], "two");
    let history = stdout(&inspect(&["history", url, "config:name"]));
    let changes: Vec<&str> = history.lines().filter(|l| l.contains("  rev ")).collect();
    assert_eq!(changes.len(), 3, "{history}");
    assert!(changes[0].contains("\"two\"") && changes[1].contains("delete"));
    assert!(changes[2].contains("\"one\""), "{history}");

    // A RocksDB copy of the namespace (migrate) diffs equal, then one change shows.
    let (_dir, db) = crate::common::temp_db();
    let copied = inspect(&[
        "migrate",
        "--from",
        url,
        "--to",
        &format!("rocksdb:{}", db.display()),
    ]);
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let db = db.display().to_string();
    let same = inspect(&["diff", &db, url]);
    assert!(same.status.success() && same.stdout.is_empty(), "{same:?}");
    store.put("config:name", b"three").await.unwrap();
    let differ = inspect(&["diff", &db, url]);
    let text = String::from_utf8_lossy(&differ.stdout);
    assert!(text.contains("config:name"), "{text}");
    assert!(!differ.status.success());

    // An event stream's missing numbers come from its keys; there is no WAL to ask.
    store.put("events:all:1", b"{}").await.unwrap();
    store.put("events:all:3", b"{}").await.unwrap();
    let gaps: serde_json::Value = serde_json::from_str(&stdout(&inspect(&[
        "events", url, "--stream", "all", "--gaps",
    ])))
    .unwrap();
    assert_eq!(gaps["missing"], 1, "{gaps}");
    assert_eq!(gaps["gaps"][0]["first"], 2, "{gaps}");
    assert!(gaps["wal"]["error"].as_str().unwrap().contains("no WAL"));
    store.delete("events:all:1").await.unwrap();
    store.delete("events:all:3").await.unwrap();

    for what in [
        vec!["wal", url],
        vec!["log", url],
        vec!["options", url],
        vec!["usage", url],
    ] {
        let out = inspect(&what);
        assert_eq!(out.status.code(), Some(2), "{what:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is RocksDB's") && err.contains("etcd cluster"),
            "{err}"
        );
    }
}

/// `--write` edits through etcd transactions; the URL of a cluster with nothing on
/// that address fails at once, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_write_and_go_through_transactions() {
    let (url, store) = namespace("writes").await;
    store.put("k:1", b"v").await.unwrap();
    let url2 = url.clone();
    tokio::task::spawn_blocking(move || {
        let source = Source::open(Path::new(&url2), true).unwrap();
        assert_eq!(source.access(), Access::ReadWrite);
        source
            .apply(
                "default",
                &[
                    WriteOp::Put(b"k:2".to_vec(), b"w".to_vec()),
                    WriteOp::Delete(b"k:1".to_vec()),
                ],
            )
            .unwrap();
        assert_eq!(
            source
                .delete_range("default", &Bounds::prefix(b"none:"))
                .unwrap(),
            0
        );
    })
    .await
    .unwrap();
    assert!(!store.exists("k:1").await.unwrap());
    assert_eq!(store.get("k:2").await.unwrap().unwrap(), b"w");

    let out = inspect(&["count", "http://127.0.0.1:2379/x/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("etcd://HOST:PORT"), "{err}");

    let out = inspect(&["count", "etcd://127.0.0.1:1/x/"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:1"), "{err}");
}

/// The TUI on a cluster shows its keys and status, and follows a change by etcd's watch:
/// with the refresh tick an hour away, only the watch can bring the new key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_follows_a_cluster_by_watch() {
    let tmux = crate::common::tmux::Tmux::new("etcd-tui");
    let (url, store) = namespace("tui").await;
    store.put("key:1", b"one").await.unwrap();
    let command = format!(
        "SPEAR_LOG=off {} {url} --refresh 3600",
        env!("CARGO_BIN_EXE_spear-inspect")
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "30",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    let wait_for = |what: &[&str]| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = tmux.pane();
            if what.iter().all(|w| text.contains(w)) {
                return text;
            }
            assert!(Instant::now() < deadline, "never showed {what:?}:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let first = wait_for(&["key:1", "etcd, read-only (live)", "one"]);
    assert!(first.contains("1 keys"), "etcd's count is exact:\n{first}");
    store.put("key:2", b"two").await.unwrap();
    wait_for(&["key:2", "2 keys"]);
    // The value on show follows a change to its key (it stayed "one").
    store.put("key:1", b"uno!").await.unwrap();
    wait_for(&["uno!"]);
    // A screen of RocksDB's files says what it is instead of "reading…" for ever.
    tmux.run(&["send-keys", "-t", "t", "6"]);
    wait_for(&["reads RocksDB's own files", "Stats (4)"]);
    tmux.run(&["send-keys", "-t", "t", "4"]);
    wait_for(&["etcd cluster", "leader", "follower"]);
    tmux.run(&["send-keys", "-t", "t", "q"]);
}

/// A namespace written differently from the service's is refused with where the keys
/// are, never shown as an empty cluster: one that holds nothing while the cluster holds
/// keys, and one missing its `/` (its keys would show as `/node:...` and the registries
/// would find no node).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mistaken_namespace_is_refused_naming_where_the_keys_are() {
    let (url, store) = namespace("mismatch").await;
    store.put("node:1", b"{}").await.unwrap();
    let without_slash = url.trim_end_matches('/').to_string();
    let without_slash_ns = without_slash.rsplit_once(':').unwrap().1;
    let without_slash_ns = without_slash_ns
        .split_once('/')
        .map_or("", |(_, ns)| ns)
        .to_string();
    let out = inspect(&["count", &without_slash]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(url.as_str()), "{err}");
    assert!(
        err.contains("holds no key of its own") || err.contains("after a"),
        "{err}"
    );

    let empty = format!("{url}nothing-here/");
    let out = inspect(&["nodes", &empty]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keys under \"test/\""), "{err}");
    // Nor with --write: the key would land beside the namespace, not in it, and a stray
    // key there must not make the namespace without its `/` look right afterwards.
    let out = inspect(&["put", &without_slash, "stray", "x", "--write"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let root = KvStoreConfig::etcd(&shared().endpoints);
    let root = create_kv_store_from_config(&root).await.unwrap();
    root.put(&format!("{without_slash_ns}stray"), b"x")
        .await
        .unwrap();
    let out = inspect(&["nodes", &without_slash]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // With --write an empty namespace opens: it is where new keys go.
    let out = inspect(&["put", &empty, "k", "v", "--write"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&inspect(&["count", &empty])).trim(), "1");
}
