//! `Session`: one conversation going on, the same for `sapcode run` and the TUI. It owns the
//! conversation (with the project rules), the tools and their approval policy, fitting the
//! context, the session file, the round limit and the no-tools fallback; a turn reports
//! through one `SessionEvent` stream. Faces only show the events and answer approvals.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::SystemTime;

use super::event::SessionEvent;
use super::forward::{self, Answers, Ended, Sink};
use super::images::{self, Images};
use super::log::{SessionLog, Snapshot};
use super::{LoadedSession, SessionError, ToolViews, fitting};
use crate::agent::context::{CompactError, UsageMark};
use crate::agent::rules::ProjectRules;
use crate::agent::turn::{self, ChatModel};
use crate::agent::{Attachment, Conversation, DEFAULT_MAX_ROUNDS, ToolLevel, Tools};
use crate::aicore::{ChatTarget, Client, Effort, Error, Message, Mode};

/// Why a turn ended without an answer.
#[derive(Debug, thiserror::Error)]
pub enum TurnFailed {
    #[error(transparent)]
    Chat(#[from] Error),
    #[error("stopped after {rounds} tool rounds without a final answer")]
    RoundLimit { rounds: usize },
    /// The question carries images the model does not take; nothing was sent.
    #[error("{message}")]
    Images { message: String, hint: String },
}

impl TurnFailed {
    pub fn hint(&self) -> String {
        match self {
            TurnFailed::Chat(err) => err.hint(),
            TurnFailed::RoundLimit { .. } => "ask a narrower question".into(),
            TurnFailed::Images { hint, .. } => hint.clone(),
        }
    }

    /// The `error` event that says it.
    pub fn event(&self) -> SessionEvent {
        match self {
            TurnFailed::Chat(err) => SessionEvent::error(err),
            TurnFailed::RoundLimit { .. } => SessionEvent::Error {
                message: self.to_string(),
                hint: self.hint(),
                exit_code: crate::aicore::error::ExitClass::Failure as i32,
            },
            TurnFailed::Images { .. } => SessionEvent::Error {
                message: self.to_string(),
                hint: self.hint(),
                exit_code: crate::aicore::error::ExitClass::Usage as i32,
            },
        }
    }
}

/// Where a turn's requests go, as the session file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub mode: Mode,
    pub model: String,
    pub deployment: String,
}

impl Target {
    pub fn of(target: &ChatTarget) -> Target {
        Target {
            mode: target.mode(),
            model: target.model().to_owned(),
            deployment: target.deployment().id.clone(),
        }
    }
}

pub struct Session {
    conversation: Conversation,
    /// `run --system`: kept in a new session file's header.
    system: Option<String>,
    /// When the conversation started: its session file's identity.
    started: SystemTime,
    /// The workspace's tools: clones share the approval grants and the undo stack.
    tools: Option<Tools>,
    level: ToolLevel,
    log: SessionLog,
    /// A failed save is said once.
    said_unsaved: bool,
    /// Models that refused tools: later turns ask them as plain chat.
    plain_models: HashSet<String>,
    answers: Answers,
    /// The last request's usage and the messages it covered, for fitting the context.
    mark: Option<UsageMark>,
    context_length: Option<u64>,
    max_tokens: Option<u32>,
    reasoning: Option<Effort>,
    /// The list price of the model asked last, for the cost beside each turn's usage.
    price: Option<crate::aicore::pricing::Price>,
    /// Whether the model asked takes the conversation's images (`images::decide`).
    images: Images,
    /// How the current turn's tool calls looked, saved beside their results.
    views: ToolViews,
}

impl Session {
    /// A new conversation (`system`: a prompt in place of the default) saved through `log`.
    pub fn new(system: Option<&str>, log: SessionLog) -> Session {
        Session {
            conversation: Conversation::new(system),
            system: system.map(str::to_owned),
            started: SystemTime::now(),
            tools: None,
            level: ToolLevel::Off,
            log,
            said_unsaved: false,
            plain_models: HashSet::new(),
            answers: Answers::default(),
            mark: None,
            context_length: None,
            max_tokens: None,
            reasoning: None,
            price: None,
            images: Images::Send,
            views: ToolViews::default(),
        }
    }

    /// The tools turns may use, at `level` (`Off`: plain answers).
    pub fn set_tools(&mut self, tools: Option<Tools>, level: ToolLevel) {
        self.tools = tools;
        self.level = level;
    }

