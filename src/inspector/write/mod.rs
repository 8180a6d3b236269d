//! Everything that changes a database or copies it: single edits, export/import and
//! checkpoints, the JSON Lines format they share with `scan --json`, and keeping a
//! copy as private as its source.

pub mod edit;
pub mod jsonl;
pub mod privacy;
pub mod transfer;
