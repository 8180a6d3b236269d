//! Field filters: `status == "Unhealthy"`, `cpu > 80`, `spec.labels.zone != eu`,
//! `key.block >= 1000`, tested against a pair as its decoder rule reads it. A path names
//! a field of the decoded value (dots go into objects, numbers into arrays); `key.NAME`
//! names a field of a composite key. A pair its rule does not decode, or that no rule
//! covers, does not match, and is counted so the caller can say so.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use super::Decoders;
use super::key::FieldValue;

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `~`: the field's text contains the literal's.
    Contains,
}

/// A parsed field filter.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldQuery {
    /// The text as typed.
    pub text: String,
    /// Where the field is: `key` first for a composite key's field, else the value's.
    path: Vec<String>,
    op: Op,
    literal: Scalar<'static>,
    /// Bytes every matching value holds in the formats that store text as it reads (an
    /// `==` string's UTF-8 in JSON, MessagePack, CBOR): values without them are not
    /// decoded.
    needle: Option<Vec<u8>>,
}

/// The outcome of testing one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tested {
    /// It matches.
    Match,
    /// It decodes and does not match (or lacks the field).
    NoMatch,
    /// No rule covers it, or its rule does not decode it.
    Undecoded,
}

impl FieldQuery {
    /// Reads `path op literal`; the literal is JSON (`80`, `"Unhealthy"`, `true`) or one
    /// bare word, read as text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let ops = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("~", Op::Contains),
        ];
        let (at, token, op) = ops
            .iter()
            .filter_map(|(token, op)| trimmed.find(token).map(|at| (at, *token, *op)))
            .min_by_key(|(at, token, _)| (*at, std::cmp::Reverse(token.len())))
            .ok_or_else(|| {
                format!(
                    "{trimmed:?} is not a field filter: write FIELD OP VALUE, OP one of == != > >= < <= ~ (status == \"Unhealthy\", cpu > 80)"
                )
            })?;
        let field = trimmed[..at].trim();
        let literal_text = trimmed[at + token.len()..].trim();
        if field.is_empty() || literal_text.is_empty() {
            return Err(format!(
                "{trimmed:?}: a field filter needs a field and a value on either side of {token}"
            ));
        }
        let path: Vec<String> = field.split('.').map(str::to_string).collect();
        if path.iter().any(String::is_empty) {
            return Err(format!("{field:?} is not a field path (write a.b.c)"));
        }
        let literal = match serde_json::from_str::<Value>(literal_text) {
            Ok(v) if !v.is_object() && !v.is_array() => v,
            // A bare word is text, but only one word: anything more (a second test, an
            // operator run into the value) is refused, never read as a longer text.
            _ if literal_text.contains(char::is_whitespace)
                || ["==", "!=", "<", ">", "~", "&&", "||", "\""]
                    .iter()
                    .any(|t| literal_text.contains(t)) =>
            {
                return Err(format!(
                    "{trimmed:?}: the value {literal_text:?} is not one word: a filter is one test (FIELD OP VALUE); quote text with spaces as JSON (\"a b\")"
                ));
            }
            _ => Value::String(literal_text.to_string()),
        };
        if matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le)
            && !literal.is_number()
            && !literal.is_string()
        {
            return Err(format!("{trimmed:?}: {token} compares numbers or text"));
        }
        // Only `==` text that no decoder makes up: binary is shown as `0x…`, an ext type
        // as `ext N: …`, a CBOR bignum as its digits, text that is not UTF-8 as a phrase;
        // none of those are in the stored bytes as shown.
        let made_up = |s: &str| {
            s.starts_with("0x")
                || s.starts_with("ext ")
                || s == "(not UTF-8)"
                || s.trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        };
        let needle = match (&literal, op) {
            (Value::String(s), Op::Eq)
                if !s.is_empty()
                    && !made_up(s)
                    && s.chars().all(|c| c.is_ascii_graphic() || c == ' ')
                    && !s.contains(['"', '\\']) =>
            {
                Some(s.as_bytes().to_vec())
            }
            _ => None,
        };
        Ok(Self {
            text: trimmed.to_string(),
            path,
            op,
            literal: Scalar::of_json(&literal).into_owned(),
            needle,
        })
    }

    /// Tests the pair `key`/`value` of `cf` as `decoders` read it.
    pub fn test(&self, decoders: &Decoders, cf: &str, key: &[u8], value: &[u8]) -> Tested {
        let Some((_, rule)) = decoders.rule_for(cf, key) else {
            return Tested::Undecoded;
        };
        // `key.NAME` names a key field only where the rule's layout has fields.
        let by_key = self.path[0] == "key"
            && self.path.len() > 1
            && matches!(
                rule.key,
                super::key::KeyLayout::Composite(_) | super::key::KeyLayout::Single(_)
            );
        // Only where a text field's bytes are stored as they read: not protobuf (an
        // enum is stored as its number), not Spear-Next's envelopes (their payload is a
        // JSON array of numbers), not hex.
        // JSON may escape any character (`\u002d`) and CBOR may cut a text into chunks
        // (0x7f starts one): a value holding either is decoded whatever its bytes.
        use super::value::ValueFormat as F;
        let skippable = !by_key
            && match rule.value {
                Some(F::Json) => memchr::memchr(b'\\', value).is_none(),
                Some(F::Cbor) => memchr::memchr(0x7f, value).is_none(),
                Some(F::MsgPack | F::Text) => true,
                _ => false,
            };
        if let (true, Some(needle)) = (skippable, &self.needle)
            && memchr::memmem::find(value, needle).is_none()
        {
            // Not decoded: a value of this rule without the text cannot match (nor can
            // one that does not decode), so it is not counted as untested either.
            return Tested::NoMatch;
        }
        if by_key {
            return match rule.key_field(key, &self.path[1]) {
                Ok(Some(field)) if self.path.len() == 2 => self.verdict(&Scalar::of_key(&field)),
                Ok(_) => Tested::NoMatch,
                Err(_) => Tested::Undecoded,
            };
        }
        let Some(format) = &rule.value else {
            return Tested::Undecoded;
        };
        // JSON: the one field, found while parsing (the document is never built, and
        // is checked to its end as a full decode checks it).
        if *format == F::Json {
            return match super::json_field::find(value, &self.path) {
                Ok(Some(field)) => self.verdict(&Scalar::of_json_text(field)),
                Ok(None) => Tested::NoMatch,
                Err(_) => Tested::Undecoded,
            };
        }
        match format.decode(key, value) {
            Ok(doc) => match lookup(&doc, &self.path) {
                Some(field) => self.verdict(&Scalar::of_json(field)),
                None => Tested::NoMatch,
            },
            Err(_) => Tested::Undecoded,
        }
    }

    fn verdict(&self, field: &Scalar<'_>) -> Tested {
        match self.holds(field) {
            true => Tested::Match,
            false => Tested::NoMatch,
        }
    }

    /// Whether `field` stands in the query's relation to the literal.
    fn holds(&self, field: &Scalar<'_>) -> bool {
        if self.op == Op::Contains {
            return field.text().contains(self.literal.text().as_ref());
        }
        let ordering = field.compare(&self.literal);
        match self.op {
            Op::Eq => ordering == Some(Ordering::Equal),
            Op::Ne => ordering != Some(Ordering::Equal),
            Op::Gt => ordering == Some(Ordering::Greater),
            Op::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
            Op::Lt => ordering == Some(Ordering::Less),
            Op::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
            Op::Contains => unreachable!("handled above"),
        }
    }
}

