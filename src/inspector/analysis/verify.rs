//! `verify`: is the database damaged, and what is lost. Every block of every live SST
//! and blob file is read with its checksum (on every core the walks may use, at the idle
//! I/O class and within `--io-limit`), then the MANIFEST and the WAL files; each damage
//! is named with its file, level and offset, the keys a read can no longer return, and
//! whether a backup or a replica is needed. Opens no database and writes nothing.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::inspector::decode::escape_key;
use crate::inspector::error::InspectError;
use crate::inspector::formats::blob_file::check_blob_file;
use crate::inspector::formats::manifest::{LiveSst, Tail, read_manifest};
use crate::inspector::formats::sst::{Lost, check_table};
use crate::inspector::formats::wal::{WalReader, WalTail, wal_files};
use crate::inspector::source::{walk_threads, yielding};

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VerifyReport {
    /// The MANIFEST read (from `CURRENT`).
    pub manifest: Option<String>,
    /// Live table files the MANIFEST names (every `*.sst` in the directory when the
    /// MANIFEST cannot be read).
    pub table_files: usize,
    /// Live blob files.
    pub blob_files: usize,
    /// WAL files read, archived ones included.
    pub wal_files: usize,
    /// Bytes read from table and blob files.
    pub bytes_read: u64,
    /// Their size on disk.
    pub bytes_total: u64,
    /// Blocks whose checksum was computed.
    pub blocks_checked: u64,
    /// Blob records whose CRCs were computed.
    pub blob_records_checked: u64,
    /// Blob records (values) a read cannot return: damaged, or after a damaged header.
    pub blob_records_lost: u64,
    /// Threads that read the files.
    pub threads: usize,
    /// Seconds the whole check took.
    pub seconds: f64,
    /// Every damage found, file by file.
    pub damage: Vec<Damage>,
    /// Parts not checked (a format this reader does not know), never called sound.
    pub unchecked: Vec<String>,
    /// The keys a read cannot return, per damaged block or file.
    pub lost: Vec<LostKeys>,
    /// Whether anything is damaged (a torn end of the newest WAL or of the MANIFEST, a
    /// crash's last write, is not).
    pub damaged: bool,
    /// Whether the data must come from elsewhere (a backup or a replica): not when only
    /// the MANIFEST is damaged and every table is sound (`ldb repair` rebuilds it).
    pub needs_backup: bool,
    /// The answer in words.
    pub verdict: String,
}

/// One damage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Damage {
    /// The file's name, e.g. `000123.sst`, `MANIFEST-000005`, `000012.log`.
    pub file: String,
    /// Its column family, when the MANIFEST names it.
    pub cf: Option<String>,
    /// Its level, for a table file.
    pub level: Option<u32>,
    /// The damaged part: `data block`, `index block`, `footer`, `file`, `record`…
    pub part: String,
    /// Where in the file, when known.
    pub offset: Option<u64>,
    /// What is wrong.
    pub reason: String,
}

/// Keys a read cannot return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostKeys {
    /// Column family.
    pub cf: String,
    /// The file they were in.
    pub file: String,
    /// Its level.
    pub level: Option<u32>,
    /// Keys above this one (exclusive); `None` from the file's first key.
    pub after: Option<String>,
    /// Keys up to this one (inclusive). `after` and `through` are the index's
    /// separators: possibly shortened keys (a shortened key sorts before every key it
    /// is a prefix of).
    pub through: String,
    /// The last key before the lost ones that a read returns (from the sound block
    /// before), when there is one in this file.
    pub readable_before: Option<String>,
    /// The first key after the lost ones that a read returns (from the sound block
    /// after), when there is one in this file.
    pub readable_after: Option<String>,
    /// Whether the whole file is lost (its smallest to largest key).
    pub whole_file: bool,
    /// About how many keys (from the table's properties), when known.
    pub estimated_keys: Option<u64>,
}

/// A file to check, with what the MANIFEST says of it.
struct Target {
    path: PathBuf,
    name: String,
    sst: Option<LiveSst>,
    blob_cf: Option<String>,
    expected_size: Option<u64>,
}

