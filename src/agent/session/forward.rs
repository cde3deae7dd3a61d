//! One turn's `TurnEvent`s as `SessionEvent`s: the one translation both faces see. Approval
//! replies are parked in `Answers` (an event carries no channel, so it can be serialized);
//! what the turn adds to the conversation is gathered for the session to record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

use super::event::SessionEvent;
use crate::agent::approval::{Decision, Reply};
use crate::agent::turn::{Turn, TurnEvent};
use crate::aicore::{ChatEvent, Error, Message, Usage};

/// Where a turn's events go; `false` means the face went away (the turn stops).
pub type Sink<'a> = &'a mut (dyn FnMut(SessionEvent) -> bool + Send);

/// Approvals waiting for the face's decision, by tool call id. Clones share the waiting
/// replies; a reply never answered (or cleared) counts as "no".
#[derive(Debug, Clone, Default)]
pub struct Answers(Arc<Mutex<HashMap<String, Reply>>>);

impl Answers {
    /// The face decided on call `id`; `false` when nothing waits for it.
    pub fn answer(&self, id: &str, decision: Decision) -> bool {
        match self.lock().remove(id) {
            Some(reply) => reply.send(decision).is_ok(),
            None => false,
        }
    }

    /// Drops every waiting reply (a stopped turn): each counts as "no".
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn park(&self, id: String, reply: Reply) {
        self.lock().insert(id, reply);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Reply>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How a turn ended.
#[derive(Debug)]
pub(super) enum Ended {
    /// The answer is complete: the messages the turn added before it, its text after the
    /// last tool round, and what it cost (the turn's and the last request's).
    Answered {
        history: Vec<Message>,
        answer: String,
        usage: Option<(Usage, Usage)>,
        finish_reason: Option<String>,
    },
    Failed(Error),
    RoundLimit(usize),
    /// The model refused the tools before anything was shown; the reason.
    ToolsRefused(String),
    /// The face went away.
    Gone,
}

/// Forwards `turn` to `sink` until it ends. `tools_offered`: a refusal of the tools before
/// anything was shown ends it as `ToolsRefused`, for the session to ask again without.
pub(super) async fn forward(
    mut turn: Turn,
    tools_offered: bool,
    answers: &Answers,
    sink: Sink<'_>,
) -> Ended {
    let mut shown = false;
    let mut history = Vec::new();
    let mut answer = String::new();
    let mut usage = None;
    while let Some(event) = turn.next().await {
        let event = match event {
            TurnEvent::Chat(ChatEvent::Delta(text)) => {
                shown |= !text.is_empty();
                answer.push_str(&text);
                SessionEvent::Delta { text }
            }
            TurnEvent::Chat(ChatEvent::Retrying {
                attempt,
                delay,
                reason,
            }) => SessionEvent::Retrying {
                attempt,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                reason,
            },
            // Thinking is kept for the next request (`TurnEvent::History`), not shown.
            TurnEvent::Chat(ChatEvent::Thinking(_)) => continue,
            // With tools, whole calls are reported when they run; fragments would repeat them.
            TurnEvent::Chat(ChatEvent::ToolCall(_)) if tools_offered => continue,
            TurnEvent::Chat(ChatEvent::ToolCall(delta)) => SessionEvent::ToolCall {
                index: usize::try_from(delta.index).unwrap_or(usize::MAX),
                id: delta.id,
                name: delta.name,
                arguments: delta.arguments,
            },
            TurnEvent::Chat(ChatEvent::Usage(u)) => {
                usage = Some((u, u));
                continue;
            }
            TurnEvent::Usage { total, last } => {
                usage = Some((total, last));
                continue;
            }
            TurnEvent::Chat(ChatEvent::Done { finish_reason }) => {
                return Ended::Answered {
                    history,
                    answer: answer.trim_start().to_owned(),
                    usage,
                    finish_reason,
                };
            }
            TurnEvent::Chat(ChatEvent::Error(err)) => {
                if tools_offered && !shown && refuses_tools(&err) {
                    return Ended::ToolsRefused(err.to_string());
                }
                return Ended::Failed(err);
            }
            TurnEvent::RoundLimit { rounds } => return Ended::RoundLimit(rounds),
            TurnEvent::History(messages) => {
                history = messages;
                continue;
            }
            TurnEvent::ToolStarted {
                index,
                id,
                name,
                args,
            } => {
                shown = true;
                // Text before a tool round is in the history already.
                answer.clear();
                SessionEvent::ToolCall {
                    index,
                    id: Some(id),
                    name: Some(name),
                    arguments: args,
                }
            }
            TurnEvent::ToolFinished {
                id,
                name,
                summary,
                bytes,
                ok,
                edit,
            } => SessionEvent::ToolResult {
                id,
                name,
                ok,
                summary,
                bytes,
                edit,
            },
            TurnEvent::ApprovalNeeded { id, request, reply } => {
                answers.park(id.clone(), reply);
                SessionEvent::ApprovalNeeded { id, request }
            }
            TurnEvent::Approval { id, approved, by } => SessionEvent::Approval { id, approved, by },
            TurnEvent::CommandOutput { id, text } => SessionEvent::CommandOutput { id, text },
        };
        if !sink(event) {
            return Ended::Gone;
        }
    }
    // The driver always ends with `Done`, an error or the round limit; a turn that just
    // stopped was cancelled.
    Ended::Gone
}

/// Whether `err` is a deployment saying it takes no tools (HTTP 400/422 naming tools or
/// functions), rather than a failure worth showing.
pub(super) fn refuses_tools(err: &Error) -> bool {
    match err {
        Error::Http {
            status: 400 | 422,
            detail,
            ..
        } => {
            let detail = detail.to_ascii_lowercase();
            detail.contains("tool") || detail.contains("function")
        }
        _ => false,
    }
}
