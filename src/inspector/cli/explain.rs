//! `explain`: what one read cost and why (`analysis::explain`), as text or JSON, with the
//! `compact` command for a read that steps over what a compaction would remove.

use std::io::{self, Write};

use humansize::{BINARY, format_size};

use super::Outcome;
use super::args::{ExplainArgs, GlobalArgs};
use super::db::{READ_ONLY, blocking, open_cf};
use super::error::CliError;
use super::groups::key_arg;
use super::output::ignore_broken_pipe;
use crate::inspector::analysis::explain::{self, Explained, Read};

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
        let mut bytes = serde_json::to_vec(&json)?;
        bytes.push(b'\n');
        ignore_broken_pipe(out.write_all(&bytes))?;
    } else {
        ignore_broken_pipe(out.write_all(text(&explained, &db).as_bytes()))?;
    }
    Ok(Outcome::Success)
}

/// The read, the counters of both runs side by side, the files in its path, the verdict.
pub fn text(x: &Explained, db: &str) -> String {
    let mut text = format!(
        "[{}] {}: {} key{} read\n",
        x.cf,
        x.read,
        x.cold.keys,
        if x.cold.keys == 1 { "" } else { "s" }
    );
    let row =
        |name: &str, cold: String, warm: String| format!("  {name:<34} {cold:>12} {warm:>12}\n");
    text.push_str(&row("", "cold".into(), "warm".into()));
    let (c, w) = (&x.cold, &x.warm);
    let ms = |micros: u64| format!("{:.3} ms", micros as f64 / 1000.0);
    let ns = |nanos: u64| format!("{:.3} ms", nanos as f64 / 1e6);
    for (name, cold, warm) in [
        ("time", ms(c.micros), ms(w.micros)),
        (
            "blocks read from files",
            c.blocks_read.to_string(),
            w.blocks_read.to_string(),
        ),
        (
            "bytes read from files",
            format_size(c.bytes_read, BINARY),
            format_size(w.bytes_read, BINARY),
        ),
        (
            "blocks from the block cache",
            c.block_cache_hits.to_string(),
            w.block_cache_hits.to_string(),
        ),
        (
            "bloom filter: let in",
            c.bloom_sst_hits.to_string(),
            w.bloom_sst_hits.to_string(),
        ),
        (
            "bloom filter: kept out",
            c.bloom_sst_misses.to_string(),
            w.bloom_sst_misses.to_string(),
        ),
        (
            "memtables searched",
            c.memtables_searched.to_string(),
            w.memtables_searched.to_string(),
        ),
        (
            "tombstones stepped over",
            c.tombstones_skipped.to_string(),
            w.tombstones_skipped.to_string(),
        ),
        (
            "older versions stepped over",
            c.hidden_versions_skipped.to_string(),
            w.hidden_versions_skipped.to_string(),
        ),
        (
            "time in memtables",
            ns(c.memtable_nanos),
            ns(w.memtable_nanos),
        ),
        ("time in table files", ns(c.files_nanos), ns(w.files_nanos)),
        (
            "time reading blocks",
            ns(c.block_read_nanos),
            ns(w.block_read_nanos),
        ),
    ] {
        text.push_str(&row(name, cold, warm));
    }
    let per_level: Vec<String> = x
        .files_per_level
        .iter()
        .map(|(level, n)| format!("L{level}: {n}"))
        .collect();
    text.push_str(&format!(
        "table files whose key range the read falls in: {}{}\n",
        x.files.len(),
        if per_level.is_empty() {
            String::new()
        } else {
            format!(" ({})", per_level.join(", "))
        }
    ));
    for file in x.files.iter().take(20) {
        text.push_str(&format!(
            "  L{} {} {} {} entries, {} deletions\n",
            file.level,
            file.name,
            format_size(file.bytes, BINARY),
            file.entries,
            file.deletions
        ));
    }
    if x.files.len() > 20 {
        text.push_str(&format!("  … {} more\n", x.files.len() - 20));
    }
    for sentence in &x.verdict {
        text.push_str(&format!("- {sentence}\n"));
    }
    if let Some(command) = fix(x, db) {
        text.push_str(&format!("fix: {command}\n"));
    }
    text
}

/// The `compact` line that removes what the read stepped over, where that helps.
fn fix(x: &Explained, db: &str) -> Option<String> {
    let (from, to) = x.compact_range.as_ref().filter(|_| x.compaction_helps)?;
    Some(super::diagnose::compact_range_command(
        db,
        &x.cf,
        Some(from),
        Some(to),
    ))
}
