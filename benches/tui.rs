//! The TUI's speed: drawing one frame at 200x60, and how long a key press takes to show
//! on screen while the worker runs a full count (the real binary, in a pseudo-terminal,
//! on the database named by `SPEAR_BENCH_DB`, e.g. the 1M-key reference database made by
//! `scripts/bench-vs-ldb.sh`).

#[path = "support/registry.rs"]
mod registry;

use std::hint::black_box;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spear_next::inspector::screens::keys::value_view;
use spear_next::inspector::screens::{
    events::EventsView, keys::KeysState, log::LogView, nodes::NodesView, wal::WalView,
};
use spear_next::inspector::source::{Access, Entry, Page};
use spear_next::inspector::state::App;
use spear_next::inspector::ui;
use spear_next::inspector::worker::{Body, Command, Event, Kind, Placement};

/// A fresh read-only app on one column family, sized for a 120x40 terminal.
fn app_at_120x40() -> App {
    let mut app = App::new(
        "db",
        Access::ReadOnlySnapshot,
        vec!["default".into()],
        "default".into(),
    );
    app.set_list_rows(ui::list_rows(40));
    app
}

/// An app showing a full window of keys and a large JSON value, as from a real database.
fn busy_app() -> App {
    let mut app = App::new(
        "/var/lib/spear/rocksdb",
        Access::LiveSecondary,
        vec!["default".into(), "events".into()],
        "default".into(),
    );
    app.set_list_rows(ui::list_rows(60));
    let commands = app.initial_commands();
    let page = commands
        .into_iter()
        .find_map(|c| match c {
            Command::Run(r) if r.ticket.kind == Kind::Page => Some(r),
            _ => None,
        })
        .unwrap();
    let entries = (0..256)
        .map(|i| Entry {
            key: format!("node:{:08x}-0000-4000-8000-{:012x}", i * 7919, i).into_bytes(),
            value_len: 270 + i % 9,
        })
        .collect();
    app.on_event(Event {
        ticket: page.ticket,
        context: page.context,
        body: Body::Page {
            placement: Placement::Replace,
            page: Page {
                entries,
                at_start: true,
                at_end: false,
                skipped: Vec::new(),
            },
        },
    });
    let json = serde_json::json!({
        "entries": (0..500).map(|i| serde_json::json!({"seq": i, "node": format!("n{i}"), "ok": i % 3 == 0})).collect::<Vec<_>>()
    })
    .to_string();
    app.screen_mut::<KeysState>().value =
        Some(value_view(b"node:1".to_vec(), json.as_bytes(), json.len()));
    app
}

fn frame_200x60(c: &mut Criterion) {
    let app = busy_app();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("draw_frame_200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| ui::draw(frame, black_box(&app)))
                .unwrap();
        })
    });
}

/// The real binary in a pseudo-terminal on a database: keys go in, and what it draws is
/// kept on a vt100 screen that a reader thread updates as the output arrives.
struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Kept open: the child's terminal closes with it.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    /// Starts `spear-inspect DB` in a `rows`x`cols` terminal.
    fn spawn(db: &std::ffi::OsStr, rows: u16, cols: u16) -> Tui {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_spear-inspect"));
        cmd.arg(db);
        cmd.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let parser2 = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser2.lock().unwrap().process(&buf[..n]);
            }
        });
        Tui {
            parser,
            writer,
            child,
            _master: pty.master,
        }
    }

    /// The text on screen now.
    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Types `keys`; returns when they were sent.
    fn press(&mut self, keys: &[u8]) -> Instant {
        self.writer.write_all(keys).unwrap();
        self.writer.flush().unwrap();
        Instant::now()
    }

    /// When the screen first satisfies `pred` (polled every 200 µs), or `None` after
    /// `timeout`.
    fn poll_until(&self, timeout: Duration, pred: &dyn Fn(&str) -> bool) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(&self.screen()) {
                return Some(Instant::now());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// When the screen first satisfies `pred`; panics with the screen after `timeout`.
    fn wait_for(&self, timeout: Duration, pred: &dyn Fn(&str) -> bool) -> Instant {
        self.poll_until(timeout, pred)
            .unwrap_or_else(|| panic!("timed out; screen:\n{}", self.screen()))
    }

    /// [`Tui::wait_for`] with the 60 s limit of the key-press measurements.
    fn wait(&self, pred: &dyn Fn(&str) -> bool) -> Instant {
        self.wait_for(Duration::from_secs(60), pred)
    }

    /// The child's peak resident set (VmHWM in `/proc/<pid>/status`), in KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.process_id()?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// Presses `q` and waits for the binary to exit.
    fn quit(mut self) {
        self.press(b"q");
        let _ = self.child.wait();
    }
}

