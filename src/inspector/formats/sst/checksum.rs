//! Block checksums of RocksDB's block-based tables: the checksum types a table's footer
//! may name, computed over a block and its compression-type byte, with format 6's
//! per-offset context (a block copied to another offset fails its check).

use crate::inspector::formats::wal::mask_crc;

/// The checksum type a table's footer names (`ChecksumType` in RocksDB's `table.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumType {
    /// `kNoChecksum`: nothing to verify.
    None,
    /// `kCRC32c`, masked as the WAL's records are (RocksDB's default before 8.x).
    Crc32c,
    /// `kxxHash`: XXH32 with seed 0.
    XxHash,
    /// `kxxHash64`: the low 32 bits of XXH64 with seed 0.
    XxHash64,
    /// `kXXH3`: the low 32 bits of XXH3 over all but the last byte, the last byte mixed
    /// in by a multiply (RocksDB's default since 8.x).
    Xxh3,
}

impl ChecksumType {
    /// The type a footer's first byte names, `None` for a byte RocksDB does not know.
    pub fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            0 => Self::None,
            1 => Self::Crc32c,
            2 => Self::XxHash,
            3 => Self::XxHash64,
            4 => Self::Xxh3,
            _ => return None,
        })
    }

    /// RocksDB's name for it, as `sst_dump --show_properties` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "kNoChecksum",
            Self::Crc32c => "kCRC32c",
            Self::XxHash => "kxxHash",
            Self::XxHash64 => "kxxHash64",
            Self::Xxh3 => "kXXH3",
        }
    }
}

/// The multiplier XXH3 checksums mix the last byte in with.
const LAST_BYTE_PRIME: u32 = 0x6b90_83d9;

/// The checksum of `data` followed by `last_byte` (a block and its compression type).
pub fn with_last_byte(kind: ChecksumType, data: &[u8], last_byte: u8) -> u32 {
    match kind {
        ChecksumType::None => 0,
        ChecksumType::Crc32c => mask_crc(crc32c::crc32c_append(crc32c::crc32c(data), &[last_byte])),
        ChecksumType::XxHash => {
            let mut h = xxhash_rust::xxh32::Xxh32::new(0);
            h.update(data);
            h.update(&[last_byte]);
            h.digest()
        }
        ChecksumType::XxHash64 => {
            let mut h = xxhash_rust::xxh64::Xxh64::new(0);
            h.update(data);
            h.update(&[last_byte]);
            h.digest() as u32
        }
        ChecksumType::Xxh3 => {
            (xxhash_rust::xxh3::xxh3_64(data) as u32)
                ^ u32::from(last_byte).wrapping_mul(LAST_BYTE_PRIME)
        }
    }
}

/// The checksum of a whole buffer (format 6's footer): its last byte plays the part a
/// block's type byte plays; an empty buffer's XXH3 checksum is 0.
pub fn of_buffer(kind: ChecksumType, data: &[u8]) -> u32 {
    match data.split_last() {
        Some((&last, rest)) => with_last_byte(kind, rest, last),
        None => 0,
    }
}

/// What format 6 adds to a block's checksum for the block's offset: 0 when the file has
/// no base context checksum (formats before 6).
pub fn context_modifier(base_context_checksum: u32, offset: u64) -> u32 {
    if base_context_checksum == 0 {
        return 0;
    }
    base_context_checksum ^ (offset as u32).wrapping_add((offset >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_footer_byte_rocksdb_knows_is_read_and_others_refused() {
        for (byte, kind) in [
            (0, ChecksumType::None),
            (1, ChecksumType::Crc32c),
            (2, ChecksumType::XxHash),
            (3, ChecksumType::XxHash64),
            (4, ChecksumType::Xxh3),
        ] {
            assert_eq!(ChecksumType::from_byte(byte), Some(kind));
        }
        assert_eq!(ChecksumType::from_byte(5), None);
    }

    #[test]
    fn the_last_byte_changes_every_checksum() {
        for kind in [
            ChecksumType::Crc32c,
            ChecksumType::XxHash,
            ChecksumType::XxHash64,
            ChecksumType::Xxh3,
        ] {
            assert_ne!(
                with_last_byte(kind, b"block", 0),
                with_last_byte(kind, b"block", 1)
            );
            assert_eq!(
                of_buffer(kind, b"block\x01"),
                with_last_byte(kind, b"block", 1)
            );
        }
    }

    #[test]
    fn the_context_is_off_without_a_base_and_follows_both_halves_of_the_offset() {
        assert_eq!(context_modifier(0, 12345), 0);
        assert_eq!(context_modifier(7, 0), 7);
        assert_ne!(context_modifier(7, 1), context_modifier(7, 1 << 32 | 2));
        assert_eq!(context_modifier(7, 1 << 32), 7 ^ 1);
    }
}
