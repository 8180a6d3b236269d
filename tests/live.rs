//! Reading a database while another process holds it open and keeps writing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cli::run;
use crate::common::{is_child, rerun_self, temp_db};

/// The writer: holds the database read-write and writes `live:NNNNNN` keys until the
/// stop file appears (or 60 s pass). Started by `reads_follow_a_live_writer`.
#[test]
#[ignore = "run by reads_follow_a_live_writer in its own process"]
fn live_writer_child() {
    if !is_child() {
        return;
    }
    let db_path = PathBuf::from(std::env::var_os("SPEAR_LIVE_DB").unwrap());
    let ready = db_path.with_extension("ready");
    let stop = db_path.with_extension("stop");
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    let db = rocksdb::DB::open(&opts, &db_path).unwrap();
    db.put(b"live:000000", b"first").unwrap();
    std::fs::write(&ready, b"").unwrap();
    let started = Instant::now();
    let mut n = 1u32;
    while !stop.exists() && started.elapsed() < Duration::from_secs(60) {
        db.put(format!("live:{n:06}"), b"more").unwrap();
        if n.is_multiple_of(50) {
            db.flush().unwrap(); // new SSTs too, not only the WAL
        }
        n += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Starts `live_writer_child` on `path` in its own process and waits until it has
/// written its first key; the handle yields its output once it stops.
fn start_live_writer(path: &std::path::Path) -> std::thread::JoinHandle<std::process::Output> {
    let child = {
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            rerun_self("live::live_writer_child", &[("SPEAR_LIVE_DB", &path)])
        })
    };
    let ready = path.with_extension("ready");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "the writer never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn reads_follow_a_live_writer() {
    let (_dir, path) = temp_db();
    let child = start_live_writer(&path);
    let p = path.to_str().unwrap();
    let count = |args: &[&str]| -> u64 {
        let output = run(args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap()
    };
    let first = count(&["count", p, "--prefix", "live:"]);
    std::thread::sleep(Duration::from_millis(500));
    let second = count(&["count", p, "--prefix", "live:"]);
    assert!(
        first >= 1 && second > first,
        "new writes appear: {first} then {second}"
    );

    let stats = run(&["stats", p, "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["access"], "live_secondary");

    // The TUI says so, and a refresh brings in writes made after it opened.
    let mut s = crate::pty::Session::start(&[p, "--refresh", "0.2"], &[]);
    s.wait_for("live (secondary)");
    s.wait_for("live:000000");
    s.send("c");
    // The exact count is of its moment, and says so; the writer goes on, so it goes
    // stale at a later refresh.
    s.wait_for(" keys at ");
    s.wait_for(", stale: c recounts");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);

    std::fs::write(path.with_extension("stop"), b"").unwrap();
    let output = child.join().unwrap();
    assert!(
        output.status.success(),
        "writer: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The writer's own view is intact after all that reading.
    let last = run(&["count", p, "--prefix", "live:"]);
    assert!(
        String::from_utf8_lossy(&last.stdout)
            .trim()
            .parse::<u64>()
            .unwrap()
            > second
    );
}

/// Issue 18, item 5: a secondary instance's key estimate tracks the database. RocksDB's
/// `rocksdb.estimate-num-keys` on a secondary counts again what each catch-up replays,
/// so it grew with every refresh (2,090,867 shown against 497,564 keys); the estimate
/// must stay near the exact count however many catch-ups there were.
#[test]
fn a_secondarys_estimate_tracks_the_database() {
    use spear_next::inspector::source::{Access, Bounds, Source};
    let (_dir, path) = temp_db();
    let child = start_live_writer(&path);
    let source = Source::open(&path, false).unwrap();
    assert_eq!(source.access(), Access::LiveSecondary);
    // Many refreshes while the writer writes and flushes.
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(50));
        source.catch_up().unwrap();
    }
    std::fs::write(path.with_extension("stop"), b"").unwrap();
    let output = child.join().unwrap();
    assert!(output.status.success());
    // The writer has stopped: one more catch-up sees all it wrote.
    source.catch_up().unwrap();
    let estimate = source.estimate_keys("default").unwrap();
    let mut exact = 0u64;
    source
        .for_each("default", &Bounds::default(), None, |_, _| {
            exact += 1;
            true
        })
        .unwrap();
    assert!(exact > 200, "the writer wrote {exact} keys");
    assert!(
        estimate.abs_diff(exact) <= exact / 4,
        "estimate {estimate} for {exact} keys"
    );
}
