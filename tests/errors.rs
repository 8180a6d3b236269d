//! Errors keep their cause: the underlying error is the `source()` of what the inspector
//! reports, the message reads as it always did, and the command line prints each cause
//! once.

use std::error::Error;
use std::io::ErrorKind;
use std::path::Path;
use std::process::Stdio;

use spear_next::inspector::analysis::recent::newest_batches;
use spear_next::inspector::error::{ErrorClass, InspectError, one_line};
use spear_next::inspector::formats::options_file::{self, OptionsFileError};
use spear_next::inspector::formats::wal::{WalError, WalFileInfo, WalReader};

use crate::cli::{STORAGE, USER, bin, run};
use crate::common::temp_db;

/// `error` and its causes, outermost first.
fn chain<'a>(error: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    std::iter::successors(Some(error), |&e| e.source()).collect()
}

/// The kind of the I/O error somewhere among `error`'s causes.
fn io_kind(error: &(dyn Error + 'static)) -> Option<ErrorKind> {
    chain(error)
        .into_iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind)
}

#[test]
fn a_wal_that_cannot_be_opened_keeps_its_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("000042.log");
    let p = missing.display();

    let Err(err) = WalReader::open(&missing) else {
        panic!("{p} does not exist")
    };
    assert!(matches!(err, WalError::Io { .. }));
    assert_eq!(
        err.to_string(),
        format!("{p}: No such file or directory (os error 2)")
    );
    assert_eq!(io_kind(&err), Some(ErrorKind::NotFound));

    // As the Recent screen and `wal` meet it: the inspector's error, with the WAL
    // reader's below it and the system's below that.
    let file = WalFileInfo {
        path: missing.clone(),
        number: 42,
        size: 0,
        archived: false,
        first_sequence: None,
        last_sequence: None,
        last_op_sequence: None,
        tail: None,
        corruptions: Vec::new(),
        error: None,
    };
    let err = newest_batches(&[file], 10).unwrap_err();
    assert!(matches!(err, InspectError::Wal { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Storage);
    assert_eq!(
        err.to_string(),
        format!("reading {p}: {p}: No such file or directory (os error 2)")
    );
    let causes = chain(&err);
    assert_eq!(
        causes[1].to_string(),
        format!("{p}: No such file or directory (os error 2)")
    );
    assert_eq!(io_kind(&err), Some(ErrorKind::NotFound));
    // Printed at the edge: each cause once.
    assert_eq!(one_line(causes), err.to_string());
}

/// An OPTIONS file whose bytes are not text.
fn write_unparsable_options(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("OPTIONS-000005");
    std::fs::write(&file, b"\xff\xfe[Version]\n  rocksdb_version=7.8.3\n").unwrap();
    file
}

#[test]
fn an_unparsable_options_file_keeps_its_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_unparsable_options(dir.path());
    let expected = format!(
        "reading {}: stream did not contain valid UTF-8",
        file.display()
    );

    let err = options_file::read_settings(&file).unwrap_err();
    assert!(matches!(err, OptionsFileError::Read { .. }));
    assert_eq!(err.to_string(), expected);
    assert_eq!(io_kind(&err), Some(ErrorKind::InvalidData));

    // As the Stats screen's options report meets it.
    let err = options_file::report(dir.path()).unwrap_err();
    assert!(matches!(err, InspectError::OptionsFile(_)), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Storage);
    assert_eq!(err.to_string(), expected);
    assert_eq!(io_kind(&err), Some(ErrorKind::InvalidData));
    assert_eq!(one_line(chain(&err)), expected);
}

#[test]
fn the_command_line_prints_an_unparsable_options_file_as_before() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CURRENT"), "MANIFEST-000001\n").unwrap();
    let file = write_unparsable_options(dir.path());
    let output = run(&["options", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(STORAGE));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "spear-inspect: reading {}: stream did not contain valid UTF-8\n",
            file.display()
        )
    );
}

/// An error that names its cause in its message and keeps it as its source too was
/// printed with the cause twice ("…: Is a directory (os error 21): Is a directory (os
/// error 21)"); the edge now prints a cause only where the message does not quote it.
#[test]
fn the_command_line_prints_a_quoted_cause_once() {
    let (_dir, path) = temp_db();
    let output = bin()
        .args(["import", path.to_str().unwrap(), "--write"])
        .stdin(std::fs::File::open("/").unwrap())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(USER));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "spear-inspect: reading the input at line 1: Is a directory (os error 21)\n"
    );
}
