//! Key layouts: how the bytes of a key after its rule's prefix are read: as text, hex,
//! an integer of a given width and byte order, or a composite of named fields (fixed-size
//! integers with optional enum names, fixed-size bytes and strings, NUL-terminated
//! strings, varints, and a text or hex rest), rendered `block=1,234 tx=7`.

use std::fmt::Write as _;

use crate::inspector::decode::{escape_key, hex};

/// One field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// An unsigned integer, big or little endian.
    Unsigned {
        /// Its width: 1, 2, 4 or 8 bytes.
        bytes: usize,
        /// Most significant byte first.
        big_endian: bool,
    },
    /// A signed (two's complement) integer.
    Signed {
        /// Its width: 1, 2, 4 or 8 bytes.
        bytes: usize,
        /// Most significant byte first.
        big_endian: bool,
    },
    /// `n` bytes, shown as hex.
    Bytes(usize),
    /// `n` bytes of text (trailing NULs dropped).
    Str(usize),
    /// Text up to a NUL byte (the NUL is consumed).
    CStr,
    /// An unsigned LEB128 varint (RocksDB's and protobuf's).
    Varint,
    /// The rest of the key as text (escaped where not printable).
    Rest,
    /// The rest of the key as hex.
    RestHex,
}

impl FieldType {
    /// The name the config writes it with (`u64be`, `str16`, `cstr`).
    pub fn name(&self) -> String {
        let int = |sign: char, bytes: usize, big_endian: bool| match bytes {
            1 => format!("{sign}8"),
            n => format!("{sign}{}{}", n * 8, if big_endian { "be" } else { "le" }),
        };
        match self {
            FieldType::Unsigned { bytes, big_endian } => int('u', *bytes, *big_endian),
            FieldType::Signed { bytes, big_endian } => int('i', *bytes, *big_endian),
            FieldType::Bytes(n) => format!("bytes{n}"),
            FieldType::Str(n) => format!("str{n}"),
            FieldType::CStr => "cstr".into(),
            FieldType::Varint => "varint".into(),
            FieldType::Rest => "string".into(),
            FieldType::RestHex => "hex".into(),
        }
    }
}

/// A named field, with names for some of its integer values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its name (`block`).
    pub name: String,
    /// Its type.
    pub kind: FieldType,
    /// Names of values (`1 = put`), integers only.
    pub names: Vec<(u64, String)>,
}

/// How a key (after its prefix) is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLayout {
    /// Text, escaped where not printable (the default).
    String,
    /// Hex.
    Hex,
    /// One unnamed field (`u64be`).
    Single(FieldType),
    /// Named fields in order.
    Composite(Vec<Field>),
}

/// The type a name like `u32be`, `i16le`, `u8`, `bytes8`, `str16`, `cstr`, `varint`,
/// `string`, `hex` stands for.
pub fn field_type(name: &str) -> Result<FieldType, String> {
    let int = |rest: &str, signed: bool| -> Option<FieldType> {
        let (bits, order) = match rest {
            "8" => ("8", "be"),
            _ if rest.len() > 2 => rest.split_at(rest.len() - 2),
            _ => return None,
        };
        let bytes = match bits {
            "8" => 1,
            "16" => 2,
            "32" => 4,
            "64" => 8,
            _ => return None,
        };
        let big_endian = match order {
            "be" => true,
            "le" => false,
            _ => return None,
        };
        Some(if signed {
            FieldType::Signed { bytes, big_endian }
        } else {
            FieldType::Unsigned { bytes, big_endian }
        })
    };
    let sized = |rest: &str| {
        rest.parse::<usize>()
            .ok()
            .filter(|n| (1..=4096).contains(n))
    };
    let parsed = match name {
        "cstr" => Some(FieldType::CStr),
        "varint" => Some(FieldType::Varint),
        "string" => Some(FieldType::Rest),
        "hex" => Some(FieldType::RestHex),
        _ => {
            if let Some(rest) = name.strip_prefix("bytes") {
                sized(rest).map(FieldType::Bytes)
            } else if let Some(rest) = name.strip_prefix("str") {
                sized(rest).map(FieldType::Str)
            } else if let Some(rest) = name.strip_prefix('u') {
                int(rest, false)
            } else if let Some(rest) = name.strip_prefix('i') {
                int(rest, true)
            } else {
                None
            }
        }
    };
    parsed.ok_or_else(|| {
        format!(
            "unknown key type {name:?}: one of u8, u16be/le, u32be/le, u64be/le, i8..i64be/le, bytesN, strN, cstr, varint, string, hex"
        )
    })
}

