//! Streams in key order, read on every core: the parts of a key range (`split`) are
//! read and encoded by walk threads into bounded chunks, and the calling thread writes
//! the chunks part by part, in order. Parts are taken in key order and each holds at most
//! a few chunks while it waits its turn, so memory stays at threads × a few chunks
//! whatever the size of the range.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::parallel::walk_threads;
use super::{Bounds, Source, yielding};
use crate::inspector::error::InspectError;
use crate::storage::rocksdb::backend_error;

/// Bytes of encoded output a walk thread gathers before handing them over.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks a part may hold ready while it waits for its turn.
const CHUNKS_AHEAD: usize = 4;
/// Parts per thread (see `parallel`).
const PARTS_PER_THREAD: usize = 4;

/// Encoded pairs, handed from a walk thread to the writer.
type Chunk = Vec<u8>;

/// Why an ordered stream stopped.
#[derive(Debug)]
pub enum OrderedError<E> {
    /// Reading the database failed.
    Read(InspectError),
    /// The writer failed (a closed pipe, a full disk).
    Write(E),
}

impl Source {
    /// Encodes every pair of `cf` inside `bounds` with `encode` (appending to a buffer),
    /// reading on [`walk_threads`] threads, and hands the encoded bytes to `write` in key
    /// order. Returns the pairs encoded.
    pub fn stream_in_order<E, W, Err>(
        &self,
        cf: &str,
        bounds: &Bounds,
        encode: E,
        mut write: W,
    ) -> Result<u64, OrderedError<Err>>
    where
        E: Fn(&mut Vec<u8>, &[u8], &[u8]) + Sync,
        W: FnMut(&[u8]) -> Result<(), Err>,
    {
        if self.cluster().is_some() {
            return self.stream_one_walk(cf, bounds, encode, write);
        }
        self.check_reads().map_err(OrderedError::Read)?;
        let threads = walk_threads();
        let parts = if threads == 1 {
            vec![bounds.clone()]
        } else {
            self.split(cf, bounds, threads * PARTS_PER_THREAD)
                .map_err(OrderedError::Read)?
        };
        let handle = self.cf(cf).map_err(OrderedError::Read)?;
        let db = self.db().map_err(OrderedError::Read)?;
        let (senders, receivers): (Vec<SyncSender<Chunk>>, Vec<Receiver<Chunk>>) =
            (0..parts.len()).map(|_| sync_channel(CHUNKS_AHEAD)).unzip();
        let senders: Vec<Mutex<Option<SyncSender<Chunk>>>> =
            senders.into_iter().map(|s| Mutex::new(Some(s))).collect();
        let next_part = AtomicUsize::new(0);
        let pairs = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let failure: Mutex<Option<rocksdb::Error>> = Mutex::new(None);
        let written = std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, parts.len()) {
                let (handle, parts, senders) = (&handle, &parts, &senders);
                let (next_part, pairs, stop, failure, encode) =
                    (&next_part, &pairs, &stop, &failure, &encode);
                scope.spawn(move || {
                    yielding::lower_this_thread();
                    loop {
                        let i = next_part.fetch_add(1, Ordering::Relaxed);
                        let Some(part) = parts.get(i) else { break };
                        // This part's sender: dropped when the part ends, which tells
                        // the writer to go on to the next part.
                        let Some(sender) =
                            senders[i].lock().unwrap_or_else(|p| p.into_inner()).take()
                        else {
                            break;
                        };
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let mut it = Self::part_iterator(db, handle, part);
                        let mut chunk = Vec::with_capacity(CHUNK_BYTES + 4096);
                        let (mut n, mut read) = (0u64, 0u64);
                        let mut gone = false;
                        while let (Some(k), Some(v)) = (it.key(), it.value()) {
                            encode(&mut chunk, k, v);
                            n += 1;
                            read += (k.len() + v.len()) as u64;
                            if chunk.len() >= CHUNK_BYTES {
                                yielding::charge(std::mem::take(&mut read));
                                let full = std::mem::replace(
                                    &mut chunk,
                                    Vec::with_capacity(CHUNK_BYTES + 4096),
                                );
                                // Blocks while this part waits its turn; fails once the
                                // writer has stopped.
                                if sender.send(full).is_err() || stop.load(Ordering::SeqCst) {
                                    gone = true;
                                    break;
                                }
                            }
                            it.next();
                        }
                        yielding::charge(read);
                        pairs.fetch_add(n, Ordering::Relaxed);
                        if let Err(e) = it.status() {
                            failure
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                            stop.store(true, Ordering::SeqCst);
                            break;
                        }
                        if gone || (!chunk.is_empty() && sender.send(chunk).is_err()) {
                            break;
                        }
                    }
                });
            }
            // The parts in order: each one's chunks until its sender is dropped.
            let mut outcome = Ok(());
            for receiver in receivers {
                for chunk in receiver.iter() {
                    if let Err(e) = write(&chunk) {
                        outcome = Err(OrderedError::Write(e));
                        break;
                    }
                }
                if outcome.is_err() {
                    break;
                }
                // A part that ended early ended on a failure (set before `stop`, which
                // is what makes a part end without its pairs): stop at it.
                if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                    break;
                }
            }
            if outcome.is_err() {
                stop.store(true, Ordering::SeqCst);
            }
            outcome
        });
        if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(OrderedError::Read(backend_error(e).into()));
        }
        written?;
        Ok(pairs.into_inner())
    }

    /// [`Self::stream_in_order`] as one walk on the calling thread (an etcd cluster:
    /// its ranges are read page by page at one revision, there is nothing to cut).
    fn stream_one_walk<E, W, Err>(
        &self,
        cf: &str,
        bounds: &Bounds,
        encode: E,
        mut write: W,
    ) -> Result<u64, OrderedError<Err>>
    where
        E: Fn(&mut Vec<u8>, &[u8], &[u8]),
        W: FnMut(&[u8]) -> Result<(), Err>,
    {
        let mut chunk = Vec::with_capacity(CHUNK_BYTES + 4096);
        let mut failed = None;
        let pairs = self
            .for_each(cf, bounds, None, |k, v| {
                encode(&mut chunk, k, v);
                if chunk.len() >= CHUNK_BYTES {
                    if let Err(e) = write(&chunk) {
                        failed = Some(e);
                        return false;
                    }
                    chunk.clear();
                }
                true
            })
            .map_err(OrderedError::Read)?;
        if let Some(e) = failed {
            return Err(OrderedError::Write(e));
        }
        if !chunk.is_empty() {
            write(&chunk).map_err(OrderedError::Write)?;
        }
        Ok(pairs)
    }
}
