//! The jobs of the keys screen: pages, values, substring filters, exact counts and the
//! key estimate.

use std::sync::atomic::{AtomicU64, Ordering};

use super::super::pace::{PROGRESS_EVERY, Pace, Step};
use super::super::protocol::{Body, Placement, Progress};
use super::super::run::Run;
use crate::inspector::error::InspectError;
use crate::inspector::source::{Anchor, Entry, Watch};

/// One part's share of a count.
#[derive(Default)]
struct PartCount {
    counted: u64,
    /// Counted but not yet added to the shared progress figure.
    unreported: u64,
}

impl Run<'_> {
    /// A page of keys inside the bounds.
    pub(in super::super) fn page(
        &self,
        anchor: &Anchor,
        limit: usize,
        placement: Placement,
    ) -> Result<(), InspectError> {
        let page = self
            .source
            .page(self.cf(), &self.context.bounds, anchor, limit)?;
        self.emit(Body::Page { placement, page });
        Ok(())
    }

    /// One value, at most `max_len` bytes of it.
    pub(in super::super) fn value(&self, key: Vec<u8>, max_len: usize) -> Result<(), InspectError> {
        let value = self.source.get(self.cf(), &key, max_len)?;
        self.emit(Body::Value { key, value });
        Ok(())
    }

    /// Keys containing `needle`, streamed as found (at most `cap` sent); the walk runs to
    /// the end to count every match.
    pub(in super::super) fn filter(&self, needle: &[u8], cap: usize) -> Result<(), InspectError> {
        let finder = memchr::memmem::Finder::new(needle);
        let (mut scanned, mut matched) = (0u64, 0u64);
        let mut batch = Vec::new();
        // Checked often: matches reach the screen while the walk goes on.
        let mut pace = Pace::<4096>::new(PROGRESS_EVERY);
        let stop_check = self.stop_check();
        let mut stopped = false;
        self.source
            .for_each(self.cf(), &self.context.bounds, None, |key, value| {
                scanned += 1;
                if finder.find(key).is_some() {
                    matched += 1;
                    if (matched as usize) <= cap {
                        batch.push(Entry {
                            key: key.to_vec(),
                            value_len: value.len(),
                        });
                    }
                }
                match pace.after(scanned, &stop_check) {
                    Step::Walk => {}
                    Step::Report => {
                        if !batch.is_empty() {
                            self.emit(Body::Matches(std::mem::take(&mut batch)));
                        }
                        self.progress(Progress::Filter { scanned, matched });
                    }
                    Step::Stop => {
                        stopped = true;
                        return false;
                    }
                }
                true
            })?;
        if stopped {
            return Ok(());
        }
        if !batch.is_empty() {
            self.emit(Body::Matches(batch));
        }
        self.emit(Body::Filtered { scanned, matched });
        Ok(())
    }

    /// An exact count of the keys (those containing `contains`, when given), walked on
    /// every core (see `Source::walk_parallel`).
    pub(in super::super) fn count(&self, contains: Option<&[u8]>) -> Result<(), InspectError> {
        // etcd counts a range itself (count-only: no key is sent).
        if let (Some(cluster), None) = (self.source.cluster(), contains) {
            self.source.check_cf(self.cf())?;
            let counted = cluster.count(&self.context.bounds)?;
            self.emit(Body::Counted {
                scanned: counted,
                counted,
            });
            return Ok(());
        }
        let finder = contains.map(memchr::memmem::Finder::new);
        // Matches reach the shared figure in batches: an atomic per key would cost more
        // than the walk.
        let counted_so_far = AtomicU64::new(0);
        let visit = |counts: &mut PartCount, key: &[u8], _: &[u8]| {
            if finder.as_ref().is_none_or(|f| f.find(key).is_some()) {
                counts.counted += 1;
                counts.unreported += 1;
                if counts.unreported == 1024 {
                    counted_so_far.fetch_add(1024, Ordering::Relaxed);
                    counts.unreported = 0;
                }
            }
        };
        let stop_check = self.stop_check();
        let mut report = |scanned| {
            let counted = match finder {
                None => scanned,
                Some(_) => counted_so_far.load(Ordering::Relaxed),
            };
            self.progress(Progress::Count { scanned, counted });
        };
        let walked = self.source.walk_parallel(
            self.cf(),
            &self.context.bounds,
            PartCount::default,
            visit,
            Watch {
                progress: &mut report,
                cancelled: &stop_check,
            },
        )?;
        if let Some(walked) = walked {
            let counted = walked.parts.iter().map(|p| p.counted).sum();
            self.emit(Body::Counted {
                scanned: walked.read,
                counted,
            });
        }
        Ok(())
    }

    /// Catch up with the primary (done by the dispatch) and re-read the key estimate.
    pub(in super::super) fn refresh(&self) -> Result<(), InspectError> {
        let estimate = self.source.estimate_keys(self.cf())?;
        self.emit(Body::Refreshed {
            estimate,
            exact: self.source.cluster().is_some(),
        });
        Ok(())
    }
}
