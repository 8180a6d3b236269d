//! A value as the panes show it by its decoder rule (Keys, WAL, Diff, history): the rule
//! that read it and the pretty JSON, or, when it does not decode, why and its bytes.

use super::Decoders;
use crate::inspector::decode::hexdump;

/// Bytes of an undecodable value shown as a hexdump below its error.
const SHOWN_BYTES: usize = 64 * 1024;

/// A value read by its decoder rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedValue {
    /// Which rule: `rule 2 · shop.toml:7`, or `built-in Spear-Next rule`.
    pub rule: String,
    /// The format it was read as: `protobuf shop.Order`.
    pub format: String,
    /// The decoded JSON, pretty-printed; or, when it does not decode, why, then the bytes.
    pub lines: Vec<String>,
    /// Whether it decoded.
    pub ok: bool,
}

impl DecodedValue {
    /// The value of `key` in `cf` as its rule reads it: `None` when no rule with a value
    /// format covers it, when it was only partly fetched, or when only a built-in rule
    /// covers it and does not read it (any database may have a `node:` key).
    pub fn read(
        decoders: &Decoders,
        cf: &str,
        key: &[u8],
        bytes: &[u8],
        whole: bool,
    ) -> Option<Self> {
        let (index, rule) = decoders.rule_for(cf, key)?;
        let format = rule.value.as_ref()?;
        if !whole {
            return None;
        }
        let label = match decoders.builtin {
            true => "built-in Spear-Next rule".to_string(),
            false => format!(
                "rule {} · {}:{}",
                index + 1,
                decoders.path.file_name().map_or_else(
                    || decoders.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                ),
                rule.line,
            ),
        };
        match format.decode(key, bytes) {
            Ok(doc) => Some(Self {
                rule: label,
                format: format.name(),
                lines: serde_json::to_string_pretty(&doc)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                ok: true,
            }),
            Err(_) if decoders.builtin => None,
            Err(error) => {
                // An error is a row with the rule, the reason and the bytes, never a blank.
                let mut lines = vec![
                    format!("does not decode as {}:", format.name()),
                    error,
                    String::new(),
                ];
                lines.extend(hexdump(&bytes[..bytes.len().min(SHOWN_BYTES)]));
                Some(Self {
                    rule: label,
                    format: format.name(),
                    lines,
                    ok: false,
                })
            }
        }
    }
}

/// The value as one line of compact JSON (at most `width` characters), for the
/// history's text; `error: ...` when a configured rule does not read it; `None` as for
/// [`DecodedValue::read`] (and when a built-in rule does not read it).
pub fn one_line(
    decoders: &Decoders,
    cf: &str,
    key: &[u8],
    value: &[u8],
    width: usize,
) -> Option<String> {
    let (_, rule) = decoders.rule_for(cf, key)?;
    let text = match rule.value.as_ref()?.decode(key, value) {
        Ok(doc) => doc.to_string(),
        Err(_) if decoders.builtin => return None,
        Err(e) => format!("error: {e}"),
    };
    Some(match text.chars().count() > width {
        true => text
            .chars()
            .take(width.saturating_sub(1))
            .chain(['…'])
            .collect(),
        false => text,
    })
}
