//! Chat turns as tasks: each runs the one turn driver with the session's tools at the level
//! the chat chose, and turns its events into `ChatUpdate`s. An edit or command waiting for
//! approval parks its reply here until the review area answers (`AnswerApproval`); a
//! cancelled turn drops its replies ("no") and its task, which kills a running command's
//! process group. The session's tools live as long as the TUI, so "all edits" and "always
//! this command" grants and the undo stack carry across turns. A model that refuses tools
//! is asked again without them, said once, and not offered tools again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

use super::{Runner, agent_ops, lock, not_connected};
use crate::agent::approval::Reply;
use crate::agent::turn as agent_turn;
use crate::agent::{DEFAULT_MAX_ROUNDS, Decision, ToolLevel, Tools, TurnEvent};
use crate::aicore::{ChatEvent, ChatRequest, Mode};
use crate::tui::event::{ChatUpdate, ErrorView, Event, FitContext};

/// Replies of approvals waiting in the review area, by turn and tool call id.
pub(super) type Pending = Arc<Mutex<HashMap<(u64, String), Reply>>>;

/// What the runner keeps for turns across the session.
#[derive(Default)]
pub(super) struct TurnState {
    pub handles: HashMap<u64, tokio::task::AbortHandle>,
    pub pending: Pending,
    /// Made on the first turn with tools; clones share grants and the undo stack.
    pub tools: Option<Tools>,
    /// Models that refused tools this session: later turns ask them as plain chat.
    pub plain_models: Arc<Mutex<HashSet<String>>>,
}

/// How forwarding a turn ended.
#[derive(Debug, PartialEq, Eq)]
enum Forwarded {
    Ended,
    /// The model refused the tools before showing anything; the reason.
    ToolsRefused(String),
}

impl Runner {
    pub(super) fn start_turn(
        &mut self,
        turn: u64,
        (mode, model, deployment): (Mode, String, Option<String>),
        mut request: ChatRequest,
        level: ToolLevel,
        fit: Option<Box<FitContext>>,
    ) {
        let tx = self.tx.clone();
        let fail = |view: ErrorView| {
            let _ = tx.send(Event::Chat {
                turn,
                update: ChatUpdate::Failed(view),
            });
        };
        let Some(client) = self.client() else {
            return fail(not_connected());
        };
        let tools = match level {
            ToolLevel::Off => None,
            ToolLevel::Read | ToolLevel::Edit | ToolLevel::All => match self.session_tools() {
                Ok(tools) => Some(tools.with_level(level)),
                Err(view) => return fail(view),
            },
        };
        let tools = tools.filter(|_| !lock(&self.turns.plain_models).contains(&model));
        let pending = self.turns.pending.clone();
        let plain_models = self.turns.plain_models.clone();
        let handle = tokio::spawn(async move {
            let send = |update| tx.send(Event::Chat { turn, update }).is_ok();
            let target = match client
                .resolve_target(mode, Some(&model), deployment.as_deref())
                .await
            {
                Ok(target) => target,
                Err(err) => {
                    send(ChatUpdate::Failed(ErrorView::from(&err)));
                    return;
                }
            };
            let _ = tx.send(Event::TurnTarget {
                turn,
                model: target.model().to_owned(),
                deployment: target.deployment().id.clone(),
            });
            if let Some(fit) = fit {
                let notice = |text| {
                    let _ = tx.send(Event::Notice(text));
                };
                request =
                    agent_ops::fit_request(&client, &target, *fit, request, &send, &notice).await;
            }
            let start = |request, tools| {
                agent_turn::start(
                    client.clone(),
                    target.clone(),
                    request,
                    tools,
                    DEFAULT_MAX_ROUNDS,
                )
            };
            let link = Link {
                turn,
                model: &model,
                pending: &pending,
                send: &send,
            };
            if run(start, request, tools, link).await.is_some() {
                lock(&plain_models).insert(model);
            }
        });
        self.turns.handles.insert(turn, handle.abort_handle());
    }

    /// Esc or quit: the task stops (and with it the driver and any command it runs).
    pub(super) fn cancel_turn(&mut self, turn: u64) {
        if let Some(handle) = self.turns.handles.remove(&turn) {
            handle.abort();
        }
        lock(&self.turns.pending).retain(|(waiting, _), _| *waiting != turn);
    }

    /// The review area decided: the turn waiting on call `id` goes on.
    pub(super) fn answer_approval(&self, turn: u64, id: &str, decision: Decision) {
        if let Some(reply) = lock(&self.turns.pending).remove(&(turn, id.to_owned())) {
            let _ = reply.send(decision);
        }
    }

