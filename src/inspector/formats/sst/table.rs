//! One block-based table checked block by block, as `sst_dump --command=verify` does:
//! the footer, the metaindex and every meta block, the index (each partition of a
//! partitioned one) and every data block's checksum, read once in file order. Damage is
//! named with its offset and the keys the damaged block held, and the check goes on past
//! it to the next block.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::block::{self, BlockHandle, IndexLayout, TRAILER};
use super::checksum::{self, ChecksumType};
use super::decompress::decompress;

const BLOCK_BASED_MAGIC: u64 = 0x88e2_41b7_85f4_cff7;
const LEGACY_BLOCK_BASED_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
const PLAIN_MAGICS: [u64; 3] = [
    0x8242_2296_63bf_9564,
    0x4f34_18eb_7a8f_13b8,
    0x9267_89d0_c5f1_7873,
];
/// Footer length from format 1 on; the legacy (format 0) footer is 48 bytes.
const FOOTER: u64 = 53;
const LEGACY_FOOTER: u64 = 48;
const EXTENDED_MAGIC: [u8; 4] = [0x3e, 0x00, 0x7a, 0x00];
/// Bytes read at a time: data blocks are read in file order, a chunk holds hundreds.
const CHUNK: u64 = 4 << 20;
/// Bytes read at the file's end first: the footer with the metaindex, index and meta
/// blocks of most tables (the data pass reads them again only where they overlap).
const TAIL: u64 = 512 << 10;
/// `kTwoLevelIndexSearch`: the index block points at index partitions.
const PARTITIONED_INDEX: u32 = 2;
/// `kBinarySearchWithFirstKey`: index entries hold each block's first key.
const INDEX_WITH_FIRST_KEY: u32 = 3;

/// What a check of one table found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableCheck {
    /// Bytes read from the file.
    pub bytes_read: u64,
    /// Blocks whose checksum was computed (data, index, meta, the footer's own).
    pub blocks_checked: u64,
    /// Data blocks the index names.
    pub data_blocks: u64,
    /// `rocksdb.num.entries` from the table's properties, when they were readable.
    pub entries: Option<u64>,
    /// The footer's format version and checksum type, when the footer was readable.
    pub format: Option<(u32, ChecksumType)>,
    /// Damage found, in file order.
    pub damage: Vec<BlockDamage>,
    /// For [`locate_block`]: the located block's keys (previous separator, its own).
    pub located: Option<(Option<Vec<u8>>, Vec<u8>)>,
    /// Why part of the file could not be checked though no checksum failed (a format
    /// this reader does not know): the file is neither called sound nor damaged there.
    pub unchecked: Option<String>,
}

/// One damaged block (or a damaged file end) and what a read loses to it.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockDamage {
    /// Which block: `data block`, `index block`, `footer`, `meta block rocksdb.properties`…
    pub block: String,
    /// Its offset in the file.
    pub offset: u64,
    /// Its size (without the trailer).
    pub size: u64,
    /// What is wrong, e.g. `checksum mismatch: stored 0x…, computed 0x…`.
    pub reason: String,
    /// The keys a read cannot return because of it.
    pub lost: Lost,
}

/// Keys lost to a damaged block.
#[derive(Debug, Clone, PartialEq)]
pub enum Lost {
    /// The whole table: RocksDB cannot open it (footer, metaindex, index or a meta block
    /// it reads at open).
    WholeFile,
    /// The keys of one data block (or index partition): above `after` (the previous
    /// block's separator, exclusive; `None` from the file's first key) up to `through`
    /// (this block's separator, inclusive; index separators may be shortened keys).
    Range {
        /// The previous block's separator (exclusive), `None` from the file's start.
        after: Option<Vec<u8>>,
        /// This block's separator (inclusive).
        through: Vec<u8>,
        /// Keys estimated from the table's entries per data block.
        estimated_keys: Option<u64>,
        /// The exact edges, when the blocks either side are sound: the last key of the
        /// block before and the first key of the block after (both readable).
        readable_edges: (Option<Vec<u8>>, Option<Vec<u8>>),
    },
}

