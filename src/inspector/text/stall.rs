//! The write-stall verdict as text: the verdict first, each column family's conditions,
//! the trend, then what the LOG recorded. Shared by `stall` and the Stats screen's page.

use humansize::{BINARY, format_size};

use crate::inspector::analysis::stall::{Condition, StallReport, WriteState};

/// Level-0 files from which the stall text names the prefixes filling level 0
/// (RocksDB's default `level0_file_num_compaction_trigger`).
const L0_PREFIXES_FROM: u64 = 4;
use crate::inspector::formats::infolog::{StallCause, StallCondition};

/// The verdict first, then each column family's conditions, then the LOG's record.
pub fn report_text(report: &StallReport) -> String {
    let when = if report.held {
        "now (another process holds the database)"
    } else {
        "at the next open (no process holds the database)"
    };
    let mut text = format!("writes: {}, {when}\n", report.verdict);
    if !report.limits_from.starts_with("its OPTIONS file") {
        text.push_str(&format!("limits: {}\n", report.limits_from));
    }
    for cf in &report.column_families {
        text.push_str(&format!("[{}] {}\n", cf.cf, cf.state.word()));
        for condition in &cf.conditions {
            text.push_str(&format!("  {}\n", condition_text(condition)));
        }
        // Which writes fill level 0, once it holds more than a flush or two.
        if cf.readings.l0_files >= L0_PREFIXES_FROM || cf.state != WriteState::Ok {
            let parts: Vec<String> = cf
                .l0_by_prefix
                .iter()
                .map(|(prefix, files)| format!("{prefix} {files}"))
                .collect();
            if !parts.is_empty() {
                text.push_str(&format!(
                    "  level-0 files by the prefix of their keys: {}\n",
                    parts.join(", ")
                ));
            }
        }
        if let Some(trend) = &cf.l0_trend {
            text.push_str(&format!(
                "  level-0 files {:+.1}/min over the LOG's last {:.1} min ({} flushes and compactions)",
                trend.per_minute, trend.over_minutes, trend.points
            ));
            match cf.stops_in_minutes {
                Some(minutes) => text.push_str(&format!(
                    ": the stop condition in ~{} min at this rate\n",
                    minutes.ceil().max(1.0)
                )),
                None => text.push('\n'),
            }
        }
        if let Some(period) = &cf.stalled_at_log_end {
            let newest = report.log.last_stall.get(&cf.cf);
            text.push_str(&format!(
                "  the LOG ends stalled: {} since {} ({}: {}){}\n",
                if period.stopped {
                    "stopped at times"
                } else {
                    "slowed"
                },
                period.start,
                plural(period.count, "message"),
                causes_text(&period.causes),
                newest.map_or(String::new(), |last| format!(
                    "; its newest line, at {}: writes {} by {}",
                    last.time,
                    match last.condition {
                        StallCondition::Stopping => "stopped",
                        StallCondition::Stalling => "slowed",
                    },
                    crate::inspector::text::log::stall_cause_text(last.cause)
                ))
            ));
        }
    }
    let log = &report.log;
    if log.files == 0 {
        text.push_str("LOG: none in the directory\n");
        return text;
    }
    text.push_str(&format!(
        "LOG ({}): {}",
        plural(log.files as u64, "file"),
        plural(log.periods.len() as u64, "stall period")
    ));
    match log.periods.last() {
        Some(last) => text.push_str(&format!(
            "; the last [{}] {} to {}{}\n",
            last.cf,
            last.start,
            last.end,
            if last.stopped { ", writes stopped" } else { "" }
        )),
        None => text.push('\n'),
    }
    for (lines, what, by) in [
        (log.stalling_lines, "Stalling writes", &log.slowed_by),
        (log.stopping_lines, "Stopping writes", &log.stopped_by),
    ] {
        if lines > 0 {
            text.push_str(&format!("  {lines} `{what}` lines: {}\n", causes_text(by)));
        }
    }
    if !report.held {
        text.push_str(if log.shut_down_cleanly {
            "the last run ended with `Shutdown complete`\n"
        } else {
            "the last run has no `Shutdown complete` line: it was killed or crashed (or is still running)\n"
        });
    }
    text
}

