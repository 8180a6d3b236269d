//! RocksDB's block-based table files (`*.sst`) read without RocksDB: every block's
//! checksum verified, and the index read to name the keys a damaged block held. Used by
//! `verify`; nothing here writes.

pub mod block;
pub mod checksum;
pub mod decompress;
pub mod entries;
pub mod table;

pub use table::{BlockDamage, Lost, TableCheck, check_table, locate_block};