    /// Restores the last applied edit off the loop; reports `EditUndone`.
    pub(super) fn undo_edit(&self) {
        let tx = self.tx.clone();
        let Some(tools) = self.turns.tools.clone() else {
            let _ = tx.send(Event::EditUndone(Err("nothing to undo".into())));
            return;
        };
        tokio::task::spawn_blocking(move || {
            let result = tools.undo_last().map_err(|err| err.to_string());
            let _ = tx.send(Event::EditUndone(result));
        });
    }
}

/// Where a turn's updates go and where its approvals wait.
struct Link<'a, F: Fn(ChatUpdate) -> bool> {
    turn: u64,
    model: &'a str,
    pending: &'a Pending,
    send: &'a F,
}

/// Runs a turn from `start`; when the model refuses the tools, says so and runs it again
/// without them. Returns the refusal's reason when that happened.
async fn run<F: Fn(ChatUpdate) -> bool>(
    start: impl Fn(ChatRequest, Option<Tools>) -> agent_turn::Turn,
    request: ChatRequest,
    tools: Option<Tools>,
    link: Link<'_, F>,
) -> Option<String> {
    let offered = tools.is_some();
    let events = start(request.clone(), tools);
    match forward(events, offered, &link).await {
        Forwarded::Ended => None,
        Forwarded::ToolsRefused(reason) => {
            (link.send)(ChatUpdate::ToolsUnsupported {
                model: link.model.to_owned(),
                reason: reason.clone(),
            });
            forward(start(request, None), false, &link).await;
            Some(reason)
        }
    }
}

/// Whether `err` is a model saying it takes no tools (HTTP 400/422 naming tools or
/// functions), rather than a failure worth showing.
fn refuses_tools(err: &crate::aicore::Error) -> bool {
    match err {
        crate::aicore::Error::Http {
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

/// The TUI's one loop over a turn's events, as `ChatUpdate`s.
async fn forward<F: Fn(ChatUpdate) -> bool>(
    mut events: agent_turn::Turn,
    tools_offered: bool,
    link: &Link<'_, F>,
) -> Forwarded {
    let send = link.send;
    let mut shown = false;
    while let Some(event) = events.next().await {
        let update = match event {
            TurnEvent::Chat(ChatEvent::Delta(text)) => {
                shown |= !text.is_empty();
                ChatUpdate::Delta(text)
            }
            TurnEvent::Chat(ChatEvent::Usage(usage)) => ChatUpdate::Usage(usage),
            TurnEvent::Chat(ChatEvent::Retrying {
                attempt, reason, ..
            }) => ChatUpdate::Retrying { attempt, reason },
            TurnEvent::Chat(ChatEvent::Done { .. } | ChatEvent::ToolCall(_)) => continue,
            TurnEvent::Chat(ChatEvent::Error(err)) => {
                if tools_offered && !shown && refuses_tools(&err) {
                    return Forwarded::ToolsRefused(err.to_string());
                }
                send(ChatUpdate::Failed(ErrorView::from(&err)));
                return Forwarded::Ended;
            }
            TurnEvent::ToolStarted { id, name, args } => {
                shown = true;
                let call = agent_turn::describe_call(&name, &args);
                ChatUpdate::ToolStarted { id, name, call }
            }
            TurnEvent::ToolFinished {
                id,
                summary,
                bytes,
                ok,
                ..
            } => ChatUpdate::ToolFinished {
                id,
                summary,
                bytes,
                ok,
            },
            TurnEvent::History(messages) => ChatUpdate::History(messages),
            TurnEvent::ApprovalNeeded { id, request, reply } => {
                lock(link.pending).insert((link.turn, id.clone()), reply);
                ChatUpdate::ApprovalNeeded { id, request }
            }
            TurnEvent::Approval { id, approved, by } => ChatUpdate::Approval { id, approved, by },
            TurnEvent::CommandOutput { id, text } => ChatUpdate::CommandOutput { id, text },
            TurnEvent::RoundLimit { rounds } => {
                send(ChatUpdate::Failed(ErrorView::new(
                    format!("stopped after {rounds} tool rounds without an answer"),
                    "ask a narrower question",
                )));
                return Forwarded::Ended;
            }
        };
        if !send(update) {
            return Forwarded::Ended;
        }
    }
    send(ChatUpdate::Done);
    Forwarded::Ended
}

#[cfg(test)]
#[path = "turn_tests.rs"]
mod tests;
