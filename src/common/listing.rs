//! Shared pieces of the registries: their error type and the listing of decoded records.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::storage::kv::{KvError, KvPair};

/// What a registry operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The storage below failed.
    #[error(transparent)]
    Storage(#[from] KvError),
    /// A stored record is not valid JSON for its type.
    #[error(
        "record {key} does not decode ({source}): fix or delete it with `spear-inspect --write`"
    )]
    Decode {
        /// The key holding the record.
        key: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// `register` was called for a uuid that is already registered.
    #[error("node {0} is already registered: use update instead")]
    AlreadyRegistered(uuid::Uuid),
    /// `update` or `heartbeat` was called for a uuid that is not registered.
    #[error("node {0} is not registered: register it first")]
    NotRegistered(uuid::Uuid),
}

/// A record that is stored but does not decode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undecodable {
    /// The key holding it.
    pub key: String,
    /// Why it does not decode.
    pub error: String,
    /// Its size in bytes.
    pub size: usize,
}

/// The records under a prefix: those that decode, and those that do not.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    /// Decoded records, in key order.
    pub records: Vec<T>,
    /// Records that failed to decode, in key order.
    pub undecodable: Vec<Undecodable>,
}

impl<T: DeserializeOwned> Listing<T> {
    /// Decodes every pair, keeping failures beside successes.
    pub fn decode(pairs: Vec<KvPair>) -> Self {
        let mut listing = Listing {
            records: Vec::with_capacity(pairs.len()),
            undecodable: Vec::new(),
        };
        for pair in pairs {
            match serde_json::from_slice(&pair.value) {
                Ok(record) => listing.records.push(record),
                Err(e) => listing.undecodable.push(Undecodable {
                    size: pair.value.len(),
                    key: pair.key,
                    error: e.to_string(),
                }),
            }
        }
        listing
    }
}

/// Decodes one stored record, naming its key on failure.
pub(crate) fn decode_record<T: DeserializeOwned>(
    key: &str,
    bytes: &[u8],
) -> Result<T, RegistryError> {
    serde_json::from_slice(bytes).map_err(|source| RegistryError::Decode {
        key: key.to_string(),
        source,
    })
}

/// Encodes a record for storage.
pub(crate) fn encode_record<T: Serialize>(record: &T) -> Vec<u8> {
    // These records are plain structs of strings, numbers and maps with string keys:
    // serde_json cannot fail on them.
    serde_json::to_vec(record).expect("registry records always serialize to JSON")
}