/// Everything one file's check found, merged into the report in file order.
#[derive(Default)]
struct FileFindings {
    bytes: u64,
    blocks: u64,
    records: u64,
    blob_records_lost: u64,
    damage: Vec<Damage>,
    lost: Vec<LostKeys>,
    unchecked: Option<String>,
}

/// Checks `db`; `done` counts the bytes read so far (for progress) and `total` is set to
/// the bytes to read before the reading starts.
pub fn verify(
    db: &Path,
    done: &AtomicU64,
    total: &AtomicU64,
) -> Result<VerifyReport, InspectError> {
    verify_until(db, done, total, &|| false).map(Option::unwrap_or_default)
}

/// [`verify`], stopped between files when `stop` says so (`Ok(None)` then).
pub fn verify_until(
    db: &Path,
    done: &AtomicU64,
    total: &AtomicU64,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<VerifyReport>, InspectError> {
    let began = Instant::now();
    let mut report = VerifyReport::default();
    let mut targets = Vec::new();
    let mut manifest_cut = false;
    match read_manifest(db) {
        Ok(manifest) => {
            report.manifest = Some(manifest.manifest.clone());
            // A record cut by the file's end is a write a crash cut short (RocksDB opens
            // without it); any other damaged record stops RocksDB's open.
            let stops_open = matches!(&manifest.tail, Tail::Torn { reason, .. } if !reason.starts_with("truncated"));
            if let Tail::Torn { offset, reason } = &manifest.tail {
                let (part, reason) = if stops_open {
                    (
                        "record",
                        format!(
                            "{reason}: RocksDB cannot open this database (its recovery stops at a damaged MANIFEST record); the table files in the directory are checked instead"
                        ),
                    )
                } else {
                    (
                        "last edit",
                        format!("{reason} (RocksDB opens without this edit)"),
                    )
                };
                report.damage.push(Damage {
                    file: manifest.manifest.clone(),
                    cf: None,
                    level: None,
                    part: part.into(),
                    offset: Some(*offset),
                    reason,
                });
            }
            if stops_open {
                targets = directory_files(db)?;
            }
            manifest_cut = !stops_open && matches!(manifest.tail, Tail::Torn { .. });
            for sst in manifest.live_ssts.into_iter().filter(|_| !stops_open) {
                let name = format!("{:06}.sst", sst.number);
                targets.push(Target {
                    path: db.join(&name),
                    name,
                    expected_size: Some(sst.size),
                    blob_cf: None,
                    sst: Some(sst),
                });
            }
            for blob in manifest.blob_files.into_iter().filter(|_| !stops_open) {
                let name = format!("{:06}.blob", blob.number);
                targets.push(Target {
                    path: db.join(&name),
                    name,
                    sst: None,
                    blob_cf: Some(blob.cf),
                    expected_size: None,
                });
            }
        }
        Err(e) => {
            report.damage.push(Damage {
                file: "MANIFEST".into(),
                cf: None,
                level: None,
                part: "file".into(),
                offset: None,
                reason: format!("{e}: RocksDB cannot open this database"),
            });
            targets = directory_files(db)?;
        }
    }
    report.table_files = targets.iter().filter(|t| t.blob_cf.is_none()).count();
    report.blob_files = targets.len() - report.table_files;

    // Missing files and sizes that differ from the MANIFEST's (`ldb checkconsistency`).
    let mut present = Vec::new();
    for target in targets {
        match std::fs::metadata(&target.path) {
            Ok(meta) => {
                if let Some(expected) = target.expected_size.filter(|&s| s != meta.len()) {
                    report.damage.push(damage_of(
                        &target,
                        "file",
                        None,
                        format!(
                            "{} bytes on disk, the MANIFEST recorded {expected}",
                            meta.len()
                        ),
                    ));
                }
                present.push((target, meta.len()));
            }
            Err(e) if manifest_cut => report.damage.push(damage_of(
                &target,
                "file",
                None,
                format!("missing: {e} (named by the MANIFEST before its cut last edit, which replaced it)"),
            )),
            Err(e) => {
                report
                    .damage
                    .push(damage_of(&target, "file", None, format!("missing: {e}")));
                if let Some(lost) = whole_file_lost(&target, None) {
                    report.lost.push(lost);
                }
            }
        }
    }
    report.bytes_total = present.iter().map(|(_, size)| size).sum();
    total.store(report.bytes_total, Ordering::Relaxed);
    // The largest first, so no thread is left alone with a big file at the end.
    present.sort_by_key(|p| std::cmp::Reverse(p.1));
    let threads = walk_threads().min(present.len()).max(1);
    report.threads = threads;
    let next = AtomicUsize::new(0);
    let findings: Mutex<Vec<(usize, FileFindings)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                yielding::lower_this_thread();
                while !stop() {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((target, _)) = present.get(i) else {
                        break;
                    };
                    let mut on_read = |bytes: u64| {
                        yielding::charge(bytes);
                        done.fetch_add(bytes, Ordering::Relaxed);
                    };
                    let found = check_one(target, &mut on_read);
                    findings
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, found));
                }
            });
        }
    });
    if stop() {
        return Ok(None);
    }
    let mut findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    findings.sort_by(|a, b| present[a.0].0.name.cmp(&present[b.0].0.name));
    for (_, found) in findings {
        report.bytes_read += found.bytes;
        report.blocks_checked += found.blocks;
        report.blob_records_checked += found.records;
        report.blob_records_lost += found.blob_records_lost;
        report.damage.extend(found.damage);
        report.lost.extend(found.lost);
        report.unchecked.extend(found.unchecked);
    }
    check_wals(db, &mut report)?;
    report.damaged = report
        .damage
        .iter()
        .any(|d| d.part != "last edit" && d.part != "torn end");
    let manifest_only = report.damage.iter().all(|d| {
        d.file.starts_with("MANIFEST") || (manifest_cut && d.reason.starts_with("missing"))
    });
    report.needs_backup = report.damaged && !manifest_only;
    report.verdict = verdict(&report);
    report.seconds = began.elapsed().as_secs_f64();
    Ok(Some(report))
}