impl Drop for Tui {
    /// A measurement that panicked (a timeout) leaves no binary behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Key press to redraw, measured on the real binary while a full count runs.
fn keypress_during_count_and_filter(_: &mut Criterion) {
    let Some(db) = std::env::var_os("SPEAR_BENCH_DB") else {
        eprintln!(
            "keypress_during_count: set SPEAR_BENCH_DB to a database directory to measure it"
        );
        return;
    };
    let mut tui = Tui::spawn(&db, 40, 140);
    tui.wait(&|s| s.contains('›'));
    let mut latencies = Vec::new();
    for round in 0..30 {
        // Start (or restart) a full count, then press j and time the redraw.
        tui.press(b"c");
        tui.wait(&|s| s.contains("counting"));
        let before = tui.screen();
        let selected_line = |s: &str| s.lines().position(|l| l.contains('›'));
        let start = tui.press(if round % 2 == 0 { b"j" } else { b"k" });
        let line_before = selected_line(&before);
        let done = tui.wait(&|s| selected_line(s) != line_before);
        if tui.screen().contains("counting") {
            latencies.push(done - start);
        }
    }
    // The same while a substring filter scans every key: open help and time it.
    let mut filter_latencies = Vec::new();
    for _ in 0..30 {
        tui.press(b"/\tno-such-key-anywhere\r");
        tui.wait(&|s| s.contains("scanning:"));
        let start = tui.press(b"?");
        let done = tui.wait(&|s| s.contains("Esc or ? closes"));
        // Keep the sample only if the screen that answered still shows the scan running.
        if tui.screen().contains("scanning:") {
            filter_latencies.push(done - start);
        }
        tui.press(b"\x1b");
        tui.wait(&|s| !s.contains("Esc or ? closes"));
        // Clear the filter: `/` offers the last one again, which Tab would turn into a
        // prefix and the typing lengthen. Esc first stops a count still running or
        // dismisses a message, so it is pressed until the filter is gone.
        let cleared = (0..5).any(|_| {
            tui.press(b"\x1b");
            tui.poll_until(Duration::from_secs(2), &|s| {
                !s.contains("no-such-key-anywhere")
            })
            .is_some()
        });
        assert!(cleared, "the filter stays; screen:\n{}", tui.screen());
    }
    tui.quit();
    filter_latencies.sort();
    println!(
        "keypress_during_filter: median {:.2} ms, max {:.2} ms over {} presses (target: under 50 ms)",
        filter_latencies[filter_latencies.len() / 2].as_secs_f64() * 1000.0,
        filter_latencies.last().unwrap().as_secs_f64() * 1000.0,
        filter_latencies.len()
    );
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "keypress_during_count: median {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} presses (target: under 50 ms)",
        ms(latencies[latencies.len() / 2]),
        ms(latencies[latencies.len() * 9 / 10]),
        ms(*latencies.last().unwrap()),
        latencies.len()
    );
}

/// The key figure on the status bar (`~906,947 keys (estimate; can be high)`, `counting…
/// 12,345`, `632,070 keys`): the part between its `│` separators that speaks of keys.
fn key_figure(screen: &str) -> Option<String> {
    screen
        .lines()
        .filter(|l| l.contains("│ cf "))
        .flat_map(|l| l.split('│'))
        .map(str::trim)
        .find(|part| {
            part.starts_with("counting…")
                || (part.starts_with(|c: char| c == '~' || c.is_ascii_digit())
                    && part.contains(" keys"))
        })
        .map(str::to_string)
}

/// What proves that a screen is on show: a test of the text on screen.
type Shown = dyn Fn(&str) -> bool;

