//! Storage: the `KvStore` abstraction (`kv`), its backends and migration between them.

mod error;
#[cfg(feature = "etcd")]
pub mod etcd;
pub mod kv;
pub mod memory;
pub mod migrate;
#[cfg(feature = "rocksdb")]
pub mod open_files;
#[cfg(feature = "rocksdb")]
pub mod rocksdb;
#[cfg(feature = "sled")]
pub mod sled;

#[cfg(feature = "inspector")]
pub(crate) use error::hex;
