//! The diagnosis views against databases written by RocksDB 7.8's tools: the key space by
//! prefix (counts equal what `ldb scan` shows), tombstones (the memtable's deletions that
//! no SST shows, the ranges reads skip, and the compaction that removes them).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{db_bench, du, keep_wals_across_opens, ldb, ldb_load, require_tools};

/// Loads `lines` (`key ==> value`) with 7.8's `ldb load`, compacted into SST files.
fn load_compacted(db: &Path, lines: &str) {
    ldb_load(db, &["load", "--compact"], lines);
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
    require_tools();
    let (_dir, db) = temp_db();
    load_compacted(&db, &spear_like_lines(1000));
    load_compacted(&db, "blob:big ==> ".to_string().as_str());
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
    require_tools();
    let (_dir, db) = temp_db();
    load_compacted(&db, &spear_like_lines(150_000));
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
    require_tools();
    let (_dir, db) = temp_db();
    let path = db.to_str().unwrap();
    let bench = |args: &[&str]| db_bench(&db, args);
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
    assert_eq!(
        scan["prefixes"][0]["prefix"], "(before the first live key)",
        "tombstones are named by where they lie, not by a prefix they may not have"
    );
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

/// A 7.8 database whose WALs hold puts, a delete, a range deletion, a batch, a binary
/// key and writes to a second column family.
fn wal_fixture(db: &Path) {
    ldb(db, &["--create_if_missing", "put", "k0", "v0"]);
    keep_wals_across_opens(db);
    ldb(db, &["put", "k1", "v1"]);
    ldb(db, &["delete", "k0"]);
    ldb(db, &["deleterange", "a", "k1"]);
    ldb(db, &["create_column_family", "cf1"]);
    ldb(db, &["put", "--column_family=cf1", "ck", "cv"]);
    ldb(db, &["batchput", "b1", "x", "b2", "y", "b3", ""]);
    ldb(db, &["put", "--hex", "0x00FF0A7F80", "0x0001FEFF"]);
    ldb(db, &["put", "k1", "v1-again"]);
}

/// Operations on one `ldb dump_wal` line: each is named `KIND(cf)` (`PUT(0)`,
/// `DELETE_RANGE(1)`, ...).
fn ldb_op_count(line: &str) -> usize {
    line.match_indices('(')
        .filter(|&(at, _)| {
            let before = line[..at].chars().next_back();
            let after = &line[at + 1..];
            before.is_some_and(|c| c.is_ascii_uppercase() || c == '_')
                && after
                    .split_once(')')
                    .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count()
}

/// The WAL files of `db`, oldest first.
fn wal_paths(db: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files
}

/// `wal --ldb --print-value` prints, batch for batch, what `ldb dump_wal --print_value`
/// prints for each WAL file; the newest-first view names the column family.
#[test]
fn wal_batches_equal_ldb_dump_wal() {
    require_tools();
    let (_dir, db) = temp_db();
    wal_fixture(&db);
    let wals = wal_paths(&db);
    assert!(wals.len() >= 5, "the fixture keeps its WALs: {wals:?}");
    let mut expected = Vec::new();
    for wal in &wals {
        let out = Command::new("ldb")
            .arg("dump_wal")
            .arg(format!("--walfile={}", wal.display()))
            .arg("--print_value")
            .output()
            .unwrap();
        expected.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.starts_with("Sequence,"))
                .map(str::to_string),
        );
    }
    let path = db.to_str().unwrap();
    let out = run(&["wal", path, "--ldb", "--print-value"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(ours, expected, "no header line unless --header, as ldb");
    assert!(ours.iter().any(|l| l.contains("DELETE_RANGE")));

    let newest =
        String::from_utf8_lossy(&run(&["wal", path, "--limit", "100"]).stdout).into_owned();
    let first_op = newest.lines().nth(1).unwrap();
    assert!(
        first_op.contains("PUT")
            && first_op.contains("[default] k1")
            && first_op.contains("v1-again"),
        "{newest}"
    );
    assert!(newest.contains("PUT           [cf1] ck"), "{newest}");
    let json: Vec<serde_json::Value> =
        String::from_utf8_lossy(&run(&["wal", path, "--json"]).stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let ops: usize = json
        .iter()
        .map(|b| b["ops"].as_array().unwrap().len())
        .sum();
    let ldb_ops: usize = expected.iter().map(|l| ldb_op_count(l)).sum();
    assert_eq!(ops, ldb_ops, "the JSON holds every operation ldb prints");
    assert!(
        json.windows(2)
            .all(|w| w[0]["sequence"].as_u64() > w[1]["sequence"].as_u64()),
        "newest first"
    );
}

/// A WAL cut in the middle of its last record: the batches before it are shown, the cut
/// is named, the exit status is 0.
#[test]
fn a_torn_wal_tail_is_reported_not_fatal() {
    require_tools();
    let (_dir, db) = temp_db();
    wal_fixture(&db);
    let newest = wal_paths(&db).pop().unwrap();
    let len = std::fs::metadata(&newest).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&newest)
        .unwrap();
    file.set_len(len - 3).unwrap();
    let path = db.to_str().unwrap();
    let out = run(&["wal", path]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("torn record"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("v1-again") && stdout.contains("[default] b1"),
        "{stdout}"
    );
    let files = String::from_utf8_lossy(&run(&["wal", path, "--files"]).stdout).into_owned();
    assert!(files.contains("torn at byte"), "{files}");
}

/// A key written, then deleted, still in the WAL: both versions listed newest first, a
/// read returns nothing now; a key never written exits 1.
#[test]
fn history_lists_a_keys_versions_and_where_it_stands() {
    require_tools();
    let (_dir, db) = temp_db();
    wal_fixture(&db);
    let path = db.to_str().unwrap();
    let out = run(&["history", path, "k0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("now: absent"), "{text}");
    let delete = text.find("DELETE        [default] k0").expect("the delete");
    let put = text
        .find("PUT           [default] k0 = 2 B")
        .expect("the put");
    assert!(delete < put, "newest first:\n{text}");
    let cf = run(&["history", path, "ck", "--cf", "cf1", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&cf.stdout).unwrap();
    assert_eq!(doc["wal_versions"].as_array().unwrap().len(), 1);
    assert_eq!(doc["live"]["value_len"], 2);
    assert_eq!(
        run(&["history", path, "never-written"]).status.code(),
        Some(1)
    );
}

/// The oldest WAL is named with the column family whose unflushed writes keep it:
/// `default` was flushed by a compaction, `hot` was not.
#[test]
fn usage_names_the_column_family_keeping_the_oldest_wal() {
    require_tools();
    let (_dir, db) = temp_db();
    ldb(&db, &["--create_if_missing", "put", "k0", "v0"]);
    keep_wals_across_opens(&db);
    ldb(&db, &["create_column_family", "hot"]);
    ldb(&db, &["put", "--column_family=hot", "h1", "v"]);
    ldb(&db, &["put", "d1", "v"]);
    ldb(&db, &["compact"]);
    let usage = json(&["usage", db.to_str().unwrap(), "--json"]);
    let oldest = &usage["oldest_wal"];
    assert_eq!(oldest["kept_by"], serde_json::json!(["hot"]), "{usage}");
    let oldest_file = wal_paths(&db).into_iter().next().unwrap();
    assert!(oldest_file.ends_with(format!("{:06}.log", oldest["number"].as_u64().unwrap())));
}

/// Write stalls in a LOG written by RocksDB 7.8's db_bench with low triggers: `log`
/// lists as many as grep finds, and the timeline counts them the same.
#[test]
fn log_lists_every_stall_grep_finds() {
    require_tools();
    let (_dir, db) = temp_db();
    crate::compat78::stalling_db_bench(&db);
    let log = std::fs::read_to_string(db.join("LOG")).unwrap();
    let grep = |needle: &str| log.lines().filter(|l| l.contains(needle)).count() as u64;
    let (stalling, stopping) = (
        grep("Stalling writes because"),
        grep("Stopping writes because"),
    );
    assert!(stalling + stopping > 0, "the run stalled");
    let path = db.to_str().unwrap();
    let out = run(&["log", path, "--kind", "stall", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count() as u64,
        stalling + stopping
    );
    let timeline = json(&["log", path, "--timeline", "--json"]);
    assert_eq!(timeline["totals"]["stall_messages"], stalling);
    assert_eq!(timeline["totals"]["stop_messages"], stopping);
    assert_eq!(
        timeline["totals"]["events"]["flush_finished"]
            .as_u64()
            .unwrap_or(0),
        grep("\"event\": \"flush_finished\""),
    );
    // --since after the end: nothing, said so.
    let none = run(&["log", path, "--since", "2999-01-01"]);
    assert!(String::from_utf8_lossy(&none.stdout).contains("no LOG entries match"));
    let bad = run(&["log", path, "--since", "yesterday-ish"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A service that keeps its WALs in a `wal_dir` and its info LOG in a `db_log_dir`:
/// `wal` and `log` read them there (RocksDB 7.8's db_bench for the WAL, this build's
/// RocksDB for the LOG), never answering "nothing" from the database directory.
#[test]
fn wal_dir_and_db_log_dir_are_followed() {
    require_tools();
    let (dir, db) = temp_db();
    let wal_dir = dir.path().join("wal-elsewhere");
    db_bench(
        &db,
        &[
            &format!("--wal_dir={}", wal_dir.display()),
            "--benchmarks=fillseq",
            "--num=300",
            "--write_buffer_size=67108864",
        ],
    );
    let path = db.to_str().unwrap();
    let files = String::from_utf8_lossy(&run(&["wal", path, "--files"]).stdout).into_owned();
    assert!(
        files.contains(".log") && files.contains("sequences 1..=300"),
        "{files}"
    );

    let (log_dir_holder, db2) = temp_db();
    let log_dir = log_dir_holder.path().join("logs");
    std::fs::create_dir_all(&log_dir).unwrap();
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        opts.set_db_log_dir(&log_dir);
        let rocks = rocksdb::DB::open(&opts, &db2).unwrap();
        rocks.put("a", "1").unwrap();
        rocks.flush().unwrap();
    }
    assert!(!db2.join("LOG").exists(), "the LOG went to the db_log_dir");
    let out = run(&["log", db2.to_str().unwrap(), "--kind", "flush_finished"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("flush_finished"));
}

/// RocksDB 7.8 keeping old WALs in `archive/` (`--wal_ttl_seconds`), and a stray
/// subdirectory: both counted, and the total is `du -sb`'s to the byte.
#[test]
fn usage_counts_the_wal_archive_and_subdirectories() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillrandom",
            "--num=60000",
            "--wal_ttl_seconds=3600",
            "--write_buffer_size=1048576",
        ],
    );
    std::fs::create_dir_all(db.join("stray/deeper")).unwrap();
    std::fs::write(db.join("stray/deeper/blob"), vec![7u8; 12_345]).unwrap();
    let usage = json(&["usage", db.to_str().unwrap(), "--json"]);
    assert!(
        usage["wal_archive"]["files"].as_u64().unwrap() > 0,
        "{usage}"
    );
    assert_eq!(usage["subdirectories"]["bytes"], 12_345);
    assert_eq!(usage["total"].as_u64().unwrap(), du(&db), "{usage}");
}

/// A column family whose writes are all still in the WAL (RocksDB 7.8's db_bench with a
/// large write buffer): approximate sizes see nothing, so the breakdown counts instead of
/// showing every prefix as empty; and many small L0 files come with a warning.
#[test]
fn keyspace_never_shows_unflushed_data_as_nothing() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillseq",
            "--num=250000",
            "--write_buffer_size=536870912",
        ],
    );
    let path = db.to_str().unwrap();
    let breakdown = json(&["keyspace", path, "--prefix-len", "6", "--json"]);
    assert_eq!(breakdown["exact"], true, "{breakdown}");
    let keys: u64 = breakdown["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["keys"].as_u64().unwrap())
        .sum();
    assert_eq!(keys, 250_000);

    let (_dir2, layered) = temp_db();
    db_bench(
        &layered,
        &[
            "--benchmarks=fillrandom",
            "--num=260000",
            "--write_buffer_size=65536",
            "--target_file_size_base=65536",
            "--disable_auto_compactions=1",
        ],
    );
    let estimate = json(&[
        "keyspace",
        layered.to_str().unwrap(),
        "--prefix-len",
        "2",
        "--json",
    ]);
    assert_eq!(estimate["exact"], false);
    assert!(
        estimate["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("overlapping L0 files")),
        "{}",
        estimate["warnings"]
    );
}

/// `log --cf` names a column family the database has, or it is an error (exit 2).
#[test]
fn log_refuses_an_unknown_column_family() {
    require_tools();
    let (_dir, db) = temp_db();
    ldb(&db, &["--create_if_missing", "put", "a", "1"]);
    let out = run(&["log", db.to_str().unwrap(), "--cf", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column family \"nope\""));
    assert!(
        run(&["log", db.to_str().unwrap(), "--cf", "default"])
            .status
            .success()
    );
}

/// A WAL damaged in its middle (21 bytes overwritten, RocksDB 7.8's db_bench wrote it):
/// `wal --files` says where, `wal --ldb` reads on past it as `ldb dump_wal` does, and a
/// key written after the damage still has its history.
#[test]
fn a_wal_damaged_in_the_middle_is_read_past_and_named() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillseq",
            "--num=20000",
            "--write_buffer_size=536870912",
            "--compression_type=none",
        ],
    );
    let wal = wal_paths(&db).pop().unwrap();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = std::fs::OpenOptions::new().write(true).open(&wal).unwrap();
        file.seek(SeekFrom::Start(400_000)).unwrap();
        file.write_all(&[0x5a; 21]).unwrap();
    }
    let path = db.to_str().unwrap();
    let files = String::from_utf8_lossy(&run(&["wal", path, "--files"]).stdout).into_owned();
    assert!(files.contains("CORRUPT at byte"), "{files}");
    let ldb_lines = Command::new("ldb")
        .arg("dump_wal")
        .arg(format!("--walfile={}", wal.display()))
        .output()
        .unwrap()
        .stdout;
    let ours = run(&["wal", path, "--ldb"]);
    assert!(String::from_utf8_lossy(&ours.stderr).contains("is corrupt at byte"));
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&ldb_lines)
    );
    // fillseq's key 19,000 (8 bytes big-endian, then "00000000"), written after the damage.
    let out = run(&[
        "history",
        path,
        "--key-hex",
        "0000000000004a383030303030303030",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PUT") && text.contains("is corrupt at byte"),
        "{text}"
    );
}

/// `tombstones --scan --prefix P`: a stretch open on one side stops at P's range (the
/// printed compaction never covers the whole column family), and a deletion between two
/// live keys of P with no further delimiter counts for P itself.
#[test]
fn tombstone_stretches_stay_inside_the_prefix() {
    let (_dir, db) = temp_db();
    {
        let rocks = rocksdb::DB::open_default(&db).unwrap();
        for i in 1..=9 {
            rocks.put(format!("c:{i}"), "v").unwrap();
            rocks.put(format!("d:{i}"), "v").unwrap();
        }
        rocks.flush().unwrap();
        rocks.delete("c:4").unwrap();
        for i in 1..=8 {
            rocks.delete(format!("d:{i}")).unwrap();
        }
    }
    let path = db.to_str().unwrap();
    let d = json(&["tombstones", path, "--scan", "--prefix", "d:", "--json"]);
    assert_eq!(d["scan"]["deletes_skipped"], 8, "{d}");
    assert_eq!(
        d["scan"]["prefixes"][0]["prefix"],
        "(before the first live key)"
    );
    let text =
        String::from_utf8_lossy(&run(&["tombstones", path, "--scan", "--prefix", "d:"]).stdout)
            .into_owned();
    assert!(
        text.contains(&format!(
            "compact {path} --cf default --from 'd:' --to 'd:9' --write"
        )),
        "{text}"
    );
    let c = json(&["tombstones", path, "--scan", "--prefix", "c:", "--json"]);
    let row = &c["scan"]["prefixes"][0];
    assert_eq!(
        (row["prefix"].as_str(), row["deletes_skipped"].as_u64()),
        (Some("c:"), Some(1)),
        "{c}"
    );
}

/// db_bench's binary keys (an 8-byte big-endian counter, then padding) are grouped by
/// the first byte that differs, not split at stray `:` bytes with nearly every key left
/// under "(no further prefix)"; both byte columns are filled and named apart.
#[test]
fn binary_keys_are_grouped_by_leading_bytes() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(&db, &["--benchmarks=fillseq", "--num=50000"]);
    let path = db.to_str().unwrap();
    let breakdown = json(&["keyspace", path, "--exact", "--json"]);
    // 50,000 < 2^16: the first six bytes are zero, the seventh takes 196 values.
    assert_eq!(breakdown["grouping"], "first 7 bytes (auto)", "{breakdown}");
    assert_eq!(
        breakdown["ungrouped"]["keys"], 0,
        "{}",
        breakdown["ungrouped"]
    );
    let rows = breakdown["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 196);
    let keys: u64 = rows.iter().map(|r| r["keys"].as_u64().unwrap()).sum();
    assert_eq!(keys, 50_000);
    assert!(
        rows.iter()
            .all(|r| r["logical_bytes"].as_u64().is_some() && r["disk_bytes"].as_u64().is_some()),
        "{rows:?}"
    );
    let out = run(&["keyspace", path, "--exact"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text.lines().nth(1).unwrap();
    assert!(
        header.contains("KEY+VALUE") && header.contains("ON DISK"),
        "{header}"
    );
}

/// An SST file numbered above every file of a live database's MANIFEST is a flush or
/// compaction output still being written, not an obsolete file (a cold trial saw
/// `usage` call a compaction's output "obsolete" moments before it went live); one below
/// them that no version holds is obsolete; and on a database nobody holds, the newest
/// stray file is a dead run's, so obsolete too.
#[test]
fn usage_tells_an_sst_being_written_from_an_obsolete_one() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillrandom",
            "--num=60000",
            "--write_buffer_size=1048576",
        ],
    );
    // Held by a writer (this process), which writes nothing more: the reading is a live
    // secondary's. Its open may flush the WAL, so the files are listed after it.
    let (mut opts, cfs) = rocksdb::Options::load_latest(
        &db,
        rocksdb::Env::new().unwrap(),
        true,
        rocksdb::Cache::new_lru_cache(8 << 20),
    )
    .unwrap();
    opts.set_disable_auto_compactions(true);
    let writer = rocksdb::DB::open_cf_descriptors(&opts, &db, cfs).unwrap();
    // Numbered below and above every file there, as the files of a dead compaction and
    // of one still running would be.
    let newest = std::fs::read_dir(&db)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".sst")?.parse::<u64>().ok()
        })
        .max()
        .unwrap();
    let (old, new) = (
        "000001.sst".to_string(),
        format!("{:06}.sst", newest + 1000),
    );
    let strays = || {
        std::fs::write(db.join(&old), vec![1u8; 1_000]).unwrap();
        std::fs::write(db.join(&new), vec![9u8; 2_000]).unwrap();
    };
    strays();
    let path = db.to_str().unwrap();
    let live = json(&["usage", path, "--json"]);
    drop(writer);
    // The newer stray is among the files being written (the writer's own open may add
    // one its MANIFEST did not list yet when the view read it); the older one is not.
    assert!(
        live["unfinished_sst"]["bytes"].as_u64().unwrap() >= 2_000,
        "{live}"
    );
    assert_eq!(live["obsolete_sst"]["bytes"], 1_000, "{live}");
    // Nobody holds it: the newest stray is a dead run's.
    strays();
    let idle = json(&["usage", path, "--json"]);
    assert!(
        idle["obsolete_sst"]["bytes"].as_u64().unwrap() >= 3_000,
        "{idle}"
    );
    assert_eq!(idle["unfinished_sst"]["files"], 0, "{idle}");
}
