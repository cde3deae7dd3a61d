//! The turn driver with a scripted model: approvals (yes, no with a reason, all edits, always
//! this command), several edits to one file in one turn, levels, headless refusal, floods of
//! calls and of result bytes, and a cancelled turn killing its command.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde_json::json;

use super::approval::{ApprovalRequest, ApprovedBy, AskMode, Decision};
use super::tools::{ToolLevel, Tools};
use super::turn::{self, ChatModel, Turn, TurnEvent};
use super::{MAX_CALLS_PER_ROUND, MAX_RESULT_BYTES_PER_REQUEST};
use crate::aicore::{ChatEvent, ChatRequest, ChatStream, Message, Role, ToolCallDelta};

/// One answer of the scripted model: tool calls `(name, arguments)`, or text.
enum Step {
    Calls(Vec<(&'static str, serde_json::Value)>),
    Text(&'static str),
}

/// Answers requests from a script, in order, and keeps every request it saw.
struct Script {
    steps: Mutex<VecDeque<Step>>,
    requests: Mutex<Vec<ChatRequest>>,
}

impl Script {
    fn new(steps: Vec<Step>) -> Arc<Script> {
        Arc::new(Script {
            steps: Mutex::new(steps.into()),
            requests: Mutex::default(),
        })
    }

    fn tool_results(&self, request: usize) -> Vec<Message> {
        self.requests.lock().unwrap()[request]
            .messages
            .iter()
            .filter(|m| m.role == Role::Tool)
            .cloned()
            .collect()
    }
}

impl ChatModel for Script {
    fn stream(&self, request: ChatRequest) -> ChatStream {
        let round = {
            let mut requests = self.requests.lock().unwrap();
            requests.push(request);
            requests.len()
        };
        let step = self
            .steps
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Step::Text("done"));
        let events: Vec<ChatEvent> = match step {
            Step::Text(text) => vec![ChatEvent::Delta(text.into())],
            Step::Calls(calls) => calls
                .into_iter()
                .enumerate()
                .map(|(index, (name, args))| {
                    ChatEvent::ToolCall(ToolCallDelta {
                        index: index as u32,
                        id: Some(format!("call_{round}_{index}")),
                        name: Some(name.into()),
                        arguments: args.to_string(),
                        thought_signature: None,
                    })
                })
                .collect(),
        };
        let done = ChatEvent::Done {
            finish_reason: Some("stop".into()),
        };
        Box::pin(futures_util::stream::iter(
            events.into_iter().chain(std::iter::once(done)),
        ))
    }
}

fn workspace(level: ToolLevel) -> (tempfile::TempDir, Tools) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "one\nhello\nthree\n").unwrap();
    let tools = Tools::new(dir.path()).unwrap().with_level(level);
    (dir, tools)
}

fn start(script: &Arc<Script>, tools: &Tools) -> Turn {
    let mut request = ChatRequest::default();
    request.messages.push(Message::new(Role::User, "go"));
    turn::start_with(script.clone(), request, Some(tools.clone()), 8)
}

/// Runs the turn to its end, answering each approval with the next decision; returns the
/// events (approval requests are kept as their request) and how many were asked.
async fn drive(turn: Turn, decisions: Vec<Decision>) -> (Vec<TurnEvent>, Vec<ApprovalRequest>) {
    let mut decisions = VecDeque::from(decisions);
    let mut asked = Vec::new();
    let mut events = Vec::new();
    let mut turn = turn;
    while let Some(event) = turn.next().await {
        match event {
            TurnEvent::ApprovalNeeded { request, reply, .. } => {
                asked.push(request);
                let decision = decisions
                    .pop_front()
                    .expect("an unexpected approval request");
                reply.send(decision).unwrap();
            }
            other => events.push(other),
        }
    }
    (events, asked)
}

fn edit(old: &str, new: &str) -> (&'static str, serde_json::Value) {
    (
        "edit_file",
        json!({"path": "notes.txt", "old_text": old, "new_text": new}),
    )
}

