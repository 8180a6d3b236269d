//! The argument groups several subcommands share, each declared once and flattened into
//! the subcommands that take it, with what turns it into values: the database and its
//! column family, the key range (`--prefix`, `--from`, `--to`, hex with the global
//! `--key-hex`), the grouping of keys by prefix, and `--write`.

use std::path::PathBuf;

use clap::Args;

use super::error::CliError;
use super::ranges;
use crate::inspector::analysis::keyspace::Grouping;
use crate::inspector::decode;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, OpenRequest};

/// The database a subcommand reads or changes, and the column family it works in.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// The database directory.
    pub db: PathBuf,
    /// Column family.
    #[arg(long, default_value = "default")]
    pub cf: String,
}

/// `--prefix`: only keys starting with it.
#[derive(Debug, Args, Clone, Default)]
pub struct PrefixArgs {
    /// Only keys starting with P.
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,
}

/// `--from` and `--to`: a half-open key range.
#[derive(Debug, Args, Clone, Default)]
pub struct SpanArgs {
    /// First key (inclusive).
    #[arg(long, value_name = "K")]
    pub from: Option<String>,
    /// Last key (exclusive).
    #[arg(long, value_name = "K")]
    pub to: Option<String>,
}

/// The keys a subcommand covers: `--prefix`, `--from` (inclusive) and `--to`
/// (exclusive), each optional, intersected. Subcommands that take only a prefix or only
/// the ends flatten that part and turn it into a range (`From`), so every range is built
/// by [`RangeArgs::bounds`].
#[derive(Debug, Args, Clone, Default)]
pub struct RangeArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub prefix: PrefixArgs,
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub span: SpanArgs,
}

impl RangeArgs {
    /// The bounds, with the keys read as hex under `--key-hex`.
    pub fn bounds(&self, key_hex: bool) -> Result<Bounds, CliError> {
        let mut bounds = match &self.prefix.prefix {
            Some(p) => Bounds::prefix(&key_arg(p, key_hex, "--prefix")?),
            None => Bounds::default(),
        };
        if let Some(from) = &self.span.from {
            let from = key_arg(from, key_hex, "--from")?;
            bounds.lower = Some(bounds.lower.map_or(from.clone(), |l| l.max(from)));
        }
        if let Some(to) = &self.span.to {
            let to = key_arg(to, key_hex, "--to")?;
            bounds.upper = Some(bounds.upper.map_or(to.clone(), |u| u.min(to)));
        }
        Ok(bounds)
    }
}

impl From<PrefixArgs> for RangeArgs {
    fn from(prefix: PrefixArgs) -> Self {
        RangeArgs {
            prefix,
            span: SpanArgs::default(),
        }
    }
}

impl From<SpanArgs> for RangeArgs {
    fn from(span: SpanArgs) -> Self {
        RangeArgs {
            prefix: PrefixArgs::default(),
            span,
        }
    }
}

/// A range that must be given whole: a prefix, or both ends, never both kinds, so a
/// mistyped command cannot widen it (what `delete-range` deletes).
#[derive(Debug, Args, Clone)]
// `mut_arg` moves the argument it changes to the end: changing all three in their order
// keeps that order (the completion scripts list them so).
#[command(
    mut_arg("prefix", |a| a
        .help("Keys starting with P")
        .conflicts_with_all(["from", "to"])
        .required_unless_present_all(["from", "to"])),
    mut_arg("from", |a| a.requires("to")),
    mut_arg("to", |a| a.requires("from")),
)]
pub struct StrictRangeArgs {
    #[command(flatten)]
    #[allow(missing_docs)] // documented by its own arguments
    pub range: RangeArgs,
}

/// How keys are grouped into prefixes.
#[derive(Debug, Args, Clone)]
pub struct GroupingArgs {
    /// Only keys below this prefix, grouped one level further.
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,
    /// What ends a prefix. Without it or --prefix-len, each level groups by ':' when
    /// most keys have it, else by the shortest leading byte length that splits them.
    #[arg(long, value_name = "D", value_parser = ranges::delimiter)]
    pub delimiter: Option<String>,
    /// Group by the next N bytes instead (binary keys), 1 to 1024.
    #[arg(long, value_name = "N", conflicts_with = "delimiter", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub prefix_len: Option<u64>,
}

impl GroupingArgs {
    /// The grouping, with `--prefix` read as hex under `--key-hex`.
    pub fn grouping(&self, key_hex: bool) -> Result<Grouping, CliError> {
        Ok(Grouping {
            within: match &self.prefix {
                Some(p) => key_arg(p, key_hex, "--prefix")?,
                None => Vec::new(),
            },
            delimiter: self.delimiter.as_deref().unwrap_or(":").as_bytes().to_vec(),
            prefix_len: self.prefix_len.map(|n| n as usize),
            auto: self.delimiter.is_none() && self.prefix_len.is_none(),
            chosen: false,
        })
    }
}

/// `--write`: a subcommand that changes the database runs only with it.
#[derive(Debug, Args, Clone, Copy)]
pub struct WriteArgs {
    /// Allow changing the database.
    #[arg(long)]
    pub write: bool,
}

impl WriteArgs {
    /// How to open the database for `action`: read-write, or refused (nothing changed)
    /// without `--write`. `allow_format_upgrade` is the global `--allow-format-upgrade`.
    pub fn open_request(
        self,
        action: &'static str,
        allow_format_upgrade: bool,
    ) -> Result<OpenRequest, CliError> {
        if !self.write {
            return Err(InspectError::NeedsWrite { action }.into());
        }
        Ok(OpenRequest {
            write: true,
            allow_format_upgrade,
        })
    }
}

/// A key argument as bytes: hex with `--key-hex`, else the text's bytes.
pub fn key_arg(text: &str, key_hex: bool, what: &'static str) -> Result<Vec<u8>, CliError> {
    if key_hex {
        decode::parse_hex(text).ok_or_else(|| CliError::KeyNotHex {
            what,
            text: text.to_string(),
        })
    } else {
        // A key copied from `scan`'s output (`\x00\x00…`) names other bytes than the
        // text typed, and a database may hold both (a trial found `get` answering with
        // the other key's value): refuse, and give the --key-hex of each.
        if (text.contains("\\x") || text.contains("\\\\"))
            && let Ok(bytes) = decode::parse_key(text)
            && bytes != text.as_bytes()
        {
            return Err(CliError::AmbiguousKey {
                what,
                text: text.to_string(),
                typed: decode::hex(text.as_bytes()).replace(' ', ""),
                escaped: decode::hex(&bytes).replace(' ', ""),
            });
        }
        Ok(text.as_bytes().to_vec())
    }
}