fn damage_of(target: &Target, part: &str, offset: Option<u64>, reason: String) -> Damage {
    Damage {
        file: target.name.clone(),
        cf: target
            .sst
            .as_ref()
            .map(|s| s.cf.clone())
            .or_else(|| target.blob_cf.clone()),
        level: target.sst.as_ref().map(|s| s.level),
        part: part.into(),
        offset,
        reason,
    }
}

/// The whole key range of a table file, lost.
fn whole_file_lost(target: &Target, entries: Option<u64>) -> Option<LostKeys> {
    let sst = target.sst.as_ref()?;
    Some(LostKeys {
        cf: sst.cf.clone(),
        file: target.name.clone(),
        level: Some(sst.level),
        after: None,
        through: escape_key(&sst.largest),
        readable_before: None,
        readable_after: None,
        whole_file: true,
        estimated_keys: entries,
    })
    .map(|mut lost| {
        lost.after = Some(format!("{} (inclusive)", escape_key(&sst.smallest)));
        lost
    })
}

fn check_one(target: &Target, on_read: &mut dyn FnMut(u64)) -> FileFindings {
    let mut found = FileFindings::default();
    if target.blob_cf.is_some() {
        match check_blob_file(&target.path, on_read) {
            Ok(check) => {
                found.bytes = check.bytes_read;
                found.records = check.records;
                for (offset, reason) in check.damage {
                    found
                        .damage
                        .push(damage_of(target, "record", Some(offset), reason));
                }
                found.blob_records_lost = check.lost_records;
            }
            Err(e) => found.damage.push(damage_of(
                target,
                "file",
                None,
                format!("cannot be read: {e}"),
            )),
        }
        return found;
    }
    let check = match check_table(&target.path, on_read) {
        Ok(check) => check,
        Err(e) => {
            found.damage.push(damage_of(
                target,
                "file",
                None,
                format!("cannot be read: {e}"),
            ));
            found.lost.extend(whole_file_lost(target, None));
            return found;
        }
    };
    found.bytes = check.bytes_read;
    found.blocks = check.blocks_checked;
    found.unchecked = check.unchecked.map(|why| format!("{}: {why}", target.name));
    let mut whole = false;
    for d in check.damage {
        found
            .damage
            .push(damage_of(target, &d.block, Some(d.offset), d.reason));
        match d.lost {
            Lost::WholeFile => whole = true,
            Lost::Range {
                after,
                through,
                estimated_keys,
                readable_edges: (before, next),
            } => found.lost.push(LostKeys {
                cf: target
                    .sst
                    .as_ref()
                    .map_or_else(String::new, |s| s.cf.clone()),
                file: target.name.clone(),
                level: target.sst.as_ref().map(|s| s.level),
                after: after.as_deref().map(escape_key),
                through: escape_key(&through),
                readable_before: before.as_deref().map(escape_key),
                readable_after: next.as_deref().map(escape_key),
                whole_file: false,
                estimated_keys,
            }),
        }
    }
    if whole {
        // The whole file replaces its blocks' ranges.
        found.lost.clear();
        found.lost.extend(whole_file_lost(target, check.entries));
    }
    found
}

