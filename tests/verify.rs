//! `verify`: damage made on purpose in databases RocksDB 7.8's tools and this crate's
//! RocksDB wrote (a flipped data block, a truncated and a missing SST, a torn MANIFEST,
//! a damaged blob record and WAL), each named where RocksDB's own reads name it.

use std::path::Path;
use std::process::{Command, Output};

use rocksdb::{BlockBasedIndexType, BlockBasedOptions, ChecksumType, DBCompressionType, Options};

use crate::cli::run;
use crate::common::{manifest_of, temp_db};
use crate::compat78::{db_bench, require_tools};

fn verify(db: &Path) -> (Output, serde_json::Value) {
    let out = run(&["verify", db.to_str().unwrap(), "--json"]);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out, report)
}

/// Keys `count` reads in `db`.
fn count(db: &Path) -> u64 {
    let out = run(&["count", db.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .replace(',', "")
        .parse()
        .unwrap()
}

/// `ldb repair` on a copy of `db` (the advice verify gives when only the MANIFEST is
/// damaged), then the keys the copy holds.
fn repaired_count(db: &Path) -> u64 {
    let copy = db.with_extension("repaired");
    let status = Command::new("cp")
        .arg("-r")
        .arg(db)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let repair = Command::new("ldb")
        .arg(format!("--db={}", copy.display()))
        .arg("repair")
        .output()
        .unwrap();
    assert!(
        repair.status.success(),
        "{}",
        String::from_utf8_lossy(&repair.stderr)
    );
    let keys = count(&copy);
    std::fs::remove_dir_all(&copy).unwrap();
    keys
}

/// Whether `ldb checkconsistency` (7.8) finds `db` consistent.
fn checkconsistency_passes(db: &Path) -> bool {
    Command::new("ldb")
        .arg(format!("--db={}", db.display()))
        .arg("checkconsistency")
        .output()
        .unwrap()
        .status
        .success()
}

/// The live SST files, largest first.
fn ssts(db: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect();
    files.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).unwrap().len()));
    files
}

fn flip(path: &Path, at: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    for b in &mut bytes[at as usize..at as usize + 4] {
        *b ^= 0xff;
    }
    std::fs::write(path, bytes).unwrap();
}

