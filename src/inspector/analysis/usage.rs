//! What fills a database directory: every file in it accounted for by kind (live SST per
//! column family and level, obsolete SST, blob, WAL, info LOG and its old copies,
//! OPTIONS, MANIFEST, the small bookkeeping files), adding up to the directory's size,
//! checked against a second walk that counts the way `du -sb` does; and the garbage in
//! the blob files.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::inspector::analysis::blobs::{BlobGarbage, blob_garbage};
use crate::inspector::error::InspectError;
use crate::inspector::formats::manifest::{oldest_wal_holder, read_manifest};
use crate::inspector::source::Source;

/// Files of one kind, and their bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// How many files.
    pub files: u64,
    /// Their apparent size.
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes += bytes;
    }
}

/// Every byte of a database directory, by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// The directory.
    pub path: String,
    /// Live SST files by column family, then level.
    pub live_sst: BTreeMap<String, BTreeMap<u32, Tally>>,
    /// SST files on disk that the current version does not reference: RocksDB deletes
    /// them once no reader holds them (or at the next open).
    pub obsolete_sst: Tally,
    /// SST files of a live database numbered above every file the view has: a flush or
    /// compaction output still being written, or written since this view last caught
    /// up; not obsolete.
    pub unfinished_sst: Tally,
    /// Blob files (`*.blob`).
    pub blob: Tally,
    /// Write-ahead logs (`*.log`): unflushed writes (and, until purged, flushed ones).
    pub wal: Tally,
    /// The info log `LOG`.
    pub info_log: Tally,
    /// `LOG.old.*` (bounded by `keep_log_file_num`).
    pub old_info_logs: Tally,
    /// `OPTIONS-*` files.
    pub options: Tally,
    /// `MANIFEST-*` files.
    pub manifest: Tally,
    /// `CURRENT`, `IDENTITY`, `LOCK` and anything else.
    pub other: Tally,
    /// Archived WALs (`archive/`, kept by `WAL_ttl_seconds` / `WAL_size_limit_MB`).
    pub wal_archive: Tally,
    /// Files in any other subdirectory.
    pub subdirectories: Tally,
    /// The directories' own entries (what `du` counts for each directory itself).
    pub directory: u64,
    /// Everything: the sum of the above.
    pub total: u64,
    /// The directory's bytes counted again the way `du -sb` counts them (apparent sizes,
    /// directories included, a hard-linked file once), to check `total` against; `None`
    /// when not checked.
    pub du_bytes: Option<u64>,
    /// The blob files' garbage, from the MANIFEST (`None` without blob files).
    pub blob_garbage: Option<BlobGarbage>,
    /// Why the blob garbage is unknown although there are blob files.
    pub blob_garbage_unknown: Option<String>,
    /// The oldest WAL file and the column families whose unflushed writes keep it (from
    /// the MANIFEST; `None` without WAL files or a readable MANIFEST).
    pub oldest_wal: Option<OldestWal>,
    /// WAL files kept in another directory (`wal_dir` in the OPTIONS file): that
    /// directory and their tally, outside `total`.
    pub wal_elsewhere: Option<(String, Tally)>,
}

/// Why the oldest WAL file is still there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OldestWal {
    /// Its number (`NNNNNN.log`).
    pub number: u64,
    /// Column families that may still need it: their writes since their last flush
    /// start in it or earlier. Flushing them lets RocksDB delete it. Empty: nothing needs
    /// it and it waits to be purged.
    pub kept_by: Vec<String>,
}

