//! Decoders the user configures: rules matched per column family and key prefix (the
//! `config`), each with a key layout (`key`: integers, fixed-size and NUL-terminated
//! fields, varints, composites with names and enums) and a value format (`value`: JSON,
//! MessagePack, CBOR, protobuf compiled at run time, integers, upstream Spear-Next's
//! records), and `check`, which says how many keys each rule decodes.

pub mod check;
pub mod config;
mod json_field;
pub mod key;
mod key_text;
pub mod protobuf;
pub mod query;
pub mod shown;
pub mod spear;
pub mod value;

pub use config::{ConfigError, Decoders, Rule};
