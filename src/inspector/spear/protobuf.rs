//! Decoding the protobuf payloads of upstream's event envelopes: the wire format (varints,
//! fixed-width and length-delimited fields) read directly, and field names and enum names
//! from tables written after upstream's message definitions (`proto/sms/task.proto`,
//! `node.proto`, `execution.proto`). A payload type not in the tables, or a field number
//! a table lacks, is still shown (by number, raw), never dropped.
//!
//! Why not `prost-reflect` over a descriptor set: that needs upstream's `.proto` files and
//! a protobuf compiler at build time; these five messages need only their field tables,
//! and this reader is small enough to test field by field against `prost`'s encoder.

use serde::Serialize;

/// What a field holds, for naming and rendering it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int64,
    Int32,
    Text,
    Enum(&'static [&'static str]),
    Message(&'static str),
    /// `map<string, string>`: repeated entries of key = 1, value = 2.
    StringMap,
}

type Table = &'static [(u32, &'static str, Kind)];

const TASK_EVENT_KIND: &[&str] = &["UNKNOWN", "CREATE", "UPDATE", "CANCEL"];
const INSTANCE_STATUS: &[&str] = &["UNKNOWN", "RUNNING", "IDLE", "TERMINATING", "TERMINATED"];
const EXECUTION_STATUS: &[&str] = &[
    "UNKNOWN",
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
];

/// The field table of an upstream message, by its full name.
fn table(message: &str) -> Option<Table> {
    Some(match message {
        "sms.TaskEvent" => &[
            (1, "event_id", Kind::Int64),
            (2, "ts", Kind::Int64),
            (3, "node_uuid", Kind::Text),
            (4, "task_id", Kind::Text),
            (5, "kind", Kind::Enum(TASK_EVENT_KIND)),
            (7, "execution_id", Kind::Text),
        ],
        "sms.Node" => &[
            (1, "uuid", Kind::Text),
            (2, "ip_address", Kind::Text),
            (3, "port", Kind::Int32),
            (4, "status", Kind::Text),
            (5, "last_heartbeat", Kind::Int64),
            (6, "registered_at", Kind::Int64),
            (7, "metadata", Kind::StringMap),
            (8, "http_port", Kind::Int32),
        ],
        "sms.Instance" => &[
            (1, "instance_id", Kind::Text),
            (2, "task_id", Kind::Text),
            (3, "node_uuid", Kind::Text),
            (4, "status", Kind::Enum(INSTANCE_STATUS)),
            (5, "created_at_ms", Kind::Int64),
            (6, "updated_at_ms", Kind::Int64),
            (7, "last_seen_ms", Kind::Int64),
            (8, "current_execution_id", Kind::Text),
            (9, "metadata", Kind::StringMap),
        ],
        "sms.Execution" => &[
            (1, "execution_id", Kind::Text),
            (2, "invocation_id", Kind::Text),
            (3, "task_id", Kind::Text),
            (4, "function_name", Kind::Text),
            (5, "node_uuid", Kind::Text),
            (6, "instance_id", Kind::Text),
            (7, "status", Kind::Enum(EXECUTION_STATUS)),
            (8, "started_at_ms", Kind::Int64),
            (9, "completed_at_ms", Kind::Int64),
            (10, "log_ref", Kind::Message("sms.LogRef")),
            (11, "metadata", Kind::StringMap),
            (12, "updated_at_ms", Kind::Int64),
        ],
        "sms.LogRef" => &[
            (1, "backend", Kind::Text),
            (2, "uri_prefix", Kind::Text),
            (3, "content_type", Kind::Text),
            (4, "compression", Kind::Text),
        ],
        _ => return None,
    })
}

/// A decoded payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decoded {
    /// No payload (e.g. a node deletion).
    Empty,
    /// A message of a known type: its fields in wire order, nested ones with dotted names,
    /// map entries as `name.key`.
    Message {
        /// The message's full name, e.g. `sms.TaskEvent`.
        type_name: String,
        /// `(name, value)` in wire order.
        fields: Vec<(String, String)>,
    },
    /// A type this build has no table for: its bytes.
    Unknown {
        /// The type URL.
        type_url: String,
        /// The payload, lowercase hex.
        hex: String,
    },
    /// Bytes that are not a valid message of the named type.
    Invalid {
        /// What is wrong.
        error: String,
        /// The payload, lowercase hex.
        hex: String,
    },
}

/// Decodes `value` as the `google.protobuf.Any` payload named by `type_url`.
pub fn decode_any(type_url: &str, value: &[u8]) -> Decoded {
    if type_url.is_empty() && value.is_empty() {
        return Decoded::Empty;
    }
    let name = type_url.rsplit('/').next().unwrap_or(type_url);
    let hex = || crate::inspector::decode::hex(value);
    if table(name).is_none() {
        return Decoded::Unknown {
            type_url: type_url.to_string(),
            hex: hex(),
        };
    }
    let mut fields = Vec::new();
    match decode_message(name, value, "", &mut fields) {
        Ok(()) => Decoded::Message {
            type_name: name.to_string(),
            fields,
        },
        Err(error) => Decoded::Invalid { error, hex: hex() },
    }
}