    /// The model's context length when the face knows it (else the catalog is asked).
    pub fn set_context_length(&mut self, context_length: Option<u64>) {
        self.context_length = context_length;
    }

    pub fn set_max_tokens(&mut self, max_tokens: Option<u32>) {
        self.max_tokens = max_tokens;
    }

    pub fn set_reasoning(&mut self, reasoning: Option<Effort>) {
        self.reasoning = reasoning;
    }

    pub fn set_project_rules(&mut self, rules: Option<ProjectRules>) {
        self.conversation.set_project_rules(rules);
    }

    /// Goes on with a saved conversation (in its file); a `system` given now replaces the
    /// saved one.
    pub fn continue_from(&mut self, loaded: &LoadedSession) {
        let rules = self.conversation.project_rules().cloned();
        let mut conversation = match &self.system {
            Some(system) => Conversation::new(Some(system)),
            None => Conversation::new(loaded.header.system.as_deref()),
        };
        conversation.extend(loaded.conversation().messages().to_vec());
        conversation.set_project_rules(rules);
        self.conversation = conversation;
        self.started = SystemTime::now();
        self.log.resume(loaded, self.started);
        self.mark = None;
    }

    /// Later saves of the conversation started at `started` go on in `loaded`'s file.
    pub fn resume_file(&mut self, loaded: &LoadedSession, started: SystemTime) {
        self.log.resume(loaded, started);
    }

    /// The conversation as the face holds it (the TUI edits it: retries, `/new`, a stopped
    /// answer); `started` says which conversation it is.
    pub fn adopt(&mut self, conversation: Conversation, started: SystemTime) {
        let continues = conversation
            .messages()
            .starts_with(self.conversation.messages());
        if !continues || started != self.started {
            self.mark = None;
        }
        self.conversation = conversation;
        self.started = started;
    }

    pub fn push_question(&mut self, text: &str, attachments: &[Attachment]) {
        self.conversation.push_user(text, attachments);
    }

    /// The id the conversation is saved under, once a turn has been saved.
    pub fn saved_as(&self) -> Option<&str> {
        self.log.file_id()
    }

    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    /// Where the face answers `approval_needed` events.
    pub fn answers(&self) -> Answers {
        self.answers.clone()
    }

    /// Asks the model the conversation's last question: fits the context, saves the
    /// question, runs the turn (asking again without tools when the deployment refuses
    /// them), then records and saves what it added. Every step is reported to `sink`.
    pub async fn ask(
        &mut self,
        client: &Client,
        target: &ChatTarget,
        sink: Sink<'_>,
    ) -> Result<(), TurnFailed> {
        self.images = match images::decide(client, target, self.conversation.messages()).await {
            Ok(images) => images,
            Err((message, hint)) => {
                return Err(self.failed(TurnFailed::Images { message, hint }, sink));
            }
        };
        self.fit(client, target, sink).await;
        // The catalog is cached (resolving the target read it); no price is no cost, said
        // as such, never a guess.
        self.price = match client.models(crate::aicore::Freshness::Cached).await {
            Ok(catalog) => crate::aicore::pricing::price_of(&catalog.data, target.model()),
            Err(_) => None,
        };
        let remote = turn::remote(client.clone(), target.clone());
        self.ask_model(remote, &Target::of(target), sink).await
    }

    /// `ask` once the context fits, of any `ChatModel` (a scripted one in tests).
    pub(crate) async fn ask_model(
        &mut self,
        chat: Arc<dyn ChatModel>,
        target: &Target,
        sink: Sink<'_>,
    ) -> Result<(), TurnFailed> {
        self.views.clear();
        self.save(target, None, sink);
        let model = target.model.clone();
        let mut tools = match self.level {
            ToolLevel::Off => None,
            level => self.tools.clone().map(|tools| tools.with_level(level)),
        };
        if self.plain_models.contains(&model) {
            tools = None;
        }
        loop {
            let offered = tools.is_some();
            let mut request = self.conversation.request(self.max_tokens);
            request.reasoning = self.reasoning;
            if self.images == Images::LeaveOut {
                images::leave_out(&mut request, &model);
            }
            let events = turn::start_with(chat.clone(), request, tools.take(), DEFAULT_MAX_ROUNDS);
            let views = &mut self.views;
            let mut observed = |event: SessionEvent| {
                views.observe(&event);
                sink(event)
            };
            let ended = forward::forward(events, offered, &self.answers, &mut observed).await;
            match ended {
                Ended::ToolsRefused(reason) => {
                    self.plain_models.insert(model.clone());
                    if !sink(SessionEvent::ToolsRefused {
                        model: model.clone(),
                        reason,
                    }) {
                        return Ok(());
                    }
                }
                Ended::Answered {
                    history,
                    answer,
                    usage,
                    finish_reason,
                } => {
                    self.answered(target, history, answer, usage, sink);
                    sink(SessionEvent::Done { finish_reason });
                    return Ok(());
                }
                Ended::Failed(err) => return Err(self.failed(TurnFailed::Chat(err), sink)),
                Ended::RoundLimit(rounds) => {
                    return Err(self.failed(TurnFailed::RoundLimit { rounds }, sink));
                }
                Ended::Gone => return Ok(()),
            }
        }
    }

