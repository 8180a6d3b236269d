//! Command-line definitions and the non-interactive subcommands, which go through the
//! same worker as the TUI.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use spear_next::common::{Listing, NodeInfo, NodeResourceInfo};
use spear_next::inspector::records::RegistrySnapshot;
use spear_next::inspector::source::{Bounds, Source, WriteOp};
use spear_next::inspector::stats::DbStats;
use spear_next::inspector::worker::{self, Event, Maintenance, Request};
use spear_next::inspector::{TuiOptions, demo};
use spear_next::inspector::{decode, jsonl, transfer};
use spear_next::storage::kv::{KvBackend, KvStoreConfig, create_kv_store_from_config};
use tokio::sync::mpsc;

/// Browse and inspect a RocksDB database from the terminal. Read-only unless --write.
#[derive(Debug, Parser)]
#[command(
    name = "spear-inspect",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// The database directory to open in the TUI.
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub tui: TuiArgs,
    /// Key arguments (KEY, --prefix, --from, --to) are hex.
    #[arg(long, global = true)]
    pub key_hex: bool,
    /// Where logs go (never to the terminal).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the interactive UI.
#[derive(Debug, Args, Clone)]
pub struct TuiArgs {
    /// Start in this column family.
    #[arg(long, value_name = "NAME")]
    pub cf: Option<String>,
    /// Open read-write (the database must not be locked by another process).
    #[arg(long)]
    pub write: bool,
    /// Seconds between refreshes (catching up with a running primary).
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub refresh: f64,
    /// Flag heartbeats and resource reports older than this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    pub stale_after: u64,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a demo database (if DIR does not exist) and open it in the TUI.
    Demo {
        /// Where to create it.
        #[arg(default_value = "spear-demo-db")]
        dir: PathBuf,
        /// Only create it.
        #[arg(long)]
        no_tui: bool,
    },
    /// Print pairs in key order.
    Scan {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// First key (inclusive).
        #[arg(long, value_name = "K")]
        from: Option<String>,
        /// Last key (exclusive).
        #[arg(long, value_name = "K")]
        to: Option<String>,
        /// At most N pairs.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print one value; exit 1 when the key is absent.
    Get {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
    },
    /// Print the number of keys.
    Count {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// RocksDB's instant estimate instead of an exact count.
        #[arg(long)]
        estimate: bool,
    },
    /// Print every node record as JSON lines (undecodable ones with their error).
    Nodes {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// One JSON object per line (the default; accepted for symmetry).
        #[arg(long)]
        json: bool,
    },
    /// Print every resource record as JSON lines (undecodable ones with their error).
    Resources {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// One JSON object per line (the default; accepted for symmetry).
        #[arg(long)]
        json: bool,
    },
    /// Compact a column family, or the keys in [--from, --to). Needs --write.
    Compact {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// First key (inclusive).
        #[arg(long, value_name = "K")]
        from: Option<String>,
        /// Last key (exclusive).
        #[arg(long, value_name = "K")]
        to: Option<String>,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Flush the memtables of a column family to SST files. Needs --write.
    Flush {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Store one value. Needs --write.
    Put {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// The value (text; see --value-hex).
        value: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// VALUE is hex.
        #[arg(long)]
        value_hex: bool,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Delete one key. Needs --write.
    Delete {
        /// The database directory.
        db: PathBuf,
        /// The key.
        key: String,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Delete every key with a prefix, or in [--from, --to). Needs --write.
    DeleteRange {
        /// The database directory.
        db: PathBuf,
        /// Column family.
        #[arg(long, default_value = "default")]
        cf: String,
        /// Keys starting with P.
        #[arg(long, value_name = "P", conflicts_with_all = ["from", "to"], required_unless_present_all = ["from", "to"])]
        prefix: Option<String>,
        /// First key (inclusive).
        #[arg(long, value_name = "K", requires = "to")]
        from: Option<String>,
        /// Last key (exclusive).
        #[arg(long, value_name = "K", requires = "from")]
        to: Option<String>,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Copy the database, consistently, to a new directory (also while another process
    /// holds it and keeps writing).
    Checkpoint {
        /// The database directory.
        db: PathBuf,
        /// Where the copy goes (must not exist).
        dest: PathBuf,
    },
    /// Write pairs as JSON Lines to stdout (every column family unless --cf).
    Export {
        /// The database directory.
        db: PathBuf,
        /// Only this column family.
        #[arg(long)]
        cf: Option<String>,
        /// Only keys starting with P.
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
    },
    /// Read JSON Lines from stdin into a new or existing database. Needs --write.
    Import {
        /// The database directory (created if missing).
        db: PathBuf,
        /// Pairs per atomic batch.
        #[arg(long, default_value_t = 10_000)]
        batch_size: usize,
        /// Allow changing the database.
        #[arg(long)]
        write: bool,
    },
    /// Copy every pair between backends: memory:, rocksdb:PATH, sled:PATH.
    Migrate {
        /// Where from.
        #[arg(long, value_name = "SPEC")]
        from: String,
        /// Where to.
        #[arg(long, value_name = "SPEC")]
        to: String,
        /// Pairs per atomic batch.
        #[arg(long, default_value_t = 10_000)]
        batch_size: usize,
    },
    /// Print database statistics.
    Stats {
        /// The database directory.
        db: PathBuf,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What `main` should exit with.
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the answer is "no" (a key is absent).
    NotFound,
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

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> Result<Outcome> {
    let hex = cli.key_hex;
    match cli.command {
        None => {
            let Some(db) = cli.db else {
                bail!(
                    "no database given: run `spear-inspect PATH`, or `spear-inspect demo` to try it on demo data"
                );
            };
            run_tui(&db, &cli.tui).await?;
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
                run_tui(&dir, &tui).await?;
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

async fn registries(db: &Path, cf: String) -> Result<RegistrySnapshot> {
    let source = open(db, false).await?;
    check_cf(&source, &cf)?;
    let (handle, mut events) = worker::spawn(source);
    handle.send(Request::Registry { id: 1, cf });
    match events.recv().await {
        Some(Event::Registry { snapshot, .. }) => Ok(*snapshot),
        Some(Event::Failed { message, .. }) => bail!(message),
        other => bail!("unexpected answer from the storage worker: {other:?}"),
    }
}

/// One JSON line per record: `{"key", "record"}` or, for one that does not decode,
/// `{"key", "error", "size"}`.
fn print_records<T: serde::Serialize + HasKey>(listing: &Listing<T>) -> Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        for record in &listing.records {
            let line = serde_json::json!({"key": record.key(), "record": record});
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        for broken in &listing.undecodable {
            serde_json::to_writer(&mut out, broken)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    };
    ignore_broken_pipe(write())
}

/// Records that know the key they are stored under.
trait HasKey {
    fn key(&self) -> String;
}

impl HasKey for NodeInfo {
    fn key(&self) -> String {
        NodeInfo::key(self)
    }
}

impl HasKey for NodeResourceInfo {
    fn key(&self) -> String {
        NodeResourceInfo::key(self)
    }
}

async fn maintain(db: &Path, cf: String, job: Maintenance, write: bool, verb: &str) -> Result<()> {
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

async fn open_for_write(db: &Path, write: bool, verb: &str) -> Result<Arc<Source>> {
    if !write {
        bail!("{verb} changes the database: add --write to run it (nothing was changed)");
    }
    open(db, true).await
}

async fn import(db: PathBuf, batch_size: usize) -> Result<()> {
    let done = tokio::task::spawn_blocking(move || -> Result<transfer::ImportProgress> {
        if !db.join("CURRENT").is_file() {
            // A new database: create it (with its default column family) first.
            spear_next::storage::rocksdb::open_db(
                &db,
                &spear_next::storage::rocksdb::OpenMode::ReadWrite,
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

/// `memory:`, `rocksdb:PATH`, `sled:PATH`.
fn parse_spec(spec: &str, role: &str) -> Result<KvStoreConfig> {
    let (backend, path) = spec.split_once(':').unwrap_or((spec, ""));
    let config = match (backend, path) {
        ("memory", "") => KvStoreConfig::memory(),
        ("rocksdb", p) if !p.is_empty() => KvStoreConfig::rocksdb(p),
        ("sled", p) if !p.is_empty() => KvStoreConfig::sled(p),
        _ => bail!("--{role} {spec:?} is not a store: use memory:, rocksdb:PATH or sled:PATH"),
    };
    Ok(config)
}

async fn migrate(from: &str, to: &str, batch_size: usize) -> Result<()> {
    let mut source_config = parse_spec(from, "from")?;
    let destination_config = parse_spec(to, "to")?;
    if source_config.backend == KvBackend::RocksDb {
        // Reading the source must not change it, nor need its lock.
        source_config = source_config.with_param("read_only", "true");
    }
    if let Some(path) = &source_config.path
        && !path.exists()
    {
        bail!("--from {}: no database there", path.display());
    }
    let source = create_kv_store_from_config(&source_config)
        .await
        .wrap_err_with(|| format!("opening --from {from}"))?;
    // A destination this command creates is removed again if the migration fails.
    let created = destination_config.path.clone().filter(|p| !p.exists());
    let destination = create_kv_store_from_config(&destination_config)
        .await
        .wrap_err_with(|| format!("opening --to {to}"))?;
    let mut last = std::time::Instant::now();
    let result = spear_next::storage::migrate::migrate(
        source.as_ref(),
        destination.as_ref(),
        batch_size,
        |p| {
            if last.elapsed() >= Duration::from_millis(500) {
                last = std::time::Instant::now();
                eprintln!("migrated {} of {} pairs", p.copied, p.total.unwrap_or(0));
            }
        },
    )
    .await;
    drop(destination);
    let done = match result {
        Ok(done) => done,
        Err(e) => {
            if let Some(path) = created {
                let _ = std::fs::remove_dir_all(path);
            }
            let hint = if matches!(e, spear_next::storage::kv::KvError::NonUtf8Key { .. }) {
                " (migrate goes through the KvStore layer, whose keys are UTF-8: copy a database with binary keys with `spear-inspect export DB | spear-inspect import NEW --write`)"
            } else {
                ""
            };
            bail!("migration failed, nothing kept at --to: {e}{hint}");
        }
    };
    eprintln!(
        "migrated {} pairs ({} bytes) from {from} to {to}",
        done.copied, done.bytes
    );
    if destination_config.backend == KvBackend::Memory {
        eprintln!("note: the memory: destination is gone when this command exits (a dry run)");
    }
    Ok(())
}

async fn run_tui(db: &Path, args: &TuiArgs) -> Result<()> {
    if !args.refresh.is_finite() || args.refresh <= 0.0 {
        bail!(
            "--refresh {} must be a positive number of seconds",
            args.refresh
        );
    }
    let source = open(db, args.write).await?;
    if let Some(cf) = &args.cf {
        check_cf(&source, cf)?;
    }
    tracing::info!(path = %db.display(), access = ?source.access(), "opened");
    let options = TuiOptions {
        display_path: db.display().to_string(),
        cf: args.cf.clone(),
        refresh: Duration::from_secs_f64(args.refresh),
        stale_after: Duration::from_secs(args.stale_after),
    };
    spear_next::inspector::run(source, options)
        .await
        .wrap_err("the terminal UI failed")
}

/// `| head` closes the pipe early: that is success, not an error.
fn ignore_broken_pipe(result: io::Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.wrap_err("writing to standard output"),
    }
}

async fn scan(
    source: Arc<Source>,
    cf: String,
    bounds: Bounds,
    limit: Option<u64>,
    json: bool,
    hex: bool,
) -> Result<()> {
    let (sink, mut batches) = mpsc::channel(4);
    let (handle, mut events) = worker::spawn(source);
    handle.send(Request::Scan {
        id: 1,
        cf,
        bounds,
        limit,
        sink,
    });
    // Writing is blocking I/O: do it on a blocking thread, batch by batch.
    let writer = tokio::task::spawn_blocking(move || -> io::Result<()> {
        let stdout = io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        while let Some(batch) = batches.blocking_recv() {
            for (key, value) in batch {
                if json {
                    jsonl::write_pair(&mut out, None, &key, &value)?;
                } else {
                    write_plain_pair(&mut out, &key, &value, hex)?;
                }
            }
        }
        out.flush()
    });
    let written = writer.await.wrap_err("the output task failed")?;
    ignore_broken_pipe(written)?;
    while let Some(event) = events.recv().await {
        match event {
            Event::Done { .. } => break,
            Event::Failed { message, .. } => bail!(message),
            _ => {}
        }
    }
    Ok(())
}

fn write_plain_pair(out: &mut impl Write, key: &[u8], value: &[u8], hex: bool) -> io::Result<()> {
    if hex {
        writeln!(out, "0x{} ==> 0x{}", decode::hex(key), decode::hex(value))
    } else {
        writeln!(
            out,
            "{} ==> {}",
            decode::escape_key(key),
            decode::escape_key(value)
        )
    }
}

fn print_stats(stats: &DbStats, json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, stats)?;
        return ignore_broken_pipe(writeln!(out));
    }
    use humansize::{BINARY, format_size};
    let mut text = format!(
        "{} ({})\nrunning compactions {}  flushes {}  write stopped {}  background errors {}\nblock cache {} of {}\n",
        stats.path,
        serde_json::to_value(stats.access)?
            .as_str()
            .unwrap_or_default(),
        stats.running_compactions,
        stats.running_flushes,
        stats.write_stopped,
        stats.background_errors,
        format_size(stats.block_cache_usage, BINARY),
        format_size(stats.block_cache_capacity, BINARY),
    );
    for cf in &stats.column_families {
        text.push_str(&format!(
            "\n[{}] ~{} keys, live SST {}, memtables {}, pending compaction {}\n",
            cf.name,
            cf.estimate_num_keys,
            format_size(cf.live_sst_bytes, BINARY),
            format_size(cf.memtable_bytes, BINARY),
            format_size(cf.pending_compaction_bytes, BINARY)
        ));
        for level in &cf.levels {
            text.push_str(&format!(
                "  L{}: {} files, {}\n",
                level.level,
                level.files,
                format_size(level.bytes, BINARY)
            ));
        }
    }
    ignore_broken_pipe(out.write_all(text.as_bytes()))
}
