//! `stall`, the write-stall verdict: its LOG record against what grep finds in a LOG that
//! RocksDB 7.8's db_bench wrote while stalling, its level-0 figure against `ldb`'s, and
//! its verdict and exit status against the database's own triggers.

use std::path::Path;

use crate::cli::run;
use crate::common::temp_db;
use crate::compat78::{ldb, require_tools, stalling_db_bench};

fn stall_json(db: &Path) -> (Option<i32>, serde_json::Value) {
    let out = run(&["stall", db.to_str().unwrap(), "--json"]);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report)
}

/// Level-0 files of `default` as 7.8's `ldb manifest_dump` lists them (read from the
/// MANIFEST without opening the database: an `ldb` open would flush the WAL into one more
/// level-0 file first).
fn ldb_level0_files(db: &Path) -> u64 {
    let listing = ldb(db, &["manifest_dump"]);
    let level0 = listing
        .split("--- level 0 ---")
        .nth(1)
        .expect("a level 0 section")
        .split("--- level 1 ---")
        .next()
        .unwrap();
    // One line per file, `NUMBER:SIZE[...`; a binary key may hold a newline, so a line
    // that merely starts with a digit is not one.
    level0
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.split_once(':').is_some_and(|(number, rest)| {
                !number.is_empty()
                    && number.bytes().all(|b| b.is_ascii_digit())
                    && rest.split_once('[').is_some_and(|(size, _)| {
                        !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit())
                    })
            })
        })
        .count() as u64
}

/// A run of db_bench that stalls (level-0 triggers of 3 and 6): `stall` counts the LOG's
/// stall lines as grep does, finds the periods, reads level 0 as `ldb manifest_dump` does and judges it
/// against the triggers the OPTIONS file holds, with the exit status to match.
#[test]
fn the_verdict_agrees_with_the_log_and_ldb_on_a_stalled_run() {
    require_tools();
    let (_dir, db) = temp_db();
    stalling_db_bench(&db);
    let log = std::fs::read_to_string(db.join("LOG")).unwrap();
    let grep = |needle: &str| log.lines().filter(|l| l.contains(needle)).count() as u64;
    let (code, report) = stall_json(&db);
    let history = &report["log"];
    assert_eq!(history["stalling_lines"], grep("Stalling writes because"));
    assert_eq!(history["stopping_lines"], grep("Stopping writes because"));
    // Each line's cause as the LOG words it: slowed by level-0 files, stopped by them or
    // by memtables waiting for flush (the two need different fixes).
    let both = |first: &str, second: &str| {
        log.lines()
            .filter(|l| l.contains(first) && l.contains(second))
            .count() as u64
    };
    let by = |kind: &str, cause: &str| history[kind][cause].as_u64().unwrap_or(0);
    assert_eq!(
        by("slowed_by", "l0_files"),
        both("Stalling writes because", "level-0 files")
    );
    assert_eq!(
        by("stopped_by", "l0_files"),
        both("Stopping writes because", "level-0 files")
    );
    assert_eq!(
        by("stopped_by", "memtables"),
        both("Stopping writes because", "immutable memtables")
    );
    assert!(
        !history["periods"].as_array().unwrap().is_empty(),
        "{history}"
    );
    assert_eq!(history["shut_down_cleanly"], true);
    assert_eq!(report["held"], false);

    let default = &report["column_families"][0];
    assert_eq!(default["cf"], "default");
    let l0 = ldb_level0_files(&db);
    assert_eq!(default["readings"]["l0_files"], l0);
    let level0 = &default["conditions"][0];
    assert_eq!(
        (level0["slowdown_at"].as_u64(), level0["stop_at"].as_u64()),
        (Some(3), Some(6))
    );
    let (state, status) = match l0 {
        0..=2 => ("ok", 0),
        3..=5 => ("slowing", 5),
        _ => ("stopped", 6),
    };
    assert_eq!(default["state"], state);
    assert_eq!(code, Some(status));
}

