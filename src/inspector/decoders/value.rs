//! Value formats: how a value's bytes are read into a JSON document to show, filter and
//! export: JSON, MessagePack, CBOR, protobuf (by a message compiled from `.proto` files),
//! an integer of a given width and byte order, text, hex, or upstream Spear-Next's own
//! records. A value that does not decode is an error naming the format, never a guess.

use serde_json::{Map, Number, Value};

use super::key::{FieldType, field_type};
use crate::inspector::decode::hex;

/// How a value is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueFormat {
    /// JSON text.
    Json,
    /// MessagePack.
    MsgPack,
    /// CBOR (RFC 8949).
    Cbor,
    /// An integer (`u64be`, `i32le`...).
    Integer(FieldType),
    /// UTF-8 text.
    Text,
    /// Hex.
    Hex,
    /// A protobuf message, by its descriptor (compiled from the rule's `.proto` files).
    Protobuf(prost_reflect::MessageDescriptor),
    /// Upstream Spear-Next's records, by key: event envelopes with their protobuf
    /// payloads, counters, and the JSON records of the registries and the rest.
    Spear,
}

impl ValueFormat {
    /// The format a name stands for.
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "json" => ValueFormat::Json,
            "msgpack" | "messagepack" => ValueFormat::MsgPack,
            "cbor" => ValueFormat::Cbor,
            "string" | "text" => ValueFormat::Text,
            "hex" => ValueFormat::Hex,
            "spear" => ValueFormat::Spear,
            "protobuf" => {
                return Err(
                    "value = \"protobuf\" needs proto_files = [\"...\"] and message = \"package.Message\""
                        .into(),
                );
            }
            other => match field_type(other) {
                Ok(kind @ (FieldType::Unsigned { .. } | FieldType::Signed { .. })) => {
                    ValueFormat::Integer(kind)
                }
                _ => {
                    return Err(format!(
                        "unknown value format {other:?}: one of json, msgpack, cbor, protobuf, spear, u8..u64be/le, i8..i64be/le, string, hex"
                    ));
                }
            },
        })
    }

    /// The name the config gives it (protobuf with its message).
    pub fn name(&self) -> String {
        match self {
            ValueFormat::Json => "json".into(),
            ValueFormat::MsgPack => "msgpack".into(),
            ValueFormat::Cbor => "cbor".into(),
            ValueFormat::Integer(kind) => kind.name(),
            ValueFormat::Text => "string".into(),
            ValueFormat::Hex => "hex".into(),
            ValueFormat::Protobuf(message) => format!("protobuf {}", message.full_name()),
            ValueFormat::Spear => "spear".into(),
        }
    }

    /// The value of `key` as a JSON document, or why it does not decode (only the
    /// Spear-Next records depend on the key).
    pub fn decode(&self, key: &[u8], value: &[u8]) -> Result<Value, String> {
        match self {
            ValueFormat::Protobuf(message) => super::protobuf::decode(message, value),
            ValueFormat::Spear => super::spear::decode(key, value),
            ValueFormat::Json => serde_json::from_slice(value).map_err(|e| format!("json: {e}")),
            ValueFormat::MsgPack => {
                // rmpv reads the never-used marker 0xc1 as nil: refuse it first, so a
                // damaged value is never shown as a null.
                let mut at = 0;
                check_msgpack(value, &mut at, 0)?;
                let mut reader = value;
                let decoded =
                    rmpv::decode::read_value(&mut reader).map_err(|e| format!("msgpack: {e}"))?;
                whole(reader.len(), "msgpack")?;
                Ok(from_msgpack(decoded))
            }
            ValueFormat::Cbor => {
                let mut reader = value;
                let decoded: ciborium::Value =
                    ciborium::from_reader(&mut reader).map_err(cbor_error)?;
                whole(reader.len(), "cbor")?;
                Ok(from_cbor(decoded))
            }
            ValueFormat::Integer(kind) => {
                // Read as a one-field layout reads a key: the width and order checked,
                // nothing left over.
                let layout = super::key::KeyLayout::Single(kind.clone());
                match layout
                    .field(value, "key")
                    .map_err(|e| format!("integer: {e}"))?
                {
                    Some(super::key::FieldValue::Unsigned(n)) => Ok(Value::from(n)),
                    Some(super::key::FieldValue::Signed(n)) => Ok(Value::from(n)),
                    other => Err(format!("integer: read as {other:?}")),
                }
            }
            ValueFormat::Text => std::str::from_utf8(value)
                .map(|s| Value::String(s.to_string()))
                .map_err(|e| format!("text: {e}")),
            ValueFormat::Hex => Ok(Value::String(hex(value))),
        }
    }
}

