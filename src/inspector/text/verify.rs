//! What `verify` found, as text: the verdict, each damage, the keys lost, what was read.
//! Shared by `verify` and the Disk screen's verify page.

use humansize::{BINARY, format_size};

use crate::inspector::analysis::verify::VerifyReport;

/// The verdict first, then each damage and the keys lost, then what was read.
pub fn text(r: &VerifyReport) -> String {
    let mut text = format!("{}\n", r.verdict);
    if !r.damage.is_empty() {
        text.push_str("\ndamage:\n");
        for d in &r.damage {
            let mut place = d.file.clone();
            if let Some(level) = d.level {
                place.push_str(&format!(" (L{level}"));
                if let Some(cf) = &d.cf {
                    place.push_str(&format!(", cf {cf}"));
                }
                place.push(')');
            }
            let at = d
                .offset
                .map(|o| format!(" at offset {o}"))
                .unwrap_or_default();
            text.push_str(&format!("  {place}: {}{at}: {}\n", d.part, d.reason));
        }
    }
    if !r.lost.is_empty() {
        text.push_str("\nkeys a read cannot return:\n");
        for l in &r.lost {
            let count = l
                .estimated_keys
                .map_or_else(|| "keys".to_string(), |n| format!("~{n} keys"));
            let range = if l.whole_file {
                format!(
                    "{} to {} (the whole file)",
                    l.after.as_deref().unwrap_or(""),
                    l.through
                )
            } else {
                let after = match (&l.readable_before, &l.after) {
                    (Some(key), _) => format!("after {key} (readable)"),
                    (None, Some(separator)) => format!("above separator {separator}"),
                    (None, None) => "from the file's first key".into(),
                };
                let before = match &l.readable_after {
                    Some(key) => format!("before {key} (readable)"),
                    None => format!("up to separator {}", l.through),
                };
                format!("{after}, {before}")
            };
            let level = l.level.map(|n| format!(" L{n}")).unwrap_or_default();
            text.push_str(&format!(
                "  cf {} {}{level}: {count}, {range}\n",
                l.cf, l.file
            ));
        }
    }
    if !r.unchecked.is_empty() {
        text.push_str("\nnot checked (not called sound):\n");
        for u in &r.unchecked {
            text.push_str(&format!("  {u}\n"));
        }
    }
    text.push_str(&format!(
        "\nchecked {} of files in {:.2} s on {} thread{} ({} read): {} blocks, {} blob records; MANIFEST {}; {} WAL file{}\n",
        format_size(r.bytes_total, BINARY),
        r.seconds,
        r.threads,
        if r.threads == 1 { "" } else { "s" },
        format_size(r.bytes_read, BINARY),
        r.blocks_checked,
        r.blob_records_checked,
        r.manifest.as_deref().unwrap_or("unreadable"),
        r.wal_files,
        if r.wal_files == 1 { "" } else { "s" },
    ));
    text
}
