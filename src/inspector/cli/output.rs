//! Writing a subcommand's answer to standard output, where a reader that stops early
//! (`| head`) is the normal end of a pipeline, not a failure.

use std::io::{self, Write};

use super::error::CliError;

/// Writes `value` as one line of JSON on stdout; a closed pipe ends it quietly.
pub fn print_json_line(value: &impl serde::Serialize) -> Result<(), CliError> {
    let mut json = serde_json::to_vec(value)?;
    json.push(b'\n');
    ignore_broken_pipe(io::stdout().lock().write_all(&json))
}

/// `| head` closes the pipe early: that is success, not an error.
pub fn ignore_broken_pipe(result: io::Result<()>) -> Result<(), CliError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(CliError::Stdout),
    }
}
