//! `spear-inspect`: raise the open-file limit, parse the command line, send logs to a
//! file, run, map the outcome to an exit status. Everything else is in
//! `spear_next::inspector::cli`.

use std::process::ExitCode;

use clap::Parser;
use spear_next::inspector::cli::{self, Outcome};

fn init_logging(path: Option<std::path::PathBuf>) {
    let path = path.unwrap_or_else(|| std::env::temp_dir().join("spear-inspect.log"));
    // Logging is a convenience: if the file cannot be opened, run without it rather than
    // scribble on the terminal the UI draws on.
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SPEAR_LOG").unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

fn main() -> ExitCode {
    // Large databases need a descriptor per SST file; take what the hard limit allows
    // before anything is opened (a database that still does not fit opens with a bounded
    // table cache, or gets an error that names the `ulimit -n` to use).
    let open_file_limit = spear_next::storage::open_files::raise_soft_limit();
    let cli = cli::Cli::parse();
    init_logging(cli.log.clone());
    tracing::info!(?open_file_limit, "started");
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
    // a write batch the worker has started is finished before the process exits.
    match runtime.block_on(cli::run(cli)) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::NotFound) => {
            eprintln!("spear-inspect: key not found");
            ExitCode::from(1)
        }
        Ok(Outcome::Signalled(signal)) => {
            eprintln!("spear-inspect: ended by signal {signal}; the terminal is restored");
            ExitCode::from(u8::try_from(128 + signal).unwrap_or(2))
        }
        Err(report) => {
            // One line: the outermost context first, causes after it.
            tracing::error!("{report:#}");
            eprintln!("spear-inspect: {report:#}");
            ExitCode::from(cli::exit_code(&report))
        }
    }
}
