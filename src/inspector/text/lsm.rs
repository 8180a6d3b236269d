//! The LSM by prefix as text: the verdict (what a compaction would reclaim, and where),
//! a row per prefix with its levels, and the `compact` commands, the most reclaimable
//! first. Shared by `lsm` and the Disk screen's LSM page.

use humansize::{BINARY, format_size};

use crate::inspector::analysis::lsm::{LevelShare, LsmReport, PrefixLsm};

/// Rows listed after the verdict, unless the caller asks for every one.
pub const DEFAULT_ROWS: usize = 20;

fn size(bytes: u64) -> String {
    format_size(bytes, BINARY)
}

/// ` under P` when the report is of the keys below a prefix, else nothing.
pub fn under(r: &LsmReport) -> String {
    if r.within.is_empty() {
        String::new()
    } else {
        format!(" under {}", r.within)
    }
}

/// `L0 2×1.2 MiB · L6 4×11 MiB`: files and bytes per level.
pub fn levels_text(levels: &[LevelShare]) -> String {
    levels
        .iter()
        .map(|l| format!("L{} {}×{}", l.level, l.files, size(l.bytes)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The verdict: first whether every table was read, then the prefix with the most to
/// reclaim, or that there is nothing to.
pub fn verdict(r: &LsmReport) -> String {
    match r.unread.as_slice() {
        [] => reclaim_verdict(r),
        unread => format!(
            "INCOMPLETE: {} table file(s) could not be read to the end ({}): their entries{} are in no row, so the figures are short (spear-inspect verify names the damage). {}",
            unread.len(),
            unread
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if unread.iter().any(|u| u.partly_counted) {
                " after the damage"
            } else {
                ""
            },
            reclaim_verdict(r)
        ),
    }
}

fn reclaim_verdict(r: &LsmReport) -> String {
    if r.total.entries == 0 {
        return if r.unread.is_empty() {
            format!(
                "no table file of column family {} holds a key{}",
                r.cf,
                under(r)
            )
        } else {
            format!("no table file could be read ({} unread)", r.unread.len())
        };
    }
    match r.rows.first().filter(|p| p.reclaimable_bytes > 0) {
        Some(top) => format!(
            "compacting {} reclaims {} of its {} ({} tombstones, {} older versions); {} reclaimable in all",
            top.prefix,
            size(top.reclaimable_bytes),
            size(top.bytes),
            top.tombstones,
            top.older_versions,
            size(r.total.reclaimable_bytes)
        ),
        None if r.total.reclaimable_bytes > 0 => format!(
            "{} reclaimable, all of it among keys without a prefix",
            size(r.total.reclaimable_bytes)
        ),
        None => "nothing to reclaim: no tombstone and no older version in the table files".into(),
    }
}

/// What the blob files hold as garbage now (the MANIFEST's count) and whether a
/// compaction collects it.
pub fn blob_verdict(r: &LsmReport) -> Option<String> {
    let b = r
        .blob_files
        .as_ref()
        .filter(|b| b.garbage_bytes > 0 || r.total.blob_garbage_bytes > 0)?;
    Some(format!(
        "blob files hold {} of garbage of {} (MANIFEST, records with their headers); compacting the prefixes below leaves ~{} more (values){}",
        size(b.garbage_bytes),
        size(b.bytes),
        size(r.total.blob_garbage_bytes),
        if b.gc_enabled {
            ": compactions rewrite the oldest blob files' live blobs (enable_blob_garbage_collection is on)"
        } else {
            ": no compaction frees it while enable_blob_garbage_collection is off (set it, with blob_garbage_collection_age_cutoff, then compact)"
        }
    ))
}

/// What a compaction of the prefix's range rewrites.
pub fn rewrite_text(p: &PrefixLsm) -> String {
    format!(
        "rewrites at least {} table file(s), {} (every file whose range meets the prefix)",
        p.compaction_files,
        size(p.compaction_bytes)
    )
}

/// One prefix's line.
fn row_line(p: &PrefixLsm, width: usize) -> String {
    let read = p
        .read_files
        .map_or_else(|| "-".to_string(), |n| n.to_string());
    let mut line = format!(
        "{:<width$} {:>11} {:>11} {:>10} {:>10} {:>10} {:>5} {:>11}  {}",
        p.prefix,
        size(p.bytes),
        p.entries,
        p.live_keys,
        p.tombstones,
        p.older_versions,
        read,
        size(p.reclaimable_bytes),
        levels_text(&p.levels)
    );
    if p.range_deleted > 0 {
        line.push_str(&format!("  range-deleted {}", p.range_deleted));
    }
    if p.blob_bytes > 0 {
        line.push_str(&format!(
            "  blobs {} ({} become garbage)",
            size(p.blob_bytes),
            size(p.blob_garbage_bytes)
        ));
    }
    line
}

/// The whole report; `rows` limits the prefixes listed (`None`: all).
pub fn text(r: &LsmReport, rows: Option<usize>) -> String {
    let mut text = format!("{}\n", verdict(r));
    if let Some(blobs) = blob_verdict(r) {
        text.push_str(&blobs);
        text.push('\n');
    }
    for note in &r.notes {
        text.push_str(note);
        text.push('\n');
    }
    text.push('\n');
    let width = r
        .rows
        .iter()
        .chain(&r.ungrouped)
        .chain(&r.other_prefixes)
        .map(|p| p.prefix.len())
        .max()
        .unwrap_or(0)
        .max(24);
    let per_level = r
        .files_per_level
        .iter()
        .map(|(level, files)| format!("L{level} {files}"))
        .collect::<Vec<_>>()
        .join(", ");
    text.push_str(&format!(
        "column family {}{}, keys grouped {}: {} table file(s) read ({}; files per level: {})\n",
        r.cf,
        under(r),
        r.grouping,
        r.files_read,
        size(r.table_bytes),
        if per_level.is_empty() {
            "none".into()
        } else {
            per_level
        }
    ));
    text.push_str(&format!(
        "{:<width$} {:>11} {:>11} {:>10} {:>10} {:>10} {:>5} {:>11}  {}\n",
        "PREFIX",
        "SIZE",
        "ENTRIES",
        "LIVE",
        "TOMBSTONES",
        "OLDER",
        "READ",
        "RECLAIMABLE",
        "LEVELS (files×bytes)"
    ));
    let limit = rows.unwrap_or(usize::MAX);
    for p in r.rows.iter().take(limit) {
        text.push_str(&row_line(p, width));
        text.push('\n');
    }
    if r.rows.len() > limit {
        text.push_str(&format!(
            "… {} more prefixes (--all lists every one)\n",
            r.rows.len() - limit
        ));
    }
    for p in r.ungrouped.iter().chain(&r.other_prefixes) {
        text.push_str(&row_line(p, width));
        text.push('\n');
    }
    text.push_str(&row_line(&r.total, width));
    text.push('\n');
    text.push_str(
        "\nREAD: table files a point read of a key under the prefix may check (every level-0 file \
         whose range covers it, one per deeper level). RECLAIMABLE: the stored bytes of \
         what a compaction of the range to the bottom level drops unless a snapshot holds \
         it: tombstones, every version under a newer one (merge operands fold into one \
         value), and entries under a range deletion.\n",
    );
    if r.memtable_entries > 0 {
        text.push_str(&format!(
            "{} entries in the column family's memtables are in no table file yet, so in no row.\n",
            r.memtable_entries
        ));
    }
    if r.range_deletions > 0 {
        text.push_str(&format!(
            "{} range deletions: the entries they cover are counted as range-deleted (and reclaimable), not live.\n",
            r.range_deletions
        ));
    }
    let commands: Vec<&PrefixLsm> = r
        .rows
        .iter()
        .filter(|p| p.reclaimable_bytes > 0 && p.compact.is_some())
        .take(limit.min(5))
        .collect();
    if !commands.is_empty() {
        text.push_str("\nto reclaim, most first:\n");
        for p in commands {
            text.push_str(&format!(
                "  {} ({}; {}):\n    {}\n",
                p.prefix,
                size(p.reclaimable_bytes),
                rewrite_text(p),
                p.compact.as_deref().unwrap_or_default()
            ));
        }
    }
    if !r.unread.is_empty() {
        text.push_str("\nnot read to the end:\n");
        for u in &r.unread {
            text.push_str(&format!(
                "  {} (L{}, {}): {}{}\n",
                u.name,
                u.level,
                size(u.bytes),
                u.reason,
                if u.partly_counted {
                    " (its entries before the damage are counted, those after it are not)"
                } else {
                    " (none of its entries is counted)"
                }
            ));
        }
    }
    text
}
