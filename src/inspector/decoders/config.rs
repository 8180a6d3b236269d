//! The decoder config: a TOML file of `[[rule]]` tables, each matching a column family
//! (optional) and a key prefix (text or `prefix_hex`), with the key's layout and the
//! value's format. Found with `--decoders FILE`, else next to the database
//! (`<db>.decoders.toml`), else in the user's config directory
//! (`$XDG_CONFIG_HOME/spear-inspect/decoders.toml`). The first rule that matches a key
//! is its rule. A file that does not parse, or a rule that names something unknown, is
//! an error naming the file and line. With no file, the built-in rules read upstream
//! Spear-Next's records ([`Decoders::builtin`]).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::key::KeyLayout;
use super::value::ValueFormat;

/// Why a decoder config cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the decoder config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML of the expected shape.
    #[error("the decoder config {path} does not parse: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with the line.
        message: String,
    },
    /// A rule names a layout or format that does not exist.
    #[error("{path}, line {line}: {message}")]
    Rule {
        /// The file.
        path: PathBuf,
        /// The line the rule starts on.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    cf: Option<String>,
    prefix: Option<String>,
    prefix_hex: Option<String>,
    key: Option<KeySpec>,
    value: Option<String>,
    proto_files: Option<Vec<String>>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Fields(Vec<String>),
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Only this column family (`None`: every one).
    pub cf: Option<String>,
    /// Keys starting with these bytes (empty: every key).
    pub prefix: Vec<u8>,
    /// How the key after the prefix is read.
    pub key: KeyLayout,
    /// How the value is read (`None`: as the built-in views show it).
    pub value: Option<ValueFormat>,
    /// The line of the file the rule starts on.
    pub line: usize,
}

impl Rule {
    /// The key as the rule shows it: its prefix as text, the rest by the layout.
    pub fn show_key(&self, key: &[u8]) -> Result<String, String> {
        self.key_text(key, true).map_err(|e| format!("key: {e}"))
    }

    /// The prefix as text, the rest by the layout: integers grouped for people
    /// (`1,234`), plain for machines.
    fn key_text(&self, key: &[u8], grouped: bool) -> Result<String, String> {
        let rest = &key[self.prefix.len()..];
        let rest = match grouped {
            true => self.key.render(rest),
            false => self.key.render_plain(rest),
        }?;
        Ok(format!(
            "{}{rest}",
            crate::inspector::decode::escape_key(&self.prefix)
        ))
    }

    /// The pair as the rule reads it, for machines: `{"key": ..., "value": ...}` (the key
    /// in its layout without digit grouping; no value without a value format). A key that
    /// does not fit keeps its escaped bytes beside `"key_error"`, and its value is still
    /// read; a value that does not decode is `"error"` in place of `"value"`. With it,
    /// the first failure (key, then value), if any.
    pub fn decode(&self, key: &[u8], value: &[u8]) -> (serde_json::Value, Option<String>) {
        let mut out = serde_json::Map::new();
        let mut failure = None;
        match self.key_text(key, false) {
            Ok(shown) => {
                out.insert("key".into(), shown.into());
            }
            Err(e) => {
                out.insert(
                    "key".into(),
                    crate::inspector::decode::escape_key(key).into(),
                );
                out.insert("key_error".into(), e.clone().into());
                failure = Some(format!("key: {e}"));
            }
        }
        if let Some(format) = &self.value {
            match format.decode(key, value) {
                Ok(v) => {
                    out.insert("value".into(), v);
                }
                Err(e) => {
                    let e = format!("value: {e}");
                    out.insert("error".into(), e.clone().into());
                    failure.get_or_insert(e);
                }
            }
        }
        (serde_json::Value::Object(out), failure)
    }

    /// The key's field `name` after the prefix (see [`KeyLayout::field`]).
    pub fn key_field<'k>(
        &'k self,
        key: &'k [u8],
        name: &str,
    ) -> Result<Option<super::key::FieldValue<'k>>, String> {
        self.key.field(&key[self.prefix.len()..], name)
    }

    /// Whether the rule covers `key` in `cf`.
    pub fn matches(&self, cf: &str, key: &[u8]) -> bool {
        self.cf.as_deref().is_none_or(|c| c == cf) && key.starts_with(&self.prefix)
    }
}

