//! Streaming reader of RocksDB's info LOG files (`LOG`, `LOG.old.<micros>`): what RocksDB itself said, as typed events and a timeline.
//!
//! - [`line`]: one physical line → header fields and text;
//! - [`event`]: an entry's text → [`LogEvent`];
//! - [`reader`]: [`log_files`] and [`LogStream`], the filtered iterator over [`LogEntry`]s;
//! - [`timeline`]: [`Timeline`], aggregation into stall periods and time buckets.
//!
//! Times are the LOG's own: RocksDB prints the *local* wall-clock time of the writing machine
//! without a zone, so they are [`NaiveDateTime`]s and [`parse_since`] takes a local "now".

pub mod event;
pub mod line;
pub mod reader;
pub mod timeline;

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

pub use event::{
    BgErrorSource, EventKind, JsonEvent, Kind, KindSet, LogEvent, Stall, StallCause, StallCondition,
};
pub use line::{Level, LogLine};
pub use reader::{LogEntry, LogFilter, LogStream, log_files, log_files_named};
pub use timeline::{
    Bucket, ErrorRecord, OpenRecord, StallPeriod, Stats, Timeline, TimelineOptions, TimelineSummary,
};

/// Errors of this module; each names the file or input concerned.
#[derive(Debug, thiserror::Error)]
pub enum InfoLogError {
    /// The DB directory could not be listed.
    #[error("cannot list the LOG files in {path}: {source}")]
    List {
        /// The DB directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A LOG file could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The LOG file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Reading a LOG file failed.
    #[error("cannot read {path} at line {line}: {source}")]
    Read {
        /// The LOG file.
        path: PathBuf,
        /// The 1-based number of the line being read (0: while seeking for `since`).
        line: u64,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A `--since` argument that [`parse_since`] does not understand.
    #[error(
        "cannot understand the time {input:?}: {reason} (expected e.g. 2026-11-26T07:00, 2026/11/26-07:00:00, 15m, 2h, 3d)"
    )]
    Since {
        /// The argument as given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Parses a `--since` argument into a LOG-local time:
/// - absolute: `2026-11-26`, `2026-11-26T07:00`, `2026-11-26 07:00:00`, `2026-11-26T07:00:00.5`,
///   `2026/11/26-07:00:00` (RocksDB's format, optionally with `.ffffff`), `2026/11/26-07:00`;
/// - relative to `now` (the local time): `<n>s`, `<n>m`, `<n>h`, `<n>d`, `<n>w` (e.g. `15m`).
pub fn parse_since(s: &str, now: NaiveDateTime) -> Result<NaiveDateTime, InfoLogError> {
    let err = |reason| InfoLogError::Since {
        input: s.to_string(),
        reason,
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(err("it is empty"));
    }
    if let Some(unit) = t.chars().last()
        && unit.is_ascii_alphabetic()
        && t[..t.len() - 1].bytes().all(|b| b.is_ascii_digit())
    {
        let n: i64 = t[..t.len() - 1]
            .parse()
            .map_err(|_| err("the number is missing or too large"))?;
        let secs = match unit {
            's' => Some(n),
            'm' => n.checked_mul(60),
            'h' => n.checked_mul(3600),
            'd' => n.checked_mul(86_400),
            'w' => n.checked_mul(7 * 86_400),
            _ => return Err(err("the unit must be one of s, m, h, d, w")),
        }
        .ok_or_else(|| err("the duration is too large"))?;
        let d = TimeDelta::try_seconds(secs).ok_or_else(|| err("the duration is too large"))?;
        return now
            .checked_sub_signed(d)
            .ok_or_else(|| err("the duration reaches before year -262144"));
    }
    // Normalise RocksDB's `YYYY/MM/DD-HH:MM:SS` to ISO.
    let iso: String =
        if t.len() >= 11 && t.as_bytes()[4] == b'/' && t.as_bytes().get(10) == Some(&b'-') {
            let mut v = t.replacen('/', "-", 2);
            v.replace_range(10..11, "T");
            v
        } else {
            t.replace('/', "-").replacen(' ', "T", 1)
        };
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(v) = NaiveDateTime::parse_from_str(&iso, fmt) {
            return Ok(v);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&iso, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN));
    }
    Err(err("it is neither a date-time nor a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since() {
        let now =
            NaiveDateTime::parse_from_str("2026-11-26T08:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        let p = |s| parse_since(s, now).map(|t| t.to_string());
        assert_eq!(p("2026-11-26T07:00").unwrap(), "2026-11-26 07:00:00");
        assert_eq!(p("2026/11/26-07:00:00").unwrap(), "2026-11-26 07:00:00");
        assert_eq!(
            p("2026/11/26-07:00:00.250000").unwrap(),
            "2026-11-26 07:00:00.250"
        );
        assert_eq!(p("2026/11/26-07:00").unwrap(), "2026-11-26 07:00:00");
        assert_eq!(p("2026-11-26 07:00:01").unwrap(), "2026-11-26 07:00:01");
        assert_eq!(p("2026-11-26").unwrap(), "2026-11-26 00:00:00");
        assert_eq!(p("15m").unwrap(), "2026-11-26 07:45:00");
        assert_eq!(p("2h").unwrap(), "2026-11-26 06:00:00");
        assert_eq!(p("3d").unwrap(), "2026-11-23 08:00:00");
        for bad in [
            "",
            "x",
            "15q",
            "m",
            "99999999999999999999d",
            "9999999999999w",
            "2026-13-01",
            "2026/11/26-",
        ] {
            let e = p(bad).unwrap_err();
            assert!(
                e.to_string().contains("cannot understand the time"),
                "{bad}: {e}"
            );
        }
    }
}
