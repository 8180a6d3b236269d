//! Spear-Next's key-value storage layer and the `spear-inspect` terminal inspector.
//!
//! - [`storage`]: the async [`storage::kv::KvStore`] trait with memory, RocksDB and
//!   (optionally) sled backends, configuration from code or environment, migration.
//! - [`common`]: the node and node-resource registries stored through a `KvStore`.
//! - `inspector` (feature `inspector`): the byte-level database view, the storage worker
//!   and the terminal UI behind the `spear-inspect` binary.

pub mod common;
#[cfg(feature = "inspector")]
pub mod inspector;
pub mod storage;
