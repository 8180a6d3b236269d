//! A table's entries in file (key) order, read without RocksDB: each entry's internal key
//! (user key, sequence number, kind), its value, and the share of the stored block bytes
//! it takes. Every version and every tombstone is there, which no RocksDB read returns:
//! the LSM by prefix counts them. One data block is held at a time.

use std::fs::File;

use super::block::{self, TRAILER};
use super::table::{Chunks, Layout, TableCheck, data_block, layout_failure, read_layout};

/// Bytes read ahead per table: a merge holds one reader per level-0 file and per level.
const READ_AHEAD: u64 = 256 << 10;

/// `kTypeDeletion`, `kTypeSingleDeletion`, `kTypeDeletionWithTimestamp`.
pub const DELETIONS: [u8; 3] = [0x0, 0x7, 0x14];
/// `kTypeBlobIndex`: the value points into a blob file.
pub const BLOB_INDEX: u8 = 0x11;

/// A range deletion: user keys in `[start, end)` written before `seq` are deleted.
pub type RangeTombstone = (Vec<u8>, Vec<u8>, u64);

/// One entry of the block in hand: where its internal key and value lie.
#[derive(Debug, Clone, Copy)]
struct Slot {
    key: (usize, usize),
    value: (usize, usize),
    stored: f64,
}

/// The entry under the cursor.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The user key.
    pub user_key: &'a [u8],
    /// Its sequence number (0 once compacted to the bottom).
    pub seq: u64,
    /// Its kind: RocksDB's value type byte.
    pub kind: u8,
    /// The value as stored (a blob index for [`BLOB_INDEX`]).
    pub value: &'a [u8],
    /// Its share of its block's stored (compressed) bytes with the trailer.
    pub stored_bytes: f64,
}

/// A cursor over a table's entries.
pub struct TableEntries {
    chunks: Chunks<'static>,
    layout: Layout,
    next_block: usize,
    keys: Vec<u8>,
    block: Vec<u8>,
    slots: Vec<Slot>,
    at: usize,
    /// Stored bytes of the data blocks read so far.
    pub bytes_read: u64,
}

impl TableEntries {
    /// Reads the table's layout (footer, properties, index); the error says why a table
    /// cannot be read (damaged, or a kind this reader does not know).
    pub fn open(file: File) -> Result<Self, String> {
        let size = file.metadata().map_err(|e| e.to_string())?.len();
        let mut chunks = Chunks::new(file, size, READ_AHEAD, None);
        let mut check = TableCheck::default();
        let layout = read_layout(&mut chunks, &mut check)
            .filter(|_| check.damage.is_empty() && check.unchecked.is_none())
            .ok_or_else(|| layout_failure(&check))?;
        Ok(Self {
            chunks,
            layout,
            next_block: 0,
            keys: Vec::new(),
            block: Vec::new(),
            slots: Vec::new(),
            at: 0,
            bytes_read: 0,
        })
    }

