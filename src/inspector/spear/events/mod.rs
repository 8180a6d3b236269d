//! Upstream Spear-Next's event streams as its SMS stores them: `events:{stream}:{seq}`
//! (a JSON `StoredEnvelope` whose payload is a protobuf message), the counter
//! `events_counter:{stream}` (ASCII decimal), and the older per-node task events
//! `task_events:{node}:{id}` with `task_events_counter:{node}`. Sequence numbers are not
//! zero-padded, so they are ordered here by number, never by key bytes.

use serde::Serialize;

mod gaps;
mod record;

pub use gaps::{Gap, MAX_GAPS, StreamGaps, WalCoverage, expected_range, find_gaps, stream_gaps};

pub use record::{
    EventBody, EventRecord, StoredEnvelope, decode_event, op_name, read_events, resource_type_name,
};

use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source};

/// Events a stream keeps at most upstream (older ones are deleted as new ones come).
pub const STREAM_CAP: u64 = 10_000;

/// The two kinds of stream upstream keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    /// `events:{stream}:{seq}` (the unified event bus).
    Events,
    /// `task_events:{node}:{id}` (the per-node task event bus).
    TaskEvents,
}

impl StreamKind {
    fn prefixes(self) -> (&'static str, &'static str) {
        match self {
            StreamKind::Events => ("events:", "events_counter:"),
            StreamKind::TaskEvents => ("task_events:", "task_events_counter:"),
        }
    }

    /// The key of the stream's counter.
    pub fn counter_key(self, stream: &str) -> String {
        format!("{}{stream}", self.prefixes().1)
    }

    /// The key prefix of the stream's events.
    pub fn event_prefix(self, stream: &str) -> Vec<u8> {
        format!("{}{stream}:", self.prefixes().0).into_bytes()
    }
}

/// One stream: what its counter says and what is actually stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamSummary {
    /// The column family it is in.
    pub cf: String,
    /// Which bus.
    pub kind: StreamKind,
    /// The stream's name (`node.{uuid}`, `all`, `type.task`, ... or a node for task events).
    pub stream: String,
    /// The counter's value: the last sequence number handed out.
    pub counter: Option<u64>,
    /// Events stored.
    pub stored: u64,
    /// Whether `stored` and the range are counted yet (they come after the counters).
    pub counted: bool,
    /// The lowest and highest sequence number stored.
    pub first_seq: Option<u64>,
    /// See `first_seq`.
    pub last_seq: Option<u64>,
}

impl StreamSummary {
    /// Why the counter and the stored events disagree, if they do: the newest stored
    /// event must carry the counter's number, and below the cap every number up to it
    /// must be there.
    pub fn mismatch(&self) -> Option<String> {
        if !self.counted {
            return None;
        }
        let counter = self.counter?;
        if self.last_seq != Some(counter) && !(counter == 0 && self.stored == 0) {
            return Some(format!(
                "counter {counter}, newest stored {}",
                self.last_seq.map_or("none".to_string(), |s| s.to_string())
            ));
        }
        let expected = counter.min(STREAM_CAP);
        (self.stored != expected).then(|| {
            format!(
                "counter {counter}, {} stored, {expected} expected",
                self.stored
            )
        })
    }
}

/// Splits `events:{stream}:{seq}` (on the last `:`; stream names may contain `:`).
fn split_event_key<'k>(key: &'k str, prefix: &str) -> Option<(&'k str, u64)> {
    let rest = key.strip_prefix(prefix)?;
    let (stream, seq) = rest.rsplit_once(':')?;
    Some((stream, seq.parse().ok()?))
}

/// Every stream of both buses, with counters, counts and ranges, sorted by name.
/// `counters_read` gets the list as soon as the counters are read (a few keys), before
/// the events are counted (every event key): a screen can show the streams at once.
/// Blocking.
pub fn list_streams(
    source: &Source,
    cf: &str,
    cancelled: &dyn Fn() -> bool,
    counters_read: &mut dyn FnMut(Vec<StreamSummary>),
) -> Result<Option<Vec<StreamSummary>>, InspectError> {
    let mut streams: std::collections::BTreeMap<(StreamKind, String), StreamSummary> =
        Default::default();
    let kinds = [StreamKind::Events, StreamKind::TaskEvents];
    for kind in kinds {
        let counters = kind.prefixes().1;
        source.for_each(
            cf,
            &Bounds::prefix(counters.as_bytes()),
            None,
            |key, value| {
                if let Ok(key) = std::str::from_utf8(key)
                    && let Some(stream) = key.strip_prefix(counters)
                {
                    let entry = summary(&mut streams, cf, kind, stream);
                    entry.counter = std::str::from_utf8(value)
                        .ok()
                        .and_then(|v| v.trim().parse().ok());
                }
                true
            },
        )?;
    }
    counters_read(streams.values().cloned().collect());
    for kind in kinds {
        let events = kind.prefixes().0;
        let mut seen = 0u64;
        let mut stopped = false;
        source.for_each(cf, &Bounds::prefix(events.as_bytes()), None, |key, _| {
            seen += 1;
            if seen.is_multiple_of(4096) && cancelled() {
                stopped = true;
                return false;
            }
            if let Ok(key) = std::str::from_utf8(key)
                && let Some((stream, seq)) = split_event_key(key, events)
            {
                let entry = summary(&mut streams, cf, kind, stream);
                entry.stored += 1;
                entry.first_seq = Some(entry.first_seq.map_or(seq, |s| s.min(seq)));
                entry.last_seq = Some(entry.last_seq.map_or(seq, |s| s.max(seq)));
            }
            true
        })?;
        if stopped {
            return Ok(None);
        }
    }
    Ok(Some(
        streams
            .into_values()
            .map(|mut s| {
                s.counted = true;
                s
            })
            .collect(),
    ))
}

