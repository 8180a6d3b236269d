//! The command line: `args` defines it; `run` dispatches each subcommand to the file of
//! its family (`read`, `write`, `copy`, `tui`, `shell`). Key bounds are built in one
//! place (`bounds`), every database is opened through `open`, and one-shot jobs go
//! through the same storage worker as the TUI (`ask`). Errors get their context here, at
//! the program's edge, and `exit_code` maps their class to the exit status.

mod args;
mod copy;
mod diagnose;
mod error;
mod infolog;
mod ranges;
mod read;
mod shell;
mod tui;
mod wal;
mod write;

use std::io;
use std::path::Path;
use std::sync::Arc;

pub use args::{Cli, Command, GroupingArgs, TuiArgs};
pub use error::CliError;
pub use shell::version_text;

use crate::inspector::Ended;
use crate::inspector::analysis::keyspace::Grouping;
use crate::inspector::decode;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, OpenRequest, Source};
use crate::inspector::worker::{self, Body, Context, Job, Request};

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
}

/// A key argument as bytes: hex with `--key-hex`, else the text's bytes.
fn key_arg(text: &str, hex: bool, what: &'static str) -> Result<Vec<u8>, CliError> {
    if hex {
        decode::parse_hex(text).ok_or_else(|| CliError::KeyNotHex {
            what,
            text: text.to_string(),
        })
    } else {
        // A key copied from `scan`'s output (`\x00\x00…`) is taken as typed, which finds
        // nothing in a database of binary keys: say so, and give the --key-hex to use.
        if (text.contains("\\x") || text.contains("\\\\"))
            && let Ok(bytes) = decode::parse_key(text)
            && bytes != text.as_bytes()
        {
            eprintln!(
                "note: {what} {text:?} is read as typed; if it is the escaped form this tool prints, pass its bytes as --key-hex {}",
                decode::hex(&bytes).replace(' ', "")
            );
        }
        Ok(text.as_bytes().to_vec())
    }
}

/// The key bounds of every subcommand: `--prefix`, `--from` (inclusive) and `--to`
/// (exclusive), each optional, intersected.
fn bounds(
    prefix: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    hex: bool,
) -> Result<Bounds, CliError> {
    let mut bounds = match prefix {
        Some(p) => Bounds::prefix(&key_arg(p, hex, "--prefix")?),
        None => Bounds::default(),
    };
    if let Some(from) = from {
        let from = key_arg(from, hex, "--from")?;
        bounds.lower = Some(bounds.lower.map_or(from.clone(), |l| l.max(from)));
    }
    if let Some(to) = to {
        let to = key_arg(to, hex, "--to")?;
        bounds.upper = Some(bounds.upper.map_or(to.clone(), |u| u.min(to)));
    }
    Ok(bounds)
}

/// How `--prefix`, `--delimiter` and `--prefix-len` group keys.
fn grouping_arg(args: &GroupingArgs, hex: bool) -> Result<Grouping, CliError> {
    Ok(Grouping {
        within: match &args.prefix {
            Some(p) => key_arg(p, hex, "--prefix")?,
            None => Vec::new(),
        },
        delimiter: args.delimiter.as_deref().unwrap_or(":").as_bytes().to_vec(),
        prefix_len: args.prefix_len.map(|n| n as usize),
        auto: args.delimiter.is_none() && args.prefix_len.is_none(),
        chosen: false,
    })
}

/// `--allow-format-upgrade`, set once from the command line for every open.
static ALLOW_FORMAT_UPGRADE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Opens `path` on a blocking thread: read-write with `write`, else read-only or as a
/// live secondary.
async fn open(path: &Path, write: bool) -> Result<Arc<Source>, CliError> {
    let owned = path.to_path_buf();
    let source = blocking("open", move || open_blocking(&owned, write)).await?;
    Ok(Arc::new(source))
}

