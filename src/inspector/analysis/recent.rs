//! What happened lately, for the Log and WAL screens: the newest notable LOG entries with
//! the timeline of the whole LOG, and the newest write batches of the WAL files.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

use crate::inspector::formats::infolog::{
    Kind, KindSet, Level, LogEntry, LogFilter, LogStream, Timeline, TimelineOptions,
    TimelineSummary, log_files_named,
};
use crate::inspector::formats::manifest::read_manifest;

use crate::inspector::error::InspectError;
use crate::inspector::formats::wal::{
    WalBatch, WalFileInfo, WalOpKind, WalTail, read_newest_within, wal_files, wal_files_checked,
};

/// LOG entries kept for the screen, newest.
pub const LOG_ENTRIES_KEPT: usize = 5_000;
/// And at most this many bytes of their text: an entry may hold up to 4 MiB (a
/// compaction's file list), so 5,000 of them could otherwise be gigabytes.
pub const LOG_SCREEN_BYTES: usize = 32 << 20;

/// Which notable entries the Log screen lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogOnly {
    /// Every notable entry.
    #[default]
    All,
    /// Write stalls.
    Stalls,
    /// Flushes, compactions and table files.
    FlushesAndCompactions,
    /// Background errors, and every entry RocksDB tagged `[WARN]`, `[ERROR]` or `[FATAL]`
    /// (stall messages are `[WARN]` lines too).
    Problems,
}

impl LogOnly {
    /// Every class, in the order `t` steps through them.
    pub const ALL: [LogOnly; 4] = [
        LogOnly::All,
        LogOnly::Stalls,
        LogOnly::FlushesAndCompactions,
        LogOnly::Problems,
    ];

    /// Its name in the title.
    pub fn title(self) -> &'static str {
        match self {
            LogOnly::All => "all notable",
            LogOnly::Stalls => "write stalls",
            LogOnly::FlushesAndCompactions => "flushes & compactions",
            LogOnly::Problems => "errors & warnings",
        }
    }

    /// Its place in [`LogOnly::ALL`] and [`LogReport::counts`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a notable entry is of this class.
    pub fn admits(self, entry: &LogEntry) -> bool {
        let kind = entry.event.kind();
        match self {
            LogOnly::All => true,
            LogOnly::Stalls => matches!(kind, Kind::Stall | Kind::CompactionPressure),
            LogOnly::FlushesAndCompactions => matches!(
                kind,
                Kind::FlushStarted
                    | Kind::FlushFinished
                    | Kind::CompactionStarted
                    | Kind::CompactionFinished
                    | Kind::TableFileCreation
                    | Kind::TableFileDeletion
            ),
            LogOnly::Problems => {
                matches!(kind, Kind::BackgroundError | Kind::Error | Kind::Warn)
                    || matches!(entry.level, Level::Warn | Level::Error | Level::Fatal)
            }
        }
    }
}

/// The LOG, read for the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct LogReport {
    /// How many LOG files were read.
    pub files: usize,
    /// The newest `kept` notable entries of each [`LogOnly`] class, oldest first (an
    /// entry of two classes once): each class's list is complete up to its newest `kept`,
    /// or fewer when their text would pass [`LOG_SCREEN_BYTES`].
    pub entries: Vec<LogEntry>,
    /// Notable entries in all.
    pub matched: u64,
    /// Notable entries of each [`LogOnly`] class in all that was read, by
    /// [`LogOnly::index`]: the whole LOG's counts, however many entries are kept.
    pub counts: [u64; 4],
    /// How many entries of each class are kept at most.
    pub kept: usize,
    /// The whole LOG's timeline (of the part read, when `partial`).
    pub timeline: TimelineSummary,
    /// Only the newest part of the newest LOG file was read (the whole follows).
    pub partial: bool,
}

/// What RocksDB did and what went wrong, not its routine lines and option dumps.
pub fn notable_kinds() -> KindSet {
    Kind::ALL
        .into_iter()
        .filter(|k| {
            !matches!(
                k,
                Kind::Info | Kind::Options | Kind::OptionsSection | Kind::StatsDump
            )
        })
        .fold(KindSet::default(), KindSet::with)
}

