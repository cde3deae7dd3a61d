//! The confinement of commands (contract "The trust boundary"). The model's commands
//! (`run_command`) start in a new session without a terminal and with a stripped
//! environment (`env`), in new namespaces as pid 1 of their own PID namespace so nothing
//! they start outlives them (`namespaces`), with a private `/tmp`, read-only VCS dirs and
//! the secrets a writable root would expose hidden (`mounts`), under Landlock (`landlock`)
//! and a seccomp filter (`seccomp`). Everything is prepared in the parent; the child only
//! makes system calls between fork and exec, so sapcode itself is never confined. What
//! holds on this kernel is probed once and said honestly (`status`). The user's own `!CMD`
//! gets the session and the environment, not the sandbox.

mod env;
#[cfg(target_os = "linux")]
mod landlock;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod mounts;
#[cfg(target_os = "linux")]
mod namespaces;
#[cfg(target_os = "linux")]
mod seccomp;
mod status;
mod vcs;

use std::path::PathBuf;

pub use env::is_stripped;
#[cfg(target_os = "linux")]
pub use linux::confine;
#[cfg(target_os = "linux")]
use linux::probe;
pub use status::{Check, Protection, status};
pub use vcs::NewVcsDirs;

use crate::agent::protected::ReadDenyList;

/// What a model's command may do beyond the fixed rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Network access (off by default: `run --network`, `[agent] network`, `/network`).
    pub network: bool,
    /// The paths a command cannot read (shared with the file tools).
    pub deny: ReadDenyList,
}

/// The calling thread's `errno`.
#[cfg(unix)]
pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EPERM)
}

/// What the parent keeps while a command runs: the directory of its private `/tmp`,
/// removed with everything the command left in it when dropped.
#[derive(Debug, Default)]
pub struct PrivateTmp(Option<PathBuf>);

impl PrivateTmp {
    /// Owns `dir`: it is removed on drop.
    #[cfg(target_os = "linux")]
    fn new(dir: PathBuf) -> PrivateTmp {
        PrivateTmp(Some(dir))
    }

    /// The directory bound over `/tmp`, if there is one.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.0.as_deref()
    }
}

impl Drop for PrivateTmp {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take()
            && let Err(err) = std::fs::remove_dir_all(&dir)
        {
            tracing::warn!(
                "command's private /tmp {} not removed: {err}",
                dir.display()
            );
        }
    }
}

/// Starts the command in a session of its own: no controlling terminal, and a process
/// group to kill.
fn new_session(command: &mut tokio::process::Command) {
    #[cfg(unix)]
    // SAFETY: setsid is a plain system call between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::from_raw_os_error(errno()));
            }
            Ok(())
        });
    }
    #[cfg(not(unix))]
    let _ = command;
}

/// Without Linux's namespaces, Landlock and seccomp: the stripped environment and a session
/// of its own, nothing more (`status` says so).
#[cfg(not(target_os = "linux"))]
pub fn confine(
    command: &mut tokio::process::Command,
    _workspace: &std::path::Path,
    _policy: &Policy,
) -> Result<PrivateTmp, String> {
    env::strip(command);
    new_session(command);
    Ok(PrivateTmp::default())
}

#[cfg(not(target_os = "linux"))]
fn probe() -> Protection {
    Protection::default()
}

/// The user's own command (`!CMD`): no sandbox, but the stripped environment and a new
/// session (no terminal to read the keys typed next).
pub fn user_command(command: &mut tokio::process::Command) {
    env::strip(command);
    new_session(command);
}
