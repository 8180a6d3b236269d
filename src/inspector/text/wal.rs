//! WAL operations in words: their names, column family labels and one-line renderings.

use std::collections::BTreeMap;

use humansize::{BINARY, format_size};

use crate::inspector::decode::escape_key;
use crate::inspector::formats::wal::{WalOp, WalOpKind};

/// A column family id as its name, or `#id` when the MANIFEST did not name it.
pub fn cf_label(id: u32, names: &BTreeMap<u32, String>) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

/// RocksDB's name for an op, as `ldb` prints it.
pub fn wal_op_name(kind: WalOpKind) -> &'static str {
    match kind {
        WalOpKind::Put => "PUT",
        WalOpKind::Delete => "DELETE",
        WalOpKind::SingleDelete => "SINGLE_DELETE",
        WalOpKind::Merge => "MERGE",
        WalOpKind::RangeDelete => "DELETE_RANGE",
        WalOpKind::PutBlobIndex => "PUT_BLOB_INDEX",
        WalOpKind::PutEntity => "PUT_ENTITY",
        WalOpKind::TimedPut => "TIMED_PUT",
        WalOpKind::LogData => "LOG_DATA",
        WalOpKind::BeginPrepare => "BEGIN_PREPARE",
        WalOpKind::BeginPersistedPrepare => "BEGIN_PERSISTED_PREPARE",
        WalOpKind::BeginUnprepare => "BEGIN_UNPREPARE",
        WalOpKind::EndPrepare => "END_PREPARE",
        WalOpKind::Commit => "COMMIT",
        WalOpKind::CommitWithTimestamp => "COMMIT_WITH_TIMESTAMP",
        WalOpKind::Rollback => "ROLLBACK",
        WalOpKind::Noop => "NOOP",
    }
}

/// `PUT cf 0 key:1 = 12 B "value…"`.
pub fn op_text(op: &WalOp, names: &BTreeMap<u32, String>) -> String {
    let cf = cf_label(op.cf, names);
    let kind = wal_op_name(op.kind);
    match op.kind {
        WalOpKind::Put | WalOpKind::Merge | WalOpKind::PutEntity | WalOpKind::PutBlobIndex => {
            format!(
                "{kind:<13} [{cf}] {} = {} {}",
                escape_key(&op.key),
                format_size(op.value.len() as u64, BINARY),
                preview(&op.value)
            )
        }
        WalOpKind::RangeDelete => format!(
            "{kind:<13} [{cf}] [{} .. {})",
            escape_key(&op.key),
            escape_key(&op.value)
        ),
        WalOpKind::Delete | WalOpKind::SingleDelete => {
            format!("{kind:<13} [{cf}] {}", escape_key(&op.key))
        }
        _ => format!("{kind:<13} {}", escape_key(&op.key)),
    }
}

/// A value's first bytes, escaped, in quotes.
pub fn preview(value: &[u8]) -> String {
    const SHOWN: usize = 60;
    let head = &value[..value.len().min(SHOWN)];
    let more = if value.len() > SHOWN { "…" } else { "" };
    format!("\"{}{more}\"", escape_key(head))
}
