//! The official OpenAI and Anthropic SDKs (Python, pinned in
//! `tests/conformance/python/requirements.txt`, installed by `tests/setup.sh`) are the judges
//! of `sapcode --demo serve`: `tests/conformance/python/test_serve.py` streams text and does a
//! tool round with each, reads the model list, `count_tokens`, and the 401/404 errors as the
//! SDKs' own exception types.
//!
//! Without the virtualenv this test FAILS saying to run `sh tests/setup.sh`, unless
//! `SAPCODE_SKIP_CONFORMANCE=1` asks for a visible skip (as `tests/conformance.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serve_support::{KEY, Serve};

const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn official_openai_and_anthropic_sdks_talk_to_serve() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/python");
    let python = dir.join(".venv/bin/python");
    if !python.is_file() {
        let message = "the SDK virtualenv tests/conformance/python/.venv is missing: \
                       run `sh tests/setup.sh` (needs python3 with venv)";
        if std::env::var("SAPCODE_SKIP_CONFORMANCE").is_ok_and(|v| v == "1") {
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {message}\n");
            return;
        }
        panic!("{message}\n(To skip it knowingly, set SAPCODE_SKIP_CONFORMANCE=1.)");
    }
    let serve = Serve::start();
    let mut child = Command::new(&python)
        .args(["-m", "unittest", "-v", "test_serve"])
        .current_dir(&dir)
        .env("SAPCODE_SERVE_URL", serve.url(""))
        .env("SAPCODE_SERVE_KEY", KEY)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // The SDKs read these; none may point them elsewhere.
        .env_remove("OPENAI_BASE_URL")
        .env_remove("ANTHROPIC_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the SDK checks");
    let deadline = Instant::now() + TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = format!(
        "--- unittest ---\n{stderr}\n{}\n--- sapcode serve ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        serve.stderr()
    );
    if stderr.contains("No module named") {
        panic!("the virtualenv lacks the openai/anthropic SDKs: run `sh tests/setup.sh`\n{report}");
    }
    assert!(
        output.status.success(),
        "the SDKs disagree with serve\n{report}"
    );
    let ran = stderr.lines().find_map(|line| {
        line.strip_prefix("Ran ")
            .and_then(|rest| rest.split(' ').next()?.parse::<u32>().ok())
    });
    // Every check must run: `OK (skipped=N)` is not a pass.
    let verdict = stderr.lines().rev().find(|line| line.starts_with("OK"));
    assert!(
        ran.is_some_and(|n| n >= 9) && verdict == Some("OK"),
        "not every SDK check ran and passed ({ran:?}, {verdict:?})\n{report}"
    );
}
