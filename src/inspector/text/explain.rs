//! An explained read in words (`explain` and the Keys screen's `E`): the counters of its
//! cold and warm runs side by side, the table files in its range, the verdict, and the
//! `compact` line that removes what it stepped over.

use humansize::{BINARY, format_size};

use crate::inspector::analysis::explain::Explained;
use crate::inspector::decode;

/// The read, the verdict and its fix first (what an on-call reads, and all a small
/// terminal may have room for), then the counters of both runs side by side and the
/// files in the read's range.
pub fn text(x: &Explained, db: &str) -> String {
    let mut text = format!(
        "[{}] {}: {} key{} read\n",
        x.cf,
        x.read,
        x.cold.keys,
        if x.cold.keys == 1 { "" } else { "s" }
    );
    for sentence in &x.verdict {
        text.push_str(&format!("- {sentence}\n"));
    }
    if let Some(command) = fix(x, db) {
        text.push_str(&format!("fix: {command}\n"));
    }
    let row =
        |name: &str, cold: String, warm: String| format!("  {name:<34} {cold:>12} {warm:>12}\n");
    text.push_str(&row("per run", "cold".into(), "warm".into()));
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
            "bloom filter: let in / kept out",
            format!("{} / {}", c.bloom_sst_hits, c.bloom_sst_misses),
            format!("{} / {}", w.bloom_sst_hits, w.bloom_sst_misses),
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
    text
}

/// The `compact` line that removes what the read stepped over, where that helps.
pub fn fix(x: &Explained, db: &str) -> Option<String> {
    let (from, to) = x.compact_range.as_ref().filter(|_| x.compaction_helps)?;
    Some(compact_range_command(db, &x.cf, Some(from), Some(to)))
}

/// The `compact` command line for the keys in `[from, to)` (open ends: the column
/// family's ends), as text where both keys print, else as hex.
pub fn compact_range_command(db: &str, cf: &str, from: Option<&[u8]>, to: Option<&[u8]>) -> String {
    // An empty key is the column family's start: no `--from ''` (clap refuses an empty
    // value), the open end says it.
    let from = from.filter(|k| !k.is_empty());
    let to = to.filter(|k| !k.is_empty());
    let keys = [from, to];
    let printable = keys.iter().flatten().all(|k| {
        std::str::from_utf8(k).is_ok_and(|s| s.chars().all(|c| !c.is_control() && c != '\''))
    });
    let arg = |k: &[u8]| {
        if printable {
            format!("'{}'", String::from_utf8_lossy(k))
        } else {
            decode::hex(k)
        }
    };
    let mut command = format!("spear-inspect compact {db} --cf {cf}");
    if !printable {
        command.push_str(" --key-hex");
    }
    if let Some(from) = from {
        command.push_str(&format!(" --from {}", arg(from)));
    }
    if let Some(to) = to {
        command.push_str(&format!(" --to {}", arg(to)));
    }
    command.push_str(" --write");
    command
}

#[cfg(test)]
mod tests {
    use super::compact_range_command;

    #[test]
    fn an_empty_start_is_the_open_end_not_an_empty_argument() {
        let command = compact_range_command("db", "default", Some(b""), Some(b"events;"));
        assert_eq!(
            command,
            "spear-inspect compact db --cf default --to 'events;' --write"
        );
    }
}
