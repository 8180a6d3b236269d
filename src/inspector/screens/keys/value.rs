//! The selected key's value as the value pane shows it, decoded once when it arrives:
//! by its decoder rule when one covers it (the raw bytes one key away, `v`), else as
//! JSON, text or a hexdump.

use crate::inspector::decode::{self, ValueKind};
pub use crate::inspector::decoders::shown::DecodedValue;

/// Bytes of a value fetched for display; larger values show their first part. Large
/// enough that JSON documents of realistic size arrive whole and are pretty-printed.
pub const VALUE_PREVIEW: usize = 2 * 1024 * 1024;
/// Bytes of a binary value shown as a hexdump: nobody pages through more by hand.
pub const HEXDUMP_PREVIEW: usize = 64 * 1024;

/// The selected key's value, decoded once when it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueView {
    /// The key.
    pub key: Vec<u8>,
    /// `None`: the key vanished (deleted since listed).
    pub kind: Option<ValueKind>,
    /// Display lines.
    pub lines: Vec<String>,
    /// Full size in bytes.
    pub size: usize,
    /// Only the first `VALUE_PREVIEW` bytes were fetched.
    pub truncated: bool,
    /// First line drawn.
    pub scroll: usize,
    /// The fetched bytes (at most `VALUE_PREVIEW`), for the editor.
    pub raw: Vec<u8>,
    /// The value as its decoder rule reads it, when a rule covers the key.
    pub decoded: Option<DecodedValue>,
    /// The raw view is on show although a decoded one exists (`v` toggles; it stays
    /// as chosen while moving from key to key).
    pub show_raw: bool,
}

impl ValueView {
    /// The pane for a key that is gone.
    pub fn vanished(key: Vec<u8>) -> Self {
        Self {
            key,
            kind: None,
            lines: vec!["(the key no longer exists)".into()],
            size: 0,
            truncated: false,
            scroll: 0,
            raw: Vec::new(),
            decoded: None,
            show_raw: false,
        }
    }

    /// The decoded value, when there is one and the raw view is not chosen.
    pub fn decoded_on_show(&self) -> Option<&DecodedValue> {
        self.decoded.as_ref().filter(|_| !self.show_raw)
    }

    /// The lines on show: decoded or raw.
    pub fn shown_lines(&self) -> &[String] {
        self.decoded_on_show().map_or(&self.lines, |d| &d.lines)
    }

    /// Scrolls by `delta` lines, staying within the value.
    pub fn scroll_by(&mut self, delta: isize) {
        let last = self.shown_lines().len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(delta).min(last);
    }
}

/// Decodes a fetched value into display lines.
pub fn value_view(key: Vec<u8>, bytes: &[u8], size: usize) -> ValueView {
    let raw = bytes.to_vec();
    if let Some(merge) = decode::unresolved_merge(bytes) {
        // Operands of a merge operator this build does not have: shown as what they
        // are, never as a value (the editor refuses them: see `truncated`).
        let mut lines = vec![
            "unresolved merge operands: the service's merge operator is its own code,".into(),
            "so the value they make cannot be computed here".into(),
        ];
        if let Some(base) = &merge.base {
            lines.push(format!("base value ({} bytes):", base.len()));
            lines.extend(decode::hexdump(base));
        }
        for (i, operand) in merge.operands.iter().enumerate() {
            lines.push(format!("operand {} ({} bytes):", i + 1, operand.len()));
            lines.extend(decode::hexdump(operand));
        }
        return ValueView {
            key,
            kind: Some(ValueKind::Binary),
            lines,
            size,
            truncated: true,
            scroll: 0,
            raw,
            decoded: None,
            show_raw: false,
        };
    }
    let mut truncated = bytes.len() < size;
    let kind = if truncated && std::str::from_utf8(bytes).is_err() {
        ValueKind::Binary
    } else if truncated {
        ValueKind::Text
    } else {
        decode::classify(bytes)
    };
    let bytes = if kind == ValueKind::Binary && bytes.len() > HEXDUMP_PREVIEW {
        truncated = true;
        &bytes[..HEXDUMP_PREVIEW]
    } else {
        bytes
    };
    let lines = match kind {
        ValueKind::Json => decode::pretty_json(bytes)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect(),
        ValueKind::Text => String::from_utf8_lossy(bytes)
            .lines()
            .map(str::to_owned)
            .collect(),
        ValueKind::Binary => decode::hexdump(bytes),
    };
    ValueView {
        key,
        kind: Some(kind),
        lines,
        size,
        truncated,
        scroll: 0,
        raw,
        decoded: None,
        show_raw: false,
    }
}
