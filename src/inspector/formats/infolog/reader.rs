//! Streaming over a DB's LOG files in time order, line by line in constant memory, yielding filtered [`LogEntry`]s.
//!
//! Files are read through a `BufReader` and split with `memchr`; a physical line longer than
//! [`MAX_LINE`] and an entry longer than [`MAX_ENTRY`] (with its continuation lines) are cut and
//! flagged [`LogEntry::truncated`], so memory does not grow with the file. Only EVENT_LOG_v1
//! lines that pass the filters are JSON-parsed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;

use super::InfoLogError;
use super::event::{Kind, KindSet, LogEvent, classify, quick_kind};
use super::line::{Level, LogLine, parse_line, parse_timestamp, starts_entry};

/// The longest physical line kept (longer ones are cut).
pub const MAX_LINE: usize = 1 << 20;
/// The longest entry text kept, continuation lines included.
pub const MAX_ENTRY: usize = 4 << 20;
/// Job → cf memory: cleared when it grows past this (and at every DB open, when RocksDB
/// restarts its job numbers).
const MAX_JOBS: usize = 65_536;
const READ_BUF: usize = 256 << 10;
/// Files larger than this are entered by binary search when a `since` filter is set.
const SEEK_MIN: u64 = 4 << 20;
/// The window read at each binary-search probe.
const PROBE: usize = 64 << 10;
/// How far before `since` the binary search lands, so that entries logged out of order
/// (by racing threads) and the job → cf names of jobs started a little before are still seen.
const SINCE_MARGIN: TimeDelta = TimeDelta::seconds(60);

/// The LOG files of a DB directory in time order: `LOG.old.<micros>` sorted by the number
/// (RocksDB names them by the rotation time in microseconds), then `LOG`.
/// Only the DB directory is searched (a LOG kept elsewhere with `db_log_dir` is not).
pub fn log_files(db_dir: &Path) -> io::Result<Vec<PathBuf>> {
    log_files_named(db_dir, "LOG")
}

/// The info LOG files called `stem` (`LOG`, or `<flattened db path>_LOG` in a
/// `db_log_dir`) and `stem.old.<micros>` in `dir`, oldest first.
pub fn log_files_named(dir: &Path, stem: &str) -> io::Result<Vec<PathBuf>> {
    let mut old: Vec<(u64, PathBuf)> = Vec::new();
    let mut current = None;
    let old_prefix = format!("{stem}.old.");
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name == stem {
            current = Some(entry.path());
        } else if let Some(n) = name.strip_prefix(&old_prefix)
            && let Ok(n) = n.parse::<u64>()
        {
            old.push((n, entry.path()));
        }
    }
    old.sort();
    let mut files: Vec<PathBuf> = old.into_iter().map(|(_, p)| p).collect();
    files.extend(current);
    Ok(files)
}

/// Which entries a [`LogStream`] yields. The default yields everything.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only entries whose [`LogEntry::time`] is at or after this (entries without a time are
    /// then dropped).
    pub since: Option<NaiveDateTime>,
    /// Only entries of these column families (entries without a cf are then dropped).
    pub cfs: Option<Vec<String>>,
    /// Only entries of these kinds.
    pub kinds: Option<KindSet>,
}

/// One LOG entry: a timestamped line with its continuation lines, or a line without a
/// timestamp that has no timestamped entry to attach to (`time` is then `None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// Index into [`LogStream::files`].
    pub file: usize,
    /// 1-based number of the entry's first line in its file.
    pub line_no: u64,
    /// When RocksDB produced the message (see [`LogLine::time`]).
    pub time: Option<NaiveDateTime>,
    /// When the line was written, if later than `time` (deferred lines).
    pub written: Option<NaiveDateTime>,
    /// The writing thread's id (see [`LogLine::thread`]).
    pub thread: u64,
    /// The level tag of the entry's first line.
    pub level: Level,
    /// `file.cc:line` of the entry's `[file:line]` tag, if any.
    pub source: Option<String>,
    /// The entry's cf: its `[cf]` tag, else the JSON `cf_name`, else the cf that the same
    /// `[JOB n]` named earlier, else (option values) the cf of the options section.
    pub cf: Option<String>,
    /// The `[JOB n]` tag, else the JSON event's `job`.
    pub job: Option<u64>,
    /// What the entry says, classified.
    pub event: LogEvent,
    /// The message (tags removed), continuation lines joined with `\n`.
    pub text: String,
    /// The line or entry was cut at [`MAX_LINE`]/[`MAX_ENTRY`].
    pub truncated: bool,
}

struct Pending {
    file: usize,
    line_no: u64,
    line: LogLine,
    /// A line without timestamp standing alone: nothing attaches to it.
    orphan: bool,
    truncated: bool,
}

/// An iterator over the entries of LOG files, in file order, filtered by a [`LogFilter`].
///
/// An I/O error is yielded as `Err` naming the file; the stream then goes on with the next file.
pub struct LogStream {
    files: Vec<PathBuf>,
    filter: LogFilter,
    next_file: usize,
    reader: Option<BufReader<File>>,
    cur_file: usize,
    line_no: u64,
    buf: Vec<u8>,
    pending: Option<Pending>,
    options_cf: Option<String>,
    job_cf: HashMap<u64, String>,
}

