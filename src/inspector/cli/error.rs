//! `CliError`: what a subcommand can fail with beyond the inspector's own errors: an
//! argument it cannot use, a refusal it words itself, or a cause it names the step of
//! (`creating --output F`, `the scan task failed`). It reaches `main` inside
//! [`InspectError::Cli`]; its message and its causes print as one line there, and its
//! class gives the exit status.

use std::error::Error;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::inspector::demo::DemoError;
use crate::inspector::error::{ErrorClass, InspectError, kv_class};
use crate::inspector::formats::infolog::InfoLogError;
use crate::inspector::formats::wal::WalError;
use crate::inspector::write::transfer::{ExportError, ImportError};
use crate::storage::kv::KvError;
use crate::storage::migrate::MigrateError;

/// Why a subcommand failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No subcommand and no database to browse.
    #[error(
        "no database given: run `spear-inspect PATH`, or `spear-inspect demo` to try it on demo data"
    )]
    NoDatabase,
    /// A key argument is not hex although `--key-hex` says it is.
    #[error("{what} {text:?} is not hex (--key-hex is set): use pairs of 0-9a-f digits")]
    KeyNotHex {
        /// Which argument (`KEY`, `--prefix`...).
        what: &'static str,
        /// As typed.
        text: String,
    },
    /// A key argument reads two ways: as the text typed, and as the escaped form this
    /// tool prints (`\x00` for a byte), which are different keys.
    #[error(
        "{what} {text} reads two ways: as typed it is the text {typed}, as this tool escapes keys it is the bytes {escaped}: pass --key-hex {typed} for the text or --key-hex {escaped} for the bytes"
    )]
    AmbiguousKey {
        /// Which argument (`KEY`, `--prefix`...).
        what: &'static str,
        /// As typed.
        text: String,
        /// The text's bytes, in hex.
        typed: String,
        /// The escaped form's bytes, in hex.
        escaped: String,
    },
    /// `put --value-hex` with a value that is not hex.
    #[error("VALUE is not hex (--value-hex is set)")]
    ValueNotHex,
    /// `delete-range` with bounds that hold every key.
    #[error("an empty --prefix would delete every key: refused (drop the column family instead)")]
    DeleteEverything,
    /// `count --estimate` with a range: RocksDB estimates whole column families only.
    #[error(
        "--estimate covers a whole column family: drop --prefix, or drop --estimate for an exact count"
    )]
    EstimateOfRange,
    /// `events --stream S --gaps` for a stream with neither counter nor events.
    #[error(
        "no stream {stream:?} (no counter, no events): list the streams with `spear-inspect events DB`"
    )]
    NoStream {
        /// The stream asked for.
        stream: String,
    },
    /// `events --stream S` for a stream without events.
    #[error("no events in stream {stream:?}: list the streams with `spear-inspect events DB`")]
    NoEvents {
        /// The stream asked for.
        stream: String,
    },
    /// `options` on a database without an OPTIONS file.
    #[error("{} has no OPTIONS file (RocksDB before 4.x, or it was removed)", db.display())]
    NoOptionsFile {
        /// The database directory.
        db: PathBuf,
    },
    /// `options --compare previous` with a single OPTIONS file.
    #[error("{} keeps only one OPTIONS file: nothing to compare with", db.display())]
    OneOptionsFile {
        /// The database directory.
        db: PathBuf,
    },
    /// `options --compare DB` where DB has no OPTIONS file.
    #[error("{other} has no OPTIONS file to compare with")]
    NoOptionsToCompare {
        /// The other database, as typed.
        other: String,
    },
    /// `--compare DB` names something that is not a database.
    #[error("--compare {}", db.display())]
    CompareWith {
        /// The other database, as typed.
        db: PathBuf,
        /// Why it cannot be opened.
        source: Box<KvError>,
    },
    /// `import --newest-format` into a database that exists.
    #[error(
        "--newest-format applies only to a database import creates; {} exists and keeps its formats",
        db.display()
    )]
    NewestFormatOfExisting {
        /// The database directory.
        db: PathBuf,
    },
    /// `export --output F` cannot create F.
    #[error("creating --output {}", path.display())]
    CreateOutput {
        /// The file asked for.
        path: PathBuf,
        /// Why it cannot be created.
        source: io::Error,
    },
    /// Both databases of `diff` could not be walked to their ends.
    #[error("the comparison stopped before its end")]
    ComparisonStopped,
    /// A `migrate` store spec that names no store.
    #[error(
        "--{role} {spec:?} is not a store: use memory:, rocksdb:PATH, sled:PATH or etcd://HOST:PORT[,HOST:PORT...][/NAMESPACE]"
    )]
    NotAStore {
        /// `from` or `to`.
        role: &'static str,
        /// As typed.
        spec: String,
    },
    /// `migrate --from` names a directory that does not exist.
    #[error("--from {}: no database there", path.display())]
    NoSourceDatabase {
        /// The path of the spec.
        path: PathBuf,
    },
    /// A `migrate` store could not be opened.
    #[error("opening --{role} {spec}")]
    OpenStore {
        /// `from` or `to`.
        role: &'static str,
        /// As typed.
        spec: String,
        /// Why.
        source: Box<KvError>,
    },
    /// The `migrate` source could not be looked through before the copy.
    #[error("reading --from {spec}")]
    ReadSource {
        /// As typed.
        spec: String,
        /// Why.
        source: Box<KvError>,
    },
    /// The `migrate` source holds what the `KvStore` layer cannot carry.
    #[error("--from {from}: {refusal}. Nothing was written. {advice}")]
    BeyondKvLayer {
        /// The source spec, as typed.
        from: String,
        /// What it holds that cannot be carried (part of the message, not a cause: the
        /// exit status is a usage error's).
        refusal: Box<MigrateError>,
        /// What to do instead, for this source and destination.
        advice: String,
    },
    /// The `migrate` destination refused before anything was written.
    #[error("--to {spec}")]
    DestinationRefused {
        /// As typed.
        spec: String,
        /// Why.
        source: Box<MigrateError>,
    },
    /// The `migrate` copy failed part way; the message says what `--to` keeps. The
    /// storage error is part of the message (and not a cause of its own), so the exit
    /// status is a usage error's, as it always was.
    #[error("migration failed, {kept}: {error}{}", binary_key_hint(error))]
    MigrationFailed {
        /// What is left at `--to`.
        kept: String,
        /// What failed.
        error: Box<KvError>,
    },
    /// The `migrate` destination could not be given the source's modes.
    #[error("giving {} the modes of the source", path.display())]
    CopyModes {
        /// The destination directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The `migrate` destination does not hold what was read from the source.
    #[error("verifying --to {to} against --from {from} (the copy is kept as written)")]
    Verify {
        /// The destination spec.
        to: String,
        /// The source spec.
        from: String,
        /// What differs.
        source: Box<MigrateError>,
    },
    /// `log --kind` names no kind of LOG entry.
    #[error("--kind {name:?} is not a kind of LOG entry: use {known}")]
    UnknownLogKind {
        /// As typed.
        name: String,
        /// The kinds there are, comma separated.
        known: String,
    },
    /// `log` finds no info LOG where RocksDB writes it by default.
    #[error(
        "no info LOG ({stem}) in {}: the service may write it elsewhere (RocksDB's db_log_dir, or an info_log of its own)",
        dir.display()
    )]
    NoInfoLog {
        /// The LOG file's name.
        stem: String,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// `log --cf` names a column family the OPTIONS file does not list.
    #[error("no column family {cf:?} in {} (its OPTIONS file lists {known})", db.display())]
    UnknownLogColumnFamily {
        /// As typed.
        cf: String,
        /// The database directory.
        db: PathBuf,
        /// The ones listed, comma separated.
        known: String,
    },
    /// A WAL file could not be read while following the writes.
    #[error("reading WAL {number:06}.log")]
    ReadWal {
        /// The WAL's number.
        number: u64,
        /// Why.
        source: WalError,
    },
    /// `demo DIR` where DIR is something else.
    #[error(
        "{} exists and is not a RocksDB database: choose another directory for the demo",
        dir.display()
    )]
    DemoDirTaken {
        /// The directory.
        dir: PathBuf,
    },
    /// The demo database could not be created.
    #[error("creating the demo database at {}", dir.display())]
    CreateDemo {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: Box<DemoError>,
    },
    /// The terminal UI ended with an error.
    #[error("the terminal UI failed")]
    Tui(#[source] io::Error),
    /// A blocking task ended without an answer (it panicked).
    #[error("the {task} task failed")]
    Task {
        /// Which (`scan`, `export`...).
        task: &'static str,
        /// How it ended.
        source: tokio::task::JoinError,
    },
    /// The storage worker ended before answering.
    #[error("the storage worker stopped without an answer")]
    WorkerStopped,
    /// The storage worker answered a job with another job's answer (a defect).
    #[error("unexpected answer from the storage worker: {answer}")]
    UnexpectedAnswer {
        /// The answer, debug-printed.
        answer: String,
    },
    /// Standard output could not be written (other than a closed pipe).
    #[error("writing to standard output")]
    Stdout(#[source] io::Error),
    /// The inspector's own error.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// The storage layer's error, as it is.
    #[error(transparent)]
    Kv(Box<KvError>),
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A value could not be written as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A WAL file could not be read.
    #[error(transparent)]
    Wal(#[from] WalError),
    /// The info LOG could not be read, or `--since` not understood.
    #[error(transparent)]
    InfoLog(#[from] InfoLogError),
    /// `import` stopped.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// `export` stopped.
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl CliError {
    /// Which class it is in: its own for what the subcommand words itself (a usage error),
    /// else that of the first inspector, storage or migration error among its causes, as
    /// the exit status has always been chosen.
    pub fn class(&self) -> ErrorClass {
        match self {
            CliError::Inspect(e) => e.class(),
            // Passed on whole: classified from the error itself down its causes.
            CliError::Kv(e) => kv_class(e),
            CliError::Io(e) => class_of(e),
            CliError::Json(e) => class_of(e),
            CliError::Wal(e) => class_of(e),
            CliError::InfoLog(e) => class_of(e),
            CliError::Import(e) => class_of(e),
            CliError::Export(e) => class_of(e),
            // A step named around a cause: the cause decides.
            CliError::CompareWith { source, .. }
            | CliError::OpenStore { source, .. }
            | CliError::ReadSource { source, .. } => kv_class(source),
            CliError::DestinationRefused { source, .. } | CliError::Verify { source, .. } => {
                migrate_class(source)
            }
            CliError::CreateOutput { source, .. }
            | CliError::CopyModes { source, .. }
            | CliError::Tui(source)
            | CliError::Stdout(source) => class_of(source),
            CliError::ReadWal { source, .. } => class_of(source),
            CliError::CreateDemo { source, .. } => class_of(source.as_ref()),
            CliError::Task { source, .. } => class_of(source),
            // What the subcommand words itself (a storage error in its message included)
            // is the user's to fix.
            CliError::NoDatabase
            | CliError::KeyNotHex { .. }
            | CliError::AmbiguousKey { .. }
            | CliError::ValueNotHex
            | CliError::DeleteEverything
            | CliError::EstimateOfRange
            | CliError::NoStream { .. }
            | CliError::NoEvents { .. }
            | CliError::NoOptionsFile { .. }
            | CliError::OneOptionsFile { .. }
            | CliError::NoOptionsToCompare { .. }
            | CliError::NewestFormatOfExisting { .. }
            | CliError::ComparisonStopped
            | CliError::NotAStore { .. }
            | CliError::NoSourceDatabase { .. }
            | CliError::BeyondKvLayer { .. }
            | CliError::MigrationFailed { .. }
            | CliError::UnknownLogKind { .. }
            | CliError::NoInfoLog { .. }
            | CliError::UnknownLogColumnFamily { .. }
            | CliError::DemoDirTaken { .. }
            | CliError::WorkerStopped
            | CliError::UnexpectedAnswer { .. } => ErrorClass::User,
        }
    }
}

/// The class of the first inspector, storage or migration error in `error`'s chain, from
/// `error` itself down; a usage error when there is none.
fn class_of(error: &(dyn Error + 'static)) -> ErrorClass {
    let mut next = Some(error);
    while let Some(cause) = next {
        if let Some(e) = cause.downcast_ref::<InspectError>() {
            return e.class();
        }
        if let Some(e) = cause.downcast_ref::<KvError>() {
            return kv_class(e);
        }
        if let Some(e) = cause.downcast_ref::<MigrateError>() {
            return migrate_class(e);
        }
        next = cause.source();
    }
    ErrorClass::User
}

/// The class of a migration error.
fn migrate_class(error: &MigrateError) -> ErrorClass {
    match error {
        MigrateError::Kv(e) => kv_class(e),
        // The stores disagree after a copy that reported success: a storage failure, not
        // something the user typed.
        MigrateError::Mismatch { .. }
        | MigrateError::PrefixMismatch { .. }
        | MigrateError::SourceMoved { .. } => ErrorClass::Storage,
        MigrateError::DestinationNotEmpty | MigrateError::NotCarried { .. } => ErrorClass::User,
    }
}

/// For a migration that met a binary key: how to copy such a database instead.
fn binary_key_hint(error: &KvError) -> &'static str {
    if matches!(error, KvError::NonUtf8Key { .. }) {
        " (migrate goes through the KvStore layer, whose keys are UTF-8: copy a database with binary keys with `spear-inspect export DB | spear-inspect import NEW --write`)"
    } else {
        ""
    }
}

impl From<KvError> for CliError {
    fn from(error: KvError) -> Self {
        CliError::Kv(Box::new(error))
    }
}

impl From<CliError> for InspectError {
    fn from(error: CliError) -> Self {
        match error {
            CliError::Inspect(e) => e,
            other => InspectError::Cli(Arc::new(other)),
        }
    }
}
