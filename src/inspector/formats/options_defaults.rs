//! RocksDB's default options per release, as data: what an OPTIONS file is compared with
//! to tell which settings a service chose, whichever RocksDB wrote it.
//!
//! The base is RocksDB 7.8.3's defaults exactly as it writes them (the OPTIONS file that
//! Debian's 7.8.3 `ldb --create_if_missing put a b` writes, kept beside this module); later
//! releases are that base with the default changes each release made ([`CHANGES`]), and
//! this build's own RocksDB answers for itself (a scratch database).

use std::collections::BTreeMap;

use crate::inspector::error::InspectError;
use crate::inspector::formats::options_file::{Settings, default_settings, section_kind};
use crate::storage::rocksdb::stored::{LINKED_VERSION, version_triple};

/// RocksDB 7.8.3's OPTIONS file for a database opened with its defaults, written by
/// Debian's `ldb` 7.8.3 (two of its lines are `ldb`'s or Debian's: see [`CHANGES`]).
const BASE_78: &str = include_str!("options_defaults/OPTIONS-rocksdb-7.8.3");

/// The base's release.
const BASE_VERSION: (u32, u32) = (7, 8);

/// One default that changed: from release `since` on, `key` of sections of `kind`
/// defaults to `value` (`None`: the option was removed).
#[derive(Debug, Clone, Copy)]
pub struct DefaultChange {
    /// The first release (major, minor) with the new default.
    pub since: (u32, u32),
    /// The section kind: `DBOptions`, `CFOptions`, `TableOptions/BlockBasedTable`.
    pub kind: &'static str,
    /// The option.
    pub key: &'static str,
    /// Its new default; `None` when the release removed the option.
    pub value: Option<&'static str>,
}

const fn change(
    since: (u32, u32),
    kind: &'static str,
    key: &'static str,
    value: Option<&'static str>,
) -> DefaultChange {
    DefaultChange {
        since,
        kind,
        key,
        value,
    }
}

/// The default changes after the base, oldest first. Each is from facebook/rocksdb's
/// HISTORY.md under the release named (quoted in the comment), unless said otherwise.
pub const CHANGES: &[DefaultChange] = &[
    // Corrections of the base itself: Debian's `ldb` gives every database a string-append
    // merge operator (ldb_cmd.cc, when none is set), RocksDB's default is none; Debian
    // builds without NDEBUG, where the default log level is DEBUG_LEVEL, while release
    // builds (options.h: `#ifdef NDEBUG INFO_LEVEL`) log at INFO_LEVEL.
    change((7, 8), "CFOptions", "merge_operator", Some("nullptr")),
    change((7, 8), "DBOptions", "info_log_level", Some("INFO_LEVEL")),
    // The base was written by `ldb --create_if_missing`; RocksDB's default (options.h,
    // `bool create_if_missing = false;`) is false. Found by a new user's trial.
    change((7, 8), "DBOptions", "create_if_missing", Some("false")),
    // 8.4.0: "Change the default value for option `level_compaction_dynamic_level_bytes`
    // to true."
    change(
        (8, 4),
        "CFOptions",
        "level_compaction_dynamic_level_bytes",
        Some("true"),
    ),
    // 8.7.0: "`Options::compaction_readahead_size` 's default value is changed from 0 to 2MB."
    change(
        (8, 7),
        "DBOptions",
        "compaction_readahead_size",
        Some("2097152"),
    ),
    // 8.8.0: "The default value of `DBOptions::fail_if_options_file_error` changed from
    // `false` to `true`."
    change(
        (8, 8),
        "DBOptions",
        "fail_if_options_file_error",
        Some("true"),
    ),
    // 9.0.0: "Removed deprecated option `access_hint_on_compaction_start`",
    // "... `check_flush_compaction_key_order`", "... `level_compaction_dynamic_file_size`",
    // "... `ignore_max_compaction_bytes_for_input`".
    change((9, 0), "DBOptions", "access_hint_on_compaction_start", None),
    change(
        (9, 0),
        "CFOptions",
        "check_flush_compaction_key_order",
        None,
    ),
    change(
        (9, 0),
        "CFOptions",
        "level_compaction_dynamic_file_size",
        None,
    ),
    change(
        (9, 0),
        "CFOptions",
        "ignore_max_compaction_bytes_for_input",
        None,
    ),
    // 9.0.0: format_version 6 by default (commit bfd00bba9c, "Use format_version=6 by
    // default (#12352)", first tagged v9.0.0; HISTORY.md does not list it).
    change(
        (9, 0),
        "TableOptions/BlockBasedTable",
        "format_version",
        Some("6"),
    ),
    // 9.2.0: "`BlockBasedTableOptions::optimize_filters_for_memory` is now set to true by
    // default."
    change(
        (9, 2),
        "TableOptions/BlockBasedTable",
        "optimize_filters_for_memory",
        Some("true"),
    ),
    // 9.7.0: "Set `write_dbid_to_manifest=true` by default."
    change((9, 7), "DBOptions", "write_dbid_to_manifest", Some("true")),
    // 9.11.0: "Clean up all the references to `random_access_max_buffer_size`".
    change((9, 11), "DBOptions", "random_access_max_buffer_size", None),
    // 10.2.0: "AdvancedColumnFamilyOptions.max_write_buffer_number_to_maintain is deleted",
    // "The fail_if_options_file_error option in DBOptions has been removed."
    change(
        (10, 2),
        "CFOptions",
        "max_write_buffer_number_to_maintain",
        None,
    ),
    change((10, 2), "DBOptions", "fail_if_options_file_error", None),
    // 10.11.0: "The new default for `BlockBasedTableOptions::format_version` is 7".
    change(
        (10, 11),
        "TableOptions/BlockBasedTable",
        "format_version",
        Some("7"),
    ),
];

