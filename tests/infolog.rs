//! The info-LOG reader against LOG files written by RocksDB 7.8's `db_bench`, compared
//! with `grep` and an independent JSON scan.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use spear_next::inspector::formats::infolog::*;

use crate::compat78::require_tools;

/// Options shared by every db_bench run of the fixture, beyond those that make it stall
/// ([`crate::compat78::STALLING`]).
const COMMON: &[&str] = &["--num_column_families=2", "--stats_dump_period_sec=1"];

/// A DB directory with `LOG` and three `LOG.old.*`: one `fillrandom` run, then three
/// `overwrite --use_existing_db=1` runs (each reopen rotates the LOG). Written once per run
/// of the test binary, into a directory emptied first.
fn fixture() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("infolog-fixture");
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).expect("create the LOG fixture directory");
        let db = root.join("db");
        let run = |args: &[&str]| {
            let out = Command::new("db_bench")
                .args(args)
                .args(crate::compat78::STALLING)
                .args(COMMON)
                .arg(format!("--db={}", db.display()))
                .output()
                .expect("run db_bench");
            assert!(
                out.status.success(),
                "db_bench failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&["--benchmarks=fillrandom", "--num=100000"]);
        for _ in 0..3 {
            // LOG.old.<micros>: distinct names need distinct microseconds.
            std::thread::sleep(std::time::Duration::from_millis(20));
            run(&[
                "--benchmarks=overwrite",
                "--use_existing_db=1",
                "--num=30000",
            ]);
        }
        db
    })
}