/// Writes `flushes` level-0 files with automatic compactions off, then gives the OPTIONS
/// file the service's settings (compactions on, level-0 triggers 3 and 6): what the
/// service would meet on its next open.
fn level0_files_under_triggers(db: &Path, flushes: usize) {
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.set_disable_auto_compactions(true);
    let rocks = rocksdb::DB::open(&opts, db).unwrap();
    for i in 0..flushes {
        rocks.put(format!("k{i}"), b"v").unwrap();
        rocks.flush().unwrap();
    }
    drop(rocks);
    for path in crate::common::options_files(db) {
        let text = std::fs::read_to_string(&path).unwrap();
        let text: String = text
            .lines()
            .map(|line| match line.trim().split_once('=') {
                Some(("disable_auto_compactions", _)) => "  disable_auto_compactions=false".into(),
                Some(("level0_slowdown_writes_trigger", _)) => "  level0_slowdown_writes_trigger=3".into(),
                Some(("level0_stop_writes_trigger", _)) => "  level0_stop_writes_trigger=6".into(),
                _ => line.to_string(),
            } + "\n")
            .collect();
        std::fs::write(&path, text).unwrap();
    }
}

/// Exit 0, 5 and 6 as level 0 crosses the service's triggers, the verdict's word in the
/// first line; and a LOG whose last run has no `Shutdown complete` is named as a run that
/// was killed or crashed.
#[test]
fn the_exit_status_follows_the_triggers_and_a_missing_shutdown_is_named() {
    for (flushes, status, word) in [(2, 0, "OK"), (4, 5, "slowing"), (7, 6, "stopped")] {
        let (_dir, db) = temp_db();
        level0_files_under_triggers(&db, flushes);
        let out = run(&["stall", db.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(status), "{flushes} files: {text}");
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            format!("writes: {word}, at the next open (no process holds the database)")
        );
        assert!(
            text.contains(&format!(
                "level-0 files {flushes} (slowed at 3, stopped at 6)"
            )),
            "{text}"
        );
        assert!(text.contains("ended with `Shutdown complete`"), "{text}");
        if flushes == 7 {
            // The same LOG cut before its shutdown lines: the run never said it ended.
            let log = std::fs::read_to_string(db.join("LOG")).unwrap();
            let cut = log
                .find("Shutdown")
                .map_or(log.as_str(), |at| &log[..log[..at].rfind('\n').unwrap()]);
            std::fs::write(db.join("LOG"), cut).unwrap();
            let out = run(&["stall", db.to_str().unwrap()]);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("no `Shutdown complete` line"), "{text}");
            // Without an OPTIONS file the limits are RocksDB's defaults, and it says so.
            for path in crate::common::options_files(&db) {
                std::fs::remove_file(path).unwrap();
            }
            let out = run(&["stall", db.to_str().unwrap()]);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("\nlimits: RocksDB's defaults"), "{text}");
            assert!(text.contains("(slowed at 20, stopped at 36)"), "{text}");
        }
    }
}

/// Level 0 filled by one prefix's writes: the verdict names the prefix with its files,
/// and a file whose keys span prefixes apart; the counts add up to level 0's.
#[test]
fn the_prefixes_filling_level_0_are_named() {
    let (_dir, db) = temp_db();
    let mut options = rocksdb::Options::default();
    options.create_if_missing(true);
    options.set_disable_auto_compactions(true);
    {
        let rocks = rocksdb::DB::open(&options, &db).unwrap();
        for batch in 0..5 {
            for i in 0..100 {
                rocks.put(format!("events:{batch}:{i:03}"), b"e").unwrap();
            }
            rocks.flush().unwrap();
        }
        rocks.put(b"node:1", b"n").unwrap();
        rocks.put(b"resource:1", b"r").unwrap();
        rocks.flush().unwrap();
    }
    let (_, report) = stall_json(&db);
    let cf = &report["column_families"][0];
    assert_eq!(cf["readings"]["l0_files"], 6);
    assert_eq!(
        cf["l0_by_prefix"],
        serde_json::json!([["events:", 5], ["(several prefixes)", 1]])
    );
    let text = String::from_utf8(run(&["stall", db.to_str().unwrap()]).stdout).unwrap();
    assert!(
        text.contains("level-0 files by the prefix of their keys: events: 5, (several prefixes) 1"),
        "{text}"
    );
}
