//! The jobs of the keys screen: pages, values, filters (a key's substring or a decoded
//! field), exact counts and the key estimate.

use std::sync::atomic::{AtomicU64, Ordering};

use super::super::pace::{PROGRESS_EVERY, Pace, Step};
use super::super::protocol::{Body, FilterTest, Placement, Progress};
use super::super::run::Run;
use crate::inspector::decoders::query::Tested;
use crate::inspector::error::InspectError;
use crate::inspector::source::in_order::{Output, run_in_order_ticking};
use crate::inspector::source::{Anchor, Bounds, Entry, OrderedError, Watch, walk_threads};

/// Parts of a filtered range per walk thread: a thread that drew a short part takes
/// another.
const FILTER_PARTS_PER_THREAD: usize = 4;

/// A filter's match as a part hands it on: key length, key, value length.
fn encode_entry(out: &mut Vec<u8>, key: &[u8], value_len: usize) {
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&(value_len as u64).to_le_bytes());
}

/// The first match in `bytes` and what follows it ([`encode_entry`]'s form).
fn decode_entry(bytes: &[u8]) -> Option<(Entry, &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    let (key, rest) = rest.split_at_checked(len)?;
    let (value_len, rest) = rest.split_first_chunk::<8>()?;
    let entry = Entry {
        key: key.to_vec(),
        value_len: u64::from_le_bytes(*value_len) as usize,
    };
    Some((entry, rest))
}

/// A filter's test made ready for a walk: the substring's searcher built once.
enum Tester<'t> {
    Contains(Box<memchr::memmem::Finder<'t>>),
    Field {
        decoders: &'t crate::inspector::decoders::Decoders,
        query: &'t crate::inspector::decoders::query::FieldQuery,
        cf: &'t str,
    },
}

impl<'t> Tester<'t> {
    fn new(test: &'t FilterTest, cf: &'t str) -> Self {
        match test {
            FilterTest::Contains(needle) => {
                Tester::Contains(Box::new(memchr::memmem::Finder::new(needle)))
            }
            FilterTest::Field { decoders, query } => Tester::Field {
                decoders,
                query,
                cf,
            },
        }
    }

