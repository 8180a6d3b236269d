//! `writes`: who is writing and what, from the WAL files (`analysis::writes`), as text or
//! JSON. Opens no database: it reads the files a live writer only appends to.

use std::io::{self, Write};

use super::Outcome;
use super::args::WritesArgs;
use super::db::blocking;
use super::error::CliError;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::analysis::writes::{self, PrefixRule, WritesReport};
use crate::inspector::text::writes::text;

/// `writes DB [--delimiter D | --prefix-len N] [--top N] [--json]`.
pub(super) async fn writes(args: WritesArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db, "the writes in a database's WAL")?;
    let rule = match (args.prefix_len, &args.delimiter) {
        (Some(n), _) => PrefixRule::Length(usize::try_from(n).unwrap_or(usize::MAX)),
        (None, Some(d)) => PrefixRule::Delimiter(d.as_bytes().to_vec()),
        (None, None) => PrefixRule::Delimiter(b":".to_vec()),
    };
    let top = usize::try_from(args.top).unwrap_or(usize::MAX);
    let db = args.db.clone();
    let report = blocking("writes", move || writes::writes(&db, &rule, top)).await?;
    warn_of_damage(&report);
    let mut out = io::stdout().lock();
    if args.json {
        print_json_line(&report)?;
    } else {
        ignore_broken_pipe(out.write_all(text(&report).as_bytes()))?;
    }
    Ok(Outcome::Success)
}

/// Damage met on the way, on stderr as well (a pipe into another tool keeps stdout).
fn warn_of_damage(r: &WritesReport) {
    for damage in &r.damaged {
        eprintln!("spear-inspect: damaged WAL, read up to the damage: {damage}");
    }
    if r.missing_sequences > 0 {
        eprintln!(
            "spear-inspect: {} sequence numbers missing between WAL batches: those writes are not counted",
            r.missing_sequences
        );
    }
}
