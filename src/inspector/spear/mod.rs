//! Upstream Spear-Next's records decoded: the registries' JSON records, the event
//! streams with their envelopes, and the protobuf payloads of its events.

pub mod events;
pub mod protobuf;
pub mod records;
