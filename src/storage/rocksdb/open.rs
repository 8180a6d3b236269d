//! Opening a database directory in the three modes the library and the inspector share
//! (read-write, read-only, secondary), planned around the open-file limit, and the
//! translation of RocksDB's errors into `KvError`s that say what to do.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rocksdb::{ColumnFamilyDescriptor, ErrorKind, Options};

use super::stored::{
    CfSettings, StoredOptions, load_stored_options, load_stored_options_for_reading,
    read_stored_options,
};
use super::{Db, RocksDbParams};
use crate::storage::kv::KvError;
use crate::storage::open_files;

/// The first bytes of a value that stands for merge operands this build could not
/// resolve (the service's merge operator is its own code): then a flag byte for a base
/// value, and each piece as a 4-byte big-endian length and its bytes. Never written to a
/// database: columns with such an operator are refused in write mode.
pub const UNRESOLVED_MERGE_MARK: &[u8] = b"\x00spear-inspect:unresolved-merge\x00";

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
    // RocksDB's own words for a held lock: "While lock file: <db>/LOCK: Resource
    // temporarily unavailable", or "lock hold by current process" for a second handle in
    // this process. Matching the path alone would call any error under a `/lock`
    // directory a lock.
    let locked = (lower.contains("while lock file")
        && (lower.contains("temporarily unavailable") || lower.contains("resource busy")))
        || lower.contains("lock hold by current process");
    if locked {
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
    let opened = open_db_with(path, mode, params)?;
    // The library's stores iterate: refuse now rather than in the middle of a scan.
    if let Some(refused) = opened.reads_refused {
        return Err(KvError::TooManyOverlapping(refused));
    }
    Ok((opened.db, opened.column_families))
}

/// Where the options a database was opened with came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsOrigin {
    /// The database's own OPTIONS file, loaded by RocksDB.
    Stored,
    /// This library's defaults and parameters (asked for, or there is no OPTIONS file).
    Defaults,
    /// Defaults, because RocksDB could not load the OPTIONS file (its reason).
    DefaultsBecause(String),
}

/// An open database and what is known about how it was written.
pub struct Opened {
    /// The handle.
    pub db: Db,
    /// Its column families, as the MANIFEST lists them.
    pub column_families: Vec<String>,
    /// Its latest OPTIONS file as text, when `use_stored_options` and it has one.
    pub stored: Option<StoredOptions>,
    /// Where the options came from.
    pub origin: OptionsOrigin,
    /// Column families whose merge operator RocksDB does not provide by name, with the
    /// operator's name: their merges read as marked raw operands.
    pub unresolved_merge: Vec<(String, String)>,
    /// Opens it took to get a view no WAL deletion overlapped (1 when idle).
    pub attempts: u32,
    /// Why a merged read (an iterator) cannot run under the open-file limit, if it
    /// cannot ([`KvError::TooManyOverlapping`]); point reads and properties still work.
    pub reads_refused: Option<open_files::OverlapLimit>,
}

/// Options for a column family whose service uses a merge operator RocksDB cannot
/// create: our defaults, the table format the file names, and a stand-in operator under
/// the same name that keeps the operands instead of resolving them.
fn stand_in_options(params: &RocksDbParams, settings: &CfSettings, operator: &str) -> Options {
    let mut opts = params.options();
    if let Some(version) = settings.format_version {
        let mut table = rocksdb::BlockBasedOptions::default();
        table.set_format_version(version as i32);
        opts.set_block_based_table_factory(&table);
    }
    opts.set_merge_operator(operator, keep_operands, no_partial_merge);
    opts
}

