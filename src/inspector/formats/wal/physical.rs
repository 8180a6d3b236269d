//! Physical log format: 32 KiB blocks of CRC-protected records, parsed one block at a time.
//!
//! Every block starts with a record header, so a block can be parsed without
//! looking at its neighbours; this is what lets the tail reader walk backwards.

/// Size of a log block.
pub(crate) const BLOCK_SIZE: usize = 32 * 1024;
/// checksum (4) + length (2) + type (1).
pub(crate) const HEADER_SIZE: usize = 7;
/// Legacy header plus a 4-byte log number (recycled WAL files).
pub(crate) const RECYCLABLE_HEADER_SIZE: usize = 11;

const ZERO_TYPE: u8 = 0;
const SET_COMPRESSION_TYPE: u8 = 9;
const UDT_SIZE_TYPE: u8 = 10;
const RECYCLABLE_UDT_SIZE_TYPE: u8 = 11;
/// Record types with this bit set may be skipped by readers that don't know them
/// (e.g. kPredecessorWALInfoType = 130 in RocksDB 10.x).
const SAFE_IGNORE_MASK: u8 = 0x80;
const RECYCLE_PREDECESSOR_WAL_INFO_TYPE: u8 = 131;

const MASK_DELTA: u32 = 0xa282_ead8;

/// RocksDB stores `rotr(crc, 15) + 0xa282ead8` instead of the raw CRC32C.
pub(crate) fn unmask_crc(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

/// The masked form RocksDB stores (the WAL's and blob files' records, CRC32c SST blocks).
pub(crate) fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Minimal log writer following RocksDB's log::Writer (legacy headers), for tests.
#[cfg(test)]
pub(crate) fn write_log(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        let mut left: &[u8] = r;
        let mut begin = true;
        loop {
            let leftover = BLOCK_SIZE - out.len() % BLOCK_SIZE;
            if leftover < HEADER_SIZE {
                out.resize(out.len() + leftover, 0);
            }
            let avail = BLOCK_SIZE - out.len() % BLOCK_SIZE - HEADER_SIZE;
            let n = left.len().min(avail);
            let end = n == left.len();
            let t: u8 = match (begin, end) {
                (true, true) => 1,
                (true, false) => 2,
                (false, false) => 3,
                (false, true) => 4,
            };
            let mut crc_in = vec![t];
            crc_in.extend_from_slice(&left[..n]);
            out.extend_from_slice(&mask_crc(crc32c::crc32c(&crc_in)).to_le_bytes());
            out.extend_from_slice(&(n as u16).to_le_bytes());
            out.push(t);
            out.extend_from_slice(&left[..n]);
            left = &left[n..];
            begin = false;
            if left.is_empty() {
                break;
            }
        }
    }
    out
}

/// Where the rules for damaged records differ between the two log-format readers of
/// this crate, [`super::WalReader`] and the MANIFEST reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogRules {
    /// RocksDB's `log::Reader` order: a recyclable record's log number is checked before
    /// its length and checksum (a mismatch is the normal end of a recycled log), and
    /// zero-filled space ends the block whatever follows the zero header.
    Wal,
    /// The checksum is checked before a recyclable record's log number, so a damaged
    /// type or log-number byte is a torn record rather than a clean end; zero-filled
    /// space must be zero to the end of the block; a torn recyclable header at the end
    /// of the file is a truncated record.
    Manifest,
}

/// Position of a fragment within a logical record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FragKind {
    Full,
    First,
    Middle,
    Last,
}

/// What a successfully checksummed physical record carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Fragment(FragKind),
    /// kSetCompressionType; the payload's first 4 bytes are the compression type.
    SetCompression,
    /// A record that carries metadata only (timestamp sizes, predecessor info, …).
    Ignorable,
    /// A checksummed record of a type RocksDB 7.8 does not know ([`LogRules::Wal`] only:
    /// `log::Reader` reports it and reads on with the next record of the block).
    Unknown(u8),
}

/// One physical record inside a parsed block.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub kind: ItemKind,
    /// Absolute file offset of the record header.
    pub offset: u64,
    /// True when this is the first record of its block.
    pub first_in_block: bool,
    /// Payload range inside the block buffer.
    pub start: usize,
    pub end: usize,
}

/// Why parsing of a block stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The file ends in the middle of a header.
    TruncatedHeader,
    /// The file ends in the middle of a record's payload.
    TruncatedRecord,
    /// The length field points past the end of a full block.
    BadLength,
    BadChecksum,
    /// A recyclable record from an older incarnation of the file: normal end of log.
    OldRecord,
    UnknownType(u8),
    /// A zero header ([`LogRules::Manifest`] only) followed by non-zero bytes in its block.
    NonZeroFill,
}

