//! The real binary in a pseudo-terminal: what a person at a terminal sees and does.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// A running `spear-inspect` on a pseudo-terminal, its screen parsed by vt100.
pub struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_spear-inspect"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("SPEAR_LOG", "off");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn spear-inspect");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (screen2, raw2) = (Arc::clone(&screen), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen2.lock().unwrap().process(&buf[..n]);
                raw2.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self {
            screen,
            raw,
            writer,
            child,
            master: pty.master,
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// The process id of the running binary.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a running child")
    }

    /// Whether the terminal is in cooked mode (line editing and echo on), as a shell
    /// needs it after the program ends.
    pub fn cooked(&self) -> bool {
        // portable-pty reports termios in the types of its own nix version.
        use nix_pty::sys::termios::LocalFlags;
        let termios = self.master.get_termios().expect("read the pty's termios");
        termios
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO)
    }

    /// Whether the raw output comes to contain `needle` within a few seconds (the reader
    /// thread may still be draining the pty after the process exits).
    pub fn raw_shows(&self, needle: &[u8]) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if self.raw().windows(needle.len()).any(|w| w == needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "the screen never showed {text:?}; it shows:\n{}",
            self.contents()
        );
    }

    /// Waits until the screen no longer shows `text`.
    pub fn wait_gone(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.contents().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the screen kept showing {text:?}:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("spear-inspect did not exit; screen:\n{}", self.contents());
    }
}

/// Opens the TUI on `db`, waits for the first page, quits.
pub fn open_and_quit(db: &Path) {
    let mut session = Session::start(&[db.to_str().unwrap()], &[]);
    session.wait_for("read-only snapshot");
    session.wait_for("key:0000");
    session.send("q");
    assert_eq!(session.wait_exit(), 0);
}

#[test]
fn browse_filter_help_quit_on_the_demo_database() {
    let (_dir, path) = crate::common::temp_db();
    let demo = crate::cli::run(&["demo", path.to_str().unwrap(), "--no-tui"]);
    assert!(demo.status.success());
    let mut s = Session::start(&[path.to_str().unwrap()], &[]);
    s.wait_for("read-only snapshot");
    s.wait_for("\\x00idx\\xff\\x00\\x00\\x00\\x00"); // binary keys sort first
    s.send("/");
    s.wait_for("filter, keys starting with");
    s.send("node:\r");
    s.wait_for("keys · prefix node:");
    // The first two node records are the demo's broken ones; the third decodes.
    s.wait_for("\"ip_address\":\"10.9.9.9\",\"po");
    s.send("jj");
    s.wait_for("\"ip_address\": \"10.");
    s.send("c");
    s.wait_for("202 keys match");
    s.send("?");
    s.wait_for("Esc or ? closes");
    s.wait_for("read-only: nothing here can change the database");
    // Esc alone: followed at once by another byte it would read as Alt+key.
    s.send("\x1b");
    s.wait_gone("Esc or ? closes");
    s.send("f");
    s.wait_for("column families");
    s.send("j\r");
    s.wait_for("cf events");
    s.send("]"); // back to default, where the registries live
    s.wait_for("cf default");
    s.send("2");
    s.wait_for("nodes · 202 of 202");
    s.send("t");
    s.wait_for("status active");
    s.send("3");
    s.wait_for("10 nodes without a report");
    s.send("4");
    s.wait_for("levels: files/bytes");
    s.send("C");
    s.wait_for("read-only: restart with --write to compact");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    assert!(
        s.raw_shows(b"\x1b[?1049l"),
        "the alternate screen was left on exit"
    );
}

#[test]
fn no_color_and_dumb_terminals_get_no_colour_escapes() {
    let (_dir, path) = crate::common::temp_db();
    crate::common::write_fixture(&path);
    for env in [("NO_COLOR", "1"), ("TERM", "dumb")] {
        let mut s = Session::start(&[path.to_str().unwrap()], &[env]);
        s.wait_for("key:0000");
        s.send("?");
        s.wait_for("Esc or ? closes");
        s.send("q");
        assert_eq!(s.wait_exit(), 0);
        let raw = String::from_utf8_lossy(&s.raw()).into_owned();
        // Foreground/background colour selections: SGR 30-37, 40-47, 90-97, 100-107, 38;.., 48;..
        let colour = find_colour_escape(&raw);
        assert!(colour.is_none(), "colour escape {colour:?} under {env:?}");
    }
    // And the same screen with colour does use them: the check above can fail.
    let mut s = Session::start(&[path.to_str().unwrap()], &[]);
    s.wait_for("key:0000");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    assert!(find_colour_escape(&String::from_utf8_lossy(&s.raw())).is_some());
}

/// Finds an SGR sequence that sets a (non-default) colour.
fn find_colour_escape(raw: &str) -> Option<String> {
    let mut rest = raw;
    while let Some(at) = rest.find("\x1b[") {
        rest = &rest[at + 2..];
        let end = rest.find(|c: char| c.is_ascii_alphabetic())?;
        let (params, cmd) = (&rest[..end], &rest[end..=end]);
        if cmd == "m" {
            for p in params.split(';') {
                if let Ok(n) = p.parse::<u32>()
                    && matches!(n, 30..=37 | 38 | 40..=47 | 48 | 90..=97 | 100..=107)
                {
                    return Some(format!("\\e[{params}m"));
                }
            }
        }
    }
    None
}

