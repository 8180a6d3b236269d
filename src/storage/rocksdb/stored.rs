//! The database's own OPTIONS file: which RocksDB version wrote it, and the options its
//! service runs with (merge operators, comparators, table format), so the inspector opens
//! a database the way its service does and never writes what that version cannot read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rocksdb::{ColumnFamilyDescriptor, Options};

/// The RocksDB version this build links, as `build.rs` read it.
pub const LINKED_VERSION: &str = env!("SPEAR_ROCKSDB_VERSION");

/// Merge operators RocksDB can create by the name an OPTIONS file records (its built-in
/// operators, under their registry names and their class names).
const BUILT_IN_MERGE_OPERATORS: &[&str] = &[
    "put",
    "PutOperator",
    "put_v1",
    "uint64add",
    "UInt64AddOperator",
    "max",
    "MaxOperator",
    "stringappend",
    "StringAppendOperator",
    "stringappendtest",
    "StringAppendTESTOperator",
    "sortlist",
    "MergeSortOperator",
    "bytesxor",
    "BytesXOROperator",
];

/// Comparators RocksDB knows by name; a database ordered by any other cannot be read
/// without its service's code.
const BUILT_IN_COMPARATORS: &[&str] = &[
    "leveldb.BytewiseComparator",
    "rocksdb.ReverseBytewiseComparator",
];

/// What one column family's section of the OPTIONS file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CfSettings {
    /// The merge operator's name (`id` for configurable ones), if any.
    pub merge_operator: Option<String>,
    /// The comparator's name.
    pub comparator: Option<String>,
    /// The block-based table `format_version`.
    pub format_version: Option<u32>,
}

impl CfSettings {
    /// Whether the merge operator is one RocksDB can create by name.
    pub fn merge_operator_is_built_in(&self) -> bool {
        self.merge_operator
            .as_deref()
            .is_none_or(|name| BUILT_IN_MERGE_OPERATORS.contains(&name))
    }

    /// A comparator this build cannot order keys by, if the column family has one.
    pub fn foreign_comparator(&self) -> Option<&str> {
        self.comparator
            .as_deref()
            .filter(|name| !BUILT_IN_COMPARATORS.contains(name))
    }
}

/// The latest OPTIONS file of a database, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredOptions {
    /// The file read.
    pub file: PathBuf,
    /// `rocksdb_version` from its `[Version]` section.
    pub rocksdb_version: Option<String>,
    /// Per column family, by name.
    pub column_families: BTreeMap<String, CfSettings>,
    /// The file's text.
    pub text: String,
}

/// The newest `OPTIONS-NNNNNN` file in `db`, if any.
pub fn latest_options_file(db: &Path) -> Option<PathBuf> {
    std::fs::read_dir(db)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number: u64 = name.strip_prefix("OPTIONS-")?.parse().ok()?;
            Some((number, entry.path()))
        })
        .max_by_key(|(number, _)| *number)
        .map(|(_, path)| path)
}

/// Reads the newest OPTIONS file of `db`; `None` when it has none or it cannot be read.
pub fn read_stored_options(db: &Path) -> Option<StoredOptions> {
    let file = latest_options_file(db)?;
    let text = std::fs::read_to_string(&file).ok()?;
    Some(parse_options(file, &text))
}

/// The value of `merge_operator=...`: a plain name, or `{id=Name;...}`.
fn operator_name(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || value == "nullptr" {
        return None;
    }
    let name = match value.strip_prefix('{') {
        Some(inner) => inner
            .split(';')
            .find_map(|part| part.trim().strip_prefix("id="))
            .unwrap_or(inner),
        None => value,
    };
    Some(name.trim_end_matches('}').to_string())
}

/// Parses the INI-like OPTIONS format: `[Section "name"]` headers and `key=value` lines.
pub fn parse_options(file: PathBuf, text: &str) -> StoredOptions {
    let mut stored = StoredOptions {
        file,
        text: text.to_string(),
        ..StoredOptions::default()
    };
    let mut section = String::new();
    let mut cf = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (kind, name) = header.split_once(' ').unwrap_or((header, ""));
            section = kind.to_string();
            cf = name.trim_matches('"').to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match (section.as_str(), key) {
            ("Version", "rocksdb_version") => stored.rocksdb_version = Some(value.to_string()),
            ("CFOptions", "merge_operator") => {
                stored
                    .column_families
                    .entry(cf.clone())
                    .or_default()
                    .merge_operator = operator_name(value)
            }
            ("CFOptions", "comparator") => {
                stored
                    .column_families
                    .entry(cf.clone())
                    .or_default()
                    .comparator = Some(value.to_string())
            }
            ("TableOptions/BlockBasedTable", "format_version") => {
                stored
                    .column_families
                    .entry(cf.clone())
                    .or_default()
                    .format_version = value.parse().ok()
            }
            _ => {}
        }
    }
    stored
}

/// The oldest RocksDB whose databases this build writes in place: it keeps their table
/// `format_version` (from their OPTIONS file); MANIFEST and WAL records of this build
/// are readable from 7.0 on (verified with 7.8's `ldb` in the tests).
pub const OLDEST_WRITABLE: (u32, u32, u32) = (7, 0, 0);

