//! Opening a database directory in the three modes the library and the inspector share
//! (read-write, read-only, secondary), planned around the open-file limit, and the
//! translation of RocksDB's errors into `KvError`s that say what to do.

use std::path::{Path, PathBuf};

use rocksdb::{ColumnFamilyDescriptor, DBCompressionType, ErrorKind, Options};

use super::{Db, RocksDbParams};
use crate::storage::kv::KvError;
use crate::storage::open_files;

/// How to open a database directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenMode {
    /// Read-write, taking the LOCK; may create the directory.
    ReadWrite,
    /// Read-only: no lock, no file created or changed in the directory.
    ReadOnly,
    /// A secondary instance following a running primary; its info log and other
    /// scratch files live in `scratch`, outside the database directory.
    Secondary {
        /// A directory of this process's own.
        scratch: PathBuf,
    },
}

/// Translates a RocksDB error met while opening `path` into a `KvError` that says what
/// happened and what to do.
pub fn open_error(path: &Path, err: rocksdb::Error) -> KvError {
    let message = err.to_string();
    let lower = message.to_ascii_lowercase();
    if lower.contains("/lock") || lower.contains("lock hold by current process") {
        KvError::Locked {
            path: path.to_path_buf(),
        }
    } else if (lower.contains("does not exist") || lower.contains("no such file"))
        && !path.join("CURRENT").exists()
    {
        // Only a missing CURRENT means "no database"; a missing SST or WAL under an
        // existing CURRENT is damage (or a race with the primary), reported as such below.
        KvError::NotFound {
            path: path.to_path_buf(),
        }
    } else if err.kind() == ErrorKind::Corruption
        || lower.contains("corrupt")
        || lower.contains("does not exist")
        || lower.contains("no such file")
    {
        KvError::Corrupt {
            path: path.to_path_buf(),
            detail: message,
        }
    } else {
        backend_error(err)
    }
}

/// Wraps any other RocksDB error.
pub fn backend_error(err: rocksdb::Error) -> KvError {
    KvError::Backend {
        backend: "rocksdb",
        message: err.to_string(),
    }
}

/// Checks before opening read-only or as a secondary, so a wrong path gets a precise
/// message instead of RocksDB's, and so nothing is ever created by a read.
pub fn check_existing_db(path: &Path) -> Result<(), KvError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(KvError::NotFound {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(KvError::NotADatabase {
            path: path.to_path_buf(),
            detail: format!("it cannot be read ({e})"),
        }),
        Ok(meta) if !meta.is_dir() => Err(KvError::NotADatabase {
            path: path.to_path_buf(),
            detail: "it is a file, not a database directory".into(),
        }),
        Ok(_) if !path.join("CURRENT").is_file() => Err(KvError::NotADatabase {
            path: path.to_path_buf(),
            detail: "the directory has no CURRENT file".into(),
        }),
        Ok(_) => Ok(()),
    }
}

/// Opens the database at `path` in `mode` with every column family it has.
///
/// Blocking: call it from a blocking thread.
pub fn open_db(path: &Path, mode: &OpenMode, params: &RocksDbParams) -> Result<Db, KvError> {
    open_db_listing(path, mode, params).map(|(db, _)| db)
}

/// Like [`open_db`], also returning the column family names (read from the MANIFEST once).
pub fn open_db_listing(
    path: &Path,
    mode: &OpenMode,
    params: &RocksDbParams,
) -> Result<(Db, Vec<String>), KvError> {
    let mut opts = params.options();
    let exists = path.join("CURRENT").is_file();
    if *mode != OpenMode::ReadWrite || !params.create_if_missing {
        check_existing_db(path)?;
    }
    let cf_names = if exists {
        Db::list_cf(&opts, path).map_err(|e| open_error(path, e))?
    } else {
        vec![rocksdb::DEFAULT_COLUMN_FAMILY_NAME.to_string()]
    };
    let descriptors: Vec<_> = cf_names
        .iter()
        .map(|name| ColumnFamilyDescriptor::new(name, params.options()))
        .collect();
    match mode {
        OpenMode::ReadWrite => Db::open_cf_descriptors(&opts, path, descriptors),
        OpenMode::ReadOnly => {
            // A read-only open would still write an info LOG into the directory; send it
            // nowhere the user cares about, so reading leaves the directory untouched.
            opts.create_if_missing(false);
            // More table files than descriptors: a bounded table cache, which RocksDB
            // allows for read-only opens (a snapshot's files are never deleted under it).
            if params.max_open_files.is_none()
                && let Some((soft, _)) = open_files::limits()
                && let open_files::Budget::Bounded(n) =
                    open_files::budget(open_files::table_files(path), soft)
            {
                opts.set_max_open_files(n);
            }
            opts.set_db_log_dir(std::env::temp_dir().join("spear-inspect-logs"));
            opts.set_keep_log_file_num(1);
            Db::open_cf_descriptors_read_only(&opts, path, descriptors, false)
        }
        OpenMode::Secondary { scratch } => {
            opts.create_if_missing(false);
            let table_files = open_files::table_files(path);
            if let Some((soft, _)) = open_files::limits()
                && open_files::budget(table_files, soft) != open_files::Budget::Unbounded
            {
                return Err(KvError::TooManyFiles {
                    path: path.to_path_buf(),
                    table_files,
                    limit: soft,
                    suggested: open_files::suggested_limit(table_files),
                });
            }
            // Secondaries must keep every file open: the primary may delete an SST the
            // secondary still needs between two catch-ups.
            opts.set_max_open_files(-1);
            opts.set_db_log_dir(scratch);
            Db::open_cf_descriptors_as_secondary(&opts, path, scratch, descriptors)
        }
    }
    .map(|db| (db, cf_names))
    .map_err(|e| open_error(path, e))
}

/// The compression codecs this build's RocksDB accepts, asked of RocksDB itself: a
/// database is opened in memory once per codec, and RocksDB refuses a codec that is not
/// linked in ("Compression type ... is not linked with the binary").
pub fn supported_compressions() -> Vec<&'static str> {
    let Ok(env) = rocksdb::Env::mem_env() else {
        return Vec::new();
    };
    [
        ("snappy", DBCompressionType::Snappy),
        ("lz4", DBCompressionType::Lz4),
        ("lz4hc", DBCompressionType::Lz4hc),
        ("zstd", DBCompressionType::Zstd),
        ("zlib", DBCompressionType::Zlib),
        ("bzip2", DBCompressionType::Bz2),
    ]
    .into_iter()
    .filter(|(name, codec)| {
        let mut opts = Options::default();
        opts.set_env(&env);
        opts.create_if_missing(true);
        opts.set_compression_type(*codec);
        Db::open(&opts, format!("/codec-probe-{name}")).is_ok()
    })
    .map(|(name, _)| name)
    .collect()
}
