//! Parsing of one physical RocksDB info-LOG line into its header fields (time, thread, level, source, cf, job) and message text.
//!
//! A RocksDB LOG line (see `env/env.cc` `Logv` and `logging/logging.h`) looks like
//!
//! ```text
//! 2026/11/26-07:19:10.479737 7f1b164ed [WARN] [db/column_family.cc:1009] [default] [JOB 3] Stalling writes ...
//! ^ local time, microseconds   ^ thread  ^ level tag (not for INFO/HEADER)  ^ cf  ^ job
//! ```
//!
//! Lines written through a `LogBuffer` (flush/compaction summaries) carry the time at which they
//! were produced right after the thread: `(Original Log Time 2026/11/26-07:19:10.491236) ...`;
//! that time is taken as the line's [`LogLine::time`] and the write time is kept in
//! [`LogLine::written`]. Lines without a leading timestamp are continuation lines (the stats dump,
//! the table-factory options) and are attached to the previous entry by the reader.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Length of `YYYY/MM/DD-HH:MM:SS.ffffff`.
pub const TIMESTAMP_LEN: usize = 26;

/// The level tag RocksDB writes for non-INFO lines (`[WARN]`, `[ERROR]`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// `[DEBUG]`.
    Debug,
    /// No tag: RocksDB writes INFO lines without one.
    Info,
    /// `[WARN]`.
    Warn,
    /// `[ERROR]`.
    Error,
    /// `[FATAL]`.
    Fatal,
    /// `[HEADER]`.
    Header,
}

/// One parsed LOG line (the first line of an entry; continuation lines are appended to `text`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    /// When RocksDB produced the message: the `(Original Log Time ...)` if present, else the
    /// line's own timestamp. `None` for a line without a timestamp.
    pub time: Option<NaiveDateTime>,
    /// The line's own timestamp when it differs from `time` (deferred `LogBuffer` lines).
    pub written: Option<NaiveDateTime>,
    /// The thread id as printed (hexadecimal), parsed; 0 when absent or unparsable.
    pub thread: u64,
    /// The level tag; [`Level::Info`] when there is none.
    pub level: Level,
    /// `file.cc:line` when the line has a `[file:line]` tag.
    pub source: Option<String>,
    /// The column family tag `[name]` that follows the source tag.
    pub cf: Option<String>,
    /// The `[JOB n]` tag.
    pub job: Option<u64>,
    /// The message with the tags above removed (leading spaces kept for the options dump).
    pub text: String,
}

/// Parses `YYYY/MM/DD-HH:MM:SS.ffffff` (exactly [`TIMESTAMP_LEN`] bytes at the start of `b`).
pub fn parse_timestamp(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < TIMESTAMP_LEN {
        return None;
    }
    let b = &b[..TIMESTAMP_LEN];
    if b[4] != b'/'
        || b[7] != b'/'
        || b[10] != b'-'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v: u32 = 0;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    date.and_hms_micro_opt(num(11..13)?, num(14..16)?, num(17..19)?, num(20..26)?)
}

/// Does this physical line start a new entry (i.e. begin with a timestamp followed by a space)?
pub fn starts_entry(b: &[u8]) -> bool {
    b.len() > TIMESTAMP_LEN && b[TIMESTAMP_LEN] == b' ' && parse_timestamp(b).is_some()
}

const ORIGINAL: &[u8] = b"(Original Log Time ";

/// Parses a line. Returns `None` when it does not start with a timestamp (a continuation line).
pub fn parse_line(b: &[u8]) -> Option<LogLine> {
    if !starts_entry(b) {
        return None;
    }
    let stamp = parse_timestamp(b)?;
    let mut rest = &b[TIMESTAMP_LEN + 1..];
    // Thread id: up to the next space.
    let (thread, after) = match memchr::memchr(b' ', rest) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    let thread = parse_hex(thread);
    rest = after;
    let mut time = stamp;
    let mut written = None;
    let mut level = Level::Info;
    // `LogBuffer` lines are `[LEVEL] (Original Log Time ...) text`; accept either order.
    for _ in 0..2 {
        if written.is_none()
            && let Some(t) = rest.strip_prefix(ORIGINAL)
            && let Some(orig) = parse_timestamp(t)
            && t.get(TIMESTAMP_LEN) == Some(&b')')
        {
            time = orig;
            written = Some(stamp);
            rest = &t[TIMESTAMP_LEN + 1..];
            if rest.first() == Some(&b' ') {
                rest = &rest[1..];
            }
        }
        if level == Level::Info && rest.first() == Some(&b'[') {
            for (tag, l) in [
                (&b"[WARN] "[..], Level::Warn),
                (b"[ERROR] ", Level::Error),
                (b"[DEBUG] ", Level::Debug),
                (b"[FATAL] ", Level::Fatal),
                (b"[HEADER] ", Level::Header),
            ] {
                if rest.starts_with(tag) {
                    level = l;
                    rest = &rest[tag.len()..];
                    break;
                }
            }
        }
    }
    let mut source = None;
    let mut cf = None;
    let mut job = None;
    if let Some((src, after)) = bracket(rest)
        && is_source(src)
    {
        source = Some(String::from_utf8_lossy(src).into_owned());
        rest = after;
        // Column family tag (`[name] ` or `[name]: `), only after a source tag.
        if let Some((name, after)) = bracket(rest)
            && !name.starts_with(b"JOB ")
        {
            cf = Some(String::from_utf8_lossy(name).into_owned());
            rest = after;
            if rest.starts_with(b": ") {
                rest = &rest[2..];
            }
        }
    }
    if let Some((tag, after)) = bracket(rest)
        && let Some(n) = tag.strip_prefix(b"JOB ")
        && let Some(n) = parse_dec(n)
    {
        job = Some(n);
        rest = after;
    }
    Some(LogLine {
        time: Some(time),
        written,
        thread,
        level,
        source,
        cf,
        job,
        text: String::from_utf8_lossy(rest).into_owned(),
    })
}

