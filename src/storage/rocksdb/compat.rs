//! What a database this build creates is written in: formats RocksDB 7.x reads, unless
//! asked for this build's newest (`newest_format`).
//!
//! RocksDB writes its OPTIONS file itself, naming every option it knows. RocksDB 7.8's
//! parser (`options_parser.cc`) skips an option it does not know only when the loader asks
//! it to (`ignore_unknown_options`) *and* the file comes from a newer version; 7.8's `ldb`
//! does not ask, so it stops at the first option of 10.4 ("Could not find option: :
//! metadata_write_temperature"), whatever version the file names. Independently, tables
//! written with `format_version=6` (10.4's default) are refused by every 7.x
//! ("Corrupt or unsupported format_version: 6"). A new database therefore gets table
//! `format_version` 5 and, in place of RocksDB's file, an OPTIONS file that names only
//! what differs from the defaults with options every 7.x knows. That file is honest about
//! its writer (`rocksdb_version` is this build's) and is marked, so that later read-write
//! opens (which make RocksDB write its own file again) put it back; a service's own
//! OPTIONS file is never rewritten this way.

use std::fmt::Write as _;
use std::path::Path;

use rocksdb::DBCompressionType;

use super::RocksDbParams;
use super::stored::{LINKED_VERSION, StoredOptions, latest_options_file, parse_options};

/// The newest block-based table format RocksDB 7.x reads (7.x refuses 6).
pub const READABLE_FORMAT_VERSION: i32 = 5;

/// The first line of an OPTIONS file written here: only a file with it is ever rewritten.
pub const MARK: &str = "# spear-next: a new database's options, loadable by RocksDB 7.x";

/// Whether an OPTIONS file's text is one written here.
pub fn is_ours(text: &str) -> bool {
    text.starts_with(MARK)
}

/// RocksDB's name for a codec in an OPTIONS file (the same in 7.x and 10.x).
fn codec_name(codec: DBCompressionType) -> &'static str {
    match codec {
        DBCompressionType::None => "kNoCompression",
        DBCompressionType::Snappy => "kSnappyCompression",
        DBCompressionType::Zlib => "kZlibCompression",
        DBCompressionType::Bz2 => "kBZip2Compression",
        DBCompressionType::Lz4 => "kLZ4Compression",
        DBCompressionType::Lz4hc => "kLZ4HCCompression",
        DBCompressionType::Zstd => "kZSTD",
    }
}

/// The sections of one column family: its options set by `params`, and the table format.
fn family_sections(out: &mut String, name: &str, params: &RocksDbParams) {
    let _ = writeln!(out, "[CFOptions \"{name}\"]");
    if let Some(codec) = params.compression {
        let _ = writeln!(out, "  compression={}", codec_name(codec));
    }
    if let Some(size) = params.write_buffer_size {
        let _ = writeln!(out, "  write_buffer_size={size}");
    }
    if let Some(n) = params.max_write_buffer_number {
        let _ = writeln!(out, "  max_write_buffer_number={n}");
    }
    let _ = writeln!(out, "\n[TableOptions/BlockBasedTable \"{name}\"]");
    if let Some(bits) = params.bloom_bits.filter(|b| *b > 0.0) {
        let _ = writeln!(out, "  filter_policy=bloomfilter:{bits}:false");
    }
    let _ = writeln!(out, "  format_version={READABLE_FORMAT_VERSION}\n");
}

/// The OPTIONS text of a new database with `families` (`default` is put first, as
/// RocksDB requires) opened with `params`: what `params` set, and the table format;
/// everything else is the reader's default, as it is this build's.
pub fn options_text(families: &[String], params: &RocksDbParams) -> String {
    let mut out = format!(
        "{MARK}\n# (RocksDB {LINKED_VERSION} wrote this database; options not named here are defaults)\n\n\
         [Version]\n  rocksdb_version={LINKED_VERSION}\n  options_file_version=1.1\n\n[DBOptions]\n"
    );
    if let Some(n) = params.max_open_files {
        let _ = writeln!(out, "  max_open_files={n}");
    }
    out.push('\n');
    let default = rocksdb::DEFAULT_COLUMN_FAMILY_NAME;
    family_sections(&mut out, default, params);
    for name in families.iter().filter(|f| *f != default) {
        family_sections(&mut out, name, params);
    }
    out
}

/// Replaces the newest OPTIONS file of `db` (written by RocksDB at an open or a new
/// column family) with readable text: `previous` (the file written here before) with
/// sections added for column families created since, or, with no `previous`, the text
/// for `params`. Atomic (a sibling file renamed over it). Returns whether it wrote.
pub fn write_readable_options(
    db: &Path,
    previous: Option<&StoredOptions>,
    params: &RocksDbParams,
) -> std::io::Result<bool> {
    let Some(newest) = latest_options_file(db) else {
        return Ok(false);
    };
    let current_text = std::fs::read_to_string(&newest)?;
    if is_ours(&current_text) {
        return Ok(false);
    }
    let current = parse_options(newest.clone(), &current_text);
    let families: Vec<String> = current.column_families.keys().cloned().collect();
    let text = match previous.filter(|p| is_ours(&p.text)) {
        // Families only ever get added here; a dropped one makes a fresh file (a family
        // the file names but the database lacks would stop 7.8's `ldb`).
        Some(previous)
            if previous
                .column_families
                .keys()
                .all(|f| families.contains(f)) =>
        {
            let mut text = previous.text.clone();
            for name in families
                .iter()
                .filter(|f| !previous.column_families.contains_key(*f))
            {
                family_sections(&mut text, name, &RocksDbParams::default());
            }
            text
        }
        _ => options_text(&families, params),
    };
    let name = newest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = db.join(format!(".{name}.spear-next"));
    std::fs::write(&staged, text)?;
    if let Ok(meta) = std::fs::metadata(&newest) {
        std::fs::set_permissions(&staged, meta.permissions())?;
    }
    std::fs::rename(&staged, &newest)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_the_format_and_what_params_set_default_first() {
        let params = RocksDbParams {
            compression: Some(DBCompressionType::Lz4),
            ..RocksDbParams::default()
        };
        let text = options_text(&["b".into(), "default".into()], &params);
        assert!(is_ours(&text));
        let parsed = parse_options("OPTIONS-1".into(), &text);
        assert_eq!(parsed.rocksdb_version.as_deref(), Some(LINKED_VERSION));
        assert_eq!(parsed.column_families["b"].format_version, Some(5));
        assert!(text.find("\"default\"") < text.find("\"b\""));
        assert!(text.contains("compression=kLZ4Compression"));
    }
}