/// Where the database keeps its info LOG and WAL files: its directory, unless its OPTIONS
/// file names a `db_log_dir` or `wal_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// The directory holding the info LOG files.
    pub log_dir: PathBuf,
    /// Their name (`LOG`, or `<flattened path>_LOG` in a `db_log_dir`).
    pub log_stem: String,
    /// The directory holding the WAL files.
    pub wal_dir: PathBuf,
}

/// Reads `db_log_dir` and `wal_dir` from the newest OPTIONS file.
pub fn locations(db: &Path) -> Locations {
    let settings = crate::inspector::formats::options_file::options_files(db)
        .last()
        .and_then(|f| crate::inspector::formats::options_file::read_settings(f).ok())
        .unwrap_or_default();
    let setting = |key: &str| {
        settings
            .get(&("DBOptions".to_string(), key.to_string()))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let absolute = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
    let (log_dir, log_stem) = match setting("db_log_dir") {
        Some(dir) => (
            PathBuf::from(dir),
            info_log_stem(&absolute.to_string_lossy()),
        ),
        None => (db.to_path_buf(), "LOG".to_string()),
    };
    Locations {
        log_dir,
        log_stem,
        wal_dir: setting("wal_dir").map_or_else(|| db.to_path_buf(), PathBuf::from),
    }
}

/// RocksDB's name for a database's info LOG in a shared `db_log_dir`: its absolute path
/// with every character other than letters, digits, `-`, `.` and `_` turned into `_`
/// (a leading one dropped), cut to fit 255 bytes with `_LOG`, then `_LOG`.
pub fn info_log_stem(absolute_db_path: &str) -> String {
    let mut stem = String::new();
    for (i, c) in absolute_db_path.chars().enumerate() {
        if stem.len() >= 255 - "_LOG".len() {
            break;
        }
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
            stem.push(c);
        } else if i > 0 {
            stem.push('_');
        }
    }
    stem.push_str("_LOG");
    stem
}

/// The info LOG files of `db`, oldest first, wherever its OPTIONS put them.
pub fn info_log_files(db: &Path) -> Result<Vec<PathBuf>, InspectError> {
    let at = locations(db);
    log_files_named(&at.log_dir, &at.log_stem).map_err(|e| {
        InspectError::io(
            format!("listing the LOG files in {}", at.log_dir.display()),
            e,
        )
    })
}

/// Streams every LOG file of `db` once: the timeline of all of it and the newest notable
/// entries. Memory is bounded by the entries kept, not the LOG's size.
pub fn read_log(db: &Path) -> Result<LogReport, InspectError> {
    read_log_keeping(db, LOG_ENTRIES_KEPT)
}

/// [`read_log`], keeping the newest `kept` entries of each class.
pub fn read_log_keeping(db: &Path, kept: usize) -> Result<LogReport, InspectError> {
    let files = info_log_files(db)?;
    Ok(collect_log(files, LogFilter::default(), false, kept))
}

/// Only the newest `bytes` (or so) of the newest LOG file: what a first screen needs,
/// whatever the LOG's size. `None` when the LOG is small enough to read whole at once.
pub fn read_log_tail(
    db: &Path,
    bytes: u64,
    kept: usize,
) -> Result<Option<LogReport>, InspectError> {
    let files = info_log_files(db)?;
    let Some(newest) = files.last() else {
        return Ok(None);
    };
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    if total <= 2 * bytes {
        return Ok(None);
    }
    let len = std::fs::metadata(newest).map(|m| m.len()).unwrap_or(0);
    let Some(since) = first_time_after(newest, len.saturating_sub(bytes)) else {
        return Ok(None);
    };
    let filter = LogFilter {
        since: Some(since),
        ..LogFilter::default()
    };
    Ok(Some(collect_log(vec![newest.clone()], filter, true, kept)))
}