/// One pass over the whole TUI on a large database (the real binary, 40x140, on
/// `SPEAR_BENCH_DB`): spawn to the first frame of the Keys list, each screen from its
/// key to its first frame with content, a full count's wall time, and the binary's peak
/// memory. Screens opened earlier may still be working in the background (the Log screen
/// reads the rest of the LOG, the Disk screen counts tombstones), as when a user goes
/// through them. Run by `scripts/bench-scale.sh`.
fn screens_at_scale(_: &mut Criterion) {
    let Some(db) = std::env::var_os("SPEAR_BENCH_DB") else {
        eprintln!("screens_at_scale: set SPEAR_BENCH_DB to a database directory to measure it");
        return;
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mib = |kib: Option<u64>| kib.map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0));
    // Opening a 100M-key database, or reading its statistics, may take a while: the
    // limits are for a binary that hangs, not for a slow one.
    let screen_limit = Duration::from_secs(600);

    let spawned = Instant::now();
    let mut tui = Tui::spawn(&db, 40, 140);
    // The Keys list's selected-row marker: the first page of keys is drawn.
    let first = tui.wait_for(screen_limit, &|s| s.contains('›'));
    println!("scale: first frame {:.0} ms", ms(first - spawned));
    println!(
        "scale: peak RSS at first frame {} MiB",
        mib(tui.peak_rss_kib())
    );
    // RocksDB's estimate (rocksdb.estimate-num-keys) comes with the Keys screen's start.
    let estimated = tui.poll_until(Duration::from_secs(10), &|s| {
        key_figure(s).is_some_and(|f| f.starts_with('~'))
    });
    match estimated {
        Some(at) => {
            let figure = key_figure(&tui.screen()).unwrap_or_default();
            let estimate = figure.split(' ').next().unwrap_or("?").to_string();
            println!(
                "scale: key estimate {estimate} (shown {:.0} ms after the first frame)",
                ms(at.saturating_duration_since(first))
            );
        }
        None => println!(
            "scale: key estimate not shown within 10 s ({})",
            key_figure(&tui.screen()).unwrap_or_default()
        ),
    }

    // (key, name, what proves the screen is on show with its first content). Each text
    // is drawn only once the screen's first answer is in, never by its "reading…"
    // placeholder or by another screen.
    let screens: [(&[u8], &str, &Shown); 8] = [
        // Nodes: the table's title, drawn once node:* records are read (an empty
        // registry says "nodes · 0 of 0").
        (b"2", "Nodes", &|s| s.contains(" nodes · ")),
        // Resources: likewise, " resources · N reports".
        (b"3", "Resources", &|s| s.contains(" resources · ")),
        // Stats: the overview's second line, drawn from the collected statistics.
        (b"4", "Stats", &|s| s.contains("written by RocksDB")),
        // Events: the streams pane's title, " streams · N", once streams are listed.
        (b"5", "Events", &|s| s.contains(" streams · ")),
        // Disk, files page: the total's title, " 133.83 MiB in all (…) ".
        (b"6", "Disk files", &|s| s.contains(" in all (")),
        // Disk, prefixes page (Tab): the key space by prefix, estimated from SST sizes,
        // or exact where the estimate counts instead (small column families, or a fifth
        // of the keys still in memtables). Its title says which; "counting…" while the
        // fallback count runs.
        (b"\t", "Disk estimate", &|s| {
            (s.contains("estimated from SST sizes") || s.contains(" · exact "))
                && !s.contains("keys read (Esc stops)")
        }),
        // Log: the entries pane's title ("all notable · N entries · t narrows"), drawn
        // from the newest 4 MiB of the LOG at the latest.
        (b"7", "Log", &|s| s.contains(" · t narrows ")),
        // WAL: the batches table's title ("newest N batches, M operations, newest
        // first"), drawn even when the WAL holds none.
        (b"8", "WAL", &|s| s.contains(" operations, newest first ")),
    ];
    let mut disk_pressed = None;
    for (key, name, shown) in screens {
        let pressed = tui.press(key);
        let at = tui.wait_for(screen_limit, shown);
        if name == "Disk files" {
            disk_pressed = Some(pressed);
        }
        if name == "Disk estimate" {
            let s = tui.screen();
            let how = if s.contains("estimated from SST sizes") {
                "estimated"
            } else {
                "exact: the estimate counted instead"
            };
            println!(
                "scale: screen {name} {:.0} ms after Tab, {:.0} ms after 6 ({how})",
                ms(at - pressed),
                ms(at - disk_pressed.unwrap_or(pressed))
            );
        } else {
            println!("scale: screen {name} {:.0} ms", ms(at - pressed));
        }
    }
    // Back to Keys: its footer's ": goto" is on no other screen.
    let pressed = tui.press(b"1");
    let at = tui.wait_for(screen_limit, &|s| s.contains(": goto") && s.contains('›'));
    println!("scale: screen Keys (back) {:.0} ms", ms(at - pressed));
    println!(
        "scale: peak RSS before count {} MiB",
        mib(tui.peak_rss_kib())
    );

    // A full count: `c`, then until the status bar's figure is a plain "N keys" (neither
    // "counting… N" nor the "~N keys (estimate…)" that was there before). Were it exact
    // already, the count must be seen running first.
    let exact = |f: &str| f.starts_with(|c: char| c.is_ascii_digit());
    let exact_before = key_figure(&tui.screen()).is_some_and(|f| exact(&f));
    let saw_counting = std::cell::Cell::new(false);
    let pressed = tui.press(b"c");
    let done = tui.wait_for(Duration::from_secs(3 * 3600), &|s| match key_figure(s) {
        Some(f) if f.starts_with("counting") => {
            saw_counting.set(true);
            false
        }
        Some(f) => exact(&f) && (!exact_before || saw_counting.get()),
        None => false,
    });
    let counted = key_figure(&tui.screen()).unwrap_or_default();
    println!(
        "scale: full count {:.1} s ({counted})",
        (done - pressed).as_secs_f64()
    );
    println!("scale: peak RSS {} MiB", mib(tui.peak_rss_kib()));
    tui.quit();
}

