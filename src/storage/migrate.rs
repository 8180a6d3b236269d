//! Copying every pair from one `KvStore` to another, in bounded batches with progress,
//! then checking that both sides hold the same pairs.

use super::kv::{KvError, KvPair, KvStore, RangeOptions};

/// How far a migration has got, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationProgress {
    /// Pairs written to the destination so far.
    pub copied: usize,
    /// Bytes of keys and values written so far.
    pub bytes: u64,
    /// The source's key count when the migration started, if it was counted.
    pub total: Option<usize>,
    /// The digest of the pairs read from the source so far, in order.
    pub digest: Digest,
    /// Pairs a resumed migration found at the destination already (not written again).
    pub resumed: usize,
}

/// A count and a hash of pairs in key order: what a migration compares between its
/// source and its destination.
///
/// The hash is 64-bit FNV-1a (written out here: a dozen lines, fixed constants, the same
/// on every platform and release, unlike std's `DefaultHasher`) over each pair as its key
/// length, key, value length and value, the lengths as 8 little-endian bytes so that no
/// two different sequences of pairs feed the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    /// Pairs fed.
    pub pairs: u64,
    /// FNV-1a 64 of everything fed.
    pub hash: u64,
}

impl Default for Digest {
    fn default() -> Self {
        Self {
            pairs: 0,
            hash: FNV_OFFSET,
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Digest {
    /// Feeds the next pair (pairs must come in key order for two digests to compare).
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        for part in [key, value] {
            self.feed(&(part.len() as u64).to_le_bytes());
            self.feed(part);
        }
        self.pairs += 1;
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} pairs, hash {:016x}", self.pairs, self.hash)
    }
}

/// Why a migration was refused or did not end with two equal sides.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The destination already holds pairs: copying into it would merge, and the result
    /// could not be compared with the source.
    #[error(
        "the destination already holds pairs: migrate into an empty store (nothing was written)"
    )]
    DestinationNotEmpty,

    /// After the copy, the destination does not hold what was read from the source.
    #[error(
        "the destination differs from the source after the copy: source {source_digest}, destination {destination}"
    )]
    Mismatch {
        /// What was read from the source.
        source_digest: Digest,
        /// What the destination holds.
        destination: Digest,
    },

    /// Per prefix, the two sides differ (the whole digests may still agree by chance, or
    /// the source changed since the copy).
    #[error(
        "the destination differs from the source in {} prefix{}: {}",
        differing.len(),
        if differing.len() == 1 { "" } else { "es" },
        differing.iter().map(|d| format!("{} (source {}, destination {})", d.prefix, d.source, d.destination)).collect::<Vec<_>>().join("; ")
    )]
    PrefixMismatch {
        /// The prefixes that differ (at most [`MAX_REPORTED`] of them).
        differing: Vec<PrefixCheck>,
    },

    /// The source changed its key count during the copy, or a batch skipped pairs.
    #[error(
        "the source counted {counted} pairs before the copy but {read} were read: is something writing to it?"
    )]
    SourceMoved {
        /// The count taken before the copy.
        counted: usize,
        /// Pairs read by the copy.
        read: u64,
    },

    /// The source holds pairs the `KvStore` layer (the default column family, UTF-8
    /// keys) cannot carry; nothing was written.
    #[error(
        "the source holds what migrate cannot carry (it copies the default column family's UTF-8 keys only): {}",
        not_carried(column_families, binary_key.as_deref())
    )]
    NotCarried {
        /// Column families other than `default` that hold pairs.
        column_families: Vec<String>,
        /// The first key of `default`, in key order, that is not UTF-8.
        binary_key: Option<Vec<u8>>,
    },

    /// The store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
}

fn not_carried(column_families: &[String], binary_key: Option<&[u8]>) -> String {
    let mut parts = Vec::new();
    match column_families {
        [] => {}
        [one] => parts.push(format!("column family {one} holds pairs")),
        many => parts.push(format!("column families {} hold pairs", many.join(", "))),
    }
    if let Some(key) = binary_key {
        parts.push(format!("key {} is not UTF-8", key.escape_ascii()));
    }
    parts.join("; ")
}

