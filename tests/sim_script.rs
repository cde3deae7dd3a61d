//! The simulator's scripted "fix the failing test" answer through the real client, in every
//! dialect and for both demo projects (the shell one, and the Rust crate a workspace with a
//! `Cargo.toml` gets): this test plays the tools (fixed results, the first test run failing)
//! and checks the simulated model's calls round by round, then its final answer.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::StreamExt;
use sapcode::aicore::{
    ChatEvent, ChatRequest, Client, ClientOptions, Message, Mode, Role, ServiceKey, ToolCall,
    ToolSpec,
};
use sapcode::sim::{SimOptions, SimServer};

/// sapcode's own tools, schemas and all: the simulator only uses tools it recognises.
fn specs() -> Vec<ToolSpec> {
    sapcode::agent::tools::specs()
}

/// A workspace as the tools would answer for it.
struct Workspace {
    /// The `list_files` result: decides which project the script writes.
    listing: &'static str,
    /// The test command the script must run.
    command: &'static str,
    /// The first run's output (failing) and the second's (passing).
    failing: &'static str,
    passing: &'static str,
}

const SHELL: Workspace = Workspace {
    listing: "notes.txt",
    command: "sh sapcode-demo/test.sh",
    failing: "exit code 1\nstdout:\ntest price ... FAILED: expected 1190, got 11900\n",
    passing: "exit code 0\nstdout:\ntest price ... ok\n",
};

const CARGO: Workspace = Workspace {
    listing: "Cargo.toml\nsrc/\nsrc/main.rs",
    command: "cargo test --manifest-path sapcode-demo/Cargo.toml --target-dir sapcode-demo/target",
    failing: "exit code 101\ntest tests::ten_euros_net_are_eleven_ninety_gross ... FAILED\n\
              test result: FAILED. 0 passed; 1 failed\n",
    passing: "exit code 0\ntest tests::ten_euros_net_are_eleven_ninety_gross ... ok\n\
              test result: ok. 1 passed; 0 failed\n",
};

/// What the workspace would answer to each call, in order.
fn result_for(workspace: &Workspace, round: usize) -> &'static str {
    match round {
        0 => workspace.listing,
        3 => workspace.failing,
        7 => workspace.passing,
        _ => "done",
    }
}

/// Drives the script to its answer; returns the tool calls (name and arguments) and the
/// final text.
async fn play(
    workspace: &Workspace,
    resource_group: &str,
    mode: Mode,
    model: &str,
) -> (Vec<(String, serde_json::Value)>, String) {
    let sim = SimServer::start(SimOptions::default()).await.unwrap();
    let key = ServiceKey::from_json(&sim.service_key().to_string()).unwrap();
    let client = Client::new(
        key,
        ClientOptions {
            resource_group: resource_group.into(),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let target = client
        .resolve_target(mode, Some(model), None)
        .await
        .unwrap();
    let mut messages = vec![
        Message::new(Role::System, "be useful"),
        Message::new(Role::User, "Please fix the failing test"),
    ];
    let mut names = Vec::new();
    for round in 0..12 {
        let request = ChatRequest {
            messages: messages.clone(),
            max_tokens: None,
            temperature: None,
            tools: specs(),
            reasoning: None,
        };
        let mut stream = client.chat_stream(target.clone(), request);
        let (mut text, mut id, mut name, mut arguments) =
            (String::new(), None, None, String::new());
        // Gemini wants its signature back with the call (API reference §12).
        let mut signature = None;
        while let Some(event) = stream.next().await {
            match event {
                ChatEvent::Delta(delta) => text.push_str(&delta),
                ChatEvent::ToolCall(delta) => {
                    id = delta.id.or(id);
                    name = delta.name.or(name);
                    signature = delta.thought_signature.or(signature);
                    arguments.push_str(&delta.arguments);
                }
                ChatEvent::Error(err) => panic!("{model}: {err}"),
                _ => {}
            }
        }
        let Some(name) = name else {
            return (names, text);
        };
        let id = id.unwrap_or_else(|| format!("call-{round}"));
        let parsed = serde_json::from_str(&arguments).unwrap();
        names.push((name.clone(), parsed));
        messages.push(Message::assistant_tool_calls(
            "",
            vec![ToolCall {
                id: id.clone(),
                name,
                arguments,
                thought_signature: signature,
            }],
        ));
        messages.push(Message::tool_result(id, result_for(workspace, round)));
    }
    panic!("{model}: no answer after 12 rounds: {names:?}");
}

const EXPECTED: [&str; 8] = [
    "list_files",
    "write_file",
    "write_file",
    "run_command",
    "read_file",
    "edit_file",
    "edit_file",
    "run_command",
];

/// Both workspaces through one dialect: the same rounds, each project's files and command.
async fn check(resource_group: &str, mode: Mode, model: &str) {
    for (workspace, code) in [
        (&SHELL, "sapcode-demo/price.sh"),
        (&CARGO, "sapcode-demo/src/lib.rs"),
    ] {
        let (calls, answer) = play(workspace, resource_group, mode, model).await;
        let names: Vec<&str> = calls.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, EXPECTED, "{model}");
        for round in [3, 7] {
            assert_eq!(calls[round].1["command"], workspace.command, "{model}");
        }
        for round in [4, 5, 6] {
            assert_eq!(calls[round].1["path"], code, "{model}");
        }
        assert!(
            calls[1..3]
                .iter()
                .all(|(_, args)| args["path"].as_str().unwrap().starts_with("sapcode-demo/")),
            "{model}: {calls:?}"
        );
        assert!(answer.starts_with("Fixed."), "{model}: {answer}");
        assert!(answer.contains(workspace.command), "{model}: {answer}");
    }
}

#[tokio::test]
async fn azure_openai_foundation_dialect() {
    check("default", Mode::Foundation, "gpt-4o").await;
}

#[tokio::test]
async fn orchestration_dialect() {
    check("default", Mode::Orchestration, "gpt-4o").await;
}

#[tokio::test]
async fn bedrock_converse_dialect() {
    check("team-b", Mode::Foundation, "anthropic--claude-4.5-sonnet").await;
}

#[tokio::test]
async fn vertex_gemini_dialect() {
    check("team-b", Mode::Foundation, "gemini-2.5-pro").await;
}
