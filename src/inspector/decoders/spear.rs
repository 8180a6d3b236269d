//! Upstream Spear-Next's records as a value format (`value = "spear"`), chosen by key the
//! way its SMS writes them: `events:` envelopes with their protobuf payloads decoded,
//! `task_events:` JSON, the streams' ASCII counters, and the JSON records of the
//! registries and the rest (`node:`, `resource:`, `instance:`, `execution:`, `idx:`...).
//! These are also the rules used when no config file is found.

use serde_json::Value;

use crate::inspector::spear::events::{EventBody, StreamKind, decode_event};

/// The key prefixes upstream writes, each read by [`decode`].
pub const PREFIXES: &[&str] = &[
    "node:",
    "resource:",
    "events_counter:",
    "task_events_counter:",
    "events:",
    "task_events:",
    "instance:",
    "execution:",
    "task:",
    "artifact:",
    "idx:",
    "projection_checkpoint:",
];

/// The record under `key` as upstream Spear-Next wrote it, or why it is not one.
pub fn decode(key: &[u8], value: &[u8]) -> Result<Value, String> {
    let counter = key.starts_with(b"events_counter:") || key.starts_with(b"task_events_counter:");
    if counter {
        let text = std::str::from_utf8(value)
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .ok_or("spear: a stream counter is ASCII decimal digits")?;
        return text
            .parse::<u64>()
            .map(Value::from)
            .map_err(|e| format!("spear: counter {text}: {e}"));
    }
    let kind = if key.starts_with(b"events:") {
        Some(StreamKind::Events)
    } else if key.starts_with(b"task_events:") {
        Some(StreamKind::TaskEvents)
    } else {
        None
    };
    match kind.map(|kind| decode_event(kind, value)) {
        Some(EventBody::Undecodable { undecodable, .. }) => Err(format!("spear: {undecodable}")),
        Some(body) => serde_json::to_value(body).map_err(|e| format!("spear: {e}")),
        None => serde_json::from_slice(value).map_err(|e| format!("spear: not a JSON record: {e}")),
    }
}
