//! The binary's subcommands: output formats, exit statuses, and one-line errors for bad
//! input that create nothing.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{FIXTURE_TEXT_KEYS, snapshot_dir, temp_db, write_fixture};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spear-inspect"));
    cmd.env("SPEAR_LOG", "off");
    cmd
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run spear-inspect")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit statuses of failures: a usage or input error, a refusal, a storage failure.
pub const USER: i32 = 2;
pub const REFUSED: i32 = 3;
pub const STORAGE: i32 = 4;

/// A failure: exit status `code`, one line on stderr that contains every `needles`, no
/// stdout.
fn assert_one_line_error(output: &Output, code: i32, needles: &[&str]) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} missing from: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_paths_fail_cleanly_and_create_nothing() {
    let (dir, path) = temp_db();
    let p = path.to_str().unwrap();
    assert_one_line_error(&run(&["count", p]), USER, &[p, "no database"]);
    assert!(!path.exists(), "reading created the directory");
    assert_one_line_error(&run(&[p]), USER, &[p, "no database"]);
    assert!(!path.exists());

    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"hello").unwrap();
    assert_one_line_error(
        &run(&["scan", file.to_str().unwrap()]),
        USER,
        &["plain-file", "is a file"],
    );

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_one_line_error(
        &run(&["stats", empty.to_str().unwrap()]),
        USER,
        &["empty", "not a RocksDB database"],
    );
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "nothing created inside"
    );
}

#[test]
fn corrupt_current_and_manifest_are_named() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    std::fs::write(path.join("CURRENT"), b"MANIFEST-999999\n").unwrap();
    // Taken before the failed open, so a file that open wrote or changed is caught.
    let before = snapshot_dir(&path);
    let output = run(&["count", p]);
    assert_one_line_error(&output, STORAGE, &[p, "corrupt", "MANIFEST-999999"]);

    let (_dir2, path2) = temp_db();
    write_fixture(&path2);
    let manifest = crate::common::manifest_of(&path2);
    std::fs::write(&manifest, b"garbage, not a manifest").unwrap();
    let before2 = snapshot_dir(&path2);
    assert_one_line_error(
        &run(&["get", path2.to_str().unwrap(), "key:0001"]),
        STORAGE,
        &[path2.to_str().unwrap(), "corrupt"],
    );
    assert_eq!(snapshot_dir(&path), before, "a failed open changes nothing");
    assert_eq!(
        snapshot_dir(&path2),
        before2,
        "a failed open changes nothing"
    );
}

#[test]
fn unknown_column_family_is_named() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let output = run(&["count", path.to_str().unwrap(), "--cf", "nope"]);
    assert_one_line_error(&output, USER, &["\"nope\"", "default, events"]);
    let output = run(&[path.to_str().unwrap(), "--cf", "nope"]);
    assert_one_line_error(&output, USER, &["\"nope\""]);
}

#[test]
fn scan_json_and_plain() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    let output = run(&["scan", p, "--json", "--limit", "3"]);
    assert!(output.status.success());
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["key"], "key:0000");
    assert_eq!(lines[1]["value"], "plain text value 1");
    assert_eq!(
        lines[2]["value_hex"], "dead0200ff",
        "bytes that are not UTF-8 come as hex"
    );
    assert!(lines[2].get("value").is_none());

    let output = run(&["scan", p, "--json", "--key-hex", "--prefix", "ff00"]);
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0]["key_hex"], "ff0062696e3a30");

    let output = run(&["scan", p, "--from", "key:0010", "--to", "key:0012"]);
    // 0xde 0xad is valid UTF-8 (U+07AD, a Thaana letter) but the value is binary: it is
    // escaped with the rest rather than shown as a letter the value never held.
    assert_eq!(
        text(&output.stdout),
        "key:0010 ==> plain text value 10\nkey:0011 ==> \\xde\\xad\\x0b\\x00\\xff\n"
    );

    let output = run(&["scan", p, "--cf", "events", "--prefix", "event:04"]);
    assert_eq!(text(&output.stdout).lines().count(), 10);

    let output = run(&["scan", p, "--key-hex", "--prefix", "zz"]);
    assert_one_line_error(&output, USER, &["--prefix", "not hex"]);
}

