//! Who is writing, as text: the totals, per column family, per prefix, the hottest keys.
//! Shared by `writes` and the WAL screen's writes page.

use humansize::{BINARY, format_size};

use crate::inspector::analysis::writes::{self, Tally, WritesReport};

fn tally_text(t: &Tally) -> String {
    format!(
        "{:>10} ops {:>10}  put {:>9}  delete {:>9}  merge {:>7}  range {:>5}",
        t.ops,
        format_size(t.bytes, BINARY),
        t.puts,
        t.deletes,
        t.merges,
        t.range_deletes
    )
}

/// The totals, per column family, per prefix, the hottest keys.
pub fn text(r: &WritesReport) -> String {
    let mut text = format!(
        "{} WAL file{} ({}), {} batches",
        r.wal_files,
        if r.wal_files == 1 { "" } else { "s" },
        format_size(r.wal_bytes, BINARY),
        r.batches
    );
    if let Some((first, last)) = r.sequences {
        text.push_str(&format!(", sequences {first} to {last}"));
    }
    if r.wal_files == 0 || r.total.ops == 0 {
        text.push_str(
            "\nno writes in the WAL: everything written has been flushed to table files\n",
        );
        return text;
    }
    match r.span_seconds {
        Some(secs) => text.push_str(&format!(
            ", over {secs:.1} s (the files' creation to their last write): {:.1} ops/s\n",
            r.total.ops as f64 / secs
        )),
        None => text.push_str(
            " (no rate: the files span under a second, or the file system keeps no creation time)\n",
        ),
    }
    if r.missing_sequences > 0 {
        text.push_str(&format!(
            "MISSING: {} sequence numbers between batches: writes in a damaged or deleted stretch of the WAL, not counted below\n",
            r.missing_sequences
        ));
    }
    text.push_str(&format!("all        {}\n", tally_text(&r.total)));
    for (cf, tally) in &r.per_cf {
        text.push_str(&format!("[{cf}] {}\n", tally_text(tally)));
    }
    text.push_str(&format!(
        "by prefix ({}), most operations first:\n",
        r.grouping
    ));
    for row in &r.per_prefix {
        let rate = row
            .ops_per_second
            .map(|s| format!("  {s:.1}/s"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  [{}] {:<24} {}{rate}\n",
            row.cf,
            row.prefix,
            tally_text(&row.tally)
        ));
    }
    if !r.hottest.is_empty() {
        text.push_str("hottest keys:\n");
        for key in &r.hottest {
            text.push_str(&format!("  [{}] {} {} ops\n", key.cf, key.key, key.ops));
        }
    }
    if r.capped {
        text.push_str(&format!(
            "(beyond {} prefixes or {} distinct keys, the rest are in the totals only)\n",
            writes::MAX_PREFIXES,
            writes::MAX_TRACKED_KEYS
        ));
    }
    for damage in &r.damaged {
        text.push_str(&format!("damaged: {damage}\n"));
    }
    text
}
