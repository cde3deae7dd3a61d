//! Chat request and the one event type both modes stream out.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// One chat turn as the caller sees it; each mode turns it into its own wire body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// A fragment of a tool call; `arguments` fragments concatenate per `index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCallDelta {
    pub index: u32,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
}

/// Everything a chat stream reports, in order. Both modes and every executable map their
/// wire chunks onto these, so `run` and the TUI handle one shape.
#[derive(Debug)]
pub enum ChatEvent {
    /// Before the first byte of an answer: a retryable failure and the wait before the next try.
    Retrying {
        attempt: u32,
        delay: std::time::Duration,
        reason: String,
    },
    /// Answer text, in arrival order.
    Delta(String),
    ToolCall(ToolCallDelta),
    Usage(Usage),
    /// The model finished; `finish_reason` as the service sent it (`stop`, `length`, ...).
    Done {
        finish_reason: Option<String>,
    },
    /// The turn failed; text already delivered stays valid. Always the last event.
    Error(crate::aicore::Error),
}

/// A whole (non-streamed) answer.
#[derive(Debug, Clone, Default)]
pub struct ChatResponse {
    pub text: String,
    pub usage: Option<Usage>,
    pub finish_reason: Option<String>,
    pub tool_calls: Vec<ToolCallDelta>,
}