#[test]
fn get_and_count() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    let output = run(&["get", p, "key:0001"]);
    assert!(output.status.success());
    assert_eq!(output.stdout, b"plain text value 1\n");
    let output = run(&["get", p, "--key-hex", "ff0062696e3a33"]);
    assert_eq!(output.stdout, [[3u8; 8].as_slice(), b"\n"].concat());
    let output = run(&["get", p, "absent"]);
    assert_eq!(output.status.code(), Some(1), "absent keys exit 1");
    assert!(output.stdout.is_empty());

    let output = run(&["count", p]);
    assert_eq!(text(&output.stdout), format!("{}\n", FIXTURE_TEXT_KEYS + 8));
    let output = run(&["count", p, "--prefix", "key:00"]);
    assert_eq!(text(&output.stdout), "100\n");
    let output = run(&["count", p, "--cf", "events", "--estimate"]);
    assert_eq!(text(&output.stdout), "50\n");
    assert_one_line_error(
        &run(&["count", p, "--estimate", "--prefix", "k"]),
        USER,
        &["--estimate", "--prefix"],
    );
}

#[test]
fn stats_json_levels_match_the_sst_files() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let output = run(&["stats", path.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["access"], "read_only_snapshot");
    let cfs = stats["column_families"].as_array().unwrap();
    assert_eq!(cfs[0]["name"], "default");
    assert_eq!(cfs[0]["estimate_num_keys"], 308);
    let files: u64 = cfs
        .iter()
        .flat_map(|cf| cf["levels"].as_array().unwrap())
        .map(|l| l["files"].as_u64().unwrap())
        .sum();
    let on_disk = crate::common::sst_files(&path);
    assert_eq!(files, on_disk as u64);
    let human = run(&["stats", path.to_str().unwrap()]);
    assert!(
        text(&human.stdout).contains("[events] ~50 keys"),
        "{}",
        text(&human.stdout)
    );
}

#[test]
fn demo_creates_a_database_and_refuses_a_foreign_directory() {
    let (dir, path) = temp_db();
    let output = run(&["demo", path.to_str().unwrap(), "--no-tui"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let nodes = run(&["count", path.to_str().unwrap(), "--prefix", "node:"]);
    assert_eq!(
        text(&nodes.stdout),
        "202\n",
        "200 registered nodes and two undecodable records"
    );
    let events = run(&["count", path.to_str().unwrap(), "--cf", "events"]);
    assert_eq!(
        text(&events.stdout),
        "704\n",
        "upstream event streams and counters"
    );
    let again = run(&["demo", path.to_str().unwrap(), "--no-tui"]);
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("existing"));
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    assert_one_line_error(
        &run(&["demo", foreign.to_str().unwrap(), "--no-tui"]),
        USER,
        &["not a RocksDB database"],
    );
}

/// Reading, whatever the subcommand, leaves every byte of the directory as it was.
#[test]
fn read_only_use_leaves_the_directory_byte_identical() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    // Leave a WAL with unflushed writes too: a read-only open must not replay it to disk.
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ["default", "events"])
            .unwrap();
        db.put(b"unflushed", b"in the WAL only").unwrap();
    }
    let before = snapshot_dir(&path);
    let p = path.to_str().unwrap();
    for args in [
        vec!["scan", p, "--json"],
        vec!["count", p],
        vec!["stats", p, "--json"],
        vec!["get", p, "unflushed"],
        vec!["count", p, "--cf", "events", "--estimate"],
    ] {
        let output = run(&args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    assert_eq!(
        text(&run(&["get", p, "unflushed"]).stdout),
        "in the WAL only\n"
    );
    crate::pty::open_and_quit(Path::new(p));
    let after = snapshot_dir(&path);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file added or removed"
    );
    assert!(before == after, "every file byte-identical");
}

fn sst_bytes_on_disk(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sst"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum()
}

#[test]
fn compaction_after_a_range_delete_shrinks_the_files_and_keeps_every_live_key() {
    let (_dir, path) = temp_db();
    let p = path.to_str().unwrap();
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        opts.set_disable_auto_compactions(true);
        let db = rocksdb::DB::open(&opts, &path).unwrap();
        for i in 0..20_000u32 {
            db.put(format!("k{i:06}"), vec![(i % 251) as u8; 200])
                .unwrap();
        }
        db.flush().unwrap();
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range(b"k000000", b"k015000");
        db.write(batch).unwrap();
        db.flush().unwrap();
    }
    let live_before = text(&run(&["scan", p, "--json"]).stdout);
    assert_eq!(live_before.lines().count(), 5_000);
    let before = sst_bytes_on_disk(&path);
    let unchanged = snapshot_dir(&path);

    // Without --write: refused, nothing changed.
    let refused = run(&["compact", p]);
    assert_one_line_error(&refused, REFUSED, &["--write", "nothing was changed"]);
    assert_one_line_error(&run(&["flush", p]), REFUSED, &["--write"]);
    assert!(
        snapshot_dir(&path) == unchanged,
        "a refused compaction changed the directory"
    );

    let output = run(&["compact", p, "--write"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("compaction of the whole column family done"),
        "{}",
        text(&output.stderr)
    );
    let after = sst_bytes_on_disk(&path);
    assert!(after < before / 2, "SST bytes shrink: {before} -> {after}");
    assert_eq!(
        text(&run(&["scan", p, "--json"]).stdout),
        live_before,
        "every live key and value survives"
    );

    let flushed = run(&["flush", p, "--write"]);
    assert!(flushed.status.success(), "{}", text(&flushed.stderr));
}

