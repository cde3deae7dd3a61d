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

mod client_support;
mod serve_support;

use std::path::Path;
use std::process::{Command, Output};

use client_support::{TIMEOUT, client_bin, offline, run};

use serve_support::{KEY, Serve};

fn report(output: &Output, serve: &Serve) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}\n--- sapcode serve ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        serve.stderr()
    )
}

/// `claude -p PROMPT` in `HOME/work`, pointed at serve, offline but for it.
fn claude_command(claude: &Path, serve: &Serve, home: &Path, prompt: &str) -> Command {
    let mut command = offline(claude, home);
    command
        .current_dir(home.join("work"))
        .args(["-p", prompt, "--model", "claude-sonnet-4-5"])
        .env("ANTHROPIC_BASE_URL", serve.url(""))
        .env("ANTHROPIC_API_KEY", KEY)
        // Background work (titles, summaries) uses the small model: the same one here.
        .env("ANTHROPIC_DEFAULT_HAIKU_MODEL", "claude-sonnet-4-5")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1");
    command
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
    let (output, timed_out) = run(claude_command(&claude, &serve, home.path(), "hello"));
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

#[test]
fn claude_code_fixes_the_failing_test_through_serve_with_its_own_tools() {
    let Some(claude) = client_bin("claude") else {
        return;
    };
    let serve = Serve::start();
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("notes.txt"), "hi\n").unwrap();
    let mut command = claude_command(&claude, &serve, home.path(), "fix the failing test");
    // Claude Code's own tools, allowed up front: `-p` cannot ask.
    command.args(["--allowedTools", "Bash Read Edit Write"]);
    let (output, timed_out) = run(command);
    let report = report(&output, &serve);
    assert!(!timed_out, "claude -p took over {TIMEOUT:?}\n{report}");
    assert!(output.status.success(), "claude -p failed\n{report}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Fixed. `sh sapcode-demo/test.sh` failed"),
        "{report}"
    );
    let test = std::process::Command::new("sh")
        .arg("sapcode-demo/test.sh")
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&test.stdout),
        "test price ... ok\n",
        "{report}"
    );
}
