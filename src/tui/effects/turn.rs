//! A chat turn as a task: resolve the target, fit the conversation into the context when it
//! would not fit, then drive the agent loop and forward its events as `ChatUpdate`s.

use std::collections::HashMap;

use futures_util::StreamExt;

use super::{Runner, agent_ops, not_connected};
use crate::agent::tools::ToolLevel;
use crate::agent::turn as agent_turn;
use crate::agent::{DEFAULT_MAX_ROUNDS, TurnEvent};
use crate::aicore::{ChatEvent, ChatRequest, Mode};
use crate::tui::event::{ChatUpdate, ErrorView, Event, FitContext};

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
        let failed = |view| {
            let _ = tx.send(Event::Chat {
                turn,
                update: ChatUpdate::Failed(view),
            });
        };
        let Some(client) = self.client() else {
            failed(not_connected());
            return;
        };
        let tools = match self.turn_tools(level, &mut request) {
            Ok(tools) => tools,
            Err(view) => {
                failed(view);
                return;
            }
        };
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
            let events = agent_turn::start(client, target, request, tools, DEFAULT_MAX_ROUNDS);
            forward_turn(events, &send).await;
        });
        self.turns.insert(turn, handle.abort_handle());
    }
}

/// The TUI's one loop over a turn: its events as `ChatUpdate`s; each tool call becomes one
/// `⚙` line of the answer.
async fn forward_turn(mut turn_events: agent_turn::Turn, send: &impl Fn(ChatUpdate) -> bool) {
    let mut calls = HashMap::new();
    while let Some(event) = turn_events.next().await {
        let update = match event {
            TurnEvent::Chat(ChatEvent::Delta(text)) => ChatUpdate::Delta(text),
            TurnEvent::Chat(ChatEvent::Usage(usage)) => ChatUpdate::Usage(usage),
            TurnEvent::Chat(ChatEvent::Retrying {
                attempt, reason, ..
            }) => ChatUpdate::Retrying { attempt, reason },
            TurnEvent::Chat(ChatEvent::Done { .. } | ChatEvent::ToolCall(_)) => {
                continue;
            }
            TurnEvent::Chat(ChatEvent::Error(err)) => {
                send(ChatUpdate::Failed(ErrorView::from(&err)));
                return;
            }
            TurnEvent::ToolStarted { id, name, args } => {
                calls.insert(id, agent_turn::describe_call(&name, &args));
                continue;
            }
            TurnEvent::ToolFinished {
                id,
                name,
                summary,
                bytes,
                ok,
            } => {
                let call = calls.remove(&id).unwrap_or(name);
                ChatUpdate::Tool(agent_turn::describe_result(&call, &summary, bytes, ok))
            }
            TurnEvent::History(messages) => ChatUpdate::History(messages),
            // The TUI offers only the read tools until its review area exists; should an
            // approval still be asked, it is answered no, so nothing is written unseen.
            TurnEvent::ApprovalNeeded { reply, .. } => {
                let _ = reply.send(crate::agent::Decision::No {
                    reason: Some("the TUI cannot review edits or commands yet".into()),
                });
                continue;
            }
            TurnEvent::Approval { .. } | TurnEvent::CommandOutput { .. } => continue,
            TurnEvent::RoundLimit { rounds } => {
                send(ChatUpdate::Failed(ErrorView::new(
                    format!("stopped after {rounds} tool rounds without an answer"),
                    "ask a narrower question",
                )));
                return;
            }
        };
        if !send(update) {
            return;
        }
    }
    send(ChatUpdate::Done);
}
