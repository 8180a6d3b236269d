//! Edits the worker applies in write mode: each one is a single atomic write batch, and
//! each reports the batch that undoes it (the old values, read first).

use uuid::Uuid;

use crate::common::{NodeInfo, NodeStatus, RegistryError, node_key, resource_key};
use crate::inspector::error::InspectError;
use crate::inspector::source::{Bounds, Source, WriteOp};

/// Keys a single range delete may hold for undo; larger ranges go through the
/// `delete-range` subcommand, which has no undo.
pub const MAX_UNDO_KEYS: usize = 100_000;
/// Bytes (keys and values) a single range delete may hold for undo: with megabyte values
/// a key count alone would let the undo grow to gigabytes.
pub const MAX_UNDO_BYTES: usize = 64 * 1024 * 1024;

/// A change to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Store `value` under `key`.
    Put {
        /// Key.
        key: Vec<u8>,
        /// Value.
        value: Vec<u8>,
    },
    /// Store `value` under a key the user named as new: written only if the key is
    /// absent. If it exists nothing is written and the outcome carries what it holds, so
    /// the user is asked before a value is replaced.
    Create {
        /// Key.
        key: Vec<u8>,
        /// Value.
        value: Vec<u8>,
    },
    /// Remove `key`.
    Delete {
        /// Key.
        key: Vec<u8>,
    },
    /// Remove every key inside `bounds`.
    DeleteRange {
        /// Bounds (a prefix).
        bounds: Bounds,
    },
    /// Apply these operations (an undo).
    Restore {
        /// Operations.
        ops: Vec<WriteOp>,
    },
    /// Set a node's status, through the registry's record type.
    SetNodeStatus {
        /// The node.
        uuid: Uuid,
        /// New status.
        status: NodeStatus,
    },
    /// Remove a node together with its resource record.
    RemoveNode {
        /// The node.
        uuid: Uuid,
    },
}

/// What an applied edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditOutcome {
    /// One line for the status bar.
    pub summary: String,
    /// The batch that undoes it.
    pub undo: Vec<WriteOp>,
    /// A `Create` that found its key taken (nothing was written).
    pub exists: Option<Taken>,
}

/// A key named as new that already holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The key.
    pub key: Vec<u8>,
    /// The value that was to be written.
    pub value: Vec<u8>,
    /// The value stored under the key.
    pub stored: Vec<u8>,
}

fn restore_op(key: Vec<u8>, old: Option<Vec<u8>>) -> WriteOp {
    match old {
        Some(value) => WriteOp::Put(key, value),
        None => WriteOp::Delete(key),
    }
}

fn old_value(source: &Source, cf: &str, key: &[u8]) -> Result<Option<Vec<u8>>, InspectError> {
    Ok(source.get(cf, key, usize::MAX)?.map(|(v, _)| v))
}

fn registry_error(e: RegistryError) -> InspectError {
    match e {
        RegistryError::Storage(e) => e.into(),
        other => InspectError::Registry(std::sync::Arc::new(other)),
    }
}

/// The JSON document `record` with its `status` field set to `status`, everything else
/// (field order, unknown fields, numbers of any size) as it was.
fn with_status(record: &[u8], status: NodeStatus) -> Result<Vec<u8>, InspectError> {
    let json = |what| {
        move |e| InspectError::Json {
            what,
            source: std::sync::Arc::new(e),
        }
    };
    let mut document: serde_json::Value =
        serde_json::from_slice(record).map_err(json("the node record is not JSON"))?;
    let object = document
        .as_object_mut()
        .ok_or_else(|| InspectError::Invalid("the node record is not a JSON object".into()))?;
    let status = serde_json::to_value(status).map_err(json("encoding the status"))?;
    object.insert("status".into(), status);
    serde_json::to_vec(&document).map_err(json("encoding the node record"))
}

