//! `confine` and `probe` on Linux: the plan for one command (writable roots, denied paths,
//! mounts, Landlock ruleset, seccomp filter) prepared in the parent, and the one closure
//! that applies it between fork and exec.

use std::path::{Path, PathBuf};

use super::{Policy, PrivateTmp, Protection, env, errno, landlock, mounts, namespaces, seccomp};

/// Terminals a command could read the user's keys from or write to; never granted.
const TERMINALS: [&str; 3] = ["/dev/pts", "/dev/tty", "/dev/console"];

fn canonical(path: impl AsRef<Path>) -> Option<PathBuf> {
    path.as_ref().canonicalize().ok()
}

/// Container engines' sockets: connecting to one is root on the host for a member of its
/// group, and connecting needs no right Landlock controls before ABI 9.
const ENGINE_SOCKETS: [&str; 3] = [
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
];

/// The user's runtime dirs (`/run/user/UID`, `$XDG_RUNTIME_DIR`: sockets to the desktop
/// bus, agents and the user's service manager) and the container engines' sockets.
fn runtime_dirs() -> Vec<PathBuf> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let mut dirs: Vec<PathBuf> = [
        Some(PathBuf::from(format!("/run/user/{uid}"))),
        std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
    ]
    .into_iter()
    .chain(ENGINE_SOCKETS.iter().map(|s| Some(PathBuf::from(s))))
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
    let protection = super::status();
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

/// Tries each protection once in a forked child: the namespaces and mounts (bit 1), a
/// Landlock ruleset (bit 2), the seccomp filter (bit 4); the child's exit code says which
/// held. The kernel's word, not a guess from its version.
pub(super) fn probe() -> Protection {
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
