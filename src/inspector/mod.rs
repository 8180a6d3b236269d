//! The inspector, in layers that depend downwards only:
//! `formats` (RocksDB's files read without opening the database) → `source` (the open
//! database as bytes) → `analysis` (what the diagnosis computes), `spear` (Spear-Next's
//! records decoded) and `write` (edits and copies) → `worker` (runs every read and write
//! off the UI loop) → `input` (keys to actions), `state` (the App, the session and the
//! overlays' flows), `screens` (one component per screen: state, keys, update, answers,
//! drawing), `text` and `ui` (what the screens share in rendering) → `cli` (the command
//! line). `demo` writes the demo database.
//!
//! Data flows one way: key press → keymap → `Action` → `App::update` → `Request` (with
//! its ticket and context) → worker → `Event` (the same ticket and context) →
//! `App::on_event`, which gives it to the screens that take its kind; the screen is drawn
//! from `&App` after each step.

pub mod analysis;
pub mod cli;
pub mod decode;
pub mod decoders;
pub mod demo;
pub mod error;
pub mod formats;
pub mod input;
mod opening;
pub mod scratch;
pub mod screens;
pub mod source;
pub mod spear;
pub mod state;
pub mod text;
pub mod ui;
pub mod watch;
pub mod worker;
pub mod write;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use source::Source;
use state::App;
use worker::{Event, WorkerHandle};

/// How the TUI was asked to start.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// The path as the user typed it (shown in the status bar).
    pub display_path: String,
    /// Column family to start in.
    pub cf: Option<String>,
    /// Seconds between refreshes.
    pub refresh: Duration,
    /// Heartbeats and reports older than this are flagged.
    pub stale_after: Duration,
    /// Another database to compare with on the Diff screen (and to start there).
    pub compare: Option<std::path::PathBuf>,
    /// The decoder config found for the database: keys in the lists by their layout.
    pub decoders: Option<Arc<decoders::Decoders>>,
}

/// Whether colour is allowed: `NO_COLOR` (any value) and `TERM=dumb` turn it off.
pub fn color_enabled() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    !(no_color || dumb)
}

/// How the TUI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A signal (SIGTERM, SIGHUP, SIGINT) ended it; the number is the signal's.
    Signal(i32),
    /// The user quit while a read-only open was still running: the open is abandoned
    /// (it writes nothing), so the process need not wait for it.
    QuitWhileOpening,
}

/// Woken by the panic hook, so a panic on a worker thread ends the UI instead of leaving
/// it half alive on a terminal that the hook has already restored.
static PANICKED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Chains a hook after the one `ratatui::try_init` installed (which restores the
/// terminal and prints the panic): then wake the event loop so it ends.
fn end_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // First: the restore in `previous` can abort the process on a dead terminal.
        scratch::remove_all();
        previous(info);
        PANICKED.notify_one();
    }));
}

/// The signals that end the TUI. In raw mode Ctrl-C is a key press, not SIGINT, so
/// these come from `kill`, a closed ssh session (SIGHUP) or a service manager.
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The number of the next signal to arrive.
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.term.recv() => libc::SIGTERM,
            _ = self.hup.recv() => libc::SIGHUP,
            _ = self.int.recv() => libc::SIGINT,
        }
    }
}

/// A quick open shows no frame of its own: the first frame is the inspector's, and an
/// error prints as a subcommand's would. Past this, the opening frame says what the open
/// is reading.
const QUICK_OPEN: Duration = Duration::from_millis(150);

/// Why the TUI did not run to its end.
#[derive(Debug)]
pub enum RunError<E> {
    /// The terminal failed (or a thread panicked).
    Terminal(std::io::Error),
    /// The database did not open.
    Open(E),
}

