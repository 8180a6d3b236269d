//! The node and resource registries as the inspector reads them: every `node:` and
//! `resource:` record of a column family, decoded with the library's record types, the
//! undecodable ones kept beside the rest.

use crate::common::{
    Listing, NODE_PREFIX, NodeInfo, NodeResourceInfo, RESOURCE_PREFIX, Undecodable,
};
use crate::storage::kv::{KvError, KvPair};

use super::decode::escape_key;
use super::source::{Bounds, Source};

/// Both registries, read in one pass each.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrySnapshot {
    /// `node:*` records.
    pub nodes: Listing<NodeInfo>,
    /// `resource:*` records.
    pub resources: Listing<NodeResourceInfo>,
}

/// Reads every record under `prefix`: memory grows with the registry, not the database.
fn read_prefix<T: serde::de::DeserializeOwned>(
    source: &Source,
    cf: &str,
    prefix: &str,
) -> Result<Listing<T>, KvError> {
    let mut pairs = Vec::new();
    let mut not_text = Vec::new();
    source.for_each(
        cf,
        &Bounds::prefix(prefix.as_bytes()),
        None,
        |key, value| {
            match std::str::from_utf8(key) {
                Ok(key) => pairs.push(KvPair::new(key, value)),
                Err(_) => not_text.push(Undecodable {
                    key: escape_key(key),
                    error: "the key is not UTF-8".into(),
                    size: value.len(),
                }),
            }
            true
        },
    )?;
    let mut listing = Listing::decode(pairs);
    listing.undecodable.extend(not_text);
    Ok(listing)
}

/// Reads both registries from `cf`. Blocking.
pub fn read_registries(source: &Source, cf: &str) -> Result<RegistrySnapshot, KvError> {
    Ok(RegistrySnapshot {
        nodes: read_prefix(source, cf, NODE_PREFIX)?,
        resources: read_prefix(source, cf, RESOURCE_PREFIX)?,
    })
}
