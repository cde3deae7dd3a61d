//! Claude Code and Codex themselves complete a turn through `sapcode --demo serve`: the
//! clients sapcode serve exists for (issue 19). Pinned in `tests/clients/package-lock.json`,
//! installed by `tests/setup.sh`.
//!
//! Both are kept offline except for loopback: a temp HOME (and CODEX_HOME), telemetry and
//! update checks off, and every proxy variable pointing at a closed loopback port, so a
//! request to anywhere but serve fails on this machine instead of leaving it.
//!
//! Without `tests/clients/node_modules` these tests FAIL saying to run `sh tests/setup.sh`,
//! unless `SAPCODE_SKIP_CONFORMANCE=1` asks for a visible skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serve_support::{KEY, Serve};

const TIMEOUT: Duration = Duration::from_secs(90);
/// Nothing listens here: port 9 (discard) on loopback, refused at once.
const DEAD_PROXY: &str = "http://127.0.0.1:9";

fn client_bin(name: &str) -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients/node_modules/.bin")
        .join(name);
    if bin.exists() {
        return Some(bin);
    }
    let message = format!(
        "{name} is not installed in tests/clients/node_modules: run `sh tests/setup.sh` (needs Node.js 20+ and npm)"
    );
    if std::env::var("SAPCODE_SKIP_CONFORMANCE").is_ok_and(|v| v == "1") {
        let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {message}\n");
        return None;
    }
    panic!("{message}\n(To skip it knowingly, set SAPCODE_SKIP_CONFORMANCE=1.)");
}

/// A command with nothing of the caller's environment but PATH, offline but for loopback.
fn offline(bin: &Path, home: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1");
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env(proxy, DEAD_PROXY);
    }
    command
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    command
}

fn run(mut command: Command) -> (Output, bool) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the client");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + TIMEOUT;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, timed_out)
}

fn report(output: &Output, serve: &Serve) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}\n--- sapcode serve ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        serve.stderr()
    )
}

#[test]
fn claude_code_answers_through_serve() {
    let Some(claude) = client_bin("claude") else {
        return;
    };
    let serve = Serve::start();
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut command = offline(&claude, home.path());
    command
        .current_dir(&work)
        .args(["-p", "hello", "--model", "claude-sonnet-4-5"])
        .env("ANTHROPIC_BASE_URL", serve.url(""))
        .env("ANTHROPIC_API_KEY", KEY)
        // Background work (titles, summaries) uses the small model: the same one here.
        .env("ANTHROPIC_DEFAULT_HAIKU_MODEL", "claude-sonnet-4-5")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1");
    let (output, timed_out) = run(command);
    let report = report(&output, &serve);
    assert!(!timed_out, "claude -p took over {TIMEOUT:?}\n{report}");
    assert!(output.status.success(), "claude -p failed\n{report}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The simulator's words, via the catalog's Claude: the turn went through serve.
    assert!(
        stdout.contains("**anthropic--claude-4.5-sonnet** (simulated)"),
        "{report}"
    );
    assert!(
        serve
            .stderr()
            .contains("messages: claude-sonnet-4-5 → anthropic--claude-4.5-sonnet"),
        "{report}"
    );
}

#[test]
fn codex_exec_answers_through_serve_on_the_chat_wire() {
    let Some(codex) = client_bin("codex") else {
        return;
    };
    let serve = Serve::start();
    let home = tempfile::tempdir().unwrap();
    let codex_home = home.path().join("codex");
    let work = home.path().join("work");
    std::fs::create_dir_all(&codex_home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    // The README's lines, with this run's port.
    std::fs::write(
        codex_home.join("config.toml"),
        format!(
            "model = \"gpt-4o\"\nmodel_provider = \"sapcode\"\ncheck_for_update_on_startup = false\n\n\
             [model_providers.sapcode]\nname = \"sapcode\"\nbase_url = \"{}\"\n\
             env_key = \"SAPCODE_SERVE_KEY\"\nwire_api = \"chat\"\n",
            serve.url("/v1")
        ),
    )
    .unwrap();
    let mut command = offline(&codex, home.path());
    command
        .current_dir(&work)
        .args(["exec", "--skip-git-repo-check", "hello"])
        .env("CODEX_HOME", &codex_home)
        .env("SAPCODE_SERVE_KEY", KEY);
    let (output, timed_out) = run(command);
    let report = report(&output, &serve);
    assert!(!timed_out, "codex exec took over {TIMEOUT:?}\n{report}");
    assert!(output.status.success(), "codex exec failed\n{report}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("**gpt-4o** (simulated)"), "{report}");
    assert!(
        serve.stderr().contains("chat completions: gpt-4o → gpt-4o"),
        "{report}"
    );
}
