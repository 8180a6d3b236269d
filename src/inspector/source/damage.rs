//! A read that meets a damaged block: RocksDB's error names the table file and the
//! block's offset; the table's index (read without RocksDB) gives the block's keys, so a
//! page can step over them and go on, and say what it could not read.

use std::path::PathBuf;

use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::formats::sst::locate_block;

/// Damaged blocks a single page steps over before it gives up with the error.
pub const MAX_SKIPS: usize = 16;

/// A damaged data block a walk stepped over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedBlock {
    /// The table file, e.g. `000058.sst`.
    pub file: String,
    /// The block's offset in it.
    pub offset: u64,
    /// Its keys are above this one (the previous block's separator); `None` from the
    /// file's first key.
    pub after: Option<Vec<u8>>,
    /// … up to and including this one (its separator).
    pub through: Vec<u8>,
    /// The keys the page read either side of the gap (readable), when it read any.
    pub readable: (Option<Vec<u8>>, Option<Vec<u8>>),
}

impl SkippedBlock {
    /// The block a RocksDB corruption error names (`… in /db/000058.sst offset 99088
    /// size 2107`), with its keys from the file's index; `None` when the error names no
    /// block of a readable table.
    pub fn from_error(message: &str) -> Option<Self> {
        let (path, offset) = named_block(message)?;
        let (after, through) = locate_block(&path, offset)?;
        Some(Self {
            file: path.file_name()?.to_string_lossy().into_owned(),
            offset,
            after,
            through,
            readable: (None, None),
        })
    }

    /// One line for the status bar: the unreadable keys first (between the readable
    /// keys either side where the page has them), then where the damage is.
    pub fn describe(&self) -> String {
        let from = match (&self.readable.0, &self.after) {
            (Some(key), _) => format!("after {}", escape_key(key)),
            (None, Some(after)) => format!("above {}", escape_key(after)),
            (None, None) => "from its table's first key".into(),
        };
        let to = match &self.readable.1 {
            Some(key) => format!("before {}", escape_key(key)),
            None => format!("through {}", escape_key(&self.through)),
        };
        format!(
            "unreadable, skipped: keys {from} {to} (damaged block at offset {} of {}; `verify` names all damage)",
            self.offset, self.file
        )
    }
}

/// The smallest key greater than `key` (it with a zero byte appended): where a walk
/// forward resumes after a damaged block whose last key is at most `key`.
pub fn just_after(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// The table path and block offset in a corruption message.
fn named_block(message: &str) -> Option<(PathBuf, u64)> {
    let (_, rest) = message.rsplit_once(" in ")?;
    let (path, rest) = rest.split_once(" offset ")?;
    let offset = rest
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    let path = path.trim();
    (path.ends_with(".sst") || path.ends_with(".ldb")).then(|| (PathBuf::from(path), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_and_offset_are_read_from_rocksdbs_message() {
        let message = "Corruption: block checksum mismatch: stored = 342573818, computed = 2316799275, type = 4  in /tmp/vd/000058.sst offset 99088 size 2107";
        assert_eq!(
            named_block(message),
            Some((PathBuf::from("/tmp/vd/000058.sst"), 99088))
        );
        assert_eq!(named_block("IO error: No such file or directory"), None);
        assert_eq!(
            named_block("Corruption: bad block in /db/MANIFEST-000005 offset 3 size 2"),
            None
        );
    }

    #[test]
    fn just_after_is_past_the_key_and_before_its_longer_neighbours() {
        assert!(just_after(b"a").as_slice() > b"a".as_slice());
        assert!(just_after(b"a").as_slice() < b"a\x01".as_slice());
    }
}
