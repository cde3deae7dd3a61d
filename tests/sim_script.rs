//! The simulator's scripted "fix the failing test" answer through the real client, in every
//! dialect: this test plays the tools (fixed results, the first test run failing) and checks
//! the simulated model's calls round by round, then its final answer.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::StreamExt;
use sapcode::aicore::{
    ChatEvent, ChatRequest, Client, ClientOptions, Message, Mode, Role, ServiceKey, ToolCall,
    ToolSpec,
};
use sapcode::sim::{SimOptions, SimServer};

fn specs() -> Vec<ToolSpec> {
    [
        "list_files",
        "read_file",
        "write_file",
        "edit_file",
        "run_command",
    ]
    .into_iter()
    .map(|name| ToolSpec {
        name: name.into(),
        description: format!("the {name} tool"),
        parameters: serde_json::json!({ "type": "object", "properties": {} }),
    })
    .collect()
}

/// What the workspace would answer to each call, in order.
fn result_for(round: usize) -> &'static str {
    match round {
        3 => "exit code 1\nstdout:\ntest price ... FAILED: expected 1190, got 11900\n",
        7 => "exit code 0\nstdout:\ntest price ... ok\n",
        _ => "done",
    }
}

/// Drives the script to its answer; returns the tool names called and the final text.
async fn play(resource_group: &str, mode: Mode, model: &str) -> (Vec<String>, String) {
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
        names.push(name.clone());
        messages.push(Message::assistant_tool_calls(
            "",
            vec![ToolCall {
                id: id.clone(),
                name,
                arguments,
                thought_signature: signature,
            }],
        ));
        messages.push(Message::tool_result(id, result_for(round)));
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

#[tokio::test]
async fn azure_openai_foundation_dialect() {
    let (names, answer) = play("default", Mode::Foundation, "gpt-4o").await;
    assert_eq!(names, EXPECTED);
    assert!(answer.starts_with("Fixed."), "{answer}");
}

#[tokio::test]
async fn orchestration_dialect() {
    let (names, answer) = play("default", Mode::Orchestration, "gpt-4o").await;
    assert_eq!(names, EXPECTED);
    assert!(answer.starts_with("Fixed."), "{answer}");
}

#[tokio::test]
async fn bedrock_converse_dialect() {
    let (names, answer) = play("team-b", Mode::Foundation, "anthropic--claude-4.5-sonnet").await;
    assert_eq!(names, EXPECTED);
    assert!(answer.starts_with("Fixed."), "{answer}");
}

#[tokio::test]
async fn vertex_gemini_dialect() {
    let (names, answer) = play("team-b", Mode::Foundation, "gemini-2.5-pro").await;
    assert_eq!(names, EXPECTED);
    assert!(answer.starts_with("Fixed."), "{answer}");
}
