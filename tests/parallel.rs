//! Walks on every core answer exactly as one walk does: counts, "contains" counts and the
//! exact key-space breakdown on column families, range deletions, unflushed memtables,
//! merge operands written by RocksDB 7.8's `db_bench`, and a live insert-only writer;
//! walk threads run lowered (read back from /proc) and under `--io-limit`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{db_bench, ldb, require_tools};

/// Many overlapping L0 files, deeper levels, range deletions, point deletions, and keys
/// still in the memtable (the WAL), in two column families, keys under a few prefixes.
fn write_layered(path: &Path) {
    use rand::{Rng, SeedableRng};
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    opts.set_disable_auto_compactions(true);
    let db = rocksdb::DB::open_cf(&opts, path, ["default", "other"]).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    for cf_name in ["default", "other"] {
        let cf = db.cf_handle(cf_name).unwrap();
        for round in 0..6 {
            for _ in 0..4000 {
                let prefix = ["node:", "res:", "events:", "x"][rng.gen_range(0..4)];
                let key = format!("{prefix}{:08}", rng.gen_range(0..200_000));
                let value = vec![b'v'; rng.gen_range(0..300)];
                db.put_cf(&cf, key, value).unwrap();
            }
            if round == 2 {
                db.compact_range_cf::<&[u8], &[u8]>(&cf, None, None);
            }
            let from = format!("res:{:08}", round * 20_000);
            let to = format!("res:{:08}", round * 20_000 + 5_000);
            db.delete_range_cf(&cf, from, to).unwrap();
            for i in 0..200 {
                db.delete_cf(&cf, format!("node:{:08}", round * 1000 + i))
                    .unwrap();
            }
            if round < 5 {
                db.flush_cf(&cf).unwrap();
            }
        }
    }
}

/// `spear-inspect ARGS --threads N`: its stdout; it must succeed.
fn with_threads(threads: &str, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--threads", threads]);
    let output = run(&all);
    assert!(
        output.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Every walk the command line runs in parallel, one thread against four (16 parts on
/// however many cores): the same answer.
fn assert_parallel_equals_single(db: &Path, cf: &str) -> u64 {
    let p = db.to_str().unwrap();
    let count = with_threads("1", &["count", p, "--cf", cf]);
    assert_eq!(
        count,
        with_threads("4", &["count", p, "--cf", cf]),
        "count of {cf}"
    );
    for prefix in ["node:", "res:", "x"] {
        let args = ["count", p, "--cf", cf, "--prefix", prefix];
        assert_eq!(
            with_threads("1", &args),
            with_threads("4", &args),
            "{prefix}"
        );
    }
    let args = ["keyspace", p, "--cf", cf, "--exact", "--json"];
    let single = with_threads("1", &args);
    assert_eq!(single, with_threads("4", &args), "exact breakdown of {cf}");
    let breakdown: serde_json::Value = serde_json::from_str(&single).unwrap();
    assert!(
        breakdown["rows"].as_array().unwrap().len() >= 3,
        "{breakdown}"
    );
    // Export: read on every core, written in key order.
    let args = ["export", p, "--cf", cf];
    let single = with_threads("1", &args);
    assert_eq!(single, with_threads("4", &args), "export of {cf}");
    assert_eq!(
        single.lines().count() as u64,
        count.trim().parse::<u64>().unwrap()
    );
    // The tombstones' skip scan: its stretches that cross a cut are made whole again.
    let args = ["tombstones", p, "--cf", cf, "--scan", "--json"];
    let single = with_threads("1", &args);
    assert_eq!(single, with_threads("4", &args), "skip scan of {cf}");
    count.trim().parse().unwrap()
}

#[test]
fn parallel_walks_equal_one_walk_on_families_range_deletions_and_memtables() {
    let (_dir, db) = temp_db();
    write_layered(&db);
    for cf in ["default", "other"] {
        let count = assert_parallel_equals_single(&db, cf);
        assert!(count > 10_000, "{cf}: {count}");
    }
    // The point deletions are seen (what the skip scan's equality is worth).
    let scan = with_threads(
        "4",
        &["tombstones", db.to_str().unwrap(), "--scan", "--json"],
    );
    let scan: serde_json::Value = serde_json::from_str(&scan).unwrap();
    assert!(
        scan["scan"]["deletes_skipped"].as_u64().unwrap() > 100,
        "{scan}"
    );
}

#[test]
fn parallel_walks_equal_one_walk_and_ldb_on_78_merge_operands() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=mergerandom",
            "--merge_operator=uint64add",
            "--num=30000",
            "--value_size=8",
            "--write_buffer_size=65536",
            "--use_existing_db=0",
        ],
    );
    let count = assert_parallel_equals_single(&db, "default");
    let reference = ldb(&db, &["scan", "--hex"]).lines().count() as u64;
    assert_eq!(count, reference, "ldb scan's count");
}

