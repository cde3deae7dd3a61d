//! The crash hook in a process of its own (panic hooks are global): a panic writes a scrubbed
//! report and still calls the hook installed before it (the TUI's terminal restore).

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn panic_writes_a_scrubbed_report_and_chains_to_the_previous_hook() {
    let dir = tempfile::tempdir().unwrap();
    let previous_ran = Arc::new(AtomicBool::new(false));
    let flag = previous_ran.clone();
    // Stands in for the TUI's hook that restores the terminal.
    std::panic::set_hook(Box::new(move |_| flag.store(true, Ordering::SeqCst)));
    sapcode::redact::remember("known-client-secret-123");
    sapcode::crash::install_hook_in(dir.path().to_owned());
    let result = std::thread::spawn(|| {
        panic!("exploded holding known-client-secret-123 and Bearer eyJhbGciOi.eyJzdWIi.c2ln")
    })
    .join();
    let _ = std::panic::take_hook();
    assert!(result.is_err());
    assert!(
        previous_ran.load(Ordering::SeqCst),
        "previous hook not called"
    );
    let reports: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let text = std::fs::read_to_string(&reports[0]).unwrap();
    assert!(
        text.contains("message: exploded holding [redacted]"),
        "{text}"
    );
    assert!(text.contains("tests/crash.rs"), "{text}");
    assert!(text.contains("backtrace:"), "{text}");
    assert!(!text.contains("known-client-secret-123"), "{text}");
    assert!(!text.contains("eyJ"), "{text}");
}