/// Polling statistics on the worker: the cost of every refresh.
fn stats_poll(c: &mut Criterion) {
    let Some(db) = std::env::var_os("SPEAR_BENCH_DB") else {
        eprintln!("stats_poll: set SPEAR_BENCH_DB to a database directory to measure it");
        return;
    };
    let source =
        spear_next::inspector::source::Source::open(std::path::Path::new(&db), false).unwrap();
    c.bench_function("stats_poll", |b| {
        b.iter(|| {
            spear_next::inspector::analysis::stats::collect_stats(black_box(&source)).unwrap()
        })
    });
}

/// The Keys screen's "contains" filter over every key of `SPEAR_BENCH_DB` (a text no key
/// holds, so the whole walk is matching, as `count --contains` does), to its final
/// answer. Run pinned to one core (`taskset -c 0`: one walk thread) and on every core by
/// `scripts/bench-parallel.sh`.
fn filter_scan(c: &mut Criterion) {
    use spear_next::inspector::worker::{Context, Job, Request};
    let Some(db) = std::env::var_os("SPEAR_BENCH_DB") else {
        eprintln!("filter_scan: set SPEAR_BENCH_DB to a database directory to measure it");
        return;
    };
    let source =
        spear_next::inspector::source::Source::open(std::path::Path::new(&db), false).unwrap();
    let mut group = c.benchmark_group("filter_scan");
    group.sample_size(10);
    group.bench_function("no_match", |b| {
        b.iter(|| {
            let job = Job::Filter {
                test: spear_next::inspector::worker::FilterTest::Contains(
                    b"no key holds this".to_vec(),
                ),
                cap: 1000,
            };
            let request = Request::new(1, Context::cf("default"), job);
            let token = tokio_util::sync::CancellationToken::new();
            let done = std::sync::atomic::AtomicBool::new(false);
            spear_next::inspector::worker::run_request(&source, request, &token, &|e| {
                if matches!(e.body, Body::Filtered { .. }) {
                    done.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
            assert!(done.into_inner(), "the filter answered");
        })
    });
    group.finish();
}

/// Opening the Nodes screen on a registry of 10,000 nodes (and their resource records):
/// reading and decoding both registries, sorting, and drawing the first frame.
fn nodes_screen_10k(c: &mut Criterion) {
    use spear_next::storage::kv::{KvStore, KvStoreConfig, RocksDbKvStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = RocksDbKvStore::open(&KvStoreConfig::rocksdb(&path))
            .await
            .unwrap();
        let pairs = registry::registry_pairs();
        store.batch_put(&pairs).await.unwrap();
    });
    let source = spear_next::inspector::source::Source::open(&path, false).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    c.bench_function("nodes_screen_open_10k", |b| {
        b.iter(|| {
            let mut app = app_at_120x40();
            let commands = app.update(spear_next::inspector::input::action::Action::Screen(2));
            let Some(Command::Run(request)) = commands.into_iter().next() else {
                panic!("the Nodes screen asks for the registries")
            };
            let events = std::sync::Mutex::new(Vec::new());
            let token = tokio_util::sync::CancellationToken::new();
            spear_next::inspector::worker::run_request(&source, request, &token, &|e| {
                events.lock().unwrap().push(e)
            });
            for event in events.into_inner().unwrap() {
                app.on_event(event);
            }
            assert_eq!(app.screen::<NodesView>().rows.len(), 10_000);
            terminal.draw(|frame| ui::draw(frame, &app)).unwrap();
        })
    });
}

/// Writes `streams` event streams of `per_stream` events each, as upstream SMS stores
/// them (JSON envelopes of about 400 bytes with a TaskEvent payload, counters).
fn write_event_streams(path: &std::path::Path, streams: usize, per_stream: u64) {
    let db = rocksdb::DB::open_default(path).unwrap();
    let payload: Vec<u8> = (0..60u8).collect();
    for s in 0..streams {
        let stream = format!("node.{:08x}-0000-4000-8000-{:012x}", s * 7919, s);
        let mut batch = rocksdb::WriteBatch::default();
        for seq in 1..=per_stream {
            let value = serde_json::json!({
                "event_id": format!("00000000-0000-4000-8000-{seq:012}"), "ts_ms": 1_764_072_000_000i64 + seq as i64,
                "stream": stream, "seq": seq, "resource_type": 1, "resource_id": format!("task-{}", seq % 97),
                "op": 2, "schema_version": 1, "node_uuid": stream, "correlation_id": "", "headers": {},
                "payload_type_url": "type.googleapis.com/sms.TaskEvent", "payload_value": payload,
                "payload_bytes": [], "content_type": "application/protobuf",
            });
            batch.put(format!("events:{stream}:{seq}"), value.to_string());
        }
        batch.put(format!("events_counter:{stream}"), per_stream.to_string());
        db.write(batch).unwrap();
    }
    db.compact_range::<&[u8], &[u8]>(None, None);
}

/// Pressing 5: list the streams, read the first stream's newest page, draw the frame.
fn events_screen(c: &mut Criterion) {
    for (name, streams, per_stream) in [
        ("events_screen_open_100x100_plus_10k", 100, 100),
        ("events_screen_open_100_streams_at_cap", 100, 10_000),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        write_event_streams(&path, streams, per_stream);
        if per_stream < 10_000 {
            // One stream at upstream's cap beside the small ones.
            let db = rocksdb::DB::open_default(&path).unwrap();
            for seq in 1..=10_000u64 {
                db.put(format!("events:all:{seq}"), format!(r#"{{"seq":{seq}}}"#))
                    .unwrap();
            }
            db.put("events_counter:all", "10000").unwrap();
        }
        let source = spear_next::inspector::source::Source::open(&path, false).unwrap();
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut group = c.benchmark_group("events");
        group.sample_size(10);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut app = app_at_120x40();
                let mut queue: std::collections::VecDeque<Command> = app
                    .update(spear_next::inspector::input::action::Action::Screen(5))
                    .into();
                while let Some(command) = queue.pop_front() {
                    let Command::Run(request) = command else {
                        continue;
                    };
                    let events = std::sync::Mutex::new(Vec::new());
                    // The first frame needs the counters, not the counts, which the worker
                    // goes on with while the frame is drawn: stop the listing there.
                    let token = tokio_util::sync::CancellationToken::new();
                    spear_next::inspector::worker::run_request(&source, request, &token, &|e| {
                        if matches!(
                            e.body,
                            spear_next::inspector::worker::Body::StreamsCounted(_)
                        ) {
                            token.cancel();
                        }
                        events.lock().unwrap().push(e)
                    });
                    for event in events.into_inner().unwrap() {
                        queue.extend(app.on_event(event));
                    }
                }
                assert!(!app.screen::<EventsView>().page.is_empty());
                terminal.draw(|frame| ui::draw(frame, &app)).unwrap();
            })
        });
        group.finish();
    }
}