/// A block that failed its check.
pub(super) enum BlockError {
    /// It ends past the file's end.
    Beyond(u64),
    Checksum {
        stored: u32,
        computed: u32,
    },
    /// Its contents did not decompress or parse (its checksum matched).
    Unreadable(String),
}

impl BlockError {
    fn reason(&self) -> String {
        match self {
            Self::Beyond(size) => format!("ends past the file's end ({size} bytes): truncated"),
            Self::Checksum { stored, computed } => {
                format!("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")
            }
            Self::Unreadable(why) => why.clone(),
        }
    }
}

/// Reads a file in large chunks, in order: blocks are served from the chunk in hand.
pub(super) struct Chunks<'a> {
    file: File,
    size: u64,
    buf: Vec<u8>,
    start: u64,
    bytes_read: u64,
    /// Bytes read at a time past the block asked for.
    chunk: u64,
    on_read: Option<&'a mut dyn FnMut(u64)>,
}

impl<'a> Chunks<'a> {
    pub(super) fn new(
        file: File,
        size: u64,
        chunk: u64,
        on_read: Option<&'a mut dyn FnMut(u64)>,
    ) -> Self {
        Self {
            file,
            size,
            buf: Vec::new(),
            start: 0,
            bytes_read: 0,
            chunk,
            on_read,
        }
    }

    pub(super) fn get(&mut self, offset: u64, len: u64) -> Result<&[u8], BlockError> {
        let end = offset.checked_add(len).filter(|&e| e <= self.size);
        let Some(end) = end else {
            return Err(BlockError::Beyond(self.size));
        };
        let held = self.start + self.buf.len() as u64;
        if offset < self.start || end > held {
            // A first look at the end (the footer) takes the file's last [`TAIL`] bytes.
            let offset = if self.buf.is_empty() && end == self.size {
                self.size.saturating_sub(TAIL).min(offset)
            } else {
                offset
            };
            let want = (end - offset).max(self.chunk).min(self.size - offset);
            self.buf.resize(want as usize, 0);
            self.file
                .read_exact_at(&mut self.buf, offset)
                .map_err(|e| BlockError::Unreadable(format!("read error: {e}")))?;
            self.start = offset;
            self.bytes_read += want;
            if let Some(on_read) = self.on_read.as_mut() {
                on_read(want);
            }
        }
        let from = (offset - self.start) as usize;
        Ok(&self.buf[from..from + len as usize])
    }
}

/// The footer's facts.
pub(super) struct Footer {
    pub(super) format_version: u32,
    checksum: ChecksumType,
    base_context: u32,
    metaindex: BlockHandle,
    /// In the footer before format 6, in the metaindex (`rocksdb.index`) from 6 on.
    index: Option<BlockHandle>,
}

/// Checks every block of the table at `path`; `on_read` hears of each chunk's bytes as
/// they are read (for progress and the I/O limit). An I/O error opening the file is the
/// only error: everything found in the file is in the result.
pub fn check_table(path: &Path, on_read: &mut dyn FnMut(u64)) -> std::io::Result<TableCheck> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut chunks = Chunks::new(file, size, CHUNK, Some(on_read));
    let mut check = TableCheck::default();
    run(&mut chunks, &mut check, None);
    check.bytes_read = chunks.bytes_read;
    Ok(check)
}

/// The keys of the data block at `offset` of the table at `path`, from its index alone
/// (no data block is read): above the previous block's separator (exclusive; `None` for
/// the first block) through its own. For a read that met a damaged block: where the
/// keys after it start.
pub fn locate_block(path: &Path, offset: u64) -> Option<(Option<Vec<u8>>, Vec<u8>)> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut chunks = Chunks::new(file, size, CHUNK, None);
    let mut check = TableCheck::default();
    run(&mut chunks, &mut check, Some(offset));
    check.located
}