/// A field's value as filters compare it: integers exactly, other numbers as floats,
/// text by its characters.
#[derive(Debug, Clone, PartialEq)]
enum Scalar<'a> {
    Int(i128),
    Float(f64),
    Text(Cow<'a, str>),
    Bool(bool),
    Null,
    /// An object or array: only `!=` holds against it.
    Other,
}

impl<'a> Scalar<'a> {
    fn of_json(v: &'a Value) -> Self {
        match v {
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .map(Scalar::Int)
                .or_else(|| n.as_f64().map(Scalar::Float))
                .unwrap_or(Scalar::Other),
            Value::String(s) => Scalar::Text(Cow::Borrowed(s)),
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Null => Scalar::Null,
            _ => Scalar::Other,
        }
    }

    /// From a value's JSON text (checked by the parser that found it): text unescaped,
    /// numbers read straight from their digits, no document built.
    fn of_json_text(raw: &'a str) -> Self {
        match raw.as_bytes().first() {
            Some(b'"') => {
                serde_json::from_str::<Cow<'a, str>>(raw).map_or(Scalar::Other, Scalar::Text)
            }
            Some(b't') => Scalar::Bool(true),
            Some(b'f') => Scalar::Bool(false),
            Some(b'n') => Scalar::Null,
            Some(b'{' | b'[') | None => Scalar::Other,
            Some(_) => raw
                .parse::<i128>()
                .map(Scalar::Int)
                .or_else(|_| raw.parse::<f64>().map(Scalar::Float))
                .unwrap_or(Scalar::Other),
        }
    }

    fn of_key(v: &FieldValue<'a>) -> Self {
        match v {
            FieldValue::Unsigned(n) => Scalar::Int(i128::from(*n)),
            FieldValue::Signed(n) => Scalar::Int(i128::from(*n)),
            FieldValue::Named(name) => Scalar::Text(Cow::Borrowed(name)),
            other => Scalar::Text(Cow::Owned(other.shown())),
        }
    }

    fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Text(t) => Scalar::Text(Cow::Owned(t.into_owned())),
            Scalar::Int(n) => Scalar::Int(n),
            Scalar::Float(f) => Scalar::Float(f),
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Null => Scalar::Null,
            Scalar::Other => Scalar::Other,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Scalar::Int(n) => Some(*n as f64),
            Scalar::Float(f) => Some(*f),
            _ => None,
        }
    }

    fn text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Text(t) => Cow::Borrowed(t.as_ref()),
            Scalar::Int(n) => Cow::Owned(n.to_string()),
            Scalar::Float(f) => Cow::Owned(f.to_string()),
            Scalar::Bool(b) => Cow::Owned(b.to_string()),
            Scalar::Null => Cow::Borrowed("null"),
            Scalar::Other => Cow::Borrowed(""),
        }
    }

    /// Numbers with numbers by value, text with text by its characters, booleans and
    /// null only for equality; a number never equals text (`"95"` is not `95`).
    fn compare(&self, literal: &Scalar<'_>) -> Option<Ordering> {
        match (self, literal) {
            (Scalar::Int(a), Scalar::Int(b)) => Some(a.cmp(b)),
            (Scalar::Int(_) | Scalar::Float(_), Scalar::Int(_) | Scalar::Float(_)) => {
                self.number()?.partial_cmp(&literal.number()?)
            }
            (Scalar::Text(a), Scalar::Text(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (a, b) if a == b => Some(Ordering::Equal),
            _ => None,
        }
    }
}

/// The field at `path` inside `doc`.
fn lookup<'d>(doc: &'d Value, path: &[String]) -> Option<&'d Value> {
    path.iter().try_fold(doc, |at, step| match at {
        Value::Object(map) => map.get(step),
        Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_rules() -> Decoders {
        Decoders::parse(
            std::path::Path::new("d.toml"),
            "[[rule]]\nprefix = \"node:\"\nvalue = \"json\"\n[[rule]]\nprefix = \"cb:\"\nvalue = \"cbor\"\n[[rule]]\nprefix = \"blk:\"\nkey = [\"block:u32be\", \"kind:u8{1=put}\"]\n",
        )
        .unwrap()
    }

    #[test]
    fn fields_compare_by_type_and_undecoded_pairs_are_told_apart() {
        let d = json_rules();
        let test = |q: &str, key: &[u8], value: &[u8]| {
            FieldQuery::parse(q)
                .unwrap()
                .test(&d, "default", key, value)
        };
        let node = br#"{"status":"Unhealthy","cpu":85.5,"spec":{"zone":"eu"},"ports":[80,443]}"#;
        assert_eq!(
            test(r#"status == "Unhealthy""#, b"node:1", node),
            Tested::Match
        );
        assert_eq!(test("status == Unhealthy", b"node:1", node), Tested::Match);
        assert_eq!(test("status == Healthy", b"node:1", node), Tested::NoMatch);
        assert_eq!(test("cpu > 80", b"node:1", node), Tested::Match);
        assert_eq!(test("cpu <= 80", b"node:1", node), Tested::NoMatch);
        assert_eq!(test("spec.zone != us", b"node:1", node), Tested::Match);
        assert_eq!(test("ports.1 == 443", b"node:1", node), Tested::Match);
        assert_eq!(test("status ~ health", b"node:1", node), Tested::Match);
        assert_eq!(test("missing == 1", b"node:1", node), Tested::NoMatch);
        assert_eq!(test("cpu > 80", b"node:2", b"{oops"), Tested::Undecoded);
        assert_eq!(test("cpu > 80", b"other", node), Tested::Undecoded);
        let mut blk = b"blk:".to_vec();
        blk.extend_from_slice(&1234u32.to_be_bytes());
        blk.push(1);
        assert_eq!(test("key.block >= 1000", &blk, b""), Tested::Match);
        assert_eq!(test("key.kind == put", &blk, b""), Tested::Match);
        assert_eq!(test("key.block < 1000", &blk, b""), Tested::NoMatch);
        // Numbers compare with numbers, text with text.
        let as_text = br#"{"cpu":"95"}"#;
        assert_eq!(test("cpu == 95", b"node:3", as_text), Tested::NoMatch);
        assert_eq!(test(r#"cpu == "95""#, b"node:3", as_text), Tested::Match);
        assert_eq!(test(r#"cpu > "80""#, b"node:1", node), Tested::NoMatch);
        // An escaped character is still found.
        let escaped = br#"{"status":"Un\u0068ealthy"}"#;
        assert_eq!(
            test("status == Unhealthy", b"node:4", escaped),
            Tested::Match
        );
        // CBOR's chunked text: {"status": (_ "Un" "healthy")}.
        let mut chunked = vec![0xa1, 0x66];
        chunked.extend(b"status");
        chunked.extend([0x7f, 0x62, b'U', b'n', 0x67]);
        chunked.extend(b"healthy");
        chunked.push(0xff);
        assert_eq!(
            test("status == Unhealthy", b"cb:1", &chunked),
            Tested::Match
        );
        // One test, one word: more is refused, never read as a longer text.
        assert!(FieldQuery::parse("name == web-1 || cpu > 1").is_err());
        assert!(FieldQuery::parse("cpu > 80name == web-1").is_err());
        assert!(FieldQuery::parse(r#"name == "web 1""#).is_ok());
        assert!(FieldQuery::parse("just words").is_err());
        assert!(FieldQuery::parse("== 3").is_err());
    }
}
