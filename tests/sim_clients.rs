//! Other agents against `sapcode simulate` directly, each with its own tools (issue 19): Codex
//! 0.94 (`codex exec`, its chat wire pointed at a foundation deployment with a token from the
//! simulator's `/oauth/token`, as one points it at SAP AI Core) and the Kilo CLI (its
//! `sap-ai-core` provider, orchestration, the service key in `AICORE_SERVICE_KEY`) are asked
//! "fix the failing test" in a workspace without a Cargo.toml, and the simulated model walks
//! them through the shell demo project: list, write both files, run the test, read the code,
//! edit it twice, run the test again. Afterwards the test passes when run here. A plain
//! "hello" gets text and no tool call.
//!
//! Pinned in `tests/clients/package-lock.json` and installed by `tests/setup.sh`; the Kilo
//! CLI loads its SAP AI Core provider from there (`file://`), so nothing is fetched at run
//! time. Without them these tests FAIL saying to run `sh tests/setup.sh`, unless
//! `SAPCODE_SKIP_CONFORMANCE=1` asks for a visible skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use client_support::{TIMEOUT, client_bin, installed, offline, run, run_for};
use serde_json::Value;

/// `sapcode simulate --port 0 --key-file FILE` as a child; killed on drop.
struct Simulate {
    child: Child,
    url: String,
    key: String,
    _dir: tempfile::TempDir,
}

impl Simulate {
    fn start() -> Simulate {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key.json");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sapcode"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .args(["simulate", "--port", "0", "--key-file"])
            .arg(&key_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sapcode simulate");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !key_file.exists() {
            assert!(Instant::now() < deadline, "no key file within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Simulate {
            child,
            url: first.trim().to_owned(),
            key: std::fs::read_to_string(&key_file).unwrap(),
            _dir: dir,
        }
    }

    /// A bearer token from `/oauth/token`, as a client holding the service key gets one.
    fn token(&self) -> String {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let body: Value = reqwest::Client::new()
                .post(format!("{}/oauth/token", self.url))
                .basic_auth(sapcode::sim::CLIENT_ID, Some(sapcode::sim::CLIENT_SECRET))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["access_token"].as_str().unwrap().to_owned()
        })
    }

    /// Chat requests the simulator answered (foundation or orchestration).
    fn chat_requests(&self) -> Vec<Value> {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let list: Vec<Value> = runtime.block_on(async {
            reqwest::get(format!("{}/_sim/requests", self.url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        list.into_iter()
            .filter(|r| r["method"] == "POST" && r["path"] != "/oauth/token")
            .collect()
    }
}

impl Simulate {
    /// The names of the tools the simulated model called, over every request's history
    /// (foundation `messages`, orchestration `messages_history` and template).
    fn tool_calls(&self) -> Vec<String> {
        self.chat_requests()
            .iter()
            .flat_map(|r| {
                let body = &r["body"];
                let template =
                    &body["config"]["modules"]["prompt_templating"]["prompt"]["template"];
                [&body["messages"], &body["messages_history"], template]
                    .into_iter()
                    .flat_map(|list| list.as_array().cloned().unwrap_or_default())
                    .collect::<Vec<_>>()
            })
            .filter_map(|m| {
                m["tool_calls"][0]["function"]["name"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect()
    }
}

impl Drop for Simulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A workspace that is not a Cargo project: the script writes the shell demo project.
fn workspace(home: &Path) -> std::path::PathBuf {
    let work = home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("notes.txt"), "hello\n").unwrap();
    work
}

fn report(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    )
}

/// The client finished in time with the script's summary, and the demo test passes.
fn assert_fixed(what: &str, timeout: Duration, output: &Output, timed_out: bool, work: &Path) {
    let report = report(output);
    assert!(!timed_out, "{what} took over {timeout:?}\n{report}");
    assert!(output.status.success(), "{what} failed\n{report}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Fixed."),
        "{report}"
    );
    assert_the_test_passes(work, &report);
}

/// The demo project's test, run here: it passes only if the client applied both fixes.
fn assert_the_test_passes(work: &Path, report: &str) {
    let price = std::fs::read_to_string(work.join("sapcode-demo/price.sh"))
        .unwrap_or_else(|e| panic!("price.sh was not written ({e})\n{report}"));
    assert!(
        price.contains("net * 119 / 100") && price.contains("19 % VAT"),
        "{price}\n{report}"
    );
    let test = Command::new("sh")
        .arg("sapcode-demo/test.sh")
        .current_dir(work)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}\n{report}",
        String::from_utf8_lossy(&test.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&test.stdout), "test price ... ok\n");
}

/// Codex's config: the README's provider lines, pointed at a foundation deployment of the
/// simulator the way one points Codex at SAP AI Core's Azure OpenAI deployment.
fn codex_command(codex: &Path, sim: &Simulate, home: &Path, work: &Path, prompt: &str) -> Command {
    let codex_home = home.join("codex");
    std::fs::create_dir_all(&codex_home).unwrap();
    std::fs::write(
        codex_home.join("config.toml"),
        format!(
            "model = \"gpt-4o\"\nmodel_provider = \"aicore\"\ncheck_for_update_on_startup = false\n\n\
             [model_providers.aicore]\nname = \"SAP AI Core\"\n\
             base_url = \"{}/v2/inference/deployments/d7f3a9c2b1e04d11\"\n\
             env_key = \"AICORE_TOKEN\"\nwire_api = \"chat\"\n\
             query_params = {{ \"api-version\" = \"2024-10-21\" }}\n\
             http_headers = {{ \"AI-Resource-Group\" = \"default\" }}\n",
            sim.url
        ),
    )
    .unwrap();
    let mut command = offline(codex, home);
    command
        .current_dir(work)
        .args(["exec", "--skip-git-repo-check", "--full-auto", prompt])
        .env("CODEX_HOME", &codex_home)
        .env("AICORE_TOKEN", sim.token());
    command
}

#[test]
fn codex_fixes_the_failing_test_with_shell_and_apply_patch() {
    let Some(codex) = client_bin("codex") else {
        return;
    };
    let sim = Simulate::start();
    let home = tempfile::tempdir().unwrap();
    let work = workspace(home.path());
    let (output, timed_out) = run(codex_command(
        &codex,
        &sim,
        home.path(),
        &work,
        "fix the failing test",
    ));
    assert_fixed("codex exec", TIMEOUT, &output, timed_out, &work);
    // Codex's own tools did it: `shell` for ls/cat/sh, its patch format for the files.
    let calls = sim.tool_calls();
    assert!(calls.iter().any(|name| name == "shell"), "{calls:?}");
    assert!(
        calls
            .iter()
            .all(|name| name == "shell" || name == "apply_patch"),
        "{calls:?}"
    );
}

#[test]
fn codex_gets_text_for_a_plain_question() {
    let Some(codex) = client_bin("codex") else {
        return;
    };
    let sim = Simulate::start();
    let home = tempfile::tempdir().unwrap();
    let work = workspace(home.path());
    let (output, timed_out) = run(codex_command(&codex, &sim, home.path(), &work, "hello"));
    let report = report(&output);
    assert!(!timed_out && output.status.success(), "{report}");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("**gpt-4o** (simulated) received your message"),
        "{report}"
    );
    let requests = sim.chat_requests();
    assert_eq!(requests.len(), 1, "one answer, no tool round: {requests:?}");
}

