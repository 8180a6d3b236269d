//! Opening a database as the inspector does: read-write only when asked, and then only
//! where the writer's RocksDB stays able to read the result and as the database's owner;
//! otherwise read-only, or as a live secondary when another process holds it.

use std::path::Path;

use super::{Access, EtcdSource, Source, is_etcd_url};
use crate::inspector::error::InspectError;
use crate::inspector::source::owner::become_owner;
use crate::storage::rocksdb::lock_is_held;
use crate::storage::rocksdb::stored::{
    LINKED_VERSION, load_stored_options, read_stored_options, restore_options_text, write_verdict,
};
use crate::storage::rocksdb::{
    OpenMode, OptionsOrigin, RocksDbParams, check_existing_db, compat, open_db_with,
};

/// How to open a database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenRequest {
    /// Read-write (`--write`).
    pub write: bool,
    /// Write even where the RocksDB that wrote the database might not read the result.
    pub allow_format_upgrade: bool,
}

impl Source {
    /// Opens `path`: read-write if `write`, otherwise read-only, or as a live secondary
    /// when another process holds the database. Never creates the directory.
    ///
    /// Blocking.
    pub fn open(path: &Path, write: bool) -> Result<Self, InspectError> {
        Self::open_with(
            path,
            OpenRequest {
                write,
                allow_format_upgrade: false,
            },
        )
    }

    /// Opens `path` as asked, with the options of the database's own OPTIONS file (its
    /// merge operators, comparators and table format). Read-write only where what this
    /// build writes stays readable by the RocksDB that wrote it, unless
    /// `allow_format_upgrade`.
    pub fn open_with(path: &Path, request: OpenRequest) -> Result<Self, InspectError> {
        if is_etcd_url(path) {
            return Self::open_cluster(path, request);
        }
        if let Some(scheme) = path.to_str().and_then(|p| p.split_once("://")) {
            return Err(InspectError::Invalid(format!(
                "{}: a {}:// URL is neither a database directory nor an etcd cluster; an etcd cluster is written etcd://HOST:PORT[,HOST:PORT...][/NAMESPACE]",
                path.display(),
                scheme.0
            )));
        }
        let mut params = RocksDbParams {
            create_if_missing: false,
            use_stored_options: true,
            ..RocksDbParams::default()
        };
        let mut writing_as = None;
        if request.write {
            check_existing_db(path)?;
            refuse_risky_writes(path, request.allow_format_upgrade)?;
            writing_as = become_owner(path)?;
        }
        // One private directory per run (0700, a fresh name, removed on exit) for the
        // info log of a read-only view and the scratch files of a secondary.
        let scratch = || {
            crate::inspector::scratch::create()
                .map_err(|e| InspectError::io("creating a private scratch directory", e))
        };
        let watch = super::open_phases::PhaseWatch::start(path);
        let (opened, access, scratch) = if request.write {
            (
                open_db_with(path, &OpenMode::ReadWrite, &params)?,
                Access::ReadWrite,
                None,
            )
        } else if lock_is_held(path) {
            let scratch = scratch()?;
            let mode = OpenMode::Secondary {
                scratch: scratch.path().to_path_buf(),
            };
            (
                open_db_with(path, &mode, &params)?,
                Access::LiveSecondary,
                Some(scratch),
            )
        } else {
            let scratch = scratch()?;
            params.scratch_dir = Some(scratch.path().to_path_buf());
            (
                open_db_with(path, &OpenMode::ReadOnly, &params)?,
                Access::ReadOnlySnapshot,
                Some(scratch),
            )
        };
        let open_phases = watch.finish();
        let mut column_families = opened.column_families;
        // `default` first, the rest in name order.
        column_families.sort_by(|a, b| (a != "default", a).cmp(&(b != "default", b)));
        let source = Self {
            db: Some(opened.db),
            etcd: None,
            path: path.to_path_buf(),
            access,
            column_families,
            written_by: opened
                .stored
                .as_ref()
                .and_then(|s| s.rocksdb_version.clone()),
            stored: opened.stored,
            options: opened.origin,
            unresolved_merge: opened.unresolved_merge,
            opens: opened.attempts,
            writing_as,
            _scratch: scratch,
            reads_refused: opened.reads_refused,
            open_phases,
        };
        source.keep_options_readable()?;
        Ok(source)
    }

    /// Connects to the etcd cluster `url` names: read-only unless `--write`; every read
    /// is of the cluster as it is now.
    fn open_cluster(url: &Path, request: OpenRequest) -> Result<Self, InspectError> {
        let cluster = EtcdSource::open(&url.display().to_string(), request.write)?;
        Ok(Self {
            db: None,
            etcd: Some(Box::new(cluster)),
            path: url.to_path_buf(),
            access: if request.write {
                Access::ReadWrite
            } else {
                Access::Cluster
            },
            column_families: vec!["default".to_string()],
            written_by: None,
            stored: None,
            options: OptionsOrigin::Defaults,
            unresolved_merge: Vec::new(),
            opens: 1,
            writing_as: None,
            _scratch: None,
            reads_refused: None,
            open_phases: Default::default(),
        })
    }

    /// After a read-write open (or a new column family), puts the service's own OPTIONS
    /// text back where RocksDB wrote this build's: see `restore_options_text`.
    pub(crate) fn keep_options_readable(&self) -> Result<(), InspectError> {
        if let (Access::ReadWrite, Some(stored)) = (self.access, &self.stored) {
            // A database this build created for RocksDB 7.x readers keeps a file they load;
            // a service's own file gets its text back.
            let kept = if compat::is_ours(&stored.text) {
                compat::write_readable_options(&self.path, Some(stored), &RocksDbParams::default())
            } else {
                restore_options_text(&self.path, stored)
            };
            kept.map_err(|e| {
                InspectError::io(
                    format!(
                        "keeping the OPTIONS file of {} readable",
                        self.path.display()
                    ),
                    e,
                )
            })?;
        }
        Ok(())
    }
}

/// Refuses `--write` where what this build writes might not be readable by the RocksDB
/// that wrote the database (unless `allow_format_upgrade`), and always where a column
/// family's merge operator is its service's own code.
fn refuse_risky_writes(path: &Path, allow_format_upgrade: bool) -> Result<(), InspectError> {
    let stored = read_stored_options(path);
    if let Some(stored) = &stored {
        for (cf, settings) in &stored.column_families {
            if !settings.merge_operator_is_built_in() {
                return Err(InspectError::ForeignMergeOperator {
                    path: path.to_path_buf(),
                    cf: cf.clone(),
                    operator: settings.merge_operator.clone().unwrap_or_default(),
                });
            }
        }
    }
    if allow_format_upgrade {
        return Ok(());
    }
    let verdict = write_verdict(stored.as_ref()).and_then(|()| {
        // Its table format is kept only if RocksDB can load the file that names it.
        load_stored_options(path)
            .map(drop)
            .map_err(|reason| format!("RocksDB cannot load its OPTIONS file ({reason})"))
    });
    verdict.map_err(|reason| InspectError::FormatRisk {
        path: path.to_path_buf(),
        reason,
        linked: LINKED_VERSION,
    })
}
