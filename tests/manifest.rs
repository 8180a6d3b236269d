//! The MANIFEST reader against RocksDB 7.8's own tools: databases are built with `ldb`
//! and `db_bench` (Debian's `rocksdb-tools`) and our replay is compared with
//! `ldb manifest_dump`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use spear_next::inspector::formats::manifest::{
    BlobFile, ManifestSummary, Tail, oldest_wal_holder, read_manifest,
};

use crate::compat78::{
    fixture_root, fresh_dir, keep_wals_across_opens, ldb, require_tools, run_tool,
};

// ---------------------------------------------------------------- fixtures

/// Column families created and dropped with ldb; each later ldb open flushes the
/// previous run's WAL, so y, z and default get SST files.
fn cf_db() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let d = fresh_dir(&fixture_root("manifest-fixtures"), "cfs");
        ldb(&d, &["--create_if_missing", "put", "a", "1"]);
        ldb(&d, &["create_column_family", "x"]);
        ldb(&d, &["create_column_family", "y"]);
        ldb(&d, &["drop_column_family", "x"]);
        ldb(&d, &["create_column_family", "z"]);
        ldb(&d, &["put", "--column_family=y", "yk", "yv"]);
        ldb(&d, &["put", "--column_family=z", "zk", "zv"]);
        ldb(&d, &["put", "b", "2"]);
        // A 40 KB key: the flush's kNewFile4 edit (smallest and largest key) spans
        // several 32 KiB blocks of every later MANIFEST.
        ldb(
            &d,
            &["put", "--column_family=z", &"K".repeat(40_000), "big"],
        );
        ldb(&d, &["put", "--column_family=y", "yk2", "yv2"]);
        d
    })
}

/// db_bench with 3 column families, tiny memtables and files: many flushes and
/// compactions, so the MANIFEST has deletions, trivial moves and spans 2 blocks.
fn bench_db() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let d = fresh_dir(&fixture_root("manifest-fixtures"), "bench");
        run_tool(
            Command::new("db_bench")
                .arg(format!("--db={}", d.display()))
                .args([
                    "--benchmarks=fillrandom",
                    "--num=100000",
                    "--num_column_families=3",
                    "--write_buffer_size=65536",
                    "--target_file_size_base=131072",
                    "--max_bytes_for_level_base=524288",
                    "--value_size=100",
                    "--compression_type=none",
                    "--statistics=0",
                    "--histogram=0",
                    "--threads=1",
                    "--seed=1",
                ]),
        );
        d
    })
}

/// `hot` has an unflushed write in an old WAL while `default` was flushed by `compact`.
fn hot_db() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let d = fresh_dir(&fixture_root("manifest-fixtures"), "hot");
        ldb(&d, &["--create_if_missing", "put", "k0", "v0"]);
        keep_wals_across_opens(&d);
        ldb(&d, &["create_column_family", "hot"]);
        ldb(&d, &["put", "--column_family=hot", "h1", "v"]);
        ldb(&d, &["put", "d1", "v"]);
        ldb(&d, &["put", "d2", "v"]);
        // Flushes (and compacts) default only; hot's memtable stays unflushed.
        ldb(&d, &["compact"]);
        d
    })
}

/// A BlobDB database (every value in blob files, small blob files) whose second run
/// overwrites a third of the keys, so older blob files hold garbage; garbage collection
/// off, as it is by default.
pub(crate) fn blob_db() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let d = fresh_dir(&fixture_root("manifest-fixtures"), "blob");
        let common = [
            "--enable_blob_files=1",
            "--min_blob_size=0",
            "--enable_blob_garbage_collection=0",
            "--value_size=400",
            "--write_buffer_size=1048576",
            "--blob_file_size=1048576",
            "--compression_type=none",
            "--statistics=0",
            "--histogram=0",
            "--threads=1",
        ];
        let run = |args: &[&str]| {
            run_tool(
                Command::new("db_bench")
                    .arg(format!("--db={}", d.display()))
                    .args(common)
                    .args(args),
            );
        };
        run(&["--benchmarks=fillrandom", "--num=20000", "--seed=1"]);
        run(&[
            "--benchmarks=overwrite",
            "--use_existing_db=1",
            "--num=8000",
            "--seed=2",
        ]);
        d
    })
}