/// Writes `w:NNNNNNNN` keys without end (flushing now and then) until its stop file
/// appears. Started by `a_parallel_count_of_a_live_writer_lands_between_two_single_counts`.
#[test]
#[ignore = "run by a_parallel_count_of_a_live_writer_lands_between_two_single_counts"]
fn insert_only_writer_child() {
    if !crate::common::is_child() {
        return;
    }
    let path = PathBuf::from(std::env::var_os("SPEAR_WRITE_DB").unwrap());
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.set_write_buffer_size(256 * 1024);
    let db = rocksdb::DB::open(&opts, &path).unwrap();
    let started = Instant::now();
    let mut i = 0u64;
    while !path.with_extension("stop").exists() && started.elapsed() < Duration::from_secs(120) {
        for _ in 0..100 {
            db.put(format!("w:{i:08}"), [b'v'; 64]).unwrap();
            i += 1;
        }
        if i == 20_000 {
            std::fs::write(path.with_extension("ready"), b"").unwrap();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_parallel_count_of_a_live_writer_lands_between_two_single_counts() {
    let (_dir, db) = temp_db();
    let mut writer = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "parallel::insert_only_writer_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SPEAR_TEST_CHILD", "1")
        .env("SPEAR_WRITE_DB", &db)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !db.with_extension("ready").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let p = db.to_str().unwrap();
    let mut counts = Vec::new();
    for _ in 0..3 {
        let before: u64 = with_threads("1", &["count", p]).trim().parse().unwrap();
        let parallel: u64 = with_threads("4", &["count", p]).trim().parse().unwrap();
        let after: u64 = with_threads("1", &["count", p]).trim().parse().unwrap();
        counts.push((before, parallel, after));
    }
    std::fs::write(db.with_extension("stop"), b"").unwrap();
    let status = writer.wait().unwrap();
    assert!(
        db.with_extension("ready").exists(),
        "the writer never started"
    );
    assert!(status.success(), "the writer failed");
    for (before, parallel, after) in &counts {
        assert!(before <= parallel && parallel <= after, "{counts:?}");
    }
    assert!(
        counts[0].0 < counts[2].2,
        "the writer was writing: {counts:?}"
    );
}

/// Reads a thread's nice value from /proc (field 19 of its stat).
fn nice_of(stat: &str) -> i32 {
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(16).unwrap().parse().unwrap()
}

#[test]
fn walk_threads_run_at_nice_10_and_idle_io_while_the_caller_keeps_its_priority() {
    use spear_next::inspector::source::{Bounds, Source, Watch, yielding};
    let (_dir, db) = temp_db();
    write_layered(&db);
    let source = Source::open(&db, false).unwrap();
    // The bounds are cut into parts of about equal size (not one part per file start:
    // the L0 files overlap), covering them whole.
    let parts = source.split("default", &Bounds::default(), 8).unwrap();
    assert!(parts.len() >= 6, "{} parts: {parts:?}", parts.len());
    assert_eq!(parts[0].lower, None);
    assert_eq!(parts.last().unwrap().upper, None);
    assert!(parts.windows(2).all(|w| w[0].upper == w[1].lower));
    let seen = std::sync::Mutex::new(Vec::new());
    let walked = source
        .walk_parallel(
            "default",
            &Bounds::default(),
            || {
                let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
                seen.lock()
                    .unwrap()
                    .push((nice_of(&stat), yielding::this_thread_io_is_idle()));
            },
            |_, _, _| {},
            Watch {
                progress: &mut |_| {},
                cancelled: &|| false,
            },
        )
        .unwrap()
        .expect("not cancelled");
    assert!(!walked.parts.is_empty());
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), walked.parts.len());
    for (nice, idle) in seen {
        assert_eq!(
            nice,
            yielding::WALK_NICE.max(nice_of(
                &std::fs::read_to_string("/proc/thread-self/stat").unwrap()
            ))
        );
        assert!(idle, "a walk thread is in the idle I/O class");
    }
    let me = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    assert_eq!(nice_of(&me), 0, "the caller's thread was not lowered");
    assert!(!yielding::this_thread_io_is_idle());
}