/// The stand-in full merge: the base value and every operand, marked (see
/// [`UNRESOLVED_MERGE_MARK`]), so no operand is lost and none is mistaken for a value.
fn keep_operands(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &rocksdb::MergeOperands,
) -> Option<Vec<u8>> {
    fn push(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    let mut out = UNRESOLVED_MERGE_MARK.to_vec();
    out.push(u8::from(existing.is_some()));
    if let Some(base) = existing {
        push(&mut out, base);
    }
    for operand in operands {
        push(&mut out, operand);
    }
    Some(out)
}

fn no_partial_merge(
    _key: &[u8],
    _existing: Option<&[u8]>,
    _operands: &rocksdb::MergeOperands,
) -> Option<Vec<u8>> {
    None
}

/// Opens `path` like [`open_db_listing`] and reports how. With
/// `params.use_stored_options`, every column family is opened with the options in the
/// database's own OPTIONS file (merge operator, comparator, table format), as its
/// service opens it; a comparator RocksDB does not provide is refused by name.
pub fn open_db_with(
    path: &Path,
    mode: &OpenMode,
    params: &RocksDbParams,
) -> Result<Opened, KvError> {
    let exists = path.join("CURRENT").is_file();
    if *mode != OpenMode::ReadWrite || !params.create_if_missing {
        check_existing_db(path)?;
    }
    let stored = (params.use_stored_options && exists)
        .then(|| read_stored_options(path))
        .flatten();
    if let Some(stored) = &stored {
        for (cf, settings) in &stored.column_families {
            if let Some(comparator) = settings.foreign_comparator() {
                return Err(KvError::Unsupported {
                    path: path.to_path_buf(),
                    detail: format!(
                        "column family {cf} is ordered by the comparator {comparator}, which only its service's code provides; without it keys cannot be read in order"
                    ),
                });
            }
        }
    }
    // RocksDB starts a new info LOG (renaming the holder's `LOG` aside) before it finds
    // the lock taken; a refused open must leave the holder's files as they were.
    if *mode == OpenMode::ReadWrite && exists && super::lock_is_held(path) {
        return Err(KvError::Locked {
            path: path.to_path_buf(),
        });
    }
    let ours_before = (*mode == OpenMode::ReadWrite && exists)
        .then(|| read_stored_options(path))
        .flatten()
        .filter(|s| super::compat::is_ours(&s.text));
    // A view that is not the writer's own can miss writes if the writer deletes a WAL
    // while the view opens (it read a MANIFEST from before the flush that made the WAL
    // obsolete, then finds the WAL gone). WALs are deleted oldest first, so if every WAL
    // present before the open is still there after it, no deletion overlapped the open.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let before = (*mode != OpenMode::ReadWrite).then(|| wal_files(path));
        let (db, column_families, origin, unresolved_merge) =
            open_once(path, mode, params, stored.as_ref())?;
        if let Some(before) = before
            && !before.is_subset(&wal_files(path))
        {
            drop(db);
            if attempts == MAX_OPEN_ATTEMPTS {
                return Err(KvError::Busy {
                    path: path.to_path_buf(),
                    attempts,
                });
            }
            // Flushes come in bursts: step back a little longer each time.
            std::thread::sleep(std::time::Duration::from_millis(5 * u64::from(attempts)));
            continue;
        }
        // A database created here, or created here before: an OPTIONS file RocksDB 7.x
        // loads in place of the one RocksDB just wrote (see `compat`). A database's own
        // file from elsewhere is left as RocksDB leaves it.
        if *mode == OpenMode::ReadWrite
            && !params.newest_format
            && (!exists || ours_before.is_some())
        {
            super::compat::write_readable_options(path, ours_before.as_ref(), params).map_err(
                |e| KvError::Backend {
                    backend: "rocksdb",
                    message: format!(
                        "writing the OPTIONS file of the new database {}: {e}",
                        path.display()
                    ),
                },
            )?;
        }
        // A bounded table cache serves a read-only view's iterators only while the
        // files one of them merges fit under the limit.
        let reads_refused = matches!(mode, OpenMode::ReadOnly)
            .then(|| overlapping_beyond_limit(&db, path))
            .flatten();
        return Ok(Opened {
            db,
            column_families,
            stored,
            origin,
            unresolved_merge,
            attempts,
            reads_refused,
        });
    }
}

/// A new directory only this user can enter (0700), under the temporary directory, with
/// a name no other user can have taken first (creation fails if it exists).
fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let mut attempt = 0u32;
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!(
            "spear-kv-{}-{nanos:x}-{attempt}",
            std::process::id()
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            other => return other.map(|()| dir),
        }
    }
}

/// Opens tried before giving up on a database whose writer never pauses between flushes.
const MAX_OPEN_ATTEMPTS: u32 = 60;

/// The WAL files (`*.log`) in `db`.
pub fn wal_files(db: &Path) -> BTreeSet<String> {
    std::fs::read_dir(db)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".log"))
                .collect()
        })
        .unwrap_or_default()
}

/// What one open attempt gives: the handle, the column families, where the options came
/// from, and the column families whose merges cannot be resolved.
type OpenedOnce = (Db, Vec<String>, OptionsOrigin, Vec<(String, String)>);

