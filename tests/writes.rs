//! `writes`: the WAL's writes per column family, prefix and key, against what RocksDB
//! 7.8's `ldb` wrote and what its `dump_wal` reads back.

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{keep_wals_across_opens, ldb, require_tools};

/// Puts, a delete, a range deletion and a batch under `a:` and `b:`, a key without the
/// delimiter, and a second column family, each `ldb` run leaving its WAL behind.
#[test]
fn the_writes_per_prefix_equal_what_ldb_wrote() {
    require_tools();
    let (_dir, db) = temp_db();
    ldb(&db, &["--create_if_missing", "put", "a:1", "v"]);
    keep_wals_across_opens(&db);
    ldb(&db, &["put", "a:1", "again"]);
    ldb(&db, &["batchput", "a:2", "x", "a:3", "y", "b:1", "zz"]);
    ldb(&db, &["delete", "a:3"]);
    ldb(&db, &["deleterange", "b:", "b;"]);
    ldb(&db, &["put", "plain", "p"]);
    ldb(&db, &["create_column_family", "cf1"]);
    ldb(&db, &["put", "--column_family=cf1", "c:1", "cv"]);
    let out = run(&["writes", db.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = &report["total"];
    assert_eq!(
        (
            &total["ops"],
            &total["puts"],
            &total["deletes"],
            &total["range_deletes"]
        ),
        (&9.into(), &7.into(), &1.into(), &1.into()),
        "{report}"
    );
    assert_eq!(report["per_cf"]["cf1"]["ops"], 1);
    assert_eq!(report["per_cf"]["default"]["ops"], 8);
    let prefix = |cf: &str, p: &str| {
        report["per_prefix"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["cf"] == cf && row["prefix"] == p)
            .cloned()
            .unwrap_or_else(|| panic!("[{cf}] {p}: {report}"))
    };
    let a = prefix("default", "a:");
    assert_eq!(
        (&a["ops"], &a["puts"], &a["deletes"]),
        (&5.into(), &4.into(), &1.into())
    );
    let b = prefix("default", "b:");
    assert_eq!((&b["ops"], &b["range_deletes"]), (&2.into(), &1.into()));
    assert_eq!(prefix("default", "(no delimiter)")["ops"], 1);
    assert_eq!(prefix("cf1", "c:")["ops"], 1);
    assert_eq!(report["hottest"][0]["key"], "a:1");
    assert_eq!(report["hottest"][0]["ops"], 2);
    // The batches are the ones `ldb dump_wal` reads from the same files.
    let mut batches = 0;
    for entry in std::fs::read_dir(&db).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            let dump = ldb(&db, &["dump_wal", &format!("--walfile={}", path.display())]);
            batches += dump
                .lines()
                .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
                .count();
        }
    }
    assert_eq!(report["batches"], batches, "{report}");
    assert_eq!(report["missing_sequences"], 0);

    // A WAL in the middle of the chain cut to nothing: its writes are missing between
    // the batches around it, said on stderr and counted, never silently left out.
    let mut wals: Vec<_> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    wals.sort();
    let middle = &wals[wals.len() / 2];
    let lost = ldb(
        &db,
        &["dump_wal", &format!("--walfile={}", middle.display())],
    )
    .lines()
    .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
    .map(|l| l.split(',').nth(1).unwrap().trim().parse::<u64>().unwrap())
    .sum::<u64>();
    assert!(lost > 0);
    std::fs::write(middle, b"").unwrap();
    let out = run(&["writes", db.to_str().unwrap(), "--json"]);
    let cut: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cut["missing_sequences"], lost, "{cut}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sequence numbers missing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
