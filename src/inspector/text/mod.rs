//! Plain-text renderings shared by the screens and the command line, kept out of the
//! data layers (`analysis`, `formats`) so those return data only.

pub mod cluster;
pub mod explain;
pub mod history;
pub mod log;
pub mod lsm;
pub mod maintenance;
pub mod stall;
pub mod verify;
pub mod wal;
pub mod writes;