/// Runs the TUI on the database `open` opens, until the user quits or a signal arrives.
/// An open that takes longer than a moment is shown as it goes (see `ui::opening`), and a
/// read-only one can be left with `q`. The terminal is restored on return, on error, on a
/// signal and on a panic on any thread. A write the worker has started finishes: its
/// blocking thread runs to completion before the runtime shuts down.
pub async fn run<E: Send + 'static>(
    open: impl std::future::Future<Output = Result<Arc<Source>, E>> + Send + 'static,
    opening: ui::opening::Opening,
    options: TuiOptions,
) -> Result<Ended, RunError<E>> {
    let signals = Signals::install().map_err(RunError::Terminal)?;
    let mut open = tokio::spawn(open);
    let quick = match tokio::time::timeout(QUICK_OPEN, &mut open).await {
        Ok(Ok(Ok(source))) => Some(source),
        Ok(Ok(Err(error))) => return Err(RunError::Open(error)),
        Ok(Err(stopped)) => {
            return Err(RunError::Terminal(std::io::Error::other(format!(
                "the open stopped: {stopped}"
            ))));
        }
        Err(_) => None,
    };
    // `try_init` puts the terminal in raw mode on the alternate screen and installs a panic
    // hook that restores it before the panic message prints. No mouse capture.
    let terminal = ratatui::try_init().map_err(RunError::Terminal)?;
    TUI_RUNNING.store(true, std::sync::atomic::Ordering::SeqCst);
    end_on_panic();
    let mut tty = Tty {
        terminal,
        input: crossterm::event::EventStream::new(),
        signals,
    };
    let result = async {
        let source = match quick {
            Some(source) => source,
            None => {
                let waited = opening::wait(&mut tty, open, opening)
                    .await
                    .map_err(RunError::Terminal)?;
                match waited {
                    opening::Waited::Opened(source) => source,
                    opening::Waited::Failed(error) => return Err(RunError::Open(error)),
                    opening::Waited::Ended(ended) => return Ok(ended),
                }
            }
        };
        run_open(&mut tty, source, options)
            .await
            .map_err(RunError::Terminal)
    }
    .await;
    if matches!(&result, Err(RunError::Terminal(e)) if e.raw_os_error() == Some(libc::EIO)) {
        // The terminal went away under a draw or a read: as after a hang-up.
        terminal_gone();
    }
    TUI_RUNNING.store(false, std::sync::atomic::Ordering::SeqCst);
    ratatui::try_restore().map_err(RunError::Terminal)?;
    result
}

/// The terminal the TUI has taken, with its key presses and the signals that end it.
struct Tty {
    terminal: DefaultTerminal,
    input: crossterm::event::EventStream,
    signals: Signals,
}

/// The inspector on an open database, on a terminal already taken.
async fn run_open(
    tty: &mut Tty,
    source: Arc<Source>,
    options: TuiOptions,
) -> std::io::Result<Ended> {
    let cf = options.cf.clone().unwrap_or_else(|| "default".to_string());
    let mut app = App::new(
        options.display_path.clone(),
        source.access(),
        source.column_families().to_vec(),
        cf,
    );
    app.session.color = color_enabled();
    app.session.decoders = options.decoders.clone();
    // A rule for a column family the database lacks decodes nothing: said at once.
    if let Some(Err(problem)) = options
        .decoders
        .as_ref()
        .map(|d| d.check_column_families(source.column_families()))
    {
        app.session.say(problem);
    }
    if let Some(sentence) = source.writing_as() {
        // "writing as NAME (uid N), the owner of DB": the banner names the user.
        app.session.writing_as = sentence
            .strip_prefix("writing as ")
            .and_then(|rest| rest.split(' ').next())
            .map(str::to_string);
        app.session.say(sentence);
    }
    app.session.stale_after =
        chrono::Duration::from_std(options.stale_after).unwrap_or(chrono::Duration::MAX);
    if let Some(other) = options.compare {
        app.screen_mut::<screens::diff::DiffView>().other = Some(other);
        app.show::<screens::diff::DiffView>();
    }
    let changes = match source.cluster() {
        Some(cluster) => {
            app.session.watched = true;
            app.session.cluster = true;
            Some(watch::changes(cluster.store()).await?)
        }
        None => None,
    };
    let (worker, events) = worker::spawn(Arc::clone(&source));
    event_loop(tty, &mut app, &worker, events, options.refresh, changes).await
}

