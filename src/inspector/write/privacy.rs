//! Copies keep their source's privacy: a database readable by its owner only is copied
//! (checkpoint, migrate) into a directory and files readable by that owner only, owned by
//! the source's owner when root makes the copy, and an export of it goes to a file only
//! its owner can read. The rule comes from the source's own `CURRENT` file and directory.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use nix::sys::stat::{Mode, umask};

/// Who may read a database, as its files and directory say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privacy {
    /// Mode bits of the database directory.
    pub dir_mode: u32,
    /// Mode bits of its files (its `CURRENT` file's).
    pub file_mode: u32,
    /// Owner and group of the directory.
    pub owner: (u32, u32),
}

impl Privacy {
    /// Reads it off the database at `db`; `None` when there is nothing to read it from.
    pub fn of(db: &Path) -> Option<Self> {
        let dir = std::fs::metadata(db).ok()?;
        let file = std::fs::metadata(db.join("CURRENT")).ok()?;
        Some(Self {
            dir_mode: dir.permissions().mode() & 0o777,
            file_mode: file.permissions().mode() & 0o666,
            owner: (dir.uid(), dir.gid()),
        })
    }

    /// The umask under which new files and directories are no more open than these:
    /// group and others keep at most what they have on the source's files.
    pub fn umask(&self) -> Mode {
        let group = if self.file_mode & 0o040 == 0 {
            0o070
        } else {
            0o020
        };
        let other = if self.file_mode & 0o004 == 0 {
            0o007
        } else {
            0o002
        };
        Mode::from_bits_truncate(group | other)
    }

    /// Whether anyone but the owner and group may read it.
    pub fn world_readable(&self) -> bool {
        self.file_mode & 0o004 != 0 && self.dir_mode & 0o005 == 0o005
    }

    /// Makes `dest` (a directory this process created) as closed as the source and, when
    /// running as root, owned by the source's owner, with everything in it.
    pub fn apply_to(&self, dest: &Path) -> std::io::Result<()> {
        let root = nix::unistd::geteuid().is_root();
        for entry in std::fs::read_dir(dest)? {
            let path = entry?.path();
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
            std::fs::set_permissions(&path, PermissionsExt::from_mode(mode & self.file_mode))?;
            if root {
                std::os::unix::fs::chown(&path, Some(self.owner.0), Some(self.owner.1))?;
            }
        }
        std::fs::set_permissions(dest, PermissionsExt::from_mode(self.dir_mode))?;
        if root {
            std::os::unix::fs::chown(dest, Some(self.owner.0), Some(self.owner.1))?;
        }
        Ok(())
    }
}

/// Runs `work` with the process umask set to `mask`, then puts the old one back. The
/// umask is process-wide: the CLI uses this for one command at a time.
pub fn with_umask<T>(mask: Mode, work: impl FnOnce() -> T) -> T {
    let old = umask(mask);
    let out = work();
    umask(old);
    out
}