/// The time of the first timestamped line at or after byte `offset` of `file`.
fn first_time_after(file: &Path, offset: u64) -> Option<chrono::NaiveDateTime> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(file).ok()?;
    f.seek(SeekFrom::Start(offset)).ok()?;
    let mut buf = vec![0u8; 256 * 1024];
    let n = f.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.lines().skip(usize::from(offset > 0)).find_map(|line| {
        let stamp = line.get(..26)?;
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y/%m/%d-%H:%M:%S%.6f").ok()
    })
}

fn collect_log(
    files: Vec<std::path::PathBuf>,
    filter: LogFilter,
    partial: bool,
    kept: usize,
) -> LogReport {
    let count = files.len();
    let notable = notable_kinds();
    let mut timeline = Timeline::new(TimelineOptions::default());
    // Per class, the numbers (in reading order) of its newest `kept` entries; the entries
    // themselves once, dropped when no class keeps them any more.
    let mut newest: [VecDeque<u64>; 4] = Default::default();
    let mut held: BTreeMap<u64, (LogEntry, u8)> = BTreeMap::new();
    let mut counts = [0u64; 4];
    let mut number = 0u64;
    let mut held_bytes = 0usize;
    for entry in LogStream::new(files, filter).flatten() {
        timeline.add(&entry);
        if !notable.contains(entry.event.kind()) {
            continue;
        }
        number += 1;
        let mut holders = 0u8;
        for class in LogOnly::ALL {
            if !class.admits(&entry) {
                continue;
            }
            let i = class.index();
            counts[i] += 1;
            if kept == 0 {
                continue;
            }
            if newest[i].len() == kept
                && let Some(old) = newest[i].pop_front()
                && let Some((_, n)) = held.get_mut(&old)
            {
                *n -= 1;
                if *n == 0 {
                    held.remove(&old);
                }
            }
            newest[i].push_back(number);
            holders += 1;
        }
        if holders > 0 {
            held_bytes += entry.text.len();
            held.insert(number, (entry, holders));
        }
        // Within the byte budget too: the oldest held entry goes first, from every class
        // (its number heads each list that holds it: lists hold ascending numbers).
        while held_bytes > LOG_SCREEN_BYTES && held.len() > 1 {
            let Some((old, (entry, _))) = held.pop_first() else {
                break;
            };
            held_bytes -= entry.text.len();
            for list in &mut newest {
                if list.front() == Some(&old) {
                    list.pop_front();
                }
            }
        }
    }
    LogReport {
        files: count,
        entries: held.into_values().map(|(entry, _)| entry).collect(),
        matched: counts[LogOnly::All.index()],
        counts,
        kept,
        timeline: timeline.finish(),
        partial,
    }
}

/// The WAL files, read for the screen.
#[derive(Debug, Clone)]
pub struct WalReport {
    /// The live WAL files, oldest first.
    pub files: Vec<WalFileInfo>,
    /// The newest batches, newest first.
    pub batches: Vec<WalBatch>,
    /// Files whose last record is torn.
    pub torn: Vec<TornTail>,
    /// Column family names by the ids the WAL records carry (from the MANIFEST; empty
    /// when it could not be read, and ids are shown as numbers).
    pub cf_names: BTreeMap<u32, String>,
}

/// A WAL file whose last record is cut short (a writer appending, or a crash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The file.
    pub file: String,
    /// Where the first record not read starts.
    pub offset: u64,
    /// What is wrong there.
    pub reason: String,
}

/// The live WAL files of `db` (not the archive), oldest first.
pub fn live_wal_files(db: &Path) -> Result<Vec<WalFileInfo>, InspectError> {
    listed_wal_files(db, false)
}

/// [`live_wal_files`], each read whole for damage in its middle.
pub fn checked_wal_files(db: &Path) -> Result<Vec<WalFileInfo>, InspectError> {
    listed_wal_files(db, true)
}

fn listed_wal_files(db: &Path, check: bool) -> Result<Vec<WalFileInfo>, InspectError> {
    let dir = locations(db).wal_dir;
    let list = if check { wal_files_checked } else { wal_files };
    let files = list(&dir)
        .map_err(|e| InspectError::wal(format!("listing the WAL files in {}", dir.display()), e))?;
    Ok(files.into_iter().filter(|f| !f.archived).collect())
}

