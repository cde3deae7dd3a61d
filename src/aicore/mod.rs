//! The SAP AI Core client: service keys, tokens, deployments, the model catalog and chat
//! in foundation and orchestration mode. Knows nothing of ratatui, clap or the terminal.

pub mod answer_caps;
mod auth;
pub mod cache;
pub mod chat;
mod client;
pub mod deployments;
pub mod dialect;
pub mod error;
pub mod error_body;
pub mod foundation;
pub mod image;
mod lenient_json;
pub mod models;
pub mod pricing;
pub mod resolve;
pub mod service_key;
pub mod sse;
mod sse_lines;
mod transport;

pub use chat::{
    ChatEvent, ChatRequest, ChatResponse, Effort, Message, Role, ThinkingBlock, ThinkingDelta,
    ToolCall, ToolCallDelta, ToolSpec, Usage,
};
pub use client::{
    ChatStream, Client, ClientOptions, Freshness, RetryPolicy, Timeouts, response_from_json,
};
pub use deployments::Deployment;
pub use error::Error;
pub use models::{ModelEntry, filter_passes};
pub use pricing::Price;
pub use resolve::ChatTarget;
pub use service_key::ServiceKey;
pub use sse::{Dialect, parse_sse_body};

pub type Result<T> = std::result::Result<T, Error>;

/// How chat requests reach a model (contract "Modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The model's own deployment in scenario `foundation-models`.
    #[default]
    Foundation,
    /// One orchestration deployment serves every model the catalog allows for it.
    Orchestration,
}

impl Mode {
    /// The word used in the config file, on the command line and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Foundation => "foundation",
            Mode::Orchestration => "orchestration",
        }
    }
}

/// A listing with where it came from.
#[derive(Clone, Debug)]
pub struct Cached<T> {
    pub data: T,
    pub fetched_at: std::time::SystemTime,
    pub from_cache: bool,
}

#[cfg(test)]
mod http_tests;
