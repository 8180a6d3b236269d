//! Writes happen as the database's owner: root becomes the owner, anyone else is refused;
//! the files a write leaves belong to the owner with the service's modes.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cli::REFUSED;
use crate::common::{snapshot_dir, write_fixture};

const OWNER: &str = "spear-owner-test";

/// The uid and gid of `name`, creating it as a system user if the machine allows; `None`
/// (after saying so loudly) where it does not.
fn user(name: &str) -> Option<(u32, u32)> {
    let ids = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, name]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if ids("-u").is_none() {
        let _ = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ])
            .status();
    }
    match (ids("-u"), ids("-g")) {
        (Some(uid), Some(gid)) => Some((uid, gid)),
        _ => {
            eprintln!("\n*** SKIPPED: cannot create the user {name} on this machine ***\n");
            None
        }
    }
}

/// A world-traversable place (other users must reach the binary and the database).
struct Stage {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    db: PathBuf,
}

fn stage() -> Stage {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("spear-inspect");
    std::fs::copy(env!("CARGO_BIN_EXE_spear-inspect"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.path().join("db");
    write_fixture(&db);
    Stage { _dir: dir, bin, db }
}

/// Runs the staged binary as `as_user` (via setpriv) or as this process (root).
fn run_as(stage: &Stage, as_user: Option<(u32, u32)>, args: &[&str]) -> Output {
    let mut cmd = match as_user {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={uid}"),
                &format!("--regid={gid}"),
                "--clear-groups",
                "--",
            ])
            .arg(&stage.bin);
            c
        }
        None => Command::new(&stage.bin),
    };
    cmd.args(args)
        .env("SPEAR_LOG", "off")
        .env("HOME", "/nonexistent")
        .output()
        .unwrap()
}

fn chown_tree(dir: &Path, uid: u32, gid: u32, dir_mode: u32, file_mode: u32) {
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(file_mode)).unwrap();
    }
}

#[test]
fn root_writes_as_the_owner_and_leaves_the_services_modes() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("\n*** SKIPPED: needs root to write as another user ***\n");
        return;
    }
    let Some((uid, gid)) = user(OWNER) else {
        return;
    };
    let stage = stage();
    chown_tree(&stage.db, uid, gid, 0o750, 0o640);
    let db = stage.db.to_str().unwrap();
    // As root with a strict umask, as hardened hosts have it.
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 077 && \"$0\" put \"$1\" fresh value --write && exec \"$0\" flush \"$1\" --write")
        .arg(&stage.bin)
        .arg(db)
        .env("SPEAR_LOG", "off")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("writing as {OWNER} (uid {uid}), the owner of")),
        "{stderr}"
    );
    let out = run_as(&stage, None, &["flush", db, "--write"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for entry in std::fs::read_dir(&stage.db).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.uid(), uid, "{} belongs to the owner", path.display());
        if meta.is_file() && path.file_name().unwrap() != "LOCK" {
            let mode = meta.permissions().mode() & 0o777;
            assert_eq!(
                mode & !0o640,
                0,
                "{} is {mode:o}, the service's files 640",
                path.display()
            );
            assert_eq!(
                mode & 0o640,
                0o640,
                "{} is {mode:o}: readable by the service's group",
                path.display()
            );
        }
    }
    // The owner opens its database afterwards, and sees the write.
    let out = run_as(&stage, Some((uid, gid)), &["get", db, "fresh"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "value\n");
}

#[test]
fn another_user_is_refused_and_nothing_changes() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("\n*** SKIPPED: needs root to act as two users ***\n");
        return;
    }
    let (Some((uid, gid)), Some(nobody)) = (user(OWNER), user("nobody")) else {
        return;
    };
    let stage = stage();
    chown_tree(&stage.db, uid, gid, 0o755, 0o644);
    let before = snapshot_dir(&stage.db);
    let db = stage.db.to_str().unwrap();
    let out = run_as(&stage, Some(nobody), &["put", db, "k", "v", "--write"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(REFUSED), "{stderr}");
    assert!(stderr.contains(&format!("sudo -u {OWNER}")), "{stderr}");
    assert_eq!(snapshot_dir(&stage.db), before, "nothing changed");
    // Reading needs no switch.
    let out = run_as(&stage, Some(nobody), &["count", db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
