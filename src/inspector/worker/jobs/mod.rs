//! One function per job, each a method of [`Run`](super::run::Run) answering through its
//! events; grouped by what they read.

mod changes;
mod diagnosis;
mod files;
mod keys;
mod spear;
