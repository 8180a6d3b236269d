//! `verify`: is the database damaged, and what is lost (`analysis::verify`), as text or
//! JSON, with progress on a terminal's stderr. Exit 0 when nothing is damaged (a torn
//! end of the newest WAL or the MANIFEST is not damage), 7 when something is.

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
use crate::inspector::analysis::verify;
use crate::inspector::text::verify::text;

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
    Ok(if report.damaged {
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
