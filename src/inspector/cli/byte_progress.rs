//! A progress line on stderr for a subcommand that reads a known number of bytes
//! (`verify`, `lsm`): drawn only on a terminal, after the first second, redrawn each
//! second, and erased when the work ends.

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use humansize::{BINARY, format_size};

/// The counters the work updates and the line reads.
#[derive(Clone, Default)]
pub struct ByteProgress {
    /// Bytes done.
    pub done: Arc<AtomicU64>,
    /// Bytes to do (0 until known).
    pub total: Arc<AtomicU64>,
    finished: Arc<AtomicBool>,
}

/// The line while it is drawn: ended by [`Ticker::finish`].
pub struct Ticker {
    progress: ByteProgress,
    thread: Option<JoinHandle<()>>,
}

impl ByteProgress {
    /// Starts drawing `what: X of Y <verb> (N%)` if stderr is a terminal.
    pub fn start(&self, what: &'static str, verb: &'static str) -> Ticker {
        let progress = self.clone();
        let thread = io::stderr().is_terminal().then(|| {
            let p = progress.clone();
            std::thread::spawn(move || draw(&p, what, verb))
        });
        Ticker { progress, thread }
    }
}

impl Ticker {
    /// Stops and erases the line.
    pub fn finish(self) {
        self.progress.finished.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread {
            let _ = thread.join();
        }
    }
}

fn draw(p: &ByteProgress, what: &str, verb: &str) {
    let began = Instant::now();
    let mut drawn = false;
    while !p.finished.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if began.elapsed() < Duration::from_secs(1) || began.elapsed().subsec_millis() >= 100 {
            continue;
        }
        let (done, total) = (
            p.done.load(Ordering::Relaxed),
            p.total.load(Ordering::Relaxed).max(1),
        );
        eprint!(
            "\r\x1b[K{what}: {} of {} {verb} ({}%)",
            format_size(done, BINARY),
            format_size(total, BINARY),
            done * 100 / total
        );
        drawn = true;
    }
    if drawn {
        eprint!("\r\x1b[K");
    }
}