/// Accounts for every file in the database's directory. Blocking; reads the directory
/// and the live file list, no data.
pub fn usage(source: &Source) -> Result<Usage, InspectError> {
    let live = source
        .db()?
        .live_files()
        .map_err(crate::storage::rocksdb::backend_error)?;
    let live: HashMap<String, (String, u32)> = live
        .into_iter()
        .map(|f| {
            let name = f.name.trim_start_matches('/').to_string();
            (name, (f.column_family_name, f.level.max(0) as u32))
        })
        .collect();
    // A file the service is still writing is not in its MANIFEST yet, and takes a number
    // above every file in it; on a database nobody holds such a file is a dead run's.
    let newest_live = live
        .keys()
        .filter_map(|name| name.split('.').next()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let held = source.access() == crate::inspector::source::Access::LiveSecondary;
    let io = |e| InspectError::io(format!("listing {}", source.path().display()), e);
    let directory = std::fs::metadata(source.path()).map_err(io)?.len();
    let mut usage = Usage {
        path: source.path().display().to_string(),
        directory,
        total: directory,
        ..Usage::default()
    };
    let mut wal_numbers: Vec<u64> = Vec::new();
    for entry in std::fs::read_dir(source.path()).map_err(io)? {
        let entry = entry.map_err(io)?;
        // Not following links, as `du` does not: a link counts its own size.
        let meta = entry.metadata().map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if meta.is_dir() {
            let (files, bytes, dirs) = tree_size(&entry.path()).map_err(io)?;
            usage.directory += meta.len() + dirs;
            usage.total += meta.len() + dirs + bytes;
            let tally = if name == "archive" {
                &mut usage.wal_archive
            } else {
                &mut usage.subdirectories
            };
            tally.files += files;
            tally.bytes += bytes;
            continue;
        }
        let bytes = meta.len();
        usage.total += bytes;
        let tally = if !meta.is_file() {
            &mut usage.other
        } else if name.ends_with(".sst") || name.ends_with(".ldb") {
            match live.get(&name) {
                Some((cf, level)) => usage
                    .live_sst
                    .entry(cf.clone())
                    .or_default()
                    .entry(*level)
                    .or_default(),
                None if held
                    && name
                        .split('.')
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                        .is_some_and(|n| n > newest_live) =>
                {
                    &mut usage.unfinished_sst
                }
                None => &mut usage.obsolete_sst,
            }
        } else if name.ends_with(".blob") {
            &mut usage.blob
        } else if name.ends_with(".log") {
            &mut usage.wal
        } else if name == "LOG" {
            &mut usage.info_log
        } else if name.starts_with("LOG.old.") {
            &mut usage.old_info_logs
        } else if name.starts_with("OPTIONS-") {
            &mut usage.options
        } else if name.starts_with("MANIFEST-") {
            &mut usage.manifest
        } else {
            &mut usage.other
        };
        tally.add(bytes);
        if meta.is_file()
            && bytes > 0
            && let Some(number) = name.strip_suffix(".log").and_then(|n| n.parse().ok())
        {
            wal_numbers.push(number);
        }
    }
    let wal_dir = crate::inspector::analysis::recent::locations(source.path()).wal_dir;
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a == b || std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
    };
    if !same(&wal_dir, source.path()) {
        let mut tally = Tally::default();
        for file in crate::inspector::analysis::recent::live_wal_files(source.path())? {
            tally.add(file.size);
            if file.size > 0 {
                wal_numbers.push(file.number);
            }
        }
        usage.wal_elsewhere = Some((wal_dir.display().to_string(), tally));
    }
    if let Ok(manifest) = read_manifest(source.path()) {
        usage.oldest_wal = oldest_wal_holder(&manifest, &wal_numbers)
            .map(|(number, kept_by)| OldestWal { number, kept_by });
    }
    match blob_garbage(source.path()) {
        Ok(garbage) => usage.blob_garbage = garbage,
        Err(e) if usage.blob.files > 0 => usage.blob_garbage_unknown = Some(e.to_string()),
        Err(_) => {}
    }
    usage.du_bytes = Some(du_bytes(source.path()).map_err(io)?);
    Ok(usage)
}

/// The bytes `du -sb` reports for `dir`: apparent sizes of every entry below it and of
/// the directories themselves, symbolic links not followed, each hard-linked file once.
pub fn du_bytes(dir: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    total += std::fs::symlink_metadata(dir)?.len();
    while let Some(d) = pending.pop() {
        // A file RocksDB deletes during the walk is gone for du too.
        let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
        let entries = match std::fs::read_dir(&d) {
            Err(e) if gone(&e) && d != dir => continue,
            other => other?,
        };
        for entry in entries {
            let entry = entry?;
            let meta = match std::fs::symlink_metadata(entry.path()) {
                Err(e) if gone(&e) => continue,
                other => other?,
            };
            if meta.nlink() > 1 && !meta.is_dir() && !seen.insert((meta.dev(), meta.ino())) {
                continue;
            }
            total += meta.len();
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    Ok(total)
}

/// Files, their bytes, and the bytes of the directories' own entries below `dir` (links
/// not followed, as `du` does not).
fn tree_size(dir: &std::path::Path) -> std::io::Result<(u64, u64, u64)> {
    let (mut files, mut bytes, mut dirs) = (0, 0, 0);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let (f, b, d) = tree_size(&entry.path())?;
            files += f;
            bytes += b;
            dirs += d + meta.len();
        } else {
            files += 1;
            bytes += meta.len();
        }
    }
    Ok((files, bytes, dirs))
}

#[cfg(test)]
mod tests {
    use super::du_bytes;

    /// Files, a subdirectory, a hard link and a symbolic link: the same total as
    /// `du -sb`.
    #[test]
    fn du_bytes_counts_as_du_does() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), vec![1u8; 12_345]).unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        std::fs::write(d.path().join("sub/b"), vec![2u8; 777]).unwrap();
        std::fs::hard_link(d.path().join("a"), d.path().join("sub/a-link")).unwrap();
        std::os::unix::fs::symlink("a", d.path().join("c")).unwrap();
        let out = std::process::Command::new("du")
            .arg("-sb")
            .arg(d.path())
            .output()
            .expect("run du");
        let du: u64 = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(du_bytes(d.path()).unwrap(), du);
    }
}
