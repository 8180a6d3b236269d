//! The node and resource registries, which the Nodes and Resources screens both show: each
//! keeps the snapshot of the column family on show, and both ask for it the same way
//! (`App` drops a request that a later one in the same batch supersedes, so the two never
//! read it twice at once).

use std::sync::Arc;

use super::Change;
use crate::inspector::spear::records::RegistrySnapshot;
use crate::inspector::state::Session;
use crate::inspector::worker::{Body, Command, Event, Job, Kind, Purpose};

/// A read of both registries of the column family on show.
pub(super) fn request(session: &mut Session, purpose: Purpose) -> Command {
    let context = session.context().with_purpose(purpose);
    session.request(context, Job::Registry).into()
}

/// On show: a read, unless the registries are held already.
pub(super) fn show(held: bool, session: &mut Session) -> Vec<Command> {
    if held {
        return Vec::new();
    }
    vec![request(session, Purpose::Show)]
}

/// On a live database: a periodic read, unless the last is still running.
pub(super) fn follow(session: &mut Session) -> Vec<Command> {
    if session.tickets.is_pending(Kind::Registry) {
        return Vec::new();
    }
    vec![request(session, Purpose::Periodic)]
}

/// After an edit, a read again when they are on show or held (a node edit changes them).
pub(super) fn changed(change: &Change, wanted: bool, session: &mut Session) -> Vec<Command> {
    if !wanted || *change == Change::Maintained {
        return Vec::new();
    }
    vec![request(session, Purpose::Show)]
}

/// Another column family is on show: the old one's read is of no use.
pub(super) fn cancel(session: &mut Session) -> Command {
    session.cancel(Kind::Registry)
}

/// The registries an answer carries, when they are of the column family on show; a
/// failure goes to the status line.
pub(super) fn answer(event: Event, session: &mut Session) -> Option<Arc<RegistrySnapshot>> {
    match event.body {
        Body::Registry(snapshot) if event.context.cf == session.cf => Some(snapshot),
        Body::Failed(error) => {
            session.fail(&error);
            None
        }
        _ => None,
    }
}
