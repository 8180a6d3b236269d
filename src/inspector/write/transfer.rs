//! Getting data in and out: JSON Lines export and import, and consistent copies.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use rocksdb::{ColumnFamilyDescriptor, WriteBatch, WriteOptions};

use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, OrderedError, Source};
use crate::inspector::write::jsonl;
use crate::inspector::write::privacy::{Privacy, with_umask};
use crate::storage::rocksdb::compat::write_readable_options;
use crate::storage::rocksdb::stored::{load_stored_options, restore_options_text};
use crate::storage::rocksdb::{Db, RocksDbParams, backend_error};

/// Writes every pair of `cfs` (inside `bounds`) as JSON Lines, column family by column
/// family, in key order. Returns the number of pairs. Read on every core, written in
/// order; memory stays flat (a few encoded chunks per walk thread).
pub fn export(
    source: &Source,
    cfs: &[String],
    bounds: &Bounds,
    decoders: Option<&crate::inspector::decoders::Decoders>,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let mut n = 0;
    for cf in cfs {
        let encode = |buf: &mut Vec<u8>, k: &[u8], v: &[u8]| {
            let decoded = decoders.and_then(|d| d.decode(cf, k, v));
            // Writing to a Vec cannot fail.
            let _ = jsonl::write_pair_decoded(buf, Some(cf), k, v, decoded.as_ref());
        };
        n += source
            .stream_in_order(cf, bounds, encode, |chunk| out.write_all(chunk))
            .map_err(|e| match e {
                OrderedError::Read(e) => ExportError::Storage(e),
                OrderedError::Write(e) => ExportError::Output(e),
            })?;
    }
    out.flush().map_err(ExportError::Output)?;
    Ok(n)
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the database failed.
    #[error(transparent)]
    Storage(#[from] InspectError),
    /// Writing the output failed (a closed pipe, a full disk).
    #[error("writing the export: {0}")]
    Output(#[source] io::Error),
}

/// How far an import got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportProgress {
    /// Pairs written (in whole batches).
    pub written: u64,
    /// Lines read.
    pub lines: u64,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A line is not a pair.
    #[error(
        "line {line}: {reason}; {written} pairs before it were imported, nothing of the batch holding line {line} was written"
    )]
    Malformed {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
        /// Pairs written before.
        written: u64,
    },
    /// Reading the input failed.
    #[error("reading the input at line {line}: {source}")]
    Input {
        /// 1-based line number.
        line: u64,
        /// The error.
        source: io::Error,
    },
    /// The database refused a batch.
    #[error(transparent)]
    Storage(#[from] InspectError),
}

/// The longest line `import` accepts: a pair of at most this many bytes of JSON.
pub const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

/// Reads JSON Lines from `input` into `source` (opened with `--write`), per atomic write
/// batch at most `batch_size` pairs and about `COPY_BATCH_BYTES` bytes (whichever comes
/// first, so megabyte values do not make gigabyte batches), creating missing column
/// families. `progress` is called after every batch. A malformed or overlong line stops
/// the import: the batches before it are written whole, the one holding it not at all.
pub fn import(
    source: &mut Source,
    mut input: impl BufRead,
    batch_size: usize,
    mut progress: impl FnMut(ImportProgress),
) -> Result<ImportProgress, ImportError> {
    let batch_size = batch_size.max(1);
    let mut state = ImportProgress::default();
    let mut pending: Vec<jsonl::Line> = Vec::new();
    let mut pending_bytes = 0usize;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read = io::Read::take(&mut input, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut raw)
            .map_err(|source| ImportError::Input {
                line: state.lines + 1,
                source,
            })?;
        if read == 0 {
            break;
        }
        state.lines += 1;
        if raw.len() > MAX_LINE_BYTES {
            return Err(ImportError::Malformed {
                line: state.lines,
                reason: format!("longer than {MAX_LINE_BYTES} bytes"),
                written: state.written,
            });
        }
        let text = std::str::from_utf8(&raw).map_err(|e| ImportError::Malformed {
            line: state.lines,
            reason: format!("not UTF-8 ({e})"),
            written: state.written,
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let pair = jsonl::parse(text.trim_end_matches(['\n', '\r'])).map_err(|reason| {
            ImportError::Malformed {
                line: state.lines,
                reason,
                written: state.written,
            }
        })?;
        pending_bytes += pair.key.len() + pair.value.len();
        pending.push(pair);
        if pending.len() == batch_size || pending_bytes >= COPY_BATCH_BYTES {
            state.written += pending.len() as u64;
            write_batch(source, &mut pending)?;
            pending_bytes = 0;
            progress(state);
        }
    }
    if !pending.is_empty() {
        state.written += pending.len() as u64;
        write_batch(source, &mut pending)?;
        progress(state);
    }
    Ok(state)
}

fn write_batch(source: &mut Source, pending: &mut Vec<jsonl::Line>) -> Result<(), InspectError> {
    for line in pending.iter() {
        source.ensure_cf(&line.cf)?;
    }
    let db = source.db()?;
    let mut batch = WriteBatch::default();
    for line in pending.drain(..) {
        let cf = db.cf_handle(&line.cf).ok_or_else(|| {
            InspectError::Missing(format!(
                "column family {} vanished during the import",
                line.cf
            ))
        })?;
        batch.put_cf(&cf, line.key, line.value);
    }
    Ok(db.write(batch).map_err(backend_error)?)
}

/// What a checkpoint copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointReport {
    /// Where it is.
    pub path: PathBuf,
    /// Pairs per column family.
    pub pairs: Vec<(String, u64)>,
    /// Opens needed to get a view no flush or compaction overlapped (1 when the database
    /// is idle or not in use).
    pub attempts: u32,
}

