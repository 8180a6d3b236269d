//! The subcommands that change a database: maintenance, single edits, range deletes and
//! import. The caller has checked `--write`; every RocksDB call runs on a blocking thread.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::error::CliError;
use super::{Outcome, ask, blocking, open_cf, unexpected};
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source, WriteOp};
use crate::inspector::worker::{Body, Context, Job, Maintenance};
use crate::inspector::write::transfer;

/// Runs `work` on a blocking thread with the open database.
async fn writing<T: Send + 'static>(
    source: Arc<Source>,
    work: impl FnOnce(&Source) -> Result<T, InspectError> + Send + 'static,
) -> Result<T, CliError> {
    blocking("write", move || work(&source)).await
}

/// `compact` and `flush`, through the worker; reports time and SST bytes.
pub(super) async fn maintain(
    db: &Path,
    context: Context,
    job: Maintenance,
) -> Result<(), CliError> {
    let source = open_cf(db, &context.cf, true).await?;
    let bounds = context.bounds.clone();
    match ask(source, context, Job::Maintain(job)).await? {
        Body::Maintained(report) => {
            eprintln!(
                "{} done in {:.2} s: {}",
                report.describe(&bounds),
                report.elapsed.as_secs_f64(),
                report.outcome()
            );
            Ok(())
        }
        other => Err(unexpected(other)),
    }
}

/// `put`.
pub(super) async fn put(
    db: &Path,
    cf: String,
    key: Vec<u8>,
    value: Vec<u8>,
) -> Result<(), CliError> {
    let source = open_cf(db, &cf, true).await?;
    writing(source, move |s| s.apply(&cf, &[WriteOp::Put(key, value)])).await
}

/// `delete`: exit 1 when the key is absent.
pub(super) async fn delete(db: &Path, cf: String, key: Vec<u8>) -> Result<Outcome, CliError> {
    let source = open_cf(db, &cf, true).await?;
    writing(source, move |s| {
        if s.get(&cf, &key, 0)?.is_none() {
            return Ok(Outcome::NotFound);
        }
        s.apply(&cf, &[WriteOp::Delete(key)])?;
        Ok(Outcome::Success)
    })
    .await
}

/// `delete-range`: every key inside `bounds`, in batches, without undo.
pub(super) async fn delete_range(db: &Path, cf: String, bounds: Bounds) -> Result<(), CliError> {
    let source = open_cf(db, &cf, true).await?;
    let n = writing(source, move |s| s.delete_range(&cf, &bounds)).await?;
    eprintln!("deleted {n} keys");
    Ok(())
}

/// `import`: JSON Lines from stdin into a new or existing database.
/// A new database is created in formats RocksDB 7.x reads (an export is restored for a
/// service that may run one), or in this build's newest with `newest_format`.
pub(super) async fn import(
    db: PathBuf,
    batch_size: usize,
    newest_format: bool,
) -> Result<(), CliError> {
    let done = blocking(
        "import",
        move || -> Result<transfer::ImportProgress, CliError> {
            if !db.join("CURRENT").is_file() {
                // A new database: create it (with its default column family) first, private
                // (0700/0600) whatever the umask: its data may come from a private one.
                nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
                crate::storage::rocksdb::open_db(
                    &db,
                    &crate::storage::rocksdb::OpenMode::ReadWrite,
                    &crate::storage::rocksdb::RocksDbParams {
                        newest_format,
                        ..Default::default()
                    },
                )?;
            } else if newest_format {
                // An existing database keeps the formats its own RocksDB reads.
                return Err(CliError::NewestFormatOfExisting { db });
            }
            let mut source = super::open_blocking(&db, true)?;
            let started = std::time::Instant::now();
            let mut last_report = started;
            let stdin = io::stdin().lock();
            let done = transfer::import(&mut source, stdin, batch_size, |p| {
                if last_report.elapsed() >= Duration::from_millis(500) {
                    last_report = std::time::Instant::now();
                    eprintln!("imported {} pairs", p.written);
                }
            })?;
            eprintln!(
                "imported {} pairs from {} lines in {:.1} s",
                done.written,
                done.lines,
                started.elapsed().as_secs_f64()
            );
            Ok(done)
        },
    )
    .await?;
    tracing::info!(?done, "import finished");
    Ok(())
}
