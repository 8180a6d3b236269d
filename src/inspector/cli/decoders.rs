//! `decoders check`: the decoder config found for a database (or given), each rule
//! checked against its keys (`decoders::check`), as text or JSON. A config that does not
//! parse is a usage error (exit 2) naming the file and line.

use std::io::{self, Write};

use super::Outcome;
use super::args::{DecodersArgs, DecodersCommand};
use super::db::{READ_ONLY, blocking, open};
use super::error::CliError;
use super::output::{ignore_broken_pipe, print_json_line};
use crate::inspector::decoders::check;

/// `decoders check DB [--decoders FILE] [--all] [--json]`.
pub(super) async fn decoders(args: DecodersArgs) -> Result<Outcome, CliError> {
    let DecodersCommand::Check(args) = args.command;
    super::db::rocksdb_dir(&args.db, "checking decoders")?;
    // No file: the built-in Spear-Next rules are checked (and named as such).
    let config = super::read::decoder_config(&args.db, args.decoders.as_deref())?;
    let source = open(&args.db, READ_ONLY).await?;
    super::read::rules_fit(Some(&config), source.column_families())?;
    let all = args.all;
    let rules = config.clone();
    let found = blocking("decoders check", move || check::check(&source, &rules, all)).await?;
    if args.json {
        print_json_line(&found)?;
        return Ok(Outcome::Success);
    }
    let mut text = format!("decoder config {}\n", config.path.display());
    for r in &found {
        // The built-in rules come from no file: they have no line to name.
        let line = match config.builtin {
            true => String::new(),
            false => format!(" (line {})", r.line),
        };
        text.push_str(&format!(
            "rule {}{line}, {}: {} key(s) matched{}, {} decoded\n",
            r.rule,
            r.covers,
            crate::inspector::ui::format::count(r.matched),
            if r.sampled {
                " (the first 10,000; --all for every key)"
            } else {
                ""
            },
            crate::inspector::ui::format::count(r.decoded)
        ));
        if let Some((key, why)) = &r.first_failure {
            text.push_str(&format!("  first failure: {key}: {why}\n"));
        }
    }
    ignore_broken_pipe(io::stdout().lock().write_all(text.as_bytes()))?;
    Ok(Outcome::Success)
}
