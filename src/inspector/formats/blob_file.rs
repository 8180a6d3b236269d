//! RocksDB's blob files (`*.blob`, BlobDB's values kept apart from the SSTs) checked
//! record by record: the header, each record's header and blob CRC, and the footer.
//! A record whose header is damaged ends the check (its length cannot be trusted).

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::wal::mask_crc;

const MAGIC: u32 = 0x0024_8f37;
const HEADER: u64 = 30;
const RECORD_HEADER: u64 = 32;
const FOOTER: u64 = 32;

/// What a check of one blob file found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlobCheck {
    /// Bytes read.
    pub bytes_read: u64,
    /// Records whose CRCs matched.
    pub records: u64,
    /// The footer's blob count, when the footer was readable.
    pub footer_count: Option<u64>,
    /// Damage found: (offset, what is wrong), in file order.
    pub damage: Vec<(u64, String)>,
    /// Records a read cannot return (damaged ones, and every one after a damaged header).
    pub lost_records: u64,
}

/// Checks the blob file at `path`; `on_read` hears of the bytes as they are read.
pub fn check_blob_file(path: &Path, on_read: &mut dyn FnMut(u64)) -> std::io::Result<BlobCheck> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    // The footer first: its count says how many records a damaged header hides.
    let mut footer = [0u8; FOOTER as usize];
    let footer_read =
        size >= HEADER + FOOTER && file.read_exact_at(&mut footer, size - FOOTER).is_ok();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut check = BlobCheck::default();
    let mut read =
        |reader: &mut BufReader<File>, buf: &mut Vec<u8>, n: u64, check: &mut BlobCheck| {
            buf.resize(n as usize, 0);
            let ok = reader.read_exact(buf).is_ok();
            if ok {
                check.bytes_read += n;
                on_read(n);
            }
            ok
        };
    let mut buf = Vec::new();
    if size < HEADER + FOOTER || !read(&mut reader, &mut buf, HEADER, &mut check) {
        check.damage.push((
            0,
            format!("{size} bytes: too short for a blob file's header and footer (truncated)"),
        ));
        return Ok(check);
    }
    if u32::from_le_bytes(buf[..4].try_into().expect("4 bytes")) != MAGIC {
        check
            .damage
            .push((0, "bad magic number in the header".into()));
        return Ok(check);
    }
    let records_end = size - FOOTER;
    let mut at = HEADER;
    while at < records_end {
        if at + RECORD_HEADER > records_end
            || !read(&mut reader, &mut buf, RECORD_HEADER, &mut check)
        {
            check.damage.push((
                at,
                "a record header runs into the footer (truncated)".into(),
            ));
            break;
        }
        let fixed64 = |i: usize| u64::from_le_bytes(buf[i..i + 8].try_into().expect("8 bytes"));
        let fixed32 = |i: usize| u32::from_le_bytes(buf[i..i + 4].try_into().expect("4 bytes"));
        let (key_len, value_len) = (fixed64(0), fixed64(8));
        let (header_crc, blob_crc) = (fixed32(24), fixed32(28));
        if mask_crc(crc32c::crc32c(&buf[..24])) != header_crc {
            check.damage.push((
                at,
                "record header CRC mismatch: the records from here on cannot be read".into(),
            ));
            break;
        }
        let body = key_len.saturating_add(value_len);
        if at + RECORD_HEADER + body > records_end || !read(&mut reader, &mut buf, body, &mut check)
        {
            check.damage.push((
                at,
                format!("a record of {body} bytes runs past the records' end (truncated)"),
            ));
            break;
        }
        if mask_crc(crc32c::crc32c(&buf)) == blob_crc {
            check.records += 1;
        } else {
            check.damage.push((
                at,
                "blob CRC mismatch: this record's value cannot be read".into(),
            ));
            check.lost_records += 1;
        }
        at += RECORD_HEADER + body;
    }
    if footer_read {
        check.bytes_read += FOOTER;
        on_read(FOOTER);
        let buf = &footer;
        let stored = u32::from_le_bytes(buf[28..32].try_into().expect("4 bytes"));
        if u32::from_le_bytes(buf[..4].try_into().expect("4 bytes")) != MAGIC {
            check
                .damage
                .push((records_end, "bad magic number in the footer".into()));
        } else if mask_crc(crc32c::crc32c(&buf[..28])) != stored {
            check
                .damage
                .push((records_end, "footer CRC mismatch".into()));
        } else {
            check.footer_count = Some(u64::from_le_bytes(buf[4..12].try_into().expect("8 bytes")));
        }
    }
    if let Some(count) = check.footer_count {
        check.lost_records = count.saturating_sub(check.records);
    }
    Ok(check)
}
