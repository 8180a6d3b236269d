//! WriteBatch decoding: the 12-byte header (sequence, count) and the tagged operation records.

use super::{WalOp, WalOpKind};

/// Size of the WriteBatch header: 8-byte sequence + 4-byte count.
pub(crate) const BATCH_HEADER: usize = 12;

// Tags from RocksDB's dbformat.h (ValueType), as written into WriteBatch records.
const TYPE_DELETION: u8 = 0x0;
const TYPE_VALUE: u8 = 0x1;
const TYPE_MERGE: u8 = 0x2;
const TYPE_LOG_DATA: u8 = 0x3;
const TYPE_CF_DELETION: u8 = 0x4;
const TYPE_CF_VALUE: u8 = 0x5;
const TYPE_CF_MERGE: u8 = 0x6;
const TYPE_SINGLE_DELETION: u8 = 0x7;
const TYPE_CF_SINGLE_DELETION: u8 = 0x8;
const TYPE_BEGIN_PREPARE_XID: u8 = 0x9;
const TYPE_END_PREPARE_XID: u8 = 0xA;
const TYPE_COMMIT_XID: u8 = 0xB;
const TYPE_ROLLBACK_XID: u8 = 0xC;
const TYPE_NOOP: u8 = 0xD;
const TYPE_CF_RANGE_DELETION: u8 = 0xE;
const TYPE_RANGE_DELETION: u8 = 0xF;
const TYPE_CF_BLOB_INDEX: u8 = 0x10;
const TYPE_BLOB_INDEX: u8 = 0x11;
const TYPE_BEGIN_PERSISTED_PREPARE_XID: u8 = 0x12;
const TYPE_BEGIN_UNPREPARE_XID: u8 = 0x13;
const TYPE_COMMIT_XID_AND_TIMESTAMP: u8 = 0x15;
const TYPE_WIDE_COLUMN_ENTITY: u8 = 0x16;
const TYPE_CF_WIDE_COLUMN_ENTITY: u8 = 0x17;
const TYPE_VALUE_PREFERRED_SEQNO: u8 = 0x18;
const TYPE_CF_VALUE_PREFERRED_SEQNO: u8 = 0x19;

/// A decoded WriteBatch.
#[derive(Debug)]
pub(crate) struct DecodedBatch {
    pub sequence: u64,
    pub count: u32,
    pub ops: Vec<WalOp>,
}

/// Why a record's bytes are not a WriteBatch; each names the byte offset inside the
/// batch where decoding stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The record is shorter than the sequence number and count every batch starts with.
    #[error("record of {len} bytes is smaller than the {BATCH_HEADER}-byte WriteBatch header")]
    TooShort {
        /// The record's length.
        len: usize,
    },
    /// The batch ends inside a varint.
    #[error("truncated varint ({what}) at offset {at}")]
    TruncatedVarint {
        /// The field being read.
        what: &'static str,
        /// Where the batch ended.
        at: usize,
    },
    /// A varint32 with more than five bytes.
    #[error("varint32 too long ({what}) at offset {at}")]
    VarintTooLong {
        /// The field being read.
        what: &'static str,
        /// The offset after its fifth byte.
        at: usize,
    },
    /// A length-prefixed field longer than what is left of the batch.
    #[error("{what} of {len} bytes at offset {at} overruns the batch ({size} bytes)")]
    Overrun {
        /// The field being read.
        what: &'static str,
        /// Its declared length.
        len: usize,
        /// The offset of its length prefix.
        at: usize,
        /// The batch's size.
        size: usize,
    },
    /// A record tag this reader does not know (written by a newer RocksDB, or damage
    /// the checksum did not catch).
    #[error("unknown WriteBatch tag 0x{tag:02x} at offset {at}")]
    UnknownTag {
        /// The tag byte.
        tag: u8,
        /// Its offset.
        at: usize,
    },
}