fn whole_file(check: &mut TableCheck, block: &str, handle: BlockHandle, reason: String) {
    check.damage.push(BlockDamage {
        block: block.into(),
        offset: handle.offset,
        size: handle.size,
        reason,
        lost: Lost::WholeFile,
    });
}

/// Reads the footer, metaindex, properties and index (every partition), recording in
/// `check` the blocks read and what is damaged or not understood; `None` when no data
/// block can be found from them.
pub(super) fn read_layout(chunks: &mut Chunks<'_>, check: &mut TableCheck) -> Option<Layout> {
    let size = chunks.size;
    let footer_at = BlockHandle {
        offset: size.saturating_sub(FOOTER),
        size: size.min(FOOTER),
    };
    let footer = match read_footer(chunks) {
        Ok(Some(f)) => f,
        Ok(None) => {
            check.unchecked = Some("not a block-based table (plain or cuckoo): not checked".into());
            return None;
        }
        Err(reason) => {
            whole_file(check, "footer", footer_at, reason);
            return None;
        }
    };
    check.blocks_checked += 1;
    check.format = Some((footer.format_version, footer.checksum));
    let read = |chunks: &mut Chunks<'_>, h: BlockHandle| read_block(chunks, &footer, h);

    let metaindex = match read(chunks, footer.metaindex) {
        Ok((kind, raw)) => {
            decompress(kind, &raw, footer.format_version).map_err(BlockError::Unreadable)
        }
        Err(e) => Err(e),
    };
    check.blocks_checked += 1;
    let metaindex = match metaindex {
        Ok(contents) => contents,
        Err(e) => {
            whole_file(check, "metaindex block", footer.metaindex, e.reason());
            return None;
        }
    };
    let Some(meta) = block::entries(&metaindex) else {
        check.unchecked = Some("its metaindex block is not in a layout this reader knows".into());
        return None;
    };
    let mut properties = BTreeMap::new();
    let mut index = footer.index;
    let mut range_del = None;
    for (name, value) in &meta {
        let name = String::from_utf8_lossy(name).into_owned();
        let Some(handle) = block::Cursor::new(value).handle() else {
            check.unchecked = Some(format!(
                "the metaindex's entry {name} is not a block handle"
            ));
            return None;
        };
        if name == "rocksdb.range_del" {
            range_del = Some(handle);
        }
        if name == "rocksdb.index" {
            index = Some(handle);
            continue;
        }
        check.blocks_checked += 1;
        match read(chunks, handle) {
            Ok((kind, raw)) if name == "rocksdb.properties" => {
                match decompress(kind, &raw, footer.format_version)
                    .ok()
                    .and_then(|b| block::entries(&b).map(|e| to_properties(e)))
                {
                    Some(p) => properties = p,
                    None => {
                        check.unchecked = Some("its properties block is not readable here".into())
                    }
                }
            }
            Ok(_) => {}
            Err(e) => whole_file(check, &format!("meta block {name}"), handle, e.reason()),
        }
    }
    let Some(index) = index else {
        check.unchecked = Some("no index block is named in its footer or metaindex".into());
        return None;
    };
    let number = |name: &str| number_in(&properties, name);
    check.entries = number("rocksdb.num.entries");
    let index_type = properties
        .get("rocksdb.block.based.table.index.type")
        .and_then(|v| v.get(..4))
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let user_keys = number("rocksdb.index.key.is.user.key") == Some(1);
    let layout = IndexLayout {
        delta_handles: number("rocksdb.index.value.is.delta.encoded") == Some(1),
        first_key: index_type == INDEX_WITH_FIRST_KEY,
    };
    let key_of = |separator: Vec<u8>| -> Vec<u8> {
        if user_keys || separator.len() < 8 {
            separator
        } else {
            separator[..separator.len() - 8].to_vec()
        }
    };

    // The data blocks, each with the separator before it (exclusive) and its own.
    check.blocks_checked += 1;
    let top = match read_index(chunks, &footer, index, layout) {
        Ok(entries) => entries,
        Err(IndexError::Damaged(e)) => {
            whole_file(check, "index block", index, e.reason());
            return None;
        }
        Err(IndexError::NotUnderstood) => {
            check.unchecked = Some("its index block is not in a layout this reader knows".into());
            return None;
        }
    };
    let mut data: Vec<(Option<Vec<u8>>, Vec<u8>, BlockHandle)> = Vec::new();
    let mut previous: Option<Vec<u8>> = None;
    let mut partition_damage = Vec::new();
    for (separator, handle) in top {
        let separator = key_of(separator);
        if index_type != PARTITIONED_INDEX {
            data.push((previous.replace(separator.clone()), separator, handle));
            continue;
        }
        check.blocks_checked += 1;
        match read_index(chunks, &footer, handle, layout) {
            Ok(entries) => {
                for (s, h) in entries {
                    let s = key_of(s);
                    data.push((previous.replace(s.clone()), s, h));
                }
            }
            Err(IndexError::Damaged(e)) => partition_damage.push(BlockDamage {
                block: "index partition".into(),
                offset: handle.offset,
                size: handle.size,
                reason: e.reason(),
                lost: Lost::Range {
                    after: previous.clone(),
                    through: separator.clone(),
                    estimated_keys: None,
                    readable_edges: (None, None),
                },
            }),
            Err(IndexError::NotUnderstood) => {
                check.unchecked =
                    Some("an index partition is not in a layout this reader knows".into());
                return None;
            }
        }
        previous = Some(separator);
    }
    check.damage.extend(partition_damage);
    check.data_blocks = data.len() as u64;
    let per_block = check
        .entries
        .zip(number("rocksdb.num.data.blocks").filter(|&n| n > 0))
        .map(|(entries, blocks)| entries.div_ceil(blocks));
    data.sort_by_key(|d| d.2.offset);
    Some(Layout {
        footer,
        properties,
        data,
        per_block,
        range_del,
    })
}

