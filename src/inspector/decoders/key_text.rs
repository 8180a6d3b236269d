//! A key layout read the other way: typed text (`block=1234 kind=put`, as the Keys list
//! shows keys) into the key's bytes for go-to, and a key's fields as JSON for field
//! filters (`key.block >= 1000`).

use serde_json::Value;

use super::key::{Field, FieldType, FieldValue, KeyLayout, read_value};
use crate::inspector::decode::{parse_hex, parse_key};

impl KeyLayout {
    /// The bytes of the key (after its prefix) `text` names in this layout. A composite
    /// may name only its first fields (`block=1234`): the bytes then start every key
    /// with those fields, which is where a go-to lands.
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        match self {
            KeyLayout::String => out = parse_key(text).map_err(|e| e.to_string())?,
            KeyLayout::Hex => out = parse_hex(text).ok_or(format!("{text:?} is not hex"))?,
            KeyLayout::Single(kind) => encode_field(kind, &[], text, &mut out)?,
            KeyLayout::Composite(fields) => {
                let given: Vec<(&str, &str)> = text
                    .split_whitespace()
                    .map(|pair| {
                        pair.split_once('=')
                            .ok_or_else(|| format!("{pair:?}: write fields as name=value"))
                    })
                    .collect::<Result<_, _>>()?;
                if given.is_empty() {
                    return Err("name at least the first field (name=value)".into());
                }
                for (i, (name, value)) in given.iter().enumerate() {
                    let field: &Field = fields.get(i).ok_or_else(|| {
                        format!(
                            "the layout has {} field(s); {name} is one too many",
                            fields.len()
                        )
                    })?;
                    if field.name != *name {
                        return Err(format!(
                            "field {} is {:?}, not {name:?}: fields go in the layout's order",
                            i + 1,
                            field.name
                        ));
                    }
                    encode_field(&field.kind, &field.names, value, &mut out)
                        .map_err(|e| format!("field {name}: {e}"))?;
                }
            }
        }
        Ok(out)
    }

    /// A composite key's fields as a JSON object (integers as numbers, named values as
    /// their names); a single-field layout is `{"key": value}`.
    pub fn fields(&self, key: &[u8]) -> Result<Value, String> {
        let as_json = |v: FieldValue<'_>| match v {
            FieldValue::Unsigned(n) => Value::from(n),
            FieldValue::Signed(n) => Value::from(n),
            other => Value::String(other.shown()),
        };
        Ok(match self {
            KeyLayout::Composite(_) => {
                let mut map = serde_json::Map::new();
                self.walk(key, |field, value| {
                    map.insert(field.to_string(), as_json(value));
                })?;
                Value::Object(map)
            }
            KeyLayout::Single(_) => {
                let mut one = Value::Null;
                self.walk(key, |_, value| one = as_json(value))?;
                serde_json::json!({ "key": one })
            }
            KeyLayout::String | KeyLayout::Hex => serde_json::json!({ "key": self.render(key)? }),
        })
    }

    /// The field `name` of the key (`key` for a single-field layout), read without
    /// rendering the rest; `Ok(None)` when the layout has no such field. A key that does
    /// not fit the layout is an error, as when it is shown.
    pub fn field<'k>(
        &'k self,
        key: &'k [u8],
        name: &str,
    ) -> Result<Option<FieldValue<'k>>, String> {
        let mut found = None;
        self.walk(key, |field, value| {
            if field == name {
                found = Some(value);
            }
        })?;
        Ok(found)
    }

    /// Reads every field of a composite or single layout in order, handing each on by
    /// name (`key` for a single field); text and hex layouts have no fields.
    fn walk<'k>(
        &'k self,
        key: &'k [u8],
        mut each: impl FnMut(&'k str, FieldValue<'k>),
    ) -> Result<(), String> {
        let mut at = 0;
        match self {
            KeyLayout::Composite(fields) => {
                for f in fields {
                    let value = read_value(&f.kind, key, &mut at, &f.names)
                        .map_err(|e| format!("field {}: {e}", f.name))?;
                    each(&f.name, value);
                }
            }
            KeyLayout::Single(kind) => each("key", read_value(kind, key, &mut at, &[])?),
            KeyLayout::String | KeyLayout::Hex => return Ok(()),
        }
        match key.len() - at {
            0 => Ok(()),
            n => Err(format!("{n} byte(s) left over after the layout")),
        }
    }
}

