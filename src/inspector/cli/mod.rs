//! The command line: `args` defines it; `run` dispatches each subcommand to the file of
//! its family (`read`, `write`, `copy`, `tui`, `shell`). The subcommands go through the
//! same storage worker as the TUI. Errors get their context here, at the program's edge.

mod args;
mod copy;
mod ranges;
mod read;
mod shell;
mod tui;
mod write;

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

pub use args::{Cli, Command, TuiArgs};
pub use shell::version_text;

use crate::inspector::decode;
use crate::inspector::source::{Bounds, Source, WriteOp};
use crate::inspector::worker::{self, Event, Maintenance, Request};
use crate::inspector::{Ended, demo, transfer};
use copy::migrate;
use read::{print_records, print_stats, registries, scan};
use write::{import, maintain, open_for_write};

/// What `main` should exit with.
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the answer is "no" (a key is absent).
    NotFound,
    /// Exit 128 + N: the TUI was ended by signal N (terminal restored).
    Signalled(i32),
}

fn key_arg(text: &str, hex: bool, what: &str) -> Result<Vec<u8>> {
    if hex {
        decode::parse_hex(text).ok_or_else(|| {
            eyre!("{what} {text:?} is not hex (--key-hex is set): use pairs of 0-9a-f digits")
        })
    } else {
        Ok(text.as_bytes().to_vec())
    }
}

async fn open(path: &Path, write: bool) -> Result<Arc<Source>> {
    let owned = path.to_path_buf();
    let source = tokio::task::spawn_blocking(move || Source::open(&owned, write))
        .await
        .wrap_err("the open task failed")??;
    Ok(Arc::new(source))
}

fn check_cf(source: &Source, cf: &str) -> Result<()> {
    source.check_cf(cf).map_err(Into::into)
}

