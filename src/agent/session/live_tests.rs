//! `Session` with a scripted model: approvals wait in `Answers` until the face decides, a
//! deployment that refuses tools is asked again without them (and not offered them again),
//! a finished turn joins the conversation and its session file, and the round limit ends
//! the turn with an `error` event.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::live::Target;
use super::{Session, SessionEvent, SessionLog, SessionStore, TurnFailed};
use crate::agent::turn::ChatModel;
use crate::agent::{Decision, ToolLevel, Tools};
use crate::aicore::{ChatEvent, ChatRequest, ChatStream, Mode, Role, ToolCallDelta, Usage};

/// Answers from a script; refuses every request that offers tools when `refuses_tools`;
/// asks for `notes.txt` again and again when `endless`.
#[derive(Default)]
struct Model {
    refuses_tools: bool,
    endless: bool,
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
            let mut events = match self.steps.lock().unwrap().pop_front() {
                Some(step) => step,
                None if self.endless => vec![call("read_file", json!({"path": "notes.txt"}))],
                None => vec![ChatEvent::Delta("done".into())],
            };
            events.push(ChatEvent::Usage(Usage {
                prompt_tokens: 100,
                completion_tokens: 10,
                total_tokens: 110,
                ..Default::default()
            }));
            events.push(ChatEvent::Done {
                finish_reason: Some("stop".into()),
            });
            events
        };
        Box::pin(futures_util::stream::iter(events))
    }
}

fn call(name: &str, arguments: serde_json::Value) -> ChatEvent {
    ChatEvent::ToolCall(ToolCallDelta {
        index: 0,
        id: Some("c1".into()),
        name: Some(name.into()),
        arguments: arguments.to_string(),
        thought_signature: None,
    })
}

fn edit_call() -> ChatEvent {
    call(
        "edit_file",
        json!({"path": "notes.txt", "old_text": "hello", "new_text": "goodbye"}),
    )
}

fn target() -> Target {
    Target {
        mode: Mode::Foundation,
        model: "m".into(),
        deployment: "d".into(),
    }
}

/// A session in a workspace holding `notes.txt`, saving under `data`.
fn session(data: &std::path::Path, workspace: &std::path::Path) -> (Session, Tools) {
    std::fs::write(workspace.join("notes.txt"), "one\nhello\n").unwrap();
    let log = SessionLog::new(Some(SessionStore::new(data)), workspace.to_owned());
    let mut session = Session::new(None, log);
    let tools = Tools::new(workspace).unwrap();
    session.set_tools(Some(tools.clone()), ToolLevel::Edit);
    (session, tools)
}

/// Asks `question`; each approval is answered with the next of `decisions` the way a face
/// does (through `Answers`). Returns every event and how the turn ended.
async fn ask(
    session: &mut Session,
    model: Arc<Model>,
    question: &str,
    decisions: Vec<Decision>,
) -> (Vec<SessionEvent>, Result<(), TurnFailed>) {
    session.push_question(question, &[]);
    let answers = session.answers();
    let mut decisions: VecDeque<Decision> = decisions.into();
    let mut seen = Vec::new();
    let mut sink = |event: SessionEvent| {
        if let SessionEvent::ApprovalNeeded { id, .. } = &event {
            // The reply is parked before the event reaches the face.
            assert!(answers.answer(id, decisions.pop_front().unwrap()));
        }
        seen.push(event);
        true
    };
    let outcome = session.ask_model(model, &target(), &mut sink).await;
    (seen, outcome)
}

fn script(refuses_tools: bool, steps: Vec<Vec<ChatEvent>>) -> Arc<Model> {
    Arc::new(Model {
        refuses_tools,
        steps: Mutex::new(steps.into()),
        ..Model::default()
    })
}

#[tokio::test]
async fn the_faces_answer_decides_what_is_written() {
    let (data, workspace) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, tools) = session(data.path(), workspace.path());
    let notes = workspace.path().join("notes.txt");
    let no = Decision::No {
        reason: Some("keep the greeting".into()),
    };
    let (seen, _) = ask(
        &mut session,
        script(false, vec![vec![edit_call()]]),
        "go",
        vec![no],
    )
    .await;
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "one\nhello\n");
    assert!(
        seen.iter().any(
            |e| matches!(e, SessionEvent::ToolResult { summary, ok: false, edit: None, .. }
            if summary == "rejected: keep the greeting")
        ),
        "{seen:?}"
    );

    let model = script(false, vec![vec![edit_call()]]);
    let (seen, _) = ask(&mut session, model, "again", vec![Decision::Yes]).await;
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "one\ngoodbye\n");
    // The counts travel typed, beside the summary.
    let stats = seen.iter().find_map(|e| match e {
        SessionEvent::ToolResult { edit, .. } => edit.clone(),
        _ => None,
    });
    let stats = stats.unwrap();
    assert_eq!(
        (stats.path.as_str(), stats.added, stats.removed),
        ("notes.txt", 1, 1)
    );
    assert!(!stats.created);
    // The session's tools keep the undo stack: the edit can be taken back.
    assert_eq!(tools.undo_last().unwrap(), "notes.txt");

    // The file keeps how each call looked, by position: both turns called it `c1`.
    let saved = SessionStore::new(data.path())
        .last_for(workspace.path())
        .unwrap()
        .unwrap();
    let views: Vec<&super::ToolView> = saved.tool_views.iter().flatten().collect();
    assert_eq!(views.len(), 2, "{:?}", saved.tool_views);
    assert_eq!(
        (views[0].ok, views[0].summary.as_str()),
        (false, "rejected: keep the greeting")
    );
    let refused = super::Decided {
        approved: false,
        by: crate::agent::ApprovedBy::User,
    };
    assert_eq!(views[0].approval, Some(refused));
    assert!(views[0].diff.is_none());
    let edit = views[1].edit_stats().unwrap();
    assert_eq!((edit.added, edit.removed), (1, 1));
    let lines: Vec<String> = edit.diff.unwrap().hunks[0]
        .lines
        .iter()
        .map(|line| format!("{}{}", line.kind.mark(), line.text))
        .collect();
    assert_eq!(lines, [" one", "-hello", "+goodbye"]);
}

