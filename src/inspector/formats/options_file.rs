//! The options in effect, as the database's OPTIONS files record them: every setting per
//! section (`DBOptions`, each column family's `CFOptions` and table options), the ones
//! that differ from RocksDB's defaults, and what changed between two OPTIONS files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::inspector::error::InspectError;

/// An OPTIONS file: `(section, key) → value`, sections like `CFOptions "default"`.
pub type Settings = BTreeMap<(String, String), String>;

/// Why an OPTIONS file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OptionsFileError {
    /// Reading it failed, or its bytes are not UTF-8 text (`InvalidData`).
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The OPTIONS file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Reads every setting of an OPTIONS file.
pub fn read_settings(file: &Path) -> Result<Settings, OptionsFileError> {
    let text = std::fs::read_to_string(file).map_err(|source| OptionsFileError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    Ok(crate::inspector::formats::options_defaults::parse_settings(
        &text,
    ))
}

/// The OPTIONS files of `db`, oldest first (RocksDB keeps the last two).
pub fn options_files(db: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(db)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let n = name.strip_prefix("OPTIONS-")?.parse().ok()?;
                    Some((n, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

/// The settings RocksDB writes for a database opened with its defaults (this build's
/// version), per section kind, for telling which settings a service changed.
pub fn default_settings() -> Result<Settings, InspectError> {
    let dir = tempfile::tempdir()
        .map_err(|e| InspectError::io("creating a scratch database for RocksDB's defaults", e))?;
    let path = dir.path().join("defaults");
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    drop(rocksdb::DB::open(&opts, &path).map_err(crate::storage::rocksdb::backend_error)?);
    let file = options_files(&path)
        .pop()
        .ok_or_else(|| InspectError::Missing("RocksDB wrote no OPTIONS file".into()))?;
    Ok(read_settings(&file)?)
}

/// The kind of a section, without its column family: `CFOptions "events"` → `CFOptions`.
pub(crate) fn section_kind(section: &str) -> &str {
    section.split(' ').next().unwrap_or(section)
}

/// The RocksDB release that wrote an OPTIONS file (its `[Version] rocksdb_version`).
pub fn written_by(settings: &Settings) -> Option<&str> {
    settings
        .get(&("Version".to_string(), "rocksdb_version".to_string()))
        .map(|v| v.trim())
}

/// One setting and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The section, e.g. `CFOptions "default"`.
    pub section: String,
    /// The option's name.
    pub key: String,
    /// Its value here (A, for a comparison).
    pub value: Option<String>,
    /// RocksDB's default (for `differs_from_default`), or B's value (for a comparison).
    pub other: Option<String>,
}

/// The settings of `settings` whose value is not the default (`defaults`, by section
/// kind, see [`crate::inspector::formats::options_defaults::defaults_for`]); settings the defaults do not know
/// are kept too (`other` empty). Those that bear on write stalls and space come first.
pub fn changed_from_defaults(
    settings: &Settings,
    defaults: &crate::inspector::formats::options_defaults::KindDefaults,
) -> Vec<Setting> {
    let mut changed: Vec<Setting> = settings
        .iter()
        .filter(|((section, _), _)| section != "Version")
        .filter_map(|((section, key), value)| {
            let default = defaults.get(&(section_kind(section).to_string(), key.clone()));
            let same = default.is_some_and(|d| same_value(d, value));
            (!same).then(|| Setting {
                section: section.clone(),
                key: key.clone(),
                value: Some(value.clone()),
                other: default.cloned(),
            })
        })
        .collect();
    // Stable: within a rank, the file's (alphabetical) order.
    changed.sort_by_key(|s| crate::inspector::formats::options_defaults::stall_rank(&s.key));
    changed
}

/// Two values of one option are the same setting. A struct value (`{a=1;b=2;}`) is
/// compared on the fields both name: releases add fields to these structs, and a field
/// the writer's release did not have is not something its service set.
fn same_value(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (struct_fields(a), struct_fields(b)) {
        (Some(fa), Some(fb)) => fa.iter().all(|(k, v)| fb.get(k).is_none_or(|w| w == v)),
        _ => false,
    }
}

/// The fields of a struct value `{a=1;b={c=2;};}`, nested braces kept whole; `None` when
/// the value is not a struct.
fn struct_fields(value: &str) -> Option<BTreeMap<&str, &str>> {
    let inner = value.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut fields = BTreeMap::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => {
                let field = &inner[start..i];
                if let Some((k, v)) = field.split_once('=') {
                    fields.insert(k.trim(), v.trim());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some((k, v)) = inner[start..].split_once('=') {
        fields.insert(k.trim(), v.trim());
    }
    Some(fields)
}

/// `enable_blob_garbage_collection` of every column family that writes blob files
/// without collecting their garbage. Off is RocksDB's default, so a list of changed
/// settings hides it; it is shown because garbage in blob files then stays for good.
pub fn blob_gc_off(settings: &Settings) -> Vec<Setting> {
    let value = |section: &str, key: &str| {
        settings
            .get(&(section.to_string(), key.to_string()))
            .map(String::as_str)
    };
    settings
        .keys()
        .filter(|(section, key)| {
            key == "enable_blob_files"
                && value(section, key) == Some("true")
                && value(section, "enable_blob_garbage_collection") != Some("true")
        })
        .map(|(section, _)| Setting {
            section: section.clone(),
            key: "enable_blob_garbage_collection".into(),
            value: Some(
                value(section, "enable_blob_garbage_collection")
                    .unwrap_or("false")
                    .to_string(),
            ),
            other: Some("false".into()),
        })
        .collect()
}

/// What differs between two OPTIONS files: each setting present in only one or with two
/// values.
pub fn compare(a: &Settings, b: &Settings) -> Vec<Setting> {
    let keys: std::collections::BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|(section, key)| Setting {
            section: section.clone(),
            key: key.clone(),
            value: a.get(&(section.clone(), key.clone())).cloned(),
            other: b.get(&(section.clone(), key.clone())).cloned(),
        })
        .collect()
}

/// The options screen's content: the newest OPTIONS file, its settings that differ from
/// RocksDB's defaults, and what changed since the previous file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionsReport {
    /// The newest OPTIONS file's name.
    pub file: String,
    /// The previous one's, if RocksDB kept it.
    pub previous: Option<String>,
    /// Whose defaults `changed` is against: "RocksDB 7.8" (the writer's release, or the
    /// nearest recorded).
    pub defaults: String,
    /// Settings that differ from those defaults (`other` is the default), those bearing on
    /// stalls and space first.
    pub changed: Vec<Setting>,
    /// Settings that differ from the previous file (`value` before, `other` now).
    pub since_previous: Vec<Setting>,
}

/// Reads the report for the database at `db` (plain file reads, and one scratch database
/// for RocksDB's defaults).
pub fn report(db: &Path) -> Result<OptionsReport, InspectError> {
    let files = options_files(db);
    let Some(newest) = files.last() else {
        return Err(InspectError::Missing(format!(
            "{} has no OPTIONS file (RocksDB before 4.x, or it was removed)",
            db.display()
        )));
    };
    let settings = read_settings(newest)?;
    let previous = files.iter().rev().nth(1);
    let since_previous = match previous {
        Some(p) => compare(&read_settings(p)?, &settings),
        None => Vec::new(),
    };
    let defaults =
        crate::inspector::formats::options_defaults::defaults_for(written_by(&settings))?;
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(OptionsReport {
        file: name(newest).unwrap_or_default(),
        previous: previous.and_then(|p| name(p)),
        defaults: defaults.label,
        changed: changed_from_defaults(&settings, &defaults.settings),
        since_previous,
    })
}
