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

/// A key for one line of a list, unambiguous and reversible ([`parse_key`] reads it back):
/// UTF-8 as is, except `\\` for a backslash and `\xNN` for each byte of what would not
/// show as itself (invalid UTF-8, control and invisible characters, and spaces at either
/// end). Without the backslash's own escape, a key holding the text `b\xff` would look
/// like the bytes `62 ff`; without the edge spaces, `k` like `k `.
///
/// A key that holds any such byte is binary: its non-ASCII characters are escaped too.
/// Random bytes are valid UTF-8 often enough (`\xd0\x9f` is `П`) that a binary key
/// would otherwise show stray letters of other scripts between its escapes, which read as
/// text the key never held.
pub fn escape_key(key: &[u8]) -> String {
    let binary = key.utf8_chunks().any(|chunk| {
        !chunk.invalid().is_empty() || chunk.valid().chars().any(|c| !shows_as_itself(c))
    });
    let mut out = String::with_capacity(key.len());
    let escape_bytes = |out: &mut String, bytes: &[u8]| {
        for b in bytes {
            let _ = write!(out, "\\x{b:02x}");
        }
    };
    // Spaces are escaped from the first and last non-space byte outwards only: inside a
    // key they read as themselves.
    let lead = key.iter().take_while(|&&b| b == b' ').count();
    let trail = key[lead..].iter().rev().take_while(|&&b| b == b' ').count();
    escape_bytes(&mut out, &key[..lead]);
    for chunk in key[lead..key.len() - trail].utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else if shows_as_itself(c) && (c.is_ascii() || !binary) {
                out.push(c);
            } else {
                let mut buf = [0; 4];
                escape_bytes(&mut out, c.encode_utf8(&mut buf).as_bytes());
            }
        }
        escape_bytes(&mut out, chunk.invalid());
    }
    escape_bytes(&mut out, &key[key.len() - trail..]);
    out
}

/// Whether a character is visible and distinct on a terminal: not a control character,
/// not whitespace other than the plain space, not a zero-width or direction mark.
fn shows_as_itself(c: char) -> bool {
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        ))
}

/// Why typed key text could not be read as a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyTextError {
    /// A backslash followed by something other than `\\` or `\xNN`.
    #[error(
        "\"{found}\" at character {at} is not an escape: write \\\\ for a backslash, \\xNN for a byte"
    )]
    BadEscape {
        /// The escape as typed.
        found: String,
        /// Its position, counted in characters from 1.
        at: usize,
    },
}

/// Reads a key typed as the list shows it ([`escape_key`]'s form): `\\` is a backslash,
/// `\xNN` (either case) a byte, anything else stands for its UTF-8 bytes.
pub fn parse_key(text: &str) -> Result<Vec<u8>, KeyTextError> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().enumerate();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let escape: String = std::iter::once(c)
            .chain(chars.clone().take(3).map(|(_, c)| c))
            .collect();
        let bad = || KeyTextError::BadEscape {
            found: escape.clone(),
            at: i + 1,
        };
        match chars.next().map(|(_, c)| c) {
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let digits: String = chars.by_ref().take(2).map(|(_, c)| c).collect();
                // `from_str_radix` alone would take a sign ("+f").
                if digits.len() != 2 || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
                    return Err(bad());
                }
                out.push(u8::from_str_radix(&digits, 16).map_err(|_| bad())?);
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
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
    hexdump_rows(bytes, 16, 0)
}

/// Bytes per hexdump row that fit `width` columns: 16, else 8, else 4 (which may still
/// be cut on a very narrow pane). Fewer bytes per row keep the ASCII column on screen,
/// which reads the text inside binary values.
pub fn hexdump_fit(width: usize) -> usize {
    [16, 8]
        .into_iter()
        .find(|&n| hexdump_width(n) <= width)
        .unwrap_or(4)
}

/// Columns one full hexdump row of `per_row` bytes takes.
pub fn hexdump_width(per_row: usize) -> usize {
    // Offset and two spaces, "xx " per byte, the gap between the halves of a 16-byte
    // row, a space, then one ASCII column per byte.
    10 + 3 * per_row + usize::from(per_row == 16) + 1 + per_row
}

