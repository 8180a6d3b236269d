//! `explain` against databases built so that its counters are known: a key with a version
//! in L0 and one in the last level, a key a bloom filter rules out of both files, and a
//! prefix under 100,000 tombstones.

use std::path::Path;

use crate::cli::run;
use crate::common::temp_db;

fn explain_json(db: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["explain", db.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push("--json");
    let out = run(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Bloom filters of 10 bits a key, as a service configures them.
fn with_bloom() -> rocksdb::Options {
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    let mut table = rocksdb::BlockBasedOptions::default();
    table.set_bloom_filter(10.0, false);
    opts.set_block_based_table_factory(&table);
    opts
}

/// A service built on rust-rocksdb: its bloom filter reaches RocksDB through the C
/// API's wrapper, and its OPTIONS file names the policy without its bits
/// (`filter_policy=bloomfilter`), which RocksDB loads as no filter reader at all. The
/// inspector's reading open gives the policy bits, so the filters are read.
fn check_the_filter_is_named_without_bits(db: &Path) {
    let options = crate::common::latest_options_file(db);
    let text = std::fs::read_to_string(options).unwrap();
    assert!(text.contains("  filter_policy=bloomfilter\n"), "{text}");
}

/// `k:0`, `k:5` and `k:9` compacted to the last level, then `k:0`, `k:5` and `k:9` again
/// in an L0 file: `k:5` is in both files' range and both filters let it in; `k:3` is in
/// both ranges too, and both filters keep the read out.
#[test]
fn a_key_in_l0_and_the_last_level_and_a_bloom_miss() {
    let (_dir, db) = temp_db();
    {
        let rocks = rocksdb::DB::open(&with_bloom(), &db).unwrap();
        for key in ["k:0", "k:5", "k:9"] {
            rocks.put(key, "old").unwrap();
        }
        rocks.flush().unwrap();
        rocks.compact_range::<&[u8], &[u8]>(None, None);
        for key in ["k:0", "k:5", "k:9"] {
            rocks.put(key, "new").unwrap();
        }
        rocks.flush().unwrap();
    }
    check_the_filter_is_named_without_bits(&db);
    let found = explain_json(&db, &["k:5"]);
    assert_eq!(found["cold"]["keys"], 1);
    let levels: Vec<i64> = found["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["level"].as_i64().unwrap())
        .collect();
    assert_eq!(levels.len(), 2, "{found}");
    assert_eq!(levels[0], 0);
    assert!(levels[1] > 0, "{found}");
    // The L0 file answers: its filter lets the read in and the search stops there.
    assert!(
        found["cold"]["bloom_sst_hits"].as_u64().unwrap() >= 1,
        "{found}"
    );
    assert!(
        found["cold"]["blocks_read"].as_u64().unwrap() >= 1,
        "{found}"
    );
    assert_eq!(found["warm"]["blocks_read"], 0, "{found}");

    let missed = explain_json(&db, &["k:3"]);
    assert_eq!(missed["cold"]["keys"], 0);
    assert_eq!(missed["files"].as_array().unwrap().len(), 2);
    assert_eq!(missed["cold"]["bloom_sst_misses"], 2, "{missed}");
    let verdict = missed["verdict"].to_string();
    assert!(
        verdict.contains("bloom filters kept the read out of 2 of 2"),
        "{verdict}"
    );
}

/// 100,000 keys under `t:` deleted in a later L0 file, one live key after them: a seek
/// under `t:` steps over every tombstone, names the file that holds them, and gives the
/// `compact` that removes them.
#[test]
fn a_prefix_under_100k_tombstones() {
    let (_dir, db) = temp_db();
    {
        let rocks = rocksdb::DB::open(&with_bloom(), &db).unwrap();
        for i in 0..100_000 {
            rocks.put(format!("t:{i:06}"), "v").unwrap();
        }
        rocks.flush().unwrap();
        for i in 0..100_000 {
            rocks.delete(format!("t:{i:06}")).unwrap();
        }
        rocks.put("t:zz", "live").unwrap();
        rocks.flush().unwrap();
    }
    let x = explain_json(&db, &["--prefix", "t:"]);
    assert_eq!(x["cold"]["keys"], 1);
    assert_eq!(x["cold"]["tombstones_skipped"], 100_000, "{x}");
    let verdict = x["verdict"][0].as_str().unwrap();
    assert!(
        verdict.starts_with("100,000 tombstones stepped over for 1 key"),
        "{verdict}"
    );
    assert!(verdict.contains("100,000 deletions"), "{verdict}");
    let out = run(&["explain", db.to_str().unwrap(), "--prefix", "t:"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let fix = text
        .lines()
        .find(|l| l.starts_with("fix: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        fix,
        format!(
            "fix: spear-inspect compact {} --cf default --from 't:' --to 't;' --write",
            db.display()
        )
    );
}

/// Three flushes of five keys each under `a:`, `b:` and `c:`, every key written once: a
/// seek from `a:` that stops after three keys lists only the file it read in, and counts
/// no older versions (each live key it stepped off is not one); an empty range is refused.
#[test]
fn a_seek_lists_the_files_it_read_and_no_versions_it_did_not_skip() {
    let (_dir, db) = temp_db();
    {
        let rocks = rocksdb::DB::open(&with_bloom(), &db).unwrap();
        for prefix in ["a:", "b:", "c:"] {
            for i in 0..5 {
                rocks.put(format!("{prefix}{i}"), "v").unwrap();
            }
            rocks.flush().unwrap();
        }
    }
    let x = explain_json(&db, &["--from", "a:", "--limit", "3"]);
    assert_eq!(x["cold"]["keys"], 3);
    assert_eq!(x["files"].as_array().unwrap().len(), 1, "{x}");
    assert_eq!(x["cold"]["hidden_versions_skipped"], 0, "{x}");
    assert_eq!(x["fix"], serde_json::Value::Null);
    let empty = run(&[
        "explain",
        db.to_str().unwrap(),
        "--from",
        "c:",
        "--to",
        "a:",
    ]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("the range is empty"));
}