/// [`open`] for code already on a blocking thread.
fn open_blocking(path: &Path, write: bool) -> Result<Source, InspectError> {
    // RocksDB replays every unflushed write before the first read: say why a large WAL
    // makes the open slow rather than leave a blank terminal.
    let wal_bytes: u64 = crate::inspector::analysis::recent::live_wal_files(path)
        .map(|files| files.iter().map(|f| f.size).sum())
        .unwrap_or(0);
    if wal_bytes > 64 << 20 {
        eprintln!(
            "spear-inspect: opening {}: RocksDB replays its {} of unflushed WAL first…",
            path.display(),
            humansize::format_size(wal_bytes, humansize::BINARY)
        );
    }
    let request = OpenRequest {
        write,
        allow_format_upgrade: ALLOW_FORMAT_UPGRADE.get().copied().unwrap_or(false),
    };
    let source = Source::open_with(path, request)?;
    if let Some(sentence) = source.writing_as() {
        eprintln!("spear-inspect: {sentence}");
    }
    Ok(source)
}

/// Opens `path` and checks the column family `cf` exists.
async fn open_cf(path: &Path, cf: &str, write: bool) -> Result<Arc<Source>, CliError> {
    let source = open(path, write).await?;
    source.check_cf(cf)?;
    Ok(source)
}

/// Refuses a changing subcommand without `--write`.
fn require_write(write: bool, action: &'static str) -> Result<(), CliError> {
    if write {
        Ok(())
    } else {
        Err(InspectError::NeedsWrite { action }.into())
    }
}

/// Runs one job on the storage worker and returns its final answer.
async fn ask(source: Arc<Source>, context: Context, job: Job) -> Result<Body, CliError> {
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
fn unexpected(answer: Body) -> CliError {
    CliError::UnexpectedAnswer {
        answer: format!("{answer:?}"),
    }
}

/// Runs `work` on a blocking thread; a panic there is [`CliError::Task`] naming `task`.
async fn blocking<T, E>(
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

/// `| head` closes the pipe early: that is success, not an error.
fn ignore_broken_pipe(result: io::Result<()>) -> Result<(), CliError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(CliError::Stdout),
    }
}

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> Result<Outcome, InspectError> {
    dispatch(cli).await.map_err(Into::into)
}

