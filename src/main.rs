//! `spear-inspect`: parse the command line, send logs to a file, run, map the outcome to
//! an exit status.

mod cli;

use std::process::ExitCode;

use clap::Parser;

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
    let cli = cli::Cli::parse();
    init_logging(cli.log.clone());
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
    match runtime.block_on(cli::run(cli)) {
        Ok(cli::Outcome::Success) => ExitCode::SUCCESS,
        Ok(cli::Outcome::NotFound) => {
            eprintln!("spear-inspect: key not found");
            ExitCode::from(1)
        }
        Err(report) => {
            // One line: the outermost context first, causes after it.
            tracing::error!("{report:#}");
            eprintln!("spear-inspect: {report:#}");
            ExitCode::from(2)
        }
    }
}