/// `[inner] rest` → (inner, rest after the following space if any). The inner part must not
/// contain `]` and must be reasonably short.
fn bracket(b: &[u8]) -> Option<(&[u8], &[u8])> {
    if b.first() != Some(&b'[') {
        return None;
    }
    let end = memchr::memchr(b']', &b[1..b.len().min(512)])? + 1;
    let inner = &b[1..end];
    let mut rest = &b[end + 1..];
    if rest.first() == Some(&b' ') {
        rest = &rest[1..];
    } else if !rest.is_empty() && rest[0] != b':' {
        return None;
    }
    Some((inner, rest))
}

/// `path/file.cc:123` (a file name with an extension, a colon and digits).
fn is_source(b: &[u8]) -> bool {
    let Some(colon) = memchr::memrchr(b':', b) else {
        return false;
    };
    let (file, line) = (&b[..colon], &b[colon + 1..]);
    !line.is_empty()
        && line.iter().all(u8::is_ascii_digit)
        && memchr::memchr(b'.', file).is_some()
        && !file.contains(&b' ')
}

pub(crate) fn parse_dec(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

fn parse_hex(b: &[u8]) -> u64 {
    if b.is_empty() || b.len() > 16 {
        return 0;
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return 0,
        };
        v = (v << 4) | u64::from(d);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_line() {
        let l = parse_line(b"2026/11/26-07:18:13.123456 7f1234567 [WARN] [db/column_family.cc:1009] [default] Stalling writes because we have 3 level-0 files rate 16777216").unwrap();
        assert_eq!(l.time.unwrap().to_string(), "2026-11-26 07:18:13.123456");
        assert_eq!(l.thread, 0x7f1234567);
        assert_eq!(l.level, Level::Warn);
        assert_eq!(l.source.as_deref(), Some("db/column_family.cc:1009"));
        assert_eq!(l.cf.as_deref(), Some("default"));
        assert_eq!(l.job, None);
        assert!(l.text.starts_with("Stalling writes because"));
    }

    #[test]
    fn original_time_and_job() {
        let l = parse_line(b"2026/11/26-07:19:10.491305 31743 (Original Log Time 2026/11/26-07:19:10.491236) [db/flush_job.cc:1011] [default] [JOB 2] Level-0 flush table #9: 33409 bytes OK").unwrap();
        assert_eq!(l.time.unwrap().to_string(), "2026-11-26 07:19:10.491236");
        assert_eq!(l.written.unwrap().to_string(), "2026-11-26 07:19:10.491305");
        assert_eq!(l.job, Some(2));
        assert_eq!(l.cf.as_deref(), Some("default"));
        assert_eq!(l.text, "Level-0 flush table #9: 33409 bytes OK");
    }

    #[test]
    fn level_before_original_time() {
        let l = parse_line(b"2026/11/26-07:19:10.491305 31743 [WARN] (Original Log Time 2026/11/26-07:19:10.491236) [db/compaction/compaction_picker.cc:1] [cf1] text").unwrap();
        assert_eq!(
            (l.level, l.cf.as_deref(), l.text.as_str()),
            (Level::Warn, Some("cf1"), "text")
        );
        assert_eq!(l.time.unwrap().to_string(), "2026-11-26 07:19:10.491236");
    }

    #[test]
    fn job_without_cf_and_cf_colon() {
        let l = parse_line(b"2026/11/26-07:19:54.900897 31741 [DEBUG] [db/db_impl/db_impl_files.cc:364] [JOB 1288] Delete x.sst type=2 #2438 -- OK").unwrap();
        assert_eq!((l.level, l.cf, l.job), (Level::Debug, None, Some(1288)));
        let l = parse_line(b"2026/11/26-07:19:54.900897 31741 [db/compaction/compaction_job.cc:1950] [default]: Compaction start summary: Base").unwrap();
        assert_eq!(l.cf.as_deref(), Some("default"));
        assert_eq!(l.text, "Compaction start summary: Base");
    }

    #[test]
    fn not_lines() {
        assert!(parse_line(b"** DB Stats **").is_none());
        assert!(parse_line(b"2026/11/26-07:19").is_none());
        assert!(parse_line(b"2026/13/26-07:19:54.900897 1 x").is_none());
        assert!(parse_line(b"2026/11/26-07:19:54.900897").is_none());
        let l = parse_line(b"2026/11/26-07:19:54.900897 ").unwrap();
        assert_eq!(l.text, "");
        let l = parse_line(b"2026/11/26-07:19:54.900897 1 [\xff\xfe").unwrap();
        assert_eq!(l.text, "[\u{fffd}\u{fffd}");
    }
}
