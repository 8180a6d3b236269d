//! Where an open's time goes. RocksDB reports nothing while it opens, and a read-only
//! open writes no info log, so the phases are watched from outside: a thread looks at
//! the files this process holds open in the database directory every few milliseconds
//! (`/proc/self/fd`) and gives each interval to the phase those files show.
//!
//! The phases, in the order they are judged: table files being opened (more SST or blob
//! files open than at the last look: their footers, indexes and properties are read),
//! the write-ahead log being replayed (a `*.log` file open), the MANIFEST being read,
//! and the rest (options, listing, checks).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the open files are looked at. An interval is given whole to the phase seen
/// at its end, so each figure is good to about this much per phase change.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// What an open is doing, as its open files show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Options, the directory listing, size checks: no table, WAL or MANIFEST file open.
    Other = 0,
    /// Reading the MANIFEST (the version edits that say which files are live).
    Manifest = 1,
    /// Opening table files: footers, index, filter and properties blocks.
    TableFiles = 2,
    /// Replaying the write-ahead log into memtables.
    WalReplay = 3,
}

impl Phase {
    /// The words the opening frame and the progress line use.
    pub fn doing(self) -> &'static str {
        match self {
            Phase::Other => "reading options and the directory",
            Phase::Manifest => "reading the MANIFEST",
            Phase::TableFiles => "opening table files",
            Phase::WalReplay => "replaying the write-ahead log",
        }
    }

    fn from_u8(n: u8) -> Self {
        match n {
            1 => Phase::Manifest,
            2 => Phase::TableFiles,
            3 => Phase::WalReplay,
            _ => Phase::Other,
        }
    }
}

/// The time an open spent in each phase, and the table files it opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenPhases {
    /// A `*.log` file of the database open (and no new table file).
    pub wal_replay: Duration,
    /// The MANIFEST open (and no WAL, no new table file).
    pub manifest: Duration,
    /// More table files open than at the look before.
    pub table_files: Duration,
    /// None of these: options, the directory listing, size checks.
    pub other: Duration,
    /// SST and blob files open when the open returned.
    pub tables_open: usize,
}

impl OpenPhases {
    fn add(&mut self, phase: Phase, spent: Duration) {
        let slot = match phase {
            Phase::Other => &mut self.other,
            Phase::Manifest => &mut self.manifest,
            Phase::TableFiles => &mut self.table_files,
            Phase::WalReplay => &mut self.wal_replay,
        };
        *slot += spent;
    }
}

impl fmt::Display for OpenPhases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WAL replay {:.3} s, MANIFEST {:.3} s, table files {:.3} s ({} open), the rest {:.3} s",
            self.wal_replay.as_secs_f64(),
            self.manifest.as_secs_f64(),
            self.table_files.as_secs_f64(),
            self.tables_open,
            self.other.as_secs_f64()
        )
    }
}

/// A watch on one open, from [`PhaseWatch::start`] to [`PhaseWatch::finish`].
pub struct PhaseWatch {
    stop: Arc<AtomicBool>,
    now: Arc<AtomicU8>,
    thread: Option<JoinHandle<OpenPhases>>,
}

