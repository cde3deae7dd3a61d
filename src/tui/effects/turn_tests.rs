//! The TUI's side of a turn with a scripted model: an approval waits in `pending` until the
//! review area answers it (and the answer decides what is written), and a model that
//! refuses tools is asked again without them, saying so.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::sync::mpsc;

use super::{Link, Pending, run};
use crate::agent::turn::{self as agent_turn, ChatModel};
use crate::agent::{Decision, ToolLevel, Tools};
use crate::aicore::{ChatEvent, ChatRequest, ChatStream, Message, Role, ToolCallDelta};
use crate::tui::event::ChatUpdate;

/// Answers from a script; refuses every request that offers tools when `refuses_tools`.
struct Model {
    refuses_tools: bool,
    steps: Mutex<VecDeque<Vec<ChatEvent>>>,
    requests: Mutex<Vec<ChatRequest>>,
}

impl ChatModel for Model {
    fn stream(&self, request: ChatRequest) -> ChatStream {
        let offers_tools = !request.tools.is_empty();
        self.requests.lock().unwrap().push(request);
        let events = if self.refuses_tools && offers_tools {
            vec![ChatEvent::Error(crate::aicore::Error::Http {
                what: "chat".into(),
                status: 400,
                detail: "this model does not support tools".into(),
                retry_after: None,
            })]
        } else {
            let mut events = self
                .steps
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| vec![ChatEvent::Delta("done".into())]);
            events.push(ChatEvent::Done {
                finish_reason: Some("stop".into()),
            });
            events
        };
        Box::pin(futures_util::stream::iter(events))
    }
}

fn edit_call() -> ChatEvent {
    ChatEvent::ToolCall(ToolCallDelta {
        index: 0,
        id: Some("c1".into()),
        name: Some("edit_file".into()),
        arguments: json!({"path": "notes.txt", "old_text": "hello", "new_text": "goodbye"})
            .to_string(),
        thought_signature: None,
    })
}

fn question() -> ChatRequest {
    let mut request = ChatRequest::default();
    request.messages.push(Message::new(Role::User, "go"));
    request
}

/// Runs a turn to its end; each approval is answered with the next of `decisions` the way
/// the review area does (through `pending`). Returns every update sent.
async fn drive(
    model: Arc<Model>,
    tools: Option<Tools>,
    decisions: Vec<Decision>,
) -> Vec<ChatUpdate> {
    let pending = Pending::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let send = move |update| tx.send(update).is_ok();
    let start = |request, tools| agent_turn::start_with(model.clone(), request, tools, 8);
    let link = Link {
        turn: 7,
        model: "m",
        pending: &pending,
        send: &send,
    };
    let turn = run(start, question(), tools, link);
    let answers = async {
        let mut decisions = VecDeque::from(decisions);
        let mut seen = Vec::new();
        while let Some(update) = rx.recv().await {
            if let ChatUpdate::ApprovalNeeded { id, .. } = &update {
                let reply = pending.lock().unwrap().remove(&(7, id.clone())).unwrap();
                reply.send(decisions.pop_front().unwrap()).unwrap();
            }
            let ends = matches!(update, ChatUpdate::Done | ChatUpdate::Failed(_));
            seen.push(update);
            if ends {
                return seen;
            }
        }
        seen
    };
    let (_, seen) = tokio::join!(turn, answers);
    seen
}

fn workspace() -> (tempfile::TempDir, Tools) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "one\nhello\n").unwrap();
    let tools = Tools::new(dir.path()).unwrap().with_level(ToolLevel::Edit);
    (dir, tools)
}

fn model(refuses_tools: bool, steps: Vec<Vec<ChatEvent>>) -> Arc<Model> {
    Arc::new(Model {
        refuses_tools,
        steps: Mutex::new(steps.into()),
        requests: Mutex::default(),
    })
}

#[tokio::test]
async fn the_review_answer_decides_what_is_written() {
    let (dir, tools) = workspace();
    let notes = dir.path().join("notes.txt");
    let no = Decision::No {
        reason: Some("keep the greeting".into()),
    };
    let seen = drive(
        model(false, vec![vec![edit_call()]]),
        Some(tools.clone()),
        vec![no],
    )
    .await;
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "one\nhello\n");
    assert!(
        seen.iter().any(
            |u| matches!(u, ChatUpdate::ToolFinished { summary, ok: false, .. }
            if summary == "rejected: keep the greeting")
        ),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|u| matches!(u, ChatUpdate::ApprovalNeeded { id, .. } if id == "c1"))
    );

    let seen = drive(
        model(false, vec![vec![edit_call()]]),
        Some(tools.clone()),
        vec![Decision::Yes],
    )
    .await;
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "one\ngoodbye\n");
    assert!(
        seen.iter()
            .any(|u| matches!(u, ChatUpdate::Approval { approved: true, .. })),
        "{seen:?}"
    );
    // The session's tools keep the undo stack: the edit can be taken back.
    assert_eq!(tools.undo_last().unwrap(), "notes.txt");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "one\nhello\n");
}

#[tokio::test]
async fn a_model_that_refuses_tools_answers_as_plain_chat_and_says_so() {
    let (_dir, tools) = workspace();
    let script = model(true, vec![vec![ChatEvent::Delta("plain answer".into())]]);
    let seen = drive(script.clone(), Some(tools), Vec::new()).await;
    assert!(
        matches!(&seen[0], ChatUpdate::ToolsUnsupported { model, reason }
            if model == "m" && reason.contains("does not support tools")),
        "{seen:?}"
    );
    assert!(
        seen.contains(&ChatUpdate::Delta("plain answer".into())),
        "{seen:?}"
    );
    assert_eq!(seen.last(), Some(&ChatUpdate::Done));
    let requests = script.requests.lock().unwrap();
    assert_eq!(requests.len(), 2);
    assert!(!requests[0].tools.is_empty());
    assert!(requests[1].tools.is_empty());
}

#[test]
fn only_a_client_error_naming_tools_counts_as_a_refusal() {
    let http = |status, detail: &str| crate::aicore::Error::Http {
        what: "chat".into(),
        status,
        detail: detail.into(),
        retry_after: None,
    };
    assert!(super::refuses_tools(&http(
        400,
        "This model does not support 'tools'"
    )));
    assert!(super::refuses_tools(&http(
        422,
        "function calling is unavailable"
    )));
    assert!(!super::refuses_tools(&http(400, "max_tokens is too large")));
    assert!(!super::refuses_tools(&http(503, "tool service busy")));
    assert!(!super::refuses_tools(&crate::aicore::Error::InStream {
        message: "tool".into()
    }));
}