impl KeyLayout {
    /// `string`, `hex`, or a single field type.
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "string" => KeyLayout::String,
            "hex" => KeyLayout::Hex,
            other => KeyLayout::Single(field_type(other)?),
        })
    }

    /// A composite from its fields: `name:type` or `name:type{1=put,2=delete}`.
    pub fn composite(specs: &[String]) -> Result<Self, String> {
        let mut fields = Vec::new();
        for spec in specs {
            let (name, rest) = spec
                .split_once(':')
                .ok_or_else(|| format!("key field {spec:?}: write it as name:type"))?;
            let (kind, names) = match rest.split_once('{') {
                Some((kind, names)) => {
                    let names = names
                        .strip_suffix('}')
                        .ok_or_else(|| format!("key field {spec:?}: the names end with }}"))?;
                    let names = names
                        .split(',')
                        .map(|pair| {
                            let (value, label) = pair.split_once('=').ok_or_else(|| {
                                format!("key field {spec:?}: name values as 1=put")
                            })?;
                            let value = value.trim().parse::<u64>().map_err(|_| {
                                format!("key field {spec:?}: {value:?} is not a number")
                            })?;
                            Ok((value, label.trim().to_string()))
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                    (kind, names)
                }
                None => (rest, Vec::new()),
            };
            let kind = field_type(kind.trim())?;
            if !names.is_empty()
                && !matches!(
                    kind,
                    FieldType::Unsigned { .. } | FieldType::Signed { .. } | FieldType::Varint
                )
            {
                return Err(format!(
                    "key field {spec:?}: only integers have value names"
                ));
            }
            if fields.iter().any(|f: &Field| f.name == name.trim()) {
                return Err(format!(
                    "key field {spec:?}: the name {:?} is used twice",
                    name.trim()
                ));
            }
            fields.push(Field {
                name: name.trim().to_string(),
                kind,
                names,
            });
        }
        if fields.is_empty() {
            return Err("a composite key needs at least one field".into());
        }
        Ok(KeyLayout::Composite(fields))
    }

    /// The key (after its prefix) rendered as the Keys list shows it (integers grouped:
    /// `block=1,234`), or why it does not fit the layout.
    pub fn render(&self, key: &[u8]) -> Result<String, String> {
        self.render_with(key, true)
    }

    /// The key rendered for machines (`block=1234`), or why it does not fit.
    pub fn render_plain(&self, key: &[u8]) -> Result<String, String> {
        self.render_with(key, false)
    }

    fn render_with(&self, key: &[u8], grouped: bool) -> Result<String, String> {
        let show = |v: FieldValue<'_>| match grouped {
            true => v.shown(),
            false => v.plain(),
        };
        match self {
            KeyLayout::String => Ok(escape_key(key)),
            KeyLayout::Hex => Ok(hex(key)),
            KeyLayout::Single(kind) => {
                let mut at = 0;
                let text = show(read_value(kind, key, &mut at, &[])?);
                trailing(key, at)?;
                Ok(text)
            }
            KeyLayout::Composite(fields) => {
                let mut at = 0;
                let mut out = String::new();
                for (i, f) in fields.iter().enumerate() {
                    let value = read_value(&f.kind, key, &mut at, &f.names)
                        .map_err(|e| format!("field {}: {e}", f.name))?;
                    if i > 0 {
                        out.push(' ');
                    }
                    let _ = write!(out, "{}={}", f.name, show(value));
                }
                trailing(key, at)?;
                Ok(out)
            }
        }
    }
}

fn trailing(key: &[u8], at: usize) -> Result<(), String> {
    match key.len() - at {
        0 => Ok(()),
        n => Err(format!("{n} byte(s) left over after the layout")),
    }
}

/// Thousands separators, as the lists show counts.
fn grouped(n: u64, negative: bool) -> String {
    let digits = crate::inspector::ui::format::count(n);
    if negative {
        format!("-{digits}")
    } else {
        digits
    }
}

