//! How a subcommand reaches the database: opened on a blocking thread (read-only, as a
//! live secondary, or read-write as its `OpenRequest` says), one job asked of the same
//! storage worker the TUI uses, and other blocking work kept off the async runtime.

use std::path::Path;
use std::sync::Arc;

use super::error::CliError;
use crate::inspector::error::InspectError;
use crate::inspector::source::{OpenRequest, Source};
use crate::inspector::worker::{self, Body, Context, Job, Request};

/// How the subcommands that only read open a database.
pub const READ_ONLY: OpenRequest = OpenRequest {
    write: false,
    allow_format_upgrade: false,
};

/// Opens `path` on a blocking thread as `request` says: read-write, else read-only or as
/// a live secondary.
pub async fn open(path: &Path, request: OpenRequest) -> Result<Arc<Source>, CliError> {
    let owned = path.to_path_buf();
    let source = blocking("open", move || open_blocking(&owned, request)).await?;
    Ok(Arc::new(source))
}

/// [`open`] for code already on a blocking thread.
pub fn open_blocking(path: &Path, request: OpenRequest) -> Result<Source, InspectError> {
    // RocksDB replays every unflushed write before the first read and reports no
    // progress: say why a large WAL (or thousands of table files) makes the open slow
    // rather than leave a blank terminal.
    let work = crate::inspector::source::open_work::OpenWork::of(path);
    let progress = work.is_notable().then(|| {
        eprintln!(
            "spear-inspect: opening {} ({work}); RocksDB replays the WAL before the first read…",
            path.display()
        );
        super::open_progress::OpenProgress::start(work)
    });
    let opened = Source::open_with(path, request);
    if let Some(progress) = progress {
        progress.finish();
        if let Ok(source) = &opened {
            eprintln!("spear-inspect: the open's time: {}", source.open_phases());
        }
    }
    let source = opened?;
    if let Some(sentence) = source.writing_as() {
        eprintln!("spear-inspect: {sentence}");
    }
    Ok(source)
}

/// Checks that `db` is a RocksDB directory, for a command that reads its files (LOG,
/// WAL, OPTIONS): an `etcd://` URL is refused naming what only RocksDB has, a missing
/// directory with RocksDB's "no database" error.
pub fn rocksdb_dir(db: &Path, what: &'static str) -> Result<(), InspectError> {
    if crate::inspector::source::is_etcd_url(db) {
        return Err(InspectError::NotRocksDb {
            what,
            url: db.display().to_string(),
        });
    }
    Ok(crate::storage::rocksdb::check_existing_db(db)?)
}

/// Opens `path` and checks the column family `cf` exists.
pub async fn open_cf(path: &Path, cf: &str, request: OpenRequest) -> Result<Arc<Source>, CliError> {
    let source = open(path, request).await?;
    source.check_cf(cf)?;
    Ok(source)
}

/// [`open_cf`] without a word on stderr (the TUI, which shows the open's progress on
/// its own frame).
pub async fn open_cf_quietly(
    path: &Path,
    cf: &str,
    request: OpenRequest,
) -> Result<Arc<Source>, CliError> {
    let owned = path.to_path_buf();
    let source = blocking("open", move || Source::open_with(&owned, request)).await?;
    source.check_cf(cf)?;
    Ok(Arc::new(source))
}

/// Runs one job on the storage worker and returns its final answer.
pub async fn ask(source: Arc<Source>, context: Context, job: Job) -> Result<Body, CliError> {
    let (handle, mut events) = worker::spawn(source);
    handle.send(Request::new(1, context, job));
    while let Some(event) = events.recv().await {
        match event.body {
            Body::Failed(error) => return Err(error.into()),
            body if body.is_final() => return Ok(body),
            _ => {}
        }
    }
    Err(CliError::WorkerStopped)
}

/// An answer of the storage worker to another job than the one asked.
pub fn unexpected(answer: Body) -> CliError {
    CliError::UnexpectedAnswer {
        answer: format!("{answer:?}"),
    }
}

/// Runs `work` on a blocking thread; a panic there is [`CliError::Task`] naming `task`.
pub async fn blocking<T, E>(
    task: &'static str,
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, CliError>
where
    T: Send + 'static,
    E: Into<CliError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(Into::into),
        Err(source) => Err(CliError::Task { task, source }),
    }
}
