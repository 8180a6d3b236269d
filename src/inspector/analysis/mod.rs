//! What the diagnosis computes over an open database and its files: statistics, disk
//! usage, the key space by prefix, the LSM by prefix, tombstones, blob garbage, a key's history, the newest
//! LOG and WAL entries, and the difference between two databases. Data only: no text is
//! rendered here. Everything blocks; the worker calls it from blocking threads.

pub mod blobs;
pub mod diff;
pub mod explain;
pub mod history;
pub mod keyspace;
pub mod lsm;
pub mod pacer;
pub mod recent;
mod skip_scan;
pub mod stall;
pub mod stall_trend;
pub mod stats;
pub mod tombstones;
pub mod usage;
pub mod verify;
pub mod writes;
