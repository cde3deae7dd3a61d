//! The SAP AI Core side of a request: which model and deployment a client's model name
//! reaches, the listing `/v1/models` shows, starting the stream, and errors in neutral form
//! (`ApiError`) that each API shape then spells its own way.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use futures_util::StreamExt;

use super::names;
use crate::aicore::{
    ChatEvent, ChatRequest, ChatStream, ChatTarget, Client, Error, Freshness, Mode, ModelEntry,
    resolve,
};

/// One client of SAP AI Core shared by every request, so all share its token and listings.
#[derive(Clone)]
pub struct Upstream {
    pub client: Client,
    pub mode: Mode,
    /// `--mode` was given: use only that mode. Otherwise a model goes to its foundation
    /// deployment when one is RUNNING, else through orchestration (the contract's rule).
    pub strict_mode: bool,
    pub aliases: BTreeMap<String, String>,
}

/// What went wrong, before it is put in the caller's API shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: ErrorKind,
    /// One line: what failed, then what to do (the CLI's hint).
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidRequest,
    Authentication,
    NotFound,
    RateLimited,
    Upstream,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: ErrorKind, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorKind::InvalidRequest, message)
    }

    /// A client error's status and words: nothing to talk to is 404 (clients give up, as
    /// they should); SAP AI Core's own refusal of sapcode is a 502, not the caller's 401.
    pub fn from_client(err: &Error) -> ApiError {
        let (status, kind) = match err {
            Error::UnknownModel { .. }
            | Error::NothingRunning { .. }
            | Error::NotInOrchestration { .. }
            | Error::UnknownDeployment { .. }
            | Error::DeploymentNotRunning { .. }
            | Error::UnsupportedExecutable { .. } => (StatusCode::NOT_FOUND, ErrorKind::NotFound),
            Error::Http { status: 429, .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorKind::RateLimited)
            }
            Error::Http { status: 400, .. } => (StatusCode::BAD_REQUEST, ErrorKind::InvalidRequest),
            Error::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, ErrorKind::Upstream),
            _ => (StatusCode::BAD_GATEWAY, ErrorKind::Upstream),
        };
        let hint = err.hint();
        let text = if hint.is_empty() {
            format!("sapcode: {err}")
        } else {
            format!("sapcode: {err} — {hint}")
        };
        ApiError::new(status, kind, crate::redact::scrub(&text))
    }
}

/// A stream whose first event is known not to be a failure, so the response can start 200.
pub struct Started {
    pub first: ChatEvent,
    pub rest: ChatStream,
}

impl Upstream {
    /// The catalog model `requested` means and where it runs.
    pub async fn target(&self, requested: &str) -> Result<ChatTarget, ApiError> {
        let models = self
            .client
            .models(Freshness::Cached)
            .await
            .map_err(|e| ApiError::from_client(&e))?;
        let name = names::catalog_name(requested, &self.aliases, &models.data);
        let first = self
            .client
            .resolve_target(self.mode, Some(&name), None)
            .await;
        let other = match self.mode {
            Mode::Foundation => Mode::Orchestration,
            Mode::Orchestration => Mode::Foundation,
        };
        let result = match first {
            Err(
                Error::NothingRunning {
                    other_mode_has_it: true,
                    ..
                }
                | Error::NotInOrchestration {
                    foundation_running: true,
                    ..
                },
            ) if !self.strict_mode => self.client.resolve_target(other, Some(&name), None).await,
            result => result,
        };
        result.map_err(|e| {
            // Say the name the client sent, so a mapping that went wrong is visible.
            let mut api = ApiError::from_client(&e);
            if name != requested && api.status == StatusCode::NOT_FOUND {
                api.message = format!("{} (the client asked for '{requested}')", api.message);
            }
            api
        })
    }

    /// Starts the turn and waits for its first real event: a failure before any output
    /// becomes an HTTP error in the caller's shape instead of a 200 stream that breaks.
    pub async fn start(&self, target: ChatTarget, req: ChatRequest) -> Result<Started, ApiError> {
        let mut rest = self.client.chat_stream(target, req);
        loop {
            match rest.next().await {
                Some(ChatEvent::Retrying { .. }) => continue,
                Some(ChatEvent::Error(err)) => return Err(ApiError::from_client(&err)),
                Some(first) => return Ok(Started { first, rest }),
                None => {
                    return Err(ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        ErrorKind::Upstream,
                        "sapcode: the answer stream ended before it began — ask again to retry",
                    ));
                }
            }
        }
    }

    /// Catalog models a request can reach now: they pass the filter and have a RUNNING
    /// foundation deployment or go through a RUNNING orchestration deployment.
    pub async fn servable(&self) -> Result<Vec<ModelEntry>, ApiError> {
        let models = self
            .client
            .models(Freshness::Cached)
            .await
            .map_err(|e| ApiError::from_client(&e))?;
        let list = self
            .client
            .deployments(Freshness::Cached)
            .await
            .map_err(|e| ApiError::from_client(&e))?;
        let orchestration_up = resolve::running_orchestration(&list.data).is_some();
        let foundation = !self.strict_mode || self.mode == Mode::Foundation;
        let orchestration = !self.strict_mode || self.mode == Mode::Orchestration;
        Ok(models
            .data
            .into_iter()
            .filter(|m| {
                m.passes_filter
                    && ((foundation && m.running_deployments > 0)
                        || (orchestration && orchestration_up && m.orchestration))
            })
            .collect())
    }
}

/// Tool-call fragments put back together by index, for answers that are not streamed.
#[derive(Debug, Default)]
pub struct Collected {
    pub text: String,
    pub calls: Vec<crate::aicore::ToolCall>,
    pub usage: Option<crate::aicore::Usage>,
    pub finish_reason: Option<String>,
}

impl Collected {
    /// Reads the whole stream; an error after some output still fails the request, since
    /// a non-streamed answer cannot say "this part is good".
    pub async fn from(started: Started) -> Result<Collected, ApiError> {
        let Started { first, mut rest } = started;
        let mut out = Collected::default();
        let mut slots: BTreeMap<u32, crate::aicore::ToolCall> = BTreeMap::new();
        let mut next = Some(first);
        while let Some(event) = next {
            match event {
                ChatEvent::Delta(text) => out.text.push_str(&text),
                ChatEvent::ToolCall(delta) => {
                    let slot =
                        slots
                            .entry(delta.index)
                            .or_insert_with(|| crate::aicore::ToolCall {
                                id: String::new(),
                                name: String::new(),
                                arguments: String::new(),
                                thought_signature: None,
                            });
                    if let Some(id) = delta.id {
                        slot.id = id;
                    }
                    if let Some(name) = delta.name {
                        slot.name = name;
                    }
                    slot.arguments.push_str(&delta.arguments);
                }
                ChatEvent::Usage(usage) => out.usage = Some(usage),
                ChatEvent::Done { finish_reason } => out.finish_reason = finish_reason,
                ChatEvent::Retrying { .. } | ChatEvent::Thinking(_) => {}
                ChatEvent::Error(err) => return Err(ApiError::from_client(&err)),
            }
            next = rest.next().await;
        }
        out.calls = slots.into_values().collect();
        for (n, call) in out.calls.iter_mut().enumerate() {
            if call.id.is_empty() {
                call.id = format!("call_{n}");
            }
        }
        Ok(out)
    }
}
