//! Running on a production host: the open-file limit, signals, `--version`, argument
//! ranges, completions and the man page, all through the real binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::run;
use crate::common::temp_db;

/// Writes a database of at least `files` small SST files, compacted into non-overlapping
/// levels as a large production database is (a full scan then needs one file of each level
/// open at a time, not all of them), and closes it. Returns the number of keys.
fn write_many_ssts(path: &Path, files: usize) -> usize {
    use rand::RngCore;
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.set_compression_type(rocksdb::DBCompressionType::None);
    // Sequential keys: every flush makes one small file that no other file overlaps, and
    // compaction moves them down the levels without merging them.
    opts.set_write_buffer_size(64 * 1024);
    opts.set_target_file_size_base(64 * 1024);
    let db = rocksdb::DB::open(&opts, path).unwrap();
    let mut rng = rand::thread_rng();
    let mut value = vec![0u8; 1000];
    // About 90 values per 64 KiB memtable.
    let keys = files * 100;
    for i in 0..keys {
        rng.fill_bytes(&mut value);
        db.put(format!("k:{i:06}"), &value).unwrap();
    }
    db.compact_range::<&[u8], &[u8]>(None, None);
    drop(db);
    let ssts = crate::common::sst_files(path);
    assert!(ssts >= files, "{ssts} SST files, wanted at least {files}");
    keys
}

/// `spear-inspect ARGS` from a shell that first lowers both open-file limits to `limit`,
/// so raising the soft limit to the hard one cannot help.
pub(crate) fn run_with_fd_limit(limit: u32, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_spear-inspect"))
        .args(args)
        .env("SPEAR_LOG", "off")
        .output()
        .unwrap()
}

#[test]
fn more_ssts_than_the_open_file_limit_open_read_only() {
    let (_dir, path) = temp_db();
    let keys = write_many_ssts(&path, 300);
    let p = path.to_str().unwrap();
    let output = run_with_fd_limit(128, &["count", p]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        keys.to_string()
    );
    let from = format!("k:{:06}", keys - 10);
    let output = run_with_fd_limit(128, &["scan", p, "--from", &from]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 10);
}

/// Holds a database read-write until its stop file appears. Started by
/// `a_live_view_over_the_limit_names_the_ulimit_to_use`.
#[test]
#[ignore = "run by a_live_view_over_the_limit_names_the_ulimit_to_use in its own process"]
fn holder_child() {
    if !crate::common::is_child() {
        return;
    }
    let path = PathBuf::from(std::env::var_os("SPEAR_HOLD_DB").unwrap());
    let db = rocksdb::DB::open_default(&path).unwrap();
    std::fs::write(path.with_extension("ready"), b"").unwrap();
    let started = Instant::now();
    while !path.with_extension("stop").exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(db);
}