    /// The comparator the table was written with (`leveldb.BytewiseComparator`).
    pub fn comparator(&self) -> Option<String> {
        self.layout
            .properties
            .get("rocksdb.comparator")
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Range deletions in the table (its range-deletion block; not among the entries).
    pub fn range_deletions(&self) -> u64 {
        self.layout
            .number("rocksdb.num.range-deletions")
            .unwrap_or(0)
    }

    /// The table's range deletions: `(start, end, seq)`, each deleting the user keys in
    /// `[start, end)` written before `seq`.
    pub fn range_tombstones(&mut self) -> Result<Vec<RangeTombstone>, String> {
        let Some(handle) = self.layout.range_del else {
            return Ok(Vec::new());
        };
        let contents = data_block(&mut self.chunks, &self.layout.footer, handle)
            .map_err(|e| format!("range-deletion block at offset {}: {e}", handle.offset))?;
        let mut out = Vec::new();
        let mut bad = false;
        block::for_each_entry(&contents, |key, end| match key.len().checked_sub(8) {
            Some(at) => {
                let packed = u64::from_le_bytes(key[at..].try_into().expect("8 bytes"));
                out.push((key[..at].to_vec(), end.to_vec(), packed >> 8));
            }
            None => bad = true,
        })
        .filter(|_| !bad)
        .ok_or_else(|| {
            format!(
                "range-deletion block at offset {} does not parse",
                handle.offset
            )
        })?;
        Ok(out)
    }

    /// Skips the data blocks whose keys all sort before `lower` (before the first read).
    pub fn skip_before(&mut self, lower: &[u8]) {
        let data = &self.layout.data;
        while self.next_block < data.len() && data[self.next_block].1.as_slice() < lower {
            self.next_block += 1;
        }
    }

    /// Reads blocks until an entry is under the cursor; `Ok(false)` past the last.
    pub fn settle(&mut self) -> Result<bool, String> {
        while self.at >= self.slots.len() {
            if self.next_block >= self.layout.data.len() {
                return Ok(false);
            }
            self.load_next()?;
        }
        Ok(true)
    }

    /// The entry under the cursor, once [`TableEntries::settle`] said there is one.
    pub fn peek(&self) -> Option<Entry<'_>> {
        let slot = self.slots.get(self.at)?;
        let key = &self.keys[slot.key.0..slot.key.0 + slot.key.1];
        let (user_key, trailer) = key.split_at(key.len() - 8);
        let packed = u64::from_le_bytes(trailer.try_into().expect("8 bytes"));
        Some(Entry {
            user_key,
            seq: packed >> 8,
            kind: (packed & 0xff) as u8,
            value: &self.block[slot.value.0..slot.value.0 + slot.value.1],
            stored_bytes: slot.stored,
        })
    }

    /// Steps past the entry under the cursor.
    pub fn advance(&mut self) {
        self.at += 1;
    }

    fn load_next(&mut self) -> Result<(), String> {
        let handle = self.layout.data[self.next_block].2;
        self.next_block += 1;
        self.block = data_block(&mut self.chunks, &self.layout.footer, handle)
            .map_err(|e| format!("data block at offset {}: {e}", handle.offset))?;
        self.bytes_read += handle.size + TRAILER;
        self.keys.clear();
        self.slots.clear();
        self.at = 0;
        let base = self.block.as_ptr() as usize;
        let (keys, slots) = (&mut self.keys, &mut self.slots);
        let mut short_key = false;
        block::for_each_entry(&self.block, |key, value| {
            short_key |= key.len() < 8;
            slots.push(Slot {
                key: (keys.len(), key.len()),
                value: (value.as_ptr() as usize - base, value.len()),
                stored: 0.0,
            });
            keys.extend_from_slice(key);
        })
        .ok_or_else(|| format!("data block at offset {} does not parse", handle.offset))?;
        if short_key {
            return Err(format!(
                "data block at offset {}: a key shorter than its 8-byte sequence trailer",
                handle.offset
            ));
        }
        // Each entry's share of the block's stored bytes, by its key and value lengths.
        let raw: usize = slots.iter().map(|s| s.key.1 + s.value.1).sum();
        let stored = (handle.size + TRAILER) as f64;
        for s in slots.iter_mut() {
            s.stored = stored * (s.key.1 + s.value.1) as f64 / raw.max(1) as f64;
        }
        Ok(())
    }
}

/// The size of the blob a blob index points at (`kBlob` kind), `None` for an inlined
/// TTL value or an index this reader does not parse.
pub fn blob_size(index: &[u8]) -> Option<u64> {
    let (&kind, rest) = index.split_first()?;
    let mut c = block::Cursor::new(rest);
    match kind {
        // kBlob: file number, offset, size, compression.
        1 => {
            c.varint64()?;
            c.varint64()?;
            c.varint64()
        }
        // kBlobTTL: expiration first.
        2 => {
            c.varint64()?;
            c.varint64()?;
            c.varint64()?;
            c.varint64()
        }
        _ => None,
    }
}