#[test]
fn io_limit_holds_a_walk_to_its_rate() {
    let (_dir, db) = temp_db();
    write_layered(&db);
    let p = db.to_str().unwrap();
    // Key and value bytes the count reads: the exact breakdown's logical bytes.
    let breakdown: serde_json::Value =
        serde_json::from_str(&with_threads("1", &["keyspace", p, "--exact", "--json"])).unwrap();
    let mut bytes = breakdown["ungrouped"]["logical_bytes"]
        .as_u64()
        .unwrap_or(0);
    for row in breakdown["rows"].as_array().unwrap() {
        bytes += row["logical_bytes"].as_u64().unwrap();
    }
    assert!(bytes > 2_000_000, "{bytes}");
    // 1 MB/s: the walk must take at least its bytes' worth of seconds, less the slack a
    // walk may run ahead.
    let started = Instant::now();
    let limited = with_threads("2", &["count", p, "--io-limit", "1"]);
    let took = started.elapsed().as_secs_f64();
    assert_eq!(limited, with_threads("2", &["count", p]));
    let rate = bytes as f64 / took;
    assert!(
        rate <= 1_000_000.0 * 1.1,
        "{bytes} bytes in {took:.2} s = {rate:.0} B/s, over --io-limit 1 MB/s"
    );
}

#[test]
fn overlapping_l0_files_beyond_the_open_file_limit_are_refused_with_the_numbers() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillrandom",
            "--num=200000",
            "--value_size=100",
            "--write_buffer_size=65536",
            "--disable_auto_compactions=1",
            "--level0_slowdown_writes_trigger=100000",
            "--level0_stop_writes_trigger=100000",
            "--level0_file_num_compaction_trigger=100000",
            "--compression_type=none",
            "--use_existing_db=0",
        ],
    );
    let l0 = crate::common::sst_files(&db);
    assert!(l0 > 300, "{l0} L0 files");
    let p = db.to_str().unwrap();
    let output = crate::host::run_with_fd_limit(256, &["count", p]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let files = format!("{l0} overlapping L0 files");
    for needle in [
        files.as_str(),
        "only 256 files",
        "hard limit 256",
        "ulimit -n 1024",
    ] {
        assert!(stderr.contains(needle), "{needle:?} missing from: {stderr}");
    }
    assert!(output.stdout.is_empty());
    // What reads no keys still works under that limit: the numbers that show the pile-up.
    let stats = crate::host::run_with_fd_limit(256, &["stats", p]);
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    let stats = String::from_utf8_lossy(&stats.stdout);
    assert!(stats.contains(&format!("L0: {l0} files")), "{stats}");
    // Under a limit that fits them all, the count is ldb's.
    let output = crate::host::run_with_fd_limit(4096, &["count", p]);
    assert!(output.status.success());
    let reference = ldb(&db, &["scan", "--hex"]).lines().count();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        reference.to_string()
    );
}

