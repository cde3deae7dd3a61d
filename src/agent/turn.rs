//! The one turn driver, tools on or off: stream an answer; when the model asks for tools, run
//! them (`round.rs`: caps, approvals, execution), add the calls and their results to the
//! request and ask again, at most `max_rounds` times. Every turn of `sapcode run` and of the
//! TUI goes through it; each face only turns `TurnEvent`s into output (and answers approvals).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::approval::{ApprovalRequest, ApprovedBy, Reply};
use super::tools::Tools;
use crate::aicore::{
    ChatEvent, ChatRequest, ChatStream, ChatTarget, Client, Error, Message, ThinkingBlock,
    ToolCall, Usage,
};

/// Tool rounds before a turn gives up. A fix-and-test loop (look around, read, edit in a few
/// places, run the tests, read the failure, edit again, run again) takes a dozen rounds or more;
/// writes and commands are approved one by one, so the cap only stops a runaway model that keeps
/// reading, or one under `--yes`.
pub const DEFAULT_MAX_ROUNDS: usize = 50;

/// Text and tool-call arguments all the answers of one turn may add to the conversation.
/// Each answer is capped (`aicore::answer_caps`: 8 MiB of arguments, 4 MiB of text), but 50
/// rounds of them would still put hundreds of MiB into the session file and every request.
pub const MAX_TURN_BYTES: usize = 32 << 20;

/// Everything a turn with tools reports, in order.
#[derive(Debug)]
pub enum TurnEvent {
    /// A chat event of the current round (never `Usage`: see `Usage`). `Done` comes once,
    /// at the very end; `Error` ends the turn.
    Chat(ChatEvent),
    /// Just before the final `Done`: what the turn's requests cost together, and what the
    /// last one alone reported (its prompt is the whole conversation as it now stands).
    Usage { total: Usage, last: Usage },
    /// A complete tool call is about to run: the `index`-th of its round; `args` is its
    /// JSON text.
    ToolStarted {
        index: usize,
        id: String,
        name: String,
        args: String,
    },
    /// It ran: a short summary for people, the size of what the model receives, and for an
    /// applied edit what it changed.
    ToolFinished {
        id: String,
        name: String,
        summary: String,
        bytes: usize,
        ok: bool,
        edit: Option<super::outcome::EditStats>,
    },
    /// An edit or a command waits for the user's decision; nothing else happens until
    /// `reply` is answered (dropping it means "no").
    ApprovalNeeded {
        id: String,
        request: ApprovalRequest,
        reply: Reply,
    },
    /// The decision on call `id`, whoever made it (the user, a session grant, `--yes`, or
    /// the lack of anyone to ask).
    Approval {
        id: String,
        approved: bool,
        by: ApprovedBy,
    },
    /// Output of the running command of call `id`, as it arrives.
    CommandOutput { id: String, text: String },
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

/// Where a turn's answers come from: SAP AI Core through a `Client`, or a scripted model in
/// tests and benchmarks.
pub trait ChatModel: Send + Sync + 'static {
    fn stream(&self, request: ChatRequest) -> ChatStream;
}

struct Remote {
    client: Client,
    target: ChatTarget,
}

impl ChatModel for Remote {
    fn stream(&self, request: ChatRequest) -> ChatStream {
        self.client.chat_stream(self.target.clone(), request)
    }
}

/// SAP AI Core's `target` through `client`, as a `ChatModel`.
pub fn remote(client: Client, target: ChatTarget) -> Arc<dyn ChatModel> {
    Arc::new(Remote { client, target })
}

/// Starts a turn. With `tools`, the specs of their level are offered (`request.tools` is
/// replaced); without, the turn is one plain answer (tool calls the model sends anyway end it
/// like text does).
pub fn start(
    client: Client,
    target: ChatTarget,
    request: ChatRequest,
    tools: Option<Tools>,
    max_rounds: usize,
) -> Turn {
    start_with(remote(client, target), request, tools, max_rounds)
}

/// `start` with any `ChatModel`.
pub fn start_with(
    model: Arc<dyn ChatModel>,
    mut request: ChatRequest,
    tools: Option<Tools>,
    max_rounds: usize,
) -> Turn {
    if let Some(tools) = &tools {
        request.tools = tools.offered();
    }
    let (tx, events) = mpsc::unbounded_channel();
    let task = tokio::spawn(drive(model, request, tools, max_rounds.max(1), tx));
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
    model: Arc<dyn ChatModel>,
    mut request: ChatRequest,
    tools: Option<Tools>,
    max_rounds: usize,
    tx: mpsc::UnboundedSender<TurnEvent>,
) {
    let send = |event: TurnEvent| tx.send(event).is_ok();
    let mut added = Vec::new();
    // Summed over the rounds, and the last round's own.
    let mut usage: Option<(Usage, Usage)> = None;
    // Text a tool round already showed; the next round's text starts a new paragraph.
    let mut needs_break = false;
    let mut spent = 0;
    for round in 0..max_rounds {
        let mut stream = model.stream(request.clone());
        let mut text = String::new();
        let mut pending: BTreeMap<u32, Pending> = BTreeMap::new();
        let mut thinking: BTreeMap<u32, ThinkingBlock> = BTreeMap::new();
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
                ChatEvent::Thinking(delta) => {
                    thinking.entry(delta.index).or_default().join(delta);
                }
                ChatEvent::Usage(u) => {
                    let (total, last) = usage.get_or_insert_with(Default::default);
                    *total += u;
                    *last = u;
                }
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
        spent += text.len() + calls.iter().map(|c| c.arguments.len()).sum::<usize>();
        if spent > MAX_TURN_BYTES {
            let what = format!(
                "this turn's answers and tool calls passed {} MiB",
                MAX_TURN_BYTES >> 20
            );
            send(TurnEvent::Chat(ChatEvent::Error(Error::TooLarge { what })));
            return;
        }
        let Some(tools) = tools.as_ref().filter(|_| !calls.is_empty()) else {
            if !added.is_empty() {
                send(TurnEvent::History(std::mem::take(&mut added)));
            }
            if let Some((total, last)) = usage {
                send(TurnEvent::Usage { total, last });
            }
            send(TurnEvent::Chat(ChatEvent::Done { finish_reason }));
            return;
        };
        needs_break |= !text.trim().is_empty();
        let mut calls = calls;
        super::round::drop_excess_arguments(&mut calls);
        let mut assistant = Message::assistant_tool_calls(text, calls.clone());
        assistant.thinking = thinking.into_values().collect();
        request.messages.push(assistant.clone());
        added.push(assistant);
        let Some(results) = super::round::run(tools, calls, &tx).await else {
            return;
        };
        request.messages.extend(results.iter().cloned());
        added.extend(results);
    }
    if !added.is_empty() {
        send(TurnEvent::History(added));
    }
    send(TurnEvent::RoundLimit { rounds: max_rounds });
}

#[cfg(test)]
mod tests {
    use super::*;

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
            matches!(events[n - 2], TurnEvent::Usage { total, last } if total.total_tokens > 0 && last == total),
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
