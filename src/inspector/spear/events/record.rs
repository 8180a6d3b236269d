//! One stored event: upstream's envelope, its protobuf payload decoded, or the older
//! per-node task event, read by sequence number.

use serde::{Deserialize, Serialize};

use super::StreamKind;
use crate::inspector::error::InspectError;
use crate::inspector::source::Source;
use crate::inspector::spear::protobuf::{self, Decoded};

/// Upstream's `StoredEnvelope`, field for field (`src/sms/unified_events.rs`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct StoredEnvelope {
    /// A UUID shared by the copies of one event in several streams.
    pub event_id: String,
    /// When, in milliseconds since the epoch.
    pub ts_ms: i64,
    /// The stream this copy is in.
    pub stream: String,
    /// Its number in that stream.
    pub seq: u64,
    /// 0 unknown, 1 task, 2 node, 3 artifact, 4 instance, 5 execution.
    pub resource_type: i32,
    /// The resource's id.
    pub resource_id: String,
    /// 0 unknown, 1 create, 2 update, 3 delete, 4 upsert, 5 cancel.
    pub op: i32,
    /// Always 1 so far.
    #[serde(default)]
    pub schema_version: u32,
    /// The node it concerns.
    #[serde(default)]
    pub node_uuid: String,
    /// Always empty so far.
    #[serde(default)]
    pub correlation_id: String,
    /// Always empty so far.
    #[serde(default)]
    pub headers: std::collections::HashMap<String, String>,
    /// `type.googleapis.com/sms.TaskEvent`, `.Node`, `.Instance`, `.Execution`, or "".
    #[serde(default)]
    pub payload_type_url: String,
    /// The protobuf message (a JSON array of byte values).
    #[serde(default)]
    pub payload_value: Vec<u8>,
    /// Always empty so far.
    #[serde(default)]
    pub payload_bytes: Vec<u8>,
    /// `application/protobuf`, or "".
    #[serde(default)]
    pub content_type: String,
}

/// The name of an envelope's `resource_type`.
pub fn resource_type_name(code: i32) -> &'static str {
    [
        "unknown",
        "task",
        "node",
        "artifact",
        "instance",
        "execution",
    ]
    .get(usize::try_from(code).unwrap_or(0))
    .copied()
    .unwrap_or("unknown")
}

/// The name of an envelope's `op`.
pub fn op_name(code: i32) -> &'static str {
    ["unknown", "create", "update", "delete", "upsert", "cancel"]
        .get(usize::try_from(code).unwrap_or(0))
        .copied()
        .unwrap_or("unknown")
}

/// One stored event, decoded as far as it goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// Its sequence number in the stream.
    pub seq: u64,
    /// The key it is stored under.
    pub key: String,
    /// What it says.
    #[serde(flatten)]
    pub body: EventBody,
}

/// An event's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventBody {
    /// A unified-bus envelope and its decoded payload.
    Envelope {
        /// The envelope.
        envelope: Box<StoredEnvelope>,
        /// The payload, decoded with upstream's message definitions.
        payload: Decoded,
    },
    /// A per-node task event (JSON as stored).
    TaskEvent {
        /// The stored JSON.
        task_event: serde_json::Value,
    },
    /// Bytes that do not decode; why.
    Undecodable {
        /// The decoder's complaint.
        undecodable: String,
        /// The stored bytes' size.
        size: usize,
    },
}

/// Reads and decodes the events `seqs` of a stream (those still there). Blocking.
pub fn read_events(
    source: &Source,
    cf: &str,
    kind: StreamKind,
    stream: &str,
    seqs: &[u64],
) -> Result<Vec<EventRecord>, InspectError> {
    let prefix = String::from_utf8_lossy(&kind.event_prefix(stream)).into_owned();
    let mut out = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        let key = format!("{prefix}{seq}");
        let Some((bytes, _)) = source.get(cf, key.as_bytes(), usize::MAX)? else {
            continue;
        };
        out.push(EventRecord {
            seq,
            key,
            body: decode_event(kind, &bytes),
        });
    }
    Ok(out)
}

/// Decodes one stored event value.
pub fn decode_event(kind: StreamKind, bytes: &[u8]) -> EventBody {
    let undecodable = |error: String| EventBody::Undecodable {
        undecodable: error,
        size: bytes.len(),
    };
    match kind {
        StreamKind::Events => match serde_json::from_slice::<StoredEnvelope>(bytes) {
            Ok(envelope) => {
                let payload =
                    protobuf::decode_any(&envelope.payload_type_url, &envelope.payload_value);
                EventBody::Envelope {
                    envelope: Box::new(envelope),
                    payload,
                }
            }
            Err(e) => undecodable(format!("not a StoredEnvelope: {e}")),
        },
        StreamKind::TaskEvents => match serde_json::from_slice(bytes) {
            Ok(value) => EventBody::TaskEvent { task_event: value },
            Err(e) => undecodable(format!("not JSON: {e}")),
        },
    }
}
