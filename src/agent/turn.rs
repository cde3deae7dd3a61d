//! The one turn driver, tools on or off: stream an answer; when the model asks for tools, run
//! them (off the async runtime; none writes: edits come back as `Proposed`), add the call and
//! its results to the request and ask again, at most `max_rounds` times. Every turn of
//! `sapcode run` and of the TUI goes through it; each face only turns `TurnEvent`s into output.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::tools::Tools;
use crate::aicore::{ChatEvent, ChatRequest, ChatTarget, Client, Message, ToolCall, Usage};

/// Tool rounds before a turn gives up.
pub const DEFAULT_MAX_ROUNDS: usize = 8;

/// Everything a turn with tools reports, in order.
#[derive(Debug)]
pub enum TurnEvent {
    /// A chat event of the current round. `Usage` and `Done` come once, at the very end
    /// (usage summed over rounds); `Error` ends the turn.
    Chat(ChatEvent),
    /// A complete tool call is about to run; `args` is its JSON text.
    ToolStarted {
        id: String,
        name: String,
        args: String,
    },
    /// It ran: a short summary for people, the size of what the model receives.
    ToolFinished {
        id: String,
        name: String,
        summary: String,
        bytes: usize,
        ok: bool,
    },
    /// A `propose_edit` call recorded a change for the user to review; nothing was written.
    Proposed(Box<super::edit::Proposal>),
    /// The messages this turn added before its final answer (assistant tool calls and tool
    /// results), for a conversation that continues. Sent just before the final `Done`.
    History(Vec<Message>),
    /// The model still wanted tools after `rounds` rounds; the turn stops without an answer.
    RoundLimit { rounds: usize },
}

