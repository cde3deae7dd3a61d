//! While the TUI owns the screen nothing may write to the terminal behind its back: a line
//! on stderr (from a library, a keyring backend's C code, the `-v` notices) lands over the
//! alternate screen, scrolls the header away and survives Ctrl-L. So file descriptor 2 is
//! pointed at a log file for as long as the TUI runs, and put back before the terminal is
//! restored for good (also from the panic hook, so a panic message still reaches the user).

use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

/// Name of the file in the state dir that receives stderr while the TUI runs.
pub const STDERR_LOG: &str = "tui-stderr.log";

/// The saved original stderr, or -1 while it is not redirected.
static SAVED: AtomicI32 = AtomicI32::new(-1);

/// Points stderr at `dir/STDERR_LOG` (created 0600, appended to), or at `/dev/null` when
/// that cannot be opened. Returns where it went, for the log.
#[cfg(unix)]
pub fn redirect(dir: Option<&Path>) -> Option<std::path::PathBuf> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    if SAVED.load(Ordering::SeqCst) >= 0 {
        return None;
    }
    let opened = dir.and_then(|dir| {
        crate::logging::create_private_dir(dir).ok()?;
        let path = dir.join(STDERR_LOG);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .ok()?;
        Some((file, Some(path)))
    });
    let (file, path) = match opened {
        Some(found) => found,
        None => (
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .ok()?,
            None,
        ),
    };
    // SAFETY: plain descriptor calls on descriptors this process owns; `file` stays open
    // until `dup2` has made fd 2 a copy of it.
    let saved = unsafe { libc::dup(2) };
    if saved < 0 {
        return None;
    }
    if unsafe { libc::dup2(file.as_raw_fd(), 2) } < 0 {
        unsafe { libc::close(saved) };
        return None;
    }
    SAVED.store(saved, Ordering::SeqCst);
    path
}

#[cfg(not(unix))]
pub fn redirect(_dir: Option<&Path>) -> Option<std::path::PathBuf> {
    None
}

/// Puts the original stderr back; safe to call twice and from the panic hook.
pub fn restore() {
    let saved = SAVED.swap(-1, Ordering::SeqCst);
    #[cfg(unix)]
    if saved >= 0 {
        // SAFETY: `saved` is the descriptor `redirect` duplicated and nobody else closes.
        unsafe {
            libc::dup2(saved, 2);
            libc::close(saved);
        }
    }
    #[cfg(not(unix))]
    let _ = saved;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn write_fd2(text: &str) {
        // SAFETY: writing a valid buffer to fd 2.
        unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
    }

    #[test]
    fn stderr_goes_to_the_log_file_until_restored() {
        let dir = tempfile::tempdir().unwrap();
        let path = redirect(Some(dir.path())).expect("redirected to a file");
        write_fd2("keyring backend: something went wrong\n");
        restore();
        restore();
        let logged = std::fs::read_to_string(&path).unwrap();
        assert!(logged.contains("something went wrong"), "{logged}");
        write_fd2("(stderr_guard test: stderr is back)\n");
        // Back on the original descriptor: nothing more reaches the file.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), logged);
    }
}
