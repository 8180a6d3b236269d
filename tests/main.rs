//! The integration tests, one binary made of topic modules.

mod common;

#[cfg(feature = "etcd")]
mod etcd;
#[cfg(feature = "inspector")]
mod inspect_etcd;

mod kv_contract;
mod migrate;
mod registry;
mod seed_examples;

#[cfg(feature = "inspector")]
mod cli;
#[cfg(feature = "inspector")]
mod compaction;
#[cfg(feature = "inspector")]
mod compat78;
#[cfg(feature = "inspector")]
mod decoders;
#[cfg(feature = "inspector")]
mod decoders_foreign;
#[cfg(feature = "inspector")]
mod diagnosis;
#[cfg(feature = "inspector")]
mod edits;
#[cfg(feature = "inspector")]
mod errors;
#[cfg(feature = "inspector")]
mod events;
#[cfg(feature = "inspector")]
mod explain;
#[cfg(feature = "inspector")]
mod host;
#[cfg(feature = "inspector")]
mod infolog;
#[cfg(feature = "inspector")]
mod live;
#[cfg(feature = "inspector")]
mod live_state;
#[cfg(feature = "inspector")]
mod lsm;
#[cfg(feature = "inspector")]
mod manifest;
#[cfg(feature = "inspector")]
mod owner;
#[cfg(feature = "inspector")]
mod parallel;
#[cfg(feature = "inspector")]
mod pty;
#[cfg(feature = "inspector")]
mod screens;
#[cfg(feature = "inspector")]
mod stall;
#[cfg(feature = "inspector")]
mod transfer;
#[cfg(feature = "inspector")]
mod verify;
#[cfg(feature = "inspector")]
mod wal;
#[cfg(feature = "inspector")]
mod worker;
#[cfg(feature = "inspector")]
mod writes;