fn grep_count(pattern: &str, file: &Path) -> u64 {
    let out = Command::new("grep")
        .arg("-c")
        .arg(pattern)
        .arg(file)
        .output()
        .expect("grep");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn all_entries(dir: &Path, filter: LogFilter) -> (Vec<PathBuf>, Vec<LogEntry>) {
    let s = LogStream::open_dir(dir, filter).unwrap();
    let files = s.files().to_vec();
    let entries = s.collect::<Result<Vec<_>, _>>().unwrap();
    (files, entries)
}

#[test]
fn files_in_time_order() {
    require_tools();
    let files = log_files(fixture()).unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
    assert_eq!(files.last().unwrap().file_name().unwrap(), "LOG");
    let nums: Vec<u64> = files[..3]
        .iter()
        .map(|p| {
            p.file_name().unwrap().to_str().unwrap()["LOG.old.".len()..]
                .parse()
                .unwrap()
        })
        .collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn stall_counts_equal_grep() {
    require_tools();
    let (files, entries) = all_entries(fixture(), LogFilter::default());
    let mut total = 0;
    for (i, f) in files.iter().enumerate() {
        let ours = |c: StallCondition| {
            entries
                .iter()
                .filter(|e| {
                    e.file == i && matches!(&e.event, LogEvent::Stall(s) if s.condition == c)
                })
                .count() as u64
        };
        let stalling = grep_count("Stalling writes because", f);
        let stopping = grep_count("Stopping writes because", f);
        assert_eq!(ours(StallCondition::Stalling), stalling, "{}", f.display());
        assert_eq!(ours(StallCondition::Stopping), stopping, "{}", f.display());
        total += stalling + stopping;
    }
    assert!(total > 0, "the fixture must have write stalls");
    // Every stall names its cf and a known cause.
    for e in &entries {
        if let LogEvent::Stall(s) = &e.event {
            assert!(e.cf.is_some());
            assert_ne!(s.cause, StallCause::Other, "{}", e.text);
        }
    }
    // The kind filter gives the same.
    let (_, stalls) = all_entries(
        fixture(),
        LogFilter {
            kinds: Some(KindSet::empty().with(Kind::Stall)),
            ..Default::default()
        },
    );
    assert_eq!(stalls.len() as u64, total);
}

#[test]
fn json_event_counts_equal_grep() {
    require_tools();
    let (files, entries) = all_entries(fixture(), LogFilter::default());
    for kind in [
        "flush_started",
        "flush_finished",
        "compaction_started",
        "compaction_finished",
        "table_file_creation",
        "table_file_deletion",
        "recovery_started",
        "recovery_finished",
    ] {
        let mut grep_total = 0;
        for (i, f) in files.iter().enumerate() {
            let g = grep_count(&format!("\"event\": \"{kind}\""), f);
            let ours = entries
                .iter()
                .filter(|e| {
                    e.file == i && matches!(&e.event, LogEvent::Event(j) if j.kind.name() == kind)
                })
                .count() as u64;
            assert_eq!(ours, g, "{kind} in {}", f.display());
            grep_total += g;
        }
        if !kind.starts_with("recovery") {
            assert!(grep_total > 0, "{kind}");
        }
    }
    // Flush and compaction events get their cf from the job's other lines.
    for e in &entries {
        if let LogEvent::Event(j) = &e.event
            && matches!(
                j.kind,
                EventKind::FlushStarted
                    | EventKind::FlushFinished
                    | EventKind::CompactionStarted
                    | EventKind::CompactionFinished
                    | EventKind::TableFileCreation
            )
        {
            assert!(e.cf.is_some(), "no cf: {}", e.text);
        }
    }
    // Filtering by cf keeps only that cf, and both cfs together are all cf-bearing events.
    let cf_events = |cfs: Vec<&str>| {
        all_entries(
            fixture(),
            LogFilter {
                cfs: Some(cfs.into_iter().map(String::from).collect()),
                kinds: Some(KindSet::json_events()),
                ..Default::default()
            },
        )
        .1
    };
    let a = cf_events(vec!["default"]);
    let b = cf_events(vec!["column_family_name_000001"]);
    assert!(!a.is_empty() && !b.is_empty());
    assert!(a.iter().all(|e| e.cf.as_deref() == Some("default")));
    let with_cf = entries
        .iter()
        .filter(|e| {
            e.event.kind() != Kind::Info && matches!(e.event, LogEvent::Event(_)) && e.cf.is_some()
        })
        .count();
    assert_eq!(a.len() + b.len(), with_cf);
}

#[test]
fn options_dump_matches_db_bench_flags() {
    require_tools();
    let (_, entries) = all_entries(fixture(), LogFilter::default());
    // The first open's options.
    let mut opts: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut opens = 0;
    for e in &entries {
        match &e.event {
            LogEvent::DbOpen { version } => {
                opens += 1;
                assert_eq!(version, "7.8.3");
            }
            LogEvent::Options { cf, values } if opens == 1 => {
                let m = opts.entry(cf.clone().unwrap_or_default()).or_default();
                m.extend(values.iter().cloned());
            }
            _ => {}
        }
    }
    assert_eq!(opens, 4);
    let db = &opts[""];
    assert_eq!(db["max_background_jobs"], "1");
    assert_eq!(db["create_if_missing"], "1");
    for cf in ["default", "column_family_name_000001"] {
        let o = &opts[cf];
        assert_eq!(o["write_buffer_size"], "65536", "{cf}");
        assert_eq!(o["level0_file_num_compaction_trigger"], "2");
        assert_eq!(o["level0_slowdown_writes_trigger"], "3");
        assert_eq!(o["level0_stop_writes_trigger"], "6");
        assert_eq!(o["table_factory.block_size"], "4096");
        assert_eq!(o["table_factory.block_cache_options.capacity"], "8388608");
    }
    // The timeline keeps the last open's options, which are the same.
    let mut t = Timeline::default();
    entries.iter().for_each(|e| t.add(e));
    let s = t.finish();
    assert_eq!(s.options[""]["max_background_jobs"], "1");
    assert_eq!(s.options["default"]["write_buffer_size"], "65536");
    assert_eq!(s.opens.len(), 4);
}

#[test]
fn since_filter() {
    require_tools();
    let (files, all) = all_entries(fixture(), LogFilter::default());
    let times: Vec<NaiveDateTime> = all.iter().filter_map(|e| e.time).collect();
    let cut = times[times.len() / 2];
    let (_, after) = all_entries(
        fixture(),
        LogFilter {
            since: Some(cut),
            ..Default::default()
        },
    );
    let manual: Vec<&LogEntry> = all
        .iter()
        .filter(|e| e.time.is_some_and(|t| t >= cut))
        .collect();
    assert_eq!(after.len(), manual.len());
    assert!(after.iter().zip(&manual).all(|(a, b)| a == *b));
    assert!(!after.is_empty() && after.len() < all.len());
    // Independently: EVENT_LOG_v1 lines whose (original) timestamp text is >= the cut
    // (the format sorts as text).
    let cut_s = cut.format("%Y/%m/%d-%H:%M:%S%.6f").to_string();
    let mut n = 0;
    for f in &files {
        for line in fs::read_to_string(f).unwrap().lines() {
            let Some(i) = line.find("EVENT_LOG_v1 ") else {
                continue;
            };
            let t = match line.find("(Original Log Time ") {
                Some(j) if j < i => &line[j + 19..j + 45],
                _ => &line[..26],
            };
            n += u64::from(t >= cut_s.as_str());
        }
    }
    let ours = after
        .iter()
        .filter(|e| matches!(e.event, LogEvent::Event(_)))
        .count() as u64;
    assert_eq!(ours, n);
    // Relative `since` in the future excludes everything.
    let (_, none) = all_entries(
        fixture(),
        LogFilter {
            since: Some(parse_since("2999-01-01", cut).unwrap()),
            ..Default::default()
        },
    );
    assert!(none.is_empty());
}

#[test]
fn timeline_flush_bytes_and_stalls() {
    require_tools();
    let (files, entries) = all_entries(fixture(), LogFilter::default());
    // Independent: per file (one DB open each), jobs with flush_started, their table files.
    let mut flush_bytes = 0u64;
    let mut flush_finished = 0u64;
    let mut comp_write = 0u64;
    for f in &files {
        let mut flush_jobs = HashSet::new();
        for line in fs::read_to_string(f).unwrap().lines() {
            let Some(i) = line.find("EVENT_LOG_v1 ") else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(&line[i + 13..]).unwrap();
            let job = v["job"].as_u64();
            match v["event"].as_str().unwrap() {
                "flush_started" => {
                    flush_jobs.insert(job.unwrap());
                }
                "flush_finished" => flush_finished += 1,
                "table_file_creation" if flush_jobs.contains(&job.unwrap()) => {
                    flush_bytes += v["file_size"].as_u64().unwrap()
                }
                "compaction_finished" => comp_write += v["total_output_size"].as_u64().unwrap(),
                _ => {}
            }
        }
    }
    let mut t = Timeline::default();
    entries.iter().for_each(|e| t.add(e));
    let s = t.finish();
    assert!(flush_bytes > 0);
    assert_eq!(s.totals.flush_bytes, flush_bytes);
    assert_eq!(s.totals.flush_count, flush_finished);
    assert_eq!(s.totals.compaction_write_bytes, comp_write);
    let wa = s.totals.write_amplification.unwrap();
    assert!((wa - (flush_bytes + comp_write) as f64 / flush_bytes as f64).abs() < 1e-9);
    assert!(s.totals.compaction_mb_per_sec.unwrap() > 0.0);
    // Buckets add up to the totals.
    assert_eq!(
        s.buckets.iter().map(|b| b.stats.flush_bytes).sum::<u64>(),
        flush_bytes
    );
    assert!(s.buckets.len() as i64 <= 120 && !s.buckets.is_empty());
    // Stall periods: every stall message is in exactly one period; periods are fewer than
    // messages, at least one per cf that stalled, ordered, and per cf disjoint.
    let msgs = s.totals.stall_messages + s.totals.stop_messages;
    assert!(msgs > 0);
    assert_eq!(s.stall_periods.iter().map(|p| p.count).sum::<u64>(), msgs);
    assert!(!s.stall_periods.is_empty() && (s.stall_periods.len() as u64) < msgs);
    for p in &s.stall_periods {
        assert!(p.start <= p.end && p.count == p.stalling + p.stopping);
    }
    let cfs: HashSet<&str> = s.stall_periods.iter().map(|p| p.cf.as_str()).collect();
    assert_eq!(cfs.len(), 2);
    eprintln!(
        "timeline: {} buckets of {} s, {} stall periods from {msgs} messages, flush {} B, WA {wa:.2}",
        s.buckets.len(),
        s.bucket_secs,
        s.stall_periods.len(),
        flush_bytes
    );
    // It serializes.
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"stall_periods\""));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::File::create(dir.join(name))
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

fn entries_of(dir: &Path) -> Vec<LogEntry> {
    let entries: Vec<LogEntry> = LogStream::open_dir(dir, LogFilter::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut t = Timeline::default();
    entries.iter().for_each(|e| t.add(e));
    let _ = serde_json::to_string(&t.finish()).unwrap();
    entries
}

#[test]
fn robustness() {
    let dir = tempfile::tempdir().unwrap();
    // Empty LOG.
    write(dir.path(), "LOG", b"");
    assert!(entries_of(dir.path()).is_empty());
    // Truncated last line inside the JSON, no newline.
    write(
        dir.path(),
        "LOG",
        b"2026/11/26-07:19:10.489269 31743 EVENT_LOG_v1 {\"time_micros\": 1, \"job\": 2, \"event\": \"flush_started\"}\n2026/11/26-07:19:10.489270 31743 EVENT_LOG_v1 {\"time_micros\": 1795677550489253, \"job\": 2, \"event\": \"flush_fin",
    );
    let e = entries_of(dir.path());
    assert_eq!(e.len(), 2);
    assert!(matches!(e[0].event, LogEvent::Event(_)));
    assert_eq!(e[1].event, LogEvent::Info);
    // No timestamps: one entry per line, no time.
    write(dir.path(), "LOG", b"hello\nworld\n\n** DB Stats **\r\n");
    let e = entries_of(dir.path());
    assert_eq!(e.len(), 4);
    assert!(e.iter().all(|e| e.time.is_none()));
    assert_eq!(e[3].text, "** DB Stats **");
    assert_eq!(e[1].line_no, 2);
    // Continuation lines attach to the timestamped entry before them.
    write(dir.path(), "LOG", b"2026/11/26-07:19:13.483262 31775 [db/db_impl/db_impl.cc:1107] \n** DB Stats **\nUptime(secs): 3.0 total\n2026/11/26-07:19:13.483263 31775 next\n");
    let e = entries_of(dir.path());
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].event, LogEvent::StatsDump);
    assert_eq!(e[1].line_no, 4);
    // Invalid UTF-8 and a huge line.
    let mut big = b"2026/11/26-07:19:13.483262 31775 [WARN] \xff\xfe ".to_vec();
    big.extend(std::iter::repeat_n(b'x', 3 << 20));
    big.extend_from_slice(b"\n2026/11/26-07:19:13.483263 31775 after\n");
    write(dir.path(), "LOG", &big);
    let e = entries_of(dir.path());
    assert_eq!(e.len(), 2);
    assert!(e[0].truncated && e[0].text.len() <= 1 << 20);
    assert_eq!(e[0].event, LogEvent::Warn);
    assert_eq!(e[1].text, "after");
    // Binary garbage and mutated real LOG content: no panic.
    require_tools();
    let real = Some(fs::read(fixture().join("LOG")).unwrap());
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..30 {
        let mut data: Vec<u8> = match &real {
            Some(real) if round % 3 != 0 => {
                let start = (rnd() as usize) % real.len();
                real[start..(start + 300_000).min(real.len())].to_vec()
            }
            _ => (0..200_000).map(|_| rnd() as u8).collect(),
        };
        for _ in 0..(rnd() % 2000) {
            let i = (rnd() as usize) % data.len().max(1);
            if let Some(b) = data.get_mut(i) {
                *b = match rnd() % 4 {
                    0 => b'\n',
                    1 => b'"',
                    2 => b'[',
                    _ => rnd() as u8,
                };
            }
        }
        write(dir.path(), "LOG", &data);
        write(dir.path(), "LOG.old.1", &data[..data.len() / 3]);
        let _ = entries_of(dir.path());
    }
    // A missing file is an error naming it, and the stream goes on.
    let s = LogStream::new(
        vec![dir.path().join("nope"), dir.path().join("LOG.old.1")],
        LogFilter::default(),
    );
    let mut it = s;
    let first = it.next().unwrap().unwrap_err();
    assert!(first.to_string().contains("nope"), "{first}");
    assert!(it.next().is_some());
}