/// Every `*.sst` and `*.blob` file in `db` (when the MANIFEST cannot say which are live).
fn directory_files(db: &Path) -> Result<Vec<Target>, InspectError> {
    let entries = std::fs::read_dir(db)
        .map_err(|e| InspectError::io(format!("listing {}", db.display()), e))?;
    let mut targets: Vec<Target> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let blob = name.ends_with(".blob");
            (name.ends_with(".sst") || blob).then(|| Target {
                path: e.path(),
                name,
                sst: None,
                blob_cf: blob.then(String::new),
                expected_size: None,
            })
        })
        .collect();
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(targets)
}

/// Reads every WAL to its end: damage in the middle loses the writes after it at the
/// next open; a torn end is the write a crash cut short.
fn check_wals(db: &Path, report: &mut VerifyReport) -> Result<(), InspectError> {
    let wal_dir = super::recent::locations(db).wal_dir;
    let files = wal_files(&wal_dir).map_err(|e| {
        InspectError::wal(format!("listing the WAL files in {}", wal_dir.display()), e)
    })?;
    report.wal_files = files.len();
    let newest = files.iter().filter(|f| !f.archived).map(|f| f.number).max();
    for file in &files {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut reader = match WalReader::open_with_number(&file.path, file.number) {
            Ok(reader) => reader,
            Err(e) => {
                report.damage.push(wal_damage(
                    &name,
                    "file",
                    None,
                    format!("cannot be read: {e}"),
                ));
                continue;
            }
        };
        let mut batch_error = None;
        for batch in reader.by_ref() {
            if let Err(e) = batch {
                batch_error = Some(e.to_string());
                break;
            }
        }
        if let Some(reason) = batch_error {
            report.damage.push(wal_damage(&name, "batch", None, reason));
        }
        for c in reader.corruptions() {
            report.damage.push(wal_damage(
                &name,
                "record",
                Some(c.offset),
                format!(
                    "{} ({} bytes skipped): writes from here on are not replayed at the next open",
                    c.reason, c.skipped_bytes
                ),
            ));
        }
        if let Some(WalTail::Torn { offset, reason }) = reader.tail() {
            // The newest WAL's torn end is a write a crash cut short; in an older WAL
            // it is damage (the writes after it are in no file).
            let part = if Some(file.number) == newest {
                "torn end"
            } else {
                "record"
            };
            report
                .damage
                .push(wal_damage(&name, part, Some(*offset), reason.clone()));
        }
    }
    Ok(())
}

fn wal_damage(file: &str, part: &str, offset: Option<u64>, reason: String) -> Damage {
    Damage {
        file: file.into(),
        cf: None,
        level: None,
        part: part.into(),
        offset,
        reason,
    }
}

