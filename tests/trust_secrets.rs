//! The trust boundary's secrets and caps, through the real binary (contract "The trust
//! boundary", issue 15): a tool result holding the client secret reaches the model, the
//! session file and the screen as `[redacted]`, also when a command's output cuts it in two;
//! a server streaming 300 MiB of tool-call arguments ends the run with one clear line, in
//! bounded memory, with a small session file.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{Home, TestSim, stderr_of, stdout_of};
use sapcode::sim::CLIENT_SECRET;

/// Every file under `dir`, as text.
fn text_under(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// A workspace outside the home (so the home's data dir holds only what sapcode wrote)
/// with a file holding the client secret, as a careless `.env` would.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("leak.txt"),
        format!("AICORE_CLIENT_SECRET={CLIENT_SECRET}\n"),
    )
    .unwrap();
    (dir, root)
}

/// One `run` against `sim` with the service key in the environment (the secret is known
/// from the key, before any token is fetched); returns stdout and stderr.
fn run(home: &Home, sim: &TestSim, root: &Path, args: &[&str]) -> (String, String) {
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .arg("--cwd")
        .arg(root)
        .arg("run")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    (stdout_of(&output), stderr_of(&output))
}

/// The tool results of every chat request the simulator received.
fn tool_results_sent(sim: &TestSim) -> Vec<String> {
    sim.server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .flat_map(|r| r.body["messages"].as_array().cloned().unwrap_or_default())
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].to_string())
        .collect()
}

#[test]
fn a_secret_in_a_tool_result_reaches_neither_model_nor_session_nor_screen() {
    // `cat`, a secret cut in two by a pause between writes, and `read_file`; plain and --json.
    let cases: [&[&str]; 4] = [
        &["--tools", "all", "--yes", "run_command `cat leak.txt`"],
        &[
            "--tools",
            "all",
            "--yes",
            "run_command `printf 'a sim-secret$Zm9v'; sleep 0.3; printf 'YmFy+/= b\\n'`",
        ],
        &["--tools", "read", "read the file leak.txt"],
        &[
            "--json",
            "--tools",
            "all",
            "--yes",
            "run_command `cat leak.txt`",
        ],
    ];
    for args in cases {
        let home = Home::new();
        let sim = TestSim::start("");
        let (_dir, root) = workspace();
        let (stdout, stderr) = run(&home, &sim, &root, args);
        let sent = tool_results_sent(&sim);
        let saved = text_under(&home.path().join("data"));
        for (what, text) in [
            ("stdout", &stdout),
            ("stderr", &stderr),
            ("the next request", &sent.concat()),
            ("the session file", &saved),
        ] {
            assert!(!text.contains(CLIENT_SECRET), "{args:?}: {what}: {text}");
        }
        // The simulated model quotes the result it was sent: proof of what it received.
        assert!(
            sent.len() == 1 && sent[0].contains("[redacted]"),
            "{args:?}: {sent:?}"
        );
        assert!(stdout.contains("[redacted]"), "{args:?}: {stdout}");
        assert!(saved.contains("[redacted]"), "{args:?}: {saved}");
        if args[0] != "--json" && args[1] == "all" {
            // The command's output as it streamed to the screen.
            assert!(stderr.contains("[redacted]"), "{args:?}: {stderr}");
        }
    }
}