/// Builds a ~100 MB LOG by repeating the fixture's LOGs with timestamps shifted forward.
fn build_big(path: &Path, target: usize) -> usize {
    let mut src = Vec::new();
    for f in log_files(fixture()).unwrap() {
        src.extend(fs::read(f).unwrap());
    }
    let text = String::from_utf8_lossy(&src).into_owned();
    let first = NaiveDateTime::parse_from_str(&text[..26], "%Y/%m/%d-%H:%M:%S%.f").unwrap();
    let last_line = text
        .lines()
        .rev()
        .find(|l| {
            l.len() > 26 && NaiveDateTime::parse_from_str(&l[..26], "%Y/%m/%d-%H:%M:%S%.f").is_ok()
        })
        .unwrap();
    let last = NaiveDateTime::parse_from_str(&last_line[..26], "%Y/%m/%d-%H:%M:%S%.f").unwrap();
    let span = last - first + chrono::TimeDelta::seconds(1);
    let mut out = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let mut written = 0;
    let mut copy = 0;
    let shift = |s: &str, k: i32| -> String {
        match NaiveDateTime::parse_from_str(s, "%Y/%m/%d-%H:%M:%S%.f") {
            Ok(t) => (t + span * k).format("%Y/%m/%d-%H:%M:%S%.6f").to_string(),
            Err(_) => s.to_string(),
        }
    };
    while written < target {
        for line in text.lines() {
            let mut l = line.to_string();
            if l.len() >= 26 && l.is_char_boundary(26) {
                let s = shift(&l[..26], copy);
                if s != l[..26] {
                    l.replace_range(..26, &s);
                    if let Some(j) = l.find("(Original Log Time ")
                        && l.is_char_boundary(j + 45)
                    {
                        let s = shift(&l[j + 19..j + 45], copy);
                        l.replace_range(j + 19..j + 45, &s);
                    }
                }
            }
            written += l.len() + 1;
            writeln!(out, "{l}").unwrap();
        }
        copy += 1;
    }
    written
}

