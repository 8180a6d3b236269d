//! The CLI's streaming scan: every pair of a range in bounded batches, outside the TUI's
//! job slots.

use tokio::sync::mpsc;

use crate::inspector::error::InspectError;
use crate::inspector::source::yielding::on_walk_thread;
use crate::inspector::source::{Bounds, Pair, Source};

/// Pairs per batch.
const BATCH: usize = 1024;

/// Streams every pair of `cf` inside `bounds`, up to `limit`, in batches through `sink`;
/// the channel's bound keeps memory flat however large the result. Returns the pairs
/// sent. For the CLI's `scan`, outside the TUI's job slots. Blocking.
pub fn stream_scan(
    source: &Source,
    cf: &str,
    bounds: &Bounds,
    limit: Option<u64>,
    sink: &mpsc::Sender<Vec<Pair>>,
) -> Result<u64, InspectError> {
    let max = limit.unwrap_or(u64::MAX);
    if max == 0 {
        return Ok(0);
    }
    // A whole-range walk: on a thread of its own at the walk priority.
    on_walk_thread(|| {
        let mut sent = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        let mut receiver_gone = false;
        source.for_each(cf, bounds, limit, |key, value| {
            batch.push((key.to_vec(), value.to_vec()));
            sent += 1;
            if batch.len() == BATCH || sent == max {
                // Blocks while the consumer is behind: memory stays at a few batches.
                if sink
                    .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
                {
                    receiver_gone = true;
                    return false;
                }
            }
            sent < max
        })?;
        if !batch.is_empty() && !receiver_gone {
            let _ = sink.blocking_send(batch);
        }
        Ok(sent)
    })
}
