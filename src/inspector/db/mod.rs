//! The byte-level view of a database: opening it (`source`), reading pages, values and
//! statistics, decoding the registries, applying edits, copying it out and in, and the
//! demo database. Everything here blocks; the worker calls it from blocking threads.

pub mod blobs;
pub mod compare;
pub mod demo;
mod demo_events;
pub mod diff;
pub mod edit;
pub mod events;
pub mod history;
pub mod infolog;
pub mod jsonl;
pub mod keyspace;
pub mod manifest;
pub mod options_defaults;
pub mod options_file;
pub mod owner;
pub mod pacer;
pub mod privacy;
pub mod protobuf;
pub mod recent;
pub mod records;
pub mod source;
pub mod stats;
pub mod tombstones;
pub mod transfer;
pub mod usage;
pub mod wal;