    fn test(&self, key: &[u8], value: &[u8]) -> Tested {
        match self {
            Tester::Contains(finder) => match finder.find(key) {
                Some(_) => Tested::Match,
                None => Tested::NoMatch,
            },
            Tester::Field {
                decoders,
                query,
                cf,
            } => query.test(decoders, cf, key, value),
        }
    }
}

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

    /// Keys passing `test`, streamed in key order as found (at most `cap` sent); the
    /// walk runs to the end to count every match. On every core where the range can be
    /// cut (see [`Self::filter_in_parts`]), else one walk.
    pub(in super::super) fn filter(
        &self,
        test: &FilterTest,
        cap: usize,
    ) -> Result<(), InspectError> {
        if walk_threads() > 1 && self.source.cluster().is_none() {
            return self.filter_in_parts(test, cap);
        }
        self.filter_one_walk(test, cap)
    }

    /// [`Self::filter`] on every core: the range cut into parts, each walked on a lowered
    /// thread that counts its matches and hands on at most `cap` of them; the matches
    /// reach the screen part by part, so in key order, while later parts are walked.
    fn filter_in_parts(&self, test: &FilterTest, cap: usize) -> Result<(), InspectError> {
        let threads = walk_threads();
        let parts = self.source.split(
            self.cf(),
            &self.context.bounds,
            threads * FILTER_PARTS_PER_THREAD,
        )?;
        let tester = Tester::new(test, self.cf());
        let (scanned, matched) = (AtomicU64::new(0), AtomicU64::new(0));
        let undecoded = AtomicU64::new(0);
        let walk_part = |part: &Bounds, output: &mut Output<'_>, stop: &dyn Fn() -> bool| {
            let (mut unreported, mut found, mut kept) = (0u64, 0u64, 0usize);
            let mut failed = 0u64;
            let mut encoded = Vec::new();
            self.source.for_each(self.cf(), part, None, |key, value| {
                unreported += 1;
                let tested = tester.test(key, value);
                if tested == Tested::Undecoded {
                    failed += 1;
                }
                if tested == Tested::Match {
                    found += 1;
                    if kept < cap {
                        kept += 1;
                        encoded.clear();
                        encode_entry(&mut encoded, key, value.len());
                        output.write(&encoded);
                    }
                }
                if unreported == 4096 {
                    scanned.fetch_add(unreported, Ordering::Relaxed);
                    matched.fetch_add(std::mem::take(&mut found), Ordering::Relaxed);
                    undecoded.fetch_add(std::mem::take(&mut failed), Ordering::Relaxed);
                    unreported = 0;
                    return !stop();
                }
                true
            })?;
            scanned.fetch_add(unreported, Ordering::Relaxed);
            matched.fetch_add(found, Ordering::Relaxed);
            undecoded.fetch_add(failed, Ordering::Relaxed);
            Ok(())
        };
        // Cancelled: the run stops as if its writer had failed, and nothing more is sent.
        struct Cancelled;
        let mut sent = 0usize;
        // Matches not sent yet; they go with the next report.
        let batch = std::cell::RefCell::new(Vec::new());
        let mut last_report = std::time::Instant::now();
        let report = std::cell::RefCell::new(|force: bool| -> Result<(), Cancelled> {
            if self.cancelled() {
                return Err(Cancelled);
            }
            if force || last_report.elapsed() >= PROGRESS_EVERY {
                let ready = std::mem::take(&mut *batch.borrow_mut());
                if !ready.is_empty() {
                    self.emit(Body::Matches(ready));
                }
                self.progress(Progress::Filter {
                    scanned: scanned.load(Ordering::Relaxed),
                    matched: matched.load(Ordering::Relaxed),
                    undecoded: undecoded.load(Ordering::Relaxed),
                });
                last_report = std::time::Instant::now();
            }
            Ok(())
        });
        let outcome = run_in_order_ticking(
            &parts,
            threads,
            walk_part,
            |chunk| {
                let mut rest = chunk;
                while let Some((entry, after)) = decode_entry(rest) {
                    if sent < cap {
                        batch.borrow_mut().push(entry);
                        sent += 1;
                    }
                    rest = after;
                }
                (report.borrow_mut())(false)
            },
            || (report.borrow_mut())(true),
        );
        match outcome {
            Ok(_) => {}
            Err(OrderedError::Read(e)) => return Err(e),
            Err(OrderedError::Write(Cancelled)) => return Ok(()),
        }
        let batch = batch.into_inner();
        if !batch.is_empty() {
            self.emit(Body::Matches(batch));
        }
        self.emit(Body::Filtered {
            scanned: scanned.into_inner(),
            matched: matched.into_inner(),
            undecoded: undecoded.into_inner(),
        });
        Ok(())
    }

    /// [`Self::filter`] as one walk (one core, or an etcd cluster's pages).
    fn filter_one_walk(&self, test: &FilterTest, cap: usize) -> Result<(), InspectError> {
        let tester = Tester::new(test, self.cf());
        let (mut scanned, mut matched, mut undecoded) = (0u64, 0u64, 0u64);
        let mut batch = Vec::new();
        // Checked often: matches reach the screen while the walk goes on.
        let mut pace = Pace::<4096>::new(PROGRESS_EVERY);
        let stop_check = self.stop_check();
        let mut stopped = false;
        self.source
            .for_each(self.cf(), &self.context.bounds, None, |key, value| {
                scanned += 1;
                let tested = tester.test(key, value);
                if tested == Tested::Undecoded {
                    undecoded += 1;
                }
                if tested == Tested::Match {
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
                        self.progress(Progress::Filter {
                            scanned,
                            matched,
                            undecoded,
                        });
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
        self.emit(Body::Filtered {
            scanned,
            matched,
            undecoded,
        });
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
