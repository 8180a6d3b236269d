//! Writing a subcommand's answer to standard output, where a reader that stops early
//! (`| head`) is the normal end of a pipeline, not a failure.

use std::io;

use super::error::CliError;

/// `| head` closes the pipe early: that is success, not an error.
pub fn ignore_broken_pipe(result: io::Result<()>) -> Result<(), CliError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(CliError::Stdout),
    }
}