/// `kilo run PROMPT` with the `sap-ai-core` provider on the simulator's service key.
fn kilo_command(kilo: &Path, sim: &Simulate, home: &Path, work: &Path, prompt: &str) -> Command {
    let provider = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients/node_modules/@jerome-benoit/sap-ai-provider-v2/dist/index.js");
    let config = serde_json::json!({
        "model": "sap-ai-core/gpt-4o",
        "autoupdate": false,
        "share": "disabled",
        "permission": { "edit": "allow", "bash": "allow", "read": "allow" },
        "provider": { "sap-ai-core": {
            "npm": format!("file://{}", provider.display()),
            "models": { "gpt-4o": { "name": "gpt-4o", "tool_call": true,
                "limit": { "context": 128_000, "output": 4096 } } }
        } }
    });
    let mut command = offline(kilo, home);
    command
        .current_dir(work)
        .args(["run", prompt])
        .env("KILO_CONFIG_CONTENT", config.to_string())
        .env("KILO_DISABLE_MODELS_FETCH", "1")
        .env("KILO_DISABLE_SHARE", "1")
        .env("KILO_DISABLE_CLAUDE_CODE", "1")
        .env("AICORE_SERVICE_KEY", &sim.key);
    command
}

fn kilo_bin() -> Option<std::path::PathBuf> {
    installed("@kilocode/cli-linux-x64/bin/kilo", "the Kilo CLI")
}

/// The Kilo CLI is a 170 MB Bun binary that indexes the workspace as it starts: on a loaded
/// 2-core machine one `kilo run` took 53 s for "hello". One at a time, with room.
const KILO_TIMEOUT: Duration = Duration::from_secs(300);
static ONE_KILO: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_kilo(command: Command) -> (Output, bool) {
    let _one = ONE_KILO
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    run_for(command, KILO_TIMEOUT)
}

#[test]
fn kilo_fixes_the_failing_test_with_read_write_edit_and_bash() {
    let Some(kilo) = kilo_bin() else {
        return;
    };
    let sim = Simulate::start();
    let home = tempfile::tempdir().unwrap();
    let work = workspace(home.path());
    let (output, timed_out) = run_kilo(kilo_command(
        &kilo,
        &sim,
        home.path(),
        &work,
        "fix the failing test",
    ));
    assert_fixed("kilo run", KILO_TIMEOUT, &output, timed_out, &work);
    let calls = sim.tool_calls();
    for name in ["bash", "write", "read", "edit"] {
        assert!(calls.iter().any(|c| c == name), "{name} in {calls:?}");
    }
    assert!(
        calls
            .iter()
            .all(|c| ["bash", "write", "read", "edit"].contains(&c.as_str())),
        "{calls:?}"
    );
}

#[test]
fn kilo_gets_text_for_a_plain_question_despite_its_metadata() {
    let Some(kilo) = kilo_bin() else {
        return;
    };
    let sim = Simulate::start();
    let home = tempfile::tempdir().unwrap();
    let work = workspace(home.path());
    // Digits and a path in the question's metadata (time, working directory) change nothing.
    let (output, timed_out) = run_kilo(kilo_command(&kilo, &sim, home.path(), &work, "hello"));
    let report = report(&output);
    assert!(!timed_out && output.status.success(), "{report}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("> hello\n\nIt has 1 words."), "{report}");
    assert!(!stdout.contains("environment_details"), "{report}");
}