/// `level-0 files 24 (slowed at 20, stopped at 36): slowing`.
fn condition_text(condition: &Condition) -> String {
    let bytes = condition.name == "pending_compaction_bytes";
    let figure = |n: u64| {
        if bytes {
            format_size(n, BINARY)
        } else {
            n.to_string()
        }
    };
    let name = match condition.name {
        "l0_files" => "level-0 files",
        "pending_compaction_bytes" => "pending compaction",
        _ => "unflushed memtables",
    };
    if let Some(why) = condition.off_because {
        return match condition.stop_at {
            // Not judged from here, though the limit stands.
            Some(stop) => format!(
                "{name}: not judged here ({why}); writes stop at {}",
                figure(stop)
            ),
            None => format!("{name} {}: no limit ({why})", figure(condition.value)),
        };
    }
    let limits: Vec<String> = [
        ("slowed at", condition.slowdown_at),
        ("stopped at", condition.stop_at),
    ]
    .into_iter()
    .filter_map(|(what, at)| at.map(|at| format!("{what} {}", figure(at))))
    .collect();
    format!(
        "{name} {} ({}): {}",
        figure(condition.value),
        if limits.is_empty() {
            "no limit".to_string()
        } else {
            limits.join(", ")
        },
        condition.state.word()
    )
}

/// `3 messages`, `1 file`.
fn plural(n: u64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `too many L0 files 415, too many memtables waiting for flush 261`, most first.
fn causes_text(by: &std::collections::BTreeMap<StallCause, u64>) -> String {
    let mut causes: Vec<_> = by.iter().collect();
    causes.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
    causes
        .iter()
        .map(|(cause, n)| {
            format!(
                "{} {n}",
                crate::inspector::text::log::stall_cause_text(**cause)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The conditions' trend over this session's re-reads, or how long until there is one.
pub fn session_text(series: &crate::inspector::analysis::stall_trend::SessionSeries) -> String {
    let (readings, minutes) = series.span();
    let trends = series.trends();
    if trends.is_empty() {
        return if minutes < crate::inspector::analysis::stall::MIN_TREND_MINUTES {
            format!(
                "this session: {} over {:.0} s; a rate needs a minute of re-reads (one per sample while this page is on show)\n",
                plural(readings as u64, "reading"),
                minutes * 60.0
            )
        } else {
            format!(
                "this session: level-0 files and pending compaction bytes unchanged over {minutes:.1} min ({} readings)\n",
                readings
            )
        };
    }
    let mut text = format!("this session, over {minutes:.1} min ({readings} readings):\n");
    for t in trends {
        let (what, figure): (&str, fn(u64) -> String) = match t.condition {
            "l0_files" => ("level-0 files", |n| n.to_string()),
            _ => ("pending compaction bytes", |n| format_size(n, BINARY)),
        };
        let rate = if t.condition == "l0_files" {
            format!("{:+.1}/min", t.per_minute)
        } else {
            let sign = if t.per_minute < 0.0 { "-" } else { "+" };
            format!(
                "{sign}{}/min",
                format_size(t.per_minute.abs() as u64, BINARY)
            )
        };
        text.push_str(&format!(
            "  cf {}: {what} {} → {} ({rate})",
            t.cf,
            figure(t.from),
            figure(t.now)
        ));
        match t.reaches {
            Some((threshold, at, minutes)) => text.push_str(&format!(
                ": {threshold} at {} in ~{}\n",
                figure(at),
                if minutes < 1.0 {
                    "1 min".to_string()
                } else if minutes < 120.0 {
                    format!("{minutes:.0} min")
                } else {
                    format!("{:.1} h", minutes / 60.0)
                }
            )),
            None => text.push('\n'),
        }
    }
    text
}