/// The blob files `ldb manifest_dump` lists for the current version, per column family:
///
/// ```text
/// --- blob files --- version# 1 ---
/// blob_file_number: 10 total_blob_count: 2144 total_blob_bytes: 960512 checksum_method:  checksum_value:  linked_ssts: { 40 } garbage_blob_count: 1236 garbage_blob_bytes: 553728
/// ```
pub(crate) fn ldb_blob_files(dir: &Path) -> Vec<BlobFile> {
    let out = run_tool(
        Command::new("ldb")
            .arg("manifest_dump")
            .arg(format!("--path={}", current_manifest(dir).display())),
    );
    let mut cf = String::new();
    let mut files: Vec<BlobFile> = Vec::new();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("--------------- Column family \"") {
            cf = rest.split_once('"').unwrap().0.to_string();
        } else if line.starts_with("blob_file_number: ") {
            let linked = line
                .split_once("linked_ssts: {")
                .unwrap()
                .1
                .split_once('}')
                .unwrap()
                .0
                .split_whitespace()
                .count() as u64;
            let file = BlobFile {
                cf: cf.clone(),
                number: field(line, "blob_file_number:"),
                total_blob_count: field(line, "total_blob_count:"),
                total_blob_bytes: field(line, "total_blob_bytes:"),
                garbage_blob_count: field(line, "garbage_blob_count:"),
                garbage_blob_bytes: field(line, "garbage_blob_bytes:"),
                linked_ssts: linked,
            };
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

fn current_manifest(dir: &Path) -> PathBuf {
    let name = fs::read_to_string(dir.join("CURRENT")).unwrap();
    dir.join(name.trim_end())
}

fn wal_numbers(dir: &Path) -> Vec<u64> {
    let mut v: Vec<u64> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().into_string().unwrap();
            n.strip_suffix(".log")?.parse().ok()
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- manifest_dump

#[derive(Debug, Default, PartialEq, Eq)]
struct DumpCf {
    id: u32,
    name: String,
    log_number: u64,
    files: u64,
}

#[derive(Debug, Default)]
struct Dump {
    cfs: Vec<DumpCf>,
    next_file_number: u64,
    last_sequence: u64,
    min_log_number_to_keep: u64,
    /// Number of `VersionEdit {` blocks (only with `--verbose`).
    edits: u64,
    /// False when ldb printed no summary (it rejects a MANIFEST lacking the log
    /// number, next file number or last sequence, e.g. one truncated early).
    summary: bool,
}

fn field(line: &str, name: &str) -> u64 {
    let mut it = line.split_whitespace();
    while let Some(w) = it.next() {
        if w == name {
            return it.next().unwrap().parse().unwrap();
        }
    }
    panic!("no {name} in {line:?}")
}

/// Parses `ldb manifest_dump --hex [--verbose] --path=manifest`:
///
/// ```text
/// --------------- Column family "y"  (ID 2) --------------
/// log number: 0
/// comparator: leveldb.BytewiseComparator
/// --- level 0 --- version# 4 ---
///  28:1020[0 .. 0]['6431' seq:0, type:1 .. '6B30' seq:0, type:1]
/// …
/// next_file_number 15 last_sequence 0  prev_log_number 0 max_column_family 3 min_log_number_to_keep 0
/// ```
fn manifest_dump(manifest: &Path, verbose: bool) -> Dump {
    let mut cmd = Command::new("ldb");
    cmd.arg("manifest_dump")
        .arg("--hex")
        .arg(format!("--path={}", manifest.display()));
    if verbose {
        cmd.arg("--verbose");
    }
    let out = run_tool(&mut cmd);
    let mut d = Dump::default();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("--------------- Column family \"") {
            let (name, rest) = rest.split_once("\"  (ID ").unwrap();
            let id = rest.split_once(')').unwrap().0.parse().unwrap();
            d.cfs.push(DumpCf {
                id,
                name: name.to_string(),
                ..Default::default()
            });
        } else if let Some(n) = line.strip_prefix("log number: ") {
            d.cfs.last_mut().unwrap().log_number = n.parse().unwrap();
        } else if line.starts_with(' ')
            && line[1..]
                .split_once(':')
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            d.cfs.last_mut().unwrap().files += 1;
        } else if line == "VersionEdit {" {
            d.edits += 1;
        } else if line.starts_with("next_file_number ") {
            d.next_file_number = field(line, "next_file_number");
            d.last_sequence = field(line, "last_sequence");
            d.min_log_number_to_keep = field(line, "min_log_number_to_keep");
            d.summary = true;
        }
    }
    d
}

fn ours_as_dump(s: &ManifestSummary) -> Vec<DumpCf> {
    s.column_families
        .iter()
        .map(|c| DumpCf {
            id: c.id,
            name: c.name.clone(),
            log_number: c.log_number,
            files: c.live_files,
        })
        .collect()
}

/// Compares everything manifest_dump prints that the summary also has.
fn check_against_ldb(dir: &Path) -> ManifestSummary {
    let s = read_manifest(dir).unwrap();
    let manifest = current_manifest(dir);
    assert_eq!(
        s.manifest,
        manifest.file_name().unwrap().to_str().unwrap(),
        "manifest name"
    );
    let d = manifest_dump(&manifest, true);
    assert!(d.summary, "no summary line in manifest_dump output: {d:?}");
    assert_eq!(ours_as_dump(&s), d.cfs, "{}", dir.display());
    // manifest_dump prints the recorded next file number + 1 (what an open would use).
    assert_eq!(s.next_file_number.map(|n| n + 1), Some(d.next_file_number));
    assert_eq!(s.last_sequence, Some(d.last_sequence));
    assert_eq!(
        s.min_log_number_to_keep.unwrap_or(0),
        d.min_log_number_to_keep
    );
    assert_eq!(s.edits, d.edits);
    assert_eq!(s.tail, Tail::Clean);
    s
}

// ---------------------------------------------------------------- tests

#[test]
fn cf_ids_and_names_after_create_and_drop() {
    require_tools();
    let s = read_manifest(cf_db()).unwrap();
    let ours: Vec<(u32, &str)> = s
        .column_families
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    assert_eq!(ours, [(0, "default"), (2, "y"), (3, "z")]);
    let d = manifest_dump(&current_manifest(cf_db()), false);
    let theirs: Vec<(u32, &str)> = d.cfs.iter().map(|c| (c.id, c.name.as_str())).collect();
    assert_eq!(ours, theirs);
    for cf in &s.column_families {
        assert_eq!(cf.comparator.as_deref(), Some("leveldb.BytewiseComparator"));
    }
}

#[test]
fn ldb_fixture_matches_manifest_dump() {
    require_tools();
    let s = check_against_ldb(cf_db());
    // Every live cf got at least one flushed file.
    assert!(s.column_families.iter().all(|c| c.live_files > 0), "{s:?}");
}

#[test]
fn db_bench_fixture_matches_manifest_dump() {
    require_tools();
    let dir = bench_db();
    let s = check_against_ldb(dir);
    assert_eq!(s.column_families.len(), 3);
    // The MANIFEST spans more than one 32 KiB block and records compactions.
    assert!(fs::metadata(current_manifest(dir)).unwrap().len() > 32 * 1024);
    let total: u64 = s.column_families.iter().map(|c| c.live_files).sum();
    let ssts = fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sst")
        })
        .count() as u64;
    assert_eq!(total, ssts, "live files vs .sst files on disk");
}

