//! Range checks for numeric arguments: every number the command line takes is bounded
//! here, so none can overflow a `Duration` or a batch further in.

use std::time::Duration;

/// The shortest refresh interval: faster only burns CPU on a remote host.
pub const MIN_REFRESH_SECS: f64 = 0.1;
/// The longest refresh interval: one day.
pub const MAX_REFRESH_SECS: f64 = 86_400.0;
/// The longest `--stale-after`: ten years, far inside what `chrono` can subtract.
pub const MAX_STALE_AFTER_SECS: u64 = 10 * 365 * 86_400;
/// The largest `--batch-size`: a batch is held in memory whole.
pub const MAX_BATCH_SIZE: usize = 1_000_000;

/// `--refresh SECS`: a finite number of seconds within [0.1, 86400].
pub fn refresh_interval(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds (e.g. 2 or 0.5)"))?;
    if !secs.is_finite() || !(MIN_REFRESH_SECS..=MAX_REFRESH_SECS).contains(&secs) {
        return Err(format!(
            "{text} is out of range: use {MIN_REFRESH_SECS} to {MAX_REFRESH_SECS} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `--stale-after SECS`: 1 second to 10 years.
pub fn stale_after() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=MAX_STALE_AFTER_SECS)
}

/// `--batch-size N`: 1 to 1,000,000 pairs.
pub fn batch_size(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of pairs"))?;
    if !(1..=MAX_BATCH_SIZE).contains(&n) {
        return Err(format!("{n} is out of range: use 1 to {MAX_BATCH_SIZE}"));
    }
    Ok(n)
}

/// `--delimiter D`: 1 to 16 bytes.
pub fn delimiter(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 16 {
        return Err(format!(
            "{text:?} cannot end a prefix: use 1 to 16 bytes, e.g. ':' or '/'"
        ));
    }
    Ok(text.to_string())
}

/// The most threads a walk may be given.
pub const MAX_THREADS: u16 = 256;

/// `--threads N`: 1 to 256.
pub fn threads() -> clap::builder::RangedI64ValueParser<u16> {
    clap::value_parser!(u16).range(1..=i64::from(MAX_THREADS))
}

/// `--io-limit MB/s`: a positive number of megabytes (10^6 bytes) per second, up to 100
/// GB/s; in bytes per second.
pub fn io_limit(text: &str) -> Result<u64, String> {
    let mb: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of MB per second (e.g. 50 or 0.5)"))?;
    if !mb.is_finite() || !(0.01..=100_000.0).contains(&mb) {
        return Err(format!("{text} is out of range: use 0.01 to 100000 MB/s"));
    }
    Ok((mb * 1e6) as u64)
}
