//! Decoders the user configures: rules matched per column family and key prefix (the
//! `config`), each with a key layout (`key`: integers, fixed-size and NUL-terminated
//! fields, varints, composites with names and enums) and a value format (`value`: JSON,
//! MessagePack, CBOR, integers), and `check`, which says how many keys each rule decodes.

pub mod check;
pub mod config;
pub mod key;
pub mod value;

pub use config::{ConfigError, Decoders, Rule};
