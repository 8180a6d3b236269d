//! A long open's progress on stderr. RocksDB replays the whole WAL (and reads the
//! MANIFEST) before its open returns and reports nothing meanwhile, so the bytes this
//! process has read since the open began (`rchar` of `/proc/self/io`) are shown against
//! the bytes the open has to read: a figure that moves, not a blank terminal.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use humansize::{BINARY, format_size};

use crate::inspector::source::open_phases::{self, Phase};
use crate::inspector::source::open_work::{self, OpenWork, read_chars};

/// How often a terminal's line is redrawn; a log (stderr not a terminal) gets a line
/// every tenth of these.
const TICK: Duration = Duration::from_secs(1);

/// The running ticker; [`OpenProgress::finish`] stops it.
pub struct OpenProgress {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OpenProgress {
    /// Starts reporting the open of a database whose open has `work` to do.
    pub fn start(work: OpenWork) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let to_read = work.wal_bytes + work.manifest_bytes;
        let thread = read_chars().map(|start| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || tick(&stop, start, to_read))
        });
        Self { stop, thread }
    }

    /// Stops the ticker and ends its line.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for OpenProgress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn tick(stop: &AtomicBool, start: u64, to_read: u64) {
    let began = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut ticks = 0u64;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if began.elapsed() < TICK * (ticks as u32 + 1) {
            continue;
        }
        ticks += 1;
        if !terminal && !ticks.is_multiple_of(10) {
            continue;
        }
        let read = read_chars().unwrap_or(start).saturating_sub(start);
        let line = progress_line(read, to_read, began.elapsed(), open_phases::latest());
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
    // The last word replaces the moving line (and is the one line a log gets for a
    // short open): what the open read and how long it took.
    let read = read_chars().unwrap_or(start).saturating_sub(start);
    let mut err = std::io::stderr().lock();
    let clear = if terminal && ticks > 0 {
        "\r\x1b[2K"
    } else {
        ""
    };
    let _ = writeln!(
        err,
        "{clear}spear-inspect: opened: read {} (WAL and MANIFEST: {}) in {:.1} s",
        format_size(read, BINARY),
        format_size(to_read, BINARY),
        began.elapsed().as_secs_f64()
    );
}

/// `spear-inspect: opening: read 312 MiB of 1 GiB of WAL and MANIFEST (30 %), 4 s,
/// replaying the write-ahead log`. Reads of table files count too, so the share stops at
/// 99 % until the open returns.
pub fn progress_line(read: u64, to_read: u64, elapsed: Duration, phase: Phase) -> String {
    let share = open_work::share_read(read, to_read);
    format!(
        "spear-inspect: opening: read {} of {} of WAL and MANIFEST ({share} %), {} s, {}",
        format_size(read, BINARY),
        format_size(to_read, BINARY),
        elapsed.as_secs(),
        phase.doing()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_follows_the_bytes_read_and_waits_at_99() {
        let line = progress_line(300 << 20, 1 << 30, Duration::from_secs(4), Phase::WalReplay);
        assert!(line.contains("300 MiB of 1 GiB"), "{line}");
        assert!(
            line.contains("(29 %)") && line.ends_with("4 s, replaying the write-ahead log"),
            "{line}"
        );
        let done = progress_line(2 << 30, 1 << 30, Duration::ZERO, Phase::TableFiles);
        assert!(done.contains("(99 %)") && done.ends_with("opening table files"));
    }
}
