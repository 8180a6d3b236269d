//! Writes happen as the database's owner. A root on-call writing to a service's database
//! would otherwise leave `CURRENT`, the MANIFEST, the WAL and new SST files owned by root
//! (and, under a strict umask, readable by root only), and the service could not open its
//! own database again. So, before a writable open: as the owner, nothing to do; as root,
//! the whole process becomes the owner (groups, gid, uid) and takes a umask from the
//! database's own files; as anyone else, the write is refused.

use std::ffi::CString;
use std::path::Path;

use nix::unistd::{Gid, Uid, User, geteuid, initgroups, setgid, setgroups, setuid};

use crate::inspector::error::InspectError;
use crate::inspector::write::privacy::Privacy;

/// Makes this process write as the owner of `db`. Returns what to tell the user when it
/// switched ("writing as spear (uid 998), the owner of DB"); `None` when it already is
/// the owner.
pub fn become_owner(db: &Path) -> Result<Option<String>, InspectError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(db)
        .map_err(|e| InspectError::io(format!("reading the owner of {}", db.display()), e))?;
    let (uid, gid) = (Uid::from_raw(meta.uid()), Gid::from_raw(meta.gid()));
    let user = User::from_uid(uid).ok().flatten();
    let name = user.as_ref().map_or(uid.to_string(), |u| u.name.clone());
    let me = geteuid();
    if me == uid {
        return Ok(None);
    }
    if !me.is_root() {
        return Err(InspectError::NotOwner {
            path: db.to_path_buf(),
            owner: name,
            uid: uid.as_raw(),
        });
    }
    let failed = |step: &str, source: nix::Error| InspectError::SwitchUser {
        what: format!(
            "becoming {name} (uid {uid}), the owner of {}: {step}",
            db.display()
        ),
        source,
    };
    // Supplementary groups first (root may set them), then the group, then the user: after
    // setuid there is no way back, which is the point.
    match user
        .as_ref()
        .and_then(|u| CString::new(u.name.clone()).ok())
    {
        Some(cname) => initgroups(&cname, gid).map_err(|e| failed("initgroups", e))?,
        None => setgroups(&[gid]).map_err(|e| failed("setgroups", e))?,
    }
    setgid(gid).map_err(|e| failed("setgid", e))?;
    setuid(uid).map_err(|e| failed("setuid", e))?;
    if let Some(privacy) = Privacy::of(db) {
        nix::sys::stat::umask(privacy.umask());
    }
    Ok(Some(format!(
        "writing as {name} (uid {uid}), the owner of {}",
        db.display()
    )))
}
