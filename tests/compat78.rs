//! Databases written by another RocksDB: Debian's RocksDB 7.8 tools (`ldb`, `db_bench`)
//! write them, we read them and must answer as `ldb` does, byte for byte; we write to
//! them and 7.8's `ldb` must still read every byte, with its default options loading.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{REFUSED, run};
use crate::common::{snapshot_dir, temp_db};

/// Fails the test, naming the tool, when Debian's rocksdb-tools (RocksDB 7.8's `ldb` and
/// `db_bench`) are missing: `scripts/setup.sh` installs them, so a missing tool is a broken
/// setup, never a reason to pass quietly.
pub(crate) fn require_tools() {
    for tool in ["ldb", "db_bench"] {
        let runs = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty());
        assert!(
            runs,
            "RocksDB 7.8's `{tool}` is not installed: run ./scripts/setup.sh (Debian package rocksdb-tools)"
        );
    }
}

/// Runs 7.8's `ldb` on `db`; its stdout.
pub(crate) fn ldb(db: &Path, args: &[&str]) -> String {
    let output = Command::new("ldb")
        .arg(format!("--db={}", db.display()))
        .args(args)
        .output()
        .expect("run ldb");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && !stdout.starts_with("Failed"),
        "ldb {args:?} on {}: {stdout}{}",
        db.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `ldb scan --hex` of a column family, as (KEY, VALUE) in uppercase hex.
fn ldb_pairs(db: &Path, cf: &str) -> Vec<(String, String)> {
    let cf_arg = format!("--column_family={cf}");
    ldb(db, &[&cf_arg, "scan", "--hex"])
        .lines()
        .map(|line| {
            let (k, v) = line.split_once(" : ").expect("ldb's key : value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Our `scan --key-hex` of a column family, in the same form.
fn our_pairs(db: &Path, cf: &str) -> Vec<(String, String)> {
    let output = run(&["scan", db.to_str().unwrap(), "--cf", cf, "--key-hex"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let (k, v) = line.split_once(" ==> ").expect("our key ==> value");
            let upper = |s: &str| format!("0x{}", s.trim_start_matches("0x").to_uppercase());
            (upper(k), upper(v))
        })
        .collect()
}

const FAMILIES: [(&str, &str); 3] = [("default", "snappy"), ("lz4cf", "lz4"), ("zstdcf", "zstd")];

/// A database written by 7.8's `ldb`: three column families compressed with snappy, lz4
/// and zstd (compacted into SST files), 40 keys each, plus a binary key and value left
/// in the WAL.
fn write_78_fixture(db: &Path) {
    let pairs = |cf: &str| -> Vec<String> {
        (0..40)
            .flat_map(|i| [format!("{cf}:{i:03}"), format!("value {i} of {cf}")])
            .collect()
    };
    for (i, (cf, codec)) in FAMILIES.iter().enumerate() {
        let codec_arg = format!("--compression_type={codec}");
        let cf_arg = format!("--column_family={cf}");
        if i == 0 {
            ldb(db, &["--create_if_missing", &codec_arg, "put", "seed", "x"]);
        } else {
            ldb(db, &["create_column_family", cf]);
        }
        let mut args: Vec<String> = vec![cf_arg.clone(), codec_arg.clone(), "batchput".into()];
        args.extend(pairs(cf));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ldb(db, &args);
        ldb(db, &[&cf_arg, &codec_arg, "compact"]);
    }
    ldb(
        db,
        &["--key_hex", "--value_hex", "put", "0xFF00FE", "0x0001FF"],
    );
}

#[test]
fn reads_of_a_78_database_equal_ldb_byte_for_byte() {
    require_tools();
    let (_dir, db) = temp_db();
    write_78_fixture(&db);
    for (cf, _) in FAMILIES {
        let ours = our_pairs(&db, cf);
        assert_eq!(ours, ldb_pairs(&db, cf), "column family {cf}");
        assert!(ours.len() >= 40, "{cf}: {}", ours.len());
    }
    let stats = run(&["stats", db.to_str().unwrap(), "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["written_by"], "7.8.3");
    assert_eq!(stats["options"], "its OPTIONS file");
}

#[test]
fn merge_operands_resolve_through_the_databases_operator() {
    require_tools();
    let (_dir, db) = temp_db();
    let status = Command::new("db_bench")
        .args([
            "--benchmarks=mergerandom",
            "--merge_operator=uint64add",
            "--num=200",
            "--value_size=8",
            "--use_existing_db=0",
        ])
        .arg(format!("--db={}", db.display()))
        .output()
        .unwrap();
    assert!(status.status.success());
    let reference = ldb_pairs(&db, "default");
    assert!(reference.len() > 50, "{}", reference.len());
    assert_eq!(
        our_pairs(&db, "default"),
        reference,
        "merged values equal ldb's"
    );
    let count = run(&["count", db.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        reference.len().to_string(),
        "not an empty database"
    );

    // The same database as if its service merged with an operator of its own: every key
    // is still there, marked and counted, and nothing may write to it.
    let options = crate::common::latest_options_file(&db);
    let text = std::fs::read_to_string(&options).unwrap();
    std::fs::write(&options, text.replace("UInt64AddOperator", "MyCounter")).unwrap();
    let count = run(&["count", db.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        reference.len().to_string()
    );
    let note = String::from_utf8_lossy(&count.stderr);
    assert!(
        note.contains("MyCounter") && note.contains("could not be resolved"),
        "{note}"
    );
    let scan = run(&["scan", db.to_str().unwrap(), "--key-hex"]);
    let lines = String::from_utf8_lossy(&scan.stdout).into_owned();
    assert_eq!(lines.lines().count(), reference.len());
    assert!(
        lines.lines().all(|l| l.contains("<unresolved merge: ")),
        "{lines}"
    );
    let before = snapshot_dir(&db);
    let put = run(&[
        "put",
        db.to_str().unwrap(),
        "k",
        "v",
        "--write",
        "--allow-format-upgrade",
    ]);
    assert_eq!(put.status.code(), Some(REFUSED));
    assert!(String::from_utf8_lossy(&put.stderr).contains("MyCounter"));
    assert_eq!(snapshot_dir(&db), before, "a refused write changes nothing");
}

#[test]
fn blob_files_are_counted_and_their_values_read() {
    require_tools();
    let (_dir, db) = temp_db();
    let output = Command::new("db_bench")
        .args([
            "--benchmarks=fillrandom",
            "--enable_blob_files=1",
            "--min_blob_size=0",
            "--num=3000",
            "--write_buffer_size=1048576",
            "--value_size=1000",
            "--use_existing_db=0",
        ])
        .arg(format!("--db={}", db.display()))
        .output()
        .unwrap();
    assert!(output.status.success());
    let on_disk: u64 = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "blob"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(
        on_disk > 1_000_000,
        "db_bench wrote {on_disk} bytes of blob files"
    );
    let stats = run(&["stats", db.to_str().unwrap(), "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let cf = &stats["column_families"][0];
    assert!(cf["blob_files"].as_u64().unwrap() > 0, "{cf}");
    assert_eq!(cf["blob_bytes"].as_u64().unwrap(), on_disk, "{cf}");
    assert_eq!(our_pairs(&db, "default"), ldb_pairs(&db, "default"));
}

/// Every way we write leaves a 7.8 database readable by 7.8, with its default options
/// loading, and the copies we make of it too.
#[test]
fn our_writes_leave_a_78_database_readable_by_78() {
    require_tools();
    let (dir, db) = temp_db();
    write_78_fixture(&db);
    let p = db.to_str().unwrap();
    let ok = |args: &[&str]| {
        let output = run(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    ok(&["put", p, "new:1", "fresh", "--write"]);
    ok(&[
        "put",
        p,
        "--cf",
        "lz4cf",
        "lz4cf:999",
        "fresh too",
        "--write",
    ]);
    ok(&["delete", p, "default:000", "--write"]);
    ok(&[
        "delete-range",
        p,
        "--cf",
        "zstdcf",
        "--prefix",
        "zstdcf:01",
        "--write",
    ]);
    ok(&["flush", p, "--write"]);
    ok(&["compact", p, "--cf", "zstdcf", "--write"]);
    ok(&["compact", p, "--write"]);
    let import = std::process::Command::new(env!("CARGO_BIN_EXE_spear-inspect"))
        .args(["import", p, "--write"])
        .env("SPEAR_LOG", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"{\"cf\":\"lz4cf\",\"key\":\"imported\",\"value\":\"yes\"}\n")?;
            child.wait()
        })
        .unwrap();
    assert!(import.success());
    // A TUI edit goes through the same source: delete a key from the App.
    {
        use spear_next::inspector::input::action::Action;
        let source = spear_next::inspector::source::Source::open(&db, true).unwrap();
        let mut app = spear_next::inspector::state::App::new(
            "db",
            source.access(),
            source.column_families().to_vec(),
            "default".into(),
        );
        let initial = app.initial_commands();
        crate::common::drive(&mut app, &source, initial);
        let delete = [Action::DeleteKey, Action::FocusToggle, Action::Submit];
        crate::common::act(&mut app, &source, &delete);
        assert!(
            app.session
                .message
                .as_ref()
                .unwrap()
                .text
                .contains("deleted")
        );
    }
    for (cf, _) in FAMILIES {
        assert_eq!(
            ldb_pairs(&db, cf),
            our_pairs(&db, cf),
            "7.8 reads {cf} as we do"
        );
    }
    let default = ldb(&db, &["scan"]);
    assert!(default.contains("new:1 : fresh") && !default.contains("default:000 :"));
    assert!(ldb(&db, &["--column_family=lz4cf", "get", "imported"]).contains("yes"));
    assert!(!ldb(&db, &["--column_family=zstdcf", "scan"]).contains("zstdcf:01"));

    let copy = dir.path().join("copy");
    ok(&["checkpoint", p, copy.to_str().unwrap()]);
    for (cf, _) in FAMILIES {
        assert_eq!(
            ldb_pairs(&copy, cf),
            ldb_pairs(&db, cf),
            "7.8 reads the copy's {cf}"
        );
    }
}

/// Where this build cannot vouch for the writer's version, `--write` is refused and
/// says which two versions are involved, unless the user asks for it explicitly.
#[test]
fn writes_are_refused_where_the_format_cannot_be_kept() {
    require_tools();
    for (version, needle) in [("99.1.0", "newer"), ("6.29.5", "from 7.0.0 on")] {
        let (_dir, db) = temp_db();
        write_78_fixture(&db);
        let options = crate::common::latest_options_file(&db);
        let text = std::fs::read_to_string(&options).unwrap();
        std::fs::write(
            &options,
            text.replace(
                "rocksdb_version=7.8.3",
                &format!("rocksdb_version={version}"),
            ),
        )
        .unwrap();
        let p = db.to_str().unwrap();
        let before = snapshot_dir(&db);
        let refused = run(&["put", p, "k", "v", "--write"]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(REFUSED), "{stderr}");
        for expected in [version, "10.4", needle, "--allow-format-upgrade"] {
            assert!(stderr.contains(expected), "{expected:?} missing: {stderr}");
        }
        assert_eq!(snapshot_dir(&db), before, "nothing changed");
        let forced = run(&["put", p, "k", "v", "--write", "--allow-format-upgrade"]);
        assert!(
            forced.status.success(),
            "{}",
            String::from_utf8_lossy(&forced.stderr)
        );
    }
}

/// A column family ordered by a comparator only its service's code has is refused by
/// name, never shown in the wrong order.
#[test]
fn a_foreign_comparator_is_named_not_misread() {
    let (_dir, path) = temp_db();
    crate::common::write_fixture(&path);
    let options = crate::common::latest_options_file(&path);
    let text = std::fs::read_to_string(&options).unwrap();
    assert!(text.contains("comparator=leveldb.BytewiseComparator"));
    std::fs::write(
        &options,
        text.replacen(
            "comparator=leveldb.BytewiseComparator",
            "comparator=spear.TimeComparator",
            1,
        ),
    )
    .unwrap();
    let output = run(&["scan", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(REFUSED), "{stderr}");
    assert!(stderr.contains("spear.TimeComparator"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// `diff` finds what a diff of two `ldb scan --hex` dumps finds, in every column family
/// and for binary keys, and exits 1 (0 for identical databases).
#[test]
fn diff_equals_a_diff_of_two_ldb_dumps() {
    require_tools();
    let (dir, a) = temp_db();
    write_78_fixture(&a);
    let b = dir.path().join("b");
    let copy = run(&["checkpoint", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(copy.status.success());
    let same = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(same.stdout.is_empty());
    // Changes of every kind, in two column families, one on a binary key.
    ldb(&b, &["put", "new:1", "x"]);
    ldb(&b, &["delete", "default:005"]);
    ldb(&b, &["put", "default:006", "changed"]);
    ldb(
        &b,
        &["--column_family=zstdcf", "put", "zstdcf:001", "changed too"],
    );
    ldb(&b, &["--key_hex", "--value_hex", "put", "0xFF00FE", "0x02"]);
    let out = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (cf, _) in FAMILIES {
        let (left, right) = (ldb_pairs(&a, cf), ldb_pairs(&b, cf));
        let only_left = left.iter().filter(|p| !right.contains(p)).count();
        let only_right = right.iter().filter(|p| !left.contains(p)).count();
        let ours = |change: &str| {
            lines
                .iter()
                .filter(|l| l["cf"] == cf && l["change"] == change)
                .count()
        };
        // A changed key is a line on both sides of a dump diff.
        assert_eq!(ours("removed") + ours("changed"), only_left, "{cf}");
        assert_eq!(ours("added") + ours("changed"), only_right, "{cf}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l["key_hex"] == "ff00fe" && l["change"] == "changed")
    );
}

/// `usage` accounts for every byte of a 7.8 database's directory: its total is `du -sb`'s
/// (within 1 %), and its live SST files are the ones `ldb` lists.
#[test]
fn usage_adds_up_to_du() {
    require_tools();
    let (_dir, db) = temp_db();
    write_78_fixture(&db);
    let out = run(&["usage", db.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let usage: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let du = du(&db);
    let total = usage["total"].as_u64().unwrap();
    let off = total.abs_diff(du) as f64 / du as f64;
    assert!(off <= 0.01, "usage {total} vs du -sb {du}");
    let live: u64 = usage["live_sst"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|levels| levels.as_object().unwrap().values())
        .map(|t| t["files"].as_u64().unwrap())
        .sum();
    let ldb_files = ldb(&db, &["list_live_files_metadata"])
        .lines()
        .filter(|l| l.contains(".sst"))
        .count() as u64;
    assert_eq!(live, ldb_files, "live SST files as ldb lists them");
    assert!(usage["live_sst"]["zstdcf"].is_object(), "{usage}");
}

/// `options` names what a 7.8 database's service changed from RocksDB's defaults, and
/// what differs between two databases' options.
#[test]
fn options_name_what_the_service_changed() {
    require_tools();
    let (dir, db) = temp_db();
    write_78_fixture(&db);
    let rows = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let p = db.to_str().unwrap();
    let changed = rows(&["options", p, "--json"]);
    assert!(
        changed
            .iter()
            .any(|r| r["section"] == "CFOptions \"zstdcf\""
                && r["key"] == "compression"
                && r["value"] == "kZSTD"),
        "{changed:?}"
    );
    let other = dir.path().join("other");
    ldb(
        &other,
        &[
            "--create_if_missing",
            "--compression_type=lz4",
            "put",
            "k",
            "v",
        ],
    );
    let compared = rows(&["options", p, "--compare", other.to_str().unwrap(), "--json"]);
    assert!(
        compared.iter().any(|r| r["key"] == "compression"),
        "{compared:?}"
    );
}

/// A directory for fixtures named `name` under this build's temporary directory, emptied
/// the first time this run of the test binary asks for it (later calls share it).
pub(crate) fn fixture_root(name: &str) -> PathBuf {
    static EMPTIED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut emptied = EMPTIED.lock().unwrap();
    if !emptied.iter().any(|n| n == name) {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the fixture directory");
        emptied.push(name.to_string());
    }
    root
}

/// `root/name`, absent (removed if a previous fixture left it), its parent present.
pub(crate) fn fresh_dir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

/// Runs a tool of RocksDB 7.8's (or any command) that must succeed; its stdout.
pub(crate) fn run_tool(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (install rocksdb-tools): {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Adds `avoid_flush_during_recovery=true` to the database's OPTIONS files: every later
/// `ldb` run replays the WALs into memtables without flushing them, so each run leaves
/// its WAL behind and a column family's writes stay unflushed until it is flushed.
pub(crate) fn keep_wals_across_opens(db: &Path) {
    for entry in std::fs::read_dir(db).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("OPTIONS-"))
        {
            let text = std::fs::read_to_string(&path).unwrap().replacen(
                "[DBOptions]\n",
                "[DBOptions]\n  avoid_flush_during_recovery=true\n",
                1,
            );
            std::fs::write(&path, text).unwrap();
        }
    }
}

/// Feeds `lines` (`key ==> value`) to 7.8's `ldb load` with `args` (e.g. `--hex`,
/// `--compact`), creating the database if missing.
pub(crate) fn ldb_load(db: &Path, args: &[&str], lines: &str) {
    use std::io::Write;
    let mut child = Command::new("ldb")
        .arg(format!("--db={}", db.display()))
        .arg("--create_if_missing")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run ldb load");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "ldb load {args:?}");
}

/// db_bench options under which writes stall: 200-byte values into 64 KiB memtables, one
/// background job, level-0 triggers of 2 (compaction), 3 (slowdown) and 6 (stop).
pub(crate) const STALLING: &[&str] = &[
    "--value_size=200",
    "--write_buffer_size=65536",
    "--level0_file_num_compaction_trigger=2",
    "--level0_slowdown_writes_trigger=3",
    "--level0_stop_writes_trigger=6",
    "--max_background_jobs=1",
];

/// A run of 7.8's `db_bench` that stalls: 20,000 writes under [`STALLING`].
pub(crate) fn stalling_db_bench(db: &Path) {
    db_bench(
        db,
        &[&["--benchmarks=fillrandom", "--num=20000"], STALLING].concat(),
    );
}

/// Runs 7.8's `db_bench` on `db` with `args`; it must succeed.
pub(crate) fn db_bench(db: &Path, args: &[&str]) {
    let status = Command::new("db_bench")
        .arg(format!("--db={}", db.display()))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run db_bench");
    assert!(status.success(), "db_bench {args:?}");
}

/// A database whose open replays about 100 MB of write-ahead log: 7.8's `db_bench`
/// leaves 700,000 writes unflushed (one 1 GiB memtable, no compaction).
pub(crate) fn unflushed_wal_db(db: &Path) {
    db_bench(
        db,
        &[
            "--benchmarks=fillrandom",
            "--num=700000",
            "--key_size=16",
            "--value_size=100",
            "--write_buffer_size=1073741824",
            "--disable_auto_compactions=1",
            "--use_existing_db=0",
        ],
    );
}

/// `du -sb` of a directory, in bytes.
pub(crate) fn du(dir: &Path) -> u64 {
    let out = Command::new("du").arg("-sb").arg(dir).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs `import DB --write [extra]` with `input` on stdin; fails the test if it fails.
fn import_into(db: &Path, input: &[u8], extra: &[&str]) {
    use std::io::Write;
    let mut child = crate::cli::bin()
        .args(["import", db.to_str().unwrap(), "--write"])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "import: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Restoring an export for a service on RocksDB 7.x: the database `import` creates loads
/// in 7.8's `ldb` with its OPTIONS file (no option 7.8 does not know) and, once flushed,
/// its tables are in a format 7.8 reads; every pair of every column family (binary keys
/// included, a family created mid-import too) is there. `--newest-format` keeps this
/// build's newest formats.
#[test]
fn a_database_import_creates_is_read_by_78() {
    require_tools();
    let (dir, source) = temp_db();
    crate::common::write_fixture(&source);
    let exported = run(&["export", source.to_str().unwrap()]);
    assert!(exported.status.success());
    let db = dir.path().join("restored");
    import_into(&db, &exported.stdout, &[]);
    let p = db.to_str().unwrap();
    for cf in ["default", "events"] {
        let flushed = run(&["flush", p, "--cf", cf, "--write"]);
        assert!(
            flushed.status.success(),
            "{}",
            String::from_utf8_lossy(&flushed.stderr)
        );
    }
    assert!(crate::common::sst_files(&db) >= 2, "flushed into tables");
    for (cf, expected) in [("default", 308usize), ("events", 50)] {
        let theirs = ldb_pairs(&db, cf);
        assert_eq!(theirs.len(), expected, "{cf}");
        assert_eq!(our_pairs(&db, cf), theirs, "{cf}");
        let cf_arg = format!("--column_family={cf}");
        let count = ldb(&db, &[&cf_arg, "dump", "--count_only"]);
        assert!(
            count.contains(&format!("Keys in range: {expected}\n")),
            "{cf}: {count}"
        );
    }
    // A write through the inspector afterwards keeps it readable (RocksDB writes a new
    // OPTIONS file on every read-write open).
    let put = run(&["put", p, "after", "import", "--write"]);
    assert!(put.status.success());
    assert!(ldb(&db, &["get", "after"]).contains("import"));

    let newest = dir.path().join("newest");
    import_into(&newest, &exported.stdout, &["--newest-format"]);
    let options = std::fs::read_to_string(crate::common::latest_options_file(&newest)).unwrap();
    assert!(options.contains("format_version=6"), "{options}");
}

/// `options` on a database written by RocksDB 7.8 compares it with 7.8's defaults, not
/// this build's: the differences are exactly what was set (here by `ldb`'s flags, plus the
/// two settings Debian's `ldb` itself makes), stall and space settings first.
#[test]
fn options_compare_a_78_database_with_78s_defaults() {
    require_tools();
    let (_dir, db) = temp_db();
    ldb(
        &db,
        &[
            "--create_if_missing",
            "--write_buffer_size=65536",
            "--file_size=2097152",
            "--compression_type=zstd",
            "--auto_compaction=false",
            "put",
            "a",
            "b",
        ],
    );
    let p = db.to_str().unwrap();
    let out = run(&["options", p, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                r["section"].as_str().unwrap().to_string(),
                r["key"].as_str().unwrap().to_string(),
                r["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let cf = "CFOptions \"default\"".to_string();
    let row = |section: &str, key: &str, value: &str| {
        (section.to_string(), key.to_string(), value.to_string())
    };
    assert_eq!(
        rows,
        vec![
            // Stall and space settings first, in the order an engineer reads them.
            row(&cf, "write_buffer_size", "65536"),
            row(&cf, "disable_auto_compactions", "true"),
            row(&cf, "target_file_size_base", "2097152"),
            row(&cf, "compression", "kZSTD"),
            // What RocksDB derives from those when left at 0: write_buffer_size / 8 and
            // 25 × target_file_size_base.
            row(&cf, "arena_block_size", "8192"),
            row(&cf, "max_compaction_bytes", "52428800"),
            // Debian's ldb sets these itself (a string-append operator; a debug build's
            // log level).
            row(
                &cf,
                "merge_operator",
                "{id=StringAppendOperator;delimiter=\\:;}"
            ),
            row("DBOptions", "create_if_missing", "true"),
            row("DBOptions", "info_log_level", "DEBUG_LEVEL"),
        ],
    );
    let text = run(&["options", p]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("settings that differ from RocksDB 7.8 defaults"),
        "{text}"
    );
    assert!(
        text.contains("write_buffer_size = 65536   (default 67108864)"),
        "{text}"
    );
}

/// A database RocksDB 7.8 wrote with L0 at its slowdown trigger (3 L0 files; triggers
/// 3/5), opened read-only: this process's own write controller is never shown as the
/// service's ("writes delayed"), and what the service meets on its next open is said,
/// labelled so, by `stats` and on the Stats screen.
#[test]
fn stats_on_a_read_only_78_database_at_its_slowdown_trigger() {
    use spear_next::inspector::input::action::Action;
    use spear_next::inspector::source::{Access, Source};
    use spear_next::inspector::state::App;
    require_tools();
    let (_dir, db) = temp_db();
    // Each ldb run flushes the previous run's WAL into an L0 file as it opens.
    ldb(
        &db,
        &[
            "--create_if_missing",
            "--auto_compaction=false",
            "put",
            "k0",
            "v",
        ],
    );
    for i in 1..=3 {
        ldb(&db, &["put", &format!("k{i}"), "v"]);
    }
    for entry in std::fs::read_dir(&db).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("OPTIONS-"))
        {
            let text = std::fs::read_to_string(&path)
                .unwrap()
                .replace(
                    "disable_auto_compactions=true",
                    "disable_auto_compactions=false",
                )
                .replace(
                    "level0_file_num_compaction_trigger=4",
                    "level0_file_num_compaction_trigger=2",
                )
                .replace(
                    "level0_slowdown_writes_trigger=20",
                    "level0_slowdown_writes_trigger=3",
                )
                .replace(
                    "level0_stop_writes_trigger=36",
                    "level0_stop_writes_trigger=5",
                );
            std::fs::write(&path, text).unwrap();
        }
    }
    let p = db.to_str().unwrap();
    let json = run(&["stats", p, "--json"]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["access"], "read_only_snapshot", "{json}");
    assert_eq!(
        json["stall_on_next_open"],
        serde_json::json!(["[default] writes slow: 3 L0 files, slowdown trigger 3"]),
        "{json}"
    );
    let text = run(&["stats", p]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("this read-only process, not the service: write stopped false"),
        "{text}"
    );
    assert!(
        text.contains("on the service's next open: [default] writes slow: 3 L0 files"),
        "{text}"
    );

    let source = Source::open(&db, false).unwrap();
    let mut app = App::new(
        p,
        Access::ReadOnlySnapshot,
        source.column_families().to_vec(),
        "default".into(),
    );
    app.session.color = false;
    let initial = app.initial_commands();
    crate::common::drive(&mut app, &source, initial);
    let requests = app.update(Action::Screen(4));
    crate::common::drive(&mut app, &source, requests);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| spear_next::inspector::ui::draw(frame, &app))
        .unwrap();
    let screen = format!("{}", terminal.backend());
    assert!(!screen.contains("writes delayed"), "{screen}");
    assert!(
        screen.contains("next open: [default] writes slow: 3 L0 files, slowdown trigger 3"),
        "{screen}"
    );
}

/// The options a database's own OPTIONS file gives, as its service would load them.
fn services_options(db: &Path) -> (rocksdb::Options, Vec<rocksdb::ColumnFamilyDescriptor>) {
    let cache = rocksdb::Cache::new_lru_cache(32 << 20);
    rocksdb::Options::load_latest(db, rocksdb::Env::new().unwrap(), true, cache).unwrap()
}

/// A reading open's memory does not grow with the database: every table's index and
/// filter blocks go to the bounded block cache, not into table readers held for the whole
/// session. Against the same 7.8 database opened with its service's own options (index
/// blocks held by each table reader), read-only and as a secondary beside a writer; the
/// files and the OPTIONS text in the directory are left as they were.
#[test]
fn reading_opens_keep_index_blocks_in_the_bounded_cache() {
    use spear_next::inspector::source::{Access, Source};
    require_tools();
    let (_dir, db) = temp_db();
    db_bench(
        &db,
        &[
            "--benchmarks=fillrandom",
            "--num=300000",
            "--key_size=16",
            "--value_size=64",
            "--bloom_bits=10",
            "--write_buffer_size=4194304",
            "--use_existing_db=0",
        ],
    );
    const READERS_MEM: &str = "rocksdb.estimate-table-readers-mem";
    let (opts, cfs) = services_options(&db);
    let services = {
        let own = rocksdb::DB::open_cf_descriptors_read_only(&opts, &db, cfs, false).unwrap();
        own.property_int_value(READERS_MEM).unwrap().unwrap()
    };
    assert!(
        services > 100_000,
        "index and filters of 300k keys: {services} bytes"
    );

    // (The service's own read-only open above wrote its info LOG; ours writes nothing.)
    let before = snapshot_dir(&db);
    let ours = Source::open(&db, false).unwrap();
    assert_eq!(ours.access(), Access::ReadOnlySnapshot);
    let read_only = ours.db().unwrap().property_int_value(READERS_MEM);
    let read_only = read_only.unwrap().unwrap();
    drop(ours);
    assert!(
        read_only * 4 < services,
        "read-only: {read_only} bytes held by table readers, the service's options {services}"
    );

    let (opts, cfs) = services_options(&db);
    assert!(
        snapshot_dir(&db) == before,
        "the read-only open changed the directory"
    );
    let writer = rocksdb::DB::open_cf_descriptors(&opts, &db, cfs).unwrap();
    let secondary = Source::open(&db, false).unwrap();
    assert_eq!(secondary.access(), Access::LiveSecondary);
    let live = secondary.db().unwrap().property_int_value(READERS_MEM);
    let live = live.unwrap().unwrap();
    drop(secondary);
    drop(writer);
    assert!(
        live * 4 < services,
        "secondary: {live} bytes held by table readers, the service's options {services}"
    );
}
