//! The options in effect, as the database's OPTIONS files record them: every setting per
//! section (`DBOptions`, each column family's `CFOptions` and table options), the ones
//! that differ from RocksDB's defaults, and what changed between two OPTIONS files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::inspector::error::InspectError;

/// An OPTIONS file: `(section, key) → value`, sections like `CFOptions "default"`.
pub type Settings = BTreeMap<(String, String), String>;

/// Reads every setting of an OPTIONS file.
pub fn read_settings(file: &Path) -> Result<Settings, InspectError> {
    let text = std::fs::read_to_string(file).map_err(|e| InspectError::Io {
        what: format!("reading {}", file.display()),
        detail: e.to_string(),
    })?;
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
    Ok(settings)
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
    let dir = tempfile::tempdir().map_err(|e| InspectError::Io {
        what: "creating a scratch database for RocksDB's defaults".into(),
        detail: e.to_string(),
    })?;
    let path = dir.path().join("defaults");
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    drop(rocksdb::DB::open(&opts, &path).map_err(crate::storage::rocksdb::backend_error)?);
    let file = options_files(&path)
        .pop()
        .ok_or_else(|| InspectError::Missing("RocksDB wrote no OPTIONS file".into()))?;
    read_settings(&file)
}

/// The kind of a section, without its column family: `CFOptions "events"` → `CFOptions`.
fn section_kind(section: &str) -> &str {
    section.split(' ').next().unwrap_or(section)
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

/// The settings of `settings` whose value is not RocksDB's default (`defaults`); settings
/// this build's RocksDB does not know are kept too (`other` empty).
pub fn changed_from_defaults(settings: &Settings, defaults: &Settings) -> Vec<Setting> {
    let by_kind: BTreeMap<(&str, &str), &String> = defaults
        .iter()
        .map(|((section, key), value)| ((section_kind(section), key.as_str()), value))
        .collect();
    settings
        .iter()
        .filter(|((section, _), _)| section != "Version")
        .filter_map(|((section, key), value)| {
            let default = by_kind.get(&(section_kind(section), key.as_str()));
            (default != Some(&value)).then(|| Setting {
                section: section.clone(),
                key: key.clone(),
                value: Some(value.clone()),
                other: default.map(|d| (*d).clone()),
            })
        })
        .collect()
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
    /// Settings that differ from RocksDB's defaults (`other` is the default).
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
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(OptionsReport {
        file: name(newest).unwrap_or_default(),
        previous: previous.and_then(|p| name(p)),
        changed: changed_from_defaults(&settings, &default_settings()?),
        since_previous,
    })
}