/// Whether this build may write to a database whose OPTIONS file is `stored`, keeping it
/// readable by the RocksDB that wrote it; `Err` says why not.
pub fn write_verdict(stored: Option<&StoredOptions>) -> Result<(), String> {
    let Some(stored) = stored else {
        return Err(
            "it has no OPTIONS file, so the RocksDB version that writes it is unknown".into(),
        );
    };
    let Some(version) = stored.rocksdb_version.as_deref() else {
        return Err("its OPTIONS file names no RocksDB version".into());
    };
    let (Some(theirs), Some(ours)) = (version_triple(version), version_triple(LINKED_VERSION))
    else {
        return Err(format!(
            "its RocksDB version {version:?} cannot be compared"
        ));
    };
    if theirs > ours {
        return Err(format!(
            "it was written by RocksDB {version}, newer than this build's {LINKED_VERSION}"
        ));
    }
    if theirs < OLDEST_WRITABLE {
        let (a, b, c) = OLDEST_WRITABLE;
        return Err(format!(
            "it was written by RocksDB {version}; writes by this build are known to stay readable from {a}.{b}.{c} on"
        ));
    }
    Ok(())
}

/// Opening a database read-write makes RocksDB write a new OPTIONS file in this build's
/// own dialect, which older versions refuse to load ("Could not find option"). When the
/// column families are the same as in `original` (the file read before the open), its
/// text replaces the new file's, atomically, so the service's own RocksDB and tools load
/// the options exactly as before. Returns whether it did.
pub fn restore_options_text(db: &Path, original: &StoredOptions) -> std::io::Result<bool> {
    let Some(newest) = latest_options_file(db) else {
        return Ok(false);
    };
    if newest == original.file {
        return Ok(false);
    }
    let current = parse_options(newest.clone(), &std::fs::read_to_string(&newest)?);
    let same_families = current
        .column_families
        .keys()
        .eq(original.column_families.keys());
    if current.rocksdb_version == original.rocksdb_version || !same_families {
        return Ok(false);
    }
    let name = newest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = db.join(format!(".{name}.spear-inspect"));
    std::fs::write(&staged, &original.text)?;
    if let Ok(meta) = std::fs::metadata(&newest) {
        std::fs::set_permissions(&staged, meta.permissions())?;
    }
    std::fs::rename(&staged, &newest)?;
    Ok(true)
}