#[test]
fn hot_fixture_matches_manifest_dump() {
    require_tools();
    check_against_ldb(hot_db());
}

#[test]
fn oldest_wal_is_held_by_the_unflushed_cf() {
    require_tools();
    let dir = hot_db();
    let s = read_manifest(dir).unwrap();
    let wals = wal_numbers(dir);
    assert!(
        wals.len() >= 2,
        "fixture should keep several WALs: {wals:?}"
    );
    let (oldest, holders) = oldest_wal_holder(&s, &wals).unwrap();
    assert_eq!(oldest, wals[0]);
    assert_eq!(holders, ["hot"], "{s:?}");
    let default = &s.column_families[0];
    assert!(
        default.log_number > oldest,
        "default was flushed: {default:?}"
    );
    // The newest WAL is needed by everyone (nothing newer was flushed).
    let newest = *wals.last().unwrap();
    let (_, all) = oldest_wal_holder(&s, &[newest]).unwrap();
    assert_eq!(all, ["default", "hot"]);
}

fn copy_truncated(src: &Path, len: usize) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let bytes = fs::read(src).unwrap();
    let file = src.file_name().unwrap();
    fs::write(d.path().join(file), &bytes[..len]).unwrap();
    fs::write(
        d.path().join("CURRENT"),
        format!("{}\n", file.to_str().unwrap()),
    )
    .unwrap();
    d
}