/// A 100 MB LOG (the fixture repeated): the first 100 events, every entry with the
/// timeline, events only, and `since` near the end, checked against grep and each other.
///
/// Ignored: the 100 MB fixture is too large for the suite. How fast these reads are is a
/// benchmark (README, benches), never a test.
#[test]
#[ignore = "a 100 MB fixture; the speed of these reads is a benchmark, not a test"]
fn a_100mb_log_reads_like_grep() {
    require_tools();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("LOG");
    build_big(&log, 100 << 20);
    let files = vec![log.clone()];

    let first100: Vec<LogEntry> = LogStream::new(
        files.clone(),
        LogFilter {
            kinds: Some(KindSet::json_events().with(Kind::Stall)),
            ..Default::default()
        },
    )
    .take(100)
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(first100.len(), 100);
    assert!(
        first100
            .iter()
            .all(|e| matches!(e.event, LogEvent::Event(_) | LogEvent::Stall(_)))
    );

    let mut events = 0u64;
    let mut stalls = 0u64;
    let mut tl = Timeline::default();
    for e in LogStream::new(files.clone(), LogFilter::default()) {
        let e = e.unwrap();
        events += u64::from(matches!(e.event, LogEvent::Event(_)));
        stalls += u64::from(matches!(e.event, LogEvent::Stall(_)));
        tl.add(&e);
    }
    let summary = tl.finish();

    let mut n_events_only = 0u64;
    for e in LogStream::new(
        files.clone(),
        LogFilter {
            kinds: Some(KindSet::json_events()),
            ..Default::default()
        },
    ) {
        e.unwrap();
        n_events_only += 1;
    }

    // `since` near the end: the reader seeks, and yields only what is after the cut.
    let cut = summary.last.unwrap() - chrono::TimeDelta::seconds(2);
    let late: Vec<LogEntry> = LogStream::new(
        files.clone(),
        LogFilter {
            since: Some(cut),
            kinds: Some(KindSet::json_events()),
            ..Default::default()
        },
    )
    .take(100)
    .collect::<Result<_, _>>()
    .unwrap();
    assert!(!late.is_empty() && late.iter().all(|e| e.time.unwrap() >= cut));

    assert_eq!(grep_count("EVENT_LOG_v1", &log), events);
    assert_eq!(n_events_only, events);
    assert_eq!(
        grep_count("Stalling writes because", &log) + grep_count("Stopping writes because", &log),
        stalls
    );
    assert_eq!(
        summary.totals.stall_messages + summary.totals.stop_messages,
        stalls
    );
}

