//! The demo's event streams, in upstream Spear-Next's storage format: envelopes under
//! `events:{stream}:{seq}` with protobuf payloads, counters, a counter that disagrees with
//! its stream (as a failed write leaves it), and per-node task events.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::inspector::spear::events::StoredEnvelope;
use crate::inspector::spear::protobuf::Encoder;

/// One event before it is copied into its streams.
struct Event {
    resource_type: i32,
    resource_id: String,
    op: i32,
    node: Uuid,
    type_url: &'static str,
    payload: Vec<u8>,
}

/// Every key and value of the demo's streams, for events from `nodes` over six hours.
pub fn streams(nodes: &[Uuid], now: DateTime<Utc>) -> Vec<(String, Vec<u8>)> {
    let mut counters: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    let start = now - Duration::hours(6);
    for i in 0..150u32 {
        let at = start + Duration::seconds(i64::from(i) * 137);
        let node = nodes[i as usize % nodes.len()];
        let task = format!("task-{}", i % 7);
        let event = match i % 4 {
            0 | 1 => Event {
                resource_type: 1,
                resource_id: task.clone(),
                op: if i % 4 == 0 { 1 } else { 2 },
                node,
                type_url: "type.googleapis.com/sms.TaskEvent",
                payload: Encoder::default()
                    .int(2, at.timestamp())
                    .text(3, &node.to_string())
                    .text(4, &task)
                    .int(5, if i % 4 == 0 { 1 } else { 2 })
                    .finish(),
            },
            2 => Event {
                resource_type: 2,
                resource_id: node.to_string(),
                op: 2,
                node,
                type_url: "type.googleapis.com/sms.Node",
                payload: Encoder::default()
                    .text(1, &node.to_string())
                    .text(2, "10.20.7.10")
                    .int(3, 7000)
                    .text(4, "Active")
                    .int(5, at.timestamp())
                    .map_entry(7, "zone", "eu-west-1a")
                    .finish(),
            },
            _ => Event {
                resource_type: 5,
                resource_id: format!("exec-{i:04}"),
                op: 4,
                node,
                type_url: "type.googleapis.com/sms.Execution",
                payload: Encoder::default()
                    .text(1, &format!("exec-{i:04}"))
                    .text(3, &task)
                    .text(4, "resize_image")
                    .text(5, &node.to_string())
                    .int(7, [2, 3, 4][i as usize % 3])
                    .int(8, at.timestamp_millis())
                    .bytes(
                        10,
                        &Encoder::default()
                            .text(1, "file")
                            .text(2, &format!("execution_logs/exec-{i:04}"))
                            .finish(),
                    )
                    .finish(),
            },
        };
        let kind = [
            "unknown",
            "task",
            "node",
            "artifact",
            "instance",
            "execution",
        ][event.resource_type as usize];
        let mut streams = vec![
            format!("node.{}", event.node),
            "all".to_string(),
            format!("type.{kind}"),
            format!("resource.{kind}.{}", event.resource_id),
        ];
        if event.resource_type == 5 {
            streams.push(format!("resource.task.{task}"));
        }
        let event_id = Uuid::from_u128(0x5EA2_0000 + u128::from(i));
        for stream in streams {
            let seq = counters.entry(stream.clone()).or_default();
            *seq += 1;
            let envelope = StoredEnvelope {
                event_id: event_id.to_string(),
                ts_ms: at.timestamp_millis(),
                stream: stream.clone(),
                seq: *seq,
                resource_type: event.resource_type,
                resource_id: event.resource_id.clone(),
                op: event.op,
                schema_version: 1,
                node_uuid: event.node.to_string(),
                correlation_id: String::new(),
                headers: HashMap::new(),
                payload_type_url: event.type_url.to_string(),
                payload_value: event.payload.clone(),
                payload_bytes: Vec::new(),
                content_type: "application/protobuf".to_string(),
            };
            let value = serde_json::to_vec(&envelope).unwrap_or_default();
            out.push((format!("events:{stream}:{seq}"), value));
        }
    }
    for (stream, seq) in &counters {
        // A writer that crashed between the event and its counter, twice: the counter
        // runs ahead of the stored events.
        let seq = if stream == "resource.task.task-3" {
            seq + 2
        } else {
            *seq
        };
        out.push((
            format!("events_counter:{stream}"),
            seq.to_string().into_bytes(),
        ));
    }
    let node = nodes[0];
    for id in 1..=12i64 {
        let value = serde_json::json!({
            "event_id": id,
            "ts": (start + Duration::minutes(id * 25)).timestamp(),
            "node_uuid": node.to_string(),
            "task_id": format!("task-{}", id % 3),
            "kind": 1 + id % 2,
            "execution_id": (id % 2 == 1).then(|| format!("task-event-{node}-{id}")),
        });
        out.push((
            format!("task_events:{node}:{id}"),
            value.to_string().into_bytes(),
        ));
    }
    out.push((format!("task_events_counter:{node}"), b"12".to_vec()));
    out
}
