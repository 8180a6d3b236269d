//! The `log` subcommand's output: what RocksDB itself wrote in its info LOG files, as
//! events in time order (streamed, filtered by time, column family and kind) or as a
//! timeline (stall periods, flush and compaction volume, write amplification, errors).

use std::collections::VecDeque;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use humansize::{BINARY, format_size};

use super::Outcome;
use super::args::LogArgs;
use super::db::blocking;
use super::error::CliError;
use super::output::ignore_broken_pipe;
use crate::inspector::analysis::recent::{info_log_files, locations, notable_kinds};
use crate::inspector::formats::infolog::{
    Kind, KindSet, LogEntry, LogFilter, LogStream, Timeline, TimelineOptions, TimelineSummary,
    parse_since,
};
use crate::inspector::text::log::stall_cause_text;

/// What `log` was asked.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only entries at or after this (as typed).
    pub since: Option<String>,
    /// Only these column families.
    pub cfs: Vec<String>,
    /// Only these kinds (names as `Kind::name`).
    pub kinds: Vec<String>,
    /// Every line, not only the notable ones.
    pub all: bool,
    /// Only the newest N.
    pub limit: Option<usize>,
    /// The timeline instead of entries.
    pub timeline: bool,
    /// JSON.
    pub json: bool,
}

impl From<LogArgs> for LogQuery {
    fn from(args: LogArgs) -> Self {
        LogQuery {
            since: args.since,
            cfs: args.cf,
            kinds: args.kind,
            all: args.all,
            limit: args.limit.map(|n| n as usize),
            timeline: args.timeline,
            json: args.json,
        }
    }
}

/// The filter a query asks for.
pub fn filter(query: &LogQuery) -> Result<LogFilter, CliError> {
    let since = match &query.since {
        Some(text) => Some(parse_since(text, chrono::Local::now().naive_local())?),
        None => None,
    };
    let kinds = if query.kinds.is_empty() {
        (!query.all).then(notable_kinds)
    } else {
        let mut set = KindSet::default();
        for name in &query.kinds {
            let Some(kind) = Kind::from_name(name) else {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                return Err(CliError::UnknownLogKind {
                    name: name.clone(),
                    known: known.join(", "),
                });
            };
            set.insert(kind);
        }
        Some(set)
    };
    Ok(LogFilter {
        since,
        cfs: (!query.cfs.is_empty()).then(|| query.cfs.clone()),
        kinds,
    })
}

/// The column families the newest OPTIONS file lists (empty when there is none).
fn column_families_of(db: &Path) -> Vec<String> {
    use crate::inspector::formats::options_file::{options_files, read_settings};
    let Some(settings) = options_files(db).last().and_then(|f| read_settings(f).ok()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = settings
        .keys()
        .filter_map(|(section, _)| section.strip_prefix("CFOptions "))
        .map(|name| name.trim_matches('"').to_string())
        .collect();
    names.dedup();
    names
}

/// `log`.
pub(super) async fn log(args: LogArgs) -> Result<Outcome, CliError> {
    let db = args.db.clone();
    let query = LogQuery::from(args);
    super::db::rocksdb_dir(&db, "the info LOG")?;
    let files = info_log_files(&db)?;
    if files.is_empty() {
        let at = locations(&db);
        return Err(CliError::NoInfoLog {
            stem: at.log_stem,
            dir: at.log_dir,
        });
    }
    let known = column_families_of(&db);
    for cf in &query.cfs {
        if !known.is_empty() && !known.contains(cf) {
            return Err(CliError::UnknownLogColumnFamily {
                cf: cf.clone(),
                db: db.clone(),
                known: known.join(", "),
            });
        }
    }
    let filter = filter(&query)?;
    blocking("LOG", move || {
        print_log(LogStream::new(files, filter), &query, &db)
    })
    .await?;
    Ok(Outcome::Success)
}

fn print_log(stream: LogStream, query: &LogQuery, db: &Path) -> Result<(), CliError> {
    let mut out = BufWriter::new(io::stdout().lock());
    if query.timeline {
        let mut timeline = Timeline::new(TimelineOptions::default());
        for entry in stream {
            match entry {
                Ok(e) => timeline.add(&e),
                Err(e) => eprintln!("spear-inspect: {e}"),
            }
        }
        let summary = timeline.finish();
        let written = if query.json {
            serde_json::to_writer(&mut out, &summary)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(out))
        } else {
            out.write_all(timeline_text(&summary, db).as_bytes())
        };
        return ignore_broken_pipe(written.and_then(|_| out.flush()));
    }
    let mut newest: VecDeque<LogEntry> = VecDeque::new();
    let mut shown = 0u64;
    for entry in stream {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                eprintln!("spear-inspect: {e}");
                continue;
            }
        };
        match query.limit {
            Some(n) => {
                if newest.len() == n {
                    newest.pop_front();
                }
                if n > 0 {
                    newest.push_back(entry);
                }
            }
            None => {
                shown += 1;
                ignore_broken_pipe(print_entry(&mut out, &entry, query.json))?;
            }
        }
    }
    for entry in &newest {
        shown += 1;
        ignore_broken_pipe(print_entry(&mut out, entry, query.json))?;
    }
    if shown == 0 && !query.json {
        ignore_broken_pipe(writeln!(
            out,
            "no LOG entries match (--all shows routine lines too; --since, --cf and --kind narrow)"
        ))?;
    }
    ignore_broken_pipe(out.flush())
}