/// Defaults by `(section kind, key)`.
pub type KindDefaults = BTreeMap<(String, String), String>;

/// The defaults an OPTIONS file is compared with, and which release's they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDefaults {
    /// `(section kind, key) → default`.
    pub settings: KindDefaults,
    /// Which defaults, for the reader: "RocksDB 7.8".
    pub label: String,
}

fn by_kind(settings: &Settings) -> KindDefaults {
    settings
        .iter()
        .filter(|((section, _), _)| section != "Version")
        .map(|((section, key), value)| {
            (
                (section_kind(section).to_string(), key.clone()),
                value.clone(),
            )
        })
        .collect()
}

/// Parses an OPTIONS file's text (as [`crate::inspector::formats::options_file::read_settings`] does).
pub fn parse_settings(text: &str) -> Settings {
    let mut settings = Settings::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.to_string();
        } else if let Some((key, value)) = line.split_once('=') {
            settings.insert((section.clone(), key.to_string()), value.to_string());
        }
    }
    settings
}

/// The base with every change up to and including `upto` applied.
fn base_with_changes(upto: (u32, u32)) -> KindDefaults {
    let mut defaults = by_kind(&parse_settings(BASE_78));
    for c in CHANGES.iter().filter(|c| c.since <= upto) {
        let key = (c.kind.to_string(), c.key.to_string());
        match c.value {
            Some(v) => {
                defaults.insert(key, v.to_string());
            }
            None => {
                defaults.remove(&key);
            }
        }
    }
    defaults
}