impl LogStream {
    /// A stream over `files` (read in the given order).
    pub fn new(files: Vec<PathBuf>, filter: LogFilter) -> Self {
        LogStream {
            files,
            filter,
            next_file: 0,
            reader: None,
            cur_file: 0,
            line_no: 0,
            buf: Vec::with_capacity(4096),
            pending: None,
            options_cf: None,
            job_cf: HashMap::new(),
        }
    }

    /// A stream over [`log_files`] of `db_dir`.
    pub fn open_dir(db_dir: &Path, filter: LogFilter) -> Result<Self, InfoLogError> {
        let files = log_files(db_dir).map_err(|source| InfoLogError::List {
            path: db_dir.to_path_buf(),
            source,
        })?;
        Ok(LogStream::new(files, filter))
    }

    /// The files, in reading order ([`LogEntry::file`] indexes this).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Finishes an entry: classification, stream state, filters.
    fn finish(&mut self, p: Pending) -> Option<LogEntry> {
        let Pending {
            file,
            line_no,
            line,
            truncated,
            ..
        } = p;
        let LogLine {
            time,
            written,
            thread,
            level,
            source,
            mut cf,
            job,
            text,
        } = line;
        let kind = quick_kind(&text, level, cf.is_some());
        // Stream state, whatever the filters.
        match kind {
            Kind::DbOpen => {
                self.options_cf = None;
                self.job_cf.clear();
            }
            Kind::OptionsSection => {
                if let LogEvent::OptionsSection { cf: name } = classify(&text, kind, None) {
                    self.options_cf = Some(name.clone());
                    cf.get_or_insert(name);
                }
            }
            Kind::Options => {
                if let Some(o) = &self.options_cf {
                    cf = Some(o.clone());
                }
            }
            _ => {}
        }
        if let Some(j) = job {
            match &cf {
                Some(c) => {
                    if self.job_cf.len() >= MAX_JOBS {
                        self.job_cf.clear();
                    }
                    if self.job_cf.get(&j) != Some(c) {
                        self.job_cf.insert(j, c.clone());
                    }
                }
                None => cf = self.job_cf.get(&j).cloned(),
            }
        }
        // Filters that need no parsing.
        let f = &self.filter;
        if let Some(since) = f.since
            && time.is_none_or(|t| t < since)
        {
            return None;
        }
        if let Some(k) = f.kinds
            && !k.contains(kind)
        {
            return None;
        }
        let event = classify(&text, kind, self.options_cf.as_deref());
        let (mut job, mut cf) = (job, cf);
        if let LogEvent::Event(e) = &event {
            job = job.or(e.job);
            if cf.is_none() {
                cf = e
                    .cf_name
                    .clone()
                    .or_else(|| job.and_then(|j| self.job_cf.get(&j).cloned()));
            }
            if let (Some(j), Some(c)) = (e.job, &e.cf_name)
                && self.job_cf.len() < MAX_JOBS
            {
                self.job_cf.insert(j, c.clone());
            }
        }
        if let Some(cfs) = &self.filter.cfs
            && !cf.as_ref().is_some_and(|c| cfs.iter().any(|x| x == c))
        {
            return None;
        }
        Some(LogEntry {
            file,
            line_no,
            time,
            written,
            thread,
            level,
            source,
            cf,
            job,
            event,
            text,
            truncated,
        })
    }
}

/// Positions `f` at a line start shortly before the first entry at `since`, and returns the
/// number of lines before that position.
///
/// RocksDB writes entries in the order of their leading timestamps (up to races between
/// threads, covered by [`SINCE_MARGIN`]), so a binary search on the first timestamped line after
/// a probe offset finds the cut. A probe window without a timestamp counts as "not before",
/// which only moves the landing point earlier. Everything skipped is before `since` and would
/// have been filtered out; what is lost is the stream state built from it (the job → cf names of
/// jobs that started more than [`SINCE_MARGIN`] before `since`). A clock set back (DST end:
/// the LOG uses local time) breaks the order the search relies on.
fn seek_to_since(f: &mut File, len: u64, since: NaiveDateTime) -> io::Result<u64> {
    let target = since.checked_sub_signed(SINCE_MARGIN).unwrap_or(since);
    let mut buf = vec![0u8; PROBE];
    let (mut lo, mut hi) = (0u64, len);
    while hi - lo > PROBE as u64 {
        let mid = lo + (hi - lo) / 2;
        match first_stamp_after(f, mid, &mut buf)? {
            Some(t) if t < target => lo = mid,
            _ => hi = mid,
        }
    }
    // Count the lines before `lo`, then move to the start of the next line.
    f.seek(SeekFrom::Start(0))?;
    let mut lines = 0u64;
    let mut pos = 0u64;
    while pos < lo {
        let want = usize::try_from((lo - pos).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        pos += n as u64;
    }
    if pos > 0 {
        // The line containing `lo - 1` is not whole: skip to its end.
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                pos = len;
                break;
            }
            if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
                lines += 1;
                pos += i as u64 + 1;
                break;
            }
            pos += n as u64;
        }
    }
    f.seek(SeekFrom::Start(pos))?;
    Ok(lines)
}