impl PhaseWatch {
    /// Starts watching this process's open files in `db`. Where `/proc/self/fd` cannot be
    /// read the watch reports nothing (every figure zero, the phase `Other`).
    pub fn start(db: &Path) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let now = Arc::new(AtomicU8::new(Phase::Other as u8));
        let dir = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
        let thread = std::thread::Builder::new()
            .name("open-phases".into())
            .spawn({
                let (stop, now) = (Arc::clone(&stop), Arc::clone(&now));
                move || watch(&dir, &stop, &now)
            })
            .ok();
        Self { stop, now, thread }
    }

    /// The phase seen at the last look.
    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.now.load(Ordering::Relaxed))
    }

    /// Stops the watch and gives the time per phase.
    pub fn finish(mut self) -> OpenPhases {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .take()
            .and_then(|thread| thread.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for PhaseWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The phase of the open this process is running now, for the opening frame (which
/// does not own the open): the last look of whichever watch looked last.
static LATEST: AtomicU8 = AtomicU8::new(Phase::Other as u8);

/// What the open running now is doing.
pub fn latest() -> Phase {
    Phase::from_u8(LATEST.load(Ordering::Relaxed))
}

/// What kind of file of the database a descriptor holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    Table,
    Wal,
    Manifest,
    Elsewhere,
}

fn classify(target: &Path, dir: &Path) -> Held {
    if target.parent() != Some(dir) {
        return Held::Elsewhere;
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.ends_with(".sst") || name.ends_with(".blob") || name.ends_with(".ldb") {
        Held::Table
    } else if name.ends_with(".log") {
        Held::Wal
    } else if name.starts_with("MANIFEST-") {
        Held::Manifest
    } else {
        Held::Elsewhere
    }
}

/// The phase a look at the open files shows, given the table files open at the look
/// before.
fn judge(held: &HashMap<u64, Held>, tables_before: usize) -> (Phase, usize) {
    let count = |kind| held.values().filter(|h| **h == kind).count();
    let tables = count(Held::Table);
    let phase = if tables > tables_before {
        Phase::TableFiles
    } else if count(Held::Wal) > 0 {
        Phase::WalReplay
    } else if count(Held::Manifest) > 0 {
        Phase::Manifest
    } else {
        Phase::Other
    };
    (phase, tables)
}

fn watch(dir: &Path, stop: &AtomicBool, now: &AtomicU8) -> OpenPhases {
    let mut phases = OpenPhases::default();
    let mut held: HashMap<u64, Held> = HashMap::new();
    let mut tables = 0;
    let mut last = Instant::now();
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        if !look(dir, &mut held) {
            return OpenPhases::default();
        }
        let (phase, open) = judge(&held, tables);
        tables = open;
        now.store(phase as u8, Ordering::Relaxed);
        LATEST.store(phase as u8, Ordering::Relaxed);
        let at = Instant::now();
        phases.add(phase, at - last);
        last = at;
        if stopping {
            phases.tables_open = tables;
            return phases;
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
}

/// Brings `held` up to date with `/proc/self/fd`: descriptors gone are dropped, and all
/// but table files classified again. False where `/proc` cannot be read.
fn look(dir: &Path, held: &mut HashMap<u64, Held>) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return false;
    };
    let mut seen = Vec::with_capacity(held.len() + 8);
    for entry in entries.filter_map(Result::ok) {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        seen.push(fd);
        // Table files stay open in the table cache; every other descriptor is looked at
        // again, as its number is reused the moment a file closes (the one that read
        // CURRENT becomes the WAL's).
        let stale = held.get(&fd) != Some(&Held::Table);
        if stale {
            let kind = std::fs::read_link(entry.path())
                .map_or(Held::Elsewhere, |target: PathBuf| classify(&target, dir));
            held.insert(fd, kind);
        }
    }
    seen.sort_unstable();
    held.retain(|fd, _| seen.binary_search(fd).is_ok());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_the_database_are_told_apart() {
        let dir = Path::new("/db");
        assert_eq!(classify(Path::new("/db/000012.sst"), dir), Held::Table);
        assert_eq!(classify(Path::new("/db/000013.blob"), dir), Held::Table);
        assert_eq!(classify(Path::new("/db/000014.log"), dir), Held::Wal);
        assert_eq!(
            classify(Path::new("/db/MANIFEST-000005"), dir),
            Held::Manifest
        );
        assert_eq!(classify(Path::new("/db/LOG"), dir), Held::Elsewhere);
        assert_eq!(
            classify(Path::new("/other/000012.sst"), dir),
            Held::Elsewhere
        );
        assert_eq!(
            classify(Path::new("/db/archive/000011.log"), dir),
            Held::Elsewhere
        );
    }

    #[test]
    fn new_table_files_outrank_an_open_wal_which_outranks_the_manifest() {
        let held: HashMap<u64, Held> = [(3, Held::Manifest), (4, Held::Wal), (5, Held::Table)]
            .into_iter()
            .collect();
        assert_eq!(judge(&held, 0), (Phase::TableFiles, 1));
        assert_eq!(judge(&held, 1), (Phase::WalReplay, 1));
        let manifest_only: HashMap<u64, Held> = [(3, Held::Manifest), (5, Held::Table)]
            .into_iter()
            .collect();
        assert_eq!(judge(&manifest_only, 1).0, Phase::Manifest);
        assert_eq!(judge(&HashMap::new(), 0).0, Phase::Other);
    }

    #[test]
    fn a_file_held_open_is_seen_as_its_phase() {
        let dir = tempfile::tempdir().unwrap();
        let watch = PhaseWatch::start(dir.path());
        let wal = std::fs::File::create(dir.path().join("000009.log")).unwrap();
        std::thread::sleep(SAMPLE_EVERY * 20);
        assert_eq!(watch.phase(), Phase::WalReplay);
        drop(wal);
        let phases = watch.finish();
        assert!(phases.wal_replay >= SAMPLE_EVERY * 10, "{phases}");
    }
}
