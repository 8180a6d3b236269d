//! Starting the terminal UI from the command line: on a database (`spear-inspect DB`),
//! on demo data (`demo`), or on the differences of two databases (`diff --tui`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Outcome;
use super::args::{DemoArgs, GlobalArgs, TuiArgs};
use super::db::open_cf_quietly;
use super::error::CliError;
use crate::inspector::demo;
use crate::inspector::source::OpenRequest;
use crate::inspector::source::open_work::OpenWork;
use crate::inspector::ui::opening::Opening;
use crate::inspector::{Ended, RunError, TuiOptions};

/// `spear-inspect DB`: the TUI on `db`.
pub(super) async fn browse(
    db: Option<PathBuf>,
    tui: &TuiArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    let Some(db) = db else {
        return Err(CliError::NoDatabase);
    };
    Ok(run_tui(&db, tui, global.allow_format_upgrade).await?.into())
}

/// `diff A B --tui`: the TUI on `a`, on its Diff screen against `b`.
pub(super) async fn compare(
    a: &Path,
    b: PathBuf,
    tui: TuiArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    let args = TuiArgs {
        compare: Some(b),
        ..tui
    };
    Ok(run_tui(a, &args, global.allow_format_upgrade).await?.into())
}

/// Opens `db` as the arguments say and runs the TUI until the user quits (or a signal
/// ends it, which is an error: the caller exits non-zero).
async fn run_tui(db: &Path, args: &TuiArgs, allow_format_upgrade: bool) -> Result<Ended, CliError> {
    let cf = args.cf.as_deref().unwrap_or("default");
    if let Some(other) = args
        .compare
        .as_ref()
        .filter(|other| !crate::inspector::source::is_etcd_url(other))
    {
        crate::storage::rocksdb::check_existing_db(other).map_err(|source| {
            CliError::CompareWith {
                db: other.clone(),
                source: Box::new(source),
            }
        })?;
    }
    let request = OpenRequest {
        write: args.write,
        allow_format_upgrade,
    };
    let opening = Opening::new(
        db.display().to_string(),
        OpenWork::of(db),
        crate::inspector::source::is_etcd_url(db),
        request.write,
    );
    // The decoder config (given, beside the database, in the config directory, else the
    // built-in Spear-Next rules, which an etcd cluster's records need as much) is read
    // before the terminal is taken: one that does not parse is an error naming its file
    // and line.
    let decoders = Some(std::sync::Arc::new(super::read::decoder_config(
        db,
        args.decoders.as_deref(),
    )?));
    let (path, cf) = (db.to_path_buf(), cf.to_string());
    // The TUI shows the open's progress itself: nothing may print on its terminal.
    let open = async move {
        let source = open_cf_quietly(&path, &cf, request).await?;
        tracing::info!(path = %path.display(), access = ?source.access(), "opened");
        Ok::<_, CliError>(source)
    };
    let options = TuiOptions {
        display_path: db.display().to_string(),
        cf: args.cf.clone(),
        refresh: args.refresh,
        stale_after: Duration::from_secs(args.stale_after),
        compare: args.compare.clone(),
        decoders,
    };
    crate::inspector::run(open, opening, options)
        .await
        .map_err(|error| match error {
            RunError::Terminal(e) => CliError::Tui(e),
            RunError::Open(e) => e,
        })
}

/// `demo`: create the demo database if `dir` does not exist, then open it read-write.
pub(super) async fn demo(
    args: DemoArgs,
    tui: TuiArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    let dir = args.dir.as_path();
    if dir.exists() {
        if !dir.join("CURRENT").is_file() {
            return Err(CliError::DemoDirTaken { dir: dir.into() });
        }
        eprintln!("using the existing demo database at {}", dir.display());
    } else {
        let summary = demo::create(dir, chrono::Utc::now())
            .await
            .map_err(|source| CliError::CreateDemo {
                dir: dir.into(),
                source: Box::new(source),
            })?;
        eprintln!(
            "created {}: {} keys in default, {} in {}",
            dir.display(),
            summary.default_keys,
            summary.event_keys,
            demo::EVENTS_CF
        );
    }
    if args.no_tui {
        return Ok(Outcome::Success);
    }
    let tui = TuiArgs { write: true, ..tui };
    Ok(run_tui(dir, &tui, global.allow_format_upgrade)
        .await?
        .into())
}
