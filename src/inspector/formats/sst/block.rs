//! The pieces of a block-based table this crate parses: block handles, the entries of a
//! block (shared-prefix keys, restart points), and an index block's entries, whose
//! handles may be delta-encoded (format 4 on) and may carry each block's first key.

/// Where a block lives: its offset and size, without the 5-byte trailer that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHandle {
    /// Byte offset in the file.
    pub offset: u64,
    /// Bytes of the block's contents (the trailer's 5 bytes follow them).
    pub size: u64,
}

/// A block's trailer: the compression-type byte and the 32-bit checksum.
pub const TRAILER: u64 = 5;

/// Reads varints and fixed-size integers off the front of a byte slice.
pub struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Reads from the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// What is left.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// A varint of at most 64 bits.
    pub fn varint64(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let &b = self.bytes.get(i)?;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Some(value);
            }
        }
        None
    }

    /// A varint that must fit 32 bits.
    pub fn varint32(&mut self) -> Option<u32> {
        self.varint64().and_then(|v| u32::try_from(v).ok())
    }

    /// A zigzag-encoded signed varint (RocksDB's `GetVarsignedint64`).
    pub fn varsigned64(&mut self) -> Option<i64> {
        let v = self.varint64()?;
        Some(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    /// A varint32 length, then that many bytes.
    pub fn length_prefixed(&mut self) -> Option<&'a [u8]> {
        let n = self.varint32()? as usize;
        self.take(n)
    }

    /// A block handle: offset and size as varint64s.
    pub fn handle(&mut self) -> Option<BlockHandle> {
        Some(BlockHandle {
            offset: self.varint64()?,
            size: self.varint64()?,
        })
    }
}

/// The region of a block holding entries, and its restart offsets.
fn entry_region(block: &[u8]) -> Option<(&[u8], Vec<u32>)> {
    let len = block.len();
    if len < 4 {
        return None;
    }
    // The top bit packs the data-block hash index flag (`kDataBlockBinaryAndHash`); index
    // and meta blocks leave it 0. With it, the hash buckets (a byte each) and their count
    // (16 bits) sit between the restart array and this word.
    let packed = u32::from_le_bytes(block[len - 4..].try_into().ok()?);
    let restarts = packed & 0x7fff_ffff;
    let mut array_end = len - 4;
    if packed & 0x8000_0000 != 0 {
        let count = block.get(array_end.checked_sub(2)?..array_end)?;
        let buckets = usize::from(u16::from_le_bytes([count[0], count[1]]));
        array_end = array_end.checked_sub(2 + buckets)?;
    }
    let end = array_end.checked_sub((restarts as usize).checked_mul(4)?)?;
    let offsets = block[end..array_end]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Some((&block[..end], offsets))
}

/// Every (key, value) of a block written with value lengths (meta, properties, and index
/// blocks without delta-encoded handles), keys restored from their shared prefixes.
pub fn entries(block: &[u8]) -> Option<Vec<(Vec<u8>, &[u8])>> {
    let mut out = Vec::new();
    for_each_entry(block, |key, value| out.push((key.to_vec(), value)))?;
    Some(out)
}

/// Calls `each(key, value)` for every entry of a block written with value lengths (data
/// blocks among them), in order, without a copy per entry; `None` when the block does not
/// parse (its checksum matched, so a layout this reader does not know).
pub fn for_each_entry<'b>(block: &'b [u8], mut each: impl FnMut(&[u8], &'b [u8])) -> Option<()> {
    let (region, _) = entry_region(block)?;
    let mut cursor = Cursor::new(region);
    let mut key: Vec<u8> = Vec::new();
    while !cursor.rest().is_empty() {
        let shared = cursor.varint32()? as usize;
        let non_shared = cursor.varint32()? as usize;
        let value_len = cursor.varint32()? as usize;
        if shared > key.len() {
            return None;
        }
        key.truncate(shared);
        key.extend_from_slice(cursor.take(non_shared)?);
        each(&key, cursor.take(value_len)?);
    }
    Some(())
}

/// How an index block's entries are written (from the table's properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndexLayout {
    /// Handles after a restart point are a size delta (`index_value_is_delta_encoded`).
    pub delta_handles: bool,
    /// Each entry also holds its block's first key (`kBinarySearchWithFirstKey`).
    pub first_key: bool,
}

