//! Work on the parts of a key range on every core, with what it writes kept in key
//! order: each part's output is gathered into bounded chunks that wait their turn, and the
//! calling thread hands them to the writer part by part. For streams that are not one
//! pass over one database (a comparison of two, walking both at once); `ordered` is the
//! same for one database's pairs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use super::OrderedError;
use super::yielding;
use crate::inspector::error::InspectError;

/// Bytes of output a part gathers before handing them over.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks a part may hold ready while it waits for its turn.
const CHUNKS_AHEAD: usize = 4;

/// Output bytes, handed from a part to the writer.
type Chunk = Vec<u8>;

/// A part's output on its way to the writer.
pub struct Output<'a> {
    chunk: Chunk,
    sender: &'a SyncSender<Chunk>,
    gone: bool,
}

impl Output<'_> {
    /// Appends `bytes` to the part's output; `false` once the writer has stopped (the
    /// part should stop too).
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        self.chunk.extend_from_slice(bytes);
        if self.chunk.len() >= CHUNK_BYTES && !self.gone {
            let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK_BYTES));
            // Blocks while this part waits its turn; fails once the writer has stopped.
            self.gone = self.sender.send(full).is_err();
        }
        !self.gone
    }

    fn finish(self) {
        if !self.gone && !self.chunk.is_empty() {
            let _ = self.sender.send(self.chunk);
        }
    }
}

/// How often the calling thread is asked whether to go on while it waits for output.
const TICK: Duration = Duration::from_millis(100);

/// Runs `work` on every part on `threads` lowered walk threads (parts taken in order)
/// and hands what each part writes to `write` in part order. `work` is given the part,
/// its output and whether to stop (the writer failed, or another part did). Returns each
/// part's result, in order.
pub fn run_in_order<P, T, W, E>(
    parts: &[P],
    threads: usize,
    work: impl Fn(&P, &mut Output<'_>, &dyn Fn() -> bool) -> Result<T, InspectError> + Sync,
    write: W,
) -> Result<Vec<T>, OrderedError<E>>
where
    P: Sync,
    T: Send,
    W: FnMut(&[u8]) -> Result<(), E>,
{
    run_in_order_ticking(parts, threads, work, write, || Ok(()))
}

/// [`run_in_order`], asking `tick` about every 100 ms while the output waits (to report
/// progress, or to stop: an error from it ends the run as a writer's error would).
pub fn run_in_order_ticking<P, T, W, E>(
    parts: &[P],
    threads: usize,
    work: impl Fn(&P, &mut Output<'_>, &dyn Fn() -> bool) -> Result<T, InspectError> + Sync,
    mut write: W,
    mut tick: impl FnMut() -> Result<(), E>,
) -> Result<Vec<T>, OrderedError<E>>
where
    P: Sync,
    T: Send,
    W: FnMut(&[u8]) -> Result<(), E>,
{
    let (senders, receivers): (Vec<SyncSender<Chunk>>, Vec<Receiver<Chunk>>) =
        (0..parts.len()).map(|_| sync_channel(CHUNKS_AHEAD)).unzip();
    let senders: Vec<Mutex<Option<SyncSender<Chunk>>>> =
        senders.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let results: Vec<Mutex<Option<Result<T, InspectError>>>> =
        parts.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let written = std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, parts.len().max(1)) {
            let (senders, results, next, stop, work) = (&senders, &results, &next, &stop, &work);
            scope.spawn(move || {
                yielding::lower_this_thread();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = parts.get(i) else { break };
                    // Dropped when the part ends, which tells the writer to go on.
                    let Some(sender) = senders[i].lock().unwrap_or_else(|p| p.into_inner()).take()
                    else {
                        break;
                    };
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let mut output = Output {
                        chunk: Vec::with_capacity(CHUNK_BYTES),
                        sender: &sender,
                        gone: false,
                    };
                    let result = work(part, &mut output, &|| stop.load(Ordering::SeqCst));
                    let failed = result.is_err();
                    if !failed {
                        output.finish();
                    }
                    *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                    if failed {
                        stop.store(true, Ordering::SeqCst);
                        break;
                    }
                }
            });
        }
        let mut outcome = Ok(());
        for (i, receiver) in receivers.into_iter().enumerate() {
            loop {
                let handed = match receiver.recv_timeout(TICK) {
                    Ok(chunk) => write(&chunk),
                    Err(RecvTimeoutError::Timeout) => tick(),
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                if let Err(e) = handed {
                    outcome = Err(OrderedError::Write(e));
                    break;
                }
            }
            // A part that failed stops the stream where it failed.
            let failed = matches!(
                *results[i].lock().unwrap_or_else(|p| p.into_inner()),
                Some(Err(_))
            );
            if outcome.is_err() || failed {
                break;
            }
        }
        if outcome.is_err() {
            stop.store(true, Ordering::SeqCst);
        }
        outcome
    });
    let mut done = Vec::with_capacity(parts.len());
    let mut missing = false;
    for result in results {
        match result.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(Ok(value)) => done.push(value),
            Some(Err(e)) => return Err(OrderedError::Read(e)),
            None => missing = true,
        }
    }
    written?;
    if missing {
        // Only a stop leaves a part undone, and only a failure (returned above) or the
        // writer's (returned by `written?`) sets it.
        return Err(OrderedError::Read(InspectError::Invalid(
            "a part of the walk was never run".into(),
        )));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_written_in_order_whatever_the_order_they_finish() {
        let parts: Vec<u32> = (0..40).collect();
        let mut out = Vec::new();
        let results = run_in_order(
            &parts,
            4,
            |&part, output, _| {
                // Later parts finish first; big parts span several chunks.
                std::thread::sleep(std::time::Duration::from_millis(u64::from(40 - part)));
                let line = format!("{part:03}\n").repeat(if part % 7 == 0 { 40_000 } else { 3 });
                assert!(output.write(line.as_bytes()));
                Ok(part * 2)
            },
            |chunk| {
                out.extend_from_slice(chunk);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(results, parts.iter().map(|p| p * 2).collect::<Vec<_>>());
        let expected: String = parts
            .iter()
            .map(|p| format!("{p:03}\n").repeat(if p % 7 == 0 { 40_000 } else { 3 }))
            .collect();
        assert!(out == expected.as_bytes(), "out of order");
    }

    #[test]
    fn a_failed_part_fails_the_run_and_a_stopped_writer_stops_the_parts() {
        let parts: Vec<u32> = (0..16).collect();
        let failed = run_in_order(
            &parts,
            2,
            |&part, _, _| {
                if part == 5 {
                    Err(InspectError::Invalid("part 5".into()))
                } else {
                    Ok(())
                }
            },
            |_| Ok::<(), ()>(()),
        );
        assert!(matches!(failed, Err(OrderedError::Read(_))));
        let written = run_in_order(
            &parts,
            2,
            |_, output, _| {
                let block = vec![b'x'; CHUNK_BYTES];
                while output.write(&block) {}
                Ok(())
            },
            |_| Err("closed pipe"),
        );
        assert!(matches!(written, Err(OrderedError::Write("closed pipe"))));
    }
}
