//! Copies between stores: `migrate` through the `KvStore` layer.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail};

use crate::storage::kv::{KvBackend, KvStoreConfig, create_kv_store_from_config};

/// `memory:`, `rocksdb:PATH`, `sled:PATH`.
pub(super) fn parse_spec(spec: &str, role: &str) -> Result<KvStoreConfig> {
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
    // A destination this command creates is removed again if the migration fails.
    let created = destination_config.path.clone().filter(|p| !p.exists());
    let destination = create_kv_store_from_config(&destination_config)
        .await
        .wrap_err_with(|| format!("opening --to {to}"))?;
    let mut last = std::time::Instant::now();
    let result = crate::storage::migrate::migrate(
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
            let hint = if matches!(e, crate::storage::kv::KvError::NonUtf8Key { .. }) {
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
