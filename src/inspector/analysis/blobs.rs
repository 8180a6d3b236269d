//! Blob garbage: how much of the blob files no live key refers to any more (from the
//! MANIFEST's blob file records) and whether the setting that reclaims it is on.

use std::path::Path;

use serde::Serialize;

use crate::inspector::formats::manifest::{BlobFile, read_manifest};
use crate::inspector::formats::options_file::{options_files, read_settings};

/// The blob files of the current version and their garbage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BlobGarbage {
    /// Every blob file, by column family then number, as the MANIFEST records it.
    pub files: Vec<BlobFile>,
    /// Blob bytes written to them (records; the files add a small header and footer).
    pub total_blob_bytes: u64,
    /// Of those, bytes no live SST refers to.
    pub garbage_blob_bytes: u64,
    /// Column families with blob files, and how their garbage is collected.
    pub collection: Vec<BlobCollection>,
}

/// A column family's blob garbage collection setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BlobCollection {
    /// The column family.
    pub cf: String,
    /// `enable_blob_garbage_collection` in its newest OPTIONS file (false, RocksDB's
    /// default, when the file leaves it out); `None` without a readable OPTIONS file,
    /// where the service's code alone knows.
    pub enabled: Option<bool>,
    /// `blob_garbage_collection_age_cutoff`: the oldest share of blob files whose live
    /// blobs compactions rewrite when collection is on (RocksDB's default 0.25).
    pub age_cutoff: f64,
    /// Garbage bytes in its blob files.
    pub garbage_blob_bytes: u64,
}

impl BlobGarbage {
    /// Garbage as a percentage of the blob bytes.
    pub fn percent(&self) -> f64 {
        percent(self.garbage_blob_bytes, self.total_blob_bytes)
    }

    /// The blob files of one column family: (files, blob bytes, garbage bytes).
    pub fn of_cf(&self, cf: &str) -> (u64, u64, u64) {
        self.files
            .iter()
            .filter(|f| f.cf == cf)
            .fold((0, 0, 0), |(n, t, g), f| {
                (n + 1, t + f.total_blob_bytes, g + f.garbage_blob_bytes)
            })
    }

    /// What reclaims the garbage, when there is garbage: the setting to turn on where
    /// collection is off, else what the collection that is on does.
    pub fn advice(&self) -> Option<String> {
        let off: Vec<&str> = self
            .collection
            .iter()
            .filter(|c| c.enabled == Some(false) && c.garbage_blob_bytes > 0)
            .map(|c| c.cf.as_str())
            .collect();
        if !off.is_empty() {
            return Some(format!(
                "blob GC off in {}: enable_blob_garbage_collection=true reclaims it",
                off.join(", ")
            ));
        }
        let on: Vec<String> = self
            .collection
            .iter()
            .filter(|c| c.enabled == Some(true) && c.garbage_blob_bytes > 0)
            .map(|c| {
                format!(
                    "{} (oldest {:.0}% of blob files)",
                    c.cf,
                    c.age_cutoff * 100.0
                )
            })
            .collect();
        if !on.is_empty() {
            return Some(format!(
                "blob GC is on in {}: compactions reclaim it",
                on.join(", ")
            ));
        }
        (self.garbage_blob_bytes > 0).then(|| {
            "no readable OPTIONS file: enable_blob_garbage_collection=true reclaims it if it is off"
                .to_string()
        })
    }
}

/// A percentage, 0 when there is nothing to share.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The blob files and their garbage: `Ok(None)` when the current version has none.
/// Blocking; reads the MANIFEST and the newest OPTIONS file.
pub fn blob_garbage(
    dir: &Path,
) -> Result<Option<BlobGarbage>, crate::inspector::formats::manifest::ManifestError> {
    let manifest = read_manifest(dir)?;
    if manifest.blob_files.is_empty() {
        return Ok(None);
    }
    let settings = options_files(dir)
        .pop()
        .and_then(|f| read_settings(&f).ok());
    let setting = |cf: &str, key: &str| {
        settings
            .as_ref()?
            .get(&(format!("CFOptions \"{cf}\""), key.to_string()))
            .cloned()
    };
    let mut garbage = BlobGarbage {
        total_blob_bytes: manifest.blob_files.iter().map(|f| f.total_blob_bytes).sum(),
        garbage_blob_bytes: manifest
            .blob_files
            .iter()
            .map(|f| f.garbage_blob_bytes)
            .sum(),
        ..BlobGarbage::default()
    };
    for file in &manifest.blob_files {
        if garbage.collection.last().is_none_or(|c| c.cf != file.cf) {
            garbage.collection.push(BlobCollection {
                cf: file.cf.clone(),
                // A file that leaves the setting out was written before it existed:
                // RocksDB's default (off) applies.
                enabled: settings.as_ref().map(|_| {
                    setting(&file.cf, "enable_blob_garbage_collection").is_some_and(|v| v == "true")
                }),
                age_cutoff: setting(&file.cf, "blob_garbage_collection_age_cutoff")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.25),
                garbage_blob_bytes: 0,
            });
        }
        if let Some(c) = garbage.collection.last_mut() {
            c.garbage_blob_bytes += file.garbage_blob_bytes;
        }
    }
    garbage.files = manifest.blob_files;
    Ok(Some(garbage))
}
