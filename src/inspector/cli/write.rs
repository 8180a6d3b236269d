//! The subcommands that change a database: maintenance, single edits, range deletes and
//! import. Each refuses without `--write` before anything else (`WriteArgs`); every
//! RocksDB call runs on a blocking thread.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::Outcome;
use super::args::{
    CompactArgs, DeleteArgs, DeleteRangeArgs, FlushArgs, GlobalArgs, ImportArgs, PutArgs,
};
use super::db::{ask, blocking, open_blocking, open_cf, unexpected};
use super::error::CliError;
use super::groups::{DbArgs, RangeArgs, key_arg};
use crate::inspector::decode;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, OpenRequest, Source, WriteOp};
use crate::inspector::text::maintenance::{describe, outcome};
use crate::inspector::worker::{Body, Context, Job, Maintenance};
use crate::inspector::write::transfer;

/// Runs `work` on a blocking thread with the open database.
async fn writing<T: Send + 'static>(
    source: Arc<Source>,
    work: impl FnOnce(&Source) -> Result<T, InspectError> + Send + 'static,
) -> Result<T, CliError> {
    blocking("write", move || work(&source)).await
}

/// `compact`: a column family, or the keys in [--from, --to).
pub(super) async fn compact(args: CompactArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db.db, "compaction")?;
    let request = args
        .write
        .open_request("compact", global.allow_format_upgrade)?;
    let bounds = RangeArgs::from(args.span).bounds(global.key_hex)?;
    let DbArgs { db, cf } = args.db;
    let context = Context::cf(cf).with_bounds(bounds);
    maintain(&db, request, context, Maintenance::Compact).await
}

/// `flush`: the memtables of a column family.
pub(super) async fn flush(args: FlushArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    super::db::rocksdb_dir(&args.db.db, "a flush")?;
    let request = args
        .write
        .open_request("flush", global.allow_format_upgrade)?;
    let DbArgs { db, cf } = args.db;
    maintain(&db, request, Context::cf(cf), Maintenance::Flush).await
}

/// `compact` and `flush`, through the worker; reports time and SST bytes.
async fn maintain(
    db: &Path,
    request: OpenRequest,
    context: Context,
    job: Maintenance,
) -> Result<Outcome, CliError> {
    let source = open_cf(db, &context.cf, request).await?;
    let bounds = context.bounds.clone();
    match ask(source, context, Job::Maintain(job)).await? {
        Body::Maintained(report) => {
            eprintln!(
                "{} done in {:.2} s: {}",
                describe(report.job, &bounds),
                report.elapsed.as_secs_f64(),
                outcome(&report)
            );
            Ok(Outcome::Success)
        }
        other => Err(unexpected(other)),
    }
}

/// `put`.
pub(super) async fn put(args: PutArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let request = args
        .write
        .open_request("put", global.allow_format_upgrade)?;
    let key = key_arg(&args.key, global.key_hex, "KEY")?;
    let value = if args.value_hex {
        decode::parse_hex(&args.value).ok_or(CliError::ValueNotHex)?
    } else {
        args.value.into_bytes()
    };
    let DbArgs { db, cf } = args.db;
    let source = open_cf(&db, &cf, request).await?;
    writing(source, move |s| s.apply(&cf, &[WriteOp::Put(key, value)])).await?;
    Ok(Outcome::Success)
}

/// `delete`: exit 1 when the key is absent.
pub(super) async fn delete(args: DeleteArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let request = args
        .write
        .open_request("delete", global.allow_format_upgrade)?;
    let key = key_arg(&args.key, global.key_hex, "KEY")?;
    let DbArgs { db, cf } = args.db;
    let source = open_cf(&db, &cf, request).await?;
    writing(source, move |s| {
        if s.get(&cf, &key, 0)?.is_none() {
            return Ok(Outcome::NotFound);
        }
        s.apply(&cf, &[WriteOp::Delete(key)])?;
        Ok(Outcome::Success)
    })
    .await
}

/// `delete-range`: every key inside the range, in batches, without undo; never every key.
pub(super) async fn delete_range(
    args: DeleteRangeArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    let request = args
        .write
        .open_request("delete-range", global.allow_format_upgrade)?;
    let bounds = args.range.range.bounds(global.key_hex)?;
    if bounds == Bounds::default() {
        return Err(CliError::DeleteEverything);
    }
    let DbArgs { db, cf } = args.db;
    let source = open_cf(&db, &cf, request).await?;
    let n = writing(source, move |s| s.delete_range(&cf, &bounds)).await?;
    eprintln!("deleted {n} keys");
    Ok(Outcome::Success)
}

/// `import`: JSON Lines from stdin into a new or existing database.
/// A new database is created in formats RocksDB 7.x reads (an export is restored for a
/// service that may run one), or in this build's newest with `newest_format`.
pub(super) async fn import(args: ImportArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let request = args
        .write
        .open_request("import", global.allow_format_upgrade)?;
    let ImportArgs {
        db,
        batch_size,
        newest_format,
        ..
    } = args;
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
            let mut source = open_blocking(&db, request)?;
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
    Ok(Outcome::Success)
}