async fn dispatch(cli: Cli) -> Result<Outcome, CliError> {
    let hex = cli.key_hex;
    let _ = ALLOW_FORMAT_UPGRADE.set(cli.allow_format_upgrade);
    if cli.version {
        print!("{}", version_text());
        return Ok(Outcome::Success);
    }
    let Some(command) = cli.command else {
        let Some(db) = cli.db else {
            return Err(CliError::NoDatabase);
        };
        return Ok(match tui::run_tui(&db, &cli.tui).await? {
            Ended::Signal(n) => Outcome::Signalled(n),
            Ended::Quit => Outcome::Success,
        });
    };
    match command {
        Command::Demo { dir, no_tui } => return tui::demo(&dir, no_tui, cli.tui).await,
        Command::Scan {
            db,
            cf,
            prefix,
            from,
            to,
            limit,
            json,
        } => {
            let bounds = bounds(prefix.as_deref(), from.as_deref(), to.as_deref(), hex)?;
            read::scan(&db, cf, bounds, limit, json, hex).await?
        }
        Command::Get { db, key, cf } => {
            return read::get(&db, &cf, key_arg(&key, hex, "KEY")?).await;
        }
        Command::Count {
            db,
            cf,
            prefix,
            estimate,
        } => {
            let bounds = bounds(prefix.as_deref(), None, None, hex)?;
            read::count(&db, cf, bounds, estimate).await?
        }
        Command::Nodes { db, cf, .. } => {
            read::print_records(&read::registries(&db, cf).await?.nodes)?
        }
        Command::Resources { db, cf, .. } => {
            read::print_records(&read::registries(&db, cf).await?.resources)?
        }
        Command::Stats { db, json } => read::stats(&db, json).await?,
        Command::Compact {
            db,
            cf,
            from,
            to,
            write,
        } => {
            require_write(write, "compact")?;
            let bounds = bounds(None, from.as_deref(), to.as_deref(), hex)?;
            write::maintain(
                &db,
                Context::cf(cf).with_bounds(bounds),
                worker::Maintenance::Compact,
            )
            .await?
        }
        Command::Flush { db, cf, write } => {
            require_write(write, "flush")?;
            write::maintain(&db, Context::cf(cf), worker::Maintenance::Flush).await?
        }
        Command::Put {
            db,
            key,
            value,
            cf,
            value_hex,
            write,
        } => {
            require_write(write, "put")?;
            let key = key_arg(&key, hex, "KEY")?;
            let value = if value_hex {
                decode::parse_hex(&value).ok_or(CliError::ValueNotHex)?
            } else {
                value.into_bytes()
            };
            write::put(&db, cf, key, value).await?
        }
        Command::Delete { db, key, cf, write } => {
            require_write(write, "delete")?;
            return write::delete(&db, cf, key_arg(&key, hex, "KEY")?).await;
        }
        Command::DeleteRange {
            db,
            cf,
            prefix,
            from,
            to,
            write,
        } => {
            require_write(write, "delete-range")?;
            let bounds = bounds(prefix.as_deref(), from.as_deref(), to.as_deref(), hex)?;
            if bounds == Bounds::default() {
                return Err(CliError::DeleteEverything);
            }
            write::delete_range(&db, cf, bounds).await?
        }
        Command::Checkpoint { db, dest } => copy::checkpoint(db, dest).await?,
        Command::Export {
            db,
            cf,
            prefix,
            output,
        } => {
            let bounds = bounds(prefix.as_deref(), None, None, hex)?;
            copy::export(&db, cf, bounds, output).await?
        }
        Command::Import {
            db,
            batch_size,
            newest_format,
            write,
        } => {
            require_write(write, "import")?;
            write::import(db, batch_size, newest_format).await?
        }
        Command::Migrate {
            from,
            to,
            batch_size,
        } => copy::migrate(&from, &to, batch_size).await?,
        Command::Events {
            db,
            cf,
            stream,
            task_events,
            namespaces,
            gaps,
            limit,
            ..
        } => read::events(&db, cf, stream, task_events, namespaces, gaps, limit).await?,
        Command::Diff {
            a, b, tui: true, ..
        } => {
            let args = TuiArgs {
                compare: Some(b),
                ..cli.tui
            };
            return Ok(match tui::run_tui(&a, &args).await? {
                Ended::Signal(n) => Outcome::Signalled(n),
                Ended::Quit => Outcome::Success,
            });
        }
        Command::Diff {
            a,
            b,
            cf,
            prefix,
            json,
            ..
        } => {
            let bounds = bounds(prefix.as_deref(), None, None, hex)?;
            return copy::diff(&a, &b, cf, bounds, json, hex).await;
        }
        Command::Usage { db, json } => read::usage(&db, json).await?,
        Command::Log {
            db,
            since,
            cf,
            kind,
            all,
            limit,
            timeline,
            json,
        } => {
            let query = infolog::LogQuery {
                since,
                cfs: cf,
                kinds: kind,
                all,
                limit: limit.map(|n| n as usize),
                timeline,
                json,
            };
            infolog::log(&db, query).await?
        }
        Command::Wal {
            db,
            files,
            ldb,
            print_value,
            header,
            follow,
            limit,
            json,
        } => {
            let view = match (files, ldb, follow) {
                (true, _, _) => wal::WalView::Files,
                (_, true, _) => wal::WalView::Ldb {
                    print_value,
                    header,
                },
                (_, _, true) => wal::WalView::Follow,
                _ => wal::WalView::Newest,
            };
            wal::wal(&db, view, limit as usize, json).await?
        }
        Command::History { db, key, cf, json } => {
            if !hex && key.contains("\\x") {
                eprintln!(
                    "spear-inspect: KEY is taken as the text {key:?}; for a key shown escaped (\\x00...), give its bytes in hex with --key-hex"
                );
            }
            return wal::history(&db, cf, key_arg(&key, hex, "KEY")?, json).await;
        }
        Command::Keyspace {
            db,
            cf,
            grouping,
            exact,
            top,
            json,
        } => {
            let grouping = grouping_arg(&grouping, hex)?;
            diagnose::keyspace(&db, cf, grouping, exact, top as usize, json).await?
        }
        Command::Tombstones {
            db,
            cf,
            scan,
            grouping,
            json,
        } => {
            let grouping = grouping_arg(&grouping, hex)?;
            diagnose::tombstones(&db, cf, scan, grouping, json).await?
        }
        Command::Options {
            db,
            all,
            compare,
            json,
        } => read::options(&db, all, compare, json)?,
        Command::Completions { shell } => shell::completions(shell)?,
        Command::Man => shell::man_page()?,
    }
    Ok(Outcome::Success)
}