/// Starts [`holder_child`] on `path` in another process and waits until it holds the
/// database; write its stop file (`path.with_extension("stop")`) to end it.
fn hold(path: &std::path::Path) -> std::process::Child {
    let holder = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "host::holder_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SPEAR_TEST_CHILD", "1")
        .env("SPEAR_HOLD_DB", path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.with_extension("ready").exists() {
        assert!(
            Instant::now() < deadline,
            "the holder never opened the database"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    holder
}

#[test]
fn a_live_view_over_the_limit_names_the_ulimit_to_use() {
    let (_dir, path) = temp_db();
    write_many_ssts(&path, 300);
    let table_files = crate::common::sst_files(&path);
    let mut holder = hold(&path);
    let output = run_with_fd_limit(128, &["count", path.to_str().unwrap()]);
    std::fs::write(path.with_extension("stop"), b"").unwrap();
    holder.wait().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let count = format!("{table_files} SST/blob files");
    for needle in [count.as_str(), "only 128 files", "ulimit -n 1024"] {
        assert!(stderr.contains(needle), "{needle:?} missing from: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn version_names_the_crate_rocksdb_and_its_codecs() {
    let output = run(&["--version"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with(&format!("spear-inspect {}\n", env!("CARGO_PKG_VERSION"))));
    assert!(text.contains("RocksDB 10."), "{text}");
    for codec in ["snappy", "lz4", "zstd", "zlib", "bzip2"] {
        assert!(text.contains(codec), "{codec} missing from: {text}");
    }
}

#[test]
fn a_missing_path_says_it_does_not_exist() {
    let (_dir, path) = temp_db();
    let output = run(&["count", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains("create_if_missing"), "{stderr}");
}

#[test]
fn numeric_arguments_out_of_range_are_refused_without_a_panic() {
    let (_dir, path) = temp_db();
    crate::common::write_fixture(&path);
    let p = path.to_str().unwrap();
    for args in [
        vec![p, "--refresh", "1e20"],
        vec![p, "--refresh", "0"],
        vec![p, "--refresh=-1"],
        vec![p, "--refresh", "NaN"],
        vec![p, "--refresh", "inf"],
        vec![p, "--stale-after", "0"],
        vec![p, "--stale-after", "18446744073709551615"],
        vec!["import", p, "--batch-size", "0", "--write"],
        vec![
            "migrate",
            "--from",
            "memory:",
            "--to",
            "memory:",
            "--batch-size",
            "99999999999",
        ],
    ] {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            ["out of range", "not a number", "is not in"]
                .iter()
                .any(|n| stderr.contains(n)),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let output = run(&["completions", shell]);
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(
            script.contains("delete-range") && script.contains("key-hex"),
            "{shell}"
        );
    }
    let output = run(&["man"]);
    assert!(output.status.success());
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH spear-inspect"),
        "{page}"
    );
    assert!(page.contains("checkpoint"));
}

#[test]
fn sigterm_restores_the_terminal_and_exits_non_zero() {
    let (_dir, path) = temp_db();
    crate::common::write_fixture(&path);
    for (signal, name) in [(15, "TERM"), (1, "HUP"), (2, "INT")] {
        let mut s = crate::pty::Session::start(&[path.to_str().unwrap()], &[]);
        s.wait_for("key:0000");
        assert!(!s.cooked(), "the TUI runs in raw mode");
        let killed = std::process::Command::new("kill")
            .args([&format!("-{name}"), &s.pid().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        assert!(killed, "kill -{name}");
        let code = s.wait_exit();
        assert_eq!(code, 128 + signal, "exit status after SIG{name}");
        assert!(s.cooked(), "SIG{name} left the terminal in raw mode");
        assert!(
            s.raw_shows(b"\x1b[?1049l"),
            "SIG{name} left the alternate screen on"
        );
    }
}

mod argument_ranges {
    use clap::Parser;
    use proptest::prelude::*;
    use spear_next::inspector::cli::{Cli, Command};

    fn number_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>().prop_map(|f| f.to_string()),
            any::<i64>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|u| u.to_string()),
            "[-+]?[0-9]{0,25}(\\.[0-9]{0,5})?(e[-+]?[0-9]{1,4})?",
            "(?i)(nan|inf|-inf|infinity|0x1f| 1|1 )",
            ".{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever a number argument holds, parsing never panics, and what it accepts
        /// is in range (so no `Duration` or batch further in can overflow).
        #[test]
        fn parsing_numbers_never_panics_and_accepts_only_ranges(value in number_like()) {
            if let Ok(cli) = Cli::try_parse_from(["spear-inspect", "db", "--refresh", &value]) {
                let secs = cli.tui.refresh.as_secs_f64();
                prop_assert!((0.1..=86_400.0).contains(&secs), "{value} -> {secs}");
            }
            if let Ok(cli) = Cli::try_parse_from(["spear-inspect", "db", "--stale-after", &value]) {
                prop_assert!((1..=10 * 365 * 86_400).contains(&cli.tui.stale_after));
                // The TUI turns it into a chrono duration and subtracts it from "now".
                let stale = chrono::Duration::seconds(cli.tui.stale_after as i64);
                prop_assert!(chrono::Utc::now().checked_sub_signed(stale).is_some());
            }
            let parsed = Cli::try_parse_from(
                ["spear-inspect", "import", "db", "--write", "--batch-size", &value],
            );
            if let Ok(Cli { command: Some(Command::Import(args)), .. }) = parsed {
                prop_assert!((1..=1_000_000).contains(&args.batch_size));
            }
            let _ = Cli::try_parse_from(["spear-inspect", "scan", "db", "--limit", &value]);
        }
    }
}

#[test]
fn a_worker_panic_ends_the_program_with_the_terminal_restored() {
    let (_dir, path) = temp_db();
    crate::common::write_fixture(&path);
    let mut s = crate::pty::Session::start(
        &[path.to_str().unwrap()],
        &[("SPEAR_INSPECT_FAULT", "worker-panic")],
    );
    let code = s.wait_exit();
    assert_ne!(code, 0, "a panic is not success");
    assert!(s.cooked(), "the terminal was left in raw mode");
    let raw = String::from_utf8_lossy(&s.raw()).into_owned();
    assert!(
        raw.contains("injected worker panic"),
        "the panic is reported: {raw}"
    );
    assert!(raw.contains("a background thread panicked"), "{raw}");
}

/// Logs go to a private per-user directory, 0600, and a symlink planted at the old
/// shared path or at the new one is never followed.
#[test]
fn logs_are_private_and_never_follow_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, db) = temp_db();
    crate::common::write_fixture(&db);
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let victim = home.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    // The old location: a fixed name in the shared temporary directory.
    std::os::unix::fs::symlink(&victim, tmp.path().join("spear-inspect.log")).unwrap();
    let run_with = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
            .args(args)
            .env("HOME", home.path())
            .env_remove("XDG_STATE_HOME")
            .env("TMPDIR", tmp.path())
            .env("SPEAR_LOG", "debug")
            .output()
            .unwrap()
    };
    assert!(run_with(&["count", db.to_str().unwrap()]).status.success());
    let log = home
        .path()
        .join(".local/state/spear-inspect/spear-inspect.log");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&log), 0o600, "the log file is private");
    assert_eq!(mode(log.parent().unwrap()), 0o700, "its directory too");
    assert!(std::fs::read_to_string(&log).unwrap().contains("started"));

    // A symlink planted at the new default path is not followed either: no log, no harm.
    std::fs::remove_file(&log).unwrap();
    std::os::unix::fs::symlink(&victim, &log).unwrap();
    assert!(run_with(&["count", db.to_str().unwrap()]).status.success());
    // And `--log` naming a symlink is refused, saying why.
    let refused = run_with(&[
        "count",
        db.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("symbolic link"));
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"precious",
        "the target is unchanged"
    );
    // Nothing of ours is left in the shared temporary directory.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        ["spear-inspect.log"],
        "only the planted link: {left:?}"
    );
}

