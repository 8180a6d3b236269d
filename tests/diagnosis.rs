//! The diagnosis views against databases written by RocksDB 7.8's tools: the key space by
//! prefix (counts equal what `ldb scan` shows), tombstones (the memtable's deletions that
//! no SST shows, the ranges reads skip, and the compaction that removes them).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{ldb, tools_present};

/// Loads `lines` (`key ==> value`) with 7.8's `ldb load`, compacted into SST files.
fn ldb_load(db: &Path, lines: &str) {
    let mut child = Command::new("ldb")
        .arg(format!("--db={}", db.display()))
        .args(["--create_if_missing", "load", "--compact"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run ldb load");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "ldb load");
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

/// Prefix → keys, from a breakdown's rows.
fn counts(breakdown: &serde_json::Value) -> BTreeMap<String, u64> {
    breakdown["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["prefix"].as_str().unwrap().to_string(),
                r["keys"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A Spear-like key space: nodes, resources, two event streams, a few keys with no
/// prefix, values of different sizes.
fn spear_like_lines(scale: usize) -> String {
    let mut lines = String::new();
    for i in 0..scale {
        lines.push_str(&format!("node:{i:08} ==> {}\n", "n".repeat(100)));
        if i % 2 == 0 {
            lines.push_str(&format!("resource:{i:08} ==> {}\n", "r".repeat(100)));
        }
        if i % 4 == 0 {
            lines.push_str(&format!("events:alpha:{i:08} ==> {}\n", "e".repeat(100)));
        }
        if i % 8 == 0 {
            lines.push_str(&format!("events:beta:{i:08} ==> {}\n", "e".repeat(100)));
        }
    }
    lines.push_str("plain ==> 1\nsingle ==> 2\n");
    lines
}

/// Exact per-prefix counts equal a grouping of `ldb scan`'s keys, at the top and one
/// level down; the histogram and the largest value come from the same scan.
#[test]
fn exact_prefix_counts_equal_a_grouping_of_ldb_scan() {
    if !tools_present() {
        return;
    }
    let (_dir, db) = temp_db();
    ldb_load(&db, &spear_like_lines(1000));
    ldb_load(&db, "blob:big ==> ".to_string().as_str());
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut ungrouped = 0;
    for line in ldb(&db, &["scan"]).lines() {
        let key = line.split(" : ").next().unwrap();
        match key.find(':') {
            Some(at) => *expected.entry(key[..=at].to_string()).or_default() += 1,
            None => ungrouped += 1,
        }
    }
    let path = db.to_str().unwrap();
    let top = json(&["keyspace", path, "--exact", "--json"]);
    assert_eq!(counts(&top), expected);
    assert_eq!(top["ungrouped"]["keys"].as_u64(), Some(ungrouped));
    assert_eq!(top["exact"], true);
    let node = &top["rows"].as_array().unwrap()[0];
    assert_eq!(node["prefix"], "node:", "the largest prefix first");
    assert_eq!(node["largest_value"], 100);
    assert_eq!(node["histogram"][7], 1000, "100-byte values in [64, 128)");

    let events = json(&["keyspace", path, "--prefix", "events:", "--exact", "--json"]);
    let expected_events: BTreeMap<String, u64> = [
        ("events:alpha:".to_string(), 250),
        ("events:beta:".to_string(), 125),
    ]
    .into();
    assert_eq!(counts(&events), expected_events);
}

/// On a database large enough to estimate, the estimate finds the same prefixes as the
/// exact count, with key counts near it, at one seek per prefix.
#[test]
fn estimated_prefixes_match_the_exact_ones() {
    if !tools_present() {
        return;
    }
    let (_dir, db) = temp_db();
    ldb_load(&db, &spear_like_lines(150_000));
    let path = db.to_str().unwrap();
    let estimate = json(&["keyspace", path, "--json"]);
    let exact = json(&["keyspace", path, "--exact", "--json"]);
    assert_eq!(estimate["exact"], false, "{estimate}");
    assert!(estimate["unexplored"].is_null(), "{estimate}");
    let (estimate, exact) = (counts(&estimate), counts(&exact));
    assert_eq!(
        estimate.keys().collect::<Vec<_>>(),
        exact.keys().collect::<Vec<_>>()
    );
    for (prefix, n) in &exact {
        let guess = estimate[prefix] as f64;
        assert!(
            (guess - *n as f64).abs() / (*n as f64) < 0.25,
            "{prefix}: estimated {guess}, exactly {n}"
        );
    }
}

/// The database the issue measured: 900 of 1,000 keys point-deleted, the deletions still
/// in the WAL. Every SST shows no deletions; the memtable count and the skip scan name
/// them and the range they sit in; flushing moves them into an SST's properties; the
/// suggested compaction removes them, and 7.8's `ldb` still reads the database.
#[test]
fn tombstones_in_the_memtable_are_found_and_compacted_away() {
    if !tools_present() {
        return;
    }
    let (_dir, db) = temp_db();
    let path = db.to_str().unwrap();
    let bench = |args: &[&str]| {
        let status = Command::new("db_bench")
            .arg(format!("--db={path}"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "db_bench {args:?}");
    };
    bench(&[
        "--benchmarks=fillseq",
        "--num=1000",
        "--compression_type=none",
    ]);
    bench(&[
        "--benchmarks=deleteseq",
        "--num=900",
        "--use_existing_db=1",
        "--write_buffer_size=67108864",
    ]);
    let report = json(&["tombstones", path, "--scan", "--json"]);
    assert_eq!(report["memtable"]["deletions"], 900, "{report}");
    let sst_deletions: u64 = report["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["deletions"].as_u64().unwrap())
        .sum();
    assert_eq!(sst_deletions, 0, "the deletions are not in any SST yet");
    let scan = &report["scan"];
    assert_eq!(scan["live_keys"], 100);
    assert_eq!(scan["deletes_skipped"], 900);
    let worst = &scan["ranges"][0];
    assert_eq!(worst["deletes_skipped"], 900);
    assert!(worst["after"].is_null(), "from the start: {worst}");
    let first_live = ldb(&db, &["scan", "--hex", "--max_keys=1"]);
    let first_live = first_live.split(" : ").next().unwrap();
    let text = String::from_utf8_lossy(&run(&["tombstones", path, "--scan"]).stdout).into_owned();
    let command = format!(
        "spear-inspect compact {path} --cf default --key-hex --to {} --write",
        first_live.trim_start_matches("0x").to_lowercase()
    );
    assert!(text.contains(&command), "{text}\nwants: {command}");

    assert!(run(&["flush", path, "--write"]).status.success());
    let flushed = json(&["tombstones", path, "--json"]);
    assert_eq!(flushed["memtable"]["deletions"], 0);
    let l0 = &flushed["levels"][0];
    assert_eq!(l0["deletions"], 900, "{flushed}");
    let files: u64 = flushed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["deletions"].as_u64().unwrap())
        .sum();
    assert_eq!(files, 900);

    // The suggested compaction, run as printed (minus the program name).
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = json(&["tombstones", path, "--scan", "--json"]);
    assert_eq!(after["scan"]["deletes_skipped"], 0, "{after}");
    assert_eq!(after["scan"]["live_keys"], 100);
    assert_eq!(ldb(&db, &["scan"]).lines().count(), 100, "7.8 reads it");
}
