//! Conformance: SAP's official SDKs are the judge of the simulator.
//!
//! Starts the real binary's `sapcode simulate`, then runs the Node project in
//! `tests/conformance/` (the SAP Cloud SDK for AI, JavaScript) against it with
//! `AICORE_SERVICE_KEY` set, as SAP documents: deployments, orchestration and Azure OpenAI chat
//! (streaming and not, tools, in-stream errors, another resource group), and every recorded
//! SSE fixture replayed through `sapcode simulate --replay` and parsed by both the SDK and
//! `sapcode run --json`. Any mismatch fails this test and prints the Node runner's output.
//!
//! The Python SDK (`sap-ai-sdk-gen`, orchestration v2) runs its own checks
//! (`tests/conformance/python/test_live.py`) and joins the orchestration replays, from the
//! virtualenv `tests/conformance/python/.venv` that `tests/setup.sh` creates.
//!
//! Without `node` (20+), the installed packages or the Python virtualenv these tests FAIL,
//! saying what is missing and to run `sh tests/setup.sh`; this test never installs anything
//! itself. To skip them knowingly, set
//! `SAPCODE_SKIP_CONFORMANCE=1` (README, "Testing"): they then print a SKIPPED line and pass.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Upper bound for the Node suite; it takes a few seconds.
const NODE_TIMEOUT: Duration = Duration::from_secs(120);
/// The variable that turns a missing toolchain from a failure into a visible skip.
const SKIP_VARIABLE: &str = "SAPCODE_SKIP_CONFORMANCE";

fn project_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// The Python of the virtualenv with `sap-ai-sdk-gen`, when it exists.
fn sdk_python() -> Option<PathBuf> {
    let python = project_dir().join("python/.venv/bin/python");
    python.is_file().then_some(python)
}

const PYTHON_SETUP: &str =
    "Create it with `sh tests/setup.sh` (needs python3 with venv; Debian: python3-venv).";

const NODE_SETUP: &str = "Install Node.js 20+ and npm (Debian: `apt-get install nodejs npm`), then \
     run `sh tests/setup.sh`.";

fn skip_requested() -> bool {
    std::env::var(SKIP_VARIABLE).is_ok_and(|value| value == "1")
}

/// A suite that cannot run fails, unless `SAPCODE_SKIP_CONFORMANCE=1` asks for a skip, which
/// is then said loudly. Returns so the caller can stop.
fn unavailable(why: &str, fix: &str) {
    let message =
        format!("conformance suite (official SAP SDK vs simulator) cannot run: {why}.\n{fix}");
    if !skip_requested() {
        panic!("{message}\n(To skip it knowingly, set {SKIP_VARIABLE}=1.)");
    }
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests, and a
    // skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED ({SKIP_VARIABLE}=1): {message}\n"
    );
}

fn tool_version(tool: &str) -> Option<String> {
    let output = Command::new(tool).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Runs a command to completion with a deadline; stdout and stderr are captured.
fn run_with_timeout(mut command: Command, timeout: Duration) -> std::io::Result<(Output, bool)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
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
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    Ok((output, timed_out))
}

/// Whether `node_modules` is installed and not older than the lockfile; never installs.
fn node_modules_state(dir: &Path) -> Result<(), String> {
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (
        modified(&installed),
        modified(&dir.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) if installed >= lock => Ok(()),
        (Some(_), _) => {
            Err("tests/conformance/node_modules is older than package-lock.json".into())
        }
        (None, _) => Err("tests/conformance/node_modules is not installed".into()),
    }
}

