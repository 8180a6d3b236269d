//! `verify`: is the database damaged, and what is lost (`analysis::verify`), as text or
//! JSON, with progress on a terminal's stderr. Exit 0 when nothing is damaged (a torn
//! end of the newest WAL or the MANIFEST included), 7 when something is.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use humansize::{BINARY, format_size};

use super::Outcome;
use super::args::ReportArgs;
use super::db::blocking;
use super::error::CliError;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::analysis::verify::{self, VerifyReport};

/// `verify DB [--json]`.
pub(super) async fn verify(args: ReportArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db, "a check of every file's checksums")?;
    let done = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let ticker = io::stderr().is_terminal().then(|| {
        let (done, total, finished) =
            (Arc::clone(&done), Arc::clone(&total), Arc::clone(&finished));
        std::thread::spawn(move || progress(&done, &total, &finished))
    });
    let db = args.db.clone();
    let (d, t) = (Arc::clone(&done), Arc::clone(&total));
    let report = blocking("verify", move || verify::verify(&db, &d, &t)).await;
    finished.store(true, Ordering::SeqCst);
    if let Some(ticker) = ticker {
        let _ = ticker.join();
    }
    let report = report?;
    let mut out = io::stdout().lock();
    if args.json {
        print_json_line(&report)?;
    } else {
        ignore_broken_pipe(out.write_all(text(&report).as_bytes()))?;
    }
    Ok(if report.needs_backup {
        Outcome::Damaged
    } else {
        Outcome::Success
    })
}

/// One line on stderr, redrawn each second: bytes checked of the bytes to check.
fn progress(done: &AtomicU64, total: &AtomicU64, finished: &AtomicBool) {
    let began = Instant::now();
    let mut drawn = false;
    while !finished.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if began.elapsed() < Duration::from_secs(1) || began.elapsed().subsec_millis() >= 100 {
            continue;
        }
        let (done, total) = (
            done.load(Ordering::Relaxed),
            total.load(Ordering::Relaxed).max(1),
        );
        eprint!(
            "\r\x1b[Kverify: {} of {} checked ({}%)",
            format_size(done, BINARY),
            format_size(total, BINARY),
            done * 100 / total
        );
        drawn = true;
    }
    if drawn {
        eprint!("\r\x1b[K");
    }
}

/// The verdict first, then each damage and the keys lost, then what was read.
pub fn text(r: &VerifyReport) -> String {
    let mut text = format!("{}\n", r.verdict);
    if !r.damage.is_empty() {
        text.push_str("\ndamage:\n");
        for d in &r.damage {
            let mut place = d.file.clone();
            if let Some(level) = d.level {
                place.push_str(&format!(" (L{level}"));
                if let Some(cf) = &d.cf {
                    place.push_str(&format!(", cf {cf}"));
                }
                place.push(')');
            }
            let at = d
                .offset
                .map(|o| format!(" at offset {o}"))
                .unwrap_or_default();
            text.push_str(&format!("  {place}: {}{at}: {}\n", d.part, d.reason));
        }
    }
    if !r.lost.is_empty() {
        text.push_str("\nkeys a read cannot return:\n");
        for l in &r.lost {
            let count = l
                .estimated_keys
                .map_or_else(|| "keys".to_string(), |n| format!("~{n} keys"));
            let range = if l.whole_file {
                format!(
                    "{} to {} (the whole file)",
                    l.after.as_deref().unwrap_or(""),
                    l.through
                )
            } else {
                match &l.after {
                    Some(after) => format!("after {after} through {}", l.through),
                    None => format!("from the file's first key through {}", l.through),
                }
            };
            let level = l.level.map(|n| format!(" L{n}")).unwrap_or_default();
            text.push_str(&format!(
                "  cf {} {}{level}: {count}, {range}\n",
                l.cf, l.file
            ));
        }
    }
    if !r.unchecked.is_empty() {
        text.push_str("\nnot checked (not called sound):\n");
        for u in &r.unchecked {
            text.push_str(&format!("  {u}\n"));
        }
    }
    text.push_str(&format!(
        "\nread {} of {} in {:.2} s on {} thread{}: {} blocks, {} blob records; MANIFEST {}; {} WAL file{}\n",
        format_size(r.bytes_read, BINARY),
        format_size(r.bytes_total, BINARY),
        r.seconds,
        r.threads,
        if r.threads == 1 { "" } else { "s" },
        r.blocks_checked,
        r.blob_records_checked,
        r.manifest.as_deref().unwrap_or("unreadable"),
        r.wal_files,
        if r.wal_files == 1 { "" } else { "s" },
    ));
    text
}
