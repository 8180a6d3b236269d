//! Copies and comparisons: `checkpoint` (a consistent copy), `export` (JSON Lines),
//! `diff` (two databases key by key) and `migrate` between stores through the `KvStore`
//! layer.

use std::io::{self, BufWriter, Write};
use std::time::Duration;

use super::args::{CheckpointArgs, DiffArgs, ExportArgs, GlobalArgs, MigrateArgs, TuiArgs};
use super::db::{READ_ONLY, blocking, open};
use super::error::CliError;
use super::groups::RangeArgs;
use super::output::ignore_broken_pipe;
use super::{Outcome, tui};
use crate::inspector::analysis::diff::{Change, DiffCounts, Difference, diff_cf};
use crate::inspector::error::InspectError;
use crate::inspector::source::in_order::run_in_order;
use crate::inspector::source::yielding::on_walk_thread;
use crate::inspector::source::{Bounds, OrderedError, Source, walk_threads};
use crate::inspector::write::privacy::Privacy;
use crate::inspector::write::transfer;
use crate::storage::kv::{KvBackend, KvStoreConfig, create_kv_store_from_config};

/// Prefixes a migration names in its verification (the largest; the rest are counted).
const PREFIXES_SHOWN: usize = 20;
/// `checkpoint`: a consistent copy of a database that may be live.
pub(super) async fn checkpoint(args: CheckpointArgs) -> Result<Outcome, CliError> {
    let CheckpointArgs { db, dest } = args;
    let report = blocking("checkpoint", move || transfer::checkpoint(&db, &dest)).await?;
    let total: u64 = report.pairs.iter().map(|(_, n)| n).sum();
    eprintln!(
        "checkpoint at {}: {total} pairs in {} column famil{} ({} open{})",
        report.path.display(),
        report.pairs.len(),
        if report.pairs.len() == 1 { "y" } else { "ies" },
        report.attempts,
        if report.attempts == 1 {
            ""
        } else {
            "s: the database was busy"
        }
    );
    Ok(Outcome::Success)
}

/// `export`: JSON Lines of every column family (or one) to stdout.
pub(super) async fn export(args: ExportArgs, global: &GlobalArgs) -> Result<Outcome, CliError> {
    let bounds = RangeArgs::from(args.prefix).bounds(global.key_hex)?;
    let ExportArgs {
        db,
        cf,
        output,
        decode,
        decoders,
        ..
    } = args;
    let db = db.as_path();
    let rules = match decode {
        true => Some(super::read::decoder_config(db, decoders.as_deref())?),
        false => None,
    };
    let source = open(db, READ_ONLY).await?;
    super::read::rules_fit(rules.as_ref(), source.column_families())?;
    let cfs = match cf {
        Some(cf) => {
            source.check_cf(&cf)?;
            vec![cf]
        }
        None => source.column_families().to_vec(),
    };
    // A file of a private database's pairs is as private as the database.
    let file = match &output {
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt;
            let private = Privacy::of(db).is_none_or(|p| !p.world_readable());
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(if private { 0o600 } else { 0o644 })
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)
                .map_err(|source| CliError::CreateOutput {
                    path: path.clone(),
                    source,
                })?;
            Some(file)
        }
        None => None,
    };
    // A whole-database walk: on a thread of its own at the walk priority.
    let exported = blocking("export", move || {
        Ok::<_, CliError>(on_walk_thread(|| match file {
            Some(file) => {
                let mut out = BufWriter::with_capacity(1 << 16, file);
                transfer::export(&source, &cfs, &bounds, rules.as_ref(), &mut out)
            }
            None => {
                let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
                transfer::export(&source, &cfs, &bounds, rules.as_ref(), &mut out)
            }
        }))
    })
    .await?;
    match exported {
        Err(transfer::ExportError::Output(e)) if output.is_none() => ignore_broken_pipe(Err(e))?,
        other => other.map(drop)?,
    }
    Ok(Outcome::Success)
}