fn encode_field(
    kind: &FieldType,
    names: &[(u64, String)],
    text: &str,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let number = |text: &str| -> Result<i128, String> {
        if let Some((value, _)) = names.iter().find(|(_, label)| label == text) {
            return Ok(i128::from(*value));
        }
        text.chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect::<String>()
            .parse::<i128>()
            .map_err(|_| match names.is_empty() {
                true => format!("{text:?} is not a number"),
                false => format!(
                    "{text:?} is not a number nor one of {}",
                    names
                        .iter()
                        .map(|(_, label)| label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    };
    let int = |value: i128, bytes: usize, big_endian: bool, signed: bool, out: &mut Vec<u8>| {
        let bits = 8 * bytes as u32;
        let (low, high) = match signed {
            true => (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1),
            false => (0, (1i128 << bits) - 1),
        };
        if !(low..=high).contains(&value) {
            return Err(format!("{value} does not fit {bytes} byte(s)"));
        }
        let le = (value as u128 as u64).to_le_bytes();
        let mut b = le[..bytes].to_vec();
        if big_endian {
            b.reverse();
        }
        out.extend_from_slice(&b);
        Ok(())
    };
    match kind {
        FieldType::Unsigned { bytes, big_endian } => {
            int(number(text)?, *bytes, *big_endian, false, out)?
        }
        FieldType::Signed { bytes, big_endian } => {
            int(number(text)?, *bytes, *big_endian, true, out)?
        }
        FieldType::Varint => {
            let mut v = u64::try_from(number(text)?).map_err(|_| "a varint is not negative")?;
            loop {
                let low = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    out.push(low);
                    break;
                }
                out.push(low | 0x80);
            }
        }
        FieldType::Bytes(n) => {
            let b = parse_hex(text).ok_or(format!("{text:?} is not hex"))?;
            if b.len() != *n {
                return Err(format!("{} byte(s), the field has {n}", b.len()));
            }
            out.extend_from_slice(&b);
        }
        FieldType::Str(n) => {
            let mut b = parse_key(text).map_err(|e| e.to_string())?;
            if b.len() > *n {
                return Err(format!("{} byte(s), the field has {n}", b.len()));
            }
            b.resize(*n, 0);
            out.extend_from_slice(&b);
        }
        FieldType::CStr => {
            out.extend_from_slice(&parse_key(text).map_err(|e| e.to_string())?);
            out.push(0);
        }
        FieldType::Rest => out.extend_from_slice(&parse_key(text).map_err(|e| e.to_string())?),
        FieldType::RestHex => {
            out.extend_from_slice(&parse_hex(text).ok_or(format!("{text:?} is not hex"))?)
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_key_encodes_to_the_bytes_its_rendering_came_from() {
        let layout = KeyLayout::composite(&[
            "block:u32be".into(),
            "tx:u16le".into(),
            "kind:u8{1=put,2=delete}".into(),
            "who:cstr".into(),
            "n:varint".into(),
        ])
        .unwrap();
        let mut key = 1234u32.to_be_bytes().to_vec();
        key.extend_from_slice(&7u16.to_le_bytes());
        key.push(2);
        key.extend_from_slice(b"ann\0");
        key.extend_from_slice(&[0xac, 0x02]);
        let shown = layout.render(&key).unwrap();
        assert_eq!(shown, "block=1,234 tx=7 kind=delete who=ann n=300");
        assert_eq!(layout.encode(&shown).unwrap(), key);
        assert_eq!(layout.encode("block=1234").unwrap(), key[..4]);
        assert!(layout.encode("tx=7").unwrap_err().contains("not \"tx\""));
        assert!(
            layout
                .encode("block=99999999999")
                .unwrap_err()
                .contains("does not fit")
        );
        assert_eq!(
            layout.fields(&key).unwrap(),
            serde_json::json!({"block": 1234, "tx": 7, "kind": "delete", "who": "ann", "n": 300})
        );
        let single = KeyLayout::parse("i32le").unwrap();
        assert_eq!(single.encode("-2").unwrap(), (-2i32).to_le_bytes());
        assert_eq!(
            single.fields(&(-2i32).to_le_bytes()).unwrap(),
            serde_json::json!({"key": -2})
        );
    }
}