/// One field as read from a key, before it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue<'k> {
    /// An unsigned integer or varint.
    Unsigned(u64),
    /// A signed integer.
    Signed(i64),
    /// An integer with a name in the layout (`put`).
    Named(&'k str),
    /// Text bytes (shown escaped where not printable).
    Text(&'k [u8]),
    /// Bytes shown as hex.
    Bytes(&'k [u8]),
}

impl FieldValue<'_> {
    /// For machines: as [`FieldValue::shown`], integers without separators.
    pub fn plain(&self) -> String {
        match self {
            FieldValue::Unsigned(v) => v.to_string(),
            FieldValue::Signed(v) => v.to_string(),
            other => other.shown(),
        }
    }

    /// As the Keys list shows it: integers grouped (`1,234`), names, escaped text, hex.
    pub fn shown(&self) -> String {
        match self {
            FieldValue::Unsigned(v) => grouped(*v, false),
            FieldValue::Signed(v) => grouped(v.unsigned_abs(), *v < 0),
            FieldValue::Named(name) => (*name).to_string(),
            FieldValue::Text(b) => escape_key(b),
            FieldValue::Bytes(b) => hex(b),
        }
    }
}

/// The field of `kind` at `at` in `key` (moving `at` past it), or why it does not fit.
pub(super) fn read_value<'k>(
    kind: &FieldType,
    key: &'k [u8],
    at: &mut usize,
    names: &'k [(u64, String)],
) -> Result<FieldValue<'k>, String> {
    let rest = &key[*at..];
    let take = |n: usize, at: &mut usize| -> Result<&'k [u8], String> {
        let bytes = rest
            .get(..n)
            .ok_or_else(|| format!("needs {n} byte(s), {} left", rest.len()))?;
        *at += n;
        Ok(bytes)
    };
    let named = |value: u64, plain: FieldValue<'k>| match names.iter().find(|(v, _)| *v == value) {
        Some((_, label)) => FieldValue::Named(label.as_str()),
        None => plain,
    };
    Ok(match kind {
        FieldType::Unsigned { bytes, big_endian } => {
            let v = int_of(take(*bytes, at)?, *big_endian);
            named(v, FieldValue::Unsigned(v))
        }
        FieldType::Signed { bytes, big_endian } => {
            let raw = int_of(take(*bytes, at)?, *big_endian);
            let shift = 64 - 8 * *bytes as u32;
            named(raw, FieldValue::Signed(((raw << shift) as i64) >> shift))
        }
        FieldType::Bytes(n) => FieldValue::Bytes(take(*n, at)?),
        FieldType::Str(n) => {
            let b = take(*n, at)?;
            let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
            FieldValue::Text(&b[..end])
        }
        FieldType::CStr => {
            let end = rest
                .iter()
                .position(|&c| c == 0)
                .ok_or("no NUL ends the string")?;
            *at += end + 1;
            FieldValue::Text(&rest[..end])
        }
        FieldType::Varint => {
            let mut value = 0u64;
            let mut used = None;
            for (i, &b) in rest.iter().take(10).enumerate() {
                value |= u64::from(b & 0x7f) << (7 * i);
                if b & 0x80 == 0 {
                    used = Some(i + 1);
                    break;
                }
            }
            let used = used.ok_or("the varint does not end")?;
            *at += used;
            named(value, FieldValue::Unsigned(value))
        }
        FieldType::Rest => {
            *at = key.len();
            FieldValue::Text(rest)
        }
        FieldType::RestHex => {
            *at = key.len();
            FieldValue::Bytes(rest)
        }
    })
}

fn int_of(bytes: &[u8], big_endian: bool) -> u64 {
    let fold = |acc: u64, b: &u8| (acc << 8) | u64::from(*b);
    if big_endian {
        bytes.iter().fold(0, fold)
    } else {
        bytes.iter().rev().fold(0, fold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composite_key_reads_each_field_in_order() {
        let layout = KeyLayout::composite(&[
            "block:u32be".into(),
            "tx:u16le".into(),
            "kind:u8{1=put,2=delete}".into(),
            "who:cstr".into(),
            "n:varint".into(),
        ])
        .unwrap();
        let mut key = 1234u32.to_be_bytes().to_vec();
        key.extend(7u16.to_le_bytes());
        key.push(2);
        key.extend(b"alice\0");
        key.extend([0xac, 0x02]); // 300
        assert_eq!(
            layout.render(&key).unwrap(),
            "block=1,234 tx=7 kind=delete who=alice n=300"
        );
        let err = layout.render(&key[..5]).unwrap_err();
        assert!(
            err.starts_with("field tx: needs 2 byte(s), 1 left"),
            "{err}"
        );
    }

    #[test]
    fn integers_of_every_width_and_order() {
        let i16be = KeyLayout::parse("i16be").unwrap();
        assert_eq!(i16be.render(&(-2i16).to_be_bytes()).unwrap(), "-2");
        let u64le = KeyLayout::parse("u64le").unwrap();
        assert_eq!(
            u64le.render(&1_000_000u64.to_le_bytes()).unwrap(),
            "1,000,000"
        );
        assert!(u64le.render(&[1, 2, 3]).is_err());
        assert!(KeyLayout::parse("u24be").is_err());
        assert!(
            KeyLayout::parse("u32be")
                .unwrap()
                .render(&[0, 0, 0, 1, 9])
                .unwrap_err()
                .contains("left over")
        );
    }
}
