//! `decoders check`: for each rule, how many keys it is the first rule of and how many of
//! those its key layout and value format decode, on a sample (the first keys of each
//! rule) or on every key, with the first failure named.

use serde::Serialize;

use super::config::Decoders;
use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source};

/// Keys per rule a sample decodes.
pub const SAMPLE: u64 = 10_000;

/// What one rule decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    /// The rule's place in the file (1 first).
    pub rule: usize,
    /// The line it starts on.
    pub line: usize,
    /// Its column family (`*`: every one) and prefix (escaped).
    pub covers: String,
    /// Keys it is the first rule of (up to the sample).
    pub matched: u64,
    /// Of those, keys whose key and value decoded.
    pub decoded: u64,
    /// Whether it stopped at [`SAMPLE`] keys.
    pub sampled: bool,
    /// The first key that did not decode (escaped), and why.
    pub first_failure: Option<(String, String)>,
}

/// Checks every rule of `decoders` on `source`: a sample, or with `all` every key.
pub fn check(
    source: &Source,
    decoders: &Decoders,
    all: bool,
) -> Result<Vec<RuleCheck>, InspectError> {
    let mut out = Vec::new();
    for (i, rule) in decoders.rules.iter().enumerate() {
        let mut found = RuleCheck {
            rule: i + 1,
            line: rule.line,
            covers: format!(
                "cf {} prefix {}",
                rule.cf.as_deref().unwrap_or("*"),
                if rule.prefix.is_empty() {
                    "(any)".to_string()
                } else {
                    escape_key(&rule.prefix)
                }
            ),
            matched: 0,
            decoded: 0,
            sampled: false,
            first_failure: None,
        };
        let cfs: Vec<String> = match &rule.cf {
            Some(cf) => {
                source.check_cf(cf)?;
                vec![cf.clone()]
            }
            None => source.column_families().to_vec(),
        };
        'cfs: for cf in cfs {
            let mut it = source.seeker(&cf, &Bounds::prefix(&rule.prefix))?;
            while let (Some(key), Some(value)) = (it.key(), it.value()) {
                if decoders.rule_for(&cf, key).map(|(first, _)| first) == Some(i) {
                    if !all && found.matched == SAMPLE {
                        found.sampled = true;
                        break 'cfs;
                    }
                    found.matched += 1;
                    match rule.decode(key, value).1 {
                        None => found.decoded += 1,
                        Some(why) if found.first_failure.is_none() => {
                            found.first_failure = Some((escape_key(key), why));
                        }
                        Some(_) => {}
                    }
                }
                it.next();
            }
            it.status()
                .map_err(crate::storage::rocksdb::backend_error)?;
        }
        out.push(found);
    }
    Ok(out)
}