/// Claude on Bedrock, asked to think, streaming 300 MiB of thinking: the run ends with one
/// line naming the cap, in bounded memory, and nothing of it is saved.
#[test]
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4 in wait_with_peak_rss"
)]
fn a_flood_of_thinking_ends_with_one_line_in_bounded_memory() {
    let home = Home::new();
    let (_dir, root) = workspace();
    let mut child = home
        .std_command()
        .env("SAPCODE_SIM_FAULTS", "huge-thinking=300")
        .args(["--demo", "--resource-group", "team-b"])
        .args(["--model", "anthropic--claude-4.5-sonnet", "--cwd"])
        .arg(&root)
        .args([
            "run",
            "--tools",
            "off",
            "--reasoning",
            "high",
            "why is the sky blue",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (code, peak_kib) = wait_with_peak_rss(&child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.starts_with(
            "sapcode: the answer stream was stopped: the answer's thinking passed 4 MiB"
        ) && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(peak_kib < 200 * 1024, "peak RSS {peak_kib} KiB");
    let saved = text_under(&home.path().join("data"));
    assert!(saved.len() < 1 << 20, "{} bytes saved", saved.len());
}

/// Every chat request body the simulator received, as text.
fn requests_sent(sim: &TestSim) -> String {
    sim.server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body.to_string())
        .collect()
}

/// A file the user attaches (`@path`, `--file`, or piped on stdin) holding the client secret:
/// the model, the session file and the screen get `[redacted]`, as for a tool result.
#[test]
fn a_secret_in_an_attached_file_reaches_neither_model_nor_session() {
    let cases: [&[&str]; 2] = [
        &["--tools", "off", "repeat @leak.txt"],
        &["--tools", "off", "--file", "leak.txt", "repeat the file"],
    ];
    for args in cases {
        let home = Home::new();
        let sim = TestSim::start("");
        let (_dir, root) = workspace();
        let (stdout, stderr) = run(&home, &sim, &root, args);
        let sent = requests_sent(&sim);
        let saved = text_under(&home.path().join("data"));
        for (what, text) in [
            ("stdout", &stdout),
            ("stderr", &stderr),
            ("the request", &sent),
            ("the session file", &saved),
        ] {
            assert!(!text.contains(CLIENT_SECRET), "{args:?}: {what}: {text}");
        }
        assert!(
            sent.contains("AICORE_CLIENT_SECRET=[redacted]"),
            "{args:?}: {sent}"
        );
        assert!(saved.contains("[redacted]"), "{args:?}: {saved}");
    }
    // Piped on stdin below a prompt.
    let home = Home::new();
    let sim = TestSim::start("");
    let (_dir, root) = workspace();
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .arg("--cwd")
        .arg(&root)
        .args(["run", "--tools", "off", "what is this"])
        .write_stdin(format!("AICORE_CLIENT_SECRET={CLIENT_SECRET}\n"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let sent = requests_sent(&sim);
    assert!(!sent.contains(CLIENT_SECRET), "{sent}");
    assert!(sent.contains("[redacted]"), "{sent}");
    assert!(!text_under(&home.path().join("data")).contains(CLIENT_SECRET));
}

/// Peak resident memory of a finished child in KiB, reaped with `wait4` (its `/proc` entry
/// is gone once it exits), and its exit code.
fn wait_with_peak_rss(child: &std::process::Child) -> (i32, i64) {
    let pid = i32::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: zeroed `rusage` is a valid value for the kernel to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; both pointers are valid for the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "status {status}");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

#[test]
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4 in wait_with_peak_rss"
)]
fn a_flood_of_tool_call_arguments_ends_with_one_line_in_bounded_memory() {
    let dialects: [&[&str]; 3] = [
        &["--mode", "foundation", "--model", "gpt-4o"],
        &["--mode", "orchestration", "--model", "gpt-4o"],
        &[
            "--resource-group",
            "team-b",
            "--model",
            "anthropic--claude-4.5-sonnet",
        ],
    ];
    for dialect in dialects {
        let home = Home::new();
        let (_dir, root) = workspace();
        // assert_cmd reaps the child itself; the peak needs our own `wait4`.
        let mut child = home
            .std_command()
            .env("SAPCODE_SIM_FAULTS", "huge-tool-args=300")
            .arg("--demo")
            .args(dialect)
            .arg("--cwd")
            .arg(&root)
            .args(["run", "--tools", "read", "read the file leak.txt"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (code, peak_kib) = wait_with_peak_rss(&child);
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert_eq!(code, 5, "{dialect:?}: {stderr}");
        assert!(
            stderr.starts_with(
                "sapcode: the answer stream was stopped: the arguments of one tool call passed 1 MiB"
            ) && stderr.lines().count() == 1,
            "{dialect:?}: {stderr}"
        );
        assert!(
            peak_kib < 200 * 1024,
            "{dialect:?}: peak RSS {peak_kib} KiB"
        );
        let saved = text_under(&home.path().join("data"));
        assert!(
            saved.len() < 1 << 20,
            "{dialect:?}: {} bytes saved",
            saved.len()
        );
    }
}