/// The number after `word ` in `text`.
fn number_after(text: &str, word: &str) -> Option<u64> {
    let at = text.find(word)? + word.len();
    text[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// A database of 7.8's `db_bench`: 200,000 keys in a dozen SSTs (format 5, CRC32c... as
/// 7.8 writes them), compacted.
fn bench_db(db: &Path) {
    db_bench(
        db,
        &[
            "--benchmarks=fillrandom,compact",
            "--num=200000",
            "--value_size=100",
            "--write_buffer_size=1048576",
            "--target_file_size_base=1048576",
            "--use_existing_db=0",
        ],
    );
}

#[test]
fn a_sound_78_database_is_called_sound_and_every_block_read() {
    require_tools();
    let (_dir, db) = temp_db();
    bench_db(&db);
    let (out, report) = verify(&db);
    assert!(out.status.success(), "{report}");
    assert_eq!(report["damage"], serde_json::json!([]), "{report}");
    assert_eq!(report["unchecked"], serde_json::json!([]), "{report}");
    assert_eq!(report["needs_backup"], false);
    assert_eq!(report["table_files"], ssts(&db).len());
    // Every data block sst_dump counts, plus each file's footer, metaindex, index and
    // meta blocks.
    let data_blocks: u64 = ssts(&db)
        .iter()
        .map(|f| {
            let props = Command::new("sst_dump")
                .arg(format!("--file={}", f.display()))
                .arg("--show_properties")
                .output()
                .unwrap();
            number_after(&String::from_utf8_lossy(&props.stdout), "# data blocks:").unwrap()
        })
        .sum();
    let checked = report["blocks_checked"].as_u64().unwrap();
    assert!(
        checked > data_blocks && checked < data_blocks + 8 * ssts(&db).len() as u64,
        "{checked} {data_blocks}"
    );
    assert!(report["verdict"].as_str().unwrap().starts_with("No damage"));
}

#[test]
fn a_flipped_data_block_is_named_at_the_offset_ldb_names_and_its_keys_given() {
    require_tools();
    let (_dir, db) = temp_db();
    bench_db(&db);
    let file = ssts(&db)[0].clone();
    let size = std::fs::metadata(&file).unwrap().len();
    flip(&file, size / 3);
    let (out, report) = verify(&db);
    assert_eq!(out.status.code(), Some(7), "{report}");
    let scan = Command::new("ldb")
        .arg(format!("--db={}", db.display()))
        .arg("scan")
        .output()
        .unwrap();
    let error =
        String::from_utf8_lossy(&scan.stderr).into_owned() + &String::from_utf8_lossy(&scan.stdout);
    assert!(error.contains("block checksum mismatch"), "{error}");
    let damage = &report["damage"][0];
    let name = file.file_name().unwrap().to_str().unwrap();
    assert_eq!(damage["file"], name);
    assert_eq!(damage["part"], "data block");
    assert_eq!(
        damage["offset"].as_u64(),
        number_after(&error, "offset"),
        "{error}"
    );
    // The stored and computed checksums ldb prints, in hex here.
    let stored = number_after(&error, "stored =").unwrap();
    assert!(
        damage["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("{stored:#010x}")),
        "{damage} {error}"
    );
    assert_eq!(report["damage"].as_array().unwrap().len(), 1, "{report}");
    // sst_dump names the same block (7.8 checks data blocks only with --verify_checksum).
    let sst_dump = Command::new("sst_dump")
        .arg(format!("--file={}", file.display()))
        .args(["--command=verify", "--verify_checksum"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&sst_dump.stdout).into_owned()
        + &String::from_utf8_lossy(&sst_dump.stderr);
    assert_eq!(
        number_after(&said, "offset"),
        damage["offset"].as_u64(),
        "{said}"
    );
    let lost = &report["lost"][0];
    assert_eq!(lost["file"], name);
    assert_eq!(lost["whole_file"], false);
    assert!(lost["estimated_keys"].as_u64().unwrap() > 0);
    // The sound blocks either side give the readable keys around the loss.
    assert!(
        lost["readable_before"].is_string() && lost["readable_after"].is_string(),
        "{lost}"
    );
    assert_ne!(lost["after"], lost["through"], "{lost}");
    assert!(!lost["through"].as_str().unwrap().is_empty());
    assert_eq!(report["needs_backup"], true);
}

#[test]
fn a_truncated_a_missing_sst_and_a_torn_manifest_agree_with_checkconsistency() {
    require_tools();
    let (_dir, db) = temp_db();
    bench_db(&db);
    let files = ssts(&db);
    let (cut, gone) = (&files[0], &files[1]);
    std::fs::OpenOptions::new()
        .write(true)
        .open(cut)
        .unwrap()
        .set_len(100_000)
        .unwrap();
    std::fs::remove_file(gone).unwrap();
    let consistent = checkconsistency_passes(&db);
    assert!(!consistent);
    let (out, report) = verify(&db);
    assert_eq!(out.status.code(), Some(7));
    let named = |file: &Path, part: &str| {
        let name = file.file_name().unwrap().to_str().unwrap();
        report["damage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["file"] == name && d["part"] == part)
            .unwrap_or_else(|| panic!("{name} {part}: {report}"))
            .clone()
    };
    assert!(
        named(cut, "file")["reason"]
            .as_str()
            .unwrap()
            .contains("100000 bytes on disk")
    );
    assert!(
        named(cut, "footer")["reason"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
    assert!(
        named(gone, "file")["reason"]
            .as_str()
            .unwrap()
            .starts_with("missing")
    );
    let sst_dump = Command::new("sst_dump")
        .arg(format!("--file={}", cut.display()))
        .arg("--command=verify")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&sst_dump.stdout).into_owned()
        + &String::from_utf8_lossy(&sst_dump.stderr);
    assert!(!said.contains("The file is ok"), "{said}");
    // Both lost whole, from their smallest to their largest key.
    let whole = report["lost"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["whole_file"] == true)
        .count();
    assert_eq!(whole, 2, "{report}");

    // A MANIFEST cut inside its last edit: the edit is named, RocksDB's open fails
    // like checkconsistency.
    let (_dir2, db2) = temp_db();
    bench_db(&db2);
    let manifest = manifest_of(&db2);
    let keys = count(&db2);
    let len = std::fs::metadata(&manifest).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&manifest)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    let consistent = checkconsistency_passes(&db2);
    let (out, report) = verify(&db2);
    let torn = report["damage"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["part"] == "last edit");
    assert!(torn, "{report}");
    assert_eq!(out.status.code() == Some(7), !consistent, "{report}");
    // The files it names missing were replaced by the cut edit: no keys are called lost,
    // and `ldb repair`, as advised, brings every key back.
    assert!(!consistent, "the cut edit replaced files: the open fails");
    assert_eq!(report["lost"], serde_json::json!([]), "{report}");
    assert_eq!(report["needs_backup"], false, "{report}");
    assert!(
        report["verdict"].as_str().unwrap().contains("ldb repair"),
        "{report}"
    );
    assert_eq!(repaired_count(&db2), keys);
}

#[test]
fn a_damaged_blob_record_and_a_damaged_wal_are_named() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillrandom",
            "--enable_blob_files=1",
            "--min_blob_size=0",
            "--num=3000",
            "--write_buffer_size=1048576",
            "--value_size=1000",
            "--use_existing_db=0",
        ],
    );
    let (_, sound) = verify(&db);
    assert_eq!(sound["damage"], serde_json::json!([]), "{sound}");
    assert!(sound["blob_records_checked"].as_u64().unwrap() > 0);
    let blob = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "blob"))
        .unwrap();
    let size = std::fs::metadata(&blob).unwrap().len();
    flip(&blob, size / 2);
    let (out, report) = verify(&db);
    assert_eq!(out.status.code(), Some(7), "{report}");
    let damage = report["damage"].as_array().unwrap();
    assert!(
        damage
            .iter()
            .any(|d| d["file"] == blob.file_name().unwrap().to_str().unwrap()
                && d["part"] == "record"),
        "{report}"
    );
    assert!(report["blob_records_lost"].as_u64().unwrap() >= 1);

    // A WAL damaged in its middle: the writes after it are named as not replayed at
    // the next open, as RocksDB's own recovery reports them.
    let (_dir2, db2) = temp_db();
    db_bench(
        &db2,
        &[
            "--benchmarks=fillseq",
            "--num=20000",
            "--value_size=100",
            "--write_buffer_size=67108864",
            "--use_existing_db=0",
        ],
    );
    let wal = std::fs::read_dir(&db2)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let wal_size = std::fs::metadata(&wal).unwrap().len();
    assert!(
        wal_size > 1_000_000,
        "db_bench left {wal_size} bytes of WAL"
    );
    flip(&wal, wal_size / 2);
    let (out, report) = verify(&db2);
    assert_eq!(out.status.code(), Some(7), "{report}");
    let name = wal.file_name().unwrap().to_str().unwrap();
    let named = report["damage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == name)
        .cloned();
    let named = named.unwrap_or_else(|| panic!("{report}"));
    assert_eq!(named["part"], "record", "{named}");
    assert!(
        named["reason"].as_str().unwrap().contains("not replayed"),
        "{named}"
    );
    assert!(
        report["verdict"]
            .as_str()
            .unwrap()
            .contains("drops every write after the WAL damage"),
        "{report}"
    );
    // RocksDB's own open (point-in-time recovery) stops there: ldb sees half the keys.
    let scan = Command::new("ldb")
        .arg(format!("--db={}", db2.display()))
        .arg("scan")
        .output()
        .unwrap();
    let keys = String::from_utf8_lossy(&scan.stdout).lines().count();
    assert!(
        keys > 0 && keys < 20_000,
        "ldb read {keys} keys past the damage"
    );
}

/// Tables this crate's RocksDB writes (format 6: checksums with the block's offset in
/// them), under each codec, checksum and index layout a service may choose.
#[test]
fn every_codec_checksum_and_index_layout_of_format_6_is_read() {
    let layouts: [(&str, DBCompressionType, ChecksumType, bool); 5] = [
        (
            "zstd_xxh3",
            DBCompressionType::Zstd,
            ChecksumType::XXH3,
            false,
        ),
        (
            "lz4_crc",
            DBCompressionType::Lz4,
            ChecksumType::CRC32c,
            false,
        ),
        (
            "snappy_partitioned",
            DBCompressionType::Snappy,
            ChecksumType::XXH3,
            true,
        ),
        (
            "zlib_xxh64",
            DBCompressionType::Zlib,
            ChecksumType::XXHash64,
            false,
        ),
        (
            "bz2_xxh32",
            DBCompressionType::Bz2,
            ChecksumType::XXHash,
            false,
        ),
    ];
    for (name, compression, checksum, partitioned) in layouts {
        let (_dir, db) = temp_db();
        let mut table = BlockBasedOptions::default();
        table.set_checksum_type(checksum);
        table.set_block_size(1024);
        if partitioned {
            table.set_index_type(BlockBasedIndexType::TwoLevelIndexSearch);
            table.set_metadata_block_size(512);
        }
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.set_compression_type(compression);
        opts.set_block_based_table_factory(&table);
        {
            let rdb = rocksdb::DB::open(&opts, &db).unwrap();
            for i in 0..20_000u32 {
                rdb.put(format!("key:{i:08}"), format!("value {i} ").repeat(8))
                    .unwrap();
            }
            rdb.flush().unwrap();
        }
        let (out, report) = verify(&db);
        assert!(out.status.success(), "{name}: {report}");
        assert_eq!(
            report["unchecked"],
            serde_json::json!([]),
            "{name}: {report}"
        );
        assert!(
            report["blocks_checked"].as_u64().unwrap() > 100,
            "{name}: {report}"
        );

        let file = ssts(&db)[0].clone();
        let size = std::fs::metadata(&file).unwrap().len();
        flip(&file, size / 3);
        let read_error = {
            let rdb = rocksdb::DB::open_for_read_only(&opts, &db, false).unwrap();
            let mut read = rocksdb::ReadOptions::default();
            read.set_verify_checksums(true);
            rdb.iterator_opt(rocksdb::IteratorMode::Start, read)
                .find_map(|item| item.err())
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let (out, report) = verify(&db);
        assert_eq!(out.status.code(), Some(7), "{name}: {report}");
        assert_eq!(
            report["damage"][0]["offset"].as_u64(),
            number_after(&read_error, "offset"),
            "{name}: {read_error} {report}"
        );
    }
}

/// The Keys screen's pages step over a damaged block (RocksDB's read stops at it) and
/// say which keys they could not read; the rest of the range stays browsable, both ways.
#[test]
fn a_page_steps_over_a_damaged_block_and_names_it() {
    use spear_next::inspector::source::{Anchor, Bounds, Source};
    require_tools();
    let (_dir, db) = temp_db();
    bench_db(&db);
    let sound = {
        let source = Source::open(&db, false).unwrap();
        source
            .page("default", &Bounds::default(), &Anchor::First, 1_000_000)
            .unwrap()
            .entries
    };
    let file = ssts(&db)[0].clone();
    let size = std::fs::metadata(&file).unwrap().len();
    flip(&file, size / 3);
    let scan = Command::new("ldb")
        .arg(format!("--db={}", db.display()))
        .arg("scan")
        .output()
        .unwrap();
    let error = String::from_utf8_lossy(&scan.stderr).into_owned();
    let source = Source::open(&db, false).unwrap();
    let page = source
        .page("default", &Bounds::default(), &Anchor::First, 1_000_000)
        .unwrap_or_else(|e| panic!("the page stopped at the damage: {e}"));
    assert_eq!(page.skipped.len(), 1, "{error}");
    let gap = &page.skipped[0];
    assert_eq!(Some(gap.offset), number_after(&error, "offset"), "{error}");
    assert_eq!(gap.file, file.file_name().unwrap().to_str().unwrap());
    // Every key outside the damaged block is there; those inside it are not.
    let missing: Vec<&Vec<u8>> = {
        let got: std::collections::HashSet<&Vec<u8>> =
            page.entries.iter().map(|e| &e.key).collect();
        sound
            .iter()
            .map(|e| &e.key)
            .filter(|k| !got.contains(k))
            .collect()
    };
    assert!(
        !missing.is_empty() && missing.len() < 200,
        "{} keys missing",
        missing.len()
    );
    for key in &missing {
        assert!(
            gap.after
                .as_ref()
                .is_none_or(|a| key.as_slice() > a.as_slice())
        );
        assert!(key.as_slice() <= gap.through.as_slice());
    }
    assert!(page.at_end);
    // The status line names the keys read either side of the gap.
    let (before, after) = (
        gap.readable.0.clone().unwrap(),
        gap.readable.1.clone().unwrap(),
    );
    assert!(missing.iter().all(|k| before < **k && **k < after));
    assert!(
        gap.describe()
            .starts_with("unreadable, skipped: keys after "),
        "{}",
        gap.describe()
    );
    // Backwards from past the gap, the page steps over it too.
    let past = missing.last().unwrap();
    let mut beyond = (*past).clone();
    beyond.push(0xff);
    let back = source
        .page("default", &Bounds::default(), &Anchor::Before(beyond), 500)
        .unwrap_or_else(|e| panic!("the backward page stopped at the damage: {e}"));
    assert_eq!(back.skipped.len(), 1);
    assert_eq!(back.entries.len(), 500);
    assert!(back.entries.iter().all(|e| !missing.contains(&&e.key)));
}

/// A MANIFEST damaged in its middle stops RocksDB's open (checkconsistency fails); the
/// table files are then checked from the directory, not from a replay cut short.
#[test]
fn a_manifest_damaged_in_its_middle_is_not_called_a_torn_end() {
    require_tools();
    let (_dir, db) = temp_db();
    bench_db(&db);
    let manifest = manifest_of(&db);
    let keys = count(&db);
    let len = std::fs::metadata(&manifest).unwrap().len();
    flip(&manifest, len / 2);
    let consistent = checkconsistency_passes(&db);
    assert!(!consistent);
    let (out, report) = verify(&db);
    assert_eq!(out.status.code(), Some(7), "{report}");
    let damage = report["damage"].as_array().unwrap();
    let m = damage
        .iter()
        .find(|d| d["file"].as_str().unwrap().starts_with("MANIFEST"))
        .unwrap();
    assert_eq!(m["part"], "record", "{m}");
    assert!(
        report["verdict"].as_str().unwrap().contains("cannot open"),
        "{report}"
    );
    assert_eq!(report["table_files"], ssts(&db).len(), "{report}");
    assert!(
        damage.iter().all(|d| d["part"] != "file"),
        "no table file is missing: {report}"
    );
    // Every table is sound: no backup, `ldb repair` brings every key back.
    assert_eq!(report["needs_backup"], false, "{report}");
    assert!(
        report["verdict"].as_str().unwrap().contains("ldb repair"),
        "{report}"
    );
    assert_eq!(repaired_count(&db), keys);
}