#[test]
fn compaction_of_a_key_range_and_a_locked_database() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    let output = run(&[
        "compact", p, "--from", "key:0100", "--to", "key:0200", "--write", "--cf", "default",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("key range"));
    let _held =
        rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ["default", "events"]).unwrap();
    assert_one_line_error(
        &run(&["compact", p, "--write"]),
        REFUSED,
        &["locked by another process"],
    );
}

#[test]
fn nodes_and_resources_as_json_lines_with_broken_records() {
    let (_dir, path) = temp_db();
    assert!(
        run(&["demo", path.to_str().unwrap(), "--no-tui"])
            .status
            .success()
    );
    let output = run(&["nodes", path.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 202);
    let good: Vec<_> = lines.iter().filter(|l| l.get("record").is_some()).collect();
    let broken: Vec<_> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!((good.len(), broken.len()), (200, 2));
    assert!(good[0]["key"].as_str().unwrap().starts_with("node:"));
    assert!(good[0]["record"]["ip_address"].is_string());
    assert_eq!(
        broken[0]["key"],
        "node:00000000-0000-0000-0000-000000000001"
    );
    assert!(broken[0]["error"].as_str().unwrap().contains("EOF"));

    let output = run(&["resources", path.to_str().unwrap()]);
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.iter().filter(|l| l.get("record").is_some()).count(),
        191
    );
    assert_eq!(lines.iter().filter(|l| l.get("error").is_some()).count(), 1);
}

/// A damaged database under a directory named `lock` is damaged, not locked; a missing
/// SST under an existing CURRENT is damage, not "no database".
#[test]
fn errors_are_classified_by_what_rocksdb_says_not_by_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("var/lock/spear/db");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    let manifest = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("MANIFEST-")
        })
        .unwrap();
    std::fs::write(&manifest, b"garbage, not a manifest").unwrap();
    let output = run(&["count", p]);
    assert_one_line_error(&output, STORAGE, &[p, "corrupt"]);
    assert!(
        !text(&output.stderr).contains("locked"),
        "{}",
        text(&output.stderr)
    );

    let (_dir2, path2) = temp_db();
    write_fixture(&path2);
    let sst = std::fs::read_dir(&path2)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "sst"))
        .unwrap();
    std::fs::remove_file(&sst).unwrap();
    let output = run(&["count", path2.to_str().unwrap()]);
    assert_one_line_error(&output, STORAGE, &["corrupt"]);
    assert!(
        !text(&output.stderr).contains("no database"),
        "{}",
        text(&output.stderr)
    );
}

/// A key copied from `scan`'s escaped output names other bytes than the text typed, and a
/// database may hold both: the command refuses the key, giving the `--key-hex` of each
/// reading. Never a bare "not found" for a key that is there, and never the other key's
/// value (a cold trial got the value of the text key `\x00` for the one-byte key).
#[test]
fn an_escaped_key_argument_gets_the_key_hex_to_use() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    let escaped = r"\xff\x00bin:0";
    let scan = text(&run(&["scan", p]).stdout);
    assert!(
        scan.contains(escaped),
        "scan prints the key escaped: {scan}"
    );
    // Both keys exist: the bytes ff 00 "bin:0" and the text `\xff\x00bin:0`.
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ["default", "events"])
            .unwrap();
        db.put(escaped.as_bytes(), b"the text key").unwrap();
    }
    for args in [
        vec!["get", p, escaped],
        vec!["scan", p, "--prefix", escaped],
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("--key-hex ff0062696e3a30"), "{stderr}");
        assert!(
            stderr.contains("--key-hex 5c7866665c7830306269"),
            "the text's own hex: {stderr}"
        );
        assert!(!text(&output.stdout).contains("the text key"));
    }
    let found = run(&["get", p, "--key-hex", "ff0062696e3a30"]);
    assert!(found.status.success(), "{}", text(&found.stderr));
    let text_key: String = escaped.bytes().map(|b| format!("{b:02x}")).collect();
    let found = run(&["get", p, "--key-hex", &text_key]);
    assert!(text(&found.stdout).contains("the text key"));
}