/// Whether the terminal still takes output: a SIGHUP can come from `kill` with the
/// terminal there (restore it), or from the terminal going away (nothing to restore).
fn terminal_answers() -> bool {
    use std::io::Write;
    // Hides the cursor, which the TUI has hidden already: a write that changes nothing.
    let mut out = std::io::stdout();
    out.write_all(b"\x1b[?25l")
        .and_then(|()| out.flush())
        .is_ok()
}

/// After a hang-up (a dropped ssh session, a closed terminal window) the terminal is
/// gone: every write to it fails, and the standard library's printing panics on such a
/// failure, which inside the restore's panic hook aborts the process before anything is
/// cleaned up. Scratch directories go first; then output goes to /dev/null, so the
/// restore and any last message fail quietly and the process ends normally.
fn terminal_gone() {
    scratch::remove_all();
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
}

/// Whether the TUI owns the terminal (and handles signals itself).
static TUI_RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the TUI is running: a signal then ends it through its own loop, which
/// restores the terminal before the process goes.
pub fn tui_running() -> bool {
    TUI_RUNNING.load(std::sync::atomic::Ordering::SeqCst)
}

async fn event_loop(
    Tty {
        terminal,
        input,
        signals,
    }: &mut Tty,
    app: &mut App,
    worker: &WorkerHandle,
    mut events: mpsc::UnboundedReceiver<Event>,
    refresh: Duration,
    mut changes: Option<mpsc::Receiver<watch::News>>,
) -> std::io::Result<Ended> {
    let mut ticks = tokio::time::interval(refresh.max(Duration::from_millis(100)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    app.set_list_rows(ui::list_rows(terminal.size()?.height));
    app.session.now = chrono::Utc::now();
    for command in app.initial_commands() {
        worker.send(command);
    }
    loop {
        terminal.draw(|frame| ui::draw(frame, app))?;
        if app.should_quit {
            return Ok(Ended::Quit);
        }
        let commands = tokio::select! {
            input_event = input.next() => match input_event {
                None => return Ok(Ended::Quit),
                Some(Err(e)) => return Err(e),
                Some(Ok(crossterm::event::Event::Key(key))) => {
                    tracing::debug!(?key, "key");
                    app.action_for(key)
                        .map(|a| app.update(a))
                        .unwrap_or_default()
                }
                Some(Ok(crossterm::event::Event::Resize(_, height))) => {
                    app.set_list_rows(ui::list_rows(height));
                    Vec::new()
                }
                Some(Ok(_)) => Vec::new(),
            },
            Some(event) = events.recv() => {
                if let worker::Body::Failed(error) = &event.body {
                    tracing::warn!(%error, ticket = ?event.ticket, "worker request failed");
                }
                app.on_event(event)
            }
            _ = ticks.tick() => app.tick(chrono::Utc::now()),
            Some(news) = watch::next(&mut changes) => match news {
                watch::News::Changed => app.remote_changed(),
                watch::News::Ended(why) => {
                    app.session.watched = false;
                    app.session.say(format!(
                        "the etcd watch ended ({why}): following by re-reading every tick"
                    ));
                    Vec::new()
                }
            },
            signal = signals.next() => {
                tracing::warn!(signal, "ending on a signal");
                if signal == libc::SIGHUP && !terminal_answers() {
                    terminal_gone();
                }
                return Ok(Ended::Signal(signal));
            }
            () = PANICKED.notified() => {
                return Err(std::io::Error::other(
                    "a background thread panicked (its message is above); please report it",
                ));
            }
        };
        for command in commands {
            worker.send(command);
        }
    }
}
