//! The wire dialects, one module each: how a chat request is built and how its stream
//! chunks and whole responses are read. `openai` is Azure OpenAI and the OpenAI-compatible
//! executables, `orchestration` SAP's orchestration service (v2, and v1 where v2 is
//! missing), `bedrock` the Converse API, `vertex` Gemini. SSE framing stays in `sse.rs`.
//!
//! This file is the one registration point: a new dialect is a module implementing `Wire`,
//! a `Dialect` variant with its `wire()` arm, and (for foundation mode) its executables in
//! `FOUNDATION`.

mod bedrock;
mod openai;
mod orchestration;
mod prompt_cache;
mod thinking;
mod vertex;

use serde_json::Value;

use super::ChatRequest;
use super::chat::{ThinkingDelta, ToolCallDelta, Usage};

pub use bedrock::refuse_binary_event_stream;
pub use openai::is_reasoning_model;
pub use orchestration::prepare as orchestration_request;
pub use prompt_cache::{add_cache_points, takes_cache_points};

/// Stands in for an empty tool result: Converse refuses blank text blocks (§12), and
/// orchestration may take an empty placeholder value for a missing one.
pub const EMPTY_RESULT: &str = "(no output)";

/// Which wire shape a response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Azure OpenAI and the OpenAI-compatible executables: `chat.completion(.chunk)`.
    OpenAi,
    /// Orchestration v2: the same chunks inside `final_result`.
    OrchestrationV2,
    /// Orchestration v1: inside `orchestration_result`.
    OrchestrationV1,
    /// Bedrock Converse: `contentBlockDelta`, `messageStop`, `metadata`... events.
    BedrockConverse,
    /// Vertex Gemini: `GenerateContentResponse` objects.
    VertexGemini,
}

/// A request ready to send: where, what, and how to read the answer.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub url: String,
    pub body: Value,
    pub dialect: Dialect,
}

/// What one payload (a stream chunk or a whole response) carries.
#[derive(Debug, Default, PartialEq)]
pub struct ChunkParts {
    pub text: String,
    /// Thinking fragments before the text (Converse `reasoningContent`).
    pub thinking: Vec<ThinkingDelta>,
    pub tool_calls: Vec<ToolCallDelta>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<String>,
}

/// A foundation-mode request before it is shaped: the deployment's inference URL, the
/// model and the conversation.
pub struct Foundation<'a> {
    pub base: &'a str,
    pub model: &'a str,
    pub req: &'a ChatRequest,
    pub stream: bool,
}

/// How one dialect reads what the service sends.
trait Wire: Sync {
    /// The service's error message, if the payload is an error.
    fn error_in(&self, payload: &Value) -> Option<String>;
    /// Whether an error payload (`error_in` is `Some`) reports throttling.
    fn is_throttling(&self, _payload: &Value) -> bool {
        false
    }
    /// What one stream chunk carries.
    fn chunk_parts(&self, payload: &Value) -> ChunkParts;
    /// What a whole (non-streamed) response carries.
    fn completion_parts(&self, payload: &Value) -> ChunkParts;
    /// Whether payloads are read leniently (`lenient_json`): Bedrock's can arrive cut.
    fn is_lenient(&self) -> bool {
        false
    }
    /// Whether each chunk repeats the running usage, to be reported once at the end.
    fn has_running_usage(&self) -> bool {
        false
    }
    /// The `Accept` header the dialect needs, if any.
    fn accept(&self, _stream: bool) -> Option<&'static str> {
        None
    }
}

impl Dialect {
    fn wire(self) -> &'static dyn Wire {
        match self {
            Dialect::OpenAi => &openai::OpenAi,
            Dialect::OrchestrationV2 => &orchestration::V2,
            Dialect::OrchestrationV1 => &orchestration::V1,
            Dialect::BedrockConverse => &bedrock::Converse,
            Dialect::VertexGemini => &vertex::Gemini,
        }
    }

    pub fn is_lenient(self) -> bool {
        self.wire().is_lenient()
    }

    pub fn has_running_usage(self) -> bool {
        self.wire().has_running_usage()
    }

    pub fn accept(self, stream: bool) -> Option<&'static str> {
        self.wire().accept(stream)
    }
}

/// Shapes a foundation request in one dialect.
type Builder = fn(&Foundation) -> Prepared;

/// The executables of foundation mode and the request builder that speaks each.
const FOUNDATION: [(&str, Builder); 6] = [
    ("azure-openai", openai::azure_request),
    // OpenAI-compatible executables name the model in the body, no api-version (§6.3).
    ("aicore-mistralai", openai::compatible_request),
    ("aicore-opensource", openai::compatible_request),
    ("perplexity-ai", openai::compatible_request),
    ("aws-bedrock", bedrock::request),
    ("gcp-vertexai", vertex::request),
];

/// The request for a foundation deployment of `executable`, if sapcode speaks it.
pub fn foundation_request(executable: &str, at: &Foundation) -> Option<Prepared> {
    FOUNDATION
        .iter()
        .find(|(name, _)| *name == executable)
        .map(|(_, build)| build(at))
}

/// The service's error message in `payload`, if it is an error.
pub fn error_in(payload: &Value, dialect: Dialect) -> Option<String> {
    dialect.wire().error_in(payload)
}

/// The error in `payload` as the error it is: throttling (worth one more try when nothing
/// was answered yet) or any other in-stream error.
pub fn stream_error(payload: &Value, dialect: Dialect) -> Option<super::Error> {
    let message = dialect.wire().error_in(payload)?;
    Some(if dialect.wire().is_throttling(payload) {
        super::Error::ThrottledInStream {
            message,
            retry_after: super::error_body::wait_in(payload).map(std::time::Duration::from_secs),
        }
    } else {
        super::Error::InStream { message }
    })
}

/// What one stream chunk carries.
pub fn chunk_parts(payload: &Value, dialect: Dialect) -> ChunkParts {
    dialect.wire().chunk_parts(payload)
}

/// What a whole response carries.
pub fn completion_parts(payload: &Value, dialect: Dialect) -> ChunkParts {
    dialect.wire().completion_parts(payload)
}

#[cfg(test)]
mod image_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod thinking_tests;
