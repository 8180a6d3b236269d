//! The jobs that change the database: compaction, flush and edits. They run to the end
//! and their outcome is always sent.

use std::time::Instant;

use super::super::protocol::{Body, Maintenance, MaintenanceReport};
use super::super::run::Run;
use crate::inspector::error::InspectError;
use crate::inspector::write::edit::{Edit, apply};

impl Run<'_> {
    /// A compaction of the bounds or a flush, with the SST files before and after.
    pub(in super::super) fn maintain(&self, job: Maintenance) -> Result<(), InspectError> {
        let (source, cf) = (self.source, self.cf());
        let before = source.sst_summary(cf)?;
        let started = Instant::now();
        match job {
            Maintenance::Compact => source.compact(cf, &self.context.bounds),
            Maintenance::Flush => source.flush(cf),
        }?;
        let elapsed = started.elapsed();
        let after = source.sst_summary(cf)?;
        self.always(Body::Maintained(MaintenanceReport {
            job,
            elapsed,
            before,
            after,
        }));
        Ok(())
    }

    /// An edit, answered with what undoes it.
    pub(in super::super) fn edit(&self, edit: Edit) -> Result<(), InspectError> {
        let outcome = apply(self.source, self.cf(), edit)?;
        self.always(Body::Edited(outcome));
        Ok(())
    }
}
