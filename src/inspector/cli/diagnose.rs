//! The diagnosis subcommands' output: the key space by prefix and the tombstones (the
//! disk-usage, options, LOG and WAL views have theirs beside them).

use std::io::{self, Write};

use humansize::{BINARY, format_size};

use super::Outcome;
use super::args::{GlobalArgs, KeyspaceArgs, TombstonesArgs};
use super::db::{READ_ONLY, blocking, open_cf};
use super::error::CliError;
use super::groups::DbArgs;
use super::output::ignore_broken_pipe;
use crate::inspector::analysis::keyspace::{self, Breakdown, PrefixRow};
use crate::inspector::analysis::tombstones::{self, SkippedRange, Tombstones};

/// A scan the CLI never cancels came back cancelled: say so rather than print a part.
fn stopped() -> crate::inspector::error::InspectError {
    crate::inspector::error::InspectError::Invalid("the scan stopped before the end".into())
}

/// `keyspace`: keys and bytes per prefix, estimated or exact.
pub(super) async fn keyspace(args: KeyspaceArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db.db, "the key space by size")?;
    let grouping = args.grouping.grouping(global.key_hex)?;
    let KeyspaceArgs {
        db: DbArgs { db, cf },
        exact,
        top,
        json,
        ..
    } = args;
    let top = top as usize;
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    let breakdown = blocking("key-space", move || {
        if exact {
            keyspace::exact(&source, &cf, &grouping, top, &|| false, &mut |_| {})
                .and_then(|b| b.ok_or_else(stopped))
        } else {
            keyspace::estimate(&source, &cf, &grouping, &|| false, &mut |_| {})
                .and_then(|b| b.ok_or_else(stopped))
        }
    })
    .await?;
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &breakdown)?;
        ignore_broken_pipe(writeln!(out))?;
    } else {
        ignore_broken_pipe(out.write_all(keyspace_text(&breakdown).as_bytes()))?;
    }
    Ok(Outcome::Success)
}

/// The breakdown as a table.
pub fn keyspace_text(b: &Breakdown) -> String {
    let mut text = format!(
        "column family {}, keys{} grouped {}: {}\n",
        b.cf,
        if b.within.is_empty() {
            String::new()
        } else {
            format!(" below {:?}", b.within)
        },
        b.grouping,
        if b.exact {
            "exact (every key read)".to_string()
        } else {
            format!(
                "estimated from RocksDB's approximate SST sizes{}; --exact counts",
                if b.memtable_entries > 0 {
                    // The estimate's total includes them; only their prefixes are unseen,
                    // so they are spread over the prefixes by on-disk size.
                    format!(
                        " ({} memtable entries counted in the total, spread by on-disk size)",
                        b.memtable_entries
                    )
                } else {
                    String::new()
                }
            )
        }
    );
    // KEY+VALUE: the bytes of keys and values read; ON DISK: the prefix's share of the
    // SST files (RocksDB's approximate sizes: compressed, older versions included).
    text.push_str(&format!(
        "{:<32} {:>12} {:>12} {:>12} {:>12}\n",
        "PREFIX", "KEYS", "KEY+VALUE", "ON DISK", "LARGEST"
    ));
    let size = |n: Option<u64>| n.map_or_else(|| "-".to_string(), |n| format_size(n, BINARY));
    let row = |label: &str, r: &PrefixRow| {
        format!(
            "{:<32} {:>12} {:>12} {:>12} {:>12}\n",
            label,
            if b.exact {
                r.keys.to_string()
            } else {
                format!("~{}", r.keys)
            },
            size(r.logical_bytes),
            size(r.disk_bytes),
            r.largest_value
                .map(|n| format_size(n, BINARY))
                .unwrap_or_else(|| "-".into())
        )
    };
    if b.rows.is_empty() && b.ungrouped.keys == 0 && b.unexplored.is_none() {
        text.push_str(&format!(
            "no keys{} in column family {}\n",
            if b.within.is_empty() {
                String::new()
            } else {
                format!(" start with {:?}", b.within)
            },
            b.cf,
        ));
    }
    for r in &b.rows {
        text.push_str(&row(&r.prefix, r));
    }
    if let Some(other) = &b.other_prefixes {
        text.push_str(&row(&format!("({} more prefixes)", other.prefix), other));
    }
    if b.ungrouped.keys > 0 {
        // An estimate counts these as it steps over them: read, not estimated. They form
        // no key range, so they have no on-disk share of their own.
        let label = if b.exact {
            "(keys with no further prefix)"
        } else {
            "(no further prefix, read)"
        };
        text.push_str(&format!(
            "{:<32} {:>12} {:>12} {:>12} {:>12}\n",
            label,
            b.ungrouped.keys,
            size(b.ungrouped.logical_bytes),
            size(b.ungrouped.disk_bytes),
            b.ungrouped
                .largest_value
                .map(|n| format_size(n, BINARY))
                .unwrap_or_default()
        ));
    }
    if let Some(u) = &b.unexplored {
        text.push_str(&format!(
            "not reached in the time allowed: from {:?} on, ~{} keys, {} on disk (--exact reads them all, or --prefix-len N groups binary keys)\n",
            u.from,
            u.keys,
            format_size(u.disk_bytes, BINARY)
        ));
    }
    for warning in &b.warnings {
        text.push_str(&format!("note: {warning}\n"));
    }
    if !b.largest.is_empty() {
        text.push_str("largest values:\n");
        for v in &b.largest {
            text.push_str(&format!(
                "  {:>12}  {}\n",
                format_size(v.bytes, BINARY),
                v.key
            ));
        }
    }
    if b.exact && !b.rows.is_empty() {
        text.push_str("value sizes (values per size class):\n");
        for r in b.rows.iter().take(20) {
            text.push_str(&format!(
                "  {:<30} {}\n",
                r.prefix,
                histogram_text(&r.histogram)
            ));
        }
    }
    text
}