/// `diff`: both databases walked side by side, per column family; differences on stdout,
/// a summary per column family on stderr. With `--tui`, the TUI's Diff screen instead.
pub(super) async fn diff(
    args: DiffArgs,
    tui: TuiArgs,
    global: &GlobalArgs,
) -> Result<Outcome, CliError> {
    if args.tui {
        return tui::compare(&args.a, args.b, tui, global).await;
    }
    let bounds = RangeArgs::from(args.prefix).bounds(global.key_hex)?;
    let DiffArgs { a, b, cf, json, .. } = args;
    let hex = global.key_hex;
    let (left, right) = (open(&a, READ_ONLY).await?, open(&b, READ_ONLY).await?);
    let families: Vec<String> = match cf {
        Some(cf) => {
            if !left.column_families().contains(&cf) && !right.column_families().contains(&cf) {
                return Err(InspectError::Invalid(format!(
                    "no column family {cf:?} in either database: {} has {}; {} has {}",
                    a.display(),
                    left.column_families().join(", "),
                    b.display(),
                    right.column_families().join(", ")
                ))
                .into());
            }
            vec![cf]
        }
        None => {
            let mut all: Vec<String> = left.column_families().to_vec();
            for cf in right.column_families() {
                if !all.contains(cf) {
                    all.push(cf.clone());
                }
            }
            all
        }
    };
    let differ = blocking("diff", move || -> Result<bool, CliError> {
        let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
        let mut differ = false;
        for cf in &families {
            let counts = diff_in_order(&left, &right, cf, &bounds, json, hex, &mut out)?;
            eprintln!(
                "[{cf}] {} added, {} removed, {} changed, {} the same",
                counts.added, counts.removed, counts.changed, counts.same
            );
            differ |= counts.differ();
        }
        match out.flush() {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Stdout(e)),
            _ => Ok(differ),
        }
    })
    .await?;
    Ok(if differ {
        Outcome::Differ
    } else {
        Outcome::Success
    })
}

/// Parts of a column family per walk thread, for `diff`: a thread that drew a short part
/// takes another.
const DIFF_PARTS_PER_THREAD: usize = 4;

/// One column family of `diff`: cut into parts by A's data (the parts cover the bounds
/// whole, so B's keys outside A's are compared too), the parts compared on every core,
/// the differences written in key order. A closed pipe ends the output quietly.
fn diff_in_order(
    left: &Source,
    right: &Source,
    cf: &str,
    bounds: &Bounds,
    json: bool,
    hex: bool,
    out: &mut impl Write,
) -> Result<DiffCounts, CliError> {
    let threads = walk_threads();
    let splittable =
        threads > 1 && left.cluster().is_none() && left.column_families().iter().any(|c| c == cf);
    let parts = if splittable {
        left.split(cf, bounds, threads * DIFF_PARTS_PER_THREAD)?
    } else {
        vec![bounds.clone()]
    };
    let compared = run_in_order(
        &parts,
        threads,
        |part, output, stop| {
            let mut line = Vec::with_capacity(256);
            // False once the writer has stopped (a closed pipe): the walk stops too.
            let writing = std::cell::Cell::new(true);
            let counts = diff_cf(
                left,
                right,
                cf,
                part,
                &|| stop() || !writing.get(),
                &mut |d| {
                    if writing.get() {
                        line.clear();
                        difference_line(&mut line, cf, &d, json, hex);
                        writing.set(output.write(&line));
                    }
                },
            )?;
            Ok(counts)
        },
        |chunk| out.write_all(chunk),
    );
    let per_part = match compared {
        Ok(per_part) => per_part,
        Err(OrderedError::Read(e)) => return Err(e.into()),
        Err(OrderedError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(DiffCounts::default());
        }
        Err(OrderedError::Write(e)) => return Err(CliError::Stdout(e)),
    };
    let mut counts = DiffCounts::default();
    for part in per_part {
        let part = part.ok_or(CliError::ComparisonStopped)?;
        counts.added += part.added;
        counts.removed += part.removed;
        counts.changed += part.changed;
        counts.same += part.same;
    }
    Ok(counts)
}