/// The defaults of the RocksDB that wrote a file (`writer`, its `rocksdb_version`), as
/// near as they are known:
/// - this build's release: asked of this build's RocksDB;
/// - 7.8 up to the newest release in [`CHANGES`]: the 7.8 base with the changes up to the
///   writer's release; options the base does not know (added later) take this build's
///   default, since options keep the default they were added with unless [`CHANGES`]
///   says otherwise;
/// - older than 7.8, or unknown: the 7.8 base, said so in the label.
pub fn defaults_for(writer: Option<&str>) -> Result<KnownDefaults, InspectError> {
    let linked = version_triple(LINKED_VERSION).map(|(a, b, _)| (a, b));
    let written = writer.and_then(version_triple).map(|(a, b, _)| (a, b));
    let live = || default_settings().map(|s| by_kind(&s));
    match written {
        Some(v) if Some(v) == linked => Ok(KnownDefaults {
            settings: live()?,
            label: format!("RocksDB {}.{}", v.0, v.1),
        }),
        Some(v) if v >= BASE_VERSION => {
            let mut settings = base_with_changes(v);
            // Options added after the base: this build's default (an option keeps the
            // default it was added with unless CHANGES says otherwise).
            for (key, value) in live()? {
                settings.entry(key).or_insert(value);
            }
            // A writer newer than this build: its changes after this build apply over it.
            if linked.is_some_and(|l| v > l) {
                for c in CHANGES
                    .iter()
                    .filter(|c| linked.is_some_and(|l| c.since > l))
                {
                    if c.since <= v {
                        let key = (c.kind.to_string(), c.key.to_string());
                        match c.value {
                            Some(val) => settings.insert(key, val.to_string()),
                            None => settings.remove(&key),
                        };
                    }
                }
            }
            Ok(KnownDefaults {
                settings,
                label: format!("RocksDB {}.{}", v.0, v.1),
            })
        }
        other => Ok(KnownDefaults {
            settings: base_with_changes(BASE_VERSION),
            label: match (other, writer) {
                (Some(_), Some(w)) => format!(
                    "RocksDB 7.8 (the oldest release recorded; this file was written by {w})"
                ),
                _ => "RocksDB 7.8 (the file names no RocksDB version)".to_string(),
            },
        }),
    }
}

/// Options that bear on write stalls and space, in the order they are shown: what an
/// on-call engineer reads first.
pub const STALL_AND_SPACE: &[&str] = &[
    "write_buffer_size",
    "max_write_buffer_number",
    "min_write_buffer_number_to_merge",
    "db_write_buffer_size",
    "level0_file_num_compaction_trigger",
    "level0_slowdown_writes_trigger",
    "level0_stop_writes_trigger",
    "soft_pending_compaction_bytes_limit",
    "hard_pending_compaction_bytes_limit",
    "delayed_write_rate",
    "max_background_jobs",
    "max_background_compactions",
    "max_background_flushes",
    "max_subcompactions",
    "disable_auto_compactions",
    "compaction_style",
    "target_file_size_base",
    "target_file_size_multiplier",
    "max_bytes_for_level_base",
    "max_bytes_for_level_multiplier",
    "level_compaction_dynamic_level_bytes",
    "num_levels",
    "compression",
    "bottommost_compression",
    "compression_per_level",
    "enable_blob_files",
    "min_blob_size",
    "enable_blob_garbage_collection",
    "blob_garbage_collection_age_cutoff",
    "max_total_wal_size",
    "periodic_compaction_seconds",
    "ttl",
];

/// Where `key` sorts: its place in [`STALL_AND_SPACE`], else after all of them.
pub fn stall_rank(key: &str) -> usize {
    STALL_AND_SPACE
        .iter()
        .position(|k| *k == key)
        .unwrap_or(STALL_AND_SPACE.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_78s_and_changes_apply_by_release() {
        let at = |v, kind: &str, key: &str| {
            base_with_changes(v)
                .get(&(kind.to_string(), key.to_string()))
                .cloned()
        };
        let cf = "CFOptions";
        assert_eq!(
            at((7, 8), cf, "write_buffer_size").as_deref(),
            Some("67108864")
        );
        assert_eq!(
            at((7, 8), cf, "level_compaction_dynamic_level_bytes").as_deref(),
            Some("false")
        );
        assert_eq!(
            at((8, 4), cf, "level_compaction_dynamic_level_bytes").as_deref(),
            Some("true")
        );
        assert_eq!(
            at((8, 11), cf, "check_flush_compaction_key_order").as_deref(),
            Some("true")
        );
        assert_eq!(at((9, 0), cf, "check_flush_compaction_key_order"), None);
        assert_eq!(at((7, 8), cf, "merge_operator").as_deref(), Some("nullptr"));
        assert_eq!(
            at((7, 8), "DBOptions", "create_if_missing").as_deref(),
            Some("false")
        );
    }
}