/// What a RocksDB source holds besides what a migration carries.
#[cfg(feature = "rocksdb")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Beyond {
    /// Column families other than `default` that hold at least one pair.
    pub column_families: Vec<String>,
    /// Column families other than `default` that hold nothing: no pair is lost by
    /// leaving them out, but the destination does not have them.
    pub empty_column_families: Vec<String>,
    /// The first key of `default`, in key order, that is not UTF-8.
    pub binary_key: Option<Vec<u8>>,
}

#[cfg(feature = "rocksdb")]
impl Beyond {
    /// The refusal, if anything would be lost.
    pub fn refusal(&self) -> Option<MigrateError> {
        (!self.column_families.is_empty() || self.binary_key.is_some()).then(|| {
            MigrateError::NotCarried {
                column_families: self.column_families.clone(),
                binary_key: self.binary_key.clone(),
            }
        })
    }
}

/// Looks through a RocksDB source, before anything is written, for what the `KvStore`
/// layer would not carry: every column family but `default` is checked for a first
/// pair, and every key of `default` is read (keys only matter, but RocksDB reads their
/// blocks: one scan, without filling the block cache).
///
/// It reads the store's own open handle, so it sees the very view the copy reads: a
/// read-only open is a snapshot, and nothing written after it can slip between the
/// check and the copy.
#[cfg(feature = "rocksdb")]
pub async fn beyond_kv_layer(store: &super::rocksdb::RocksDbKvStore) -> Result<Beyond, KvError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let db = store.db();
        let mut beyond = Beyond::default();
        for name in store.column_families() {
            if name == rocksdb::DEFAULT_COLUMN_FAMILY_NAME {
                continue;
            }
            let Some(handle) = db.cf_handle(name) else {
                // Listed but not opened cannot happen for a store opened with every
                // family; if it ever does, assume the worst rather than drop it.
                beyond.column_families.push(name.clone());
                continue;
            };
            let mut read = rocksdb::ReadOptions::default();
            read.fill_cache(false);
            let mut it = db.raw_iterator_cf_opt(&handle, read);
            it.seek_to_first();
            it.status().map_err(super::rocksdb::backend_error)?;
            if it.valid() {
                beyond.column_families.push(name.clone());
            } else {
                beyond.empty_column_families.push(name.clone());
            }
        }
        let mut read = rocksdb::ReadOptions::default();
        read.fill_cache(false);
        read.set_readahead_size(2 * 1024 * 1024);
        let mut it = db.raw_iterator_opt(read);
        it.seek_to_first();
        while let Some(key) = it.key() {
            if std::str::from_utf8(key).is_err() {
                beyond.binary_key = Some(key.to_vec());
                break;
            }
            it.next();
        }
        it.status().map_err(super::rocksdb::backend_error)?;
        Ok(beyond)
    })
    .await?
}

/// Bytes of keys and values a batch aims to stay under, whatever `batch_size` says.
pub const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// Pairs in the first batch, before the size of a pair is known.
const FIRST_BATCH: usize = 64;

/// Copies every pair of `source` into `destination`, at most `batch_size` pairs per
/// atomic `batch_put`, calling `progress` after each batch.
///
/// Memory holds one batch at a time, whatever the size of the source: each batch is read
/// with a range query that starts just after the last key copied. Batches are bounded by
/// bytes too: the first holds a few pairs, and each next one as many as fit in
/// `BATCH_BYTES` at the average pair size seen so far (at most `batch_size`).
pub async fn migrate(
    source: &dyn KvStore,
    destination: &dyn KvStore,
    batch_size: usize,
    progress: impl FnMut(MigrationProgress),
) -> Result<MigrationProgress, KvError> {
    copy_after(source, destination, batch_size, None, progress).await
}