/// A running turn: a stream of `TurnEvent`s. Dropping it stops the turn.
pub struct Turn {
    events: mpsc::UnboundedReceiver<TurnEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Stream for Turn {
    type Item = TurnEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TurnEvent>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a turn. With `tools`, `request.tools` should already hold their specs; without,
/// the turn is one plain answer (tool calls the model sends anyway end it like text does).
pub fn start(
    client: Client,
    target: ChatTarget,
    request: ChatRequest,
    tools: Option<Tools>,
    max_rounds: usize,
) -> Turn {
    let (tx, events) = mpsc::unbounded_channel();
    let task = tokio::spawn(drive(client, target, request, tools, max_rounds.max(1), tx));
    Turn { events, task }
}

/// Fragments of one tool call, joined per index.
#[derive(Default)]
struct Pending {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
    thought_signature: Option<String>,
}

async fn drive(
    client: Client,
    target: ChatTarget,
    mut request: ChatRequest,
    tools: Option<Tools>,
    max_rounds: usize,
    tx: mpsc::UnboundedSender<TurnEvent>,
) {
    let send = |event: TurnEvent| tx.send(event).is_ok();
    let mut added = Vec::new();
    let mut usage: Option<Usage> = None;
    // Text a tool round already showed; the next round's text starts a new paragraph.
    let mut needs_break = false;
    for round in 0..max_rounds {
        let mut stream = client.chat_stream(target.clone(), request.clone());
        let mut text = String::new();
        let mut pending: BTreeMap<u32, Pending> = BTreeMap::new();
        let mut finish_reason = None;
        while let Some(event) = stream.next().await {
            match event {
                ChatEvent::Delta(delta) => {
                    if needs_break && !delta.is_empty() {
                        needs_break = false;
                        if !send(TurnEvent::Chat(ChatEvent::Delta("\n\n".into()))) {
                            return;
                        }
                    }
                    text.push_str(&delta);
                    if !send(TurnEvent::Chat(ChatEvent::Delta(delta))) {
                        return;
                    }
                }
                ChatEvent::ToolCall(delta) => {
                    let entry = pending.entry(delta.index).or_default();
                    if delta.id.is_some() {
                        entry.id.clone_from(&delta.id);
                    }
                    if delta.name.is_some() {
                        entry.name.clone_from(&delta.name);
                    }
                    entry.arguments.push_str(&delta.arguments);
                    if delta.thought_signature.is_some() {
                        entry.thought_signature.clone_from(&delta.thought_signature);
                    }
                    if !send(TurnEvent::Chat(ChatEvent::ToolCall(delta))) {
                        return;
                    }
                }
                ChatEvent::Usage(u) => *usage.get_or_insert_with(Usage::default) += u,
                ChatEvent::Done { finish_reason: r } => finish_reason = r,
                ChatEvent::Error(err) => {
                    send(TurnEvent::Chat(ChatEvent::Error(err)));
                    return;
                }
                retrying @ ChatEvent::Retrying { .. } => {
                    if !send(TurnEvent::Chat(retrying)) {
                        return;
                    }
                }
            }
        }
        // Decided by the calls themselves: Gemini ends a function call with `STOP`.
        let calls: Vec<ToolCall> = pending
            .into_iter()
            .filter_map(|(index, p)| {
                Some(ToolCall {
                    id: p
                        .id
                        .unwrap_or_else(|| format!("call_{}_{index}", round + 1)),
                    name: p.name?,
                    arguments: p.arguments,
                    thought_signature: p.thought_signature,
                })
            })
            .collect();
        let Some(tools) = tools.as_ref().filter(|_| !calls.is_empty()) else {
            if !added.is_empty() {
                send(TurnEvent::History(std::mem::take(&mut added)));
            }
            if let Some(u) = usage {
                send(TurnEvent::Chat(ChatEvent::Usage(u)));
            }
            send(TurnEvent::Chat(ChatEvent::Done { finish_reason }));
            return;
        };
        needs_break |= !text.trim().is_empty();
        let assistant = Message::assistant_tool_calls(text, calls.clone());
        request.messages.push(assistant.clone());
        added.push(assistant);
        for call in calls {
            if !send(TurnEvent::ToolStarted {
                id: call.id.clone(),
                name: call.name.clone(),
                args: call.arguments.clone(),
            }) {
                return;
            }
            let runner = tools.clone();
            let (name, arguments) = (call.name.clone(), call.arguments.clone());
            let output = tokio::task::spawn_blocking(move || runner.call(&name, &arguments))
                .await
                .unwrap_or_else(|err| super::tools::ToolOutput {
                    content: format!("error: the tool failed: {err}"),
                    summary: "failed".into(),
                    ok: false,
                    proposal: None,
                });
            if !send(TurnEvent::ToolFinished {
                id: call.id.clone(),
                name: call.name.clone(),
                summary: output.summary,
                bytes: output.content.len(),
                ok: output.ok,
            }) {
                return;
            }
            if let Some(proposal) = output.proposal
                && !send(TurnEvent::Proposed(proposal))
            {
                return;
            }
            let result = Message::tool_result(call.id, output.content);
            request.messages.push(result.clone());
            added.push(result);
        }
    }
    if !added.is_empty() {
        send(TurnEvent::History(added));
    }
    send(TurnEvent::RoundLimit { rounds: max_rounds });
}

/// `read_file src/lib.rs` from a call's name and JSON arguments: the name, then its `path`
/// (or `pattern`) when there is one.
pub fn describe_call(name: &str, args: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(args).unwrap_or_default();
    let text = |key: &str| value.get(key).and_then(serde_json::Value::as_str);
    match (text("pattern"), text("path")) {
        (Some(pattern), Some(path)) => format!("{name} {pattern:?} in {path}"),
        (Some(pattern), None) => format!("{name} {pattern:?}"),
        (None, Some(path)) => format!("{name} {path}"),
        (None, None) => name.to_owned(),
    }
}

/// A finished tool call as the CLI and the TUI show it: its size, or why it failed.
pub fn describe_result(call: &str, summary: &str, bytes: usize, ok: bool) -> String {
    if ok {
        format!("{call} ({})", crate::byte_size::human_bytes(bytes))
    } else {
        format!("{call}: {summary}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_described_by_path_or_pattern() {
        assert_eq!(
            describe_call("read_file", r#"{"path":"src/lib.rs"}"#),
            "read_file src/lib.rs"
        );
        assert_eq!(
            describe_call("search", r#"{"pattern":"fn main","path":"src"}"#),
            "search \"fn main\" in src"
        );
        assert_eq!(describe_call("list_files", "{}"), "list_files");
        assert_eq!(describe_call("list_files", "garbage"), "list_files");
    }

    #[tokio::test]
    async fn a_turn_without_tools_is_one_answer_ending_in_usage_then_done() {
        use crate::aicore::{ClientOptions, Mode, ServiceKey};
        let server = crate::sim::SimServer::start(Default::default())
            .await
            .unwrap();
        let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
        let client = Client::new(key, ClientOptions::default()).unwrap();
        let target = client
            .resolve_target(Mode::Foundation, Some("gpt-4o"), None)
            .await
            .unwrap();
        let mut conversation = crate::agent::Conversation::new(None);
        conversation.push_user("read the file notes.txt", &[]);
        let request = conversation.request(None);
        let events: Vec<TurnEvent> = start(client, target, request, None, DEFAULT_MAX_ROUNDS)
            .collect()
            .await;
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                TurnEvent::Chat(ChatEvent::Delta(t)) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert!(!text.is_empty(), "{events:?}");
        let n = events.len();
        assert!(
            matches!(events[n - 2], TurnEvent::Chat(ChatEvent::Usage(u)) if u.total_tokens > 0),
            "{events:?}"
        );
        assert!(
            matches!(events[n - 1], TurnEvent::Chat(ChatEvent::Done { .. })),
            "{events:?}"
        );
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, TurnEvent::ToolStarted { .. } | TurnEvent::History(_))),
            "{events:?}"
        );
    }
}