/// Cursor over a batch's bytes; errors carry the byte offset inside the batch.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn varint32(&mut self, what: &'static str) -> Result<u32, BatchError> {
        let mut result: u32 = 0;
        for shift in (0..=28).step_by(7) {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(BatchError::TruncatedVarint { what, at: self.pos });
            };
            self.pos += 1;
            result |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        Err(BatchError::VarintTooLong { what, at: self.pos })
    }

    fn slice(&mut self, what: &'static str) -> Result<&'a [u8], BatchError> {
        let at = self.pos;
        let len = self.varint32(what)? as usize;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or(BatchError::Overrun {
                what,
                len,
                at,
                size: self.data.len(),
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
}

/// Decodes a WriteBatch record. The error names the problem and its offset.
pub(crate) fn decode_batch(data: &[u8]) -> Result<DecodedBatch, BatchError> {
    if data.len() < BATCH_HEADER {
        return Err(BatchError::TooShort { len: data.len() });
    }
    let sequence = u64::from_le_bytes(data[0..8].try_into().expect("8 bytes"));
    let count = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes"));
    let mut c = Cursor {
        data,
        pos: BATCH_HEADER,
    };
    let mut ops = Vec::with_capacity(count.min(4096) as usize);
    while c.pos < data.len() {
        let tag_at = c.pos;
        let tag = data[c.pos];
        c.pos += 1;
        let mut cf = 0u32;
        let op = |cf: u32, kind: WalOpKind, key: &[u8], value: &[u8]| WalOp {
            cf,
            kind,
            key: key.to_vec(),
            value: value.to_vec(),
        };
        let o = match tag {
            TYPE_CF_VALUE
            | TYPE_VALUE
            | TYPE_CF_MERGE
            | TYPE_MERGE
            | TYPE_CF_RANGE_DELETION
            | TYPE_RANGE_DELETION
            | TYPE_CF_BLOB_INDEX
            | TYPE_BLOB_INDEX
            | TYPE_CF_WIDE_COLUMN_ENTITY
            | TYPE_WIDE_COLUMN_ENTITY
            | TYPE_CF_VALUE_PREFERRED_SEQNO
            | TYPE_VALUE_PREFERRED_SEQNO => {
                let kind = match tag {
                    TYPE_CF_VALUE | TYPE_VALUE => WalOpKind::Put,
                    TYPE_CF_MERGE | TYPE_MERGE => WalOpKind::Merge,
                    TYPE_CF_RANGE_DELETION | TYPE_RANGE_DELETION => WalOpKind::RangeDelete,
                    TYPE_CF_BLOB_INDEX | TYPE_BLOB_INDEX => WalOpKind::PutBlobIndex,
                    TYPE_CF_WIDE_COLUMN_ENTITY | TYPE_WIDE_COLUMN_ENTITY => WalOpKind::PutEntity,
                    _ => WalOpKind::TimedPut,
                };
                if matches!(
                    tag,
                    TYPE_CF_VALUE
                        | TYPE_CF_MERGE
                        | TYPE_CF_RANGE_DELETION
                        | TYPE_CF_BLOB_INDEX
                        | TYPE_CF_WIDE_COLUMN_ENTITY
                        | TYPE_CF_VALUE_PREFERRED_SEQNO
                ) {
                    cf = c.varint32("column family id")?;
                }
                let key = c.slice("key")?;
                let value = c.slice("value")?;
                op(cf, kind, key, value)
            }
            TYPE_CF_DELETION | TYPE_DELETION | TYPE_CF_SINGLE_DELETION | TYPE_SINGLE_DELETION => {
                if matches!(tag, TYPE_CF_DELETION | TYPE_CF_SINGLE_DELETION) {
                    cf = c.varint32("column family id")?;
                }
                let kind = if matches!(tag, TYPE_CF_DELETION | TYPE_DELETION) {
                    WalOpKind::Delete
                } else {
                    WalOpKind::SingleDelete
                };
                op(cf, kind, c.slice("key")?, &[])
            }
            TYPE_LOG_DATA => op(0, WalOpKind::LogData, &[], c.slice("log data blob")?),
            TYPE_NOOP => op(0, WalOpKind::Noop, &[], &[]),
            TYPE_BEGIN_PREPARE_XID => op(0, WalOpKind::BeginPrepare, &[], &[]),
            TYPE_BEGIN_PERSISTED_PREPARE_XID => op(0, WalOpKind::BeginPersistedPrepare, &[], &[]),
            TYPE_BEGIN_UNPREPARE_XID => op(0, WalOpKind::BeginUnprepare, &[], &[]),
            TYPE_END_PREPARE_XID => op(0, WalOpKind::EndPrepare, c.slice("xid")?, &[]),
            TYPE_COMMIT_XID => op(0, WalOpKind::Commit, c.slice("xid")?, &[]),
            TYPE_ROLLBACK_XID => op(0, WalOpKind::Rollback, c.slice("xid")?, &[]),
            TYPE_COMMIT_XID_AND_TIMESTAMP => {
                let ts = c.slice("commit timestamp")?;
                let xid = c.slice("xid")?;
                op(0, WalOpKind::CommitWithTimestamp, xid, ts)
            }
            other => {
                return Err(BatchError::UnknownTag {
                    tag: other,
                    at: tag_at,
                });
            }
        };
        ops.push(o);
    }
    Ok(DecodedBatch {
        sequence,
        count,
        ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(seq: u64, count: u32) -> Vec<u8> {
        let mut v = seq.to_le_bytes().to_vec();
        v.extend_from_slice(&count.to_le_bytes());
        v
    }

    #[test]
    fn decodes_cf_put_and_range_delete() {
        let mut b = header(42, 2);
        b.extend_from_slice(&[TYPE_CF_VALUE, 0x81, 0x01, 1, b'k', 2, b'v', b'w']);
        b.extend_from_slice(&[TYPE_RANGE_DELETION, 1, b'a', 1, b'z']);
        let d = decode_batch(&b).unwrap();
        assert_eq!((d.sequence, d.count), (42, 2));
        assert_eq!(d.ops[0].cf, 129);
        assert_eq!(d.ops[0].kind, WalOpKind::Put);
        assert_eq!(d.ops[0].value, b"vw");
        assert_eq!(d.ops[1].kind, WalOpKind::RangeDelete);
        assert_eq!(
            (d.ops[1].key.as_slice(), d.ops[1].value.as_slice()),
            (&b"a"[..], &b"z"[..])
        );
    }

    #[test]
    fn unknown_tag_and_truncation_are_errors() {
        let mut b = header(1, 1);
        b.push(0x14);
        let e = decode_batch(&b).unwrap_err().to_string();
        assert!(e.contains("0x14") && e.contains("offset 12"), "{e}");
        let mut b = header(1, 1);
        b.extend_from_slice(&[TYPE_VALUE, 5, b'k']);
        assert!(
            decode_batch(&b)
                .unwrap_err()
                .to_string()
                .contains("overruns")
        );
        assert!(decode_batch(&[0; 5]).is_err());
    }
}
