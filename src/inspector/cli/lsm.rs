//! `lsm`: the LSM by prefix (`analysis::lsm`) as text or JSON, with progress on a
//! terminal's stderr: per prefix its bytes and files per level, tombstones, older
//! versions, the files a read checks and what a compaction would reclaim, with the
//! `compact` command, the most reclaimable first.

use std::io::{self, Write};
use std::sync::atomic::Ordering;

use super::Outcome;
use super::args::{GlobalArgs, LsmArgs};
use super::byte_progress::ByteProgress;
use super::db::{READ_ONLY, blocking, open_cf};
use super::error::CliError;
use super::groups::DbArgs;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::analysis::lsm;
use crate::inspector::source::yielding::on_walk_thread;
use crate::inspector::text::lsm::{DEFAULT_ROWS, text};

/// `lsm DB [--cf CF] [--prefix P] [--delimiter D | --prefix-len N] [--all] [--json]`.
pub(super) async fn lsm(args: LsmArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db.db, "the LSM by prefix")?;
    let grouping = args.grouping.grouping(global.key_hex)?;
    let LsmArgs {
        db: DbArgs { db, cf },
        all,
        json,
        ..
    } = args;
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    let progress = ByteProgress::default();
    let ticker = progress.start("lsm", "read");
    let (done, total) = (progress.done.clone(), progress.total.clone());
    let report = blocking("lsm", move || {
        // At nice 10 and the idle I/O class unless --normal-priority: the service first.
        on_walk_thread(|| {
            lsm::lsm(&source, &cf, &grouping, &|| false, &mut |read, of| {
                done.store(read, Ordering::Relaxed);
                total.store(of, Ordering::Relaxed);
            })
        })
    })
    .await;
    ticker.finish();
    let mut report = report?.ok_or_else(|| {
        CliError::from(crate::inspector::error::InspectError::Invalid(
            "the read of the table files stopped before the end".into(),
        ))
    })?;
    lsm::with_commands(&mut report, &db.display().to_string());
    if json {
        print_json_line(&report)?;
    } else {
        let rows = (!all).then_some(DEFAULT_ROWS);
        ignore_broken_pipe(
            io::stdout()
                .lock()
                .write_all(text(&report, rows).as_bytes()),
        )?;
    }
    // Figures short of a damaged file's entries are not a clean answer: a script must
    // be able to tell.
    Ok(if report.unread.is_empty() {
        Outcome::Success
    } else {
        Outcome::Damaged
    })
}
