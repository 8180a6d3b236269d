//! The long walks of the diagnosis, with progress: the comparison with another database,
//! the key-space breakdown and the tombstone skip scan.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::super::protocol::{Body, Progress};
use super::super::run::Run;
use crate::inspector::analysis::diff::browse;
use crate::inspector::analysis::keyspace::{self, Grouping};
use crate::inspector::analysis::lsm;
use crate::inspector::analysis::tombstones;
use crate::inspector::analysis::verify;
use crate::inspector::error::InspectError;

/// The prefixes an exact breakdown keeps.
const EXACT_TOP: usize = 20;

impl Run<'_> {
    /// The open database compared with `other`.
    pub(in super::super) fn diff(&self, other: &Path) -> Result<(), InspectError> {
        let mut differences_found = |found| self.progress(Progress::Diff { found });
        if let Some(report) = browse::compare(
            self.source,
            other,
            &self.stop_check(),
            &mut differences_found,
        )? {
            self.emit(Body::Diff(Box::new(report)));
        }
        Ok(())
    }

    /// The key space by prefix, estimated or (`exact`) counted.
    pub(in super::super) fn keyspace(
        &self,
        grouping: &Grouping,
        exact: bool,
    ) -> Result<(), InspectError> {
        let (source, cf) = (self.source, self.cf());
        let stop_check = self.stop_check();
        let mut keys_read = self.keys_read(|read| Progress::Keyspace { read });
        let breakdown = if exact {
            keyspace::exact(source, cf, grouping, EXACT_TOP, &stop_check, &mut keys_read)?
        } else {
            keyspace::estimate(source, cf, grouping, &stop_check, &mut keys_read)?
        };
        if let Some(breakdown) = breakdown {
            self.emit(Body::Keyspace(Box::new(breakdown)));
        }
        Ok(())
    }

    /// The column family's tombstones; with `scan`, the walk measuring what reads skip.
    pub(in super::super) fn tombstones(
        &self,
        grouping: &Grouping,
        scan: bool,
    ) -> Result<(), InspectError> {
        let (source, cf) = (self.source, self.cf());
        let mut report = tombstones::tombstones(source, cf)?;
        if scan {
            let stop_check = self.stop_check();
            let mut keys_read = self.keys_read(|read| Progress::Tombstones { read });
            match tombstones::skip_scan(source, cf, grouping, &stop_check, &mut keys_read)? {
                Some(found) => report.scan = Some(found),
                None => return Ok(()),
            }
        }
        self.emit(Body::Tombstones(Box::new(report)));
        Ok(())
    }

    /// Every file's checksums, with the bytes read reported every tenth of a second;
    /// stopped between files when the ticket is cancelled (nothing is sent then).
    pub(in super::super) fn verify(&self) -> Result<(), InspectError> {
        let (done, total, finished) =
            (AtomicU64::new(0), AtomicU64::new(0), AtomicBool::new(false));
        let stop = || self.cancelled() || finished.load(Ordering::Relaxed);
        let report = std::thread::scope(|scope| {
            let checking = scope.spawn(|| {
                let outcome =
                    verify::verify_until(self.source.path(), &done, &total, &|| self.cancelled());
                finished.store(true, Ordering::Relaxed);
                outcome
            });
            while !stop() {
                std::thread::sleep(std::time::Duration::from_millis(100));
                let (read, total) = (done.load(Ordering::Relaxed), total.load(Ordering::Relaxed));
                if total > 0 && !finished.load(Ordering::Relaxed) {
                    self.progress(Progress::Verify { read, total });
                }
            }
            checking
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?;
        if let Some(report) = report {
            self.emit(Body::Verified(Box::new(report)));
        }
        Ok(())
    }

    /// The LSM by prefix, its progress sent at most every tenth of a second; nothing is
    /// sent when the ticket is cancelled.
    pub(in super::super) fn lsm(&self, grouping: &Grouping) -> Result<(), InspectError> {
        let mut last = std::time::Instant::now();
        let mut progress = |read, total| {
            if last.elapsed() >= std::time::Duration::from_millis(100) {
                last = std::time::Instant::now();
                self.progress(Progress::Lsm { read, total });
            }
        };
        let stop_check = self.stop_check();
        let report = lsm::lsm(self.source, self.cf(), grouping, &stop_check, &mut progress)?;
        if let Some(mut report) = report {
            lsm::with_commands(&mut report, &self.source.path().display().to_string());
            self.emit(Body::Lsm(Box::new(report)));
        }
        Ok(())
    }

    /// The write-stall verdict of the open database.
    pub(in super::super) fn stall(&self) -> Result<(), InspectError> {
        let report = crate::inspector::analysis::stall::report(self.source)?;
        self.emit(Body::Stall(Box::new(report)));
        Ok(())
    }

    /// Who is writing: every batch of the WAL files, tallied per prefix up to `:`.
    pub(in super::super) fn writes(&self) -> Result<(), InspectError> {
        use crate::inspector::analysis::writes::{self, PrefixRule};
        let rule = PrefixRule::Delimiter(b":".to_vec());
        let report = writes::writes(self.source.path(), &rule, WRITES_TOP)?;
        self.emit(Body::Writes(Box::new(report)));
        Ok(())
    }
}

/// Prefixes and hottest keys the writes page lists.
const WRITES_TOP: usize = 20;