/// A table's structure, read from its end: the footer, its properties, and its data
/// blocks in file order, each with the separator before it (exclusive) and its own.
pub(super) struct Layout {
    pub(super) footer: Footer,
    pub(super) properties: BTreeMap<String, Vec<u8>>,
    pub(super) data: Vec<(Option<Vec<u8>>, Vec<u8>, BlockHandle)>,
    /// Entries per data block, from the properties.
    per_block: Option<u64>,
    /// The range-deletion block, if the table has one.
    pub(super) range_del: Option<BlockHandle>,
}

impl Layout {
    /// A numeric (varint) property.
    pub(super) fn number(&self, name: &str) -> Option<u64> {
        number_in(&self.properties, name)
    }
}

fn number_in(properties: &BTreeMap<String, Vec<u8>>, name: &str) -> Option<u64> {
    properties
        .get(name)
        .and_then(|v| block::Cursor::new(v).varint64())
}

fn run(chunks: &mut Chunks<'_>, check: &mut TableCheck, locate: Option<u64>) {
    let Some(Layout {
        footer,
        data,
        per_block,
        ..
    }) = read_layout(chunks, check)
    else {
        return;
    };

    if let Some(offset) = locate {
        check.located = data
            .into_iter()
            .find(|d| d.2.offset == offset)
            .map(|(after, through, _)| (after, through));
        return;
    }
    let mut damaged = Vec::new();
    for (i, (after, through, handle)) in data.iter().enumerate() {
        check.blocks_checked += 1;
        if let Err(e) = checked_block(chunks, &footer, *handle) {
            damaged.push(i);
            check.damage.push(BlockDamage {
                block: "data block".into(),
                offset: handle.offset,
                size: handle.size,
                reason: e.reason(),
                lost: Lost::Range {
                    after: after.clone(),
                    through: through.clone(),
                    estimated_keys: per_block,
                    readable_edges: (None, None),
                },
            });
        }
    }
    // Separators may be shortened keys: the sound neighbours' own keys are the edges a
    // person can look up.
    let edge = |chunks: &mut Chunks<'_>, i: Option<usize>, last: bool| -> Option<Vec<u8>> {
        let i = i.filter(|i| !damaged.contains(i))?;
        let (kind, raw) = read_block(chunks, &footer, data.get(i)?.2).ok()?;
        let contents = decompress(kind, &raw, footer.format_version).ok()?;
        let entries = block::entries(&contents)?;
        let (key, _) = if last {
            entries.last()?
        } else {
            entries.first()?
        };
        (key.len() >= 8).then(|| key[..key.len() - 8].to_vec())
    };
    let data_damage = check.damage.iter_mut().filter(|d| d.block == "data block");
    for (d, &i) in data_damage.zip(&damaged) {
        let before = edge(chunks, i.checked_sub(1), true);
        let after = edge(chunks, Some(i + 1), false);
        if let Lost::Range { readable_edges, .. } = &mut d.lost {
            *readable_edges = (before, after);
        }
    }
    check.damage.sort_by_key(|d| d.offset);
}

