//! The command line. `args` is its shape and `groups` the argument groups subcommands
//! share; [`run`] only dispatches: each subcommand is one function in the file of its
//! family (`read`, `write`, `copy`, `diagnose`, `wal`, `infolog`, `tui`, `shell`), given
//! its arguments and the global options it needs as values. Databases are opened and
//! one-shot jobs asked of the storage worker through `db`. Failures are [`CliError`]s,
//! handed on as [`InspectError`]; `main` prints them and exits with their class's status.

pub mod args;
mod byte_progress;
mod copy;
mod db;
mod decoders;
mod diagnose;
mod error;
mod explain;
pub mod groups;
mod infolog;
mod lsm;
mod open_progress;
mod output;
mod ranges;
mod read;
mod shell;
mod stall;
mod tui;
mod verify;
mod wal;
mod write;
mod writes;

pub use args::{Cli, Command, GlobalArgs, TuiArgs};
pub use error::CliError;
pub use groups::GroupingArgs;
pub use shell::version_text;

use crate::inspector::Ended;
use crate::inspector::error::InspectError;

/// What `main` should exit with.
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the answer is "no" (a key is absent).
    NotFound,
    /// Exit 128 + N: the TUI was ended by signal N (terminal restored).
    Signalled(i32),
    /// Exit 1, quietly: `diff` found differences.
    Differ,
    /// Exit 5 when writes are slowed, 6 when they are stopped (`stall`).
    WritesHeld(crate::inspector::analysis::stall::WriteState),
    /// Exit 7: `verify` found damage that needs a backup or a replica.
    Damaged,
    /// Exit 8: `get --decode` found a value its decoder rule does not read (printed
    /// with the rule and the error).
    Undecodable,
    /// Exit 0 without waiting for blocking work: the user left the TUI while its
    /// read-only open was still running (it writes nothing, so it is abandoned).
    Abandoned,
}

impl From<Ended> for Outcome {
    fn from(ended: Ended) -> Self {
        match ended {
            Ended::Signal(n) => Outcome::Signalled(n),
            Ended::Quit => Outcome::Success,
            Ended::QuitWhileOpening => Outcome::Abandoned,
        }
    }
}

/// Runs what the command line asks for: the version, the TUI on a database, or one
/// subcommand.
pub async fn run(cli: Cli) -> Result<Outcome, InspectError> {
    let Cli {
        version,
        db,
        tui,
        global,
        command,
    } = cli;
    let outcome = match command {
        _ if version => shell::version(),
        None => tui::browse(db, &tui, &global).await,
        Some(command) => subcommand(command, tui, &global).await,
    };
    outcome.map_err(Into::into)
}

/// Runs one subcommand.
async fn subcommand(
    command: Command,
    tui: TuiArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    match command {
        Command::Demo(args) => tui::demo(args, tui, global).await,
        Command::Scan(args) => read::scan(args, global).await,
        Command::Get(args) => read::get(args, global).await,
        Command::Count(args) => read::count(args, global).await,
        Command::Nodes(args) => read::nodes(args).await,
        Command::Resources(args) => read::resources(args).await,
        Command::Compact(args) => write::compact(args, global).await,
        Command::Flush(args) => write::flush(args, global).await,
        Command::Put(args) => write::put(args, global).await,
        Command::Delete(args) => write::delete(args, global).await,
        Command::DeleteRange(args) => write::delete_range(args, global).await,
        Command::Checkpoint(args) => copy::checkpoint(args).await,
        Command::Export(args) => copy::export(args, global).await,
        Command::Import(args) => write::import(args, global).await,
        Command::Migrate(args) => copy::migrate(args).await,
        Command::Events(args) => read::events(args).await,
        Command::Diff(args) => copy::diff(args, tui, global).await,
        Command::Usage(args) => read::usage(args).await,
        Command::Stall(args) => stall::stall(args).await,
        Command::Explain(args) => explain::explain(args, global).await,
        Command::Writes(args) => writes::writes(args).await,
        Command::Verify(args) => verify::verify(args).await,
        Command::Keyspace(args) => diagnose::keyspace(args, global).await,
        Command::Tombstones(args) => diagnose::tombstones(args, global).await,
        Command::Lsm(args) => lsm::lsm(args, global).await,
        Command::Decoders(args) => decoders::decoders(args).await,
        Command::Log(args) => infolog::log(args).await,
        Command::Wal(args) => wal::wal(args).await,
        Command::History(args) => wal::history(args, global).await,
        Command::Options(args) => read::options(args),
        Command::Completions(args) => shell::completions(args),
        Command::Man => shell::man_page(),
        Command::Stats(args) => read::stats(args).await,
    }
}
