//! Data in and out: put/delete with and without --write, export/import round trips,
//! malformed and interrupted imports, checkpoints under a concurrent writer, migrate.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli::{bin, run};
use crate::common::{is_child, rerun_self, snapshot_dir, temp_db, write_fixture};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn count(db: &Path, extra: &[&str]) -> u64 {
    let mut args = vec!["count", db.to_str().unwrap()];
    args.extend(extra);
    let output = run(&args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).trim().parse().unwrap()
}

#[test]
fn every_write_path_refuses_without_write_and_changes_nothing() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    let before = snapshot_dir(&path);
    let attempts: [&[&str]; 7] = [
        &["put", p, "k", "v"],
        &["delete", p, "key:0001"],
        &["delete-range", p, "--prefix", "key:"],
        &["delete-range", p, "--from", "key:0001", "--to", "key:0005"],
        &["compact", p],
        &["flush", p],
        &["import", p],
    ];
    for args in attempts {
        let output = run(args);
        assert_eq!(output.status.code(), Some(crate::cli::REFUSED), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("add --write") && stderr.contains("nothing was changed"),
            "{args:?}: {stderr}"
        );
    }
    assert!(
        snapshot_dir(&path) == before,
        "a refused write changed the directory"
    );
}

#[test]
fn put_delete_and_delete_range_with_write() {
    let (_dir, path) = temp_db();
    write_fixture(&path);
    let p = path.to_str().unwrap();
    assert!(
        run(&["put", p, "new:key", "new value", "--write"])
            .status
            .success()
    );
    assert_eq!(text(&run(&["get", p, "new:key"]).stdout), "new value\n");
    assert!(
        run(&[
            "put",
            p,
            "--key-hex",
            "ff01",
            "00ff",
            "--value-hex",
            "--write"
        ])
        .status
        .success()
    );
    assert_eq!(run(&["get", p, "--key-hex", "ff01"]).stdout, b"\x00\xff\n");
    assert!(run(&["delete", p, "new:key", "--write"]).status.success());
    assert_eq!(run(&["get", p, "new:key"]).status.code(), Some(1));
    assert_eq!(
        run(&["delete", p, "new:key", "--write"]).status.code(),
        Some(1),
        "absent keys exit 1"
    );

    let output = run(&["delete-range", p, "--prefix", "key:01", "--write"]);
    assert!(
        text(&output.stderr).contains("deleted 100 keys"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(count(&path, &["--prefix", "key:"]), 200);
    let output = run(&[
        "delete-range",
        p,
        "--from",
        "key:0000",
        "--to",
        "key:0010",
        "--write",
    ]);
    assert!(text(&output.stderr).contains("deleted 10 keys"));
    assert_eq!(count(&path, &["--prefix", "key:"]), 190);
    assert_eq!(
        count(&path, &["--cf", "events"]),
        50,
        "other column families untouched"
    );
    let output = run(&["delete-range", p, "--prefix", "", "--write"]);
    assert_eq!(output.status.code(), Some(2), "an empty prefix is refused");
}

#[test]
fn export_import_round_trip_keeps_every_byte_of_every_column_family() {
    let (dir, path) = temp_db();
    write_fixture(&path);
    let exported = run(&["export", path.to_str().unwrap()]);
    assert!(exported.status.success());
    assert_eq!(text(&exported.stdout).lines().count(), 308 + 50);
    let copy = dir.path().join("copy");
    let output = import_lines(&copy, &text(&exported.stdout), "64");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("imported 358 pairs"),
        "{}",
        text(&output.stderr)
    );
    let again = run(&["export", copy.to_str().unwrap()]);
    assert!(
        again.stdout == exported.stdout,
        "export -> import -> export is byte-identical"
    );
    // Byte for byte through the raw API as well, binary keys included.
    for cf in ["default", "events"] {
        let a = raw_pairs(&path, cf);
        assert_eq!(a, raw_pairs(&copy, cf), "{cf}");
        assert!(!a.is_empty());
    }
    let events = run(&[
        "export",
        path.to_str().unwrap(),
        "--cf",
        "events",
        "--prefix",
        "event:00",
    ]);
    assert_eq!(text(&events.stdout).lines().count(), 10);
}

/// A key and value as the raw crate returns them.
type RawPair = (Box<[u8]>, Box<[u8]>);

fn raw_pairs(path: &Path, cf: &str) -> Vec<RawPair> {
    let cfs = rocksdb::DB::list_cf(&rocksdb::Options::default(), path).unwrap();
    let db = rocksdb::DB::open_cf_for_read_only(&rocksdb::Options::default(), path, &cfs, false)
        .unwrap();
    let handle = db.cf_handle(cf).unwrap();
    db.iterator_cf(handle, rocksdb::IteratorMode::Start)
        .map(Result::unwrap)
        .collect()
}

fn import_lines(db: &Path, input: &str, batch: &str) -> std::process::Output {
    let mut child = bin()
        .args([
            "import",
            db.to_str().unwrap(),
            "--write",
            "--batch-size",
            batch,
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_malformed_line_stops_the_import_with_its_number_and_no_half_batch() {
    let (_dir, path) = temp_db();
    let mut input = String::new();
    for i in 0..25 {
        input.push_str(&format!("{{\"key\":\"k{i:03}\",\"value\":\"v\"}}\n"));
    }
    input.push_str("{\"key\":\"k025\", oops}\n");
    for i in 26..40 {
        input.push_str(&format!("{{\"key\":\"k{i:03}\",\"value\":\"v\"}}\n"));
    }
    let output = import_lines(&path, &input, "10");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("line 26") && stderr.contains("20 pairs before it were imported"),
        "{stderr}"
    );
    assert_eq!(
        count(&path, &[]),
        20,
        "the two whole batches, nothing of the third"
    );
}

/// The importer is killed (SIGKILL) while input keeps coming: the database reopens with
/// whole batches only, and exactly the first lines.
#[test]
fn an_import_killed_midway_leaves_only_whole_batches() {
    let (_dir, path) = temp_db();
    let mut child = bin()
        .args([
            "import",
            path.to_str().unwrap(),
            "--write",
            "--batch-size",
            "100",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..2_000_000u32 {
            let line = format!("{{\"key\":\"k{i:08}\",\"value\":\"{}\"}}\n", "x".repeat(50));
            if stdin.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    });
    // Wait until some batches have landed (read through a secondary instance), then kill.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.join("CURRENT").exists() || count(&path, &[]) < 1000 {
        assert!(Instant::now() < deadline, "the import never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    feeder.join().unwrap();
    let n = count(&path, &[]);
    assert!(
        n >= 1000 && n.is_multiple_of(100),
        "{n} pairs: not a whole number of batches"
    );
    let keys = text(&run(&["scan", path.to_str().unwrap(), "--json"]).stdout);
    for (i, line) in keys.lines().enumerate() {
        assert!(
            line.starts_with(&format!("{{\"key\":\"k{i:08}\"")),
            "line {i}: {line}"
        );
    }
}

/// Writes `a:N` to `default` and `b:N` to `other` in one batch each, until told to stop.
#[test]
#[ignore = "run by checkpoint_under_a_concurrent_writer_holds_one_point_in_time"]
fn two_family_writer_child() {
    if !is_child() {
        return;
    }
    let path = PathBuf::from(std::env::var_os("SPEAR_LIVE_DB").unwrap());
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let db = rocksdb::DB::open_cf(&opts, &path, ["default", "other"]).unwrap();
    std::fs::write(path.with_extension("ready"), b"").unwrap();
    let other = db.cf_handle("other").unwrap();
    let started = Instant::now();
    let mut n = 0u32;
    while !path.with_extension("stop").exists() && started.elapsed() < Duration::from_secs(60) {
        let mut batch = rocksdb::WriteBatch::default();
        batch.put(format!("a:{n:08}"), n.to_be_bytes());
        batch.put_cf(other, format!("b:{n:08}"), n.to_be_bytes());
        db.write(batch).unwrap();
        // Flush the two families one after the other, often: the moment between the two
        // flushes is the one a careless copy gets wrong.
        if n.is_multiple_of(50) {
            db.flush().unwrap();
            db.flush_cf(other).unwrap();
        }
        // Compactions rewrite the MANIFEST without deleting any WAL: a copy must not
        // treat them as a reason to start over.
        if n.is_multiple_of(400) {
            db.compact_range::<&[u8], &[u8]>(None, None);
        }
        n += 1;
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn checkpoint_under_a_concurrent_writer_holds_one_point_in_time() {
    let (dir, path) = temp_db();
    let child = {
        let path = path.clone();
        std::thread::spawn(move || {
            rerun_self(
                "transfer::two_family_writer_child",
                &[("SPEAR_LIVE_DB", &path)],
            )
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.with_extension("ready").exists() {
        assert!(Instant::now() < deadline, "the writer never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut copies = Vec::new();
    for i in 0..3 {
        let dest = dir.path().join(format!("copy{i}"));
        let output = run(&["checkpoint", path.to_str().unwrap(), dest.to_str().unwrap()]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        eprintln!("{}", text(&output.stderr).trim());
        copies.push(dest);
        std::thread::sleep(Duration::from_millis(200));
    }
    // Exports hold one point in time too: as many `a:` as `b:` lines, without gaps.
    for _ in 0..2 {
        let output = run(&["export", path.to_str().unwrap()]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let lines = text(&output.stdout);
        let keys = |prefix: &str| -> Vec<String> {
            lines
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .filter_map(|v| v["key"].as_str().map(str::to_string))
                .filter(|k| k.starts_with(prefix))
                .collect()
        };
        let (a, b) = (keys("a:"), keys("b:"));
        assert_eq!(
            a.len(),
            b.len(),
            "both column families at one point in time"
        );
        for (i, (ka, kb)) in a.iter().zip(&b).enumerate() {
            assert_eq!(*ka, format!("a:{i:08}"), "no gap in default");
            assert_eq!(*kb, format!("b:{i:08}"), "no gap in other");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::write(path.with_extension("stop"), b"").unwrap();
    assert!(child.join().unwrap().status.success());
    let mut sizes = Vec::new();
    for copy in &copies {
        // Openable at once, by the raw crate, read-write.
        let a = raw_pairs(copy, "default");
        let b = raw_pairs(copy, "other");
        assert_eq!(
            a.len(),
            b.len(),
            "both column families at the same point in time"
        );
        for (i, ((ka, va), (kb, vb))) in a.iter().zip(&b).enumerate() {
            assert_eq!(**ka, *format!("a:{i:08}").as_bytes(), "no gap in default");
            assert_eq!(**kb, *format!("b:{i:08}").as_bytes(), "no gap in other");
            assert_eq!(va, vb);
        }
        let db =
            rocksdb::DB::open_cf(&rocksdb::Options::default(), copy, ["default", "other"]).unwrap();
        db.put(b"writable", b"yes").unwrap();
        sizes.push(a.len());
    }
    // Later copies never go back in time. (Whether the writer got ahead between two
    // copies depends on the machine's load, so it is not asserted.)
    assert!(
        sizes[0] > 0 && sizes.windows(2).all(|w| w[1] >= w[0]),
        "the copies followed the writer: {sizes:?}"
    );
}

#[test]
fn migrate_between_backends() {
    let (dir, path) = temp_db();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        for i in 0..2500 {
            db.put(format!("node:{i:05}"), format!("{{\"n\":{i}}}"))
                .unwrap();
        }
    }
    let before = snapshot_dir(&path);
    let to = dir.path().join("to");
    let output = run(&[
        "migrate",
        "--from",
        &format!("rocksdb:{}", path.display()),
        "--to",
        &format!("rocksdb:{}", to.display()),
        "--batch-size",
        "1000",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("migrated 2500 pairs"));
    assert_eq!(count(&to, &[]), 2500);
    assert!(
        snapshot_dir(&path) == before,
        "the source is read, never changed"
    );

    let output = run(&["migrate", "--from", "etcd:x", "--to", "memory:"]);
    assert!(text(&output.stderr).contains("use memory:, rocksdb:PATH, sled:PATH or etcd://"));

    // Binary keys cannot go through the KvStore layer: refused, with the way out, and
    // the destination it created is gone again.
    let (_dir2, binary) = temp_db();
    write_fixture(&binary);
    let dest = dir.path().join("never");
    let output = run(&[
        "migrate",
        "--from",
        &format!("rocksdb:{}", binary.display()),
        "--to",
        &format!("rocksdb:{}", dest.display()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("spear-inspect export"),
        "{}",
        text(&output.stderr)
    );
    assert!(!dest.exists());
}

/// The issue's database: `default` with 1 key, `audit` with 200, `blobs` empty.
fn three_family_db(path: &Path) {
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let db = rocksdb::DB::open_cf(&opts, path, ["default", "audit", "blobs"]).unwrap();
    db.put("config:cluster", "{\"name\":\"c1\"}").unwrap();
    let audit = db.cf_handle("audit").unwrap();
    for i in 0..200 {
        db.put_cf(&audit, format!("audit:{i:04}"), format!("entry {i}"))
            .unwrap();
    }
}

fn migrate_args(from: &Path, to: &Path, extra: &[&str]) -> std::process::Output {
    let (from, to) = (
        format!("rocksdb:{}", from.display()),
        format!("rocksdb:{}", to.display()),
    );
    let mut args = vec!["migrate", "--from", &from, "--to", &to];
    args.extend(extra);
    run(&args)
}

/// Issue 18: `migrate` copied `default` only, printed "migrated 1 pairs" and exited 0.
/// It now refuses before creating or writing anything, naming the column family it
/// cannot carry and the commands that can.
#[test]
fn migrate_refuses_column_families_it_cannot_carry() {
    let (dir, path) = temp_db();
    three_family_db(&path);
    let before = snapshot_dir(&path);
    let to = dir.path().join("to");
    let output = migrate_args(&path, &to, &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(crate::cli::USER), "{stderr}");
    assert!(stderr.contains("audit"), "names the family: {stderr}");
    assert!(
        !stderr.contains("blobs"),
        "an empty family holds nothing to lose: {stderr}"
    );
    assert!(
        stderr.contains(&format!("spear-inspect export {}", path.display()))
            && stderr.contains(&format!("spear-inspect import {} --write", to.display())),
        "names the commands that can: {stderr}"
    );
    assert!(!stderr.contains("migrated"), "{stderr}");
    assert!(!to.exists(), "nothing created at --to");
    assert!(snapshot_dir(&path) == before, "the source is unchanged");

    // An existing destination is not even opened.
    std::fs::create_dir_all(&to).unwrap();
    drop(rocksdb::DB::open_default(&to).unwrap());
    let dest_before = snapshot_dir(&to);
    let output = migrate_args(&path, &to, &[]);
    assert_eq!(output.status.code(), Some(crate::cli::USER));
    assert!(snapshot_dir(&to) == dest_before, "--to untouched");
}

/// A binary key sorting after text keys used to fail the migration midway, leaving the
/// batches before it in an existing destination; it is now found before anything is
/// written.
#[test]
fn migrate_refuses_a_binary_key_before_writing() {
    let (dir, path) = temp_db();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        for i in 0..100 {
            db.put(format!("node:{i:03}"), "v").unwrap();
        }
        db.put([0xff, 0x00, b'b', b'i', b'n'], "binary").unwrap();
    }
    let to = dir.path().join("existing");
    drop(rocksdb::DB::open_default(&to).unwrap());
    let output = migrate_args(&path, &to, &["--batch-size", "10"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(crate::cli::USER), "{stderr}");
    assert_eq!(count(&to, &[]), 0, "nothing half-written at --to: {stderr}");
    assert!(stderr.contains(r"\xff\x00bin"), "names the key: {stderr}");
    assert!(stderr.contains("spear-inspect export"), "{stderr}");
}

/// A destination that already holds pairs would be merged into, and could not be
/// verified against the source: refused before writing.
#[test]
fn migrate_refuses_a_destination_that_holds_pairs() {
    let (dir, path) = temp_db();
    rocksdb::DB::open_default(&path)
        .unwrap()
        .put("a", "1")
        .unwrap();
    let to = dir.path().join("full");
    rocksdb::DB::open_default(&to)
        .unwrap()
        .put("z", "old")
        .unwrap();
    let output = migrate_args(&path, &to, &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(crate::cli::USER), "{stderr}");
    assert!(
        stderr.contains(&to.display().to_string()) && stderr.contains("empty"),
        "{stderr}"
    );
    assert_eq!(count(&to, &[]), 1, "--to unchanged");
}

/// FNV-1a 64 over each pair as (key length, key, value length, value), lengths as
/// 8 little-endian bytes, pairs in key order: the hash `migrate` prints.
fn fnv1a_pairs(pairs: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (k, v) in pairs {
        feed(&(k.len() as u64).to_le_bytes());
        feed(&k);
        feed(&(v.len() as u64).to_le_bytes());
        feed(&v);
    }
    hash
}

/// A migration ends by comparing both sides, and says what it compared.
#[test]
fn migrate_verifies_count_and_hash_on_both_sides() {
    let (dir, path) = temp_db();
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..1500)
        .map(|i| {
            (
                format!("node:{i:05}").into_bytes(),
                vec![b'a' + (i % 26) as u8; i % 300],
            )
        })
        .collect();
    {
        let db = rocksdb::DB::open_default(&path).unwrap();
        for (k, v) in &pairs {
            db.put(k, v).unwrap();
        }
    }
    let to = dir.path().join("to");
    let output = migrate_args(&path, &to, &["--batch-size", "400"]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let expected = format!(
        "verified: 1500 pairs, hash {:016x} on both sides",
        fnv1a_pairs(pairs)
    );
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&expected),
        "closing line {last:?}\n{stderr}"
    );
    // And per prefix, before it.
    assert!(
        stderr.contains("verified: node: 1500 pairs, hash "),
        "{stderr}"
    );
    assert_eq!(count(&to, &[]), 1500);
}

#[cfg(feature = "sled")]
#[test]
fn migrate_from_sled() {
    let (dir, path) = temp_db();
    {
        let db = sled::open(&path).unwrap();
        for i in 0..1200 {
            db.insert(format!("resource:{i:05}"), format!("{i}").as_bytes())
                .unwrap();
        }
        db.flush().unwrap();
    }
    let to = dir.path().join("rocks");
    let output = run(&[
        "migrate",
        "--from",
        &format!("sled:{}", path.display()),
        "--to",
        &format!("rocksdb:{}", to.display()),
    ]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("verified: 1200 pairs, hash "), "{stderr}");
    assert_eq!(count(&to, &["--prefix", "resource:"]), 1200);
}

/// Import batches are bounded by bytes as well as pairs: 1 MiB values with the default
/// 10,000 pairs per batch still write at most about 64 MiB at a time.
#[test]
fn import_batches_are_bounded_by_bytes() {
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(&path).unwrap();
    drop(rocksdb::DB::open_default(&path).unwrap());
    let value = "v".repeat(1024 * 1024);
    let input: String = (0..100)
        .map(|i| format!("{{\"key\":\"big:{i:03}\",\"value\":\"{value}\"}}\n"))
        .collect();
    let mut source = spear_next::inspector::source::Source::open(&path, true).unwrap();
    let mut batches = Vec::new();
    let done = spear_next::inspector::write::transfer::import(
        &mut source,
        std::io::Cursor::new(input),
        10_000,
        |p| batches.push(p.written),
    )
    .unwrap();
    assert_eq!(done.written, 100);
    let sizes: Vec<u64> = batches
        .iter()
        .scan(0, |last, &w| {
            let size = w - *last;
            *last = w;
            Some(size)
        })
        .collect();
    assert!(sizes.len() >= 2, "{sizes:?}");
    assert!(
        sizes.iter().all(|&n| n <= 64),
        "at most 64 MiB per batch: {sizes:?}"
    );
}

/// A private database (0700, files 0600) is copied into a private checkpoint and exported
/// into a private file, whatever the umask of the shell that runs the copy.
#[test]
fn copies_keep_the_privacy_of_their_source() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = temp_db();
    write_fixture(&path);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(&path).unwrap() {
        let file = entry.unwrap().path();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let dest = dir.path().join("copy");
    let exported = dir.path().join("pairs.jsonl");
    let shell = |args: &str| {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask 022 && exec \"$0\" {args}"))
            .arg(env!("CARGO_BIN_EXE_spear-inspect"))
            .env("SPEAR_LOG", "off")
            .status()
            .unwrap();
        assert!(status.success(), "{args}");
    };
    shell(&format!("checkpoint {} {}", path.display(), dest.display()));
    assert_eq!(mode(&dest), 0o700, "the checkpoint directory");
    for entry in std::fs::read_dir(&dest).unwrap() {
        let file = entry.unwrap().path();
        assert_eq!(mode(&file) & 0o077, 0, "{} is private", file.display());
    }
    shell(&format!(
        "export {} --output {}",
        path.display(),
        exported.display()
    ));
    assert_eq!(mode(&exported), 0o600);
    assert!(
        std::fs::read_to_string(&exported)
            .unwrap()
            .contains("key:0000")
    );
}
