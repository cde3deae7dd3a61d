//! A reader that closes stdout early (`sapcode … | head -1`): every printing command ends
//! quietly with exit code 0, no panic, no crash report, no error line.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};

use common::Home;

/// Runs sapcode with stdout a pipe whose read end is already closed, so its first write
/// fails with EPIPE; returns (exit code, stderr).
fn with_closed_stdout(home: &Home, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(assert_cmd::cargo::cargo_bin("sapcode"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn printing_commands_end_quietly_on_a_closed_stdout() {
    let home = Home::new();
    for args in [
        &["completions", "bash"][..],
        &["--demo", "run", "say hi"],
        &["--demo", "run", "--json", "say hi"],
        &["--demo", "models"],
        &["--demo", "deployments", "--json"],
        &["--demo", "doctor"],
    ] {
        let (code, stderr) = with_closed_stdout(&home, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("sapcode:"), "{args:?}: {stderr}");
    }
    assert!(
        !home.path().join("state").exists()
            || walk(&home.path().join("state"))
                .iter()
                .all(|p| !p.contains("crash")),
        "no crash report"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}