#[test]
fn background_errors_and_warnings() {
    // Lines shaped like RocksDB 7.8's (db/error_handler.cc, db/db_impl/db_impl_compaction_flush.cc).
    let log = "\
2026/11/26-07:00:00.000001 7f00 RocksDB version: 7.8.3
2026/11/26-07:00:01.000000 7f01 [db/error_handler.cc:283] ErrorHandler: Set regular background error
2026/11/26-07:00:01.000001 7f01 [WARN] [db/error_handler.cc:395] Background IO error IO error: No space left on device: While appending to file: /db/000012.sst: No space left on device
2026/11/26-07:00:01.000002 7f01 [ERROR] [db/db_impl/db_impl_compaction_flush.cc:3047] Waiting after background compaction error: IO error: No space left on device, Accumulated background error counts: 1
2026/11/26-07:00:02.000000 7f01 [ERROR] [db/db_impl/db_impl_compaction_flush.cc:2968] Waiting after background flush error: IO error: x, Accumulated background error counts: 2
2026/11/26-07:00:03.000000 7f01 [ERROR] [db/db_impl/db_impl.cc:100] something else failed
2026/11/26-07:00:03.000001 7f01 [WARN] [db/db_impl/db_impl.cc:100] [default] just a warning
2026/11/26-07:00:04.000000 7f01 [db/db_impl/db_impl.cc:704] Shutdown complete
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "LOG", log.as_bytes());
    let e = entries_of(dir.path());
    let kinds: Vec<Kind> = e.iter().map(|e| e.event.kind()).collect();
    use Kind::*;
    assert_eq!(
        kinds,
        [
            DbOpen,
            BackgroundError,
            BackgroundError,
            BackgroundError,
            BackgroundError,
            Error,
            Warn,
            DbClose
        ]
    );
    assert_eq!(
        e[2].event,
        LogEvent::BackgroundError {
            source: BgErrorSource::Io
        }
    );
    assert_eq!(
        e[3].event,
        LogEvent::BackgroundError {
            source: BgErrorSource::Compaction
        }
    );
    assert_eq!(
        e[4].event,
        LogEvent::BackgroundError {
            source: BgErrorSource::Flush
        }
    );
    assert_eq!(e[6].cf.as_deref(), Some("default"));
    let mut t = Timeline::default();
    e.iter().for_each(|e| t.add(e));
    let s = t.finish();
    assert_eq!(s.error_count, 5);
    assert_eq!(s.totals.background_errors, 4);
    assert_eq!(s.errors[0].line_no, 2);
    assert_eq!(s.opens[0].version, "7.8.3");
}

