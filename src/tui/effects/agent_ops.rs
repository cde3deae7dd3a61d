//! The effects behind slash commands, `!CMD` and the input history: the session's tools (one
//! per run, so `/undo` sees every edit applied in it), the user's commands, `/compact`
//! (done by `agent::Session`), the saved-session list and the history file. Blocking work
//! goes through `spawn_blocking`.

use std::time::{Duration, SystemTime};

use super::{Runner, lock, not_connected};
use crate::agent::history::InputHistory;
use crate::agent::protected::ReadDenyList;
use crate::agent::session::{Scope, SessionStore};
use crate::agent::tools::{CommandRun, Origin, run_command};
use crate::agent::{Conversation, Session, Tools};
use crate::aicore::Mode;
use crate::tui::event::{ChatUpdate, ErrorView, Event};

impl Runner {
    /// The workspace's tools for this run, made on first use; every clone shares the
    /// approval grants and the undo stack.
    pub(super) fn session_tools(&mut self) -> Result<Tools, ErrorView> {
        if let Some(tools) = &self.turns.tools {
            return Ok(tools.clone());
        }
        let mut tools = Tools::new(&self.workspace)
            .map_err(|err| {
                ErrorView::new(
                    format!("tools: no working directory: {err}"),
                    "turn tools off with /tools off",
                )
            })?
            .with_deny_list(ReadDenyList::for_environment(&self.ctx.paths));
        if let Some(secs) = self.ctx.config.agent.command_timeout_s {
            tools = tools.with_command_timeout(Duration::from_secs(secs));
        }
        tools.set_network(self.network);
        self.turns.tools = Some(tools.clone());
        Ok(tools)
    }

    /// `/network`: the model's commands get the network from the next one on.
    pub(super) fn set_network(&mut self, on: bool) {
        self.network = on;
        if let Some(tools) = &self.turns.tools {
            tools.set_network(on);
        }
    }

    pub(super) fn run_shell(&mut self, turn: u64, command: String) {
        let tx = self.tx.clone();
        let tools = match self.session_tools() {
            Ok(tools) => tools,
            Err(view) => {
                let _ = tx.send(Event::Chat {
                    turn,
                    update: ChatUpdate::Failed(view),
                });
                return;
            }
        };
        let handle = tokio::spawn(async move {
            let run = CommandRun {
                command,
                timeout: tools.command_timeout(),
            };
            // The user's own command: no sandbox, but the stripped environment.
            let output = run_command(tools.root(), &run, Origin::User, |text| {
                let _ = tx.send(Event::Chat {
                    turn,
                    update: ChatUpdate::Delta(text),
                });
            })
            .await;
            let _ = tx.send(Event::Chat {
                turn,
                update: ChatUpdate::CommandFinished {
                    content: output.content,
                    summary: output.summary,
                },
            });
        });
        self.turns.handles.insert(turn, handle.abort_handle());
    }

    fn input_history(&self) -> Option<InputHistory> {
        self.ctx.paths.data_dir.as_deref().map(InputHistory::new)
    }

    pub(super) fn load_input_history(&self) {
        let Some(history) = self.input_history() else {
            return;
        };
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let event = match history.load() {
                Ok(entries) => Event::InputHistoryLoaded(entries),
                Err(err) => Event::Notice(format!("input history not read: {err}")),
            };
            let _ = tx.send(event);
        });
    }

    /// Appends in the order sent: each task drains the shared queue under one lock, so a
    /// later task can never write before an earlier input.
    pub(super) fn append_input_history(&self, text: String) {
        let Some(history) = self.input_history() else {
            return;
        };
        lock(&self.history_queue).push_back(text);
        let queue = self.history_queue.clone();
        let writing = self.history_writing.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let _writing = lock(&writing);
            while let Some(text) = lock(&queue).pop_front() {
                if let Err(err) = history.append(&text) {
                    let _ = tx.send(Event::Notice(format!("input history not saved: {err}")));
                }
            }
        });
    }

    fn session_store(&self) -> Result<SessionStore, String> {
        self.ctx
            .paths
            .data_dir
            .as_deref()
            .map(SessionStore::new)
            .ok_or_else(|| "no data directory on this system: nothing is saved".to_owned())
    }

    pub(super) fn list_sessions(&self, request: u64) {
        let tx = self.tx.clone();
        let store = self.session_store();
        let workspace = self.workspace.clone();
        tokio::task::spawn_blocking(move || {
            let result = store.and_then(|store| {
                store
                    .list(Scope::Workspace(&workspace))
                    .map_err(|err| err.to_string())
            });
            let _ = tx.send(Event::SessionsListed { request, result });
        });
    }

    pub(super) fn open_session(&self, id: String) {
        let tx = self.tx.clone();
        let store = self.session_store();
        let session = self.turns.session.clone();
        tokio::spawn(async move {
            let load = move || store.and_then(|s| s.load(&id).map_err(|err| err.to_string()));
            let loaded = tokio::task::spawn_blocking(load)
                .await
                .unwrap_or_else(|err| Err(err.to_string()));
            let event = match loaded {
                Ok(loaded) => {
                    let started = SystemTime::now();
                    session.lock().await.resume_file(&loaded, started);
                    Event::SessionOpened {
                        loaded: Box::new(loaded),
                        started,
                    }
                }
                Err(err) => Event::Notice(format!("conversation not opened: {err}")),
            };
            let _ = tx.send(event);
        });
    }

    pub(super) fn compact(
        &self,
        request: u64,
        target: (Mode, String, Option<String>),
        conversation: Conversation,
    ) {
        let tx = self.tx.clone();
        let client = self.client();
        tokio::spawn(async move {
            let result = async {
                let client = client.ok_or_else(|| not_connected().message)?;
                let (mode, model, deployment) = target;
                let target = client
                    .resolve_target(mode, Some(&model), deployment.as_deref())
                    .await
                    .map_err(|err| err.to_string())?;
                Session::compact(&client, &target, conversation)
                    .await
                    .map_err(|err| err.to_string())
            }
            .await;
            let _ = tx.send(Event::Compacted { request, result });
        });
    }
}