/// Each run of the command line takes its own options. While `--allow-format-upgrade`
/// lived in a process-wide `OnceLock`, the first run's value held for every later one,
/// so a process that runs two commands (a tool built on the library, a test) had its
/// second, explicit `--allow-format-upgrade` ignored and the write refused.
#[test]
fn each_run_takes_its_own_allow_format_upgrade() {
    use clap::Parser;
    use spear_next::inspector::cli::{self, Cli};
    let (_dir, path) = temp_db();
    write_fixture(&path);
    // Written by a RocksDB newer than this build: a write is refused unless allowed.
    let options = crate::common::latest_options_file(&path);
    let text = std::fs::read_to_string(&options).unwrap();
    let version = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("rocksdb_version="))
        .expect("the OPTIONS file names its RocksDB version");
    std::fs::write(&options, text.replace(version, "rocksdb_version=99.1.0")).unwrap();
    let p = path.to_str().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let run_in_process = |args: &[&str]| {
        let cli = Cli::parse_from(std::iter::once("spear-inspect").chain(args.iter().copied()));
        runtime
            .block_on(cli::run(cli))
            .map(drop)
            .map_err(|e| e.to_string())
    };
    let refused = run_in_process(&["put", p, "k", "v", "--write"]);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("--allow-format-upgrade")),
        "{refused:?}"
    );
    let allowed = run_in_process(&["put", p, "k", "v", "--write", "--allow-format-upgrade"]);
    assert!(allowed.is_ok(), "{allowed:?}");
}

/// Every help text as the binary prints it, pinned: a change to the command line's shape
/// (argument groups, flattening, the order of options) must not change what the user
/// reads, and this says so if it would.
#[test]
fn help_texts_are_pinned() {
    let mut all = text(&run(&["--help"]).stdout);
    let subcommands = [
        "demo",
        "scan",
        "get",
        "count",
        "nodes",
        "resources",
        "compact",
        "flush",
        "put",
        "delete",
        "delete-range",
        "checkpoint",
        "export",
        "import",
        "migrate",
        "events",
        "diff",
        "usage",
        "keyspace",
        "tombstones",
        "lsm",
        "decoders",
        "log",
        "wal",
        "history",
        "options",
        "completions",
        "man",
        "stats",
        "stall",
        "explain",
        "writes",
        "verify",
    ];
    for sub in subcommands {
        let output = run(&[sub, "--help"]);
        assert!(output.status.success(), "{sub}");
        all.push_str(&format!("\n===== {sub} --help\n{}", text(&output.stdout)));
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("cli_help", all);
    });
}

/// An open that replays a large WAL (here 7.8's `db_bench` leaves 100 MB unflushed)
/// says so before it starts and what it read when it ends; on a terminal the line
/// between moves with the bytes read (`open_progress.rs`'s unit tests).
#[test]
fn a_long_wal_replay_says_what_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    crate::compat78::unflushed_wal_db(&db);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
        .arg("count")
        .arg(&db)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("of write-ahead log to replay"), "{err}");
    let opened = err
        .lines()
        .find(|l| l.starts_with("spear-inspect: opened: read "));
    assert!(
        opened.is_some_and(|l| l.contains("(WAL and MANIFEST: 9")),
        "{err}"
    );
    // Where the time went, from the files the open held: here nearly all of it replays
    // the WAL, and the three other phases are figures too.
    let last = err.lines().last().unwrap();
    let phases = last
        .strip_prefix("spear-inspect: the open's time: ")
        .unwrap_or_else(|| panic!("{err}"));
    let seconds = |name: &str| -> f64 {
        let rest = phases
            .split(name)
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: {err}"));
        rest.trim().split(' ').next().unwrap().parse().unwrap()
    };
    let wal = seconds("WAL replay");
    let others = seconds("MANIFEST") + seconds("table files") + seconds("the rest");
    assert!(wal > others, "{err}");
}

/// `count --estimate` says on stderr that its figure is RocksDB's estimate (stdout stays
/// the bare number for scripts); a tombstone scan of a prefix nothing starts with says
/// so instead of reporting "0 live keys" as a finding.
#[test]
fn an_estimate_and_an_empty_prefix_say_what_they_are() {
    let (_dir, db) = crate::common::temp_db();
    crate::common::write_fixture(&db);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
            .args(args)
            .output()
            .unwrap()
    };
    let db = db.display().to_string();
    let out = run(&["count", &db, "--estimate"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u64>()
            .is_ok()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("RocksDB's estimate"));
    let out = run(&["tombstones", &db, "--scan", "--prefix", "zzz"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing in column family default starts with zzz"),
        "{err}"
    );
    let out = run(&["tombstones", &db, "--scan", "--prefix", "key:"]);
    assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{out:?}");
}