/// Node's major version from `v20.1.0`.
fn node_major(version: &str) -> Option<u32> {
    version
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// `sapcode simulate` as a child process; killed on drop.
struct Simulator {
    child: Child,
    dir: tempfile::TempDir,
    key: String,
}

impl Simulator {
    fn start() -> Simulator {
        let dir = tempfile::tempdir().expect("temp dir");
        let key_file = dir.path().join("key.json");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sapcode"))
            .args(["simulate", "--port", "0", "--key-file"])
            .arg(&key_file)
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env_remove("SAPCODE_SIM_FAULTS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sapcode simulate");
        let deadline = Instant::now() + Duration::from_secs(20);
        let key = loop {
            if let Ok(text) = std::fs::read_to_string(&key_file)
                && serde_json::from_str::<serde_json::Value>(&text).is_ok()
            {
                break text;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("sapcode simulate exited early: {status}");
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                panic!("sapcode simulate wrote no key file within 20 s");
            }
            std::thread::sleep(Duration::from_millis(25));
        };
        Simulator { child, dir, key }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `# pass N` / `# fail N` from the node test runner's summary.
fn summary_count(output: &str, label: &str) -> Option<u32> {
    output.lines().find_map(|line| {
        line.trim()
            .strip_prefix(&format!("# {label} "))
            .and_then(|n| n.trim().parse().ok())
    })
}

#[test]
fn official_sap_sdk_agrees_with_the_simulator() {
    let dir = project_dir();
    let Some(node) = tool_version("node") else {
        unavailable("`node` is not on PATH", NODE_SETUP);
        return;
    };
    if node_major(&node).is_none_or(|major| major < 20) {
        unavailable(&format!("node {node} is older than 20"), NODE_SETUP);
        return;
    }
    if let Err(why) = node_modules_state(&dir) {
        unavailable(&why, NODE_SETUP);
        return;
    }
    eprintln!("conformance: node {node}");

    let sim = Simulator::start();
    let mut command = Command::new("node");
    command
        .args([
            "--test",
            "--test-reporter=tap",
            "--test-concurrency=1",
            "test/live.test.mjs",
            "test/replay.test.mjs",
            "test/differential.test.mjs",
        ])
        .current_dir(&dir)
        .env("AICORE_SERVICE_KEY", &sim.key)
        .env("SAPCODE_BIN", env!("CARGO_BIN_EXE_sapcode"))
        .env_remove("AICORE_RESOURCE_GROUP")
        .env_remove("VCAP_SERVICES");
    // The orchestration replays are also parsed by the Python SDK when it is installed
    // (its absence is reported by the Python test below).
    match sdk_python() {
        Some(python) => command.env("SAP_PYTHON", python),
        None => command.env_remove("SAP_PYTHON"),
    };
    let (output, timed_out) = run_with_timeout(command, NODE_TIMEOUT).expect("run node --test");
    drop(sim);

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report =
        format!("--- node --test stdout ---\n{stdout}\n--- node --test stderr ---\n{stderr}");
    assert!(
        !timed_out,
        "the Node conformance suite took over {NODE_TIMEOUT:?}\n{report}"
    );
    let count = |label| summary_count(&stdout, label);
    let (tests, passed) = (count("tests"), count("pass"));
    assert!(
        output.status.success() && count("fail") == Some(0) && count("cancelled") == Some(0),
        "the official SAP SDK disagrees with the simulator ({}; tests {tests:?}, pass {passed:?})\n{report}",
        output.status
    );
    // Every check must run and pass: a skipped or todo check is not a pass.
    assert!(
        tests.is_some_and(|n| n > 0)
            && passed == tests
            && count("skipped") == Some(0)
            && count("todo") == Some(0),
        "not every Node check ran and passed (tests {tests:?}, pass {passed:?}, skipped {:?}, todo {:?})\n{report}",
        count("skipped"),
        count("todo")
    );
    // Show what was checked even on success (visible with --nocapture).
    let checked: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("ok "))
        .collect();
    eprintln!(
        "conformance: {} SDK checks passed\n{}",
        checked.len(),
        checked.join("\n")
    );
}

#[test]
fn official_python_sdk_agrees_with_the_simulator() {
    let Some(python) = sdk_python() else {
        unavailable(
            "the Python SDK virtualenv tests/conformance/python/.venv is missing",
            PYTHON_SETUP,
        );
        return;
    };
    let sim = Simulator::start();
    let mut command = Command::new(&python);
    command
        .args(["-m", "unittest", "-v", "test_live"])
        .current_dir(project_dir().join("python"))
        .env("AICORE_SERVICE_KEY", &sim.key)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("AICORE_RESOURCE_GROUP")
        .env_remove("AICORE_CONFIG")
        .env_remove("AICORE_PROFILE")
        .env_remove("VCAP_SERVICES");
    for (name, _) in std::env::vars() {
        // Only the service key may configure the SDK: no stray AICORE_CLIENT_ID & co.
        if name.starts_with("AICORE_") && name != "AICORE_SERVICE_KEY" {
            command.env_remove(name);
        }
    }
    command.env("AICORE_HOME", sim.dir.path().join("aicore-home"));
    let (output, timed_out) = run_with_timeout(command, NODE_TIMEOUT).expect("run python");
    drop(sim);
    // unittest reports on stderr.
    let report = format!(
        "--- python -m unittest stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !timed_out,
        "the Python conformance checks took over {NODE_TIMEOUT:?}\n{report}"
    );
    assert!(
        output.status.success(),
        "the official Python SDK disagrees with the simulator ({})\n{report}",
        output.status
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let ran = stderr.lines().find_map(|line| {
        line.strip_prefix("Ran ")
            .and_then(|rest| rest.split(' ').next()?.parse::<u32>().ok())
    });
    // unittest ends with `OK`, or `OK (skipped=N)` when checks were skipped: all must run.
    let verdict = stderr.lines().rev().find(|line| line.starts_with("OK"));
    assert!(
        ran.is_some_and(|n| n > 0) && verdict == Some("OK"),
        "not every Python check ran and passed (ran {ran:?}, verdict {verdict:?})\n{report}"
    );
    eprintln!("conformance: Python SDK\n{report}");
}