/// Applies `edit` to `cf` as one write batch. Blocking; needs `--write`.
pub fn apply(source: &Source, cf: &str, edit: Edit) -> Result<EditOutcome, InspectError> {
    let (ops, undo, summary): (Vec<WriteOp>, Vec<WriteOp>, String) = match edit {
        Edit::Create { key, value } => {
            if let Some(stored) = old_value(source, cf, &key)? {
                return Ok(EditOutcome {
                    summary: format!(
                        "{} already exists: nothing written",
                        crate::inspector::decode::escape_key(&key)
                    ),
                    undo: Vec::new(),
                    exists: Some(Taken { key, value, stored }),
                });
            }
            let summary = format!(
                "created {} ({} bytes)",
                crate::inspector::decode::escape_key(&key),
                value.len()
            );
            (
                vec![WriteOp::Put(key.clone(), value)],
                vec![WriteOp::Delete(key)],
                summary,
            )
        }
        Edit::Put { key, value } => {
            let old = old_value(source, cf, &key)?;
            let summary = format!(
                "wrote {} bytes to {}",
                value.len(),
                crate::inspector::decode::escape_key(&key)
            );
            (
                vec![WriteOp::Put(key.clone(), value)],
                vec![restore_op(key, old)],
                summary,
            )
        }
        Edit::Delete { key } => {
            let Some(old) = old_value(source, cf, &key)? else {
                return Err(InspectError::Missing(format!(
                    "{} no longer exists",
                    crate::inspector::decode::escape_key(&key)
                )));
            };
            let summary = format!("deleted {}", crate::inspector::decode::escape_key(&key));
            (
                vec![WriteOp::Delete(key.clone())],
                vec![WriteOp::Put(key, old)],
                summary,
            )
        }
        Edit::DeleteRange { bounds } => {
            let pairs = source.collect(cf, &bounds, MAX_UNDO_KEYS, MAX_UNDO_BYTES)?;
            let summary = format!("deleted {} keys", pairs.len());
            let ops = pairs
                .iter()
                .map(|(k, _)| WriteOp::Delete(k.clone()))
                .collect();
            let undo = pairs.into_iter().map(|(k, v)| WriteOp::Put(k, v)).collect();
            (ops, undo, summary)
        }
        Edit::Restore { ops } => {
            let mut undo = Vec::with_capacity(ops.len());
            for op in &ops {
                let key = match op {
                    WriteOp::Put(k, _) | WriteOp::Delete(k) => k,
                };
                undo.push(restore_op(key.clone(), old_value(source, cf, key)?));
            }
            let summary = format!("undone: {} keys restored", ops.len());
            (ops, undo, summary)
        }
        Edit::SetNodeStatus { uuid, status } => {
            let key = node_key(uuid).into_bytes();
            let Some(old) = old_value(source, cf, &key)? else {
                return Err(InspectError::Missing(format!(
                    "node {uuid} is not registered"
                )));
            };
            // The record must be a node this build understands...
            let _: NodeInfo =
                crate::common::decode_record(&node_key(uuid), &old).map_err(registry_error)?;
            // ...but only its status changes: every other byte of the document stays as
            // the service wrote it, fields this build does not know included.
            let new = with_status(&old, status)?;
            let summary = format!("node {uuid} marked {status}");
            (
                vec![WriteOp::Put(key.clone(), new)],
                vec![WriteOp::Put(key, old)],
                summary,
            )
        }
        Edit::RemoveNode { uuid } => {
            let keys = [node_key(uuid).into_bytes(), resource_key(uuid).into_bytes()];
            let mut ops = Vec::new();
            let mut undo = Vec::new();
            for key in keys {
                if let Some(old) = old_value(source, cf, &key)? {
                    ops.push(WriteOp::Delete(key.clone()));
                    undo.push(WriteOp::Put(key, old));
                }
            }
            let summary = format!("removed node {uuid} and {} record(s)", ops.len());
            (ops, undo, summary)
        }
    };
    source.apply(cf, &ops)?;
    Ok(EditOutcome {
        summary,
        undo,
        exists: None,
    })
}
