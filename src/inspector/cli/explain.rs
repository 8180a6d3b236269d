//! `explain`: what one read cost and why (`analysis::explain`), as text or JSON, with the
//! `compact` command for a read that steps over what a compaction would remove.

use std::io::{self, Write};

use super::Outcome;
use super::args::{ExplainArgs, GlobalArgs};
use super::db::{READ_ONLY, blocking, open_cf};
use super::error::CliError;
use super::groups::key_arg;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::analysis::explain::{self, Read};
use crate::inspector::text::explain::{fix, text};

/// `explain DB KEY | --prefix P | --from K [--to K] [--limit N] [--json]`.
pub(super) async fn explain(args: ExplainArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let read = match &args.key {
        Some(key) => Read::Key(key_arg(key, global.key_hex, "KEY")?),
        None => {
            let bounds = args.range.bounds(global.key_hex)?;
            if let (Some(lower), Some(upper)) = (&bounds.lower, &bounds.upper)
                && lower >= upper
            {
                return Err(CliError::from(crate::inspector::error::InspectError::Invalid(
                    "explain: the range is empty (--from is not before --to, or --prefix and the ends do not meet): give --from below --to".to_string(),
                )));
            }
            Read::Range {
                bounds,
                limit: usize::try_from(args.limit).unwrap_or(usize::MAX),
            }
        }
    };
    super::db::rocksdb_dir(&args.db.db, "explaining a read")?;
    let cf = args.db.cf.clone();
    let source = open_cf(&args.db.db, &cf, READ_ONLY).await?;
    let explained = blocking("explain", move || explain::explain(&source, &cf, &read)).await?;
    let mut out = io::stdout().lock();
    let db = args.db.db.display().to_string();
    if args.json {
        let mut json = serde_json::to_value(&explained)?;
        json["fix"] = fix(&explained, &db).into();
        print_json_line(&json)?;
    } else {
        ignore_broken_pipe(out.write_all(text(&explained, &db).as_bytes()))?;
    }
    Ok(Outcome::Success)
}
