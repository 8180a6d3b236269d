//! LOG entries in a few words: the figures of a flush, compaction or table-file event,
//! and what a stall's cause means.

use crate::inspector::formats::infolog::{LogEntry, LogEvent, StallCause};

/// An entry in a few words: the figures that matter of a flush, compaction or table-file
/// event (its JSON in full is in the entry), else its text.
pub fn entry_summary(entry: &LogEntry) -> String {
    let LogEvent::Event(event) = &entry.event else {
        return entry.text.trim().to_string();
    };
    let Ok(json) = event.json() else {
        return entry.text.trim().to_string();
    };
    let n = |key: &str| json.get(key).and_then(serde_json::Value::as_u64);
    let size = |key: &str| n(key).map(|b| humansize::format_size(b, humansize::BINARY));
    let job = n("job").map(|j| format!("job {j}")).unwrap_or_default();
    let detail = match event.kind.name() {
        "flush_started" => format!(
            "{} memtables, {} entries, {} deletes",
            n("num_memtables").unwrap_or(0),
            n("num_entries").unwrap_or(0),
            n("num_deletes").unwrap_or(0)
        ),
        "flush_finished" | "compaction_finished" if json.get("lsm_state").is_some() => {
            let lsm = json["lsm_state"].to_string();
            match n("output_level") {
                Some(level) => format!(
                    "→ L{level}, {} in {} files, {:.1} ms, lsm {lsm}",
                    size("total_output_size").unwrap_or_default(),
                    n("num_output_files").unwrap_or(0),
                    n("compaction_time_micros").unwrap_or(0) as f64 / 1000.0
                ),
                None => format!("lsm {lsm}"),
            }
        }
        "compaction_started" => format!(
            "{} input files, {} in, score {}",
            json.as_object()
                .map(|o| o
                    .iter()
                    .filter(|(k, _)| k.starts_with("files_L"))
                    .filter_map(|(_, v)| v.as_array().map(Vec::len))
                    .sum::<usize>())
                .unwrap_or(0),
            size("input_data_size").unwrap_or_default(),
            json.get("score").map(|s| s.to_string()).unwrap_or_default()
        ),
        "table_file_creation" => format!(
            "#{} {}",
            n("file_number").unwrap_or(0),
            size("file_size").unwrap_or_default()
        ),
        "table_file_deletion" => format!("#{}", n("file_number").unwrap_or(0)),
        _ => entry
            .text
            .trim()
            .trim_start_matches("EVENT_LOG_v1 ")
            .to_string(),
    };
    if job.is_empty() {
        detail
    } else {
        format!("{job}: {detail}")
    }
}

/// What a stall cause means, in words.
pub fn stall_cause_text(cause: StallCause) -> &'static str {
    match cause {
        StallCause::L0Files => "too many L0 files",
        StallCause::PendingCompactionBytes => "pending compaction bytes",
        StallCause::Memtables => "too many memtables waiting for flush",
        StallCause::Other => "another cause",
    }
}
