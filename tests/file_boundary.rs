//! The file tools' trust boundary through the binary (contract "The trust boundary"): a
//! committed `AGENTS.md` linked to `/proc/self/environ` does not put the service key in the
//! system prompt (tools on or off), and with the workspace at `$HOME` the model cannot read
//! sapcode's own secrets file. The simulator records what it was sent; the session files
//! and every output are scanned too.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of, stdout_of};
use sapcode::sim::CLIENT_SECRET;
use serde_json::Value;

/// Every request body the simulator received, as one text.
fn sent(sim: &TestSim) -> String {
    sim.server()
        .requests()
        .iter()
        .map(|request| request.body.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The part of the client secret that survives any JSON or shell quoting.
const SECRET_CORE: &str = "Zm9vYmFy";

#[cfg(target_os = "linux")]
#[test]
fn agents_md_linked_to_proc_self_environ_never_reaches_the_model() {
    assert!(CLIENT_SECRET.contains(SECRET_CORE));
    let home = Home::new();
    let sim = TestSim::start("");
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", project.join("AGENTS.md")).unwrap();
    for tools in ["read", "off"] {
        let output = home
            .sapcode()
            .env("AICORE_SERVICE_KEY", sim.key_json())
            .current_dir(&project)
            .args(["run", "--tools", tools, "hello"])
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        let chats = sim.count_requests("/chat/completions");
        assert!(chats > 0, "the question was sent");
        let text = format!("{}{stderr}{}", stdout_of(&output), sent(&sim));
        assert!(
            !text.contains(SECRET_CORE),
            "{tools}: the secret leaked:\n{text}"
        );
        assert!(!text.contains("AICORE_SERVICE_KEY"), "{tools}: {text}");
        assert!(
            stderr.contains(
                "sapcode: project rules not used: AGENTS.md is a link outside the workspace\n"
            ),
            "{tools}: {stderr}"
        );
    }
    assert!(
        !home.all_text().contains(SECRET_CORE),
        "a file holds the secret"
    );
}

/// `sapcode login` stores the client secret in `~/.config/sapcode/secrets.json` (the file
/// store); started in `$HOME`, a model asking for that file gets a refusal.
#[test]
fn with_the_workspace_at_home_read_file_of_the_secrets_file_is_refused() {
    let home = Home::new();
    let sim = TestSim::start("");
    // The platform default: the config dir under `$HOME`, as on a real machine.
    let sapcode = || {
        let mut command = home.sapcode();
        command
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .current_dir(home.path());
        command
    };
    let login = sapcode()
        .args(["login", "--service-key", "-"])
        .write_stdin(sim.key_json())
        .output()
        .unwrap();
    assert_eq!(login.status.code(), Some(0), "{}", stderr_of(&login));
    let secrets = home.path().join(".config/sapcode/secrets.json");
    assert!(
        std::fs::read_to_string(&secrets)
            .unwrap()
            .contains(SECRET_CORE),
        "the file store holds the secret"
    );
    let output = sapcode()
        .args([
            "run",
            "--json",
            "--tools",
            "read",
            "use read_file on .config/sapcode/secrets.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let events: Vec<Value> = stdout_of(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let sessions = home.path().join("data/sapcode");
    let session_text: String = walk(&sessions)
        .iter()
        .map(|file| std::fs::read_to_string(file).unwrap_or_default())
        .collect();
    let text = format!(
        "{}{}{}{session_text}",
        stdout_of(&output),
        stderr_of(&output),
        sent(&sim)
    );
    assert!(!text.contains(SECRET_CORE), "the secret leaked:\n{text}");
    let call = events.iter().find(|e| e["type"] == "tool_call").unwrap();
    assert_eq!(
        call["arguments"],
        r#"{"path":".config/sapcode/secrets.json"}"#
    );
    let result = events.iter().find(|e| e["type"] == "tool_result").unwrap();
    assert_eq!(result["ok"], false, "{result}");
    assert!(
        result["summary"]
            .as_str()
            .unwrap()
            .contains("which holds credentials or sapcode's own settings and sessions"),
        "{result}"
    );
    assert!(
        session_text.contains("no tool reads or writes there"),
        "{session_text}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A file name with an escape sequence in it is refused before anything is shown or written.
#[test]
fn a_file_name_with_a_control_character_is_refused() {
    let home = Home::new();
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let output = home
        .sapcode()
        .current_dir(&project)
        .args([
            "--demo",
            "run",
            "--tools",
            "edit",
            "--yes",
            "use write_file on notes\u{1b}[2J.txt with \"x\"",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "contains the control character U+001B; file names with control characters are refused"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert_eq!(std::fs::read_dir(&project).unwrap().count(), 0);
}
