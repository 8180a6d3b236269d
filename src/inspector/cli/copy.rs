//! Copies: `checkpoint` (a consistent copy), `export` (JSON Lines), and `migrate`
//! between stores through the `KvStore` layer.

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail};

use super::{ignore_broken_pipe, open};
use crate::inspector::db::privacy::Privacy;
use crate::inspector::db::source::Bounds;
use crate::inspector::db::transfer;
use crate::storage::kv::{KvBackend, KvStoreConfig, create_kv_store_from_config};

/// `checkpoint`: a consistent copy of a database that may be live.
pub(super) async fn checkpoint(db: PathBuf, dest: PathBuf) -> Result<()> {
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
    Ok(())
}

/// `export`: JSON Lines of every column family (or one) to stdout.
pub(super) async fn export(
    db: &Path,
    cf: Option<String>,
    bounds: Bounds,
    output: Option<PathBuf>,
) -> Result<()> {
    let source = open(db, false).await?;
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
                .wrap_err_with(|| format!("creating --output {}", path.display()))?;
            Some(file)
        }
        None => None,
    };
    let exported = tokio::task::spawn_blocking(move || match file {
        Some(file) => {
            let mut out = BufWriter::with_capacity(1 << 16, file);
            transfer::export(&source, &cfs, &bounds, &mut out)
        }
        None => {
            let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
            transfer::export(&source, &cfs, &bounds, &mut out)
        }
    })
    .await
    .wrap_err("the export task failed")?;
    match exported {
        Err(transfer::ExportError::Output(e)) if output.is_none() => ignore_broken_pipe(Err(e)),
        other => other.map(drop).map_err(Into::into),
    }
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

pub(super) async fn migrate(from: &str, to: &str, batch_size: usize) -> Result<()> {
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
        .wrap_err_with(|| format!("opening --to {to}"))?;
    let mut last = std::time::Instant::now();
    let result =
        crate::storage::migrate::migrate(source.as_ref(), destination.as_ref(), batch_size, |p| {
            if last.elapsed() >= Duration::from_millis(500) {
                last = std::time::Instant::now();
                eprintln!("migrated {} of {} pairs", p.copied, p.total.unwrap_or(0));
            }
        })
        .await;
    drop(destination);
    let done = match result {
        Ok(done) => done,
        Err(e) => {
            if let Some(path) = created {
                let _ = std::fs::remove_dir_all(path);
            }
            let hint = if matches!(e, crate::storage::kv::KvError::NonUtf8Key { .. }) {
                " (migrate goes through the KvStore layer, whose keys are UTF-8: copy a database with binary keys with `spear-inspect export DB | spear-inspect import NEW --write`)"
            } else {
                ""
            };
            bail!("migration failed, nothing kept at --to: {e}{hint}");
        }
    };
    if let (Some(privacy), Some(path)) = (privacy, &created) {
        privacy
            .apply_to(path)
            .wrap_err_with(|| format!("giving {} the modes of the source", path.display()))?;
    }
    eprintln!(
        "migrated {} pairs ({} bytes) from {from} to {to}",
        done.copied, done.bytes
    );
    if destination_config.backend == KvBackend::Memory {
        eprintln!("note: the memory: destination is gone when this command exits (a dry run)");
    }
    Ok(())
}
