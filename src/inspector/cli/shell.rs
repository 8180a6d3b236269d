//! What the command line says about itself: `--version`, shell completions and the man
//! page, all generated from the clap definitions so they cannot drift from them.

use std::io::{self, Write};

use clap::CommandFactory;

use super::Outcome;
use super::args::{Cli, CompletionsArgs};
use super::error::CliError;
use super::output::ignore_broken_pipe;

/// The `--version` text: this crate, the RocksDB it links, and the compression codecs that
/// RocksDB accepts at run time (asked of RocksDB itself, as `ldb --version` does).
pub fn version_text() -> String {
    let codecs = crate::storage::rocksdb::supported_compressions();
    format!(
        "spear-inspect {}\nRocksDB {} (compiled in)\ncompression codecs: {}\n",
        env!("CARGO_PKG_VERSION"),
        env!("SPEAR_ROCKSDB_VERSION"),
        if codecs.is_empty() {
            "none".to_string()
        } else {
            codecs.join(", ")
        }
    )
}

/// `spear-inspect --version`.
pub(super) fn version() -> Result<Outcome, CliError> {
    print!("{}", version_text());
    Ok(Outcome::Success)
}

/// `spear-inspect completions SHELL`: the completion script on standard output.
pub(super) fn completions(args: CompletionsArgs) -> Result<Outcome, CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "spear-inspect", &mut script);
    ignore_broken_pipe(io::stdout().lock().write_all(&script))?;
    Ok(Outcome::Success)
}

/// `spear-inspect man`: the manual page (roff) on standard output.
pub(super) fn man_page() -> Result<Outcome, CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    ignore_broken_pipe(io::stdout().lock().write_all(&page))?;
    Ok(Outcome::Success)
}
