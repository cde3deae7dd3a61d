//! Runs the `Effect`s that `update` returns. Each becomes a task that reports back over the
//! one event channel; nothing here blocks the UI loop (keyring and file work goes through
//! `spawn_blocking`). Chat turns keep an abort handle so Esc can cancel them.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tokio::sync::mpsc::UnboundedSender;

use super::event::{ConnectionInfo, Effect, ErrorView, Event, Listing};
use crate::agent::Session;
use crate::agent::session::{SessionLog, SessionStore, Snapshot};
use crate::aicore::{Client, Freshness, Mode};
use crate::config::Config;
use crate::connect::{Backend, Connection, Context};

mod agent_ops;
mod failures;
mod paths;
mod settings;
mod turn;

mod files;

use failures::{connect_failed, error_view, not_connected, not_connected_models};
use files::FileList;
pub(crate) use paths::expand_home;

/// Owns the connection and the running tasks; lives in the UI loop, never blocks it.
pub struct Runner {
    tx: UnboundedSender<Event>,
    ctx: Arc<Context>,
    /// Set by the connect task; the in-process simulator lives inside for `--demo`.
    connection: Arc<Mutex<Option<Arc<Connection>>>>,
    /// The agent session turns ask, and what they share.
    turns: turn::TurnState,
    /// `--demo`: mode and resource group chosen in the settings, used over the flags and
    /// the config on every later connect.
    session_overrides: Option<(Mode, String)>,
    /// Credentials the user checked but chose not to store: used for this run's connects.
    session_credentials: Option<super::event::SettingsForm>,
    workspace_files: FileList,
    /// The directory tools, `!CMD`, sessions and `AGENTS.md` belong to.
    workspace: std::path::PathBuf,
    /// Inputs waiting to be appended to the history file, and the lock of the one writer.
    history_queue: Arc<Mutex<std::collections::VecDeque<String>>>,
    history_writing: Arc<Mutex<()>>,
    /// Whether the model's commands get the network (`[agent] network`, `/network`).
    network: bool,
}

impl Runner {
    /// `workspace`: where tools and `!CMD` run and which sessions are this workspace's.
    pub fn new(ctx: Context, tx: UnboundedSender<Event>, workspace: &std::path::Path) -> Runner {
        let workspace = workspace
            .canonicalize()
            .unwrap_or_else(|_| workspace.to_owned());
        let store = ctx.paths.data_dir.as_deref().map(SessionStore::new);
        let session = Session::new(None, SessionLog::new(store, workspace.clone()));
        let ctx_network = ctx.config.agent.network.unwrap_or(false);
        Runner {
            tx,
            ctx: Arc::new(ctx),
            connection: Arc::new(Mutex::new(None)),
            turns: turn::TurnState::new(session),
            session_overrides: None,
            session_credentials: None,
            workspace_files: Arc::new(Mutex::new(None)),
            workspace,
            history_queue: Arc::default(),
            history_writing: Arc::default(),
            network: ctx_network,
        }
    }

    /// Later saves of the conversation started at `started` go on in `loaded`'s file.
    /// Called before any turn, so the session is free.
    pub fn resume_session(
        &self,
        loaded: &crate::agent::session::LoadedSession,
        started: std::time::SystemTime,
    ) {
        if let Ok(mut session) = self.turns.session.try_lock() {
            session.resume_file(loaded, started);
        }
    }

    /// The grants of the session's tools follow `mode`. Without a workspace there are no
    /// tools, and nothing to grant.
    fn set_approval_mode(&mut self, mode: crate::agent::ApprovalMode) {
        if let Ok(tools) = self.session_tools()
            && let Ok(mut approvals) = tools.approvals().lock()
        {
            approvals.set_mode(mode);
        }
    }

    /// Saves `command` to the project's allow list, off the loop; the notice says where.
    fn save_permission(&self, command: String) {
        let tx = self.tx.clone();
        let workspace = self.workspace.clone();
        tokio::task::spawn_blocking(move || {
            let text = match crate::agent::permissions::save_entry(&workspace, &command) {
                Ok(path) => format!(
                    "saved: `{command}` runs without asking in this project ({})",
                    path.display()
                ),
                Err(why) => format!("not saved: {why}"),
            };
            let _ = tx.send(Event::Notice(text));
        });
    }

    fn client(&self) -> Option<Client> {
        lock(&self.connection).as_ref().map(|c| c.client.clone())
    }

