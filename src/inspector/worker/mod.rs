//! The storage worker: owns the open database, runs each request on a blocking thread,
//! and answers with events.
//!
//! One protocol: a [`Request`] is a [`Ticket`] (kind + id), the [`Context`] it was made
//! in (column family, bounds, purpose) and a [`Job`]; every [`Event`] returns the same
//! ticket and context, so the UI checks staleness with one comparison and never re-reads
//! its own state to understand an answer. A newer request of a kind cancels the running
//! one (a new filter stops the old scan); a cancelled job sends nothing more. Edits and
//! maintenance are never cancelled by a newer request, and their outcome is always sent.
//! On a secondary instance every job that shows data catches up with the primary first.

mod jobs;
mod pace;
mod protocol;
mod run;
mod stream;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::inspector::source::Source;
pub use protocol::{
    Body, Context, Event, FilterTest, Job, Kind, Maintenance, MaintenanceReport, Placement,
    Progress, Purpose, Request, Ticket,
};
pub use run::run_request;
pub use stream::stream_scan;

/// What the UI sends the worker.
#[derive(Debug)]
pub enum Command {
    /// Run a request (superseding the running one of its kind, unless that is a change).
    Run(Request),
    /// Stop the running job of a kind, if any (changes run on).
    Cancel(Kind),
}

impl From<Request> for Command {
    fn from(request: Request) -> Self {
        Command::Run(request)
    }
}

/// The sending side the UI and subcommands hold.
#[derive(Clone)]
pub struct WorkerHandle {
    tx: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkerHandle")
    }
}

impl WorkerHandle {
    /// Sends a request or a cancellation. If the worker has stopped, it is dropped: the
    /// UI is shutting down anyway.
    pub fn send(&self, command: impl Into<Command>) {
        let _ = self.tx.send(command.into());
    }
}

/// The jobs running, by kind. Dropping it stops every job that may be stopped: when the
/// UI goes (its channel closes) and when the runtime shuts down, which drops this task
/// without letting it finish, so that a count or walk does not keep the process alive.
#[derive(Default)]
struct Running(HashMap<Kind, CancellationToken>);

impl Drop for Running {
    fn drop(&mut self) {
        for (kind, token) in &self.0 {
            if !kind.runs_to_completion() {
                token.cancel();
            }
        }
    }
}

/// Starts the worker on the current tokio runtime.
pub fn spawn(source: Arc<Source>) -> (WorkerHandle, mpsc::UnboundedReceiver<Event>) {
    let (tx, mut commands) = mpsc::unbounded_channel::<Command>();
    let (events_tx, events) = mpsc::unbounded_channel();
    // Fault injection for the end-to-end test of a worker panic (tests/host.rs): the
    // first request's thread panics.
    let inject_panic = std::env::var_os("SPEAR_INSPECT_FAULT").is_some_and(|v| v == "worker-panic");
    tokio::spawn(async move {
        let mut running = Running::default();
        let running = &mut running.0;
        while let Some(command) = commands.recv().await {
            let request = match command {
                Command::Cancel(kind) => {
                    if !kind.runs_to_completion()
                        && let Some(token) = running.remove(&kind)
                    {
                        token.cancel();
                    }
                    continue;
                }
                Command::Run(request) => request,
            };
            let kind = request.ticket.kind;
            let token = CancellationToken::new();
            if let Some(previous) = running.insert(kind, token.clone())
                && !kind.runs_to_completion()
            {
                previous.cancel();
            }
            let source = Arc::clone(&source);
            let events = events_tx.clone();
            tokio::task::spawn_blocking(move || {
                assert!(!inject_panic, "injected worker panic (SPEAR_INSPECT_FAULT)");
                let emit = move |event| {
                    let _ = events.send(event);
                };
                run_request(&source, request, &token, &emit);
            });
        }
    });
    (WorkerHandle { tx }, events)
}