/// `| head` closes the pipe early: that is success, not an error.
fn ignore_broken_pipe(result: io::Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.wrap_err("writing to standard output"),
    }
}

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> Result<Outcome> {
    let hex = cli.key_hex;
    if cli.version {
        print!("{}", version_text());
        return Ok(Outcome::Success);
    }
    match cli.command {
        None => {
            let Some(db) = cli.db else {
                bail!(
                    "no database given: run `spear-inspect PATH`, or `spear-inspect demo` to try it on demo data"
                );
            };
            if let Ended::Signal(n) = tui::run_tui(&db, &cli.tui).await? {
                return Ok(Outcome::Signalled(n));
            }
        }
        Some(Command::Demo { dir, no_tui }) => {
            if dir.exists() {
                if !dir.join("CURRENT").is_file() {
                    bail!(
                        "{} exists and is not a RocksDB database: choose another directory for the demo",
                        dir.display()
                    );
                }
                eprintln!("using the existing demo database at {}", dir.display());
            } else {
                let summary = demo::create(&dir, chrono::Utc::now())
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
            if !no_tui {
                let tui = TuiArgs {
                    write: true,
                    ..cli.tui
                };
                if let Ended::Signal(n) = tui::run_tui(&dir, &tui).await? {
                    return Ok(Outcome::Signalled(n));
                }
            }
        }
        Some(Command::Scan {
            db,
            cf,
            prefix,
            from,
            to,
            limit,
            json,
        }) => {
            let mut bounds = match &prefix {
                Some(p) => Bounds::prefix(&key_arg(p, hex, "--prefix")?),
                None => Bounds::default(),
            };
            if let Some(from) = &from {
                let from = key_arg(from, hex, "--from")?;
                bounds.lower = Some(bounds.lower.map_or(from.clone(), |l| l.max(from)));
            }
            if let Some(to) = &to {
                let to = key_arg(to, hex, "--to")?;
                bounds.upper = Some(bounds.upper.map_or(to.clone(), |u| u.min(to)));
            }
            let source = open(&db, false).await?;
            check_cf(&source, &cf)?;
            scan(source, cf, bounds, limit, json, hex).await?;
        }
        Some(Command::Get { db, key, cf }) => {
            let key = key_arg(&key, hex, "KEY")?;
            let source = open(&db, false).await?;
            check_cf(&source, &cf)?;
            let (handle, mut events) = worker::spawn(source);
            handle.send(Request::Value {
                id: 1,
                cf,
                key,
                max_len: usize::MAX,
            });
            match events.recv().await {
                Some(Event::Value {
                    value: Some((bytes, _)),
                    ..
                }) => {
                    let mut out = io::stdout().lock();
                    ignore_broken_pipe(out.write_all(&bytes).and_then(|_| out.write_all(b"\n")))?;
                }
                Some(Event::Value { value: None, .. }) => return Ok(Outcome::NotFound),
                Some(Event::Failed { message, .. }) => bail!(message),
                other => bail!("unexpected answer from the storage worker: {other:?}"),
            }
        }
        Some(Command::Count {
            db,
            cf,
            prefix,
            estimate,
        }) => {
            if estimate && prefix.is_some() {
                bail!(
                    "--estimate covers a whole column family: drop --prefix, or drop --estimate for an exact count"
                );
            }
            let bounds = match &prefix {
                Some(p) => Bounds::prefix(&key_arg(p, hex, "--prefix")?),
                None => Bounds::default(),
            };
            let source = open(&db, false).await?;
            check_cf(&source, &cf)?;
            let (handle, mut events) = worker::spawn(source);
            handle.send(if estimate {
                Request::Refresh { id: 1, cf }
            } else {
                Request::Count { id: 1, cf, bounds }
            });
            while let Some(event) = events.recv().await {
                match event {
                    Event::Done { matched, .. }
                    | Event::Refreshed {
                        estimate: matched, ..
                    } => {
                        println!("{matched}");
                        break;
                    }
                    Event::Failed { message, .. } => bail!(message),
                    _ => {}
                }
            }
        }
        Some(Command::Nodes { db, cf, .. }) => {
            let snapshot = registries(&db, cf).await?;
            print_records(&snapshot.nodes)?;
        }
        Some(Command::Resources { db, cf, .. }) => {
            let snapshot = registries(&db, cf).await?;
            print_records(&snapshot.resources)?;
        }
        Some(Command::Compact {
            db,
            cf,
            from,
            to,
            write,
        }) => {
            let bounds = Bounds {
                lower: from.map(|k| key_arg(&k, hex, "--from")).transpose()?,
                upper: to.map(|k| key_arg(&k, hex, "--to")).transpose()?,
            };
            maintain(&db, cf, Maintenance::Compact(bounds), write, "compact").await?;
        }
        Some(Command::Flush { db, cf, write }) => {
            maintain(&db, cf, Maintenance::Flush, write, "flush").await?;
        }
        Some(Command::Put {
            db,
            key,
            value,
            cf,
            value_hex,
            write,
        }) => {
            let key = key_arg(&key, hex, "KEY")?;
            let value = if value_hex {
                decode::parse_hex(&value)
                    .ok_or_else(|| eyre!("VALUE is not hex (--value-hex is set)"))?
            } else {
                value.into_bytes()
            };
            let source = open_for_write(&db, write, "put").await?;
            check_cf(&source, &cf)?;
            source.apply(&cf, &[WriteOp::Put(key, value)])?;
        }
        Some(Command::Delete { db, key, cf, write }) => {
            let key = key_arg(&key, hex, "KEY")?;
            let source = open_for_write(&db, write, "delete").await?;
            check_cf(&source, &cf)?;
            if source.get(&cf, &key, 0)?.is_none() {
                return Ok(Outcome::NotFound);
            }
            source.apply(&cf, &[WriteOp::Delete(key)])?;
        }
        Some(Command::DeleteRange {
            db,
            cf,
            prefix,
            from,
            to,
            write,
        }) => {
            let bounds = match (prefix, from, to) {
                (Some(p), _, _) => Bounds::prefix(&key_arg(&p, hex, "--prefix")?),
                (None, Some(f), Some(t)) => Bounds {
                    lower: Some(key_arg(&f, hex, "--from")?),
                    upper: Some(key_arg(&t, hex, "--to")?),
                },
                _ => bail!("delete-range needs --prefix P, or both --from K and --to K"),
            };
            if bounds == Bounds::default() {
                bail!(
                    "an empty --prefix would delete every key: refused (drop the column family instead)"
                );
            }
            let source = open_for_write(&db, write, "delete-range").await?;
            check_cf(&source, &cf)?;
            let n = source.delete_range(&cf, &bounds)?;
            eprintln!("deleted {n} keys");
        }
        Some(Command::Checkpoint { db, dest }) => {
            let report = tokio::task::spawn_blocking(move || transfer::checkpoint(&db, &dest))
                .await
                .wrap_err("the checkpoint task failed")??;
            let total: u64 = report.pairs.iter().map(|(_, n)| n).sum();
            eprintln!(
                "checkpoint at {}: {total} pairs in {} column families ({} open{})",
                report.path.display(),
                report.pairs.len(),
                report.attempts,
                if report.attempts == 1 {
                    ""
                } else {
                    "s: the database was busy"
                }
            );
        }
        Some(Command::Export { db, cf, prefix }) => {
            let bounds = match &prefix {
                Some(p) => Bounds::prefix(&key_arg(p, hex, "--prefix")?),
                None => Bounds::default(),
            };
            let source = open(&db, false).await?;
            let cfs = match cf {
                Some(cf) => {
                    check_cf(&source, &cf)?;
                    vec![cf]
                }
                None => source.column_families().to_vec(),
            };
            let exported = tokio::task::spawn_blocking(move || {
                let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
                transfer::export(&source, &cfs, &bounds, &mut out)
            })
            .await
            .wrap_err("the export task failed")?;
            match exported {
                Err(transfer::ExportError::Output(e)) => ignore_broken_pipe(Err(e))?,
                other => {
                    other?;
                }
            }
        }
        Some(Command::Import {
            db,
            batch_size,
            write,
        }) => {
            if !write {
                bail!("import changes the database: add --write to run it (nothing was changed)");
            }
            import(db, batch_size).await?;
        }
        Some(Command::Migrate {
            from,
            to,
            batch_size,
        }) => migrate(&from, &to, batch_size).await?,
        Some(Command::Completions { shell }) => shell::completions(shell)?,
        Some(Command::Man) => shell::man_page()?,
        Some(Command::Stats { db, json }) => {
            let source = open(&db, false).await?;
            let (handle, mut events) = worker::spawn(source);
            handle.send(Request::Stats { id: 1 });
            match events.recv().await {
                Some(Event::Stats { stats, .. }) => print_stats(&stats, json)?,
                Some(Event::Failed { message, .. }) => bail!(message),
                other => bail!("unexpected answer from the storage worker: {other:?}"),
            }
        }
    }
    Ok(Outcome::Success)
}
