//! Chat turns as tasks: each asks the TUI's one `agent::Session` (its conversation as the
//! chat holds it, the tools at the chat's level) and forwards the session's events as
//! `ChatUpdate::Session`. An edit or command waiting for approval waits in the session's
//! `Answers` until the review area answers (`AnswerApproval`); a cancelled turn clears them
//! ("no") and drops its task, which kills a running command's process group. The session
//! and its tools live as long as the TUI, so grants, the undo stack and the models that
//! refused tools carry across turns.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::{Runner, not_connected};
use crate::agent::session::Answers;
use crate::agent::{Conversation, Decision, Session, ToolLevel, Tools};
use crate::aicore::Mode;
use crate::tui::event::{ChatUpdate, ErrorView, Event};

/// What the runner keeps for turns across the TUI's life.
pub(super) struct TurnState {
    pub handles: HashMap<u64, tokio::task::AbortHandle>,
    /// The conversation's session: one turn holds it at a time.
    pub session: Arc<tokio::sync::Mutex<Session>>,
    /// Where approvals of the running turn wait (shared with the session).
    pub answers: Answers,
    /// Made on the first turn with tools; clones share grants and the undo stack.
    pub tools: Option<Tools>,
}

impl TurnState {
    pub(super) fn new(session: Session) -> TurnState {
        TurnState {
            handles: HashMap::new(),
            answers: session.answers(),
            session: Arc::new(tokio::sync::Mutex::new(session)),
            tools: None,
        }
    }
}

/// What a turn asks: the conversation (its last message the question) and how.
pub(super) struct Ask {
    pub turn: u64,
    pub target: (Mode, String, Option<String>),
    pub conversation: Conversation,
    pub started: SystemTime,
    pub level: ToolLevel,
    pub context_length: Option<u64>,
    pub reasoning: Option<crate::aicore::Effort>,
}

impl Runner {
    pub(super) fn start_turn(&mut self, ask: Ask) {
        let Ask {
            turn,
            target: (mode, model, deployment),
            conversation,
            started,
            level,
            context_length,
            reasoning,
        } = ask;
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
                Ok(tools) => Some(tools),
                Err(view) => return fail(view),
            },
        };
        let session = self.turns.session.clone();
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
            let mut session = session.lock().await;
            session.adopt(conversation, started);
            session.set_tools(tools, level);
            session.set_context_length(context_length);
            session.set_reasoning(reasoning);
            let mut sink = |event| send(ChatUpdate::Session(event));
            // A failure was reported as the stream's `error` event.
            let _ = session.ask(&client, &target, &mut sink).await;
        });
        self.turns.handles.insert(turn, handle.abort_handle());
    }

    /// Esc or quit: the task stops (and with it the driver and any command it runs).
    pub(super) fn cancel_turn(&mut self, turn: u64) {
        if let Some(handle) = self.turns.handles.remove(&turn) {
            handle.abort();
        }
        self.turns.answers.clear();
    }

    /// The review area decided: the turn waiting on call `id` goes on.
    pub(super) fn answer_approval(&self, id: &str, decision: Decision) {
        self.turns.answers.answer(id, decision);
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
