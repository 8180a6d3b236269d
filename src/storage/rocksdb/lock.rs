//! Whether another handle holds a database's `LOCK`, asked without opening the file.
//!
//! RocksDB locks `LOCK` with a POSIX record lock. Opening and closing any descriptor of
//! that file would release every POSIX lock this process holds on it, so a probe that
//! opened it (`F_GETLK`) could silently drop the lock of a `RocksDbKvStore` in this very
//! process. Linux lists every file lock in `/proc/locks` by device and inode; those are
//! read from the file's metadata, which opens nothing.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Whether any process (this one included) holds a lock on `db_path/LOCK`.
pub fn lock_is_held(db_path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(db_path.join("LOCK")) else {
        return false;
    };
    match std::fs::read_to_string("/proc/locks") {
        Ok(locks) => locks_name(&locks, meta.dev(), meta.ino()),
        // Without /proc, a reader cannot tell; RocksDB's own open then reports the lock.
        Err(_) => false,
    }
}

/// Whether a `/proc/locks` text lists a lock on the file with device `dev` and inode
/// `ino`. Its lines read `1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF`, the device as
/// hexadecimal major:minor, the inode in decimal (`->` marks a blocked waiter).
fn locks_name(locks: &str, dev: u64, ino: u64) -> bool {
    let (major, minor) = (nix::sys::stat::major(dev), nix::sys::stat::minor(dev));
    locks.lines().any(|line| {
        line.split_whitespace()
            .filter(|field| *field != "->")
            .nth(5)
            .and_then(|id| {
                let mut parts = id.split(':');
                let maj = u64::from_str_radix(parts.next()?, 16).ok()?;
                let min = u64::from_str_radix(parts.next()?, 16).ok()?;
                let inode: u64 = parts.next()?.parse().ok()?;
                Some((maj, min, inode))
            })
            .is_some_and(|(maj, min, inode)| maj == major && min == minor && inode == ino)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_locks_lines() {
        let dev = nix::sys::stat::makedev(0xfd, 0x01);
        let text = "1: POSIX  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF\n\
                    2: FLOCK  ADVISORY  WRITE 17 08:02:99 0 EOF\n\
                    3: POSIX  ADVISORY  WRITE 4243 fd:01:7654321 0 EOF\n\
                    3: -> POSIX  ADVISORY  WRITE 4244 fd:01:5555 0 EOF\n";
        assert!(locks_name(text, dev, 1234567));
        assert!(locks_name(text, dev, 7654321));
        assert!(locks_name(text, dev, 5555));
        assert!(!locks_name(text, dev, 99));
        assert!(!locks_name(text, nix::sys::stat::makedev(8, 2), 1234567));
    }
}