/// The leading timestamp of the first whole line after `offset` that has one, within a window.
fn first_stamp_after(
    f: &mut File,
    offset: u64,
    buf: &mut [u8],
) -> io::Result<Option<NaiveDateTime>> {
    f.seek(SeekFrom::Start(offset))?;
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let w = &buf[..n];
    let Some(first) = memchr::memchr(b'\n', w) else {
        return Ok(None);
    };
    let mut rest = &w[first + 1..];
    while !rest.is_empty() {
        if starts_entry(rest) {
            return Ok(parse_timestamp(rest));
        }
        match memchr::memchr(b'\n', rest) {
            Some(i) => rest = &rest[i + 1..],
            None => break,
        }
    }
    Ok(None)
}

/// Reads one line (without `\n` / `\r\n`) into `out`, keeping at most `max` bytes.
/// `Ok(None)` at end of file, else `Ok(Some(cut))`.
fn read_line(r: &mut impl BufRead, out: &mut Vec<u8>, max: usize) -> io::Result<Option<bool>> {
    out.clear();
    let mut any = false;
    let mut cut = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(any.then_some(cut));
        }
        any = true;
        let (chunk, used, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let room = max.saturating_sub(out.len());
        if chunk.len() > room {
            cut = true;
        }
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        r.consume(used);
        if done {
            if out.last() == Some(&b'\r') {
                out.pop();
            }
            return Ok(Some(cut));
        }
    }
}

impl Iterator for LogStream {
    type Item = Result<LogEntry, InfoLogError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.reader.is_none() {
                if self.next_file >= self.files.len() {
                    let p = self.pending.take()?;
                    match self.finish(p) {
                        Some(e) => return Some(Ok(e)),
                        None => continue,
                    }
                }
                let i = self.next_file;
                self.next_file += 1;
                let path = &self.files[i];
                match File::open(path) {
                    Ok(mut f) => {
                        let mut skipped = 0;
                        if let Some(since) = self.filter.since
                            && let Ok(meta) = f.metadata()
                            && meta.len() > SEEK_MIN
                        {
                            match seek_to_since(&mut f, meta.len(), since) {
                                Ok(n) => skipped = n,
                                Err(source) => {
                                    return Some(Err(InfoLogError::Read {
                                        path: path.clone(),
                                        line: 0,
                                        source,
                                    }));
                                }
                            }
                        }
                        self.reader = Some(BufReader::with_capacity(READ_BUF, f));
                        self.cur_file = i;
                        self.line_no = skipped;
                    }
                    Err(source) => {
                        return Some(Err(InfoLogError::Open {
                            path: path.clone(),
                            source,
                        }));
                    }
                }
            }
            let reader = self.reader.as_mut()?;
            let mut buf = std::mem::take(&mut self.buf);
            let res = read_line(reader, &mut buf, MAX_LINE);
            let out = match res {
                Ok(None) => {
                    self.reader = None;
                    self.pending.take().and_then(|p| self.finish(p)).map(Ok)
                }
                Err(source) => {
                    self.reader = None;
                    Some(Err(InfoLogError::Read {
                        path: self.files[self.cur_file].clone(),
                        line: self.line_no + 1,
                        source,
                    }))
                }
                Ok(Some(cut)) => {
                    self.line_no += 1;
                    self.on_line(&buf, cut).map(Ok)
                }
            };
            self.buf = buf;
            if out.is_some() {
                return out;
            }
        }
    }
}

impl LogStream {
    /// Handles one physical line; returns a finished entry if the line completes one.
    fn on_line(&mut self, b: &[u8], cut: bool) -> Option<LogEntry> {
        if let Some(line) = parse_line(b) {
            let new = Pending {
                file: self.cur_file,
                line_no: self.line_no,
                line,
                orphan: false,
                truncated: cut,
            };
            let prev = self.pending.replace(new)?;
            return self.finish(prev);
        }
        if let Some(p) = self.pending.as_mut()
            && !p.orphan
        {
            let text = &mut p.line.text;
            let room = MAX_ENTRY.saturating_sub(text.len() + 1);
            if room == 0 || b.len() > room {
                p.truncated = true;
            }
            if room > 0 {
                text.push('\n');
                let s = String::from_utf8_lossy(&b[..b.len().min(room)]);
                text.push_str(&s);
                p.truncated |= cut;
            }
            return None;
        }
        let new = Pending {
            file: self.cur_file,
            line_no: self.line_no,
            line: LogLine {
                time: None,
                written: None,
                thread: 0,
                level: Level::Info,
                source: None,
                cf: None,
                job: None,
                text: String::from_utf8_lossy(b).into_owned(),
            },
            orphan: true,
            truncated: cut,
        };
        let prev = self.pending.replace(new)?;
        self.finish(prev)
    }
}
