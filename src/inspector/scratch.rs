//! Private scratch directories (the info log of a read-only view, a secondary's files):
//! made 0700 from the start and removed on every way out of the process, including a
//! signal or a panic, when the owner's `Drop` would never run.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Mutex;

/// Every scratch directory this process made and has not removed yet.
static MADE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A fresh directory `spear-inspect-XXXX` in the temporary directory, mode 0700 as it is
/// created (never briefly readable by others), removed when the returned value drops or
/// by [`remove_all`].
pub fn create() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("spear-inspect-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    lock().push(dir.path().to_path_buf());
    Ok(dir)
}

/// Removes every scratch directory still present. Safe to call more than once and from
/// a panic hook; what is already gone is skipped.
pub fn remove_all() {
    for dir in lock().drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock must not stop the cleanup of what is listed.
    MADE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
