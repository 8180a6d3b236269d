//! A compaction asked for by a person gives the space of deleted data back, as `ldb
//! compact` does, and says what it removed; checked on a database RocksDB 7.8 wrote.

use std::path::Path;

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{ldb, require_tools, run_tool};

/// Files and deletions of `cf`'s live SST files.
fn live_files(db: &Path, cf: &str) -> (usize, u64) {
    let opts = rocksdb::Options::default();
    let families = rocksdb::DB::list_cf(&opts, db).unwrap();
    let db = rocksdb::DB::open_cf_for_read_only(&opts, db, families, false).unwrap();
    let files: Vec<_> = db
        .live_files()
        .unwrap()
        .into_iter()
        .filter(|f| f.column_family_name == cf)
        .collect();
    (files.len(), files.iter().map(|f| f.num_deletions).sum())
}

/// The case: a 7.8 database whose `blobs` column family holds one key in an SST
/// file; the key is deleted and the memtable flushed, so a file with the value and a file
/// with its tombstone remain. `compact --write` must leave no file, like `ldb compact` on
/// a copy of the same state, and report the tombstone it removed.
#[test]
fn compact_rewrites_the_last_level_like_ldb() {
    require_tools();
    let (dir, db) = temp_db();
    ldb(&db, &["--create_if_missing", "put", "seed", "x"]);
    ldb(&db, &["create_column_family", "blobs"]);
    ldb(
        &db,
        &[
            "--column_family=blobs",
            "put",
            "blob:1",
            "a value of some bytes",
        ],
    );
    ldb(&db, &["--column_family=blobs", "compact"]);
    let p = db.to_str().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    ok(&["delete", p, "blob:1", "--cf", "blobs", "--write"]);
    ok(&["flush", p, "--cf", "blobs", "--write"]);
    let (files, deletions) = live_files(&db, "blobs");
    assert_eq!(
        (files, deletions),
        (2, 1),
        "the value's file and the tombstone's"
    );

    // The reference: ldb 7.8 compacts a copy of the same state.
    let copy = dir.path().join("copy");
    run_tool(
        std::process::Command::new("cp")
            .arg("-a")
            .arg(&db)
            .arg(&copy),
    );
    ldb(&copy, &["--column_family=blobs", "compact"]);
    let reference = live_files(&copy, "blobs");
    assert_eq!(reference, (0, 0), "ldb compact leaves nothing");

    let report = ok(&["compact", p, "--cf", "blobs", "--write"]);
    assert_eq!(live_files(&db, "blobs"), reference, "{report}");
    assert!(report.contains("2 → 0 files, 1 → 0 tombstones"), "{report}");
    assert!(report.contains("→ 0 B"), "{report}");
    // The database stays one that 7.8 reads, with the other key intact.
    assert_eq!(ldb(&db, &["get", "seed"]).trim(), "x");
    assert_eq!(ldb(&db, &["--column_family=blobs", "scan"]), "");
}
