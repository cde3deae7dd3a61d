//! The process side of the sandbox, run in the child between fork and exec (so: system calls
//! on buffers prepared beforehand, no allocation). The child enters new user, mount, PID,
//! IPC (and, with the network off, network) namespaces mapping only its own uid and gid,
//! then forks once more: the command runs as pid 1 of the new PID namespace, so when it
//! ends the kernel kills every process it left behind (`&`, `setsid -f`, `nohup`, double
//! forks), and the intermediate process only waits and hands its exit status on.

use std::ffi::{CStr, CString};

use super::errno;

/// The namespaces to enter and the id maps to write, prepared in the parent.
pub struct Namespaces {
    flags: libc::c_int,
    uid_map: CString,
    gid_map: CString,
}

impl Namespaces {
    /// With `network` false the command also gets an empty network namespace (no interface
    /// but a loopback that is down: no TCP, UDP or abstract unix socket reaches out).
    pub fn new(network: bool) -> Namespaces {
        let mut flags =
            libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWIPC;
        if !network {
            flags |= libc::CLONE_NEWNET;
        }
        // SAFETY: getuid and getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let map = |id: u32| CString::new(format!("{id} {id} 1\n")).unwrap_or_default();
        Namespaces {
            flags,
            uid_map: map(uid),
            gid_map: map(gid),
        }
    }

    /// Enters the namespaces and maps the caller's own uid and gid in them.
    pub fn enter(&self) -> Result<(), i32> {
        // SAFETY: plain syscall in a single-threaded child.
        if unsafe { libc::unshare(self.flags) } != 0 {
            return Err(errno());
        }
        write_file(c"/proc/self/setgroups", b"deny")?;
        write_file(c"/proc/self/uid_map", self.uid_map.as_bytes())?;
        write_file(c"/proc/self/gid_map", self.gid_map.as_bytes())
    }
}

fn write_file(path: &CStr, data: &[u8]) -> Result<(), i32> {
    // SAFETY: open/write/close on a NUL-terminated path and a live buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(errno());
        }
        let written = libc::write(fd, data.as_ptr().cast(), data.len());
        let failed = usize::try_from(written).ok() != Some(data.len());
        let err = errno();
        libc::close(fd);
        if failed { Err(err) } else { Ok(()) }
    }
}

/// Forks the command's process: returns in the new process (pid 1 of the new PID
/// namespace, killed if the intermediate dies); the intermediate never returns, it waits
/// and exits as the command did.
pub fn fork_init() -> Result<(), i32> {
    // SAFETY: fork in a single-threaded child; each side only makes system calls.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(errno());
    }
    if pid == 0 {
        // SAFETY: plain prctl; SIGKILL when the intermediate (our parent) dies, so killing
        // it (timeout, cancel, sapcode ending) ends the namespace and all in it.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        }
        return Ok(());
    }
    wait_and_exit(pid)
}

/// The intermediate: drop every descriptor but the standard ones (the spawner's error pipe
/// must close when the command's exec succeeds, not when it ends), wait, exit alike.
fn wait_and_exit(pid: libc::pid_t) -> ! {
    // SAFETY: close_range, waitpid, signal, kill and _exit are plain system calls.
    unsafe {
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
            for fd in 3..4096 {
                libc::close(fd);
            }
        }
        let mut status = 0;
        loop {
            let waited = libc::waitpid(pid, &raw mut status, 0);
            if waited == pid {
                break;
            }
            if waited < 0 && errno() != libc::EINTR {
                libc::_exit(126);
            }
        }
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            libc::signal(signal, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&raw mut set);
            libc::sigaddset(&raw mut set, signal);
            libc::sigprocmask(libc::SIG_UNBLOCK, &raw const set, std::ptr::null_mut());
            libc::kill(libc::getpid(), signal);
            libc::_exit(128 + signal);
        }
        libc::_exit(libc::WEXITSTATUS(status))
    }
}

/// Empties the capability bounding set: a command mapped to uid 0 (sapcode run as root)
/// keeps no capability in its namespace across exec. Errors are ignored: a capability the
/// kernel does not know is not there to keep.
pub fn drop_capabilities() {
    for cap in 0..64 {
        // SAFETY: plain prctl.
        unsafe {
            libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
        }
    }
}