/// One attempt at opening: options from the OPTIONS file (or defaults), one descriptor
/// per column family, the open itself.
fn open_once(
    path: &Path,
    mode: &OpenMode,
    params: &RocksDbParams,
    stored: Option<&StoredOptions>,
) -> Result<OpenedOnce, KvError> {
    let exists = path.join("CURRENT").is_file();
    // An open that only reads keeps table index and filter blocks in a bounded cache, so
    // its memory stays flat whatever the database's size; a writing open keeps the
    // service's own table options, which its flushes and compactions write with.
    let reading_scratch = match mode {
        OpenMode::ReadWrite => None,
        OpenMode::ReadOnly => params.scratch_dir.as_deref(),
        OpenMode::Secondary { scratch } => Some(scratch.as_path()),
    };
    let (mut opts, mut loaded, origin) = match (stored, params.use_stored_options && exists) {
        (Some(_), true) => match reading_scratch.map_or_else(
            || load_stored_options(path),
            |scratch| load_stored_options_for_reading(path, scratch),
        ) {
            Ok(Some((db_opts, descriptors))) => (db_opts, descriptors, OptionsOrigin::Stored),
            Ok(None) => (params.options(), Vec::new(), OptionsOrigin::Defaults),
            Err(reason) => (
                params.options(),
                Vec::new(),
                OptionsOrigin::DefaultsBecause(reason),
            ),
        },
        _ => (params.options(), Vec::new(), OptionsOrigin::Defaults),
    };
    if let Some(n) = params.max_open_files {
        opts.set_max_open_files(n);
    }
    let cf_names = if exists {
        Db::list_cf(&opts, path).map_err(|e| open_error(path, e))?
    } else {
        vec![rocksdb::DEFAULT_COLUMN_FAMILY_NAME.to_string()]
    };
    let mut unresolved_merge = Vec::new();
    let descriptors: Vec<_> = cf_names
        .iter()
        .map(|name| {
            let settings = stored
                .and_then(|s| s.column_families.get(name))
                .cloned()
                .unwrap_or_default();
            if !settings.merge_operator_is_built_in() {
                let operator = settings.merge_operator.clone().unwrap_or_default();
                unresolved_merge.push((name.clone(), operator.clone()));
                return ColumnFamilyDescriptor::new(
                    name,
                    stand_in_options(params, &settings, &operator),
                );
            }
            match loaded.iter().position(|d| d.name() == name) {
                Some(at) => loaded.swap_remove(at),
                None => ColumnFamilyDescriptor::new(name, params.options()),
            }
        })
        .collect();
    let db = match mode {
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
            // A directory nobody else can create or read: never a fixed shared name.
            let log_dir = match &params.scratch_dir {
                Some(dir) => dir.clone(),
                None => private_dir().map_err(|e| KvError::Backend {
                    backend: "rocksdb",
                    message: format!("cannot create a private directory for the info log: {e}"),
                })?,
            };
            opts.set_db_log_dir(log_dir);
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
    .map_err(|e| open_error(path, e))?;
    Ok((db, cf_names, origin, unresolved_merge))
}

/// The refusal for a database one of whose reads would need more files open at once than
/// the limit allows: every L0 file of a column family (they overlap, so a read merges
/// them all) and one file per deeper level. `None` when every read fits.
fn overlapping_beyond_limit(db: &Db, path: &Path) -> Option<open_files::OverlapLimit> {
    let (soft, hard) = open_files::limits()?;
    let open_files::Budget::Bounded(table_cache) =
        open_files::budget(open_files::table_files(path), soft)
    else {
        return None;
    };
    let files = db.live_files().ok()?;
    let mut per_cf: std::collections::BTreeMap<&str, (usize, BTreeSet<i32>)> = Default::default();
    for file in &files {
        let (l0, deeper) = per_cf.entry(file.column_family_name.as_str()).or_default();
        if file.level == 0 {
            *l0 += 1;
        } else {
            deeper.insert(file.level);
        }
    }
    let (cf, (l0_files, deeper)) = per_cf
        .into_iter()
        .max_by_key(|(_, (l0, deeper))| l0 + deeper.len())?;
    let needed = (l0_files + deeper.len()) as u64;
    // RocksDB keeps 10 of `max_open_files` for itself.
    if needed + 10 <= u64::try_from(table_cache).unwrap_or(0) {
        return None;
    }
    Some(open_files::OverlapLimit {
        path: path.to_path_buf(),
        cf: cf.to_string(),
        l0_files,
        needed,
        reserved: open_files::RESERVED_DESCRIPTORS + 10,
        limit: soft,
        hard,
        suggested: open_files::suggested_limit(needed as usize),
    })
}
