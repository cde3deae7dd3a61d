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
mod landlock;
mod mounts;
mod namespaces;
mod seccomp;
mod status;

use std::path::{Path, PathBuf};

pub use env::is_stripped;
pub use mounts::{PrivateTmp, VCS_DIRS};
pub use status::{Check, Protection, status};

use crate::agent::protected::ReadDenyList;

/// What a model's command may do beyond the fixed rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Network access (off by default: `run --network`, `[agent] network`, `/network`).
    pub network: bool,
    /// The paths a command cannot read (shared with the file tools).
    pub deny: ReadDenyList,
}

/// Terminals a command could read the user's keys from or write to; never granted.
const TERMINALS: [&str; 3] = ["/dev/pts", "/dev/tty", "/dev/console"];

/// The calling thread's `errno`.
pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EPERM)
}

fn canonical(path: impl AsRef<Path>) -> Option<PathBuf> {
    path.as_ref().canonicalize().ok()
}

/// The user's runtime dirs (`/run/user/UID`, `$XDG_RUNTIME_DIR`): sockets to the desktop
/// bus, agents and the user's service manager.
fn runtime_dirs() -> Vec<PathBuf> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let mut dirs: Vec<PathBuf> = [
        Some(PathBuf::from(format!("/run/user/{uid}"))),
        std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
    ]
    .into_iter()
    .flatten()
    .filter_map(canonical)
    .filter(|dir| dir != Path::new("/"))
    .collect();
    dirs.dedup();
    dirs
}

/// `$TMPDIR` when set to an existing directory.
fn tmpdir() -> Option<PathBuf> {
    std::env::var_os("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .and_then(canonical)
}

/// Makes `command` a sandboxed command in `workspace` (canonical). Keep the returned value
/// until the command ended: it removes the command's private `/tmp`.
pub fn confine(
    command: &mut tokio::process::Command,
    workspace: &Path,
    policy: &Policy,
) -> Result<PrivateTmp, String> {
    env::strip(command);
    let protection = status();
    let tmp = canonical("/tmp").unwrap_or_else(|| PathBuf::from("/tmp"));
    let mut denied: Vec<PathBuf> = policy.deny.roots().to_vec();
    denied.extend(TERMINALS.iter().map(PathBuf::from));
    let mut writable = vec![workspace.to_owned(), PathBuf::from("/dev/null")];
    writable.extend(tmpdir());
    let mut private = PrivateTmp::default();
    let mut child_ns = None;
    if protection.namespaces {
        writable.push(tmp.clone());
        let (mounts, tmp_dir) = mounts::plan(workspace, &writable, &denied, &runtime_dirs())?;
        writable.pop();
        if let Some(dir) = tmp_dir.dir() {
            // The real /tmp is covered: its own rule would only cost a walk through it.
            writable.push(dir.to_owned());
            denied.push(tmp.clone());
            if tmpdir().is_some_and(|t| t.starts_with(&tmp) && !t.starts_with(workspace)) {
                command.env("TMPDIR", "/tmp");
            }
        }
        private = tmp_dir;
        child_ns = Some((namespaces::Namespaces::new(policy.network), mounts));
    } else {
        writable.push(tmp);
    }
    let mut ruleset = match protection.landlock {
        Some(_) => Some(landlock::ruleset(&writable, &denied, policy.network)?),
        None => None,
    };
    let filter = seccomp::filter().filter(|_| protection.seccomp);
    // SAFETY: between fork and exec the closure makes only system calls on data prepared
    // above (no allocation, no lock); errors are plain errno values.
    unsafe {
        command.pre_exec(move || {
            let fail = std::io::Error::from_raw_os_error;
            if libc::setsid() < 0 {
                return Err(fail(errno()));
            }
            if let Some((ns, mounts)) = &child_ns {
                ns.enter().map_err(fail)?;
                mounts.apply().map_err(fail)?;
                namespaces::fork_init().map_err(fail)?;
                namespaces::drop_capabilities();
            }
            if let Some(ruleset) = ruleset.take() {
                match ruleset.restrict_self() {
                    Ok(status) if landlock::enforced(&status.ruleset) => {}
                    _ => return Err(fail(libc::EPERM)),
                }
            }
            if let Some(filter) = &filter {
                filter.install().map_err(fail)?;
            }
            Ok(())
        });
    }
    Ok(private)
}

/// The user's own command (`!CMD`): no sandbox, but the stripped environment and a new
/// session (no terminal to read the keys typed next).
pub fn user_command(command: &mut tokio::process::Command) {
    env::strip(command);
    // SAFETY: setsid is a plain system call between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::from_raw_os_error(errno()));
            }
            Ok(())
        });
    }
}

/// Tries each protection once in a forked child: the namespaces and mounts (bit 1), a
/// Landlock ruleset (bit 2), the seccomp filter (bit 4); the child's exit code says which
/// held. The kernel's word, not a guess from its version.
fn probe() -> Protection {
    let abi = landlock::kernel_abi();
    let ns = namespaces::Namespaces::new(false);
    let mounts = mounts::probe();
    let ruleset = abi.and_then(|_| landlock::ruleset(&[], &[], false).ok());
    let filter = seccomp::filter();
    // SAFETY: the child makes only system calls on data prepared above, then `_exit`s.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let mut code = 0;
        if ns.enter().is_ok() && mounts.apply().is_ok() {
            code |= 1;
        }
        if let Some(ruleset) = ruleset
            && ruleset
                .restrict_self()
                .is_ok_and(|status| landlock::enforced(&status.ruleset))
        {
            code |= 2;
        }
        if filter
            .as_ref()
            .is_some_and(|filter| filter.install().is_ok())
        {
            code |= 4;
        }
        // SAFETY: ends the probe child without running the parent's exit handlers.
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    // SAFETY: waits for the probe child forked above.
    let waited = pid > 0 && unsafe { libc::waitpid(pid, &raw mut status, 0) } == pid;
    let code = if waited && libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        0
    };
    Protection {
        landlock: abi.filter(|_| code & 2 != 0),
        namespaces: code & 1 != 0,
        seccomp: code & 4 != 0,
    }
}