impl Problem {
    pub(crate) fn reason(&self, rules: LogRules) -> String {
        match self {
            Problem::TruncatedHeader => "truncated record header at end of file".into(),
            Problem::TruncatedRecord if rules == LogRules::Manifest => {
                "truncated record at end of file".into()
            }
            Problem::TruncatedRecord => "truncated record body at end of file".into(),
            Problem::BadLength => "bad record length".into(),
            Problem::BadChecksum => "checksum mismatch".into(),
            Problem::OldRecord => "record from an older (recycled) log".into(),
            Problem::UnknownType(t) => format!("unknown record type {t}"),
            Problem::NonZeroFill => "non-zero bytes in zero-filled space".into(),
        }
    }
}

/// Result of parsing one block.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParsedBlock {
    pub items: Vec<Item>,
    /// First problem met, with the absolute offset of the offending header.
    pub problem: Option<(u64, Problem)>,
    /// Bytes (1..=6) of trailer padding at the end of a full block, else 0.
    /// ldb reports the offset of a record that follows a trailer as the trailer's offset.
    pub trailer: usize,
    /// Offset of the zero header (preallocated space) that ended the block, if one did.
    /// RocksDB skips the rest of the block and drops an unfinished fragmented record.
    pub zero_fill: Option<u64>,
}

