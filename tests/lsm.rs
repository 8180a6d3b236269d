//! `lsm`: the LSM by prefix, on databases whose every version is known (written here,
//! flushed file by file) and on ones RocksDB 7.8's `db_bench` wrote, checked against
//! `sst_dump`'s table properties and `ldb scan`'s live keys.

use std::path::Path;
use std::process::Command;

use rocksdb::{BlockBasedOptions, DB, DataBlockIndexType, Options};
use serde_json::Value;

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{db_bench, ldb, require_tools};

fn lsm(db: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["lsm", db.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(report: &'a Value, prefix: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["prefix"] == prefix)
        .unwrap_or_else(|| panic!("no row {prefix} in {report:#}"))
}

fn level(row: &Value, level: i64) -> &Value {
    row["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == level)
        .unwrap_or_else(|| panic!("no level {level} in {row:#}"))
}

/// Every version known: `events:` 20,000 keys at the bottom and 10,000 of them deleted
/// in level 0; `node:` 1,000 keys at the bottom overwritten in level 0; `cfg:` 100 keys
/// written once, in level 0.
fn known_versions(path: &Path, options: &Options) {
    let db = DB::open(options, path).unwrap();
    for i in 0..20_000 {
        db.put(format!("events:{i:06}"), [b'e'; 64]).unwrap();
    }
    for i in 0..1_000 {
        db.put(format!("node:{i:04}"), [b'n'; 200]).unwrap();
    }
    db.flush().unwrap();
    db.compact_range::<&[u8], &[u8]>(None, None);
    for i in (0..20_000).step_by(2) {
        db.delete(format!("events:{i:06}")).unwrap();
    }
    db.flush().unwrap();
    for i in 0..1_000 {
        db.put(format!("node:{i:04}"), [b'N'; 200]).unwrap();
    }
    for i in 0..100 {
        db.put(format!("cfg:{i:03}"), b"on").unwrap();
    }
    db.flush().unwrap();
}

fn check_known(report: &Value) {
    assert_eq!(report["unread"].as_array().unwrap().len(), 0, "{report:#}");
    let events = row(report, "events:");
    assert_eq!(events["entries"], 30_000);
    assert_eq!(events["live_keys"], 10_000);
    assert_eq!(events["tombstones"], 10_000);
    assert_eq!(events["older_versions"], 10_000);
    assert_eq!(events["reclaimable_entries"], 20_000);
    assert_eq!(level(events, 0)["entries"], 10_000);
    assert_eq!(level(events, 6)["entries"], 20_000);
    // A read of an event key may check the level-0 file that deleted some, the one
    // whose range runs from cfg: to node: (over events:), and the bottom level.
    assert_eq!(events["read_files"], 3);

    let node = row(report, "node:");
    assert_eq!(node["entries"], 2_000);
    assert_eq!(node["live_keys"], 1_000);
    assert_eq!(node["tombstones"], 0);
    assert_eq!(node["older_versions"], 1_000);
    assert_eq!(node["reclaimable_entries"], 1_000);

    let cfg = row(report, "cfg:");
    assert_eq!(cfg["live_keys"], 100);
    assert_eq!(cfg["reclaimable_entries"], 0);
    assert_eq!(cfg["reclaimable_bytes"], 0);
    assert_eq!(level(cfg, 0)["files"], 1);

    // The most reclaimable first, each with the compact command of its range.
    let rows = report["rows"].as_array().unwrap();
    let reclaimable: Vec<u64> = rows
        .iter()
        .map(|r| r["reclaimable_bytes"].as_u64().unwrap())
        .collect();
    assert!(
        reclaimable.windows(2).all(|w| w[0] >= w[1]),
        "{reclaimable:?}"
    );
    assert!(
        events["compact"]
            .as_str()
            .unwrap()
            .ends_with("--from 'events:' --to 'events;' --write"),
        "{events:#}"
    );
    assert_eq!(report["total"]["entries"], 32_100);
    // Its compaction rewrites every file whose range meets it: the two level-0 files and
    // the bottom one.
    assert_eq!(events["compaction_files"], 3);
}

#[test]
fn every_version_is_judged_as_a_compaction_would() {
    let (_dir, path) = temp_db();
    let mut options = Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    known_versions(&path, &options);
    let report = lsm(&path, &[]);
    check_known(&report);
    // What it says reclaimable, a compaction reclaims: afterwards nothing is.
    let db = DB::open(&options, &path).unwrap();
    db.compact_range::<&[u8], &[u8]>(None, None);
    drop(db);
    let after = lsm(&path, &[]);
    assert_eq!(after["total"]["reclaimable_entries"], 0, "{after:#}");
    assert_eq!(after["total"]["live_keys"], report["total"]["live_keys"]);
    assert_eq!(
        row(&after, "events:")["entries"],
        10_000,
        "the tombstones and what they deleted are gone"
    );
}

#[test]
fn data_blocks_with_a_hash_index_are_read() {
    // `kDataBlockBinaryAndHash` appends hash buckets to each data block: a reader that
    // took the restart array from the block's end would misread every entry.
    let (_dir, path) = temp_db();
    let mut options = Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    let mut table = BlockBasedOptions::default();
    table.set_data_block_index_type(DataBlockIndexType::BinaryAndHash);
    options.set_block_based_table_factory(&table);
    known_versions(&path, &options);
    check_known(&lsm(&path, &[]));
}

#[test]
fn a_drilled_prefix_reads_only_its_keys() {
    let (_dir, path) = temp_db();
    let mut options = Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    known_versions(&path, &options);
    let report = lsm(&path, &["--prefix", "node:", "--prefix-len", "6"]);
    let rows = report["rows"].as_array().unwrap();
    // node:0000..node:0999 grouped by their next 6 bytes ("0", "1", ... of four digits
    // and nothing more): four-digit keys are shorter, so all of them are ungrouped.
    assert!(rows.is_empty(), "{report:#}");
    assert_eq!(report["ungrouped"]["entries"], 2_000);
    assert_eq!(report["total"]["entries"], 2_000);
    let by_digit = lsm(&path, &["--prefix", "node:", "--prefix-len", "1"]);
    assert_eq!(by_digit["rows"].as_array().unwrap().len(), 1);
    // Of the two level-0 files, only the last flush holds node: keys.
    let l0 = level(&by_digit["total"], 0);
    assert_eq!(
        (l0["files"].as_u64(), l0["entries"].as_u64()),
        (Some(1), Some(1_000))
    );
    assert_eq!(row(&by_digit, "node:0")["live_keys"], 1_000);
}

/// `sst_dump --show_properties`'s entries and deletions summed over the live tables.
fn properties_sum(db: &Path) -> (u64, u64) {
    let (mut entries, mut deletions) = (0, 0);
    for e in std::fs::read_dir(db).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "sst") {
            continue;
        }
        let out = Command::new("sst_dump")
            .arg(format!("--file={}", path.display()))
            .arg("--show_properties")
            .output()
            .expect("sst_dump (RocksDB 7.8's rocksdb-tools) runs");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let number = |l: &str| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap();
            if line.trim_start().starts_with("# entries:") {
                entries += number(line);
            } else if line.trim_start().starts_with("# deletions:") {
                deletions += number(line);
            }
        }
    }
    (entries, deletions)
}