fn print_entry(out: &mut impl Write, entry: &LogEntry, json: bool) -> io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, entry).map_err(io::Error::other)?;
        return writeln!(out);
    }
    writeln!(out, "{}", entry_text(entry))
}

/// One entry as a line: time, column family, kind, text.
pub fn entry_text(entry: &LogEntry) -> String {
    let time = entry
        .time
        .map(|t| t.format("%Y/%m/%d-%H:%M:%S%.6f").to_string())
        .unwrap_or_else(|| "(no time)".into());
    let cf = entry
        .cf
        .as_deref()
        .map(|c| format!("[{c}] "))
        .unwrap_or_default();
    let text = entry.text.trim();
    let text: String = text.chars().take(300).collect();
    format!("{time} {cf}{:<20} {text}", entry.event.kind().name())
}

/// The timeline as text: totals, stall periods, errors, then per-bucket lines.
pub fn timeline_text(s: &TimelineSummary, db: &Path) -> String {
    let fmt = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| t.format("%Y/%m/%d-%H:%M:%S").to_string())
            .unwrap_or_else(|| "?".into())
    };
    let t = &s.totals;
    let mut text = format!(
        "{}: LOG from {} to {} ({} opens)\n",
        db.display(),
        fmt(s.first),
        fmt(s.last),
        s.opens.len()
    );
    text.push_str(&format!(
        "flushes {} ({})  compactions {} (read {}, wrote {}{})  write amplification {}\n",
        t.flush_count,
        format_size(t.flush_bytes, BINARY),
        t.compaction_count,
        format_size(t.compaction_read_bytes, BINARY),
        format_size(t.compaction_write_bytes, BINARY),
        t.compaction_mb_per_sec
            .map(|r| format!(", {r:.1} MB/s"))
            .unwrap_or_default(),
        t.write_amplification
            .map(|w| format!("{w:.2}"))
            .unwrap_or_else(|| "-".into())
    ));
    text.push_str(&format!(
        "write stalls: {} \"Stalling writes\", {} \"Stopping writes\" messages in {} periods; background errors {}\n",
        t.stall_messages,
        t.stop_messages,
        s.stall_periods.len(),
        t.background_errors
    ));
    if !s.stall_periods.is_empty() {
        text.push_str("stall periods (longest first, at most 20):\n");
        let mut periods: Vec<_> = s.stall_periods.iter().collect();
        periods.sort_by_key(|p| std::cmp::Reverse(p.end - p.start));
        for p in periods.iter().take(20) {
            text.push_str(&format!(
                "  {} .. {}  [{}] {} {} ({} messages)\n",
                p.start.format("%Y/%m/%d-%H:%M:%S%.3f"),
                p.end.format("%H:%M:%S%.3f"),
                p.cf,
                if p.stopped { "STOPPED" } else { "slowed" },
                stall_cause_text(p.cause),
                p.count
            ));
        }
    }
    if !s.errors.is_empty() {
        text.push_str(&format!(
            "errors ({} in all, newest shown):\n",
            s.error_count
        ));
        for e in s.errors.iter().rev().take(10) {
            text.push_str(&format!("  {} {}\n", fmt(e.time), e.text.trim()));
        }
    }
    if !s.buckets.is_empty() {
        text.push_str(&format!(
            "{:<19} {:>10} {:>12} {:>12} {:>8}\n",
            format!("per {}", bucket_name(s.bucket_secs)),
            "flushed",
            "compacted in",
            "out",
            "stalls"
        ));
        for b in &s.buckets {
            let st = &b.stats;
            if st.flush_count + st.compaction_count + st.stall_messages + st.stop_messages == 0 {
                continue;
            }
            text.push_str(&format!(
                "{:<19} {:>10} {:>12} {:>12} {:>8}\n",
                b.start.format("%Y/%m/%d-%H:%M:%S"),
                format_size(st.flush_bytes, BINARY),
                format_size(st.compaction_read_bytes, BINARY),
                format_size(st.compaction_write_bytes, BINARY),
                st.stall_messages + st.stop_messages
            ));
        }
    }
    text
}

fn bucket_name(secs: u64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}
