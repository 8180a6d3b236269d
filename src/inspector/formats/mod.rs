//! RocksDB's own files read without opening the database: the WAL and MANIFEST (one
//! log-format reader), the info `LOG`, and the OPTIONS file with each release's defaults.
//! Pure parsers over bytes and paths, each with its own typed error, tested against `ldb`.

pub mod blob_file;
pub mod infolog;
pub mod manifest;
pub mod options_defaults;
pub mod options_file;
pub mod sst;
pub mod wal;