/// The rules of one config file, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoders {
    /// Where they were read from.
    pub path: PathBuf,
    /// The rules.
    pub rules: Vec<Rule>,
    /// These are the built-in Spear-Next rules, not a file's: a value they do not
    /// decode is shown as it is, not as an error (any database may have a `node:` key).
    pub builtin: bool,
}

impl Decoders {
    /// The built-in rules: upstream Spear-Next's key prefixes, each read as its SMS
    /// writes it (`value = "spear"`), keys as text.
    pub fn builtin() -> Self {
        let rules = super::spear::PREFIXES
            .iter()
            .map(|prefix| Rule {
                cf: None,
                prefix: prefix.as_bytes().to_vec(),
                key: KeyLayout::String,
                value: Some(ValueFormat::Spear),
                line: 0,
            })
            .collect();
        Self {
            path: PathBuf::from("(built-in Spear-Next rules)"),
            rules,
            builtin: true,
        }
    }

    /// [`Decoders::find`], or the built-in rules when no file is found.
    pub fn find_or_builtin(db: &Path, given: Option<&Path>) -> Result<Self, ConfigError> {
        Ok(Self::find(db, given)?.unwrap_or_else(Self::builtin))
    }

    /// The config for the database at `db`: `given`, else the first file found next to
    /// the database or in the user's config directory; `Ok(None)` when there is none.
    pub fn find(db: &Path, given: Option<&Path>) -> Result<Option<Self>, ConfigError> {
        if let Some(path) = given {
            return Self::load(path).map(Some);
        }
        // `.` names the database too: its real name is what a config sits beside (a
        // name that is there is kept, so a config beside a symlink is found).
        let db = match db.file_name() {
            Some(_) => db.to_path_buf(),
            None => std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf()),
        };
        let beside = db.file_name().map(|name| {
            let mut name = name.to_os_string();
            name.push(".decoders.toml");
            db.with_file_name(name)
        });
        let config_dir = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .map(|dir| dir.join("spear-inspect").join("decoders.toml"));
        match beside.into_iter().chain(config_dir).find(|p| p.is_file()) {
            Some(path) => Self::load(&path).map(Some),
            None => Ok(None),
        }
    }

    /// Reads and checks the rules of `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Checks the rules of `text`, read from `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut rules = Vec::new();
        let base = path.parent().unwrap_or(Path::new("."));
        let mut protos = super::protobuf::ProtoCache::default();
        for spanned in raw.rule {
            let line = text[..spanned.span().start].matches('\n').count() + 1;
            let rule_error = |message: String| ConfigError::Rule {
                path: path.to_path_buf(),
                line,
                message,
            };
            let r = spanned.into_inner();
            let prefix = match (r.prefix, r.prefix_hex) {
                (Some(_), Some(_)) => {
                    return Err(rule_error("give prefix or prefix_hex, not both".into()));
                }
                (Some(p), None) => p.into_bytes(),
                (None, Some(h)) => crate::inspector::decode::parse_hex(&h)
                    .ok_or_else(|| rule_error(format!("prefix_hex {h:?} is not hex")))?,
                (None, None) => Vec::new(),
            };
            let key = match r.key {
                None => KeyLayout::String,
                Some(KeySpec::One(name)) => KeyLayout::parse(&name).map_err(&rule_error)?,
                Some(KeySpec::Fields(fields)) => {
                    KeyLayout::composite(&fields).map_err(&rule_error)?
                }
            };
            let value = match (r.value.as_deref(), r.proto_files, r.message) {
                (Some("protobuf"), files, Some(message)) => Some(ValueFormat::Protobuf(
                    protos
                        .message(base, &files.unwrap_or_default(), &message)
                        .map_err(&rule_error)?,
                )),
                (Some("protobuf"), _, None) => {
                    return Err(rule_error(
                        "value = \"protobuf\" needs message = \"package.Message\" (and proto_files)"
                            .into(),
                    ));
                }
                (name, None, None) => name
                    .map(ValueFormat::parse)
                    .transpose()
                    .map_err(&rule_error)?,
                (_, _, _) => {
                    return Err(rule_error(
                        "proto_files and message belong to value = \"protobuf\"".into(),
                    ));
                }
            };
            rules.push(Rule {
                cf: r.cf,
                prefix,
                key,
                value,
                line,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            rules,
            builtin: false,
        })
    }

    /// The pair as its rule reads it: `{"rule": N, "key": "...", "value": ...}`, with
    /// `"key_error"` or `"error"` for what does not decode (see [`Rule::decode`]);
    /// `None` when no rule covers the key.
    pub fn decode(&self, cf: &str, key: &[u8], value: &[u8]) -> Option<serde_json::Value> {
        let (i, rule) = self.rule_for(cf, key)?;
        let (mut out, _) = rule.decode(key, value);
        out["rule"] = serde_json::json!(i + 1);
        Some(out)
    }

    /// The key that `text` names as the Keys list shows keys, read by the layout of a
    /// rule of `cf` whose prefix starts it (`blk:block=1234`); `None` when no rule with a
    /// layout other than text covers it.
    pub fn encode_key(&self, cf: &str, text: &str) -> Option<Result<Vec<u8>, String>> {
        let shown_prefix = |r: &Rule| crate::inspector::decode::escape_key(&r.prefix);
        let rule = self.rules.iter().find(|r| {
            r.cf.as_deref().is_none_or(|c| c == cf)
                && r.key != KeyLayout::String
                && text.starts_with(&shown_prefix(r))
        })?;
        let rest = &text[shown_prefix(rule).len()..];
        match rule.key.encode(rest) {
            Ok(tail) => Some(Ok([rule.prefix.as_slice(), &tail].concat())),
            // A rule of every key (no prefix) does not take over go-to: text that is not
            // in its layout is read as typed keys are.
            Err(_) if rule.prefix.is_empty() => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Refuses a rule naming a column family `cfs` lacks (a typo would otherwise
    /// decode nothing, silently), naming the file and the rule's line.
    pub fn check_column_families(&self, cfs: &[String]) -> Result<(), String> {
        for (i, rule) in self.rules.iter().enumerate() {
            if let Some(cf) = &rule.cf
                && !cfs.contains(cf)
            {
                return Err(format!(
                    "{}, line {}: rule {} names column family {cf:?}, which this database does not have (it has {})",
                    self.path.display(),
                    rule.line,
                    i + 1,
                    cfs.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The first rule covering `key` in `cf`, with its index.
    pub fn rule_for(&self, cf: &str, key: &[u8]) -> Option<(usize, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.matches(cf, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_read_in_order_and_bad_ones_name_their_line() {
        let text = r#"
[[rule]]
cf = "default"
prefix = "order:"
key = "u64be"
value = "msgpack"

[[rule]]
prefix_hex = "00ff"
key = ["block:u32be", "kind:u8{1=put,2=delete}"]
"#;
        let d = Decoders::parse(Path::new("d.toml"), text).unwrap();
        assert_eq!(d.rules.len(), 2);
        assert_eq!(d.rules[0].line, 2);
        assert_eq!(d.rules[1].prefix, vec![0x00, 0xff]);
        let (i, _) = d.rule_for("default", b"order:\x00").unwrap();
        assert_eq!(i, 0);
        assert!(d.rule_for("other", b"order:\x00").is_none());

        // For machines: no digit grouping; a key that does not fit keeps its bytes and
        // its value is still read.
        let msgpack_one = [0x01];
        let (pair, failure) = d.rules[0].decode(
            &[b"order:".as_slice(), &1_234_567u64.to_be_bytes()].concat(),
            &msgpack_one,
        );
        assert_eq!(
            pair,
            serde_json::json!({"key": "order:1234567", "value": 1})
        );
        assert_eq!(failure, None);
        let (pair, failure) = d.rules[0].decode(b"order:\x01", &msgpack_one);
        assert_eq!(pair["key"], "order:\\x01");
        assert_eq!(pair["value"], 1);
        assert!(
            pair["key_error"]
                .as_str()
                .unwrap()
                .contains("needs 8 byte(s)")
        );
        assert!(failure.unwrap().starts_with("key: "));

        let bad = "[[rule]]\nprefix = \"a\"\n\n[[rule]]\nprefix = \"b\"\nvalue = \"yaml\"\n";
        let err = Decoders::parse(Path::new("d.toml"), bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("d.toml, line 4: unknown value format \"yaml\""),
            "{err}"
        );
        let err = Decoders::parse(Path::new("d.toml"), "[[rule]]\nkey = 3\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the decoder config d.toml does not parse"),
            "{err}"
        );
        assert!(err.contains("line 2"), "{err}");
    }
}
