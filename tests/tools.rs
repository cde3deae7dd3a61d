//! `sapcode run --tools` against the simulator: the model reads a file of the working
//! directory and answers quoting it; paths outside the directory come back as refused tool
//! results, never as a crash. Foundation (Azure OpenAI) and orchestration modes, plus the
//! Bedrock and Vertex dialects.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
        .args(["run", "--tools", "read"])
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
fn at_level_off_no_tools_are_offered() {
    let home = Home::new();
    let mut command = home.sapcode();
    let output = command
        .current_dir(project(&home))
        .args([
            "--demo",
            "run",
            "--tools",
            "off",
            "read the file Cargo.toml",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(!stdout_of(&output).contains("toolsdemo"));
    assert!(!stderr_of(&output).contains("read_file"));
}

mod turn_driver {
    use futures_util::StreamExt;
    use sapcode::agent::{Conversation, Tools, TurnEvent, tools, turn};
    use sapcode::aicore::{ChatEvent, Client, ClientOptions, Mode, Role, ServiceKey};
    use sapcode::sim::{SimOptions, SimServer};

    async fn events(mode: Mode, max_rounds: usize, dir: &std::path::Path) -> Vec<TurnEvent> {
        let server = SimServer::start(SimOptions::default()).await.unwrap();
        let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
        let client = Client::new(key, ClientOptions::default()).unwrap();
        let target = client
            .resolve_target(mode, Some("gpt-4o"), None)
            .await
            .unwrap();
        let mut conversation = Conversation::new(None);
        conversation.push_user("read the file notes.txt", &[]);
        let mut request = conversation.request(None);
        request.tools = tools::specs();
        let tools = Tools::new(dir).unwrap();
        turn::start(client, target, request, Some(tools), max_rounds)
            .collect()
            .await
    }

    #[tokio::test]
    async fn a_tool_round_then_the_answer_and_the_history_to_keep() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "remember the milk\n").unwrap();
        for mode in [Mode::Foundation, Mode::Orchestration] {
            let events = events(mode, 8, dir.path()).await;
            let started = events
                .iter()
                .position(
                    |e| matches!(e, TurnEvent::ToolStarted { name, .. } if name == "read_file"),
                )
                .expect("a read_file call");
            let Some(TurnEvent::ToolFinished { ok, bytes, .. }) = events.get(started + 1) else {
                panic!("{events:?}")
            };
            assert!(*ok && *bytes == 18);
            let text: String = events
                .iter()
                .filter_map(|e| match e {
                    TurnEvent::Chat(ChatEvent::Delta(t)) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            assert!(text.contains("remember the milk"), "{mode:?}: {text}");
            let history = events
                .iter()
                .find_map(|e| match e {
                    TurnEvent::History(messages) => Some(messages),
                    _ => None,
                })
                .unwrap();
            let roles: Vec<Role> = history.iter().map(|m| m.role).collect();
            assert_eq!(roles, [Role::Assistant, Role::Tool]);
            assert_eq!(
                history[0].tool_calls[0].id,
                history[1].tool_call_id.clone().unwrap()
            );
            assert!(matches!(
                events.last(),
                Some(TurnEvent::Chat(ChatEvent::Done { .. }))
            ));
            let usages: Vec<_> = events
                .iter()
                .filter_map(|e| match e {
                    TurnEvent::Usage { total, last } => Some((*total, *last)),
                    _ => None,
                })
                .collect();
            assert_eq!(usages.len(), 1, "usage is reported once: {events:?}");
            // Summed over both rounds, and the last request's alone (what fills the context).
            let (total, last) = usages[0];
            assert!(
                last.prompt_tokens > 0 && total.prompt_tokens > last.prompt_tokens,
                "{total:?} {last:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_round_limit_stops_the_turn() {
        let dir = tempfile::tempdir().unwrap();
        let events = events(Mode::Foundation, 1, dir.path()).await;
        assert!(
            matches!(events.last(), Some(TurnEvent::RoundLimit { rounds: 1 })),
            "{events:?}"
        );
        // The missing file was an error result for the model, not a failed turn.
        assert!(
            events
                .iter()
                .any(|e| matches!(e, TurnEvent::ToolFinished { ok: false, .. }))
        );
    }
}
