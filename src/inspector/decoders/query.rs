//! Field filters: `status == "Unhealthy"`, `cpu > 80`, `spec.labels.zone != eu`,
//! `key.block >= 1000`, tested against a pair as its decoder rule reads it. A path names
//! a field of the decoded value (dots go into objects, numbers into arrays); `key.NAME`
//! names a field of a composite key. A pair its rule does not decode, or that no rule
//! covers, does not match, and is counted so the caller can say so.

use std::cmp::Ordering;

use serde_json::Value;

use super::Decoders;

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
    literal: Value,
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
    /// Reads `path op literal`; the literal is JSON (`80`, `"Unhealthy"`, `true`) or a
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
        let literal = serde_json::from_str::<Value>(literal_text)
            .ok()
            .filter(|v| !v.is_object() && !v.is_array())
            .unwrap_or_else(|| Value::String(literal_text.to_string()));
        if matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le)
            && !literal.is_number()
            && !literal.is_string()
        {
            return Err(format!("{trimmed:?}: {token} compares numbers or text"));
        }
        let needle = match (&literal, op) {
            (Value::String(s), Op::Eq | Op::Contains)
                if !s.is_empty()
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
            literal,
            needle,
        })
    }

    /// Tests the pair `key`/`value` of `cf` as `decoders` read it.
    pub fn test(&self, decoders: &Decoders, cf: &str, key: &[u8], value: &[u8]) -> Tested {
        let Some((_, rule)) = decoders.rule_for(cf, key) else {
            return Tested::Undecoded;
        };
        let by_key = self.path[0] == "key" && self.path.len() > 1;
        // Only where a text field's bytes are stored as they read: not protobuf (an
        // enum is stored as its number), not Spear-Next's envelopes (their payload is a
        // JSON array of numbers), not hex.
        use super::value::ValueFormat as F;
        let skippable = !by_key
            && rule
                .value
                .as_ref()
                .is_some_and(|f| matches!(f, F::Json | F::MsgPack | F::Cbor | F::Text));
        if let (true, Some(needle)) = (skippable, &self.needle)
            && memchr::memmem::find(value, needle).is_none()
        {
            // Not decoded, but a value of this rule without the text cannot match; a
            // value that would not decode is not worth telling apart here.
            return Tested::NoMatch;
        }
        let field = if by_key {
            match rule.key_fields(key) {
                Ok(fields) => lookup(&fields, &self.path[1..]).cloned(),
                Err(_) => return Tested::Undecoded,
            }
        } else {
            let Some(format) = &rule.value else {
                return Tested::Undecoded;
            };
            match format.decode(key, value) {
                Ok(doc) => lookup(&doc, &self.path).cloned(),
                Err(_) => return Tested::Undecoded,
            }
        };
        match field {
            Some(field) if self.holds(&field) => Tested::Match,
            _ => Tested::NoMatch,
        }
    }

    /// Whether `field` stands in the query's relation to the literal.
    fn holds(&self, field: &Value) -> bool {
        if self.op == Op::Contains {
            return text_of(field).contains(&text_of(&self.literal));
        }
        let ordering = compare(field, &self.literal);
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

/// The field at `path` inside `doc`.
fn lookup<'d>(doc: &'d Value, path: &[String]) -> Option<&'d Value> {
    path.iter().try_fold(doc, |at, step| match at {
        Value::Object(map) => map.get(step),
        Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Numbers by value (a field holding a number as text compares as that number), text
/// by its characters, booleans and null only for equality.
fn compare(field: &Value, literal: &Value) -> Option<Ordering> {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    if literal.is_number() {
        return number(field)?.partial_cmp(&number(literal)?);
    }
    match (field, literal) {
        (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        (Value::Number(_), Value::String(b)) => {
            // `cpu > "80"` as typed without quotes is text: compare as numbers if it is one.
            let b = b.trim().parse::<f64>().ok()?;
            number(field)?.partial_cmp(&b)
        }
        (a, b) if a == b => Some(Ordering::Equal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_rules() -> Decoders {
        Decoders::parse(
            std::path::Path::new("d.toml"),
            "[[rule]]\nprefix = \"node:\"\nvalue = \"json\"\n[[rule]]\nprefix = \"blk:\"\nkey = [\"block:u32be\", \"kind:u8{1=put}\"]\n",
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
        assert!(FieldQuery::parse("just words").is_err());
        assert!(FieldQuery::parse("== 3").is_err());
    }
}
