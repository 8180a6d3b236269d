//! `KvError`: the one error type of the storage layer, with messages that say what to do.

use std::path::PathBuf;

/// Everything that can go wrong in the key-value layer.
///
/// Messages are written for the person reading them in a terminal: each names the
/// thing that failed and, where there is one, the next step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// The configuration names a backend this binary was built without.
    #[error(
        "the {backend} backend is not compiled into this build: rebuild with `--features {backend}`, or use one of: {available}"
    )]
    BackendNotCompiled {
        /// The backend asked for.
        backend: &'static str,
        /// The backends this build has, comma separated.
        available: String,
    },

    /// `KV_BACKEND` (or a migration spec) names no known backend.
    #[error("unknown storage backend {name:?}: expected one of memory, rocksdb, sled, etcd")]
    UnknownBackend {
        /// What was given.
        name: String,
    },

    /// A persistent backend was configured without a path.
    #[error(
        "the {backend} backend needs a database path: use KvStoreConfig::{backend}(path) or set KV_PATH"
    )]
    MissingPath {
        /// The backend that needs a path.
        backend: &'static str,
    },

    /// Two environment variables name the same setting with different values.
    #[error(
        "{first}={first_value:?} and {second}={second_value:?} both set the same thing and disagree: unset one of them"
    )]
    ConflictingEnv {
        /// One variable.
        first: String,
        /// Its value.
        first_value: String,
        /// The other.
        second: String,
        /// Its value.
        second_value: String,
    },

    /// A parameter the backend does not know.
    #[error("unknown parameter {name:?} for the {backend} backend; accepted: {accepted}")]
    UnknownParam {
        /// The backend the parameter was given to.
        backend: &'static str,
        /// The parameter name as given.
        name: String,
        /// The accepted names, comma separated (or "none").
        accepted: String,
    },

    /// A known parameter with a value that does not parse.
    #[error("parameter {name} = {value:?} is not valid: expected {expected}")]
    InvalidParam {
        /// The parameter name.
        name: String,
        /// The value as given.
        value: String,
        /// What a valid value looks like.
        expected: String,
    },

    /// Another process (or another handle in this one) holds the database lock.
    #[error(
        "database {path} is locked by another process: stop that process to write, or inspect it read-only with `spear-inspect {path}`"
    )]
    Locked {
        /// The database directory.
        path: PathBuf,
    },

    /// Nothing to open at the path, and creating was not allowed.
    #[error("no database at {path}: it does not exist (check the path)")]
    NotFound {
        /// The database directory.
        path: PathBuf,
    },

    /// A live (secondary) view must keep every table file open, and the open-file limit
    /// is too low for that.
    #[error(
        "database {path} has {table_files} SST/blob files, but this process may open only {limit} files and a live view of a running database must keep every one open: start it from a shell with `ulimit -n {suggested}` (raise the hard limit as root if needed), or stop the service and inspect a read-only snapshot, which works under any limit"
    )]
    TooManyFiles {
        /// The database directory.
        path: PathBuf,
        /// Table files in the directory.
        table_files: usize,
        /// The soft open-file limit in force.
        limit: u64,
        /// A limit that would do.
        suggested: u64,
    },

    /// A read merges every overlapping L0 file of a column family and so keeps them all
    /// open at once; the open-file limit does not allow that many.
    #[error(
        "database {}: column family {} has {} overlapping L0 files, and a read of its keys merges them all at once: with one file per deeper level that is {} table files open, plus the {} descriptors kept for everything else, but this process may open only {} files (hard limit {}): start it from a shell with `ulimit -n {}` (as root, or after raising the hard limit in /etc/security/limits.conf), or let the service compact L0 first (stats, usage, tombstones, log, wal and count --estimate work as they are)",
        .0.path.display(), .0.cf, .0.l0_files, .0.needed, .0.reserved, .0.limit, .0.hard, .0.suggested
    )]
    #[cfg(feature = "rocksdb")]
    TooManyOverlapping(crate::storage::open_files::OverlapLimit),

    /// The database needs something this build cannot provide (e.g. its service's own
    /// comparator).
    #[error("cannot open {path}: {detail}")]
    Unsupported {
        /// The database directory.
        path: PathBuf,
        /// What is missing.
        detail: String,
    },

    /// Every attempt to open a consistent view overlapped a WAL deletion by the writer.
    #[error(
        "{path} deleted a WAL while each of {attempts} read-only views was opening, so none is known to be complete: try again when its writer is less busy"
    )]
    Busy {
        /// The database directory.
        path: PathBuf,
        /// Opens tried.
        attempts: u32,
    },

    /// The path exists but holds no RocksDB database.
    #[error("{path} is not a RocksDB database: {detail}")]
    NotADatabase {
        /// The path given.
        path: PathBuf,
        /// Why not.
        detail: String,
    },

    /// The database files exist but do not read back.
    #[error(
        "database {path} is corrupt ({detail}): copy the directory aside before trying `ldb repair`"
    )]
    Corrupt {
        /// The database directory.
        path: PathBuf,
        /// What the backend reported.
        detail: String,
    },

    /// A key stored as bytes that are not UTF-8, met through the `String`-keyed API.
    #[error(
        "key 0x{key_hex} is not UTF-8 and cannot be returned as a KvKey: inspect it with `spear-inspect --key-hex`"
    )]
    NonUtf8Key {
        /// The key, lowercase hex.
        key_hex: String,
    },

    /// A write was asked of a database opened read-only.
    #[error("{path} is open read-only: restart with --write to {action} (nothing was changed)")]
    ReadOnly {
        /// The database directory.
        path: PathBuf,
        /// What was refused, e.g. "compact".
        action: &'static str,
    },

    /// The etcd backend was configured without endpoints.
    #[error(
        "the etcd backend needs endpoints: use KvStoreConfig::etcd([\"host:2379\", ...]) or set KV_STORE_ENDPOINTS=host:2379,host:2379"
    )]
    MissingEndpoints,

    /// No etcd endpoint could be reached.
    #[error(
        "no etcd endpoint reachable at {endpoints} ({detail}): check the addresses and that etcd runs there (`etcdctl --endpoints={endpoints} endpoint health`)"
    )]
    Unreachable {
        /// The endpoints tried, comma separated.
        endpoints: String,
        /// What the connection reported.
        detail: String,
    },

    /// The etcd cluster answered but has no leader, or did not answer in time.
    #[error(
        "the etcd cluster at {endpoints} has no quorum ({detail}): a majority of its members is down or cut off, so it can neither read nor write consistently and this request was not acknowledged (a write that reached a member may still be applied once quorum returns: read it back before retrying); bring members back (`etcdctl --endpoints={endpoints} endpoint status --cluster`)"
    )]
    NoQuorum {
        /// The endpoints tried, comma separated.
        endpoints: String,
        /// What etcd (or the timeout) said.
        detail: String,
    },

    /// The namespace holds no key while the cluster holds keys elsewhere: most likely a
    /// namespace written differently from the one the service uses.
    #[error(
        "namespace {namespace:?} on the etcd cluster at {endpoints} holds no key of its own, but the cluster does: {found}; a namespace is a key prefix taken as written (\"spear\" and \"spear/\" differ): open the one the service writes"
    )]
    NamespaceMismatch {
        /// The namespace asked for.
        namespace: String,
        /// The endpoints.
        endpoints: String,
        /// Where the keys are, e.g. `798 keys under "spear/" (etcd://h:2379/spear/)`.
        found: String,
    },

    /// etcd's authentication or authorization refused the request.
    #[error(
        "etcd refused the request ({detail}): give the right user and password parameters, or grant that user a role with access to the namespace (`etcdctl role grant-permission`)"
    )]
    PermissionDenied {
        /// What etcd said.
        detail: String,
    },

    /// A request above etcd's size limit.
    #[error(
        "etcd refused the request as too large ({detail}): each member accepts at most its --max-request-bytes (1.5 MiB by default) per request; store smaller values or batches, or raise that limit on every member"
    )]
    RequestTooLarge {
        /// What etcd said.
        detail: String,
    },

    /// A batch with more operations than one etcd transaction may hold.
    #[error(
        "a batch of {ops} writes exceeds etcd's transaction limit of {limit} operations (the server's --max-txn-ops, given to this store as max_txn_ops); it was refused whole rather than split, since its parts would not be atomic, and nothing was written: write smaller batches, or raise --max-txn-ops on every member and max_txn_ops here"
    )]
    TxnTooLarge {
        /// Operations in the batch.
        ops: usize,
        /// The limit.
        limit: usize,
    },

    /// etcd raised its NOSPACE alarm.
    #[error(
        "etcd is out of space ({detail}): it refuses writes until the cluster is compacted and defragmented and the alarm disarmed (`etcdctl compact`, `etcdctl defrag`, `etcdctl alarm disarm`)"
    )]
    NoSpace {
        /// What etcd said.
        detail: String,
    },

    /// Any other error the backend reported.
    #[error("{backend} error: {message}")]
    Backend {
        /// The backend that failed.
        backend: &'static str,
        /// The backend's own message.
        message: String,
    },

    /// A background task running a blocking call panicked or was cancelled.
    #[error("storage task did not finish: {0}")]
    Task(String),
}

impl From<tokio::task::JoinError> for KvError {
    fn from(err: tokio::task::JoinError) -> Self {
        KvError::Task(err.to_string())
    }
}

// The helpers below serve the persistent backends, absent from a memory-only build.

/// Lowercase hex of `bytes`, for messages about binary keys.
#[cfg_attr(not(any(feature = "rocksdb", feature = "sled")), allow(dead_code))]
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Decodes a stored key into a `KvKey`, or says which key is not UTF-8.
#[cfg_attr(not(any(feature = "rocksdb", feature = "sled")), allow(dead_code))]
pub(crate) fn key_from_bytes(bytes: Vec<u8>) -> Result<String, KvError> {
    String::from_utf8(bytes).map_err(|e| KvError::NonUtf8Key {
        key_hex: hex(e.as_bytes()),
    })
}