fn verdict(r: &VerifyReport) -> String {
    let mut files = format!(
        "{} table file{}",
        r.table_files,
        if r.table_files == 1 { "" } else { "s" }
    );
    if r.blob_files > 0 {
        files.push_str(&format!(
            " and {} blob file{}",
            r.blob_files,
            if r.blob_files == 1 { "" } else { "s" }
        ));
    }
    if r.damage.is_empty() && r.table_files == 0 && r.blob_files == 0 {
        return format!(
            "No damage: no table file yet (every write is still in the WAL); the MANIFEST and {} WAL file{} read to their end.",
            r.wal_files,
            if r.wal_files == 1 { "" } else { "s" }
        );
    }
    if r.damage.is_empty() {
        let mut text = format!(
            "No damage: every block of {files} matches its checksum, and the MANIFEST and {} WAL file{} read to their end.",
            r.wal_files,
            if r.wal_files == 1 { "" } else { "s" }
        );
        if !r.unchecked.is_empty() {
            text.push_str(&format!(
                " {} part{} could not be checked (listed).",
                r.unchecked.len(),
                if r.unchecked.len() == 1 { "" } else { "s" }
            ));
        }
        return text;
    }
    if !r.damaged {
        return "Only a torn end: the newest WAL or the MANIFEST ends in a write a crash cut short. RocksDB opens without it and loses only that last write; no backup is needed.".into();
    }
    let mut names: Vec<&str> = r.damage.iter().map(|d| d.file.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut text = format!(
        "DAMAGED: {} damage{} in {}.",
        r.damage.len(),
        if r.damage.len() == 1 { "" } else { "s" },
        names.join(", ")
    );
    let is_manifest = |d: &Damage| d.file.starts_with("MANIFEST");
    let is_wal = |d: &Damage| d.file.ends_with(".log");
    let manifest_stops_open = r
        .damage
        .iter()
        .any(|d| is_manifest(d) && d.part != "last edit");
    let manifest_cut = r
        .damage
        .iter()
        .any(|d| is_manifest(d) && d.part == "last edit");
    let missing = r
        .damage
        .iter()
        .any(|d| d.part == "file" && d.reason.starts_with("missing"));
    if !r.needs_backup {
        text.push_str(if manifest_stops_open {
            " RocksDB cannot open the database: its MANIFEST is damaged."
        } else {
            " The MANIFEST's last edit is cut: the table files named missing are ones that edit replaced, and RocksDB cannot open the database without them."
        });
        text.push_str(" Every table file is sound: `ldb repair` on a copy of the directory rebuilds the MANIFEST from the table and WAL files and brings the keys back; a backup or a replica is needed only if it fails.");
        return text;
    }
    let opens = !(manifest_stops_open || missing || r.lost.iter().any(|l| l.whole_file));
    if manifest_stops_open {
        text.push_str(" RocksDB cannot open the database: its MANIFEST is damaged.");
    } else if manifest_cut && missing {
        text.push_str(" The MANIFEST's last edit is cut: the table files named missing are ones that edit replaced, and RocksDB cannot open the database without them.");
    } else if r.lost.iter().any(|l| l.whole_file) {
        text.push_str(" RocksDB will not open the database while these table files are missing or unreadable (it checks every live table at open: a missing or cut one always, a damaged footer or index when max_open_files is -1, the default).");
    }
    let known: u64 = r.lost.iter().filter_map(|l| l.estimated_keys).sum();
    let unknown = r.lost.iter().any(|l| l.estimated_keys.is_none());
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (known, unknown, r.lost.len()) {
        (_, _, 0) => {}
        (0, true, n) if opens => text.push_str(&format!(
            " Reads cannot return the keys of {n} range{} (below).",
            plural(n)
        )),
        (k, u, n) if opens => text.push_str(&format!(
            " Reads cannot return about {k}{} keys in {n} range{} (below).",
            if u { "+" } else { "" },
            plural(n)
        )),
        (0, true, n) => text.push_str(&format!(
            " Until then no key is readable; the damaged files hold the keys of {n} range{} (below).",
            plural(n)
        )),
        (k, u, n) => text.push_str(&format!(
            " Until then no key is readable; the damaged files hold about {k}{} keys in {n} range{} (below).",
            if u { "+" } else { "" },
            plural(n)
        )),
    }
    if r.blob_records_lost > 0 {
        let n = r.blob_records_lost;
        text.push_str(&format!(
            " {n} blob value{} fail{} their CRC: a read of {} keys fails when it verifies checksums and returns corrupt bytes when it does not.",
            plural(n as usize),
            if n == 1 { "s" } else { "" },
            if n == 1 { "its" } else { "their" }
        ));
    }
    if r.damage.iter().any(|d| is_wal(d) && d.part != "torn end") {
        text.push_str(" At the next open RocksDB drops every write after the WAL damage, without an error (point-in-time recovery).");
    }
    text.push_str(
        " Restore the files named from a backup, or rebuild the database from a replica.",
    );
    text
}
