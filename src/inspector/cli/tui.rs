//! Starting the terminal UI from the command line.

use std::path::Path;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail};

use super::Outcome;
use super::args::TuiArgs;
use super::open_cf;
use crate::inspector::demo;
use crate::inspector::{Ended, TuiOptions};

/// Opens `db` as the arguments say and runs the TUI until the user quits (or a signal
/// ends it, which is an error: the caller exits non-zero).
pub(super) async fn run_tui(db: &Path, args: &TuiArgs) -> Result<Ended> {
    let cf = args.cf.as_deref().unwrap_or("default");
    if let Some(other) = &args.compare {
        crate::storage::rocksdb::check_existing_db(other)
            .wrap_err_with(|| format!("--compare {}", other.display()))?;
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
        .wrap_err("the terminal UI failed")
}

/// `demo`: create the demo database if `dir` does not exist, then open it read-write.
pub(super) async fn demo(dir: &Path, no_tui: bool, tui: TuiArgs) -> Result<Outcome> {
    if dir.exists() {
        if !dir.join("CURRENT").is_file() {
            bail!(
                "{} exists and is not a RocksDB database: choose another directory for the demo",
                dir.display()
            );
        }
        eprintln!("using the existing demo database at {}", dir.display());
    } else {
        let summary = demo::create(dir, chrono::Utc::now())
            .await
            .wrap_err_with(|| format!("creating the demo database at {}", dir.display()))?;
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
