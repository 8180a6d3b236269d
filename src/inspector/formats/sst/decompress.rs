//! The codecs a block-based table's index and meta blocks may be compressed with, by the
//! type byte of the block's trailer. Only blocks this crate must parse (indexes) are
//! decompressed: a data block's checksum covers its compressed bytes.

use std::io::Read;

/// A block's contents as written: the type byte says how.
pub fn decompress(kind: u8, data: &[u8], format_version: u32) -> Result<Vec<u8>, String> {
    match kind {
        0 => Ok(data.to_vec()),
        1 => snap::raw::Decoder::new()
            .decompress_vec(data)
            .map_err(|e| format!("snappy: {e}")),
        // Every codec but snappy stores the decompressed size first, as a varint32, from
        // format 2 on (RocksDB 3.x); older files are not read here.
        _ if format_version < 2 => Err(format!(
            "compression type {kind} in format version {format_version} is not read here"
        )),
        2 => {
            let (_, body) = size_prefix(data)?;
            // Raw deflate: RocksDB's zlib blocks carry no zlib header (window bits -14).
            miniz_oxide::inflate::decompress_to_vec(body).map_err(|e| format!("zlib: {e:?}"))
        }
        3 => {
            let (size, body) = size_prefix(data)?;
            let mut out = Vec::with_capacity(size);
            bzip2::read::BzDecoder::new(body)
                .read_to_end(&mut out)
                .map_err(|e| format!("bzip2: {e}"))?;
            Ok(out)
        }
        4 | 5 => {
            let (size, body) = size_prefix(data)?;
            let size = i32::try_from(size).map_err(|_| format!("lz4: size {size} too large"))?;
            lz4::block::decompress(body, Some(size)).map_err(|e| format!("lz4: {e}"))
        }
        7 => {
            let (size, body) = size_prefix(data)?;
            zstd::bulk::decompress(body, size).map_err(|e| format!("zstd: {e}"))
        }
        other => Err(format!("compression type {other} is not read here")),
    }
}

/// The varint32 decompressed size at the front of a block and the bytes after it.
fn size_prefix(data: &[u8]) -> Result<(usize, &[u8]), String> {
    let mut size: u32 = 0;
    for (i, &b) in data.iter().enumerate().take(5) {
        size |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((size as usize, &data[i + 1..]));
        }
    }
    Err("the decompressed size at the block's start is not a varint32".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncompressed_and_snappy_blocks_come_back_as_written() {
        let text = b"rocksdb.index rocksdb.index rocksdb.index".to_vec();
        assert_eq!(decompress(0, &text, 5).unwrap(), text);
        let packed = snap::raw::Encoder::new().compress_vec(&text).unwrap();
        assert_eq!(decompress(1, &packed, 5).unwrap(), text);
    }

    #[test]
    fn prefixed_codecs_skip_the_size_and_unknown_ones_are_named() {
        let text = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbb".to_vec();
        let mut zstd_block = vec![text.len() as u8];
        zstd_block.extend(zstd::bulk::compress(&text, 3).unwrap());
        assert_eq!(decompress(7, &zstd_block, 5).unwrap(), text);
        let mut lz4_block = vec![text.len() as u8];
        lz4_block.extend(lz4::block::compress(&text, None, false).unwrap());
        assert_eq!(decompress(4, &lz4_block, 5).unwrap(), text);
        assert!(decompress(6, &text, 5).unwrap_err().contains("type 6"));
        assert!(
            decompress(7, &[0xff; 6], 5)
                .unwrap_err()
                .contains("varint32")
        );
    }
}