#[test]
fn stats_dumps_equal_grep() {
    require_tools();
    let (files, entries) = all_entries(fixture(), LogFilter::default());
    for (i, f) in files.iter().enumerate() {
        let ours = entries
            .iter()
            .filter(|e| e.file == i && e.event == LogEvent::StatsDump)
            .count() as u64;
        assert_eq!(ours, grep_count("DUMPING STATS", f), "{}", f.display());
        assert!(ours > 0);
    }
    let dump = entries
        .iter()
        .find(|e| e.event == LogEvent::StatsDump)
        .unwrap();
    assert!(
        dump.text.contains("** Compaction Stats [default] **"),
        "{}",
        dump.text
    );
}

/// Stall counts equal grep's on a single-cf DB of 300k keys: the shared fixture's checks
/// on a larger run. Ignored: writing it takes about a minute (run it with `--ignored`).
#[test]
#[ignore = "a 300k-key db_bench run of about a minute; the shared fixture covers the same checks"]
fn stall_fixture_single_cf_300k() {
    require_tools();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = Command::new("db_bench")
        .args([
            "--benchmarks=fillrandom",
            "--num=300000",
            "--value_size=200",
            "--write_buffer_size=65536",
            "--level0_file_num_compaction_trigger=2",
            "--level0_slowdown_writes_trigger=3",
            "--level0_stop_writes_trigger=6",
            "--max_background_jobs=1",
        ])
        .arg(format!("--db={}", db.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let (files, entries) = all_entries(&db, LogFilter::default());
    assert_eq!(files.len(), 1);
    let count = |c: StallCondition| {
        entries
            .iter()
            .filter(|e| matches!(&e.event, LogEvent::Stall(s) if s.condition == c))
            .count() as u64
    };
    let (stalling, stopping) = (
        grep_count("Stalling writes because", &files[0]),
        grep_count("Stopping writes because", &files[0]),
    );
    assert!(stalling > 0 && stopping > 0);
    assert_eq!(count(StallCondition::Stalling), stalling);
    assert_eq!(count(StallCondition::Stopping), stopping);
}

#[test]
fn since_seek_on_a_large_file_equals_a_full_scan() {
    require_tools();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("LOG");
    build_big(&log, 30 << 20);
    let files = vec![log];
    let full: Vec<LogEntry> = LogStream::new(files.clone(), LogFilter::default())
        .collect::<Result<_, _>>()
        .unwrap();
    let times: Vec<NaiveDateTime> = full.iter().filter_map(|e| e.time).collect();
    for frac in [0.0, 0.3, 0.7, 0.999] {
        let cut = times[((times.len() - 1) as f64 * frac) as usize];
        let want: Vec<&LogEntry> = full
            .iter()
            .filter(|e| e.time.is_some_and(|t| t >= cut))
            .collect();
        let got: Vec<LogEntry> = LogStream::new(
            files.clone(),
            LogFilter {
                since: Some(cut),
                ..Default::default()
            },
        )
        .collect::<Result<_, _>>()
        .unwrap();
        assert_eq!(got.len(), want.len(), "cut {cut}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, *w);
        }
    }
    // A cut after the end: nothing, quickly.
    let late = *times.last().unwrap() + chrono::TimeDelta::hours(1);
    let n = LogStream::new(
        files,
        LogFilter {
            since: Some(late),
            ..Default::default()
        },
    )
    .count();
    assert_eq!(n, 0);
}

/// The Log screen keeps its newest entries within a byte budget as well as a count: 60
/// warnings of 900 KB each keep at most 32 MiB of text (the newest, in order), while the
/// counts still cover all 60.
#[test]
fn the_log_screen_keeps_its_entries_within_a_byte_budget() {
    use spear_next::inspector::analysis::recent::{LOG_SCREEN_BYTES, read_log};
    let dir = tempfile::tempdir().unwrap();
    let mut log = fs::File::create(dir.path().join("LOG")).unwrap();
    let body = "x".repeat(900_000);
    for i in 0..60 {
        writeln!(
            log,
            "2026/12/03-11:46:{:02}.000000 13337 [WARN] [db/db_impl.cc:1] warning {i:02} {body}",
            i % 60
        )
        .unwrap();
    }
    drop(log);
    let report = read_log(dir.path()).unwrap();
    assert_eq!(report.matched, 60, "every warning counted");
    let bytes: usize = report.entries.iter().map(|e| e.text.len()).sum();
    assert!(bytes <= LOG_SCREEN_BYTES, "{bytes} bytes held");
    assert!(
        report.entries.len() >= 30 && report.entries.len() < 60,
        "{}",
        report.entries.len()
    );
    assert!(
        report.entries.last().unwrap().text.contains("warning 59"),
        "the newest kept"
    );
    let first = 60 - report.entries.len();
    assert!(
        report.entries[0]
            .text
            .contains(&format!("warning {first:02}"))
    );
}
