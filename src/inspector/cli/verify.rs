//! `verify`: is the database damaged, and what is lost (`analysis::verify`), as text or
//! JSON, with progress on a terminal's stderr. Exit 0 when nothing is damaged (a torn
//! end of the newest WAL or the MANIFEST is not damage), 7 when something is.

use std::io::{self, Write};
use std::sync::Arc;

use super::Outcome;
use super::args::ReportArgs;
use super::byte_progress::ByteProgress;
use super::db::blocking;
use super::error::CliError;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::analysis::verify;
use crate::inspector::text::verify::text;

/// `verify DB [--json]`.
pub(super) async fn verify(args: ReportArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db, "a check of every file's checksums")?;
    let progress = ByteProgress::default();
    let ticker = progress.start("verify", "checked");
    let db = args.db.clone();
    let (d, t) = (Arc::clone(&progress.done), Arc::clone(&progress.total));
    let report = blocking("verify", move || verify::verify(&db, &d, &t)).await;
    ticker.finish();
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