/// Copies every column family of the database at `db` into a new database at `dest`,
/// holding one point in time, also while another process holds `db` and keeps writing.
///
/// The copy reads a read-only view (nobody holds the database) or a secondary instance
/// (somebody does), which does not move once open. A view opened while a writer
/// finishes a flush can read a MANIFEST that still needs a WAL the writer then deletes,
/// and so miss writes in the middle of its view (the checkpoint test caught exactly
/// that). Every non-writable open therefore checks that no WAL present before it was
/// deleted during it, and opens again otherwise (see `storage::rocksdb::open_db_with`).
///
/// RocksDB's own checkpoint needs a writable handle (it flushes first), which a process
/// that does not own the database cannot have. The copy is built in a sibling directory
/// and renamed into place, so `dest` is either whole or absent.
pub fn checkpoint(db: &Path, dest: &Path) -> Result<CheckpointReport, InspectError> {
    if dest.exists() {
        return Err(InspectError::Invalid(format!(
            "{} already exists: give checkpoint a new directory",
            dest.display()
        )));
    }
    let source = Source::open(db, false)?;
    let attempts = source.opens();
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    let partial = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    // The copy is never more open than the source, not even while it is being written:
    // it is created under a umask from the source's modes, and given the source's modes
    // (and owner, when root copies) before it takes its name.
    let privacy = Privacy::of(db);
    let copied = match privacy {
        Some(privacy) => with_umask(privacy.umask(), || copy_into(&source, &partial)),
        None => copy_into(&source, &partial),
    };
    match copied {
        Ok(pairs) => {
            if let Some(privacy) = privacy {
                privacy.apply_to(&partial).map_err(|e| {
                    InspectError::io(format!("giving the copy the modes of {}", db.display()), e)
                })?;
            }
            std::fs::rename(&partial, dest).map_err(|e| {
                InspectError::io(format!("moving the finished copy to {}", dest.display()), e)
            })?;
            Ok(CheckpointReport {
                path: dest.to_path_buf(),
                pairs,
                attempts,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

/// Bytes of keys and values per write batch of a copy: bounded by size, not count, so
/// megabyte values do not make a batch of gigabytes.
pub const COPY_BATCH_BYTES: usize = 64 * 1024 * 1024;

fn copy_into(source: &Source, dir: &Path) -> Result<Vec<(String, u64)>, InspectError> {
    if let Some((cf, operator)) = source.unresolved_merge().first() {
        return Err(InspectError::ForeignMergeOperator {
            path: source.path().to_path_buf(),
            cf: cf.clone(),
            operator: operator.clone(),
        });
    }
    // The copy gets the source's own options (table format, merge operators), so the
    // RocksDB that wrote the source reads the copy too.
    let (mut opts, stored) = match load_stored_options(source.path()) {
        Ok(Some((opts, descriptors))) => (opts, descriptors),
        _ => (RocksDbParams::default().options(), Vec::new()),
    };
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let mut stored = stored;
    let cfs: Vec<ColumnFamilyDescriptor> = source
        .column_families()
        .iter()
        .map(|cf| match stored.iter().position(|d| d.name() == cf) {
            Some(at) => stored.swap_remove(at),
            None => ColumnFamilyDescriptor::new(cf, RocksDbParams::default().options()),
        })
        .collect();
    let copy = Db::open_cf_descriptors(&opts, dir, cfs).map_err(backend_error)?;
    // The copy is flushed before it is declared done, so its WAL is not needed.
    let mut unlogged = WriteOptions::default();
    unlogged.disable_wal(true);
    let mut counts = Vec::new();
    for cf in source.column_families() {
        let handle = copy
            .cf_handle(cf)
            .ok_or_else(|| InspectError::Missing(format!("the copy has no column family {cf}")))?;
        let mut batch = WriteBatch::default();
        let mut n = 0u64;
        let mut failed = None;
        source.for_each(cf, &Bounds::default(), None, |k, v| {
            batch.put_cf(&handle, k, v);
            n += 1;
            if batch.size_in_bytes() >= COPY_BATCH_BYTES
                && let Err(e) = copy.write_opt(std::mem::take(&mut batch), &unlogged)
            {
                failed = Some(e);
                return false;
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(backend_error(e).into());
        }
        copy.write_opt(batch, &unlogged).map_err(backend_error)?;
        copy.flush_cf(&handle).map_err(backend_error)?;
        counts.push((cf.clone(), n));
    }
    drop(copy);
    let options_failed = |e| {
        InspectError::io(
            format!("writing the OPTIONS file of the copy at {}", dir.display()),
            e,
        )
    };
    if let Some(original) = source.stored_options() {
        // The copy's OPTIONS file is this build's dialect; give it the source's text.
        let mut original = original.clone();
        original.file = dir.join("OPTIONS-none");
        restore_options_text(dir, &original).map_err(options_failed)?;
    } else {
        // A source without an OPTIONS file: the copy is a new database like any other,
        // with an OPTIONS file RocksDB 7.x loads.
        write_readable_options(dir, None, &RocksDbParams::default()).map_err(options_failed)?;
    }
    Ok(counts)
}