#[test]
fn a_db_bench_database_agrees_with_sst_dump_and_ldb() {
    require_tools();
    let (_dir, path) = temp_db();
    // Overwrites and deletes over 20,000 keys, everything flushed (no memtable, no WAL),
    // nothing compacted: level 0 holds every version.
    db_bench(
        &path,
        &[
            "--benchmarks=fillrandom,overwrite,deleterandom,flush",
            "--num=20000",
            "--key_size=16",
            "--value_size=100",
            "--write_buffer_size=1048576",
            "--disable_auto_compactions=true",
            "--compression_type=snappy",
        ],
    );
    let report = lsm(&path, &["--prefix-len", "1"]);
    assert_eq!(report["unread"].as_array().unwrap().len(), 0, "{report:#}");
    assert_eq!(report["memtable_entries"], 0);
    let (entries, deletions) = properties_sum(&path);
    let total = &report["total"];
    assert_eq!(total["entries"], entries);
    assert_eq!(total["tombstones"], deletions);
    let live = ldb(&path, &["scan", "--hex"]).lines().count() as u64;
    assert_eq!(total["live_keys"], live);
    // No merge operand: every entry but the live keys' newest versions goes.
    assert_eq!(total["reclaimable_entries"], entries - live);
    let files: u64 = report["files_per_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l[1].as_u64().unwrap())
        .sum();
    assert_eq!(report["files_read"], files);
}

#[test]
fn merge_operands_fold_and_what_is_said_reclaimable_a_compaction_reclaims() {
    // 7.8's db_bench merging into 2,000 keys, flushed, nothing compacted: every operand
    // but each key's newest folds away in a compaction to the bottom.
    require_tools();
    let (_dir, path) = temp_db();
    db_bench(
        &path,
        &[
            "--benchmarks=mergerandom,flush",
            "--merge_operator=uint64add",
            "--num=2000",
            "--merge_keys=500",
            "--value_size=8",
            "--write_buffer_size=65536",
            "--disable_auto_compactions=true",
        ],
    );
    let before = lsm(&path, &["--prefix-len", "1"]);
    let total = &before["total"];
    let entries = total["entries"].as_u64().unwrap();
    let live = total["live_keys"].as_u64().unwrap();
    assert!(entries > live, "{before:#}");
    assert_eq!(total["reclaimable_entries"], entries - live);
    assert!(total["reclaimable_bytes"].as_u64().unwrap() > 0);
    ldb(&path, &["--try_load_options", "compact"]);
    let after = lsm(&path, &["--prefix-len", "1"]);
    assert_eq!(after["total"]["entries"], live, "{after:#}");
    assert_eq!(after["total"]["live_keys"], live);
    assert_eq!(after["total"]["reclaimable_entries"], 0);
}

#[test]
fn keys_under_a_range_deletion_are_not_live() {
    require_tools();
    let (_dir, path) = temp_db();
    let mut options = Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    // Table format 5, which 7.8's ldb (the live-key reference) reads.
    let mut table = BlockBasedOptions::default();
    table.set_format_version(5);
    options.set_block_based_table_factory(&table);
    {
        let db = DB::open(&options, &path).unwrap();
        for i in 0..1_000 {
            db.put(format!("resource:{i:04}"), b"r").unwrap();
        }
        db.flush().unwrap();
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range(b"resource:0250", b"resource:0750");
        db.write(batch).unwrap();
        db.flush().unwrap();
    }
    let report = lsm(&path, &[]);
    let resource = row(&report, "resource:");
    // 7.8's ldb reads the tables (the OPTIONS file names options it does not know).
    let live = ldb(&path, &["--ignore_unknown_options", "scan"])
        .lines()
        .count() as u64;
    assert_eq!(live, 500);
    assert_eq!(resource["live_keys"], live);
    assert_eq!(resource["range_deleted"], 500);
    assert_eq!(resource["reclaimable_entries"], 500);
    assert_eq!(report["range_deletions"], 1);
}

#[test]
fn blob_garbage_is_named_with_whether_a_compaction_frees_it() {
    let (_dir, path) = temp_db();
    let mut options = Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    options.set_enable_blob_files(true);
    options.set_min_blob_size(0);
    {
        let db = DB::open(&options, &path).unwrap();
        // Half the keys overwritten: the first blob file keeps live blobs beside garbage.
        for (round, keys) in [(b'a', 200), (b'b', 100)] {
            for i in 0..keys {
                db.put(format!("blob:{i:03}"), [round; 1000]).unwrap();
            }
            db.flush().unwrap();
        }
        db.compact_range::<&[u8], &[u8]>(None, None);
    }
    let report = lsm(&path, &[]);
    let blobs = &report["blob_files"];
    // The first round's overwritten blobs: no entry points at them after the compaction.
    assert!(
        blobs["garbage_bytes"].as_u64().unwrap() >= 100_000,
        "{report:#}"
    );
    assert_eq!(blobs["gc_enabled"], false);
    let text = String::from_utf8(run(&["lsm", path.to_str().unwrap()]).stdout).unwrap();
    assert!(
        text.contains("no compaction frees it while enable_blob_garbage_collection is off"),
        "{text}"
    );
}

#[test]
fn a_table_damaged_mid_file_makes_the_answer_incomplete_not_quietly_short() {
    let (_dir, path) = temp_db();
    let mut options = Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    known_versions(&path, &options);
    // The bottom-level table (every event's first version): bytes flipped in its middle.
    let bottom = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sst"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&bottom).unwrap();
    let middle = bytes.len() / 3;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0xff;
    }
    std::fs::write(&bottom, bytes).unwrap();
    let out = run(&["lsm", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(7), "damage is not a clean answer");
    let text = String::from_utf8(out.stdout).unwrap();
    let name = bottom.file_name().unwrap().to_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "INCOMPLETE: 1 table file(s) could not be read to the end ({name})"
        )),
        "{text}"
    );
    assert!(
        text.contains("its entries before the damage are counted, those after it are not"),
        "{text}"
    );
    let json = run(&["lsm", path.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["unread"][0]["partly_counted"], true);
}