#[test]
fn write_on_a_locked_database_fails_clearly() {
    let (_dir, path) = crate::common::temp_db();
    crate::common::write_fixture(&path);
    let _held =
        rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ["default", "events"]).unwrap();
    let output = crate::cli::run(&[path.to_str().unwrap(), "--write"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(crate::cli::REFUSED), "{stderr}");
    assert!(stderr.contains("locked by another process"), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("\x1b[?1049h"),
        "the terminal was never touched"
    );
}

/// A slow open (about 100 MB of WAL to replay) shows its own frame at once, with what it
/// reads and the bytes read so far, then the Keys screen; `q` during a read-only open
/// leaves without waiting for it, and the terminal is restored.
#[test]
fn a_slow_open_shows_its_progress_and_q_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    crate::compat78::unflushed_wal_db(&db);
    let db = db.to_str().unwrap();

    let mut session = Session::start(&[db], &[]);
    session.wait_for("q quits now");
    let frame = session.contents();
    assert!(frame.contains("of write-ahead log to replay"), "{frame}");
    assert!(frame.contains("read-only: it replays"), "{frame}");
    session.wait_for("read-only snapshot");
    session.wait_gone("q quits now");
    session.send("q");
    assert_eq!(session.wait_exit(), 0);

    let mut session = Session::start(&[db], &[]);
    session.wait_for("q quits now");
    session.send("q");
    assert_eq!(session.wait_exit(), 0);
    assert!(session.cooked(), "the terminal is restored");
    assert!(
        !session.contents().contains("read-only snapshot"),
        "the inspector never started:\n{}",
        session.contents()
    );
}

/// The diagnosis screens on the real binary: Disk (with an exact count), Log, WAL with a
/// key's history, and `diff A B --tui` starting on the Diff screen.
#[test]
fn diagnosis_screens_on_the_demo_database() {
    let (_dir, path) = crate::common::temp_db();
    let demo = crate::cli::run(&["demo", path.to_str().unwrap(), "--no-tui"]);
    assert!(demo.status.success());
    let mut s = Session::start(&[path.to_str().unwrap()], &[]);
    s.wait_for("read-only snapshot");
    s.send("6");
    s.wait_for("(equals du -sb)");
    s.wait_for("oldest WAL");
    s.send("\t");
    s.wait_for("resource:");
    s.send("\t");
    s.wait_for("memtables:");
    s.send("c");
    s.wait_for("a full read skips");
    s.send("7");
    s.wait_for("all notable · ");
    s.wait_for("db_open");
    s.send("8");
    s.wait_for("newest first");
    s.wait_for("events   PUT"); // the events column family, named from the MANIFEST
    s.send("h");
    s.wait_for("history · Esc closes");
    s.send("\x1b");
    s.wait_gone("history · Esc closes");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);

    let (_copy_dir, copy) = crate::common::temp_db();
    let checkpoint =
        crate::cli::run(&["checkpoint", path.to_str().unwrap(), copy.to_str().unwrap()]);
    assert!(checkpoint.status.success());
    let mut s = Session::start(
        &[
            "diff",
            path.to_str().unwrap(),
            copy.to_str().unwrap(),
            "--tui",
        ],
        &[],
    );
    s.wait_for("0 differences");
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
}

/// The issue's case: a TUI whose terminal goes away (`tmux kill-session`, what a dropped
/// ssh session does) on a read-only view and on a live database (a secondary instance),
/// run with its own TMPDIR. While it runs, its scratch directory is private (0700); once
/// the terminal is gone, the process ends and leaves nothing in TMPDIR.
#[test]
fn a_closed_terminal_leaves_no_scratch_directory() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = crate::common::temp_db();
    crate::common::write_fixture(&path);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // A tmux server of this test's own, whatever else runs on the machine.
    let server = crate::common::tmux::Tmux::new("closed-terminal");
    let tmux = |args: &[&str]| server.run(args);
    for live in [false, true] {
        // The same process holding the database read-write holds its LOCK.
        let _writer = live.then(|| {
            rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ["default", "events"])
                .unwrap()
        });
        let command = format!(
            "TMPDIR={} SPEAR_LOG=off {} {}",
            tmp.display(),
            env!("CARGO_BIN_EXE_spear-inspect"),
            path.display()
        );
        let started = tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            &command,
        ]);
        assert!(started.status.success(), "{started:?}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let expected = if live {
            "live (secondary)"
        } else {
            "read-only snapshot"
        };
        loop {
            let pane = server.pane();
            if pane.contains("key:0000") && pane.contains(expected) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the TUI never showed its first page:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let made: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        assert_eq!(made.len(), 1, "one scratch directory while running");
        let mode = made[0].metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o700,
            "the scratch directory is private from the start"
        );

        assert!(tmux(&["kill-session", "-t", "t"]).status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_dir(&tmp).unwrap().next().is_some() {
            assert!(
                Instant::now() < deadline,
                "live={live}: the scratch directory stayed after the terminal went: {:?}",
                std::fs::read_dir(&tmp)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
