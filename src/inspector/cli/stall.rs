//! `stall`: when will writes stop. The verdict of `analysis::stall` as text or JSON, with
//! an exit status a monitor can act on: 0 when writes flow, 5 when they are slowed, 6
//! when they are stopped.

use std::io::{self, Write};

use super::Outcome;
use super::args::ReportArgs;
use super::db::{READ_ONLY, blocking, open};
use super::error::CliError;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::analysis::stall::{self, WriteState};
use crate::inspector::text::stall::report_text;

/// `stall DB [--json]`.
pub(super) async fn stall(args: ReportArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db, "the write-stall verdict")?;
    let source = open(&args.db, READ_ONLY).await?;
    let report = blocking("stall", move || stall::report(&source)).await?;
    let mut out = io::stdout().lock();
    if args.json {
        print_json_line(&report)?;
    } else {
        ignore_broken_pipe(out.write_all(report_text(&report).as_bytes()))?;
    }
    Ok(match report.state {
        WriteState::Ok => Outcome::Success,
        held => Outcome::WritesHeld(held),
    })
}