fn notes(tools: &Tools) -> String {
    std::fs::read_to_string(tools.root().join("notes.txt")).unwrap()
}

fn approvals(events: &[TurnEvent]) -> Vec<(bool, ApprovedBy)> {
    events
        .iter()
        .filter_map(|e| match e {
            TurnEvent::Approval { approved, by, .. } => Some((*approved, *by)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_approved_edit_is_written_and_reported() {
    let (_dir, tools) = workspace(ToolLevel::Edit);
    let script = Script::new(vec![Step::Calls(vec![edit("hello", "goodbye")])]);
    let (events, asked) = drive(start(&script, &tools), vec![Decision::Yes]).await;
    let [ApprovalRequest::Edit { path, hunks, .. }] = asked.as_slice() else {
        panic!("{asked:?}")
    };
    assert_eq!(path, "notes.txt");
    let diff = crate::agent::diff::render_unified(path, hunks, false);
    assert!(diff.contains("-hello\n+goodbye\n"), "{diff}");
    assert_eq!(notes(&tools), "one\ngoodbye\nthree\n");
    assert_eq!(approvals(&events), [(true, ApprovedBy::User)]);
    let results = script.tool_results(1);
    assert_eq!(results[0].content, "applied: edited notes.txt (+1 -1)");
    assert_eq!(tools.undo_len(), 1);
}

#[tokio::test]
async fn a_rejected_edit_writes_nothing_and_the_model_hears_why() {
    let (_dir, tools) = workspace(ToolLevel::Edit);
    let script = Script::new(vec![Step::Calls(vec![edit("hello", "goodbye")])]);
    let no = Decision::No {
        reason: Some("keep the greeting".into()),
    };
    let (events, _) = drive(start(&script, &tools), vec![no]).await;
    assert_eq!(notes(&tools), "one\nhello\nthree\n");
    assert_eq!(approvals(&events), [(false, ApprovedBy::User)]);
    let result = &script.tool_results(1)[0].content;
    assert!(
        result.starts_with("rejected by the user: keep the greeting."),
        "{result}"
    );
    assert!(matches!(
        events
            .iter()
            .find(|e| matches!(e, TurnEvent::ToolFinished { .. })),
        Some(TurnEvent::ToolFinished { ok: false, .. })
    ));
}

#[tokio::test]
async fn several_edits_to_one_file_apply_in_order() {
    let (_dir, tools) = workspace(ToolLevel::Edit);
    let script = Script::new(vec![Step::Calls(vec![
        edit("hello", "hello world"),
        edit("hello world", "hello brave world"),
        edit("three", "3"),
    ])]);
    let (_, asked) = drive(
        start(&script, &tools),
        vec![Decision::Yes, Decision::Yes, Decision::Yes],
    )
    .await;
    assert_eq!(asked.len(), 3);
    assert_eq!(notes(&tools), "one\nhello brave world\n3\n");
}

#[tokio::test]
async fn all_edits_is_asked_once_for_the_session() {
    let (_dir, tools) = workspace(ToolLevel::Edit);
    let script = Script::new(vec![
        Step::Calls(vec![edit("hello", "hi")]),
        Step::Calls(vec![edit("three", "3")]),
    ]);
    let (events, asked) = drive(start(&script, &tools), vec![Decision::AllEdits]).await;
    assert_eq!(asked.len(), 1);
    assert_eq!(
        approvals(&events),
        [(true, ApprovedBy::User), (true, ApprovedBy::Session)]
    );
    // A later turn with the same tools does not ask either.
    let script = Script::new(vec![Step::Calls(vec![edit("one", "1")])]);
    let (_, asked) = drive(start(&script, &tools), vec![]).await;
    assert!(asked.is_empty());
    assert_eq!(notes(&tools), "1\nhi\n3\n");
}

#[tokio::test]
async fn always_this_command_covers_only_that_exact_command() {
    let (_dir, tools) = workspace(ToolLevel::All);
    let run = |command: &str| ("run_command", json!({ "command": command }));
    let script = Script::new(vec![
        Step::Calls(vec![run("echo one")]),
        Step::Calls(vec![run("echo one")]),
        Step::Calls(vec![run("echo two")]),
    ]);
    let no = Decision::No { reason: None };
    let (events, asked) = drive(start(&script, &tools), vec![Decision::AlwaysCommand, no]).await;
    assert_eq!(
        asked,
        [
            ApprovalRequest::Command {
                command: "echo one".into()
            },
            ApprovalRequest::Command {
                command: "echo two".into()
            },
        ]
    );
    assert_eq!(
        approvals(&events),
        [
            (true, ApprovedBy::User),
            (true, ApprovedBy::Session),
            (false, ApprovedBy::User)
        ]
    );
    let output: String = events
        .iter()
        .filter_map(|e| match e {
            TurnEvent::CommandOutput { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(output, "one\none\n");
    assert!(
        script.tool_results(1)[0]
            .content
            .starts_with("$ echo one\nexit code 0\none\n")
    );
    assert!(
        script.tool_results(3)[2]
            .content
            .starts_with("rejected by the user: no reason given")
    );
}

#[tokio::test]
async fn tools_above_the_level_and_unasked_approvals_are_refused() {
    let (_dir, tools) = workspace(ToolLevel::Read);
    let script = Script::new(vec![Step::Calls(vec![
        edit("hello", "x"),
        ("run_command", json!({"command": "touch made"})),
        ("no_such_tool", json!({})),
    ])]);
    let (_, asked) = drive(start(&script, &tools), vec![]).await;
    assert!(asked.is_empty());
    let results = script.tool_results(1);
    assert!(
        results[0]
            .content
            .contains("edit_file is not enabled: the tools level is read")
    );
    assert!(results[1].content.contains("run_command is not enabled"));
    assert!(
        results[2]
            .content
            .contains("no tool named \"no_such_tool\"; available: read_file")
    );
    assert!(script.requests.lock().unwrap()[0].tools.len() == 3);

    // Headless without a terminal: refused without asking, the turn goes on.
    let (_dir, tools) = workspace(ToolLevel::All);
    tools.approvals().lock().unwrap().mode = AskMode::Refuse("no terminal".into());
    let script = Script::new(vec![Step::Calls(vec![
        edit("hello", "x"),
        ("run_command", json!({"command": "touch made"})),
    ])]);
    let (events, asked) = drive(start(&script, &tools), vec![]).await;
    assert!(asked.is_empty());
    assert_eq!(
        approvals(&events),
        [
            (false, ApprovedBy::NoTerminal),
            (false, ApprovedBy::NoTerminal)
        ]
    );
    assert_eq!(notes(&tools), "one\nhello\nthree\n");
    assert!(!tools.root().join("made").exists());
    assert_eq!(
        script.tool_results(1)[0].content,
        "error: not approved: no terminal"
    );
    assert!(matches!(
        events.last(),
        Some(TurnEvent::Chat(ChatEvent::Done { .. }))
    ));
}

#[tokio::test]
async fn a_flood_of_calls_runs_the_first_few_and_bounds_the_next_request() {
    let (_dir, tools) = workspace(ToolLevel::Read);
    let calls: Vec<_> = (0..3000)
        .map(|i| {
            (
                "read_file",
                json!({"path": "notes.txt", "pad": "x".repeat(i % 7)}),
            )
        })
        .collect();
    let script = Script::new(vec![Step::Calls(calls)]);
    let (events, _) = drive(start(&script, &tools), vec![]).await;
    let ok = events
        .iter()
        .filter(|e| matches!(e, TurnEvent::ToolFinished { ok: true, .. }))
        .count();
    assert_eq!(ok, MAX_CALLS_PER_ROUND);
    let results = script.tool_results(1);
    assert_eq!(results.len(), 3000);
    assert_eq!(
        results[MAX_CALLS_PER_ROUND].content,
        "error: not run: only the first 32 of 3000 calls in one round run"
    );
    // Each call costs one short line at most: 3,000 calls stay far below a megabyte.
    let bytes: usize = results.iter().map(|m| m.content.len()).sum();
    assert!(bytes <= 3000 * 80, "{bytes}");
    let request = &script.requests.lock().unwrap()[1];
    let assistant = request
        .messages
        .iter()
        .find(|m| !m.tool_calls.is_empty())
        .unwrap();
    assert_eq!(assistant.tool_calls[2999].arguments, "{}");
}

#[tokio::test]
async fn large_results_share_one_budget_per_request() {
    let (_dir, tools) = workspace(ToolLevel::Read);
    std::fs::write(tools.root().join("big.txt"), "x".repeat(60 * 1024)).unwrap();
    let calls = (0..6)
        .map(|_| ("read_file", json!({"path": "big.txt"})))
        .collect();
    let script = Script::new(vec![Step::Calls(calls)]);
    drive(start(&script, &tools), vec![]).await;
    let results = script.tool_results(1);
    let bytes: usize = results.iter().map(|m| m.content.len()).sum();
    // Within the budget, plus one short line for each result past it.
    assert!(bytes <= MAX_RESULT_BYTES_PER_REQUEST + 64, "{bytes}");
    assert_eq!(results[3].content.len(), 60 * 1024);
    assert!(results[4].content.ends_with("ask for less at a time]"));
    assert!(
        results[5].content.starts_with("[omitted"),
        "{}",
        results[5].content
    );
}

#[cfg(unix)]
#[tokio::test]
async fn dropping_the_turn_kills_the_running_command_and_its_children() {
    let (_dir, tools) = workspace(ToolLevel::All);
    tools.approvals().lock().unwrap().mode = AskMode::ApproveAll;
    let sleep = super::tools::command_tests::unique_sleep();
    let command = format!("sleep {sleep} & echo started; wait");
    let script = Script::new(vec![Step::Calls(vec![(
        "run_command",
        json!({ "command": command }),
    )])]);
    let mut turn = start(&script, &tools);
    while let Some(event) = turn.next().await {
        if matches!(&event, TurnEvent::CommandOutput { text, .. } if text.contains("started")) {
            break;
        }
    }
    let running = super::tools::command_tests::running;
    assert!(!running(&sleep).is_empty());
    drop(turn);
    // The abort lands when the runtime next polls: wait on its clock, not the thread's.
    for _ in 0..400 {
        if running(&sleep).is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{:?} outlived the dropped turn", running(&sleep));
}

/// Every answer within its own caps, but round after round of them: the turn stops once they
/// passed `MAX_TURN_BYTES` together, before running that round's calls.
#[tokio::test]
async fn a_turn_stops_when_its_answers_pass_the_turn_budget() {
    let (_dir, tools) = workspace(ToolLevel::Read);
    let pad = "x".repeat((1 << 20) - 64);
    let round = || {
        Step::Calls(
            (0..8)
                .map(|_| ("read_file", json!({ "path": "notes.txt", "pad": pad })))
                .collect(),
        )
    };
    let script = Script::new((0..10).map(|_| round()).collect());
    let mut request = ChatRequest::default();
    request.messages.push(Message::new(Role::User, "go"));
    let turn = turn::start_with(
        script.clone(),
        request,
        Some(tools.clone()),
        turn::DEFAULT_MAX_ROUNDS,
    );
    let (events, _) = drive(turn, vec![]).await;
    let last = events.last().unwrap();
    assert!(
        matches!(last, TurnEvent::Chat(ChatEvent::Error(err))
            if err.to_string().ends_with("this turn's answers and tool calls passed 32 MiB")),
        "{last:?}"
    );
    // 8 MiB a round: the fifth answer passes 32 MiB and its calls never run.
    assert_eq!(script.requests.lock().unwrap().len(), 5);
    let ran = events
        .iter()
        .filter(|e| matches!(e, TurnEvent::ToolFinished { .. }))
        .count();
    assert_eq!(ran, 32);
}
