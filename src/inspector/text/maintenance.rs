//! Compactions and flushes in words: what ran and what it changed on disk, as the status
//! line and the `compact`/`flush` subcommands say it.

use humansize::{BINARY, format_size};

use crate::inspector::source::Bounds;
use crate::inspector::worker::{Maintenance, MaintenanceReport};

/// How a maintenance job on `bounds` is named.
pub fn describe(job: Maintenance, bounds: &Bounds) -> &'static str {
    match job {
        Maintenance::Compact if *bounds == Bounds::default() => {
            "compaction of the whole column family"
        }
        Maintenance::Compact => "compaction of the key range",
        Maintenance::Flush => "memtable flush",
    }
}

/// What changed on disk, e.g. `SST 2.03 KiB → 0 B, 2 → 0 files, 1 → 0 tombstones`.
pub fn outcome(report: &MaintenanceReport) -> String {
    format!(
        "SST {} → {}, {} → {} files, {} → {} tombstones",
        format_size(report.before.bytes, BINARY),
        format_size(report.after.bytes, BINARY),
        report.before.files,
        report.after.files,
        report.before.deletions,
        report.after.deletions
    )
}