/// A command's walk yields, the rest of it does not: `export`'s walk thread
/// (`spear-walk`) runs at nice 10 while its other threads (the open, the runtime) keep
/// the caller's priority, so an open racing a busy writer is not slowed; read back from
/// /proc while it is blocked on a full pipe. `--normal-priority` leaves the walk at the
/// caller's too.
#[test]
fn a_commands_walk_thread_runs_lowered_unless_normal_priority() {
    use std::io::Read;
    let (_dir, db) = temp_db();
    write_layered(&db);
    let caller = nice_of(&std::fs::read_to_string("/proc/thread-self/stat").unwrap());
    let lowered = spear_next::inspector::source::yielding::WALK_NICE.max(caller);
    for (flags, walk_nice) in [(&[][..], lowered), (&["--normal-priority"][..], caller)] {
        let mut child = crate::cli::bin()
            .args(["export", db.to_str().unwrap()])
            .args(flags)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let tasks = format!("/proc/{}/task", child.id());
        // (name, nice) of every thread, once the walk thread exists (it then blocks on
        // the pipe nobody reads yet).
        let threads = || -> Vec<(String, i32)> {
            std::fs::read_dir(&tasks)
                .map(|d| {
                    d.filter_map(|t| {
                        let t = t.ok()?.path();
                        let name = std::fs::read_to_string(t.join("comm")).ok()?;
                        let stat = std::fs::read_to_string(t.join("stat")).ok()?;
                        Some((name.trim().to_string(), nice_of(&stat)))
                    })
                    .collect()
                })
                .unwrap_or_default()
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = threads();
        while !seen.iter().any(|(name, _)| name == "spear-walk") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            seen = threads();
        }
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        assert!(child.wait().unwrap().success());
        assert!(out.len() > 1 << 20, "{} bytes", out.len());
        let walk: Vec<i32> = seen
            .iter()
            .filter(|(n, _)| n == "spear-walk")
            .map(|t| t.1)
            .collect();
        // The walk thread and the threads it reads with (which inherit its name).
        assert!(
            !walk.is_empty() && walk.iter().all(|&n| n == walk_nice),
            "{flags:?}: {seen:?}"
        );
        assert!(
            seen.iter()
                .filter(|(n, _)| n != "spear-walk")
                .all(|t| t.1 == caller),
            "{flags:?}: {seen:?}"
        );
    }
}

/// The skip scan over `db_bench`'s random deletions (point tombstones in several SST
/// files and the memtable): every cut's stretch made whole, the same report on one
/// thread and on four.
#[test]
fn the_skip_scan_on_four_threads_equals_one_on_78_deletions() {
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillrandom,deleterandom",
            "--num=100000",
            "--value_size=50",
            "--write_buffer_size=1048576",
            "--use_existing_db=0",
        ],
    );
    let p = db.to_str().unwrap();
    let args = ["tombstones", p, "--scan", "--json"];
    let single = with_threads("1", &args);
    assert_eq!(single, with_threads("4", &args));
    let scan: serde_json::Value = serde_json::from_str(&single).unwrap();
    assert!(
        scan["scan"]["deletes_skipped"].as_u64().unwrap() > 1000,
        "{scan}"
    );
    assert_eq!(
        scan["scan"]["live_keys"].as_u64().unwrap(),
        ldb(&db, &["scan", "--hex"]).lines().count() as u64
    );
}

/// A layered database and a changed copy of it (values changed, a range deleted, keys
/// before and after every other, deletions in a second column family).
fn layered_and_changed_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, a_path) = temp_db();
    write_layered(&a_path);
    let b_path = a_path.with_file_name("copy");
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &a_path, ["default", "other"])
            .unwrap();
        rocksdb::checkpoint::Checkpoint::new(&db)
            .unwrap()
            .create_checkpoint(&b_path)
            .unwrap();
    }
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &b_path, ["default", "other"])
            .unwrap();
        for i in 0..3000 {
            db.put(format!("events:{:08}", i * 61), b"changed").unwrap();
        }
        let default = db.cf_handle("default").unwrap();
        db.delete_range_cf(&default, b"node:00050000", b"node:00090000")
            .unwrap();
        db.put(b"\x00before-everything", b"new").unwrap();
        db.put(b"\xffafter-everything", b"new").unwrap();
        let other = db.cf_handle("other").unwrap();
        for i in 0..500 {
            db.delete_cf(&other, format!("x{:08}", i * 400)).unwrap();
        }
    }
    (dir, a_path, b_path)
}

/// The Diff screen's comparison on four threads equals the one walk of each column
/// family: the layered database against a copy with puts, deletes, a range deletion and
/// keys the original never had (before its first key and after its last), in both
/// directions.
#[test]
fn the_diff_on_four_threads_equals_one_walk() {
    use spear_next::inspector::analysis::diff::browse::compare_sources;
    use spear_next::inspector::analysis::diff::diff_cf;
    use spear_next::inspector::source::{Bounds, Source};
    let (_dir, a_path, b_path) = layered_and_changed_copy();
    let a = Source::open(&a_path, false).unwrap();
    let b = Source::open(&b_path, false).unwrap();
    for (left, right) in [(&a, &b), (&b, &a)] {
        let one = compare_sources(left, right, 1, &|| false, &mut |_| {})
            .unwrap()
            .unwrap();
        let four = compare_sources(left, right, 4, &|| false, &mut |_| {})
            .unwrap()
            .unwrap();
        assert_eq!(one, four);
        assert!(one.total() > 3000, "the copy differs: {:?}", one.per_cf);
        // And both equal the plain walk of each column family.
        for (cf, counts) in &one.per_cf {
            let walked = diff_cf(left, right, cf, &Bounds::default(), &|| false, &mut |_| {})
                .unwrap()
                .unwrap();
            assert_eq!(&walked, counts, "{cf}");
        }
    }
}

