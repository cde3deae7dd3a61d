//! Proposed edits through `sapcode --demo run --tools`: the simulated model proposes a change
//! named in the prompt; it is printed as a diff and the file stays as it was, unless `--apply`
//! writes it, and a file changed after the proposal is refused rather than overwritten.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{Home, TestSim, stderr_of, stdout_of};
use serde_json::Value;

const PROMPT: &str = r#"in notes.txt replace "hello" with "goodbye""#;
const ORIGINAL: &str = "one\nhello\nthree\n";

fn project(home: &Home) -> std::path::PathBuf {
    let root = home.path().join("project");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("notes.txt"), ORIGINAL).unwrap();
    root
}

#[test]
fn a_proposal_is_shown_as_a_diff_and_not_written() {
    let home = Home::new();
    let root = project(&home);
    let output = home
        .sapcode()
        .current_dir(&root)
        .args(["--demo", "run", "--tools", PROMPT])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,3 @@\n one\n-hello\n+goodbye\n three\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("run again with --apply"), "{stderr}");
    assert!(stdout_of(&output).contains("the user will review it"));
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        ORIGINAL
    );
}

#[test]
fn apply_writes_the_proposal() {
    let home = Home::new();
    let root = project(&home);
    let output = home
        .sapcode()
        .current_dir(&root)
        .args(["--demo", "run", "--tools", "--apply", "--json", PROMPT])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let lines: Vec<Value> = stdout_of(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let proposal = lines.iter().find(|l| l["type"] == "proposal").unwrap();
    assert_eq!(proposal["path"], "notes.txt");
    assert!(
        proposal["diff"]
            .as_str()
            .unwrap()
            .contains("-hello\n+goodbye\n")
    );
    let applied = lines.iter().find(|l| l["type"] == "applied").unwrap();
    assert_eq!(applied["ok"], true);
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "one\ngoodbye\nthree\n"
    );
    // No temp file is left beside it.
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
}

#[test]
fn apply_needs_tools() {
    let home = Home::new();
    let root = project(&home);
    let output = home
        .sapcode()
        .current_dir(&root)
        .args(["--demo", "run", "--apply", PROMPT])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("--tools"));
}

/// The file is edited between the proposal and the end of the turn: the simulator holds the
/// answer after the tool result (`hold-stream=2`) until the test has written the file and
/// releases it, so the order is certain.
#[test]
fn a_file_changed_after_the_proposal_is_refused() {
    let sim = TestSim::start("hold-stream=2");
    let home = Home::new();
    let root = project(&home);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sapcode"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("NO_COLOR", "1")
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .current_dir(&root)
        .args(["run", "--tools", "--apply", "--json", PROMPT])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut rest = Vec::new();
    for line in lines.by_ref() {
        let line: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if line["type"] == "tool_result" {
            assert_eq!(line["ok"], true, "{line}");
            std::fs::write(
                root.join("notes.txt"),
                "one\nhello, edited meanwhile\nthree\n",
            )
            .unwrap();
            sim.server().release();
            break;
        }
    }
    for line in lines {
        rest.push(serde_json::from_str::<Value>(&line.unwrap()).unwrap());
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let applied = rest.iter().find(|l| l["type"] == "applied").unwrap();
    assert_eq!(applied["ok"], false);
    assert_eq!(
        applied["message"],
        "notes.txt changed since the proposal; not applied"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "one\nhello, edited meanwhile\nthree\n"
    );
}
