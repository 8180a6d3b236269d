//! The node and resource registries as the inspector reads them: every `node:` and
//! `resource:` record of a column family, decoded with the library's record types, the
//! undecodable ones kept beside the rest.

use crate::common::{
    Listing, NODE_PREFIX, NodeInfo, NodeResourceInfo, RESOURCE_PREFIX, Undecodable,
};
use crate::inspector::error::InspectError;
use crate::storage::kv::KvPair;

use crate::inspector::decode::escape_key;
use crate::inspector::source::{Bounds, Source};

/// Both registries, read in one pass each.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrySnapshot {
    /// `node:*` records.
    pub nodes: Listing<NodeInfo>,
    /// `resource:*` records.
    pub resources: Listing<NodeResourceInfo>,
}

/// Reads every record under `prefix`: memory grows with the registry, not the database.
/// Stops early (returning `Ok(None)`) once `cancelled` says so, checked every 1,024 records.
fn read_prefix<T: serde::de::DeserializeOwned>(
    source: &Source,
    cf: &str,
    prefix: &str,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Listing<T>>, InspectError> {
    let mut stopped = false;
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
            let seen = pairs.len() + not_text.len();
            if seen.is_multiple_of(1024) && cancelled() {
                stopped = true;
                return false;
            }
            true
        },
    )?;
    if stopped {
        return Ok(None);
    }
    let mut listing = Listing::decode(pairs);
    listing.undecodable.extend(not_text);
    Ok(Some(listing))
}

/// Reads both registries from `cf`; `None` when `cancelled` stopped it (a newer read
/// superseded this one). Blocking.
pub fn read_registries(
    source: &Source,
    cf: &str,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<RegistrySnapshot>, InspectError> {
    let Some(nodes) = read_prefix(source, cf, NODE_PREFIX, cancelled)? else {
        return Ok(None);
    };
    let Some(resources) = read_prefix(source, cf, RESOURCE_PREFIX, cancelled)? else {
        return Ok(None);
    };
    Ok(Some(RegistrySnapshot { nodes, resources }))
}