/// From pressing `n` to the first drawn 120x40 frame of that screen, every request it
/// makes run to its answer: the Log screen (7) on `SPEAR_BENCH_LOG_DB` (a database whose
/// LOG is large, e.g. 100 MB from `scripts/bench-diagnosis.sh`) and the WAL screen (8) on
/// `SPEAR_BENCH_WAL_DB` (a database with a large WAL).
fn log_and_wal_screens(c: &mut Criterion) {
    for (var, screen, name) in [
        ("SPEAR_BENCH_LOG_DB", 7u8, "log_screen_first_frame"),
        ("SPEAR_BENCH_WAL_DB", 8u8, "wal_screen_first_frame"),
    ] {
        let Some(db) = std::env::var_os(var) else {
            eprintln!("{name}: set {var} to a database directory to measure it");
            continue;
        };
        let source =
            spear_next::inspector::source::Source::open(std::path::Path::new(&db), false).unwrap();
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let mut group = c.benchmark_group("diagnosis");
        group.sample_size(10);
        // Timed from the key press to the first frame that shows the screen's data. The
        // worker runs each request on a thread of its own, as in the TUI; the Log job goes
        // on reading the whole LOG after its first answer, which is not waited for.
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let started = Instant::now();
                    let mut app = app_at_120x40();
                    let mut queue: std::collections::VecDeque<Command> = app
                        .update(spear_next::inspector::input::action::Action::Screen(screen))
                        .into();
                    std::thread::scope(|scope| {
                        while let Some(command) = queue.pop_front() {
                            let Command::Run(request) = command else {
                                continue;
                            };
                            let (tx, rx) = std::sync::mpsc::channel();
                            let tx = Mutex::new(tx);
                            let source = &source;
                            scope.spawn(move || {
                                let token = tokio_util::sync::CancellationToken::new();
                                spear_next::inspector::worker::run_request(
                                    source,
                                    request,
                                    &token,
                                    &|e| {
                                        let _ = tx.lock().unwrap().send(e);
                                    },
                                );
                            });
                            // The first answer that draws something: a partial LOG or the
                            // final answer.
                            for event in rx.iter() {
                                let done = matches!(event.body, Body::LogPartial(_))
                                    || event.body.is_final();
                                queue.extend(app.on_event(event));
                                if done {
                                    break;
                                }
                            }
                        }
                        assert!(
                            app.screen::<LogView>().report.is_some()
                                || app.screen::<WalView>().report.is_some()
                        );
                        terminal.draw(|frame| ui::draw(frame, &app)).unwrap();
                        total += started.elapsed();
                    });
                }
                total
            })
        });
        group.finish();
    }
}