/// Every (separator key, block handle) of an index block, in order.
pub fn index_entries(block: &[u8], layout: IndexLayout) -> Option<Vec<(Vec<u8>, BlockHandle)>> {
    if !layout.delta_handles {
        return entries(block)?
            .into_iter()
            .map(|(key, value)| {
                let mut v = Cursor::new(value);
                let handle = v.handle()?;
                if layout.first_key {
                    v.length_prefixed()?;
                }
                Some((key, handle))
            })
            .collect();
    }
    let (region, restarts) = entry_region(block)?;
    let mut restarts = restarts.into_iter().peekable();
    let mut cursor = Cursor::new(region);
    let mut key: Vec<u8> = Vec::new();
    let mut previous: Option<BlockHandle> = None;
    let mut out = Vec::new();
    while !cursor.rest().is_empty() {
        let at = (region.len() - cursor.rest().len()) as u32;
        while restarts.next_if(|&r| r < at).is_some() {}
        let at_restart = restarts.next_if_eq(&at).is_some();
        let shared = cursor.varint32()? as usize;
        let non_shared = cursor.varint32()? as usize;
        if shared > key.len() {
            return None;
        }
        key.truncate(shared);
        key.extend_from_slice(cursor.take(non_shared)?);
        let handle = match previous {
            Some(p) if !at_restart => {
                let delta = cursor.varsigned64()?;
                BlockHandle {
                    offset: p.offset + p.size + TRAILER,
                    size: p.size.checked_add_signed(delta)?,
                }
            }
            _ => cursor.handle()?,
        };
        if layout.first_key {
            cursor.length_prefixed()?;
        }
        previous = Some(handle);
        out.push((key.clone(), handle));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A block of entries, each a restart point when `restart_every` says so.
    fn block(entries: &[(&[u8], Vec<u8>)], with_len: bool, restart_every: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut restarts = Vec::new();
        let mut last: &[u8] = b"";
        for (i, (key, value)) in entries.iter().enumerate() {
            let restart = i % restart_every == 0;
            let shared = if restart {
                0
            } else {
                key.iter().zip(last).take_while(|(a, b)| a == b).count()
            };
            if restart {
                restarts.push(out.len() as u32);
            }
            varint(shared as u64, &mut out);
            varint((key.len() - shared) as u64, &mut out);
            if with_len {
                varint(value.len() as u64, &mut out);
            }
            out.extend_from_slice(&key[shared..]);
            out.extend_from_slice(value);
            last = key;
        }
        for r in &restarts {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&(restarts.len() as u32).to_le_bytes());
        out
    }

    fn handle(offset: u64, size: u64) -> Vec<u8> {
        let mut v = Vec::new();
        varint(offset, &mut v);
        varint(size, &mut v);
        v
    }

    #[test]
    fn shared_prefixes_are_restored() {
        let b = block(
            &[(b"events:1", handle(0, 10)), (b"events:2", handle(15, 20))],
            true,
            16,
        );
        let got = index_entries(&b, IndexLayout::default()).unwrap();
        assert_eq!(got[1].0, b"events:2");
        assert_eq!(
            got[1].1,
            BlockHandle {
                offset: 15,
                size: 20
            }
        );
    }

    #[test]
    fn delta_handles_follow_the_previous_block_and_restart_in_full() {
        let mut delta = Vec::new();
        varint(((-3i64 << 1) ^ (-3i64 >> 63)) as u64, &mut delta); // zigzag(-3)
        let b = block(
            &[
                (b"a", handle(0, 100)),
                (b"b", delta),
                (b"c", handle(500, 40)),
            ],
            false,
            2,
        );
        let layout = IndexLayout {
            delta_handles: true,
            first_key: false,
        };
        let got: Vec<BlockHandle> = index_entries(&b, layout)
            .unwrap()
            .into_iter()
            .map(|e| e.1)
            .collect();
        assert_eq!(
            got,
            [
                BlockHandle {
                    offset: 0,
                    size: 100
                },
                BlockHandle {
                    offset: 105,
                    size: 97
                },
                BlockHandle {
                    offset: 500,
                    size: 40
                },
            ]
        );
    }

    #[test]
    fn a_cut_block_is_refused_not_misread() {
        let b = block(&[(b"events:1", handle(0, 10))], true, 16);
        assert!(entries(&b[..3]).is_none());
        assert!(entries(&b[2..]).is_none());
    }
}