/// Physical records as (offset, payload length, starts a logical record), from a
/// minimal independent header walk (the MANIFEST uses legacy 7-byte headers; blocks
/// end in < 7 bytes of padding; type 1 = FULL, 2 = FIRST).
fn record_bounds(bytes: &[u8]) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 7 <= bytes.len() {
        let rest = 32768 - pos % 32768;
        if rest < 7 {
            pos += rest;
            continue;
        }
        let len = u16::from_le_bytes([bytes[pos + 4], bytes[pos + 5]]) as usize;
        out.push((pos, len, matches!(bytes[pos + 6], 1 | 2)));
        pos += 7 + len;
    }
    out
}

#[test]
fn torn_tail_keeps_the_edits_before_it() {
    require_tools();
    check_torn_tails(bench_db(), false);
    check_torn_tails(cf_db(), true);
}

/// Truncates a copy of the DB's MANIFEST at record boundaries, mid-header and
/// mid-payload, and compares with what ldb reads from the same copy.
fn check_torn_tails(db: &Path, must_span_blocks: bool) {
    let src = current_manifest(db);
    let bytes = fs::read(&src).unwrap();
    let len = bytes.len();
    let full = read_manifest(db).unwrap();
    let bounds = record_bounds(&bytes);
    // Record boundaries (clean), mid-header and mid-payload cuts (torn), in order.
    let mut cuts = vec![(0, true), (len, true)];
    let mut spans_blocks = false;
    for (i, &(start, plen, first)) in bounds.iter().enumerate() {
        // Every 17th record, and every fragment of a record spanning blocks.
        if i % 17 == 0 || !first || (i + 1 < bounds.len() && !bounds[i + 1].2) {
            spans_blocks |= !first;
            cuts.push((start, first));
            cuts.push((start + 3, false));
            cuts.push((start + 7 + plen / 2, false));
        }
    }
    assert!(
        spans_blocks || !must_span_blocks,
        "fixture should have a record spanning two blocks"
    );
    // The last logical record, and one byte short of its end.
    let last_start = bounds.iter().rev().find(|b| b.2).unwrap().0;
    cuts.push((last_start, true));
    cuts.push((len - 1, false));
    cuts.sort();
    let mut prev = 0;
    for (cut, clean) in cuts {
        let d = copy_truncated(&src, cut);
        let s = read_manifest(d.path()).unwrap();
        // ldb reads a truncated last record as a clean end of file too: same edits.
        if cut > 0 {
            let theirs = manifest_dump(&d.path().join(src.file_name().unwrap()), true);
            assert_eq!(s.edits, theirs.edits, "cut at {cut}");
            if theirs.summary {
                assert_eq!(s.last_sequence, Some(theirs.last_sequence), "cut at {cut}");
                assert_eq!(ours_as_dump(&s), theirs.cfs, "cut at {cut}");
            }
        }
        assert!(s.edits >= prev, "cut at {cut}");
        prev = s.edits;
        match &s.tail {
            Tail::Clean => assert!(clean, "cut at {cut}: Clean for a cut record"),
            Tail::Torn { offset, reason } => {
                assert!(
                    !clean,
                    "cut at {cut}: torn ({offset}, {reason}) at a boundary"
                );
                // The torn record is the last one starting before the cut.
                let expect = bounds.iter().rev().find(|b| b.0 < cut && b.2).unwrap().0;
                assert_eq!(*offset as usize, expect, "cut at {cut}: {reason}");
            }
        }
        if cut == len - 1 {
            assert_eq!(s.edits, full.edits - 1);
        }
    }
    assert_eq!(prev, full.edits);
}