/// A hexdump of `per_row` bytes a line whose offsets start at `base` (for drawing a part
/// of a longer value).
pub fn hexdump_rows(bytes: &[u8], per_row: usize, base: usize) -> Vec<String> {
    let per_row = per_row.max(1);
    bytes
        .chunks(per_row)
        .enumerate()
        .map(|(line, chunk)| {
            let mut out = format!("{:08x}  ", base + line * per_row);
            for i in 0..per_row {
                match chunk.get(i) {
                    Some(b) => {
                        let _ = write!(out, "{b:02x} ");
                    }
                    None => out.push_str("   "),
                }
                if per_row == 16 && i == 7 {
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
        assert_eq!(escape_key("node:Zürich".as_bytes()), "node:Zürich");
    }

    #[test]
    fn binary_keys_show_no_stray_letters() {
        // db_bench's keys: an 8-byte number, then text; `\xd0\x9f` alone is `П`.
        assert_eq!(
            escape_key(b"\x00\x00\xd0\x9f\x01x0000"),
            "\\x00\\x00\\xd0\\x9f\\x01x0000"
        );
        let mixed = [b"k\xff".as_slice(), "é".as_bytes()].concat();
        assert_eq!(escape_key(&mixed), "k\\xff\\xc3\\xa9");
    }

    #[test]
    fn look_alike_keys_are_drawn_differently() {
        // The text `b\xff` against the bytes 62 ff.
        assert_eq!(escape_key(b"b\\xff"), "b\\\\xff");
        assert_eq!(escape_key(b"b\xff"), "b\\xff");
        // Spaces at either end show; inside a key they read as themselves.
        assert_eq!(escape_key(b"k"), "k");
        assert_eq!(escape_key(b"k "), "k\\x20");
        assert_eq!(escape_key(b"  k"), "\\x20\\x20k");
        assert_eq!(escape_key(b"a b"), "a b");
        assert_eq!(escape_key(b" "), "\\x20");
        // Invisible characters: a zero-width space, a no-break space.
        assert_eq!(escape_key("a\u{200b}b".as_bytes()), "a\\xe2\\x80\\x8bb");
        assert_eq!(escape_key("a\u{a0}b".as_bytes()), "a\\xc2\\xa0b");
    }

    #[test]
    fn typed_keys_are_read_as_shown() {
        assert_eq!(parse_key("key:1"), Ok(b"key:1".to_vec()));
        assert_eq!(parse_key("\\xff\\x00bin:3"), Ok(b"\xff\x00bin:3".to_vec()));
        assert_eq!(parse_key("\\xFF\\\\"), Ok(b"\xff\\".to_vec()));
        assert_eq!(parse_key("é"), Ok("é".as_bytes().to_vec()));
        for bad in ["\\", "a\\q", "\\x", "\\xf", "\\xfg", "\\x+f"] {
            let error = parse_key(bad).expect_err(bad);
            assert!(error.to_string().contains("is not an escape"), "{error}");
        }
        assert_eq!(
            parse_key("ab\\q").unwrap_err().to_string(),
            "\"\\q\" at character 3 is not an escape: write \\\\ for a backslash, \\xNN for a byte"
        );
    }

    proptest::proptest! {
        #[test]
        fn escaping_round_trips(key in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let shown = escape_key(&key);
            proptest::prop_assert_eq!(parse_key(&shown), Ok(key));
        }

        #[test]
        fn escaping_round_trips_text(text in "\\PC{0,24}|[ \\\\a-z\u{200b}]{0,12}") {
            let shown = escape_key(text.as_bytes());
            proptest::prop_assert_eq!(parse_key(&shown), Ok(text.into_bytes()));
        }
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
    fn narrow_hexdumps_keep_their_ascii_column() {
        assert_eq!(hexdump_width(16), hexdump(b"0123456789abcdef")[0].len());
        assert_eq!(hexdump_fit(80), 16);
        // The value pane at 80 columns is about 50 wide.
        assert_eq!(hexdump_fit(50), 8);
        assert_eq!(hexdump_fit(20), 4);
        let lines = hexdump_rows(b"0123456789", 8, 32);
        assert_eq!(
            lines,
            [
                "00000020  30 31 32 33 34 35 36 37  01234567",
                "00000028  38 39                    89",
            ]
        );
        assert!(lines[0].len() <= 50);
        assert_eq!(lines[0].len(), hexdump_width(8));
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