/// Continues a migration that was interrupted: a copy writes whole batches in key order,
/// so the destination holds the source's pairs up to its own last key; the pairs after it
/// are copied as [`migrate`] would. The source is still read whole, so the digest covers
/// every pair and [`verify`] compares both sides entirely: a destination that was not an
/// interrupted copy of this source fails it.
pub async fn resume(
    source: &dyn KvStore,
    destination: &dyn KvStore,
    batch_size: usize,
    progress: impl FnMut(MigrationProgress),
) -> Result<MigrationProgress, KvError> {
    let last = destination
        .range(&RangeOptions::new().reverse(true).limit(1))
        .await?
        .pop()
        .map(|pair| pair.key);
    copy_after(source, destination, batch_size, last, progress).await
}

/// Copies the pairs of `source` after `present` (every pair when `None`), digesting all.
async fn copy_after(
    source: &dyn KvStore,
    destination: &dyn KvStore,
    batch_size: usize,
    present: Option<String>,
    mut progress: impl FnMut(MigrationProgress),
) -> Result<MigrationProgress, KvError> {
    let mut state = MigrationProgress {
        copied: 0,
        bytes: 0,
        total: Some(source.count().await?),
        digest: Digest::default(),
        resumed: 0,
    };
    let mut batches = Batches::new(batch_size);
    while let Some(batch) = batches.next(source).await? {
        for pair in &batch {
            state.digest.add(pair.key.as_bytes(), &pair.value);
        }
        let there = present
            .as_deref()
            .map_or(0, |last| batch.partition_point(|p| p.key.as_str() <= last));
        let (already, new) = batch.split_at(there);
        state.resumed += already.len();
        if !new.is_empty() {
            destination.batch_put(new).await?;
        }
        state.copied += new.len();
        state.bytes = batches.bytes;
        progress(state);
    }
    Ok(state)
}

/// The digest of every pair of `store`, read in batches as a migration reads them.
pub async fn digest(store: &dyn KvStore, batch_size: usize) -> Result<Digest, KvError> {
    let mut digest = Digest::default();
    let mut batches = Batches::new(batch_size);
    while let Some(batch) = batches.next(store).await? {
        for pair in &batch {
            digest.add(pair.key.as_bytes(), &pair.value);
        }
    }
    Ok(digest)
}

/// Fails unless `destination` holds no pair: the check before a migration writes.
pub async fn require_empty(destination: &dyn KvStore) -> Result<(), MigrateError> {
    if destination
        .range(&RangeOptions::new().limit(1))
        .await?
        .is_empty()
    {
        Ok(())
    } else {
        Err(MigrateError::DestinationNotEmpty)
    }
}

/// Compares a finished migration with its destination, read back in full: the pairs the
/// copy read from the source must be as many as the source counted beforehand (a
/// separate walk, so a batch that skipped pairs shows), and the destination's digest
/// must equal theirs. Returns the digest both sides share.
pub async fn verify(
    done: &MigrationProgress,
    destination: &dyn KvStore,
    batch_size: usize,
) -> Result<Digest, MigrateError> {
    if let Some(counted) = done.total
        && counted as u64 != done.digest.pairs
    {
        return Err(MigrateError::SourceMoved {
            counted,
            read: done.digest.pairs,
        });
    }
    let theirs = digest(destination, batch_size).await?;
    if theirs != done.digest {
        return Err(MigrateError::Mismatch {
            source_digest: done.digest,
            destination: theirs,
        });
    }
    Ok(theirs)
}

/// Distinct prefixes digested apart at most; the rest share one digest.
pub const MAX_PREFIXES: usize = 10_000;
/// Differing prefixes named in a [`MigrateError::PrefixMismatch`] at most.
pub const MAX_REPORTED: usize = 10;
/// The name of the digest of keys without a `:`.
pub const NO_PREFIX: &str = "(no prefix)";
/// The name of the digest of the prefixes beyond [`MAX_PREFIXES`].
pub const OTHER_PREFIXES: &str = "(other prefixes)";

