//! Runs the `Effect`s that `update` returns. Each becomes a task that reports back over the
//! one event channel; nothing here blocks the UI loop (keyring and file work goes through
//! `spawn_blocking`). Chat turns keep an abort handle so Esc can cancel them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::event::{ChatUpdate, ConnectionInfo, Effect, ErrorView, Event, Listing};
use super::session::{SessionRecord, SessionWriter};
use crate::agent::session::SessionStore;
use crate::agent::turn as agent_turn;
use crate::agent::{DEFAULT_MAX_ROUNDS, Tools, TurnEvent, tools as agent_tools};
use crate::aicore::{ChatEvent, ChatRequest, Client, Freshness, Mode};
use crate::config::Config;
use crate::connect::{Backend, Connection, Context};

mod failures;
mod paths;
mod settings;

mod files;

use failures::{error_view, needs_setup, not_connected, not_connected_models};
use files::FileList;

/// Owns the connection and the running tasks; lives in the UI loop, never blocks it.
pub struct Runner {
    tx: UnboundedSender<Event>,
    ctx: Arc<Context>,
    /// Set by the connect task; the in-process simulator lives inside for `--demo`.
    connection: Arc<Mutex<Option<Arc<Connection>>>>,
    turns: HashMap<u64, AbortHandle>,
    /// `None` without a data dir; saving then says so once per turn.
    sessions: Arc<Mutex<Option<SessionWriter>>>,
    /// `--demo`: mode and resource group chosen in the settings, used over the flags and
    /// the config on every later connect.
    session_overrides: Option<(Mode, String)>,
    workspace_files: FileList,
}

impl Runner {
    pub fn new(ctx: Context, tx: UnboundedSender<Event>) -> Runner {
        let sessions = ctx.paths.data_dir.as_deref().map(|dir| {
            let workspace = std::env::current_dir().unwrap_or_default();
            let workspace = workspace.canonicalize().unwrap_or(workspace);
            SessionWriter::new(SessionStore::new(dir), workspace)
        });
        Runner {
            tx,
            ctx: Arc::new(ctx),
            connection: Arc::new(Mutex::new(None)),
            turns: HashMap::new(),
            sessions: Arc::new(Mutex::new(sessions)),
            session_overrides: None,
            workspace_files: Arc::new(Mutex::new(None)),
        }
    }

    /// Later saves of the conversation started at `started` go on in `loaded`'s file.
    pub fn resume_session(
        &self,
        loaded: &crate::agent::session::LoadedSession,
        started: std::time::SystemTime,
    ) {
        if let Some(writer) = lock(&self.sessions).as_mut() {
            writer.resume(loaded, started);
        }
    }

    fn client(&self) -> Option<Client> {
        lock(&self.connection).as_ref().map(|c| c.client.clone())
    }

    /// Starts `effect`. `Quit` and `Copy` need the terminal and are left to the loop.
    pub fn run(&mut self, effect: Effect) {
        self.turns.retain(|_, handle| !handle.is_finished());
        match effect {
            Effect::Connect => self.connect(),
            Effect::LoadModels { request, refresh } => self.load_models(request, refresh),
            Effect::LoadDeployments { request, refresh } => self.load_deployments(request, refresh),
            Effect::StartTurn {
                turn,
                mode,
                model,
                deployment,
                request,
                tools,
            } => self.start_turn(turn, mode, model, deployment, request, tools),
            Effect::CancelTurn { turn } => {
                if let Some(handle) = self.turns.remove(&turn) {
                    handle.abort();
                }
            }
            Effect::SaveChoice { model, deployment } => self.save_choice(model, deployment),
            Effect::SaveSettings(form) => self.save_settings(form, None),
            Effect::SaveSettingsWithFileStore(form) => {
                self.save_settings(form, Some(crate::secrets::StoreKind::File));
            }
            Effect::UseForSession {
                mode,
                resource_group,
            } => {
                self.session_overrides = Some((mode, resource_group));
                self.connect();
            }
            Effect::ImportKey { path } => self.import_key(path),
            Effect::ReadAttachments { request, paths } => self.read_attachments(request, paths),
            Effect::CompletePath { request, prefix } => self.complete_path(request, prefix),
            Effect::ListPath { request, prefix } => self.list_path(request, prefix),
            Effect::SaveSession(record) => self.save_session(*record),
            Effect::ApplyProposal { id, proposal } => self.apply_proposal(id, *proposal),
            Effect::Copy(_) | Effect::Quit => {}
        }
    }

    /// Aborts every running task (on quit).
    pub fn shutdown(&mut self) {
        for (_, handle) in self.turns.drain() {
            handle.abort();
        }
    }