#[test]
fn garbage_gives_error_or_torn_never_panics() {
    require_tools();
    let src = current_manifest(bench_db());
    let bytes = fs::read(&src).unwrap();
    let full = read_manifest(bench_db()).unwrap();
    let d = copy_truncated(&src, bytes.len());
    let m = d.path().join(src.file_name().unwrap());
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..1000 {
        let mut g = bytes.clone();
        if round % 3 == 0 {
            // Pure noise.
            g.iter_mut().for_each(|b| *b = next() as u8);
        } else {
            for _ in 0..(round % 7 + 1) {
                let i = next() as usize % g.len();
                g[i] ^= (next() as u8) | 1;
            }
        }
        fs::write(&m, &g).unwrap();
        match read_manifest(d.path()) {
            Err(_) => {}
            Ok(s) => {
                if round % 3 != 0 {
                    assert!(s.edits <= full.edits);
                    if s.edits < full.edits {
                        assert!(matches!(s.tail, Tail::Torn { .. }), "round {round}");
                    }
                }
            }
        }
    }
}

/// Every blob file of the current version with its total and garbage figures, exactly
/// as ldb's manifest_dump prints them.
#[test]
fn blob_garbage_matches_manifest_dump() {
    require_tools();
    let dir = blob_db();
    let s = check_against_ldb(dir);
    let theirs = ldb_blob_files(dir);
    assert!(
        theirs.iter().filter(|b| b.garbage_blob_bytes > 0).count() >= 3,
        "the fixture should have garbage in several blob files: {theirs:?}"
    );
    assert_eq!(s.blob_files, theirs);
}

/// `usage --json` lists every blob file with ldb's garbage figures, `usage` and
/// `stats` say how much is garbage and which setting reclaims it, `stats --json` has the
/// garbage per column family, and `options` no longer hides that blob GC is off.
#[test]
fn usage_stats_and_options_show_blob_garbage() {
    require_tools();
    let dir = blob_db();
    let path = dir.to_str().unwrap();
    let theirs = ldb_blob_files(dir);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = crate::cli::run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let text = |args: &[&str]| {
        let out = crate::cli::run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let usage = json(&["usage", path, "--json"]);
    let files: Vec<(u64, u64, u64)> = usage["blob_garbage"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["number"].as_u64().unwrap(),
                f["total_blob_bytes"].as_u64().unwrap(),
                f["garbage_blob_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(u64, u64, u64)> = theirs
        .iter()
        .map(|b| (b.number, b.total_blob_bytes, b.garbage_blob_bytes))
        .collect();
    assert_eq!(files, expected);
    let garbage: u64 = theirs.iter().map(|b| b.garbage_blob_bytes).sum();
    assert_eq!(usage["blob_garbage"]["garbage_blob_bytes"], garbage);
    assert_eq!(usage["du_bytes"], usage["total"], "{usage}");

    let stats = json(&["stats", path, "--json"]);
    let default = &stats["column_families"][0];
    assert_eq!(default["blob_garbage_bytes"], garbage, "{default}");
    assert_eq!(default["blob_garbage_collection"], false, "{default}");
    assert!(
        stats["blob_advice"]
            .as_str()
            .is_some_and(|a| a.contains("enable_blob_garbage_collection=true")),
        "{}",
        stats["blob_advice"]
    );

    let usage_text = text(&["usage", path]);
    assert!(usage_text.contains("blob garbage"), "{usage_text}");
    assert!(
        usage_text.contains("enable_blob_garbage_collection=true"),
        "{usage_text}"
    );
    let options = text(&["options", path]);
    assert!(
        options.contains("enable_blob_garbage_collection = false"),
        "{options}"
    );
}