fn to_properties(entries: Vec<(Vec<u8>, &[u8])>) -> BTreeMap<String, Vec<u8>> {
    entries
        .into_iter()
        .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), v.to_vec()))
        .collect()
}

enum IndexError {
    Damaged(BlockError),
    NotUnderstood,
}

fn read_index(
    chunks: &mut Chunks<'_>,
    footer: &Footer,
    handle: BlockHandle,
    layout: IndexLayout,
) -> Result<Vec<(Vec<u8>, BlockHandle)>, IndexError> {
    let (kind, raw) = read_block(chunks, footer, handle).map_err(IndexError::Damaged)?;
    let contents = decompress(kind, &raw, footer.format_version)
        .map_err(|e| IndexError::Damaged(BlockError::Unreadable(e)))?;
    block::index_entries(&contents, layout).ok_or(IndexError::NotUnderstood)
}

/// A data block's contents, its checksum verified and decompressed.
pub(super) fn data_block(
    chunks: &mut Chunks<'_>,
    footer: &Footer,
    handle: BlockHandle,
) -> Result<Vec<u8>, String> {
    let (kind, raw) = checked_block(chunks, footer, handle).map_err(|e| e.reason())?;
    decompress(kind, raw, footer.format_version)
}

/// What stopped [`read_layout`], in words: the first damage, or what is not understood.
pub(super) fn layout_failure(check: &TableCheck) -> String {
    match (check.damage.first(), &check.unchecked) {
        (Some(d), _) => format!("{} at offset {}: {}", d.block, d.offset, d.reason),
        (None, Some(why)) => why.clone(),
        (None, None) => "no data block is named in its index".into(),
    }
}

/// A block's type byte and contents, its checksum verified.
fn read_block(
    chunks: &mut Chunks<'_>,
    footer: &Footer,
    handle: BlockHandle,
) -> Result<(u8, Vec<u8>), BlockError> {
    let (kind, contents) = checked_block(chunks, footer, handle)?;
    Ok((kind, contents.to_vec()))
}

/// A block's type byte and contents (borrowed from the chunk in hand), its checksum
/// verified: data blocks are only checked, never copied.
fn checked_block<'c>(
    chunks: &'c mut Chunks<'_>,
    footer: &Footer,
    handle: BlockHandle,
) -> Result<(u8, &'c [u8]), BlockError> {
    let with_trailer = handle
        .size
        .checked_add(TRAILER)
        .ok_or(BlockError::Beyond(chunks.size))?;
    let bytes = chunks.get(handle.offset, with_trailer)?;
    let (contents, trailer) = bytes.split_at(handle.size as usize);
    let kind = trailer[0];
    if footer.checksum != ChecksumType::None {
        let stored = u32::from_le_bytes([trailer[1], trailer[2], trailer[3], trailer[4]]);
        let computed = checksum::with_last_byte(footer.checksum, contents, kind).wrapping_add(
            checksum::context_modifier(footer.base_context, handle.offset),
        );
        if stored != computed {
            return Err(BlockError::Checksum { stored, computed });
        }
    }
    Ok((kind, contents))
}

