//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh temporary directory and the path of a database inside it (not yet created).
pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join("db");
    (dir, path)
}

/// Runs this test binary again with `test_name` alone and extra environment variables,
/// for tests that need their own process (environment, locks held by another process).
pub fn rerun_self(test_name: &str, env: &[(&str, &Path)]) -> std::process::Output {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        test_name,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("SPEAR_TEST_CHILD", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the test binary again")
}

/// Whether this process was started by [`rerun_self`].
pub fn is_child() -> bool {
    std::env::var_os("SPEAR_TEST_CHILD").is_some()
}

/// Keys of the fixture database's default column family, in order: `key:0000` ..
/// `key:0299` (JSON, text and binary values in turn), then 8 binary keys.
#[cfg(feature = "inspector")]
pub const FIXTURE_TEXT_KEYS: usize = 300;

/// Writes a small database with known contents at `path` and closes it:
/// - default: `key:NNNN` for N < 300, each value JSON (N % 3 == 0), text (1) or binary (2);
///   then keys `\xff\x00bin:N` for N < 8 with 8-byte binary values;
/// - `events`: `event:NNN` for N < 50.
#[cfg(feature = "inspector")]
pub fn write_fixture(path: &Path) {
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let db = rocksdb::DB::open_cf(&opts, path, ["default", "events"]).expect("open fixture");
    for i in 0..FIXTURE_TEXT_KEYS {
        let key = format!("key:{i:04}");
        let value: Vec<u8> = match i % 3 {
            0 => {
                format!(r#"{{"id":{i},"name":"item {i}","tags":["a","b"],"ok":true}}"#).into_bytes()
            }
            1 => format!("plain text value {i}").into_bytes(),
            _ => vec![0xde, 0xad, (i % 256) as u8, 0x00, 0xff],
        };
        db.put(key, value).unwrap();
    }
    for i in 0u8..8 {
        db.put([0xff, 0x00, b'b', b'i', b'n', b':', b'0' + i], [i; 8])
            .unwrap();
    }
    let events = db.cf_handle("events").unwrap();
    for i in 0..50 {
        db.put_cf(&events, format!("event:{i:03}"), format!("{{\"seq\":{i}}}"))
            .unwrap();
    }
    db.flush().unwrap();
    db.flush_cf(&events).unwrap();
}

/// Every file under `dir` with its bytes, for byte-for-byte comparisons.
pub fn snapshot_dir(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(snapshot_dir(&path));
        } else {
            out.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    out
}

/// Runs every request (and the requests its events cause) to completion, in order, on
/// this thread: an `App` driven like the worker would, deterministically. Cancellations
/// have nothing to stop here: every request has finished before the next starts.
#[cfg(feature = "inspector")]
pub fn drive(
    app: &mut spear_next::inspector::state::App,
    source: &spear_next::inspector::source::Source,
    commands: Vec<spear_next::inspector::worker::Command>,
) {
    use spear_next::inspector::worker::Command;
    let mut queue: std::collections::VecDeque<_> = commands.into();
    let token = tokio_util::sync::CancellationToken::new();
    while let Some(command) = queue.pop_front() {
        let Command::Run(request) = command else {
            continue;
        };
        let events = std::sync::Mutex::new(Vec::new());
        spear_next::inspector::worker::run_request(source, request, &token, &|e| {
            events.lock().unwrap().push(e)
        });
        for event in events.into_inner().unwrap() {
            queue.extend(app.on_event(event));
        }
    }
}

/// Every `OPTIONS-*` file of a database directory (RocksDB keeps the last two).
pub fn options_files(db: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("OPTIONS-"))
        })
        .collect()
}

/// The newest `OPTIONS-*` file of a database directory.
pub fn latest_options_file(db: &Path) -> PathBuf {
    options_files(db)
        .into_iter()
        .max()
        .expect("an OPTIONS file")
}

/// How many SST files the database directory holds.
pub fn sst_files(db: &Path) -> usize {
    std::fs::read_dir(db)
        .expect("read the database directory")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sst"))
        })
        .count()
}

/// Applies `actions` to `app` one by one, running what each asks of the worker.
#[cfg(feature = "inspector")]
pub fn act(
    app: &mut spear_next::inspector::state::App,
    source: &spear_next::inspector::source::Source,
    actions: &[spear_next::inspector::input::action::Action],
) {
    for action in actions {
        let commands = app.update(*action);
        drive(app, source, commands);
    }
}
#[cfg(feature = "etcd")]
pub mod etcd;
#[cfg(feature = "inspector")]
pub mod tmux;

/// The MANIFEST file of the database at `db`.
pub fn manifest_of(db: &Path) -> PathBuf {
    std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("MANIFEST-")
        })
        .unwrap()
}
