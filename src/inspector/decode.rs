//! How bytes are shown: keys escaped or in hex, values as pretty JSON, text or a hexdump.

use std::fmt::Write;

/// What kind of content a value holds, as far as display is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A JSON object or array (scalars read better as text).
    Json,
    /// UTF-8 text.
    Text,
    /// Anything else.
    Binary,
}

impl ValueKind {
    /// A short label for the value pane's title.
    pub fn label(self) -> &'static str {
        match self {
            ValueKind::Json => "json",
            ValueKind::Text => "text",
            ValueKind::Binary => "binary",
        }
    }
}

/// Classifies `bytes`.
pub fn classify(bytes: &[u8]) -> ValueKind {
    match std::str::from_utf8(bytes) {
        // Text with control characters (other than line breaks and tabs) reads better
        // as a hexdump: the terminal would show nothing, or worse, obey them.
        Ok(text)
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            ValueKind::Binary
        }
        Ok(text) => {
            let trimmed = text.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && serde_json::from_str::<serde_json::Value>(text).is_ok()
            {
                ValueKind::Json
            } else {
                ValueKind::Text
            }
        }
        Err(_) => ValueKind::Binary,
    }
}

/// A key for one line of a list: UTF-8 as is with control characters escaped, other bytes
/// as `\xNN`.
pub fn escape_key(key: &[u8]) -> String {
    let mut out = String::with_capacity(key.len());
    for chunk in key.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    crate::storage::hex(bytes)
}

/// Parses lowercase or uppercase hex (an optional `0x` prefix allowed).
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.trim().trim_start_matches("0x");
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A classic 16-bytes-per-line hexdump: offset, hex bytes, printable ASCII.
pub fn hexdump(bytes: &[u8]) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(line, chunk)| {
            let mut out = format!("{:08x}  ", line * 16);
            for i in 0..16 {
                match chunk.get(i) {
                    Some(b) => {
                        let _ = write!(out, "{b:02x} ");
                    }
                    None => out.push_str("   "),
                }
                if i == 7 {
                    out.push(' ');
                }
            }
            out.push(' ');
            out.extend(chunk.iter().map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            }));
            out
        })
        .collect()
}

/// Pretty-printed JSON, or `None` if `bytes` is not JSON.
pub fn pretty_json(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

/// The role of a piece of a JSON line, for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonToken {
    /// An object key.
    Key,
    /// A string value.
    String,
    /// A number.
    Number,
    /// true, false, null.
    Literal,
    /// Brackets, commas, colons, indentation.
    Punct,
}

/// Splits one line of pretty-printed JSON into highlighted pieces.
pub fn tokenize_json_line(line: &str) -> Vec<(JsonToken, &str)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut punct_start = 0;
    while i < bytes.len() {
        let start = i;
        let token = match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                let is_key = line[i..].trim_start().starts_with(':');
                Some(if is_key {
                    JsonToken::Key
                } else {
                    JsonToken::String
                })
            }
            b'-' | b'0'..=b'9' => {
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                Some(JsonToken::Number)
            }
            b't' | b'f' | b'n' => {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Some(JsonToken::Literal)
            }
            _ => {
                i += 1;
                None
            }
        };
        if let Some(token) = token {
            if punct_start < start {
                out.push((JsonToken::Punct, &line[punct_start..start]));
            }
            out.push((token, &line[start..i]));
            punct_start = i;
        }
    }
    if punct_start < line.len() {
        out.push((JsonToken::Punct, &line[punct_start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_escape_binary_and_control_bytes() {
        assert_eq!(escape_key(b"node:1"), "node:1");
        assert_eq!(escape_key(b"a\x00b\xffc\n"), "a\\x00b\\xffc\\x0a");
        assert_eq!(escape_key("é".as_bytes()), "é");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(b"\x00\xffA"), "00ff41");
        assert_eq!(parse_hex("00ff41"), Some(b"\x00\xffA".to_vec()));
        assert_eq!(parse_hex("0x0A"), Some(vec![10]));
        assert_eq!(parse_hex("abc"), None);
        assert_eq!(parse_hex("zz"), None);
    }

    #[test]
    fn classification() {
        assert_eq!(classify(br#"{"a":1}"#), ValueKind::Json);
        assert_eq!(classify(b"[1,2]"), ValueKind::Json);
        assert_eq!(classify(b"{broken"), ValueKind::Text);
        assert_eq!(classify(b"42"), ValueKind::Text);
        assert_eq!(classify(b"\xff\x00"), ValueKind::Binary);
        assert_eq!(
            classify(b"\x07\x07"),
            ValueKind::Binary,
            "valid UTF-8, but control characters"
        );
        assert_eq!(classify(b"two\nlines\tok"), ValueKind::Text);
    }

    #[test]
    fn hexdump_layout() {
        let lines = hexdump(b"0123456789abcdefXY");
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  0123456789abcdef"
        );
        assert!(lines[1].starts_with("00000010  58 59 "));
        assert!(lines[1].ends_with(" XY"));
    }

    #[test]
    fn json_tokens_cover_the_line() {
        let line = r#"  "cpu": -1.5e3, "ok": true, "s": "a\"b""#;
        let tokens = tokenize_json_line(line);
        let joined: String = tokens.iter().map(|(_, s)| *s).collect();
        assert_eq!(joined, line);
        assert!(tokens.contains(&(JsonToken::Key, "\"cpu\"")));
        assert!(tokens.contains(&(JsonToken::Number, "-1.5e3")));
        assert!(tokens.contains(&(JsonToken::Literal, "true")));
        assert!(tokens.contains(&(JsonToken::String, r#""a\"b""#)));
    }
}

/// A value that stands for merge operands this build could not resolve (see
/// `storage::rocksdb::UNRESOLVED_MERGE_MARK`): the base value, if any, and each operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedMerge {
    /// The value the operands apply to, if the key had one.
    pub base: Option<Vec<u8>>,
    /// The operands, oldest first.
    pub operands: Vec<Vec<u8>>,
}

/// Decodes a stand-in value for unresolved merge operands; `None` for any other value.
pub fn unresolved_merge(value: &[u8]) -> Option<UnresolvedMerge> {
    let rest = value.strip_prefix(crate::storage::rocksdb::UNRESOLVED_MERGE_MARK)?;
    let (&has_base, mut rest) = rest.split_first()?;
    let mut pieces = Vec::new();
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        pieces.push(tail.get(..len)?.to_vec());
        rest = &tail[len..];
    }
    let base = if has_base == 1 {
        Some(pieces.remove(0))
    } else {
        None
    };
    Some(UnresolvedMerge {
        base,
        operands: pieces,
    })
}

impl UnresolvedMerge {
    /// One line for a listing: how many operands, each in hex.
    pub fn describe(&self) -> String {
        let operands: Vec<String> = self
            .operands
            .iter()
            .map(|o| format!("0x{}", hex(o)))
            .collect();
        match &self.base {
            Some(base) => format!(
                "<unresolved merge: base 0x{} + {} operand(s) {}>",
                hex(base),
                self.operands.len(),
                operands.join(" ")
            ),
            None => format!(
                "<unresolved merge: {} operand(s) {}>",
                self.operands.len(),
                operands.join(" ")
            ),
        }
    }
}
