//! `InspectError`: what an inspector request can fail with, in three classes the UI and
//! the CLI treat differently: a refusal (the database is held read-only or locked), a
//! user error (the request names something that is not there, or asks too much), and a
//! storage error (RocksDB failed: damage, I/O).
//!
//! An error that has a cause (an I/O error, a WAL that does not read, JSON that does not
//! parse) keeps it as its `source()` and also quotes it in its own message, so the
//! message reads the same on the status line, in a log and at the command line's edge
//! (which prints each cause only where the message before it does not quote it already:
//! [`one_line`]). Causes are shared (`Arc`) because events carrying errors are cloned.

use std::path::PathBuf;
use std::sync::Arc;

use crate::common::RegistryError;
use crate::inspector::formats::options_file::OptionsFileError;
use crate::inspector::formats::wal::WalError;
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
    /// Something only a RocksDB database has was asked of an etcd cluster.
    #[error(
        "{what} is RocksDB's: {url} is an etcd cluster (its own figures are on the Stats screen and in `spear-inspect stats {url}`)"
    )]
    NotRocksDb {
        /// What was asked, e.g. "the Disk screen".
        what: &'static str,
        /// The cluster's URL.
        url: String,
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
    /// A key or record the request is about is not (or no longer) there. Nothing failed
    /// below: the message is the whole story.
    #[error("{0}")]
    Missing(String),
    /// The request cannot be carried out as asked (e.g. a destination that exists).
    /// Nothing failed below: the message is the whole story.
    #[error("{0}")]
    Invalid(String),
    /// A stored node record cannot be rewritten: it is not JSON, or does not encode again.
    #[error("{what}: {source}")]
    Json {
        /// What was being done, e.g. "the node record is not JSON".
        what: &'static str,
        /// The JSON error.
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// A registry record does not decode, or the registry's rules refuse the change.
    #[error(transparent)]
    Registry(Arc<RegistryError>),
    /// Storage failed.
    #[error(transparent)]
    Storage(Arc<KvError>),
    /// A file around the database could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The system's error.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A WAL file (or the directory listing them) could not be read.
    #[error("{what}: {source}")]
    Wal {
        /// What was being done.
        what: String,
        /// The WAL reader's error: I/O, or a record that does not decode.
        #[source]
        source: Arc<WalError>,
    },
    /// An OPTIONS file could not be read.
    #[error(transparent)]
    OptionsFile(Arc<OptionsFileError>),
    /// A system call refused to make this process the database's owner.
    #[error("{what}: {source}")]
    SwitchUser {
        /// Whom it was becoming, and the call that failed.
        what: String,
        /// The system's error.
        #[source]
        source: nix::errno::Errno,
    },
    /// A subcommand of the command line failed (its own wording, with its cause).
    #[error(transparent)]
    Cli(Arc<crate::inspector::cli::CliError>),
    /// The info LOG files could not be listed or read.
    #[error(transparent)]
    InfoLog(Arc<crate::inspector::formats::infolog::InfoLogError>),
}

impl From<crate::inspector::formats::infolog::InfoLogError> for InspectError {
    fn from(error: crate::inspector::formats::infolog::InfoLogError) -> Self {
        InspectError::InfoLog(Arc::new(error))
    }
}

impl InspectError {
    /// An I/O failure while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        InspectError::Io {
            what: what.into(),
            source: Arc::new(source),
        }
    }

    /// A WAL reader's failure while doing `what`.
    pub fn wal(what: impl Into<String>, source: WalError) -> Self {
        InspectError::Wal {
            what: what.into(),
            source: Arc::new(source),
        }
    }
}

/// The three ways a request can fail: how the status line shows it and the exit status.
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
            | InspectError::NotRocksDb { .. }
            | InspectError::TooLarge { .. }
            | InspectError::Missing(_)
            | InspectError::Invalid(_)
            | InspectError::Json { .. }
            | InspectError::Registry(_) => ErrorClass::User,
            InspectError::Storage(e) => kv_class(e),
            InspectError::Io { .. }
            | InspectError::Wal { .. }
            | InspectError::OptionsFile(_)
            | InspectError::InfoLog(_)
            | InspectError::SwitchUser { .. } => ErrorClass::Storage,
            InspectError::Cli(e) => e.class(),
        }
    }
}

/// An error and its causes on one line, `: ` between them, for the command line's
/// edge. A cause is left out when the message before it already quotes it, as this
/// crate's errors do, so that no cause is printed twice.
pub fn one_line<'a>(
    chain: impl IntoIterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> String {
    let mut line = String::new();
    let mut previous: Option<String> = None;
    for error in chain {
        let text = error.to_string();
        match &previous {
            None => line.push_str(&text),
            Some(quoting) if quoting.contains(&text) => {}
            Some(_) => {
                line.push_str(": ");
                line.push_str(&text);
            }
        }
        previous = Some(text);
    }
    line
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
        | KvError::TooManyOverlapping(_)
        | KvError::UnknownParam { .. }
        | KvError::ConflictingEnv { .. }
        | KvError::InvalidParam { .. }
        | KvError::UnknownBackend { .. }
        | KvError::MissingPath { .. }
        | KvError::NonUtf8Key { .. }
        | KvError::NamespaceMismatch { .. }
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

impl From<OptionsFileError> for InspectError {
    fn from(err: OptionsFileError) -> Self {
        InspectError::OptionsFile(Arc::new(err))
    }
}

impl From<rocksdb::Error> for InspectError {
    fn from(err: rocksdb::Error) -> Self {
        crate::storage::rocksdb::backend_error(err).into()
    }
}