fn summary<'a>(
    streams: &'a mut std::collections::BTreeMap<(StreamKind, String), StreamSummary>,
    cf: &str,
    kind: StreamKind,
    stream: &str,
) -> &'a mut StreamSummary {
    streams
        .entry((kind, stream.to_string()))
        .or_insert_with(|| StreamSummary {
            cf: cf.to_string(),
            counted: false,
            kind,
            stream: stream.to_string(),
            counter: None,
            stored: 0,
            first_seq: None,
            last_seq: None,
        })
}

/// Other records upstream's SMS keeps beside its events, by key prefix.
pub const UPSTREAM_NAMESPACES: &[(&str, &str)] = &[
    ("instance:", "instance records"),
    ("execution:", "execution records"),
    ("idx:task_active_instances:", "active instances per task"),
    (
        "idx:instance_recent_executions:",
        "recent executions per instance",
    ),
    ("projection_checkpoint:", "projector checkpoints"),
    ("node:", "node records"),
    ("resource:", "resource reports"),
];

/// How many keys each of upstream's namespaces holds in `cf` (those it holds any of).
/// Blocking; reads keys of those namespaces only.
pub fn namespace_counts(
    source: &Source,
    cf: &str,
) -> Result<Vec<(&'static str, u64)>, InspectError> {
    let mut out = Vec::new();
    for (prefix, _) in UPSTREAM_NAMESPACES {
        let n = source.for_each(cf, &Bounds::prefix(prefix.as_bytes()), None, |_, _| true)?;
        if n > 0 {
            out.push((*prefix, n));
        }
    }
    Ok(out)
}

/// The sequence numbers a stream holds, newest first (by number): the stream's index,
/// about 8 bytes an event. Blocking.
pub fn stream_index(
    source: &Source,
    cf: &str,
    kind: StreamKind,
    stream: &str,
) -> Result<Vec<u64>, InspectError> {
    let prefix = kind.event_prefix(stream);
    let mut seqs = Vec::new();
    source.for_each(cf, &Bounds::prefix(&prefix), None, |key, _| {
        // Only this stream: another stream's name may extend this one's (`all` / `all:x`).
        if let Some(seq) = key
            .strip_prefix(prefix.as_slice())
            .and_then(|rest| std::str::from_utf8(rest).ok())
            .and_then(|rest| rest.parse::<u64>().ok())
        {
            seqs.push(seq);
        }
        true
    })?;
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    Ok(seqs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_on_the_last_colon() {
        assert_eq!(
            split_event_key("events:all:12", "events:"),
            Some(("all", 12))
        );
        assert_eq!(
            split_event_key("events:resource.task.a:b:7", "events:"),
            Some(("resource.task.a:b", 7))
        );
        assert_eq!(split_event_key("events:all:x", "events:"), None);
    }

    #[test]
    fn mismatches_name_what_disagrees() {
        let mut s = StreamSummary {
            cf: "default".into(),
            counted: true,
            kind: StreamKind::Events,
            stream: "all".into(),
            counter: Some(12),
            stored: 12,
            first_seq: Some(1),
            last_seq: Some(12),
        };
        assert_eq!(s.mismatch(), None);
        s.counter = Some(15);
        assert!(s.mismatch().unwrap().contains("newest stored 12"));
        s.counter = Some(12);
        s.stored = 11;
        assert!(s.mismatch().unwrap().contains("11 stored, 12 expected"));
        s.counter = Some(10_500);
        s.last_seq = Some(10_500);
        s.stored = 10_000;
        assert_eq!(s.mismatch(), None, "trimmed to the cap");
    }
}
