//! A key's history as text lines: `history KEY` prints them and the TUI shows them.

use humansize::{BINARY, format_size};

use super::wal::{op_text, preview};
use crate::inspector::analysis::history::KeyHistory;
use crate::inspector::decode::escape_key;
use crate::inspector::decoders::Decoders;
use crate::inspector::decoders::shown::one_line;
use crate::storage::etcd::KeyRevisions;

/// Characters of a decoded value shown on its line.
const DECODED_WIDTH: usize = 160;

/// A key's history as text lines (also the TUI's history view); with `decoders`, each
/// value its rule reads is shown decoded on the line below it.
pub fn history_text(h: &KeyHistory, decoders: Option<&Decoders>) -> String {
    let decoded = |value: &[u8]| {
        decoders
            .and_then(|d| one_line(d, &h.cf, &h.key, value, DECODED_WIDTH))
            .map_or(String::new(), |text| format!("    decoded: {text}\n"))
    };
    let mut text = format!("{} in column family {}\n", escape_key(&h.key), h.cf);
    text.push_str(&match &h.now {
        Some((head, len)) => format!(
            "now: live, {} {}\n{}",
            format_size(*len as u64, BINARY),
            preview(head),
            if head.len() == *len {
                decoded(head)
            } else {
                String::new()
            }
        ),
        None => "now: absent (a read returns nothing)\n".to_string(),
    });
    if let Some(revisions) = &h.revisions {
        text.push_str(&revisions_text(revisions));
        return text;
    }
    for (file, offset) in &h.torn {
        text.push_str(&format!(
            "note: {file} ends in a torn record at byte {offset}: a write being appended (or cut by a crash) is not in it\n"
        ));
    }
    for (file, offset) in &h.damaged {
        text.push_str(&format!(
            "warning: {file} is corrupt at byte {offset}: a version written there cannot be read\n"
        ));
    }
    if h.versions.is_empty() {
        text.push_str("in the WAL files: nothing (any write to it was flushed to SST files already, or never happened)\n");
    } else {
        text.push_str("in the WAL files, newest first (written but maybe not yet flushed):\n");
        for v in &h.versions {
            text.push_str(&format!(
                "  seq {:<10} WAL {:06}.log  {}\n",
                v.sequence,
                v.wal,
                op_text(&v.op, &h.cf_names)
            ));
            if v.op.kind == crate::inspector::formats::wal::WalOpKind::Put {
                text.push_str(&decoded(&v.op.value));
            }
        }
    }
    if h.sst_files.is_empty() {
        text.push_str("no SST file's key range covers it\n");
    } else {
        let files: Vec<String> = h
            .sst_files
            .iter()
            .map(|(n, l)| format!("{n} (L{l})"))
            .collect();
        text.push_str(&format!(
            "SST files whose key range covers it (it may be in any): {}\n",
            files.join(", ")
        ));
    }
    text
}

/// The etcd part of a key's history: its changes from etcd's revisions, newest first,
/// and how far back etcd still keeps them.
fn revisions_text(r: &KeyRevisions) -> String {
    let mut text = if r.changes.is_empty() {
        "in etcd's history: no change\n".to_string()
    } else {
        "in etcd's history, newest first:\n".to_string()
    };
    for change in &r.changes {
        let what = if change.deleted {
            "delete".to_string()
        } else {
            format!(
                "put  version {:<4} {} {}",
                change.version,
                format_size(change.value.len() as u64, BINARY),
                preview(&change.value[..change.value.len().min(64)])
            )
        };
        text.push_str(&format!("  rev {:<10} {what}\n", change.revision));
    }
    text.push_str(&match r.compacted_before {
        0 => format!(
            "history kept whole (nothing compacted); cluster revision {}\n",
            r.revision_now
        ),
        rev => format!(
            "etcd compacted the revisions before {}: older changes are gone; cluster revision {}\n",
            rev + 1,
            r.revision_now
        ),
    });
    text
}