/// A field as read off the wire.
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

fn varint(bytes: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().ok_or("a varint runs past the end")?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("a varint longer than 10 bytes".into())
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if bytes.len() < n {
        return Err(format!("a field of {n} bytes runs past the end"));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

/// Every `(field number, value)` of a message, in wire order.
fn fields(mut bytes: &[u8]) -> Result<Vec<(u32, Wire<'_>)>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let tag = varint(&mut bytes)?;
        let number = u32::try_from(tag >> 3).map_err(|_| "a field number out of range")?;
        let wire = match tag & 7 {
            0 => Wire::Varint(varint(&mut bytes)?),
            1 => Wire::Fixed64(u64::from_le_bytes(
                take(&mut bytes, 8)?.try_into().unwrap_or_default(),
            )),
            2 => {
                let len =
                    usize::try_from(varint(&mut bytes)?).map_err(|_| "a length out of range")?;
                Wire::Bytes(take(&mut bytes, len)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(
                take(&mut bytes, 4)?.try_into().unwrap_or_default(),
            )),
            other => {
                return Err(format!(
                    "wire type {other} (groups are not used by these messages)"
                ));
            }
        };
        out.push((number, wire));
    }
    Ok(out)
}

fn decode_message(
    message: &str,
    bytes: &[u8],
    path: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let table = table(message).unwrap_or(&[]);
    for (number, wire) in fields(bytes)? {
        let known = table.iter().find(|(n, _, _)| *n == number);
        let name = match known {
            Some((_, name, _)) => format!("{path}{name}"),
            None => format!("{path}#{number}"),
        };
        match (known.map(|(_, _, kind)| *kind), wire) {
            (Some(Kind::Int64), Wire::Varint(v)) => out.push((name, (v as i64).to_string())),
            (Some(Kind::Int32), Wire::Varint(v)) => out.push((name, (v as i64 as i32).to_string())),
            (Some(Kind::Enum(names)), Wire::Varint(v)) => {
                let label = usize::try_from(v).ok().and_then(|i| names.get(i));
                out.push((name, label.map_or(v.to_string(), |l| (*l).to_string())));
            }
            (Some(Kind::Text), Wire::Bytes(b)) => out.push((name, text(b))),
            (Some(Kind::Message(inner)), Wire::Bytes(b)) => {
                decode_message(inner, b, &format!("{name}."), out)?
            }
            (Some(Kind::StringMap), Wire::Bytes(b)) => {
                let (mut key, mut value) = (String::new(), String::new());
                for (n, w) in fields(b)? {
                    match (n, w) {
                        (1, Wire::Bytes(k)) => key = text(k),
                        (2, Wire::Bytes(v)) => value = text(v),
                        _ => {
                            return Err(format!(
                                "{name}: a map entry that is not string to string"
                            ));
                        }
                    }
                }
                out.push((format!("{name}.{key}"), value));
            }
            (Some(_), _) => {
                return Err(format!(
                    "{name}: the wire type does not match its definition"
                ));
            }
            (None, Wire::Varint(v)) => out.push((name, v.to_string())),
            (None, Wire::Fixed64(v)) => out.push((name, format!("0x{v:016x}"))),
            (None, Wire::Fixed32(v)) => out.push((name, format!("0x{v:08x}"))),
            (None, Wire::Bytes(b)) => {
                out.push((name, format!("0x{}", crate::inspector::decode::hex(b))))
            }
        }
    }
    Ok(())
}

fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => format!("0x{}", crate::inspector::decode::hex(bytes)),
    }
}

/// Writes protobuf fields, for the demo database's event payloads.
#[derive(Debug, Default)]
pub struct Encoder(Vec<u8>);

impl Encoder {
    fn key(&mut self, number: u32, wire: u8) {
        self.varint(u64::from(number) << 3 | u64::from(wire));
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    /// An integer (int32, int64 or enum) field; zero is omitted, as proto3 does.
    pub fn int(mut self, number: u32, v: i64) -> Self {
        if v != 0 {
            self.key(number, 0);
            self.varint(v as u64);
        }
        self
    }

    /// A string field; empty is omitted, as proto3 does.
    pub fn text(self, number: u32, v: &str) -> Self {
        if v.is_empty() {
            return self;
        }
        self.bytes(number, v.as_bytes())
    }

    /// A length-delimited field (bytes or an embedded message).
    pub fn bytes(mut self, number: u32, v: &[u8]) -> Self {
        self.key(number, 2);
        self.varint(v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }

    /// One entry of a `map<string, string>` field.
    pub fn map_entry(self, number: u32, key: &str, value: &str) -> Self {
        let entry = Encoder::default().text(1, key).text(2, value).finish();
        self.bytes(number, &entry)
    }

    /// The encoded message.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}
