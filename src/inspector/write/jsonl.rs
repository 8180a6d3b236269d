//! The JSON Lines format of `scan --json`, `export` and `import`: one pair per line,
//! `{"cf": ..., "key": ..., "value": ...}`, with `key_hex` / `value_hex` (lowercase) for
//! bytes that are not UTF-8. `cf` is optional (absent: `default`). `scan --decode` adds a
//! `decoded` field, which reading accepts and leaves out.

use std::io::{self, Write};

use serde::Deserialize;

use crate::inspector::decode::{hex, parse_hex};

/// Writes one line.
pub fn write_pair(
    out: &mut impl Write,
    cf: Option<&str>,
    key: &[u8],
    value: &[u8],
) -> io::Result<()> {
    write_pair_decoded(out, cf, key, value, None)
}

/// [`write_pair`] with, when given, a `"decoded"` field beside the exact bytes (which
/// `import` accepts and leaves out, so the bytes still round-trip).
pub fn write_pair_decoded(
    out: &mut impl Write,
    cf: Option<&str>,
    key: &[u8],
    value: &[u8],
    decoded: Option<&serde_json::Value>,
) -> io::Result<()> {
    out.write_all(b"{")?;
    if let Some(cf) = cf {
        out.write_all(b"\"cf\":")?;
        serde_json::to_writer(&mut *out, cf).map_err(io::Error::from)?;
        out.write_all(b",")?;
    }
    write_field(out, "key", key)?;
    out.write_all(b",")?;
    if let Some(merge) = crate::inspector::decode::unresolved_merge(value) {
        // Never passed off as a value: the operands, marked, and no "value" field.
        let operands: Vec<String> = merge.operands.iter().map(|o| hex(o)).collect();
        let base = merge.base.as_deref().map(hex);
        let marked = serde_json::json!({"base_hex": base, "operands_hex": operands});
        out.write_all(b"\"unresolved_merge\":")?;
        serde_json::to_writer(&mut *out, &marked).map_err(io::Error::from)?;
    } else {
        write_field(out, "value", value)?;
    }
    if let Some(decoded) = decoded {
        out.write_all(b",\"decoded\":")?;
        serde_json::to_writer(&mut *out, decoded).map_err(io::Error::from)?;
    }
    out.write_all(b"}\n")
}

fn write_field(out: &mut impl Write, name: &str, bytes: &[u8]) -> io::Result<()> {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            write!(out, "\"{name}\":")?;
            serde_json::to_writer(&mut *out, text).map_err(io::Error::from)
        }
        Err(_) => write!(out, "\"{name}_hex\":\"{}\"", hex(bytes)),
    }
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Column family (`default` when absent).
    pub cf: String,
    /// Key bytes.
    pub key: Vec<u8>,
    /// Value bytes.
    pub value: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    cf: Option<String>,
    key: Option<String>,
    key_hex: Option<String>,
    value: Option<String>,
    value_hex: Option<String>,
    /// What `scan --decode` wrote beside the bytes: shown, never imported.
    #[allow(dead_code)] // read only to be accepted
    decoded: Option<serde::de::IgnoredAny>,
}

fn bytes_of(text: Option<String>, hexed: Option<String>, name: &str) -> Result<Vec<u8>, String> {
    match (text, hexed) {
        (Some(t), None) => Ok(t.into_bytes()),
        (None, Some(h)) => parse_hex(&h).ok_or_else(|| format!("\"{name}_hex\" is not hex")),
        (Some(_), Some(_)) => Err(format!("both \"{name}\" and \"{name}_hex\"")),
        (None, None) => Err(format!("no \"{name}\" or \"{name}_hex\"")),
    }
}

/// Parses one line, or says what is wrong with it.
pub fn parse(line: &str) -> Result<Line, String> {
    let raw: Raw = serde_json::from_str(line).map_err(|e| e.to_string())?;
    Ok(Line {
        cf: raw.cf.unwrap_or_else(|| "default".to_string()),
        key: bytes_of(raw.key, raw.key_hex, "key")?,
        value: bytes_of(raw.value, raw.value_hex, "value")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_and_bytes() {
        let mut out = Vec::new();
        write_pair(&mut out, Some("events"), b"k\"1", b"\xff\x00").unwrap();
        write_pair(&mut out, None, "é".as_bytes(), b"").unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"cf":"events","key":"k\"1","value_hex":"ff00"}"#
        );
        assert_eq!(
            parse(lines[0]).unwrap(),
            Line {
                cf: "events".into(),
                key: b"k\"1".to_vec(),
                value: vec![0xff, 0]
            }
        );
        assert_eq!(
            parse(lines[1]).unwrap(),
            Line {
                cf: "default".into(),
                key: "é".as_bytes().to_vec(),
                value: vec![]
            }
        );
    }

    #[test]
    fn malformed_lines_say_why() {
        assert!(parse("{").is_err());
        assert!(parse(r#"{"key":"a"}"#).unwrap_err().contains("value"));
        assert!(
            parse(r#"{"key":"a","key_hex":"00","value":""}"#)
                .unwrap_err()
                .contains("both")
        );
        assert!(
            parse(r#"{"key_hex":"zz","value":""}"#)
                .unwrap_err()
                .contains("not hex")
        );
        assert!(parse(r#"{"key":"a","value":"","extra":1}"#).is_err());
    }
}
