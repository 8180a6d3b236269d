//! Heavy walks yield to the service that owns the database: their threads run at the
//! idle I/O class and a lower CPU priority, and `--io-limit` caps the bytes they read
//! per second, so an inspection never becomes the reason the service slowed down.
//!
//! Priorities are set only on threads made for one walk: an unprivileged thread can lower
//! its own priority but never raise it back, so a pooled thread must never be lowered.

use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The nice value of a walk's threads (the service's own threads are usually at 0).
pub const WALK_NICE: i32 = 10;

/// How walks share the machine with the service, set once at start from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yielding {
    /// Walks run at the idle I/O class and nice [`WALK_NICE`] (`--normal-priority` turns
    /// this off).
    pub lower_priority: bool,
    /// At most this many bytes (keys and values read) per second over all walks.
    pub io_limit: Option<u64>,
    /// Threads a walk may use (every core the process may run on when `None`).
    pub threads: Option<usize>,
}

impl Default for Yielding {
    fn default() -> Self {
        Self {
            lower_priority: true,
            io_limit: None,
            threads: None,
        }
    }
}

static SETTINGS: OnceLock<Yielding> = OnceLock::new();

/// Sets how walks yield, for the rest of the process (the first call wins).
pub fn configure(settings: Yielding) {
    let _ = SETTINGS.set(settings);
}

/// How walks yield (the default until [`configure`] is called).
pub fn settings() -> Yielding {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Lowers the calling thread's I/O class to idle and its CPU priority to nice
/// [`WALK_NICE`], when the settings ask for it. Call it only on a thread made for a walk.
///
/// Best effort: where the kernel refuses (or the I/O scheduler ignores I/O classes, as
/// `none` and `mq-deadline` do), the walk runs as before.
pub fn lower_this_thread() {
    if settings().lower_priority {
        set_thread_nice(WALK_NICE);
        set_thread_io_idle();
    }
}

/// Runs `walk` on a thread made for it, lowered as [`lower_this_thread`] says, and
/// returns its result: for a walk started from a pooled thread (tokio's blocking pool),
/// which must keep its own priority for the jobs after. Runs it in place if no thread
/// can be made.
pub fn on_walk_thread<T: Send>(walk: impl FnOnce() -> T + Send) -> T {
    let mut walk = Some(walk);
    let outcome = std::thread::scope(|scope| {
        let walk = &mut walk;
        std::thread::Builder::new()
            .name("spear-walk".into())
            .spawn_scoped(scope, move || {
                lower_this_thread();
                walk.take().map(|walk| walk())
            })
            .ok()
            .map(|thread| thread.join())
    });
    match outcome {
        Some(Ok(Some(result))) => result,
        // The walk panicked: the same panic here, where it was asked for.
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        // No thread: walk here, at this thread's priority.
        _ => (walk.take().expect("not run when no thread was made"))(),
    }
}

/// Sets the calling thread's nice value (Linux: nice is per thread, a thread id names it).
/// Never raises it: a thread already nicer (a service started under `nice 19`) stays so.
fn set_thread_nice(nice: i32) {
    let me = Some(rustix::thread::gettid());
    let current = rustix::process::getpriority_process(me).unwrap_or(0);
    if current < nice {
        let _ = rustix::process::setpriority_process(me, nice);
    }
}

/// The calling thread, as ioprio names it (a thread id is a "process" to the kernel).
fn this_thread() -> ioprio::Target {
    ioprio::Target::Process(ioprio::Pid::from_raw(rustix::thread::gettid().as_raw_pid()))
}

/// Puts the calling thread in the idle I/O class: its reads wait while anyone else reads.
fn set_thread_io_idle() {
    let _ = ioprio::set_priority(this_thread(), ioprio::Priority::new(ioprio::Class::Idle));
}

/// Whether the calling thread is in the idle I/O class, as the kernel reports it.
pub fn this_thread_io_is_idle() -> bool {
    ioprio::get_priority(this_thread()).is_ok_and(|p| p.class() == Some(ioprio::Class::Idle))
}

/// The read-rate limit shared by every walk of the process: each charge of bytes moves
/// the time the next read may start (a virtual clock) by bytes / rate; a walk that gets
/// ahead of it by more than [`SLACK`] sleeps the difference. Idle time earns no credit
/// beyond the slack, so a walk after a pause does not burst.
struct Clock {
    next: Instant,
}

/// How far ahead of its rate a walk may read before it sleeps.
const SLACK: Duration = Duration::from_millis(50);

static CLOCK: Mutex<Option<Clock>> = Mutex::new(None);
static HELD_BACK: AtomicBool = AtomicBool::new(false);

/// Accounts for `bytes` just read; sleeps when the walks are ahead of `--io-limit`.
pub fn charge(bytes: u64) {
    let Some(limit) = settings().io_limit else {
        return;
    };
    charge_at(bytes, limit);
}

/// [`charge`] under an explicit limit (bytes per second).
pub fn charge_at(bytes: u64, limit: u64) {
    let cost = Duration::from_secs_f64(bytes as f64 / limit.max(1) as f64);
    let wait = {
        let mut clock = CLOCK.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let clock = clock.get_or_insert(Clock { next: now });
        clock.next = clock.next.max(now) + cost;
        clock.next.saturating_duration_since(now + SLACK)
    };
    if !wait.is_zero() {
        HELD_BACK.store(true, Ordering::Relaxed);
        std::thread::sleep(wait);
    }
}

/// Whether a walk slept for `--io-limit` since the last call (the status line says so).
pub fn take_held_back() -> bool {
    HELD_BACK.swap(false, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the calling thread's nice value back from /proc (field 19 of its stat).
    fn nice_from_proc() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // The command name (field 2) may hold spaces: count fields after its `)`.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        rest.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn a_walk_thread_reads_back_nice_10_and_the_idle_io_class() {
        let before = nice_from_proc();
        let (nice, io) = std::thread::spawn(|| {
            set_thread_nice(WALK_NICE);
            set_thread_io_idle();
            (nice_from_proc(), this_thread_io_is_idle())
        })
        .join()
        .unwrap();
        assert_eq!(nice, WALK_NICE.max(before));
        assert!(io, "the walk thread is in the idle I/O class");
        // The calling thread kept its own priority.
        assert_eq!(nice_from_proc(), before);
        assert!(!this_thread_io_is_idle());
    }
}