/// `major.minor.patch` as numbers, for comparing versions.
pub fn version_triple(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()?.unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Block cache shared by a reading open's column families: data blocks a read brings in
/// and, with [`for_bounded_reading`], every table's index and filter blocks.
pub const READING_CACHE_BYTES: usize = 32 << 20;

/// An OPTIONS text changed so a reading open's memory does not grow with the database:
/// each block-based table section keeps its index and filter blocks in the (bounded)
/// block cache instead of in every open table reader, where they stay for as long as the
/// table is open (60 MiB for 100M keys in 111 files, and ten times that at a billion).
/// A bloom filter named without its bits (as services built on rust-rocksdb write it)
/// gets bits, so the filters are read. The rest of the text, which decides how keys
/// compare, merge and decode, is untouched; nothing of this is ever written back to the
/// database.
pub fn for_bounded_reading(text: &str) -> String {
    const SET: [(&str, &str); 2] = [
        ("cache_index_and_filter_blocks", "true"),
        ("pin_l0_filter_and_index_blocks_in_cache", "false"),
    ];
    let mut out = String::with_capacity(text.len() + 128);
    let mut in_table = false;
    let mut missing: Vec<&str> = Vec::new();
    let close = |out: &mut String, missing: &mut Vec<&str>| {
        for name in missing.drain(..) {
            let value = SET.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v);
            out.push_str(&format!("  {name}={value}\n"));
        }
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            close(&mut out, &mut missing);
            in_table = trimmed.starts_with("[TableOptions/BlockBasedTable");
            if in_table {
                missing = SET.iter().map(|(name, _)| *name).collect();
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let set = in_table
            .then(|| trimmed.split_once('='))
            .flatten()
            .and_then(|(name, _)| SET.iter().find(|(n, _)| *n == name.trim()));
        match set {
            Some((name, value)) => {
                missing.retain(|m| m != name);
                out.push_str(&format!("  {name}={value}\n"));
            }
            // rust-rocksdb's bloom filter reaches RocksDB through the C API's wrapper,
            // whose OPTIONS line carries no bits, and loading that line builds no filter
            // reader: every read would search each file's index. The bits only matter
            // when building filters; a reader takes the format from each filter block.
            None if in_table && trimmed == "filter_policy=bloomfilter" => {
                out.push_str("  filter_policy=bloomfilter:10:false\n");
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    close(&mut out, &mut missing);
    out
}

/// [`load_stored_options`] for an open that only reads, with its table memory bounded
/// ([`for_bounded_reading`]): the changed text is loaded from a copy in `scratch`, a
/// private directory of this run, never from the database's own directory.
pub fn load_stored_options_for_reading(
    db: &Path,
    scratch: &Path,
) -> Result<Option<(Options, Vec<ColumnFamilyDescriptor>)>, String> {
    let Some(file) = latest_options_file(db) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let dir = scratch.join("options");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let name = file.file_name().unwrap_or_default();
    std::fs::write(dir.join(name), for_bounded_reading(&text)).map_err(|e| e.to_string())?;
    let env = rocksdb::Env::new().map_err(|e| e.to_string())?;
    let cache = rocksdb::Cache::new_lru_cache(READING_CACHE_BYTES);
    Options::load_latest(&dir, env, true, cache)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The database's own options, loaded by RocksDB from its OPTIONS file (unknown options
/// of other versions ignored): the DB-wide options and one descriptor per column family,
/// with its merge operator, comparator and table options. `Ok(None)` when there is no
/// OPTIONS file; `Err` with RocksDB's reason when there is one it cannot load.
pub fn load_stored_options(
    db: &Path,
) -> Result<Option<(Options, Vec<ColumnFamilyDescriptor>)>, String> {
    if latest_options_file(db).is_none() {
        return Ok(None);
    }
    let env = rocksdb::Env::new().map_err(|e| e.to_string())?;
    let cache = rocksdb::Cache::new_lru_cache(32 * 1024 * 1024);
    Options::load_latest(db, env, true, cache)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {

    #[test]
    fn reading_options_move_index_and_filters_into_the_cache_and_change_nothing_else() {
        let text = "[Version]\n  rocksdb_version=7.8.3\n\n[CFOptions \"default\"]\n  comparator=leveldb.BytewiseComparator\n  merge_operator=nullptr\n\n[TableOptions/BlockBasedTable \"default\"]\n  cache_index_and_filter_blocks=false\n  filter_policy=bloomfilter:10:false\n  pin_l0_filter_and_index_blocks_in_cache=true\n\n[CFOptions \"events\"]\n  merge_operator=uint64add\n\n[TableOptions/BlockBasedTable \"events\"]\n  block_size=4096\n";
        let changed = for_bounded_reading(text);
        let sections: Vec<&str> = changed.split("\n[").collect();
        assert_eq!(sections.len(), 5, "{changed}");
        for table in sections.iter().filter(|s| s.starts_with("TableOptions")) {
            assert_eq!(
                table.matches("cache_index_and_filter_blocks=true").count(),
                1,
                "{table}"
            );
            assert_eq!(
                table
                    .matches("pin_l0_filter_and_index_blocks_in_cache=false")
                    .count(),
                1,
                "{table}"
            );
        }
        // Everything else is kept, line for line.
        for line in text.lines().filter(|l| {
            !l.contains("cache_index_and_filter_blocks") && !l.contains("pin_l0_filter")
        }) {
            assert!(
                changed.lines().any(|c| c == line),
                "{line:?} lost:\n{changed}"
            );
        }
    }
    use super::*;

    #[test]
    fn a_bloom_filter_named_without_bits_gets_bits_for_reading() {
        let text = "[TableOptions/BlockBasedTable \"default\"]\n  filter_policy=bloomfilter\n  whole_key_filtering=true\n[CFOptions \"x\"]\n  filter_policy=bloomfilter\n";
        let changed = for_bounded_reading(text);
        assert!(
            changed.contains("  filter_policy=bloomfilter:10:false\n  whole_key_filtering=true"),
            "{changed}"
        );
        // Only table sections are touched.
        assert!(
            changed.ends_with("[CFOptions \"x\"]\n  filter_policy=bloomfilter\n"),
            "{changed}"
        );
    }

    #[test]
    fn parses_versions_operators_comparators_and_formats() {
        let text = "[Version]\n  rocksdb_version=7.8.3\n[DBOptions]\n  max_open_files=-1\n\
            [CFOptions \"default\"]\n  merge_operator={id=StringAppendOperator;delimiter=\\:;}\n  \
            comparator=leveldb.BytewiseComparator\n[TableOptions/BlockBasedTable \"default\"]\n  \
            format_version=5\n[CFOptions \"events\"]\n  merge_operator=MyCounter\n  \
            comparator=my.Comparator\n[CFOptions \"plain\"]\n  merge_operator=nullptr\n";
        let stored = parse_options(PathBuf::from("OPTIONS-000001"), text);
        assert_eq!(stored.rocksdb_version.as_deref(), Some("7.8.3"));
        let default = &stored.column_families["default"];
        assert_eq!(
            default.merge_operator.as_deref(),
            Some("StringAppendOperator")
        );
        assert_eq!(default.format_version, Some(5));
        assert!(default.merge_operator_is_built_in());
        assert_eq!(default.foreign_comparator(), None);
        let events = &stored.column_families["events"];
        assert!(!events.merge_operator_is_built_in());
        assert_eq!(events.foreign_comparator(), Some("my.Comparator"));
        assert_eq!(stored.column_families["plain"].merge_operator, None);
        assert_eq!(version_triple("7.8.3"), Some((7, 8, 3)));
        assert_eq!(version_triple("10.4"), Some((10, 4, 0)));
        assert!(version_triple("x").is_none());
    }
}