/// One prefix of a verification: its digest on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixCheck {
    /// The prefix: a key's text up to and including its first `:` (Spear-Next's
    /// `node:`, `resource:`, `events:`…), or [`NO_PREFIX`] / [`OTHER_PREFIXES`].
    pub prefix: String,
    /// Its pairs in the source.
    pub source: Digest,
    /// And in the destination.
    pub destination: Digest,
}

/// The prefix digests of every pair of `store`, in key order.
async fn prefix_digests(
    store: &dyn KvStore,
    batch_size: usize,
) -> Result<std::collections::BTreeMap<String, Digest>, KvError> {
    let mut digests: std::collections::BTreeMap<String, Digest> = Default::default();
    let mut batches = Batches::new(batch_size);
    while let Some(batch) = batches.next(store).await? {
        for pair in &batch {
            let prefix = pair.key.find(':').map_or(NO_PREFIX, |at| &pair.key[..=at]);
            let name = if digests.contains_key(prefix) || digests.len() < MAX_PREFIXES {
                prefix
            } else {
                OTHER_PREFIXES
            };
            digests
                .entry(name.to_string())
                .or_default()
                .add(pair.key.as_bytes(), &pair.value);
        }
    }
    Ok(digests)
}

/// The verification pass by prefix: reads both sides again and compares a count and a
/// hash per prefix, so a difference is named where it is (`node:` differs, `events:`
/// agrees), not only that the wholes differ. Returns every prefix's check when all agree.
pub async fn verify_by_prefix(
    source: &dyn KvStore,
    destination: &dyn KvStore,
    batch_size: usize,
) -> Result<Vec<PrefixCheck>, MigrateError> {
    let mine = prefix_digests(source, batch_size).await?;
    let mut theirs = prefix_digests(destination, batch_size).await?;
    let mut checks: Vec<PrefixCheck> = mine
        .into_iter()
        .map(|(prefix, source)| {
            let destination = theirs.remove(&prefix).unwrap_or_default();
            PrefixCheck {
                prefix,
                source,
                destination,
            }
        })
        .collect();
    checks.extend(theirs.into_iter().map(|(prefix, destination)| PrefixCheck {
        prefix,
        source: Digest::default(),
        destination,
    }));
    checks.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    let differing: Vec<PrefixCheck> = checks
        .iter()
        .filter(|c| c.source != c.destination)
        .take(MAX_REPORTED)
        .cloned()
        .collect();
    if differing.is_empty() {
        Ok(checks)
    } else {
        Err(MigrateError::PrefixMismatch { differing })
    }
}

/// Reads a store in key order one bounded batch at a time (see [`migrate`]).
struct Batches {
    batch_size: usize,
    limit: usize,
    next_start: Option<String>,
    done: bool,
    pairs: u64,
    bytes: u64,
}

impl Batches {
    fn new(batch_size: usize) -> Self {
        let batch_size = batch_size.max(1);
        Self {
            batch_size,
            limit: batch_size.min(FIRST_BATCH),
            next_start: None,
            done: false,
            pairs: 0,
            bytes: 0,
        }
    }

    async fn next(&mut self, store: &dyn KvStore) -> Result<Option<Vec<KvPair>>, KvError> {
        if self.done {
            return Ok(None);
        }
        let mut options = RangeOptions::new().limit(self.limit);
        options.start = self.next_start.take();
        let batch = store.range(&options).await?;
        let Some(last) = batch.last() else {
            self.done = true;
            return Ok(None);
        };
        // The smallest key after `last` in byte order is `last` followed by a NUL byte.
        self.next_start = Some(format!("{}\0", last.key));
        self.pairs += batch.len() as u64;
        self.bytes += batch
            .iter()
            .map(|p| (p.key.len() + p.value.len()) as u64)
            .sum::<u64>();
        if batch.len() < self.limit {
            self.done = true;
        }
        let average = (self.bytes / self.pairs).max(1);
        self.limit = usize::try_from(BATCH_BYTES / average)
            .unwrap_or(usize::MAX)
            .clamp(1, self.batch_size);
        Ok(Some(batch))
    }
}
