//! One field of a JSON document, found without building the document: the field
//! filter's path walked through the parser, every other member skipped unbuilt but
//! checked, so a document that is not JSON is refused as a full decode would refuse it.

use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The JSON text of the value at `path` in `bytes` (`Ok(None)`: no such field), or why
/// the text is not JSON. The value itself is not built: its text is handed back.
pub fn find<'b>(bytes: &'b [u8], path: &[String]) -> Result<Option<&'b str>, String> {
    // Skipped strings are not checked as UTF-8 by the parser: the whole text is, first,
    // as a full decode would refuse it.
    let text = std::str::from_utf8(bytes).map_err(|e| format!("json: {e}"))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let found = Find { path }
        .deserialize(&mut de)
        .map_err(|e| format!("json: {e}"))?;
    de.end().map_err(|e| format!("json: {e}"))?;
    Ok(found.map(RawValue::get))
}

/// Walks one level of the path: the rest of it below the member it names.
struct Find<'p> {
    path: &'p [String],
}

impl Find<'_> {
    fn below(&self) -> Self {
        Find {
            path: &self.path[1..],
        }
    }
}

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match self.path.is_empty() {
            true => <&RawValue>::deserialize(d).map(Some),
            false => d.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Find<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(is_it) = map.next_key_seed(KeyIs(&self.path[0]))? {
            if is_it {
                // As a full decode does, the last of duplicate members counts.
                found = map.next_value_seed(self.below())?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let wanted = self.path[0].parse::<usize>().ok();
        let (mut found, mut index) = (None, 0usize);
        loop {
            if Some(index) == wanted {
                match seq.next_element_seed(self.below())? {
                    Some(value) => found = value,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            index += 1;
        }
        Ok(found)
    }

    // A scalar where the path goes deeper: no such field.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads a member's name and says whether it is `.0`, without keeping it.
struct KeyIs<'p>(&'p str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        // As bytes: the name is unescaped but not checked as UTF-8 again (the whole
        // text was), which is most of the cost of reading a name.
        d.deserialize_bytes(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_bytes<E>(self, name: &[u8]) -> Result<bool, E> {
        Ok(name == self.0.as_bytes())
    }

    fn visit_str<E>(self, name: &str) -> Result<bool, E> {
        Ok(name == self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn a_field_is_found_as_a_full_decode_finds_it() {
        let path = |p: &str| p.split('.').map(str::to_string).collect::<Vec<_>>();
        let doc = br#"{"a": {"b": [1, {"c": "x\"y"}]}, "n": 12345678901234567890, "a2": 1, "a": {"b": [7]}}"#;
        let full: Value = serde_json::from_slice(doc).unwrap();
        for p in ["a.b.0", "n", "a2", "a.b.1.c", "a.b.5", "n.x", "missing"] {
            let expected = p
                .split('.')
                .try_fold(&full, |at, step| match at {
                    Value::Object(m) => m.get(step),
                    Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => None,
                })
                .cloned();
            let found = find(doc, &path(p))
                .unwrap()
                .map(|raw| serde_json::from_str::<Value>(raw).unwrap());
            assert_eq!(found, expected, "{p}");
        }
        assert!(find(br#"{"a": 1"#, &path("a")).is_err(), "cut short");
        assert!(find(br#"{"a": 1} x"#, &path("a")).is_err(), "trailing");
        assert!(
            find(br#"{"a": [1,}"#, &path("b")).is_err(),
            "bad where skipped"
        );
    }
}
