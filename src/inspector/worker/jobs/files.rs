//! The jobs reading the database's files and figures: statistics, options, the info LOG,
//! the WAL, disk usage and one key's history.

use super::super::protocol::{Body, Purpose};
use super::super::run::Run;
use crate::inspector::analysis::stats::collect_stats;
use crate::inspector::analysis::{history, recent, usage};
use crate::inspector::error::InspectError;
use crate::inspector::formats::options_file;

/// How much of the LOG's end the first screen is read from.
const LOG_TAIL_BYTES: u64 = 4 * 1024 * 1024;

impl Run<'_> {
    /// Database statistics.
    pub(in super::super) fn stats(&self) -> Result<(), InspectError> {
        if let Some(cluster) = self.source.cluster() {
            self.emit(Body::Cluster(Box::new(cluster.status()?)));
            return Ok(());
        }
        let stats = collect_stats(self.source)?;
        self.emit(Body::Stats(Box::new(stats)));
        Ok(())
    }

    /// The options in effect.
    pub(in super::super) fn options(&self) -> Result<(), InspectError> {
        let report = options_file::report(self.source.path())?;
        self.emit(Body::Options(Box::new(report)));
        Ok(())
    }

    /// The info LOG keeping `keep` entries of each kind: a first screen from its newest
    /// part, then the whole LOG's timeline (a periodic re-read replaces what is on screen
    /// only once, when whole).
    pub(in super::super) fn log(&self, keep: usize) -> Result<(), InspectError> {
        let path = self.source.path();
        if self.context.purpose != Purpose::Periodic
            && let Some(tail) = recent::read_log_tail(path, LOG_TAIL_BYTES, keep)?
        {
            self.emit(Body::LogPartial(Box::new(tail)));
        }
        let report = recent::read_log_keeping(path, keep)?;
        self.emit(Body::Log(Box::new(report)));
        Ok(())
    }

    /// The WAL files and their newest `limit` batches.
    pub(in super::super) fn wal(&self, limit: usize) -> Result<(), InspectError> {
        let report = recent::read_wal(self.source.path(), limit)?;
        self.emit(Body::Wal(Box::new(report)));
        Ok(())
    }

    /// Every file of the database directory by kind.
    pub(in super::super) fn usage(&self) -> Result<(), InspectError> {
        let usage = usage::usage(self.source)?;
        self.emit(Body::Usage(Box::new(usage)));
        Ok(())
    }

    /// A read (a key's, or a seek and a page of keys) in the column family, explained.
    pub(in super::super) fn explain(
        &self,
        read: &crate::inspector::analysis::explain::Read,
    ) -> Result<(), InspectError> {
        let explained = crate::inspector::analysis::explain::explain(self.source, self.cf(), read)?;
        self.emit(Body::Explained(Box::new(explained)));
        Ok(())
    }

    /// One key's history in the column family.
    pub(in super::super) fn history(&self, key: &[u8]) -> Result<(), InspectError> {
        let history = history::key_history(self.source, self.cf(), key)?;
        self.emit(Body::History(Box::new(history)));
        Ok(())
    }
}
