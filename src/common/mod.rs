//! Spear-Next's cluster metadata on top of `KvStore`: the node and resource registries.
//!
//! Records are JSON values under `node:<uuid>` and `resource:<uuid>`. Listing never lets
//! one bad record hide the others: records that do not decode come back beside the good
//! ones, each with its key and the decode error.

mod listing;
mod node;
mod resource;

pub use listing::{Listing, RegistryError, Undecodable};
// Used by the inspector's registry edits, so they encode exactly as the registries do.
#[cfg(feature = "inspector")]
pub(crate) use listing::decode_record;
pub use node::{NODE_PREFIX, NodeInfo, NodeRegistry, NodeStatus, node_key};
pub use resource::{
    LoadThresholds, NodeResourceInfo, NodeResourceRegistry, RESOURCE_PREFIX, resource_key,
};
