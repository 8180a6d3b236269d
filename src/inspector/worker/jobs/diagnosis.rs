//! The long walks of the diagnosis, with progress: the comparison with another database,
//! the key-space breakdown and the tombstone skip scan.

use std::path::Path;

use super::super::protocol::{Body, Progress};
use super::super::run::Run;
use crate::inspector::analysis::diff::browse;
use crate::inspector::analysis::keyspace::{self, Grouping};
use crate::inspector::analysis::tombstones;
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
}
