//! Copying every pair from one `KvStore` to another, in bounded batches with progress.

use super::kv::{KvError, KvStore, RangeOptions};

/// How far a migration has got, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationProgress {
    /// Pairs written to the destination so far.
    pub copied: usize,
    /// Bytes of keys and values written so far.
    pub bytes: u64,
    /// The source's key count when the migration started, if it was counted.
    pub total: Option<usize>,
}

/// Bytes of keys and values a batch aims to stay under, whatever `batch_size` says.
pub const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// Pairs in the first batch, before the size of a pair is known.
const FIRST_BATCH: usize = 64;

/// Copies every pair of `source` into `destination`, at most `batch_size` pairs per
/// atomic `batch_put`, calling `progress` after each batch.
///
/// Memory holds one batch at a time, whatever the size of the source: each batch is read
/// with a range query that starts just after the last key copied. Batches are bounded by
/// bytes too: the first holds a few pairs, and each next one as many as fit in
/// `BATCH_BYTES` at the average pair size seen so far (at most `batch_size`).
pub async fn migrate(
    source: &dyn KvStore,
    destination: &dyn KvStore,
    batch_size: usize,
    mut progress: impl FnMut(MigrationProgress),
) -> Result<MigrationProgress, KvError> {
    let batch_size = batch_size.max(1);
    let mut state = MigrationProgress {
        copied: 0,
        bytes: 0,
        total: Some(source.count().await?),
    };
    let mut next_start: Option<String> = None;
    let mut limit = batch_size.min(FIRST_BATCH);
    loop {
        let mut options = RangeOptions::new().limit(limit);
        options.start = next_start.take();
        let batch = source.range(&options).await?;
        let Some(last) = batch.last() else { break };
        // The smallest key after `last` in byte order is `last` followed by a NUL byte.
        next_start = Some(format!("{}\0", last.key));
        destination.batch_put(&batch).await?;
        state.copied += batch.len();
        state.bytes += batch
            .iter()
            .map(|p| (p.key.len() + p.value.len()) as u64)
            .sum::<u64>();
        progress(state);
        if batch.len() < limit {
            break;
        }
        let average = (state.bytes / state.copied as u64).max(1);
        limit = usize::try_from(BATCH_BYTES / average)
            .unwrap_or(usize::MAX)
            .clamp(1, batch_size);
    }
    Ok(state)
}