/// The newest `limit` batches across `files` (newest file first), newest first, read
/// from the files' tails; with the torn tails met on the way.
pub fn newest_batches(
    files: &[WalFileInfo],
    limit: usize,
) -> Result<(Vec<WalBatch>, Vec<TornTail>), InspectError> {
    newest_batches_within(files, limit, usize::MAX)
}

/// [`newest_batches`], stopping once the batches kept reach `max_bytes` of records.
pub fn newest_batches_within(
    files: &[WalFileInfo],
    limit: usize,
    max_bytes: usize,
) -> Result<(Vec<WalBatch>, Vec<TornTail>), InspectError> {
    let mut batches: Vec<WalBatch> = Vec::new();
    let mut torn = Vec::new();
    let mut kept = 0usize;
    for file in files.iter().rev() {
        if batches.len() >= limit || kept >= max_bytes {
            break;
        }
        let (found, tail) = read_newest_within(
            &file.path,
            limit - batches.len(),
            max_bytes - kept,
            file.number,
        )
        .map_err(|e| InspectError::wal(format!("reading {}", file.path.display()), e))?;
        kept += found.iter().map(|b| b.byte_size).sum::<usize>();
        if let WalTail::Torn { offset, reason } = tail {
            torn.push(TornTail {
                file: file.path.display().to_string(),
                offset,
                reason,
            });
        }
        batches.extend(found);
    }
    Ok((batches, torn))
}

/// Column family names by id, from the database's MANIFEST (empty if it cannot be read:
/// ids are then shown as numbers, never guessed).
pub fn cf_names(db: &Path) -> BTreeMap<u32, String> {
    read_manifest(db)
        .map(|m| {
            m.column_families
                .into_iter()
                .map(|cf| (cf.id, cf.name))
                .collect()
        })
        .unwrap_or_default()
}

/// [`cf_names`] for the ids `batches` use, read from the MANIFEST again only when
/// `CURRENT` names another MANIFEST or an id is new: the WAL screen asks every refresh,
/// and a MANIFEST can be megabytes.
fn cf_names_for(db: &Path, batches: &[WalBatch]) -> BTreeMap<u32, String> {
    type Cache = std::collections::HashMap<PathBuf, (String, BTreeMap<u32, String>)>;
    static CACHE: std::sync::Mutex<Option<Cache>> = std::sync::Mutex::new(None);
    let current = std::fs::read_to_string(db.join("CURRENT")).unwrap_or_default();
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cache = cache.get_or_insert_with(Default::default);
    let known = cache.get(db).is_some_and(|(manifest, names)| {
        *manifest == current
            && batches
                .iter()
                .flat_map(|b| &b.ops)
                .all(|op| names.contains_key(&op.cf))
    });
    if !known {
        cache.insert(db.to_path_buf(), (current, cf_names(db)));
    }
    cache
        .get(db)
        .map(|(_, names)| names.clone())
        .unwrap_or_default()
}

/// What the WAL screen holds at most of the newest batches' records, whatever their
/// number: 1,000 batches of a service writing 1 MiB values would otherwise be 1 GiB.
pub const WAL_SCREEN_BYTES: usize = 32 << 20;

/// The WAL files and their newest `limit` batches, at most [`WAL_SCREEN_BYTES`] of them
/// (the newest batch always).
pub fn read_wal(db: &Path, limit: usize) -> Result<WalReport, InspectError> {
    let files = live_wal_files(db)?;
    let (batches, torn) = newest_batches_within(&files, limit, WAL_SCREEN_BYTES)?;
    let cf_names = cf_names_for(db, &batches);
    Ok(WalReport {
        files,
        batches,
        torn,
        cf_names,
    })
}

/// Whether an operation takes a sequence number: data does, transaction markers and log
/// data do not.
pub fn takes_sequence(kind: WalOpKind) -> bool {
    matches!(
        kind,
        WalOpKind::Put
            | WalOpKind::Delete
            | WalOpKind::SingleDelete
            | WalOpKind::Merge
            | WalOpKind::RangeDelete
            | WalOpKind::PutBlobIndex
            | WalOpKind::PutEntity
            | WalOpKind::TimedPut
    )
}
