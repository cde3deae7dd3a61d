//! `sapcode run --tools` against the simulator: the model reads a file of the working
//! directory and answers quoting it; paths outside the directory come back as refused tool
//! results, never as a crash. Foundation (Azure OpenAI) and orchestration modes, plus the
//! Bedrock and Vertex dialects.

mod common;

use common::{Home, stderr_of, stdout_of};
use serde_json::Value;

/// A project directory with a `Cargo.toml`, next to a `secret` it must not reach.
fn project(home: &Home) -> std::path::PathBuf {
    let root = home.path().join("project");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"toolsdemo\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(home.path().join("secret"), "hunter2\n").unwrap();
    root
}

fn run(home: &Home, mode_args: &[&str], extra: &[&str], prompt: &str) -> std::process::Output {
    let mut command = home.sapcode();
    command
        .current_dir(project(home))
        .arg("--demo")
        .args(mode_args)
        .args(["run", "--tools"])
        .args(extra)
        .arg(prompt);
    command.output().unwrap()
}

const MODES: [&[&str]; 4] = [
    &["--mode", "foundation", "--model", "gpt-4o"],
    &["--mode", "orchestration", "--model", "gpt-4o"],
    &[
        "--resource-group",
        "team-b",
        "--mode",
        "foundation",
        "--model",
        "anthropic--claude-4.5-sonnet",
    ],
    &[
        "--resource-group",
        "team-b",
        "--mode",
        "foundation",
        "--model",
        "gemini-2.5-pro",
    ],
];

#[test]
fn reads_a_file_and_answers_quoting_it() {
    for mode in MODES {
        let home = Home::new();
        let output = run(&home, mode, &[], "read the file Cargo.toml");
        assert!(output.status.success(), "{mode:?}: {}", stderr_of(&output));
        let stdout = stdout_of(&output);
        assert!(
            stdout.contains("name") && stdout.contains("toolsdemo"),
            "{mode:?}: {stdout}"
        );
        assert!(
            stderr_of(&output).contains("sapcode: read_file Cargo.toml ("),
            "{mode:?}: {}",
            stderr_of(&output)
        );
    }
}

#[test]
fn escaping_the_directory_is_a_refused_tool_result() {
    for mode in &MODES[..2] {
        let home = Home::new();
        let output = run(&home, mode, &["--json"], "read ../secret");
        assert!(output.status.success(), "{mode:?}: {}", stderr_of(&output));
        let events: Vec<Value> = stdout_of(&output)
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect();
        let call = events.iter().find(|e| e["type"] == "tool_call").unwrap();
        assert_eq!(call["name"], "read_file");
        assert_eq!(call["arguments"], r#"{"path":"../secret"}"#);
        let result = events.iter().find(|e| e["type"] == "tool_result").unwrap();
        assert_eq!(result["ok"], false, "{result}");
        assert!(result["bytes"].as_u64().unwrap() > 0);
        assert_eq!(events.last().unwrap()["type"], "done");
        let text: String = events
            .iter()
            .filter(|e| e["type"] == "delta")
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        assert!(
            text.contains("outside the project directory") && !text.contains("hunter2"),
            "{mode:?}: {text}"
        );
    }
}

#[test]
fn without_the_flag_no_tools_are_offered() {
    let home = Home::new();
    let mut command = home.sapcode();
    let output = command
        .current_dir(project(&home))
        .args(["--demo", "run", "read the file Cargo.toml"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(!stdout_of(&output).contains("toolsdemo"));
    assert!(!stderr_of(&output).contains("read_file"));
}