/// The Diff screen's comparison of 1M keys (16-byte keys, 100-byte values) against a
/// checkpoint with 5,000 changes, on one walk thread and on every core: the parallel
/// comparison's speed-up (`scripts/bench-parallel.sh` reads the two figures).
fn diff_screen_compare(c: &mut Criterion) {
    use spear_next::inspector::analysis::diff::browse::compare_sources;
    use spear_next::inspector::source::{Source, walk_threads};
    let dir = tempfile::tempdir().unwrap();
    let (a_path, b_path) = (dir.path().join("a"), dir.path().join("b"));
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        let db = rocksdb::DB::open(&opts, &a_path).unwrap();
        for chunk in 0..100u32 {
            let mut batch = rocksdb::WriteBatch::default();
            for i in 0..10_000u32 {
                let n = (chunk * 10_000 + i).wrapping_mul(2_654_435_761);
                batch.put(format!("key:{n:010}  "), [b'v'; 100]);
            }
            db.write(batch).unwrap();
        }
        db.flush().unwrap();
        rocksdb::checkpoint::Checkpoint::new(&db)
            .unwrap()
            .create_checkpoint(&b_path)
            .unwrap();
    }
    {
        let db = rocksdb::DB::open(&rocksdb::Options::default(), &b_path).unwrap();
        for i in 0..5_000u32 {
            let n = (i * 200).wrapping_mul(2_654_435_761);
            db.put(format!("key:{n:010}  "), b"changed").unwrap();
        }
        db.flush().unwrap();
    }
    let a = Source::open(&a_path, false).unwrap();
    let b = Source::open(&b_path, false).unwrap();
    let mut group = c.benchmark_group("diff_screen_compare_1m");
    group.sample_size(10);
    for (name, threads) in [("1_thread", 1), ("all_threads", walk_threads())] {
        group.bench_function(name, |bench| {
            bench.iter(|| {
                let report = compare_sources(&a, &b, threads, &|| false, &mut |_| {})
                    .unwrap()
                    .unwrap();
                assert_eq!(report.total(), 5_000);
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    diff_screen_compare,
    log_and_wal_screens,
    events_screen,
    frame_200x60,
    stats_poll,
    filter_scan,
    nodes_screen_10k,
    keypress_during_count_and_filter,
    screens_at_scale
);
criterion_main!(benches);
