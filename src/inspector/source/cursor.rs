//! A forward cursor over a key range, on either backend: RocksDB's raw iterator, or
//! etcd's range read page by page at one revision. Walks that step two stores side by
//! side (diff) use it, so a database and its etcd copy compare like two databases.

use super::{Bounds, EtcdSource, Source};
use crate::inspector::error::InspectError;
use crate::storage::etcd::next_page_keys;
use crate::storage::rocksdb::{Db, backend_error};

/// A position in a key range, moving forward.
pub enum Cursor<'a> {
    /// RocksDB's raw iterator.
    RocksDb(rocksdb::DBRawIteratorWithThreadMode<'a, Db>),
    /// etcd's range, a page at a time.
    Etcd(EtcdCursor<'a>),
}

/// etcd's side of [`Cursor`].
pub struct EtcdCursor<'a> {
    cluster: &'a EtcdSource,
    upper: Option<Vec<u8>>,
    page: Vec<(Vec<u8>, Vec<u8>)>,
    at: usize,
    more: bool,
    revision: i64,
    /// Keys to ask for next (sized by the bytes of the pages so far).
    page_keys: usize,
    failure: Option<InspectError>,
}

impl Source {
    /// A cursor over `cf` inside `bounds`, at its first key.
    pub fn cursor(&self, cf: &str, bounds: &Bounds) -> Result<Cursor<'_>, InspectError> {
        let Some(cluster) = self.cluster() else {
            return Ok(Cursor::RocksDb(self.walk(cf, bounds)?));
        };
        self.check_cf(cf)?;
        let mut cursor = EtcdCursor {
            cluster,
            upper: bounds.upper.clone(),
            page: Vec::new(),
            at: 0,
            more: true,
            revision: 0,
            page_keys: next_page_keys(0, 0),
            failure: None,
        };
        cursor.fetch(bounds.lower.clone());
        Ok(Cursor::Etcd(cursor))
    }
}

impl EtcdCursor<'_> {
    /// Reads the page from `from` (at the first page's revision).
    fn fetch(&mut self, from: Option<Vec<u8>>) {
        let read = self.cluster.range_page(
            from.as_deref(),
            self.upper.as_deref(),
            self.page_keys,
            self.revision,
        );
        match read {
            Ok(page) => {
                self.revision = page.revision;
                let bytes = page.pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
                self.page_keys = next_page_keys(page.pairs.len(), bytes);
                self.more = page.more;
                self.page = page.pairs;
            }
            Err(e) => {
                self.failure = Some(e);
                self.page.clear();
                self.more = false;
            }
        }
        self.at = 0;
    }
}

impl Cursor<'_> {
    /// The key at the cursor (`None` past the end or after a failure).
    pub fn key(&self) -> Option<&[u8]> {
        match self {
            Cursor::RocksDb(it) => it.key(),
            Cursor::Etcd(c) => c.page.get(c.at).map(|(k, _)| k.as_slice()),
        }
    }

    /// The value at the cursor.
    pub fn value(&self) -> Option<&[u8]> {
        match self {
            Cursor::RocksDb(it) => it.value(),
            Cursor::Etcd(c) => c.page.get(c.at).map(|(_, v)| v.as_slice()),
        }
    }

    /// Moves to the next key.
    pub fn next(&mut self) {
        match self {
            Cursor::RocksDb(it) => it.next(),
            Cursor::Etcd(c) => {
                c.at += 1;
                if c.at >= c.page.len() && c.more {
                    let from = c.page.last().map(|(k, _)| {
                        let mut next = k.clone();
                        next.push(0);
                        next
                    });
                    c.fetch(from);
                }
            }
        }
    }

    /// Why the cursor stopped early, if it did: a walk that ended on an error must
    /// never be taken for the end of the data.
    pub fn status(self) -> Result<(), InspectError> {
        match self {
            Cursor::RocksDb(it) => it.status().map_err(|e| backend_error(e).into()),
            Cursor::Etcd(c) => c.failure.map_or(Ok(()), Err),
        }
    }
}
