//! Starting the terminal UI from the command line.

use std::path::Path;
use std::time::Duration;

use super::Outcome;
use super::args::TuiArgs;
use super::error::CliError;
use super::open_cf;
use crate::inspector::demo;
use crate::inspector::{Ended, TuiOptions};

/// Opens `db` as the arguments say and runs the TUI until the user quits (or a signal
/// ends it, which is an error: the caller exits non-zero).
pub(super) async fn run_tui(db: &Path, args: &TuiArgs) -> Result<Ended, CliError> {
    let cf = args.cf.as_deref().unwrap_or("default");
    if let Some(other) = &args.compare {
        crate::storage::rocksdb::check_existing_db(other).map_err(|source| {
            CliError::CompareWith {
                db: other.clone(),
                source: Box::new(source),
            }
        })?;
    }
    let source = open_cf(db, cf, args.write).await?;
    tracing::info!(path = %db.display(), access = ?source.access(), "opened");
    let options = TuiOptions {
        display_path: db.display().to_string(),
        cf: args.cf.clone(),
        refresh: args.refresh,
        stale_after: Duration::from_secs(args.stale_after),
        compare: args.compare.clone(),
    };
    crate::inspector::run(source, options)
        .await
        .map_err(CliError::Tui)
}

/// `demo`: create the demo database if `dir` does not exist, then open it read-write.
pub(super) async fn demo(dir: &Path, no_tui: bool, tui: TuiArgs) -> Result<Outcome, CliError> {
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
    if no_tui {
        return Ok(Outcome::Success);
    }
    let tui = TuiArgs { write: true, ..tui };
    Ok(match run_tui(dir, &tui).await? {
        Ended::Signal(n) => Outcome::Signalled(n),
        Ended::Quit => Outcome::Success,
    })
}