/// The footer, `Ok(None)` for a table of another kind (plain, cuckoo).
fn read_footer(chunks: &mut Chunks<'_>) -> Result<Option<Footer>, String> {
    let size = chunks.size;
    if size < LEGACY_FOOTER {
        return Err(format!(
            "{size} bytes: too short to hold a table's footer (truncated)"
        ));
    }
    let tail_len = size.min(FOOTER);
    let tail = chunks
        .get(size - tail_len, tail_len)
        .map_err(|e| e.reason())?
        .to_vec();
    let magic = u64::from_le_bytes(tail[tail.len() - 8..].try_into().expect("8 bytes"));
    if PLAIN_MAGICS.contains(&magic) {
        return Ok(None);
    }
    if magic == LEGACY_BLOCK_BASED_MAGIC {
        let mut c = block::Cursor::new(&tail[tail.len() - LEGACY_FOOTER as usize..]);
        let (Some(metaindex), Some(index)) = (c.handle(), c.handle()) else {
            return Err("the legacy footer's block handles do not parse".into());
        };
        return Ok(Some(Footer {
            format_version: 0,
            checksum: ChecksumType::Crc32c,
            base_context: 0,
            metaindex,
            index: Some(index),
        }));
    }
    if magic != BLOCK_BASED_MAGIC {
        return Err(format!(
            "bad magic number {magic:#018x}: the file's end is not a table footer (truncated or overwritten)"
        ));
    }
    if tail.len() < FOOTER as usize {
        return Err(format!(
            "{size} bytes: too short to hold a table's footer (truncated)"
        ));
    }
    let format_version = u32::from_le_bytes(tail[41..45].try_into().expect("4 bytes"));
    let checksum = ChecksumType::from_byte(tail[0])
        .ok_or_else(|| format!("unknown checksum type {} in the footer", tail[0]))?;
    let part2 = &tail[1..41];
    if format_version < 6 {
        let mut c = block::Cursor::new(part2);
        let (Some(metaindex), Some(index)) = (c.handle(), c.handle()) else {
            return Err("the footer's block handles do not parse".into());
        };
        return Ok(Some(Footer {
            format_version,
            checksum,
            base_context: 0,
            metaindex,
            index: Some(index),
        }));
    }
    if part2[..4] != EXTENDED_MAGIC {
        return Err("bad extended magic number in the footer".into());
    }
    let fixed = |at: usize| u32::from_le_bytes(part2[at..at + 4].try_into().expect("4 bytes"));
    let (stored, base_context, metaindex_size) = (fixed(4), fixed(8), fixed(12));
    let footer_offset = size - FOOTER;
    if checksum != ChecksumType::None {
        let mut copy = tail.clone();
        copy[5..9].fill(0);
        let computed = checksum::of_buffer(checksum, &copy)
            .wrapping_add(checksum::context_modifier(base_context, footer_offset));
        if computed != stored {
            return Err(format!(
                "footer checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
            ));
        }
    }
    let metaindex_end = footer_offset
        .checked_sub(TRAILER)
        .and_then(|end| end.checked_sub(u64::from(metaindex_size)))
        .ok_or("the footer's metaindex size is larger than the file")?;
    Ok(Some(Footer {
        format_version,
        checksum,
        base_context,
        metaindex: BlockHandle {
            offset: metaindex_end,
            size: u64::from(metaindex_size),
        },
        index: None,
    }))
}
