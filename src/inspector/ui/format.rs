//! Small text formats shared by the screens: ages, gauges, sizes, rates.

use chrono::Duration;
use humansize::{BINARY, format_size};

/// `45s`, `4m 03s`, `2h 10m`, `3d 04h`.
pub fn age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A text gauge: `width` cells of bar, then the percentage.
pub fn gauge(percent: f64, width: usize) -> String {
    let clamped = percent.clamp(0.0, 100.0);
    let filled = ((clamped / 100.0) * width as f64).round() as usize;
    format!(
        "{}{} {:>3.0}%",
        "█".repeat(filled),
        "░".repeat(width - filled),
        clamped
    )
}

/// Bytes, binary units.
pub fn bytes(n: u64) -> String {
    format_size(n, BINARY)
}

/// A size as the registries store it (signed, as upstream does): a negative one, which
/// only a buggy reporter sends, is shown with its sign rather than hidden.
pub fn signed_bytes(n: i64) -> String {
    match u64::try_from(n) {
        Ok(n) => bytes(n),
        Err(_) => format!("-{}", bytes(n.unsigned_abs())),
    }
}

/// A signed rate as the registries store it.
pub fn signed_rate(n: i64) -> String {
    match u64::try_from(n) {
        Ok(n) => rate(n),
        Err(_) => format!("-{}", rate(n.unsigned_abs())),
    }
}

/// Bytes per second, short.
pub fn rate(n: u64) -> String {
    format!(
        "{}/s",
        format_size(n, BINARY.decimal_places(1).space_after_value(false))
    )
}

/// `text` (an escaped key: `\xNN` and `\\` are one unit each) in at most `width`
/// columns: whole when it fits, else cut between units and ended with `…`, so a cut key
/// says it is cut and never ends in half an escape.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let mut unit = String::from(c);
        if c == '\\' {
            match chars.peek() {
                Some('x') => unit.extend(chars.by_ref().take(3)),
                Some('\\') => unit.extend(chars.next()),
                _ => {}
            }
        }
        let len = unit.chars().count();
        if used + len + 1 > width {
            break;
        }
        used += len;
        out.push_str(&unit);
    }
    out.push('…');
    out
}

/// `1,234,567`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_keys_say_they_are_cut_and_keep_escapes_whole() {
        assert_eq!(fit("node:1", 6), "node:1");
        assert_eq!(fit("node:12", 6), "node:…");
        assert_eq!(fit("\\x00\\x00\\x82abc", 9), "\\x00\\x00…");
        assert_eq!(fit("\\x00\\x00\\x82abc", 10), "\\x00\\x00…");
        assert_eq!(fit("a\\\\b\\\\c", 4), "a\\\\…");
        assert_eq!(fit("abc", 0), "…");
    }

    #[test]
    fn formats() {
        assert_eq!(age(Duration::seconds(45)), "45s");
        assert_eq!(age(Duration::seconds(243)), "4m 03s");
        assert_eq!(age(Duration::seconds(7800)), "2h 10m");
        assert_eq!(age(Duration::seconds(-5)), "0s");
        assert_eq!(age(Duration::days(3) + Duration::hours(4)), "3d 04h");
        assert_eq!(gauge(72.4, 5), "████░  72%");
        assert_eq!(gauge(150.0, 4), "████ 100%");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(rate(1536), "1.5KiB/s");
    }
}