/// One difference as `diff` prints it: `+ [cf] key (12 B)`, or a JSON object per line.
fn difference_line(out: &mut Vec<u8>, cf: &str, d: &Difference<'_>, json: bool, hex: bool) {
    if json {
        let mut line = serde_json::json!({"cf": cf, "change": d.change});
        let field = |bytes: &[u8]| match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::json!(text),
            Err(_) => serde_json::json!(crate::inspector::decode::hex(bytes)),
        };
        let key_name = if std::str::from_utf8(d.key).is_ok() {
            "key"
        } else {
            "key_hex"
        };
        line[key_name] = field(d.key);
        line["old_size"] = serde_json::json!(d.old.map(<[u8]>::len));
        line["new_size"] = serde_json::json!(d.new.map(<[u8]>::len));
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &line);
        out.push(b'\n');
        return;
    }
    let key = if hex {
        format!("0x{}", crate::inspector::decode::hex(d.key))
    } else {
        crate::inspector::decode::escape_key(d.key)
    };
    let size = |v: Option<&[u8]>| v.map_or(0, <[u8]>::len);
    let (mark, sizes) = match d.change {
        Change::Added => ("+", format!("{} B", size(d.new))),
        Change::Removed => ("-", format!("{} B", size(d.old))),
        Change::Changed => ("~", format!("{} B -> {} B", size(d.old), size(d.new))),
    };
    let _ = writeln!(out, "{mark} [{cf}] {key} ({sizes})");
}

/// `memory:`, `rocksdb:PATH`, `sled:PATH`.
fn parse_spec(spec: &str, role: &'static str) -> Result<KvStoreConfig, CliError> {
    if spec.starts_with("etcd://") {
        return KvStoreConfig::etcd_url(spec).map_err(|source| CliError::OpenStore {
            role,
            spec: spec.to_string(),
            source: Box::new(source),
        });
    }
    let (backend, path) = spec.split_once(':').unwrap_or((spec, ""));
    let config = match (backend, path) {
        ("memory", "") => KvStoreConfig::memory(),
        ("rocksdb", p) if !p.is_empty() => KvStoreConfig::rocksdb(p),
        ("sled", p) if !p.is_empty() => KvStoreConfig::sled(p),
        _ => {
            return Err(CliError::NotAStore {
                role,
                spec: spec.to_string(),
            });
        }
    };
    Ok(config)
}

/// The batch size an etcd destination can take in one transaction (its `max_txn_ops`,
/// etcd's default 128 unless the URL's store says otherwise), said when it is lowered.
fn within_transaction_limit(destination: &KvStoreConfig, batch_size: usize) -> usize {
    if destination.backend != KvBackend::Etcd {
        return batch_size;
    }
    let limit = destination
        .get_param("max_txn_ops")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(128);
    if batch_size > limit {
        eprintln!(
            "batches of {limit} pairs: an etcd transaction holds at most {limit} operations (set KV_STORE_MAX_TXN_OPS to the server's --max-txn-ops to change it)"
        );
    }
    batch_size.min(limit)
}