/// Parses one block. `block_offset` is its absolute offset; `at_eof` says the block is
/// the file's last (a block shorter than [`BLOCK_SIZE`] always is); `wal_number` is the
/// log number recyclable records must carry.
pub(crate) fn parse_block(
    block: &[u8],
    block_offset: u64,
    wal_number: u64,
    at_eof: bool,
    rules: LogRules,
) -> ParsedBlock {
    let eof = at_eof || block.len() < BLOCK_SIZE;
    let mut out = ParsedBlock::default();
    let mut pos = 0usize;
    loop {
        let rest = block.len() - pos;
        let abs = block_offset + pos as u64;
        if rest < HEADER_SIZE {
            if rest > 0 {
                if !eof {
                    out.trailer = rest;
                } else if block[pos..].iter().any(|&b| b != 0) {
                    out.problem = Some((abs, Problem::TruncatedHeader));
                }
            }
            break;
        }
        let h = &block[pos..];
        let length = u16::from_le_bytes([h[4], h[5]]) as usize;
        let rtype = h[6];
        let recyclable = matches!(rtype, 5..=8)
            || rtype == RECYCLABLE_UDT_SIZE_TYPE
            || rtype == RECYCLE_PREDECESSOR_WAL_INFO_TYPE;
        let header_size = if recyclable {
            RECYCLABLE_HEADER_SIZE
        } else {
            HEADER_SIZE
        };
        if rest < header_size {
            // A full block can't end with a partial recyclable header (the writer pads);
            // at EOF this is a torn header.
            let p = match (eof, rules) {
                (false, _) => Problem::BadLength,
                (true, LogRules::Wal) => Problem::TruncatedHeader,
                (true, LogRules::Manifest) => Problem::TruncatedRecord,
            };
            out.problem = Some((abs, p));
            break;
        }
        let old_record =
            recyclable && u32::from_le_bytes([h[7], h[8], h[9], h[10]]) != wal_number as u32;
        if old_record && rules == LogRules::Wal {
            out.problem = Some((abs, Problem::OldRecord));
            break;
        }
        if header_size + length > rest {
            let p = if eof {
                Problem::TruncatedRecord
            } else {
                Problem::BadLength
            };
            out.problem = Some((abs, p));
            break;
        }
        if rtype == ZERO_TYPE && length == 0 {
            // Preallocated / zero-filled space: the rest of the block is skipped.
            if rules == LogRules::Manifest && h.iter().any(|&b| b != 0) {
                out.problem = Some((abs, Problem::NonZeroFill));
            } else {
                out.zero_fill = Some(abs);
            }
            break;
        }
        let stored = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        // The CRC covers the type byte, the log number (recyclable headers) and the payload.
        let actual = crc32c::crc32c(&h[6..header_size + length]);
        if unmask_crc(stored) != actual {
            out.problem = Some((abs, Problem::BadChecksum));
            break;
        }
        if old_record {
            // LogRules::Manifest: the log number is trusted only once checksummed.
            out.problem = Some((abs, Problem::OldRecord));
            break;
        }
        let kind = match rtype {
            1 | 5 => ItemKind::Fragment(FragKind::Full),
            2 | 6 => ItemKind::Fragment(FragKind::First),
            3 | 7 => ItemKind::Fragment(FragKind::Middle),
            4 | 8 => ItemKind::Fragment(FragKind::Last),
            SET_COMPRESSION_TYPE => ItemKind::SetCompression,
            UDT_SIZE_TYPE | RECYCLABLE_UDT_SIZE_TYPE => ItemKind::Ignorable,
            t if t & SAFE_IGNORE_MASK != 0 => ItemKind::Ignorable,
            t if rules == LogRules::Wal => ItemKind::Unknown(t),
            t => {
                out.problem = Some((abs, Problem::UnknownType(t)));
                break;
            }
        };
        let start = pos + header_size;
        out.items.push(Item {
            kind,
            offset: abs,
            first_in_block: out.items.is_empty(),
            start,
            end: start + length,
        });
        pos = start + length;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(rtype: u8, payload: &[u8]) -> Vec<u8> {
        let mut crc_input = vec![rtype];
        crc_input.extend_from_slice(payload);
        let crc = mask_crc(crc32c::crc32c(&crc_input));
        let mut v = crc.to_le_bytes().to_vec();
        v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
        v.push(rtype);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn mask_roundtrip() {
        for x in [0u32, 1, 0xdead_beef, u32::MAX] {
            assert_eq!(unmask_crc(mask_crc(x)), x);
        }
    }

    #[test]
    fn parses_records_and_flags_bad_crc() {
        let mut b = record(1, b"hello");
        b.extend(record(2, b"ab"));
        let p = parse_block(&b, 0, 0, true, LogRules::Wal);
        assert_eq!(p.items.len(), 2);
        assert!(p.problem.is_none());
        b[8] ^= 1;
        let p = parse_block(&b, 0, 0, true, LogRules::Wal);
        assert!(p.items.is_empty());
        assert_eq!(p.problem, Some((0, Problem::BadChecksum)));
    }

    #[test]
    fn recyclable_log_number_mismatch_is_old_record() {
        let payload = b"xyz";
        let mut crc_input = vec![5u8];
        crc_input.extend_from_slice(&7u32.to_le_bytes());
        crc_input.extend_from_slice(payload);
        let crc = mask_crc(crc32c::crc32c(&crc_input));
        let mut b = crc.to_le_bytes().to_vec();
        b.extend_from_slice(&3u16.to_le_bytes());
        b.push(5);
        b.extend_from_slice(&7u32.to_le_bytes());
        b.extend_from_slice(payload);
        let p = parse_block(&b, 0, 7, true, LogRules::Wal);
        assert_eq!(p.items.len(), 1);
        assert_eq!(&b[p.items[0].start..p.items[0].end], payload);
        let p = parse_block(&b, 0, 8, true, LogRules::Wal);
        assert_eq!(p.problem, Some((0, Problem::OldRecord)));
        // A stale record with a damaged payload: the end of a recycled log for the WAL
        // rules, a torn record for the MANIFEST rules (checksum before log number).
        let last = b.len() - 1;
        b[last] ^= 1;
        let p = parse_block(&b, 0, 8, true, LogRules::Wal);
        assert_eq!(p.problem, Some((0, Problem::OldRecord)));
        let p = parse_block(&b, 0, 8, true, LogRules::Manifest);
        assert_eq!(p.problem, Some((0, Problem::BadChecksum)));
        b[last] ^= 1;
        let p = parse_block(&b, 0, 8, true, LogRules::Manifest);
        assert_eq!(p.problem, Some((0, Problem::OldRecord)));
    }

    #[test]
    fn zero_fill_with_stray_bytes() {
        let mut b = record(1, b"x");
        b.extend([0u8; 20]);
        b[record(1, b"x").len() + 15] = 3;
        let p = parse_block(&b, 0, 0, true, LogRules::Wal);
        assert_eq!((p.items.len(), p.problem), (1, None));
        let p = parse_block(&b, 0, 0, true, LogRules::Manifest);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.problem, Some((8, Problem::NonZeroFill)));
    }

    #[test]
    fn ignorable_and_unknown_types() {
        let mut b = record(130, b"meta");
        b.extend(record(1, b"x"));
        let p = parse_block(&b, 0, 0, true, LogRules::Wal);
        assert_eq!(p.items[0].kind, ItemKind::Ignorable);
        assert_eq!(p.items[1].kind, ItemKind::Fragment(FragKind::Full));
        // The WAL rules read on past an unknown type (as log::Reader does); the MANIFEST
        // rules stop there.
        let mut b = record(42, b"?");
        b.extend(record(1, b"y"));
        let p = parse_block(&b, 0, 0, true, LogRules::Wal);
        assert_eq!(p.problem, None);
        assert_eq!(p.items[0].kind, ItemKind::Unknown(42));
        assert_eq!(p.items[1].kind, ItemKind::Fragment(FragKind::Full));
        let p = parse_block(&b, 0, 0, true, LogRules::Manifest);
        assert_eq!(p.problem, Some((0, Problem::UnknownType(42))));
        assert!(p.items.is_empty());
    }
}
