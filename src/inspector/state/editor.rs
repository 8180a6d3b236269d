//! The multi-line value editor: a text buffer with a cursor, and the check that turns it
//! back into bytes (JSON must stay JSON; hex must be hex).

use crate::inspector::decode::{self, ValueKind};

/// How the buffer becomes bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditAs {
    /// Must parse as JSON; written compact, fields in their order.
    Json,
    /// Written as UTF-8.
    Text,
    /// Hex digits; whitespace ignored.
    Hex,
}

impl EditAs {
    /// Its label.
    pub fn label(self) -> &'static str {
        match self {
            EditAs::Json => "json",
            EditAs::Text => "text",
            EditAs::Hex => "hex",
        }
    }
}

/// An open editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    /// The key being written.
    pub key: Vec<u8>,
    /// The key is new (not yet stored).
    pub new_key: bool,
    /// How the text becomes bytes.
    pub edit_as: EditAs,
    /// Lines of text.
    pub lines: Vec<String>,
    /// Cursor line.
    pub row: usize,
    /// Cursor position in the line, in characters.
    pub col: usize,
    /// Why the text cannot be written, after a failed attempt.
    pub error: Option<String>,
}

impl Editor {
    /// An editor for an existing value: pretty JSON, text, or a hex dump of 16 bytes a
    /// line, matching how the value pane shows it.
    pub fn for_value(key: Vec<u8>, value: &[u8]) -> Self {
        let (edit_as, text) = match decode::classify(value) {
            ValueKind::Json => (EditAs::Json, decode::pretty_json(value).unwrap_or_default()),
            ValueKind::Text => (EditAs::Text, String::from_utf8_lossy(value).into_owned()),
            ValueKind::Binary => (
                EditAs::Hex,
                value
                    .chunks(16)
                    .map(decode::hex)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        };
        Self::with_text(key, false, edit_as, &text)
    }

    /// An editor for a new key, starting empty as text.
    pub fn for_new_key(key: Vec<u8>) -> Self {
        Self::with_text(key, true, EditAs::Text, "")
    }

    fn with_text(key: Vec<u8>, new_key: bool, edit_as: EditAs, text: &str) -> Self {
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        Self {
            key,
            new_key,
            edit_as,
            lines,
            row: 0,
            col: 0,
            error: None,
        }
    }

    fn byte_index(line: &str, col: usize) -> usize {
        line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
    }

    fn line_len(&self) -> usize {
        self.lines[self.row].chars().count()
    }

    /// Types a character at the cursor.
    pub fn insert(&mut self, c: char) {
        let at = Self::byte_index(&self.lines[self.row], self.col);
        self.lines[self.row].insert(at, c);
        self.col += 1;
        self.error = None;
    }

    /// Splits the line at the cursor.
    pub fn newline(&mut self) {
        let at = Self::byte_index(&self.lines[self.row], self.col);
        let rest = self.lines[self.row].split_off(at);
        self.lines.insert(self.row + 1, rest);
        self.row += 1;
        self.col = 0;
        self.error = None;
    }

    /// Deletes the character before the cursor, joining lines at the start of one.
    pub fn backspace(&mut self) {
        if self.col > 0 {
            let at = Self::byte_index(&self.lines[self.row], self.col - 1);
            self.lines[self.row].remove(at);
            self.col -= 1;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.line_len();
            self.lines[self.row].push_str(&line);
        }
        self.error = None;
    }

    /// Moves the cursor by `rows` lines and `cols` characters, staying in the text.
    pub fn move_cursor(&mut self, rows: isize, cols: isize) {
        let row = (self.row as isize + rows).clamp(0, self.lines.len() as isize - 1) as usize;
        self.row = row;
        self.col = (self.col as isize + cols).clamp(0, self.line_len() as isize) as usize;
    }

    /// To the start (`false`) or end (`true`) of the line.
    pub fn line_edge(&mut self, end: bool) {
        self.col = if end { self.line_len() } else { 0 };
    }

    /// The bytes to write, or why there are none.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let text = self.lines.join("\n");
        match self.edit_as {
            EditAs::Text => Ok(text.into_bytes()),
            EditAs::Json => {
                let value: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| format!("not valid JSON any more: {e}"))?;
                serde_json::to_vec(&value).map_err(|e| e.to_string())
            }
            EditAs::Hex => {
                let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                decode::parse_hex(&digits)
                    .ok_or_else(|| "not hex: use pairs of 0-9a-f digits".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_moving_and_joining() {
        let mut e = Editor::for_new_key(b"k".to_vec());
        for c in "héllo".chars() {
            e.insert(c);
        }
        e.move_cursor(0, -2);
        e.newline();
        assert_eq!(e.lines, ["hél", "lo"]);
        e.backspace();
        assert_eq!(e.lines, ["héllo"]);
        assert_eq!(e.col, 3);
        e.line_edge(true);
        e.insert('!');
        assert_eq!(e.to_bytes().unwrap(), "héllo!".as_bytes());
    }

    #[test]
    fn json_must_stay_json_and_keeps_field_order() {
        let mut e = Editor::for_value(b"k".to_vec(), br#"{"z":1,"a":[true,null]}"#);
        assert_eq!(e.edit_as, EditAs::Json);
        assert_eq!(e.to_bytes().unwrap(), br#"{"z":1,"a":[true,null]}"#);
        e.move_cursor(1, 0);
        e.insert('x');
        assert!(e.to_bytes().unwrap_err().contains("not valid JSON"));
    }

    #[test]
    fn binary_round_trips_through_hex() {
        let value: Vec<u8> = (0u8..40).collect();
        let e = Editor::for_value(b"k".to_vec(), &value);
        assert_eq!(e.edit_as, EditAs::Hex);
        assert_eq!(e.lines.len(), 3);
        assert_eq!(e.to_bytes().unwrap(), value);
        let mut bad = e.clone();
        bad.insert('g');
        assert!(bad.to_bytes().is_err());
    }
}
