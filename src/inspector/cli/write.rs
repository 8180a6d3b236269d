//! The subcommands that change a database: maintenance, single edits, import. Each
//! refuses without `--write` and then changes nothing.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail};

use super::{check_cf, open};
use crate::inspector::source::Source;
use crate::inspector::transfer;
use crate::inspector::worker::{self, Event, Maintenance, Request};

pub(super) async fn maintain(db: &Path, cf: String, job: Maintenance, write: bool, verb: &str) -> Result<()> {
    if !write {
        bail!("{verb} changes the database: add --write to run it (nothing was changed)");
    }
    let source = open(db, true).await?;
    check_cf(&source, &cf)?;
    let (handle, mut events) = worker::spawn(source);
    handle.send(Request::Maintain { id: 1, cf, job });
    match events.recv().await {
        Some(Event::Maintained { report, .. }) => {
            use humansize::{BINARY, format_size};
            eprintln!(
                "{} done in {:.2} s: SST {} → {}",
                report.job.describe(),
                report.elapsed.as_secs_f64(),
                format_size(report.sst_before, BINARY),
                format_size(report.sst_after, BINARY)
            );
            Ok(())
        }
        Some(Event::Failed { message, .. }) => bail!(message),
        other => bail!("unexpected answer from the storage worker: {other:?}"),
    }
}

pub(super) async fn open_for_write(db: &Path, write: bool, verb: &str) -> Result<Arc<Source>> {
    if !write {
        bail!("{verb} changes the database: add --write to run it (nothing was changed)");
    }
    open(db, true).await
}

pub(super) async fn import(db: PathBuf, batch_size: usize) -> Result<()> {
    let done = tokio::task::spawn_blocking(move || -> Result<transfer::ImportProgress> {
        if !db.join("CURRENT").is_file() {
            // A new database: create it (with its default column family) first.
            crate::storage::rocksdb::open_db(
                &db,
                &crate::storage::rocksdb::OpenMode::ReadWrite,
                &Default::default(),
            )?;
        }
        let mut source = Source::open(&db, true)?;
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
    })
    .await
    .wrap_err("the import task failed")??;
    tracing::info!(?done, "import finished");
    Ok(())
}
