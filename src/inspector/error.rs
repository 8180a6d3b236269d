//! `InspectError`: what an inspector request can fail with, in three classes the UI and
//! the CLI treat differently: a refusal (the database is held read-only or locked), a
//! user error (the request names something that is not there, or asks too much), and a
//! storage error (RocksDB failed: damage, I/O).

use std::path::PathBuf;
use std::sync::Arc;

use crate::storage::kv::KvError;

/// Why an inspector request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InspectError {
    /// A change was asked of a database opened without `--write`.
    #[error("read-only: restart with --write to {action}")]
    ReadOnly {
        /// What was refused, e.g. "compact".
        action: String,
    },
    /// A subcommand that changes the database was run without `--write`.
    #[error("{action} changes the database: add --write to run it (nothing was changed)")]
    NeedsWrite {
        /// The subcommand.
        action: &'static str,
    },
    /// `--write` on a database whose RocksDB might not read what this build writes.
    #[error(
        "refusing to write to {path}: {reason} (this build links RocksDB {linked}); add --allow-format-upgrade to write anyway, after which its service's RocksDB may no longer open it"
    )]
    FormatRisk {
        /// The database directory.
        path: PathBuf,
        /// Why compatibility cannot be guaranteed.
        reason: String,
        /// The RocksDB version this build links.
        linked: &'static str,
    },
    /// `--write` on a column family whose merge operator is its service's own code: a
    /// flush or compaction would store this build's stand-in values.
    #[error(
        "refusing to write to {path}: column family {cf} merges with {operator}, which is its service's own code; any write, flush or compaction here would store unresolved operands"
    )]
    ForeignMergeOperator {
        /// The database directory.
        path: PathBuf,
        /// The column family.
        cf: String,
        /// The merge operator's name.
        operator: String,
    },
    /// `--write` by a user who does not own the database (and is not root).
    #[error(
        "{path} belongs to {owner} (uid {uid}); files written as another user could lock its service out: run the same command with `sudo -u {owner}`"
    )]
    NotOwner {
        /// The database directory.
        path: PathBuf,
        /// The owner's name (or uid).
        owner: String,
        /// The owner's uid.
        uid: u32,
    },
    /// Another process holds the database's lock.
    #[error(
        "database {path} is locked by another process: stop that process to write, or inspect it read-only with `spear-inspect {path}`"
    )]
    Locked {
        /// The database directory.
        path: PathBuf,
    },
    /// The column family asked for does not exist.
    #[error("no column family {name:?}: this database has {available}")]
    UnknownColumnFamily {
        /// The name asked for.
        name: String,
        /// The ones there are, comma separated.
        available: String,
    },
    /// The request would hold more than the inspector allows in memory at once.
    #[error("{what}: {found} is more than {limit}; {advice}")]
    TooLarge {
        /// What was too large, e.g. "keys to delete with undo".
        what: &'static str,
        /// How many or how much there was (at least).
        found: u64,
        /// The limit.
        limit: u64,
        /// What to do instead.
        advice: &'static str,
    },
    /// A key or record the request is about is not (or no longer) there.
    #[error("{0}")]
    Missing(String),
    /// The request cannot be carried out as asked (e.g. a destination that exists).
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(Arc<KvError>),
    /// A file around the database could not be read or written.
    #[error("{what}: {detail}")]
    Io {
        /// What was being done.
        what: String,
        /// The system's message.
        detail: String,
    },
    /// A subcommand of the command line failed (its own wording, with its cause).
    #[error(transparent)]
    Cli(Arc<crate::inspector::cli::CliError>),
}

/// The three ways a request can fail, for display and exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Not allowed as the database is held (read-only, locked): nothing is wrong.
    Refusal,
    /// The request asked for something absent or too large.
    User,
    /// RocksDB failed.
    Storage,
}

impl ErrorClass {
    /// The CLI's exit status for it (documented in `--help`).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::User => 2,
            ErrorClass::Refusal => 3,
            ErrorClass::Storage => 4,
        }
    }
}

impl InspectError {
    /// Which class it is in.
    pub fn class(&self) -> ErrorClass {
        match self {
            InspectError::ReadOnly { .. }
            | InspectError::NeedsWrite { .. }
            | InspectError::FormatRisk { .. }
            | InspectError::NotOwner { .. }
            | InspectError::ForeignMergeOperator { .. }
            | InspectError::Locked { .. } => ErrorClass::Refusal,
            InspectError::UnknownColumnFamily { .. }
            | InspectError::TooLarge { .. }
            | InspectError::Missing(_)
            | InspectError::Invalid(_) => ErrorClass::User,
            InspectError::Storage(e) => kv_class(e),
            InspectError::Io { .. } => ErrorClass::Storage,
            InspectError::Cli(e) => e.class(),
        }
    }
}

/// The class of a storage-layer error.
pub fn kv_class(err: &KvError) -> ErrorClass {
    match err {
        KvError::ReadOnly { .. } | KvError::Locked { .. } | KvError::Unsupported { .. } => {
            ErrorClass::Refusal
        }
        KvError::NotFound { .. }
        | KvError::NotADatabase { .. }
        | KvError::Busy { .. }
        | KvError::TooManyFiles { .. }
        | KvError::UnknownParam { .. }
        | KvError::ConflictingEnv { .. }
        | KvError::InvalidParam { .. }
        | KvError::UnknownBackend { .. }
        | KvError::MissingPath { .. }
        | KvError::NonUtf8Key { .. }
        | KvError::BackendNotCompiled { .. } => ErrorClass::User,
        _ => ErrorClass::Storage,
    }
}

impl From<KvError> for InspectError {
    fn from(err: KvError) -> Self {
        match err {
            KvError::ReadOnly { action, .. } => InspectError::ReadOnly {
                action: action.to_string(),
            },
            KvError::Locked { path } => InspectError::Locked { path },
            other => InspectError::Storage(Arc::new(other)),
        }
    }
}

impl From<rocksdb::Error> for InspectError {
    fn from(err: rocksdb::Error) -> Self {
        crate::storage::rocksdb::backend_error(err).into()
    }
}