/// A `--write` refused because another process holds the database changes none of its
/// files: RocksDB's own open would first start a new info LOG, renaming the holder's
/// `LOG` to `LOG.old.*` (found by a cold trial).
#[test]
fn a_refused_write_on_a_held_database_leaves_its_files_alone() {
    let (_dir, path) = temp_db();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        db.put(b"k", b"v").unwrap();
    }
    let mut holder = hold(&path);
    let names = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let log_before = std::fs::read(path.join("LOG")).unwrap();
    let before = names();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
        .args(["put", path.to_str().unwrap(), "k2", "v2", "--write"])
        .output()
        .unwrap();
    let after = names();
    let log_after = std::fs::read(path.join("LOG")).unwrap();
    std::fs::write(path.with_extension("stop"), b"").unwrap();
    holder.wait().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("locked by another process"), "{stderr}");
    assert_eq!(before, after, "files appeared or were renamed");
    assert_eq!(log_before, log_after, "the holder's LOG was touched");
}

/// `count --timings` says where the open's time went; on a database of many table files
/// and no WAL to replay, the open holds every table file open by its end and replays
/// nothing.
#[test]
fn the_open_names_the_table_files_it_opened() {
    let (_dir, path) = temp_db();
    write_many_ssts(&path, 300);
    let ssts = crate::common::sst_files(&path);
    let output = run(&["count", path.to_str().unwrap(), "--timings"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("({ssts} open)")),
        "{ssts} SST files: {stderr}"
    );
    assert!(stderr.contains("WAL replay 0.000 s"), "{stderr}");
}