    fn connect(&self) {
        let tx = self.tx.clone();
        let slot = self.connection.clone();
        let backend = self.ctx.backend;
        let mut global = self.ctx.global.clone();
        if let Some((mode, resource_group)) = &self.session_overrides {
            global.mode = Some((*mode).into());
            global.resource_group = Some(resource_group.clone());
        }
        let env = self.ctx.env.clone();
        tokio::spawn(async move {
            // Reloaded so a profile saved in the settings is used; the file read is off the loop.
            let result = async {
                let ctx = tokio::task::spawn_blocking(move || Context::load(backend, global, env))
                    .await
                    .context("config task")??;
                let connection = ctx.connect().await?;
                Ok::<_, anyhow::Error>((ctx, connection))
            }
            .await;
            let event = match result {
                Ok((ctx, connection)) => {
                    let info = ConnectionInfo {
                        source: connection.source.to_string(),
                        resource_group: ctx.resource_group(),
                    };
                    *lock(&slot) = Some(Arc::new(connection));
                    Event::Connected(info)
                }
                Err(err) => Event::ConnectFailed {
                    needs_setup: needs_setup(&err),
                    error: error_view(&err),
                },
            };
            let _ = tx.send(event);
        });
    }

    fn load_models(&self, request: u64, refresh: bool) {
        let tx = self.tx.clone();
        let Some(client) = self.client() else {
            let _ = tx.send(not_connected_models(request));
            return;
        };
        tokio::spawn(async move {
            let result = client
                .models(freshness(refresh))
                .await
                .map(Listing::from)
                .map_err(|err| ErrorView::from(&err));
            let _ = tx.send(Event::ModelsLoaded { request, result });
        });
    }

    fn load_deployments(&self, request: u64, refresh: bool) {
        let tx = self.tx.clone();
        let Some(client) = self.client() else {
            let _ = tx.send(Event::DeploymentsLoaded {
                request,
                result: Err(not_connected()),
            });
            return;
        };
        tokio::spawn(async move {
            let result = client
                .deployments(freshness(refresh))
                .await
                .map(Listing::from)
                .map_err(|err| ErrorView::from(&err));
            let _ = tx.send(Event::DeploymentsLoaded { request, result });
        });
    }

    fn start_turn(
        &mut self,
        turn: u64,
        mode: Mode,
        model: String,
        deployment: Option<String>,
        mut request: ChatRequest,
        tools: bool,
    ) {
        let tx = self.tx.clone();
        let Some(client) = self.client() else {
            let _ = tx.send(Event::Chat {
                turn,
                update: ChatUpdate::Failed(not_connected()),
            });
            return;
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
            let tools = match tools.then(|| workspace_tools(&mut request)).transpose() {
                Ok(tools) => tools,
                Err(view) => {
                    send(ChatUpdate::Failed(view));
                    return;
                }
            };
            let events = agent_turn::start(client, target, request, tools, DEFAULT_MAX_ROUNDS);
            forward_turn(events, &send).await;
        });
        self.turns.insert(turn, handle.abort_handle());
    }

    fn save_choice(&self, model: String, deployment: Option<String>) {
        // The simulator's deployment ids mean nothing to a real tenant: --demo keeps the
        // choice for this session only and leaves the config file alone.
        match self.ctx.backend {
            Backend::Simulator => return,
            Backend::SapAiCore => {}
        }
        let tx = self.tx.clone();
        let path = self.ctx.paths.config_file.clone();
        let profile = self.ctx.profile_name.clone();
        tokio::task::spawn_blocking(move || {
            let result = Config::update(&path, |config| {
                let entry = config.profile_mut(&profile);
                entry.model = Some(model);
                entry.deployment = deployment;
            });
            if let Err(err) = result {
                let _ = tx.send(Event::Notice(format!("choice not saved: {err}")));
            }
        });
    }

    fn save_session(&self, record: SessionRecord) {
        let tx = self.tx.clone();
        let sessions = self.sessions.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = lock(&sessions);
            let result = match writer.as_mut() {
                Some(writer) => writer.save(&record).map_err(|err| err.to_string()),
                None => Err("no data directory on this system".into()),
            };
            if let Err(err) = result {
                let _ = tx.send(Event::Notice(format!("session not saved: {err}")));
            }
        });
    }

    fn apply_proposal(&self, id: u64, proposal: crate::agent::edit::Proposal) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = proposal.apply().map_err(|err| err.to_string());
            let _ = tx.send(Event::ProposalApplied { id, result });
        });
    }
}

fn freshness(refresh: bool) -> Freshness {
    if refresh {
        Freshness::Refresh
    } else {
        Freshness::Cached
    }
}

/// The read tools (Alt-T) in the working directory, offered in `request`.
fn workspace_tools(request: &mut ChatRequest) -> Result<Tools, ErrorView> {
    let tools = std::env::current_dir()
        .and_then(|dir| Tools::new(&dir))
        .map_err(|err| {
            ErrorView::new(
                format!("tools: no working directory: {err}"),
                "turn tools off with Alt-T",
            )
        })?;
    request.tools = agent_tools::specs();
    Ok(tools)
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
