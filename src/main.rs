//! `spear-inspect`: raise the open-file limit, parse the command line, send logs to a
//! file, run, map the outcome to an exit status. Everything else is in
//! `spear_next::inspector::cli`.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use spear_next::inspector::cli::{self, Outcome};

/// The default log directory: `$XDG_STATE_HOME/spear-inspect`, else
/// `~/.local/state/spear-inspect`, made 0700. Never a shared directory such as /tmp,
/// where another user could plant the file (or a symlink) first.
fn default_log_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".local/state"))
        })?;
    let dir = base.join("spear-inspect");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .ok()?;
    // Only a real directory of our own, not a symlink someone else pointed elsewhere.
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let ours = meta.uid() == nix::unistd::geteuid().as_raw();
    (meta.is_dir() && ours).then_some(dir)
}

/// Opens the log file 0600 without following a symlink at its path.
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Sends logs to a file, never to the terminal the UI draws on. `--log FILE` that cannot
/// be opened (a symlink, say) is an error; the default location failing only means no
/// log (logging is a convenience).
fn init_logging(path: Option<PathBuf>) -> Result<(), String> {
    let file = match path {
        Some(path) => open_log(&path).map_err(|e| {
            let why = if e.raw_os_error() == Some(libc::ELOOP) {
                "it is a symbolic link, which is never followed".to_string()
            } else {
                e.to_string()
            };
            format!("cannot log to {}: {why}", path.display())
        })?,
        None => {
            match default_log_dir().and_then(|dir| open_log(&dir.join("spear-inspect.log")).ok()) {
                Some(file) => file,
                None => return Ok(()),
            }
        }
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SPEAR_LOG").unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Ok(())
}

/// The number of the first SIGINT, SIGTERM or SIGHUP that arrives while the TUI is not
/// running (the TUI handles its own, restoring the terminal first). Without it, such a
/// signal would end a subcommand before its scratch directory could be removed.
async fn signal_outside_the_tui() -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    loop {
        let number = tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
            _ = hup.recv() => libc::SIGHUP,
        };
        if !spear_next::inspector::tui_running() {
            return number;
        }
    }
}

fn main() -> ExitCode {
    // A panic anywhere still removes the scratch directories before the process ends.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        spear_next::inspector::scratch::remove_all();
        previous(info);
    }));
    // Large databases need a descriptor per SST file; take what the hard limit allows
    // before anything is opened (a database that still does not fit opens with a bounded
    // table cache, or gets an error that names the `ulimit -n` to use).
    let open_file_limit = spear_next::storage::open_files::raise_soft_limit();
    let cli = cli::Cli::parse();
    if let Err(message) = init_logging(cli.global.log.clone()) {
        eprintln!("spear-inspect: {message}");
        return ExitCode::from(2);
    }
    tracing::info!(?open_file_limit, "started");
    spear_next::inspector::source::yielding::configure(cli.global.yielding());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("spear-inspect: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    // Dropping the runtime when `block_on` returns waits for blocking work in flight, so
    // a write batch the worker has started is finished before the process exits (jobs
    // that may be stopped are cancelled when the worker's task drops).
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = cli::run(cli) => outcome,
            signal = signal_outside_the_tui() => Ok(Outcome::Signalled(signal)),
        }
    });
    if matches!(outcome, Ok(Outcome::Abandoned)) {
        // The user left during a read-only open: it writes nothing, so it is not waited for.
        runtime.shutdown_background();
    } else if matches!(outcome, Ok(Outcome::Signalled(_))) {
        // Interrupted: what was running is abandoned (a write batch is atomic in
        // RocksDB's log), with a moment for work near its end.
        runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    } else {
        drop(runtime);
    }
    // Whatever the way out (done, an error, a signal), no scratch directory stays behind.
    spear_next::inspector::scratch::remove_all();
    match outcome {
        Ok(Outcome::Success | Outcome::Abandoned) => ExitCode::SUCCESS,
        Ok(Outcome::NotFound) => {
            eprintln!("spear-inspect: key not found");
            ExitCode::from(1)
        }
        Ok(Outcome::Differ) => ExitCode::from(1),
        Ok(Outcome::Damaged) => ExitCode::from(7),
        Ok(Outcome::Undecodable) => ExitCode::from(8),
        Ok(Outcome::WritesHeld(state)) => ExitCode::from(match state {
            spear_next::inspector::analysis::stall::WriteState::Stopped => 6,
            _ => 5,
        }),
        Ok(Outcome::Signalled(signal)) => {
            eprintln!("spear-inspect: ended by signal {signal}; the terminal is restored");
            ExitCode::from(u8::try_from(128 + signal).unwrap_or(2))
        }
        Err(error) => {
            let status = error.class().exit_code();
            let report = color_eyre::Report::new(error);
            // One line: the outermost context first, then each cause its message does not
            // already quote.
            let line = spear_next::inspector::error::one_line(report.chain());
            tracing::error!("{line}");
            eprintln!("spear-inspect: {line}");
            ExitCode::from(status)
        }
    }
}