    /// Starts `effect`. `Quit` and `Copy` need the terminal and are left to the loop.
    pub fn run(&mut self, effect: Effect) {
        self.turns.handles.retain(|_, handle| !handle.is_finished());
        match effect {
            Effect::Connect => self.connect(),
            Effect::LoadModels { request, refresh } => self.load_models(request, refresh),
            Effect::LoadDeployments { request, refresh } => self.load_deployments(request, refresh),
            Effect::StartTurn {
                turn,
                mode,
                model,
                deployment,
                conversation,
                started,
                level,
                context_length,
                reasoning,
            } => self.start_turn(turn::Ask {
                turn,
                target: (mode, model, deployment),
                conversation: *conversation,
                started,
                level,
                context_length,
                reasoning,
            }),
            Effect::CancelTurn { turn } => self.cancel_turn(turn),
            Effect::AnswerApproval { id, decision, .. } => self.answer_approval(&id, decision),
            Effect::UndoEdit => self.undo_edit(),
            Effect::SetNetwork(on) => self.set_network(on),
            Effect::SetApprovalMode(mode) => self.set_approval_mode(mode),
            Effect::SavePermission(command) => self.save_permission(command),
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
            Effect::ConnectForSession(form) => {
                self.session_credentials = Some(form);
                self.connect();
            }
            Effect::ImportKey { path } => self.import_key(path),
            Effect::ReadAttachments { request, paths } => self.read_attachments(request, paths),
            Effect::CompletePath { request, prefix } => self.complete_path(request, prefix),
            Effect::ListPath { request, prefix } => self.list_path(request, prefix),
            Effect::SaveSession(record) => self.save_session(*record),
            Effect::LoadInputHistory => self.load_input_history(),
            Effect::AppendInputHistory(text) => self.append_input_history(text),
            Effect::ListSessions { request } => self.list_sessions(request),
            Effect::OpenSession { id } => self.open_session(id),
            Effect::Compact {
                request,
                mode,
                model,
                deployment,
                conversation,
            } => self.compact(request, (mode, model, deployment), *conversation),
            Effect::RunShell { turn, command } => self.run_shell(turn, command),
            Effect::Copy(_) | Effect::EditDraft(_) | Effect::Quit => {}
        }
    }

    /// Aborts every running task (on quit).
    /// The id the conversation is saved under, when the session is free to say.
    pub fn saved_session_id(&self) -> Option<String> {
        let session = self.turns.session.try_lock().ok()?;
        session.saved_as().map(str::to_owned)
    }

    pub fn shutdown(&mut self) {
        for (_, handle) in self.turns.handles.drain() {
            handle.abort();
        }
    }

    fn connect(&self) {
        let tx = self.tx.clone();
        let slot = self.connection.clone();
        let backend = self.ctx.backend;
        let mut overrides = self.ctx.overrides.clone();
        if let Some((mode, resource_group)) = &self.session_overrides {
            overrides.mode = Some(*mode);
            overrides.resource_group = Some(resource_group.clone());
        }
        let mut env = self.ctx.env.clone();
        // Unstored credentials take the place the AICORE_CLIENT_* variables have in the
        // lookup order: first, for this process only.
        let session_only = if let Some(form) = &self.session_credentials {
            env.service_key = None;
            env.client_id = Some(form.client_id.clone());
            env.client_secret = Some(secrecy::SecretString::from(form.client_secret.clone()));
            env.auth_url = Some(form.auth_url.clone());
            env.base_url = Some(form.base_url.clone());
            true
        } else {
            false
        };
        tokio::spawn(async move {
            // Reloaded so a profile saved in the settings is used; the file read is off the loop.
            let result = async {
                let ctx =
                    tokio::task::spawn_blocking(move || Context::load(backend, overrides, env))
                        .await
                        .context("config task")??;
                let connection = ctx.connect().await?;
                Ok::<_, anyhow::Error>((ctx, connection))
            }
            .await;
            let event = match result {
                Ok((ctx, connection)) => {
                    let source = if session_only {
                        "the settings, for this session only (secret not stored)".to_owned()
                    } else {
                        connection.source.to_string()
                    };
                    let info = ConnectionInfo {
                        source,
                        resource_group: ctx.resource_group(),
                    };
                    *lock(&slot) = Some(Arc::new(connection));
                    Event::Connected(info)
                }
                Err(err) => connect_failed(&err),
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

    /// The chat changed the conversation itself (a stopped answer, `/compact`): the session
    /// saves it once the turn that may hold it has let go.
    fn save_session(&self, snapshot: Snapshot) {
        let tx = self.tx.clone();
        let session = self.turns.session.clone();
        tokio::spawn(async move {
            let mut session = session.lock_owned().await;
            let saved = tokio::task::spawn_blocking(move || session.record(&snapshot)).await;
            if let Ok(Err(err)) = saved {
                let _ = tx.send(Event::Notice(format!("session not saved: {err}")));
            }
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