/// Walks one MessagePack item at `at` by its markers (lengths checked), refusing 0xc1.
fn check_msgpack(b: &[u8], at: &mut usize, depth: usize) -> Result<(), String> {
    if depth > 512 {
        return Err("msgpack: nested deeper than 512".into());
    }
    let marker = *b.get(*at).ok_or("msgpack: cut short")?;
    *at += 1;
    let be = |n: usize, at: &mut usize| -> Result<usize, String> {
        let bytes = b.get(*at..*at + n).ok_or("msgpack: cut short")?;
        *at += n;
        Ok(bytes
            .iter()
            .fold(0usize, |acc, x| (acc << 8) | usize::from(*x)))
    };
    let (skip, items) = match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
        0x80..=0x8f => (0, 2 * usize::from(marker & 0x0f)),
        0x90..=0x9f => (0, usize::from(marker & 0x0f)),
        0xa0..=0xbf => (usize::from(marker & 0x1f), 0),
        0xc1 => {
            return Err(format!(
                "msgpack: byte {} is 0xc1, which MessagePack never uses",
                *at - 1
            ));
        }
        0xc4 | 0xd9 => (be(1, at)?, 0),
        0xc5 | 0xda => (be(2, at)?, 0),
        0xc6 | 0xdb => (be(4, at)?, 0),
        0xc7 => (be(1, at)? + 1, 0),
        0xc8 => (be(2, at)? + 1, 0),
        0xc9 => (be(4, at)? + 1, 0),
        0xca | 0xce | 0xd2 => (4, 0),
        0xcb | 0xcf | 0xd3 => (8, 0),
        0xcc | 0xd0 => (1, 0),
        0xcd | 0xd1 | 0xd4 => (2, 0),
        0xd5 => (3, 0),
        0xd6 => (5, 0),
        0xd7 => (9, 0),
        0xd8 => (17, 0),
        0xdc => (0, be(2, at)?),
        0xdd => (0, be(4, at)?),
        0xde => (0, 2 * be(2, at)?),
        0xdf => (0, 2 * be(4, at)?),
    };
    if b.len() < *at + skip {
        return Err("msgpack: cut short".into());
    }
    *at += skip;
    for _ in 0..items {
        check_msgpack(b, at, depth + 1)?;
    }
    Ok(())
}

/// ciborium's error in words: its I/O errors are the value ending too soon.
fn cbor_error(e: ciborium::de::Error<std::io::Error>) -> String {
    use ciborium::de::Error as E;
    match e {
        E::Io(_) => "cbor: cut short".into(),
        E::Syntax(at) => format!("cbor: not CBOR at byte {at}"),
        E::Semantic(Some(at), why) => format!("cbor: byte {at}: {why}"),
        E::Semantic(None, why) => format!("cbor: {why}"),
        E::RecursionLimitExceeded => "cbor: nested too deeply".into(),
    }
}

fn whole(left: usize, what: &str) -> Result<(), String> {
    match left {
        0 => Ok(()),
        n => Err(format!("{what}: {n} byte(s) after the first item")),
    }
}

/// A map key as JSON object keys must be: text as it is, anything else as its JSON.
fn key_text(key: Value) -> String {
    match key {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn from_msgpack(v: rmpv::Value) -> Value {
    use rmpv::Value as M;
    match v {
        M::Nil => Value::Null,
        M::Boolean(b) => Value::Bool(b),
        M::Integer(i) => i
            .as_u64()
            .map(Number::from)
            .or_else(|| i.as_i64().map(Number::from))
            .map_or(Value::Null, Value::Number),
        M::F32(f) => Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number),
        M::F64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        M::String(s) => match s.into_str() {
            Some(s) => Value::String(s),
            None => Value::String("(not UTF-8)".into()),
        },
        M::Binary(b) => Value::String(format!("0x{}", hex(&b))),
        M::Array(items) => Value::Array(items.into_iter().map(from_msgpack).collect()),
        M::Map(pairs) => Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (key_text(from_msgpack(k)), from_msgpack(v)))
                .collect::<Map<_, _>>(),
        ),
        M::Ext(kind, data) => Value::String(format!("ext {kind}: 0x{}", hex(&data))),
    }
}

fn from_cbor(v: ciborium::Value) -> Value {
    use ciborium::Value as C;
    match v {
        C::Null => Value::Null,
        C::Bool(b) => Value::Bool(b),
        C::Integer(i) => {
            let wide = i128::from(i);
            u64::try_from(wide)
                .map(Number::from)
                .or_else(|_| i64::try_from(wide).map(Number::from))
                .map_or(Value::String(wide.to_string()), Value::Number)
        }
        C::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        C::Text(s) => Value::String(s),
        C::Bytes(b) => Value::String(format!("0x{}", hex(&b))),
        C::Array(items) => Value::Array(items.into_iter().map(from_cbor).collect()),
        C::Map(pairs) => Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (key_text(from_cbor(k)), from_cbor(v)))
                .collect::<Map<_, _>>(),
        ),
        C::Tag(tag, inner) => {
            let mut tagged = Map::new();
            tagged.insert(format!("tag {tag}"), from_cbor(*inner));
            Value::Object(tagged)
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messagepack_and_cbor_bytes_from_their_specifications() {
        // {"id": 1, "ok": true} as MessagePack: fixmap(2), fixstr "id", 1, fixstr "ok", true.
        let msgpack = [0x82, 0xa2, b'i', b'd', 0x01, 0xa2, b'o', b'k', 0xc3];
        assert_eq!(
            ValueFormat::MsgPack.decode(b"", &msgpack).unwrap(),
            serde_json::json!({"id": 1, "ok": true})
        );
        // The same in CBOR: map(2), text "id", 1, text "ok", true.
        let cbor = [0xa2, 0x62, b'i', b'd', 0x01, 0x62, b'o', b'k', 0xf5];
        assert_eq!(
            ValueFormat::Cbor.decode(b"", &cbor).unwrap(),
            serde_json::json!({"id": 1, "ok": true})
        );
        assert!(
            ValueFormat::MsgPack.decode(b"", &[0x82, 0xa2]).is_err(),
            "a cut map"
        );
        let never = ValueFormat::MsgPack.decode(b"", &[0x91, 0xc1]).unwrap_err();
        assert!(never.contains("0xc1"), "{never}");
        assert!(
            ValueFormat::Cbor
                .decode(b"", &[0xf5, 0xf5])
                .unwrap_err()
                .contains("after the first item")
        );
        assert_eq!(
            ValueFormat::parse("u64be")
                .unwrap()
                .decode(b"", &7u64.to_be_bytes())
                .unwrap(),
            serde_json::json!(7)
        );
        assert!(ValueFormat::parse("protobuf").is_err());
    }
}
