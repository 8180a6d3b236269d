//! A key's history, where the data allows: its versions in the WAL files (written, maybe
//! not yet flushed), what a read returns now, and the SST files whose key range covers
//! it; the answer to "the service says it wrote it, but it isn't there".

use std::collections::BTreeMap;

use crate::inspector::analysis::recent::{cf_names, live_wal_files, takes_sequence};
use crate::inspector::error::InspectError;
use crate::inspector::formats::wal::{WalOp, WalOpKind, WalReader, WalTail};
use crate::inspector::source::Source;
use crate::storage::etcd::KeyRevisions;

/// One version of the key in a WAL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalVersion {
    /// Its sequence number.
    pub sequence: u64,
    /// The WAL file's number.
    pub wal: u64,
    /// The operation (a range deletion covering the key counts).
    pub op: WalOp,
}

/// Bytes of the value read now: enough for its decoder rule to read a record whole.
pub const NOW_READ: usize = 64 * 1024;

/// What is known of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHistory {
    /// The column family.
    pub cf: String,
    /// The key.
    pub key: Vec<u8>,
    /// Versions in the WAL files, newest first.
    pub versions: Vec<WalVersion>,
    /// What a read returns now: up to [`NOW_READ`] bytes of the value and its size.
    pub now: Option<(Vec<u8>, usize)>,
    /// Live SST files whose key range covers the key (name, level): it may be in any.
    pub sst_files: Vec<(String, u32)>,
    /// WAL files that end in a torn record (a writer appending, or a crash): name, byte.
    pub torn: Vec<(String, u64)>,
    /// Damage in the middle of a WAL file, read past as `ldb` does: name, byte. A
    /// version written there may be missing from `versions`.
    pub damaged: Vec<(String, u64)>,
    /// Column family names by WAL id (from the MANIFEST).
    pub cf_names: BTreeMap<u32, String>,
    /// On an etcd cluster: the key's changes from etcd's revisions, in place of the WAL.
    pub revisions: Option<KeyRevisions>,
}

impl KeyHistory {
    /// Whether the key is anywhere: readable now or in a WAL.
    pub fn found(&self) -> bool {
        self.now.is_some()
            || !self.versions.is_empty()
            || self
                .revisions
                .as_ref()
                .is_some_and(|r| !r.changes.is_empty())
    }
}

/// Reads the history of `key` in `cf`: every WAL file forward, one read, the live file
/// list. Blocking.
pub fn key_history(source: &Source, cf: &str, key: &[u8]) -> Result<KeyHistory, InspectError> {
    source.check_cf(cf)?;
    if let Some(cluster) = source.cluster() {
        return Ok(KeyHistory {
            cf: cf.to_string(),
            key: key.to_vec(),
            versions: Vec::new(),
            now: source.get(cf, key, NOW_READ)?,
            sst_files: Vec::new(),
            torn: Vec::new(),
            damaged: Vec::new(),
            cf_names: BTreeMap::new(),
            revisions: Some(cluster.history(key)?),
        });
    }
    let names = cf_names(source.path());
    let cf_id = names
        .iter()
        .find(|(_, n)| n.as_str() == cf)
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            InspectError::Invalid(format!(
                "the MANIFEST of {} does not name column family {cf:?}: its WAL records cannot be told apart",
                source.path().display()
            ))
        })?;
    let io = |what: String| move |e| InspectError::wal(what, e);
    let mut versions = Vec::new();
    let mut torn = Vec::new();
    let mut damaged = Vec::new();
    for file in live_wal_files(source.path())? {
        let what = format!("reading {}", file.path.display());
        let mut reader =
            WalReader::open_with_number(&file.path, file.number).map_err(io(what.clone()))?;
        for batch in reader.by_ref() {
            let batch = batch.map_err(io(what.clone()))?;
            let mut sequence = batch.sequence;
            for op in batch.ops {
                let this = sequence;
                sequence += u64::from(takes_sequence(op.kind));
                let touches = match op.kind {
                    WalOpKind::RangeDelete => op.key.as_slice() <= key && key < op.value.as_slice(),
                    _ => op.key == key,
                };
                if touches && op.cf == cf_id {
                    versions.push(WalVersion {
                        sequence: this,
                        wal: file.number,
                        op,
                    });
                }
            }
        }
        if let Some(WalTail::Torn { offset, .. }) = reader.tail() {
            torn.push((file.path.display().to_string(), *offset));
        }
        for c in reader.corruptions() {
            damaged.push((file.path.display().to_string(), c.offset));
        }
    }
    versions.reverse();
    let sst_files = source
        .live_files_of(cf)?
        .into_iter()
        .filter(|f| {
            f.start_key.as_deref().is_some_and(|s| s <= key)
                && f.end_key.as_deref().is_some_and(|e| key <= e)
        })
        .map(|f| {
            (
                f.name.trim_start_matches('/').to_string(),
                f.level.max(0) as u32,
            )
        })
        .collect();
    Ok(KeyHistory {
        cf: cf.to_string(),
        key: key.to_vec(),
        versions,
        now: source.get(cf, key, NOW_READ)?,
        sst_files,
        torn,
        damaged,
        cf_names: names,
        revisions: None,
    })
}
