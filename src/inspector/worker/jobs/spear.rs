//! The jobs reading Spear-Next's records: the registries, the event streams, a page of
//! one stream and its gaps.

use super::super::protocol::Body;
use super::super::run::Run;
use crate::inspector::error::InspectError;
use crate::inspector::spear::events::{self, StreamKind};
use crate::inspector::spear::records::read_registries;

impl Run<'_> {
    /// Both registries, decoded.
    pub(in super::super) fn registry(&self) -> Result<(), InspectError> {
        if let Some(snapshot) = read_registries(self.source, self.cf(), &self.stop_check())? {
            self.emit(Body::Registry(std::sync::Arc::new(snapshot)));
        }
        Ok(())
    }

    /// Every event stream of every column family: the counters of all of them first (a
    /// screen shows them at once), then the events counted.
    pub(in super::super) fn streams(&self) -> Result<(), InspectError> {
        let mut early = Vec::new();
        let mut all = Vec::new();
        let stop_check = self.stop_check();
        for cf in self.source.column_families() {
            let mut counters_read = |partial: Vec<_>| {
                if !partial.is_empty() {
                    early.extend(partial);
                    self.emit(Body::StreamsCounted(early.clone()));
                }
            };
            match events::list_streams(self.source, cf, &stop_check, &mut counters_read)? {
                Some(streams) => all.extend(streams),
                None => return Ok(()),
            }
        }
        self.emit(Body::Streams(all));
        Ok(())
    }

    /// A page of one stream's events, newest first.
    pub(in super::super) fn events(
        &self,
        kind: StreamKind,
        stream: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(), InspectError> {
        let index = events::stream_index(self.source, self.cf(), kind, stream)?;
        let page: Vec<u64> = index.iter().skip(offset).take(limit).copied().collect();
        let records = events::read_events(self.source, self.cf(), kind, stream, &page)?;
        self.emit(Body::Events {
            total: index.len(),
            offset,
            records,
        });
        Ok(())
    }

    /// One stream's missing numbers and what the live WAL files know of them.
    pub(in super::super) fn gaps(
        &self,
        kind: StreamKind,
        stream: &str,
        counter: Option<u64>,
    ) -> Result<(), InspectError> {
        let (source, cf) = (self.source, self.cf());
        let index = events::stream_index(source, cf, kind, stream)?;
        let stop_check = self.stop_check();
        if let Some(gaps) =
            events::stream_gaps(source, cf, kind, stream, &index, counter, &stop_check)?
        {
            self.emit(Body::Gaps(Box::new(gaps)));
        }
        Ok(())
    }
}