/// `migrate`: every pair from one `KvStore` to another, then both sides compared.
///
/// The `KvStore` layer carries a RocksDB database's `default` column family with UTF-8
/// keys and nothing else, so a RocksDB source is looked through first and refused, before
/// `--to` is created or opened, if it holds more: the refusal names what and the commands
/// that copy everything. A destination that already holds pairs is refused too (the
/// copy would merge into it, and could not be compared with the source).
pub(super) async fn migrate(args: MigrateArgs) -> Result<Outcome, CliError> {
    use crate::storage::migrate as kv_migrate;
    let (from, to, batch_size) = (args.from.as_str(), args.to.as_str(), args.batch_size);
    let mut source_config = parse_spec(from, "from")?;
    let destination_config = parse_spec(to, "to")?;
    if source_config.backend == KvBackend::RocksDb {
        // Reading the source must not change it, nor need its lock.
        source_config = source_config.with_param("read_only", "true");
    }
    if let Some(path) = &source_config.path
        && !path.exists()
    {
        return Err(CliError::NoSourceDatabase { path: path.clone() });
    }
    let mut empty_families = Vec::new();
    let source: Box<dyn crate::storage::kv::KvStore> =
        if source_config.backend == KvBackend::RocksDb {
            let store = crate::storage::rocksdb::RocksDbKvStore::open(&source_config)
                .await
                .map_err(|source| CliError::OpenStore {
                    role: "from",
                    spec: from.to_string(),
                    source: Box::new(source),
                })?;
            let beyond = kv_migrate::beyond_kv_layer(&store)
                .await
                .map_err(|source| CliError::ReadSource {
                    spec: from.to_string(),
                    source: Box::new(source),
                })?;
            if let Some(refusal) = beyond.refusal() {
                return Err(CliError::BeyondKvLayer {
                    from: from.to_string(),
                    refusal: Box::new(refusal),
                    advice: beyond_advice(from, to, &destination_config),
                });
            }
            empty_families = beyond.empty_column_families;
            Box::new(store)
        } else {
            create_kv_store_from_config(&source_config)
                .await
                .map_err(|source| CliError::OpenStore {
                    role: "from",
                    spec: from.to_string(),
                    source: Box::new(source),
                })?
        };
    // A destination this command creates is removed again if the migration fails, and
    // is no more open than the source (its files made under the source's umask, then
    // given its modes and, when root migrates, its owner).
    let created = destination_config.path.clone().filter(|p| !p.exists());
    let privacy = source_config.path.as_deref().and_then(|p| {
        // Sled keeps no CURRENT file: its directory's mode stands for its files'.
        Privacy::of(p).or_else(|| {
            let meta = std::fs::metadata(p).ok()?;
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let dir_mode = meta.permissions().mode() & 0o777;
            Some(Privacy {
                dir_mode,
                file_mode: dir_mode & 0o666,
                owner: (meta.uid(), meta.gid()),
            })
        })
    });
    if let (Some(privacy), Some(_)) = (privacy, &created) {
        nix::sys::stat::umask(privacy.umask());
    }
    let destination = create_kv_store_from_config(&destination_config)
        .await
        .map_err(|source| CliError::OpenStore {
            role: "to",
            spec: to.to_string(),
            source: Box::new(source),
        })?;
    let remove_created = || {
        if let Some(path) = &created {
            let _ = std::fs::remove_dir_all(path);
        }
    };
    if !args.resume
        && let Err(e) = kv_migrate::require_empty(destination.as_ref()).await
    {
        drop(destination);
        remove_created();
        return Err(CliError::DestinationRefused {
            spec: to.to_string(),
            source: Box::new(e),
        });
    }
    let batch_size = within_transaction_limit(&destination_config, batch_size);
    let mut last = std::time::Instant::now();
    let mut written = 0;
    let report = |p: kv_migrate::MigrationProgress| {
        written = p.copied + p.resumed;
        if last.elapsed() >= Duration::from_millis(500) {
            last = std::time::Instant::now();
            eprintln!(
                "migrated {} of {} pairs",
                p.copied + p.resumed,
                p.total.unwrap_or(0)
            );
        }
    };
    let result = if args.resume {
        kv_migrate::resume(source.as_ref(), destination.as_ref(), batch_size, report).await
    } else {
        kv_migrate::migrate(source.as_ref(), destination.as_ref(), batch_size, report).await
    };
    // The whole, as copied, against the destination read back; then both sides read
    // again and compared prefix by prefix.
    let verified = match &result {
        Ok(done) => Some(
            match kv_migrate::verify(done, destination.as_ref(), batch_size).await {
                Ok(both) => {
                    kv_migrate::verify_by_prefix(source.as_ref(), destination.as_ref(), batch_size)
                        .await
                        .map(|prefixes| (both, prefixes))
                }
                Err(e) => Err(e),
            },
        ),
        Err(_) => None,
    };
    drop(destination);
    let done = match result {
        Ok(done) => done,
        Err(e) => {
            let kept = if created.is_some() {
                remove_created();
                "nothing kept at --to".to_string()
            } else {
                // Batches are atomic: what was written is whole batches, in key order.
                format!(
                    "--to keeps the first {written} pairs written before the failure (add --resume to continue)"
                )
            };
            return Err(CliError::MigrationFailed {
                kept,
                error: Box::new(e),
            });
        }
    };
    if let (Some(privacy), Some(path)) = (privacy, &created) {
        privacy
            .apply_to(path)
            .map_err(|source| CliError::CopyModes {
                path: path.clone(),
                source,
            })?;
    }
    if done.resumed > 0 {
        eprintln!("resumed: {} pairs were at --to already", done.resumed);
    }
    eprintln!(
        "migrated {} pairs ({} bytes) from {from} to {to}",
        done.copied, done.bytes
    );
    let (both, prefixes) = match verified {
        Some(Ok(both)) => both,
        Some(Err(e)) => {
            // The copy is kept as written: it is the evidence of what went wrong.
            return Err(CliError::Verify {
                to: to.to_string(),
                from: from.to_string(),
                source: Box::new(e),
            });
        }
        None => unreachable!("a migration that succeeded is verified"),
    };
    if !empty_families.is_empty() {
        eprintln!(
            "note: the empty column families {} of --from are not created at --to",
            empty_families.join(", ")
        );
    }
    if destination_config.backend == KvBackend::Memory {
        eprintln!("note: the memory: destination is gone when this command exits (a dry run)");
    }
    let what = if source_config.backend == KvBackend::RocksDb {
        "column family default"
    } else {
        "the store"
    };
    // Per prefix too; a store of thousands of prefixes names the largest few.
    let mut largest: Vec<_> = prefixes.iter().collect();
    largest.sort_by(|a, b| {
        b.source
            .pairs
            .cmp(&a.source.pairs)
            .then(a.prefix.cmp(&b.prefix))
    });
    for check in largest.iter().take(PREFIXES_SHOWN) {
        eprintln!("verified: {} {} on both sides", check.prefix, check.source);
    }
    if largest.len() > PREFIXES_SHOWN {
        eprintln!(
            "verified: {} more prefixes, each equal on both sides",
            largest.len() - PREFIXES_SHOWN
        );
    }
    eprintln!(
        "verified: {both} on both sides (count and FNV-1a 64 of every key and value of {what}, --to read back)"
    );
    Ok(Outcome::Success)
}

/// The path of a `backend:PATH` spec, for the commands a message suggests.
/// What to do when a RocksDB source holds more than `migrate` carries.
fn beyond_advice(from: &str, to: &str, destination: &KvStoreConfig) -> String {
    let source = spec_path(from);
    if destination.backend == KvBackend::Etcd {
        format!(
            "etcd holds one flat key space of text keys: move what is beyond the default column family's UTF-8 keys elsewhere first, or keep it as JSON Lines with `spear-inspect export {source} --cf NAME > NAME.jsonl`"
        )
    } else {
        format!(
            "Copy every column family and key with `spear-inspect export {source} | spear-inspect import {} --write`",
            spec_path(to)
        )
    }
}

fn spec_path(spec: &str) -> &str {
    spec.split_once(':').map_or(spec, |(_, path)| path)
}
