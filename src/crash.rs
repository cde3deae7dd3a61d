//! Crash reports: a panic hook that saves the panic message, its location and a backtrace to
//! `crash-<time>-<pid>.log` in the state dir (atomically, mode 0600, scrubbed of anything that
//! looks like a token or a known secret by `redact::scrub`) and prints one line pointing to it.
//!
//! Composition: `install_hook` takes the hook installed before it and calls it from inside
//! its own, *before* printing its pointer line. So with the TUI's terminal-restoring hook:
//! - TUI hook installed first, this one second: ours writes the report, calls the TUI hook
//!   (terminal restored, default message printed), then prints the pointer line;
//! - this one first, TUI hook second: the TUI hook restores the terminal and calls ours,
//!   which writes the report, calls the default hook and prints the pointer line.
//!
//! Either way the report is written, the terminal is restored before anything is printed,
//! and the pointer line comes last.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{SystemTime, UNIX_EPOCH};

/// Woken by any panic once `watch_panics` ran: a task that panicked is gone (tokio catches
/// it), so a loop waiting for its answer would wait for ever over a half-drawn screen.
static PANICKED: tokio::sync::Notify = tokio::sync::Notify::const_new();
static WATCH: Once = Once::new();

/// Chains a hook that records every panic for `panicked` (once per process).
pub fn watch_panics() {
    WATCH.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            PANICKED.notify_one();
        }));
    });
}

/// Completes after a panic anywhere in the process (since `watch_panics`); the TUI loop
/// waits on it to stop and restore the terminal.
pub async fn panicked() {
    PANICKED.notified().await;
}

/// Installs the crash-report hook for the platform state dir (see `logging::state_dir`).
pub fn install_hook() {
    if let Some(dir) = crate::logging::state_dir() {
        install_hook_in(dir);
    }
}

/// Installs the hook writing reports into `dir`, chained to the previous hook.
pub fn install_hook_in(dir: PathBuf) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = panic_message(info.payload());
        let location = info.location().map_or_else(
            || "unknown location".into(),
            |l| format!("{}:{}:{}", l.file(), l.line(), l.column()),
        );
        let backtrace = std::backtrace::Backtrace::force_capture();
        let written = write_report(&dir, &message, &location, &backtrace.to_string());
        previous(info);
        match written {
            Ok(path) => eprintln!(
                "sapcode: crashed; a report was saved to {} (please attach it to a bug report)",
                path.display()
            ),
            Err(err) => eprintln!(
                "sapcode: crashed; the report could not be saved in {}: {err}",
                dir.display()
            ),
        }
    }));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".into()
    }
}

/// Writes one scrubbed report and returns its path.
pub fn write_report(
    dir: &Path,
    message: &str,
    location: &str,
    backtrace: &str,
) -> std::io::Result<PathBuf> {
    crate::logging::create_private_dir(dir)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let path = dir.join(format!("crash-{now}-{}.log", std::process::id()));
    let thread = std::thread::current();
    let report = format!(
        "sapcode {} crashed\nunix time: {now}\nthread: {}\nlocation: {location}\nmessage: {message}\n\nbacktrace:\n{backtrace}\n",
        env!("CARGO_PKG_VERSION"),
        thread.name().unwrap_or("unnamed"),
    );
    crate::fsutil::write_atomic(&path, crate::redact::scrub(&report).as_bytes(), true)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_in_any_task_is_noticed() {
        watch_panics();
        let task = tokio::spawn(async { panic!("task failed on purpose") });
        assert!(task.await.is_err());
        tokio::time::timeout(std::time::Duration::from_secs(60), panicked())
            .await
            .expect("the panic was noticed");
    }

    #[test]
    fn report_is_scrubbed_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_report(
            dir.path(),
            "boom with Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln",
            "src/x.rs:1:2",
            "0: main",
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("location: src/x.rs:1:2"), "{text}");
        assert!(text.contains("boom with Bearer [redacted]"), "{text}");
        assert!(!text.contains("eyJ"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