    fn failed(&self, failed: TurnFailed, sink: Sink<'_>) -> TurnFailed {
        sink(failed.event());
        failed
    }

    /// The turn's messages join the conversation and the file; the face hears them.
    fn answered(
        &mut self,
        target: &Target,
        mut added: Vec<Message>,
        answer: String,
        usage: Option<(crate::aicore::Usage, crate::aicore::Usage)>,
        sink: Sink<'_>,
    ) {
        if !answer.is_empty() {
            added.push(Message::new(crate::aicore::Role::Assistant, answer));
        }
        self.conversation.extend(added.clone());
        self.mark = usage.map(|(_, last)| UsageMark {
            usage: last,
            messages: self.conversation.messages().len(),
        });
        sink(SessionEvent::History { messages: added });
        self.save(target, usage.map(|(turn, _)| turn), sink);
        if let Some((turn, last)) = usage {
            sink(SessionEvent::Usage {
                turn,
                last_request: last,
                cost_usd: self.price.map(|price| turn.cost_usd(&price)),
            });
        }
    }

    /// Before the request: a conversation with earlier turns is shortened or compacted when
    /// it would not fit. A failure is said and the request goes out as it is.
    async fn fit(&mut self, client: &Client, target: &ChatTarget, sink: Sink<'_>) {
        let questions = self
            .conversation
            .messages()
            .iter()
            .filter(|m| m.role == crate::aicore::Role::User)
            .count();
        if questions < 2 {
            return;
        }
        let fitted = fitting::fit(
            client,
            target,
            &mut self.conversation,
            self.mark,
            self.context_length,
        )
        .await;
        let event = match fitted {
            Ok(None) => return,
            Ok(Some(said)) => {
                self.mark = None;
                SessionEvent::ContextFitted {
                    said,
                    messages: self.conversation.messages().to_vec(),
                }
            }
            Err(err) => SessionEvent::Notice {
                text: format!("the conversation may not fit the context: {err}"),
            },
        };
        sink(event);
    }

    /// `/compact`: older turns of `conversation` replaced by a summary; the new messages and
    /// how many were replaced. The face records them with `save`.
    pub async fn compact(
        client: &Client,
        target: &ChatTarget,
        mut conversation: Conversation,
    ) -> Result<(Vec<Message>, usize), CompactError> {
        let replaced = fitting::compact(client, target, &mut conversation).await?;
        Ok((conversation.messages().to_vec(), replaced))
    }

    /// Saves the conversation as it stands; a failure is said once.
    fn save(&mut self, target: &Target, usage: Option<crate::aicore::Usage>, sink: Sink<'_>) {
        let snapshot = Snapshot {
            started: self.started,
            saved: SystemTime::now(),
            mode: target.mode,
            model: Some(target.model.clone()),
            deployment: Some(target.deployment.clone()),
            system: self.system.clone(),
            usage,
            cost_usd: usage.and_then(|u| self.price.map(|price| u.cost_usd(&price))),
            messages: self.conversation.messages().to_vec(),
            tools: self.views.clone(),
        };
        if let Err(err) = self.record(&snapshot) {
            sink(SessionEvent::Notice {
                text: format!("session not saved: {err}"),
            });
        }
    }

    /// Saves a snapshot the face made (a stopped answer, a compaction). Only the first
    /// failure is returned; later ones are skipped quietly.
    pub fn record(&mut self, snapshot: &Snapshot) -> Result<(), SessionError> {
        match self.log.save(snapshot) {
            Err(err) if !self.said_unsaved => {
                self.said_unsaved = true;
                Err(err)
            }
            Ok(()) | Err(_) => Ok(()),
        }
    }
}