#[tokio::test]
async fn a_deployment_that_refuses_tools_answers_as_plain_chat_from_then_on() {
    let (data, workspace) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, _tools) = session(data.path(), workspace.path());
    let model = script(true, vec![vec![ChatEvent::Delta("plain answer".into())]]);
    let (seen, outcome) = ask(&mut session, model.clone(), "hi", Vec::new()).await;
    assert!(outcome.is_ok());
    assert!(
        matches!(&seen[0], SessionEvent::ToolsRefused { model, reason }
            if model == "m" && reason.contains("does not support tools")),
        "{seen:?}"
    );
    assert!(seen.contains(&SessionEvent::Delta {
        text: "plain answer".into()
    }));
    assert!(matches!(seen.last(), Some(SessionEvent::Done { .. })));
    // The next question goes to the same model without tools, and says nothing again.
    let (seen, _) = ask(&mut session, model.clone(), "more", Vec::new()).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, SessionEvent::ToolsRefused { .. }))
    );
    let requests = model.requests.lock().unwrap();
    let offered: Vec<bool> = requests.iter().map(|r| !r.tools.is_empty()).collect();
    assert_eq!(offered, [true, false, false]);
}

#[tokio::test]
async fn a_finished_turn_joins_the_conversation_and_its_session_file() {
    let (data, workspace) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, _tools) = session(data.path(), workspace.path());
    let steps = vec![
        vec![call("read_file", json!({"path": "notes.txt"}))],
        vec![ChatEvent::Delta("It says hello.".into())],
    ];
    let (seen, outcome) = ask(
        &mut session,
        script(false, steps),
        "what is in notes?",
        Vec::new(),
    )
    .await;
    assert!(outcome.is_ok());
    let kinds: Vec<&str> = seen
        .iter()
        .map(|e| match e {
            SessionEvent::ToolCall { .. } => "tool_call",
            SessionEvent::ToolResult { .. } => "tool_result",
            SessionEvent::Delta { .. } => "delta",
            SessionEvent::History { .. } => "history",
            SessionEvent::Usage { .. } => "usage",
            SessionEvent::Done { .. } => "done",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "tool_call",
            "tool_result",
            "delta",
            "history",
            "usage",
            "done"
        ]
    );
    let Some(SessionEvent::Usage {
        turn, last_request, ..
    }) = seen.get(4)
    else {
        panic!("{seen:?}");
    };
    assert_eq!((turn.prompt_tokens, last_request.prompt_tokens), (200, 100));

    let roles: Vec<Role> = session
        .conversation()
        .messages()
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::Tool, Role::Assistant]
    );
    let store = SessionStore::new(data.path());
    let saved = store.last_for(workspace.path()).unwrap().unwrap();
    assert_eq!(saved.messages, session.conversation().messages());
    assert_eq!(saved.messages[3].content, "It says hello.");
    assert_eq!(saved.last_usage.map(|u| u.prompt_tokens), Some(200));
}

#[tokio::test]
async fn the_round_limit_ends_the_turn_with_an_error_event() {
    let (data, workspace) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, _tools) = session(data.path(), workspace.path());
    let model = Arc::new(Model {
        endless: true,
        ..Model::default()
    });
    let (seen, outcome) = ask(&mut session, model, "loop", Vec::new()).await;
    let Err(failed @ TurnFailed::RoundLimit { .. }) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(seen.last(), Some(&failed.event()));
    assert_eq!(
        seen.last(),
        Some(&SessionEvent::Error {
            message: format!(
                "stopped after {} tool rounds without a final answer",
                crate::agent::DEFAULT_MAX_ROUNDS
            ),
            hint: "ask a narrower question".into(),
            exit_code: 1,
        })
    );
}

#[test]
fn only_a_client_error_naming_tools_counts_as_a_refusal() {
    use super::forward::refuses_tools;
    let http = |status, detail: &str| crate::aicore::Error::Http {
        what: "chat".into(),
        status,
        detail: detail.into(),
        retry_after: None,
    };
    assert!(refuses_tools(&http(
        400,
        "This model does not support 'tools'"
    )));
    assert!(refuses_tools(&http(422, "function calling is unavailable")));
    assert!(!refuses_tools(&http(400, "max_tokens is too large")));
    assert!(!refuses_tools(&http(503, "tool service busy")));
    assert!(!refuses_tools(&crate::aicore::Error::InStream {
        message: "tool".into()
    }));
}
