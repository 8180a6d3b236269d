//! Starting the terminal UI from the command line.

use std::path::Path;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};

use super::args::TuiArgs;
use super::{check_cf, open};
use crate::inspector::{Ended, TuiOptions};

/// Opens `db` as the arguments say and runs the TUI until the user quits (or a signal
/// ends it, which is an error: the caller exits non-zero).
pub(super) async fn run_tui(db: &Path, args: &TuiArgs) -> Result<Ended> {
    let source = open(db, args.write).await?;
    if let Some(cf) = &args.cf {
        check_cf(&source, cf)?;
    }
    tracing::info!(path = %db.display(), access = ?source.access(), "opened");
    let options = TuiOptions {
        display_path: db.display().to_string(),
        cf: args.cf.clone(),
        refresh: args.refresh,
        stale_after: Duration::from_secs(args.stale_after),
    };
    crate::inspector::run(source, options)
        .await
        .wrap_err("the terminal UI failed")
}
