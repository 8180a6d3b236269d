//! A tmux server of a test's own (its own socket, whatever else runs on the machine),
//! for driving the real binary in a terminal as a person would; killed on drop. tmux is
//! installed by scripts/setup.sh, so a test that finds it missing fails, naming it.

use std::process::{Command, Output};

/// The test's tmux server.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named after the test and this process; fails when tmux is missing.
    pub fn new(test: &str) -> Self {
        let runs = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            runs,
            "tmux is not installed: run ./scripts/setup.sh (Debian package tmux)"
        );
        Self {
            socket: format!("spear-{test}-{}", std::process::id()),
        }
    }

    /// Runs one tmux command on this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// What the pane of session `t` shows now.
    pub fn pane(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