/// `diff` on every core writes exactly what one walk writes, in key order, as text and
/// as JSON, both ways round, and a prefix's part of it; `--threads 1` is the one walk.
#[test]
fn the_diff_command_on_every_core_writes_what_one_walk_writes() {
    let (_dir, a, b) = layered_and_changed_copy();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for args in [
        vec!["diff", a, b],
        vec!["diff", b, a, "--json"],
        vec!["diff", a, b, "--prefix", "events:"],
    ] {
        let one = crate::cli::run(&[&args[..], &["--threads", "1"]].concat());
        let all = crate::cli::run(&[&args[..], &["--threads", "4"]].concat());
        assert_eq!(one.status.code(), Some(1), "{args:?} differ");
        assert_eq!(all.status.code(), Some(1), "{args:?} differ");
        assert!(
            one.stdout.len() > 3000 * 20,
            "{args:?}: {} bytes",
            one.stdout.len()
        );
        assert!(one.stdout == all.stdout, "{args:?}: the outputs differ");
        assert_eq!(
            String::from_utf8_lossy(&one.stderr),
            String::from_utf8_lossy(&all.stderr),
            "{args:?}"
        );
    }
}

/// The Keys screen's "contains" filter on every core: the matches reach the screen in key
/// order, the first `cap` of them, and the counts of keys read and matched are every
/// key's, as one walk over the same view finds them (column families, range deletions,
/// memtables); the range really is cut into parts.
#[tokio::test(flavor = "multi_thread")]
async fn the_filter_on_every_core_streams_what_one_walk_finds() {
    use spear_next::inspector::source::{Bounds, Source};
    use spear_next::inspector::worker::{self, Job};
    use std::sync::Arc;
    let (_dir, db) = temp_db();
    write_layered(&db);
    let source = Arc::new(Source::open(&db, false).unwrap());
    assert!(
        spear_next::inspector::source::walk_threads() > 1,
        "the test machine has more than one core"
    );
    for cf in ["default", "other"] {
        assert!(source.split(cf, &Bounds::default(), 8).unwrap().len() > 1);
    }
    let (handle, mut events) = worker::spawn(Arc::clone(&source));
    let mut id = 0;
    for (cf, needle, cap) in [
        ("default", &b"events:"[..], 100_000),
        ("default", b"events:", 37),
        ("default", b"0001", 500),
        ("other", b"res:", 100_000),
        ("other", b"no such text", 10),
    ] {
        // One walk of the same view: every key of the column family, in order.
        let mut all = Vec::new();
        source
            .for_each(cf, &Bounds::default(), None, |k, v| {
                all.push((k.to_vec(), v.len()));
                true
            })
            .unwrap();
        let finder = memchr::memmem::Finder::new(needle);
        let expected: Vec<_> = all
            .iter()
            .filter(|(k, _)| finder.find(k).is_some())
            .cloned()
            .collect();
        id += 1;
        let job = Job::Filter {
            test: spear_next::inspector::worker::FilterTest::Contains(needle.to_vec()),
            cap,
        };
        handle.send(crate::worker::run(id, cf, job));
        let mut matches = Vec::new();
        let (scanned, matched) = crate::worker::filter_matches(&mut events, id, &mut matches).await;
        assert_eq!(scanned, all.len() as u64, "{cf} {needle:?}");
        assert_eq!(matched, expected.len() as u64, "{cf} {needle:?}");
        let shown: Vec<_> = matches
            .iter()
            .map(|e| (e.key.clone(), e.value_len))
            .collect();
        let first: Vec<_> = expected.iter().take(cap).cloned().collect();
        assert!(shown == first, "{cf} {needle:?}: the matches differ");
    }
}