/// `<1 KiB 12  <4 KiB 3`: the non-empty size classes, by upper bound.
pub fn histogram_text(histogram: &[u64]) -> String {
    histogram
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(bucket, n)| {
            if bucket == 0 {
                format!("empty {n}")
            } else {
                format!("<{} {n}", format_size(1u64 << bucket, BINARY))
            }
        })
        .collect::<Vec<_>>()
        .join("  ")
}

/// `tombstones`: deletions per level, file and memtable, and with `scan` the ranges a
/// read skips the most of.
pub(super) async fn tombstones(
    args: TombstonesArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db.db, "counting tombstones")?;
    let grouping = args.grouping.grouping(global.key_hex)?;
    let TombstonesArgs {
        db: DbArgs { db, cf },
        scan,
        json,
        ..
    } = args;
    let source = open_cf(&db, &cf, READ_ONLY).await?;
    let db_arg = db.display().to_string();
    let within = grouping.within.clone();
    let report = blocking("tombstones", move || {
        let mut report = tombstones::tombstones(&source, &cf)?;
        if scan {
            report.scan = tombstones::skip_scan(&source, &cf, &grouping, &|| false, &mut |_| {})?;
            if report.scan.is_none() {
                return Err(stopped());
            }
        }
        Ok::<_, crate::inspector::error::InspectError>(report)
    })
    .await?;
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &report)?;
        ignore_broken_pipe(writeln!(out))?;
    } else {
        ignore_broken_pipe(out.write_all(tombstones_text(&report, &db_arg).as_bytes()))?;
    }
    // A prefix the walk found nothing under, not even a tombstone: say so, rather than
    // leave "0 live keys" to read as a finding about data that is there.
    if let Some(scan) = &report.scan
        && !within.is_empty()
        && scan.live_keys + scan.deletes_skipped + scan.hidden_skipped == 0
    {
        eprintln!(
            "spear-inspect: nothing in column family {} starts with {}: no key, no tombstone (check the prefix)",
            report.cf,
            crate::inspector::decode::escape_key(&within)
        );
    }
    Ok(Outcome::Success)
}

/// The report as text.
pub fn tombstones_text(t: &Tombstones, db: &str) -> String {
    let mut text = format!("column family {}\n", t.cf);
    text.push_str(&format!(
        "memtables (not in any SST yet): {} deletions of {} entries\n",
        t.memtable.deletions, t.memtable.entries
    ));
    text.push_str(&format!(
        "{:<6} {:>6} {:>12} {:>12} {:>16}\n",
        "LEVEL", "FILES", "ENTRIES", "DELETIONS", "OF WHICH RANGE"
    ));
    for l in &t.levels {
        text.push_str(&format!(
            "L{:<5} {:>6} {:>12} {:>12} {:>16}\n",
            l.level, l.files, l.entries, l.deletions, l.range_deletions
        ));
    }
    let with_deletions: Vec<_> = t
        .files
        .iter()
        .filter(|f| f.deletions > 0)
        .take(10)
        .collect();
    if !with_deletions.is_empty() {
        text.push_str("SST files with the most deletions (range deletions included):\n");
        for f in with_deletions {
            text.push_str(&format!(
                "  {} L{} {} of {} entries deleted ({:.1} %)  [{} .. {}]\n",
                f.name,
                f.level,
                f.deletions,
                f.entries,
                100.0 * f.deletions as f64 / f.entries.max(1) as f64,
                f.smallest,
                f.largest
            ));
        }
    }
    if let Some(scan) = &t.scan {
        text.push_str(&format!(
            "walked {} live keys: a full read steps over {} tombstones and {} other hidden entries\n",
            scan.live_keys, scan.deletes_skipped, scan.hidden_skipped
        ));
        for r in &scan.ranges {
            text.push_str(&format!(
                "  {:>10} tombstones {:>10} hidden  between {} and {}\n",
                r.deletes_skipped,
                r.hidden_skipped,
                r.after.as_deref().unwrap_or("(the start)"),
                r.before.as_deref().unwrap_or("(the end)"),
            ));
            text.push_str(&format!(
                "             compact it: {}\n",
                compact_command(db, &t.cf, r)
            ));
        }
        let by_prefix: Vec<_> = scan
            .prefixes
            .iter()
            .filter(|p| p.deletes_skipped > 0)
            .take(10)
            .collect();
        if !by_prefix.is_empty() {
            text.push_str("tombstones skipped by prefix:\n");
            for p in by_prefix {
                text.push_str(&format!(
                    "  {:<30} {:>10} tombstones {:>10} live keys\n",
                    p.prefix, p.deletes_skipped, p.live_keys
                ));
            }
        }
    } else if t.memtable.deletions > 0 || t.levels.iter().any(|l| l.deletions > 0) {
        text.push_str(
            "--scan walks the keys and names the ranges where reads skip the most tombstones\n",
        );
    }
    text
}

/// The `compact` command line that rewrites one skipped range.
pub fn compact_command(db: &str, cf: &str, r: &SkippedRange) -> String {
    crate::inspector::text::explain::compact_range_command(
        db,
        cf,
        r.from_raw.as_deref(),
        r.to_raw.as_deref(),
    )
}
