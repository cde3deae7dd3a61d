//! One decoded JSON payload → what it means: stream chunks (`chat.completion.chunk`) and
//! whole completions (`chat.completion`) in the Azure/OpenAI shape, wrapped by orchestration
//! v2 (`final_result`) or v1 (`orchestration_result`); Bedrock Converse and Vertex Gemini
//! payloads are read by `bedrock.rs` and `vertex.rs`. Framing (SSE) lives in `sse.rs`.

use serde_json::Value;

use super::chat::{ToolCallDelta, Usage};
use super::{bedrock, error_body, vertex};

/// Which wire shape a response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Azure OpenAI and OpenAI-compatible executables: the chunk is the payload.
    OpenAi,
    /// Orchestration `/v2/completion`: the chunk is under `final_result` (API reference §7.6).
    OrchestrationV2,
    /// Orchestration `/completion`: the chunk is under `orchestration_result`.
    OrchestrationV1,
    /// `aws-bedrock` `/converse(-stream)`: one Converse event per payload, which may be
    /// non-strict JSON (§6.3); no `[DONE]`, the body just ends after `metadata`.
    BedrockConverse,
    /// `gcp-vertexai` `:generateContent` / `:streamGenerateContent?alt=sse`: each payload a
    /// `GenerateContentResponse`; no `[DONE]`; `usageMetadata` may repeat, growing.
    VertexGemini,
}

impl Dialect {
    /// Payloads that fail strict JSON get a lenient second read (§6.3, Bedrock).
    pub fn is_lenient(self) -> bool {
        match self {
            Dialect::BedrockConverse => true,
            Dialect::OpenAi
            | Dialect::OrchestrationV2
            | Dialect::OrchestrationV1
            | Dialect::VertexGemini => false,
        }
    }

    /// Usage is repeated in many chunks, each superseding the last: report only the final one.
    pub fn has_running_usage(self) -> bool {
        match self {
            Dialect::VertexGemini => true,
            Dialect::OpenAi
            | Dialect::OrchestrationV2
            | Dialect::OrchestrationV1
            | Dialect::BedrockConverse => false,
        }
    }
}

/// What one payload carries, in the order a consumer should see it.
#[derive(Debug, Default, PartialEq)]
pub struct ChunkParts {
    pub text: String,
    pub tool_calls: Vec<ToolCallDelta>,
    pub usage: Option<Usage>,
    /// Non-empty finish reason only: `""` and null mean "not finished" (§7.6).
    pub finish_reason: Option<String>,
}

/// The error message if this payload reports one (§7.7): `{"error": {…} | […]}` in every
/// dialect, and v1's bare `{"code", "message"}` stream event.
pub fn error_in(payload: &Value, dialect: Dialect) -> Option<String> {
    match dialect {
        Dialect::BedrockConverse => return bedrock::error_in(payload),
        Dialect::VertexGemini => return vertex::error_in(payload),
        Dialect::OpenAi | Dialect::OrchestrationV2 | Dialect::OrchestrationV1 => {}
    }
    let obj = payload.as_object()?;
    if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
        return Some(
            error_body::json_message(err).unwrap_or_else(|| "error without a message".into()),
        );
    }
    let has_result = obj.contains_key(result_key(dialect)) || obj.contains_key("choices");
    if !has_result
        && obj.contains_key("code")
        && let Some(message) = obj.get("message").and_then(Value::as_str)
    {
        return Some(error_body::cap(message));
    }
    None
}

fn result_key(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::OpenAi => "choices",
        Dialect::OrchestrationV2 => "final_result",
        Dialect::OrchestrationV1 => "orchestration_result",
        Dialect::BedrockConverse => "output",
        Dialect::VertexGemini => "candidates",
    }
}

/// The OpenAI-shaped object inside the payload, if any.
fn inner(payload: &Value, dialect: Dialect) -> Option<&Value> {
    match dialect {
        Dialect::OpenAi => Some(payload),
        Dialect::OrchestrationV2 | Dialect::OrchestrationV1 => {
            payload.get(result_key(dialect)).filter(|v| v.is_object())
        }
        Dialect::BedrockConverse | Dialect::VertexGemini => None,
    }
}

/// The first choice (index 0 or no index): sapcode asks for one answer.
fn first_choice(result: &Value) -> Option<&Value> {
    result.get("choices")?.as_array()?.iter().find(|c| {
        c.get("index")
            .and_then(Value::as_u64)
            .is_none_or(|i| i == 0)
    })
}

/// Parts of one stream chunk; `kind` is `delta` for chunks, `message` for whole completions.
fn parts(payload: &Value, dialect: Dialect, kind: &str) -> ChunkParts {
    let mut out = ChunkParts::default();
    let Some(result) = inner(payload, dialect) else {
        return out;
    };
    if let Some(choice) = first_choice(result) {
        if let Some(body) = choice.get(kind) {
            if let Some(text) = body.get("content").and_then(Value::as_str) {
                out.text = text.to_string();
            }
            if let Some(calls) = body.get("tool_calls").and_then(Value::as_array) {
                out.tool_calls = calls.iter().enumerate().map(tool_call).collect();
            }
        }
        out.finish_reason = choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
    }
    out.usage = result.get("usage").and_then(usage);
    out
}

pub fn chunk_parts(payload: &Value, dialect: Dialect) -> ChunkParts {
    match dialect {
        Dialect::BedrockConverse => bedrock::event_parts(payload),
        Dialect::VertexGemini => vertex::response_parts(payload),
        Dialect::OpenAi | Dialect::OrchestrationV2 | Dialect::OrchestrationV1 => {
            parts(payload, dialect, "delta")
        }
    }
}

pub fn completion_parts(payload: &Value, dialect: Dialect) -> ChunkParts {
    match dialect {
        Dialect::BedrockConverse => bedrock::response_parts(payload),
        Dialect::VertexGemini => vertex::response_parts(payload),
        Dialect::OpenAi | Dialect::OrchestrationV2 | Dialect::OrchestrationV1 => {
            parts(payload, dialect, "message")
        }
    }
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn tool_call((position, call): (usize, &Value)) -> ToolCallDelta {
    let function = call.get("function");
    ToolCallDelta {
        index: call
            .get("index")
            .and_then(Value::as_u64)
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(u32::try_from(position).unwrap_or(u32::MAX)),
        id: non_empty(call.get("id")),
        name: non_empty(function.and_then(|f| f.get("name"))),
        arguments: function
            .and_then(|f| f.get("arguments"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        thought_signature: None,
    }
}

fn usage(v: &Value) -> Option<Usage> {
    let obj = v.as_object()?;
    let num = |k: &str| obj.get(k).and_then(Value::as_u64).unwrap_or(0);
    Some(Usage {
        prompt_tokens: num("prompt_tokens"),
        completion_tokens: num("completion_tokens"),
        total_tokens: num("total_tokens"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Value {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/sap-ai-sdk-js/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn azure_single_chunks() {
        let d = Dialect::OpenAi;
        let initial = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-initial.json",
        );
        assert_eq!(chunk_parts(&initial, d), ChunkParts::default());
        let delta = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-delta-content.json",
        );
        assert!(!chunk_parts(&delta, d).text.is_empty());
        let fin = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-finish-reason.json",
        );
        assert_eq!(chunk_parts(&fin, d).finish_reason.as_deref(), Some("stop"));
        let usage_chunk = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-token-usage.json",
        );
        assert!(
            chunk_parts(&usage_chunk, d)
                .usage
                .is_some_and(|u| u.total_tokens > 0)
        );
        let tools = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-tool-calls.json",
        );
        let calls = chunk_parts(&tools, d).tool_calls;
        assert!(!calls.is_empty());
        for payload in [initial, delta, fin, usage_chunk, tools] {
            assert_eq!(error_in(&payload, d), None);
        }
    }

    #[test]
    fn orchestration_single_chunks() {
        let d = Dialect::OrchestrationV2;
        let initial = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-initial.json",
        );
        assert_eq!(chunk_parts(&initial, d), ChunkParts::default());
        let delta = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-delta-content.json",
        );
        assert!(!chunk_parts(&delta, d).text.is_empty());
        let last = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-token-usage-and-finish-reason.json",
        );
        let parts = chunk_parts(&last, d);
        assert!(parts.finish_reason.is_some());
        assert!(parts.usage.is_some_and(|u| u.total_tokens > 0));
        let tool = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-tool-call.json",
        );
        assert!(!chunk_parts(&tool, d).tool_calls.is_empty());
        for payload in [initial, delta, last, tool] {
            assert_eq!(error_in(&payload, d), None);
        }
    }

    #[test]
    fn error_shapes() {
        let d = Dialect::OrchestrationV1;
        let v1: Value = serde_json::json!({"code": 500, "message": "message"});
        assert_eq!(error_in(&v1, d).as_deref(), Some("message"));
        let list = serde_json::json!({"error": [{"code": 400, "message": "a"}, {"code": 500, "message": "b"}]});
        assert_eq!(
            error_in(&list, Dialect::OrchestrationV2).as_deref(),
            Some("b")
        );
        let azure = serde_json::json!({"error": {"code": null, "message": "m", "type": "x"}});
        assert_eq!(error_in(&azure, Dialect::OpenAi).as_deref(), Some("m"));
    }
}

#[cfg(test)]
mod response_tests {
    use super::*;
    use crate::aicore::{Error, response_from_json};

    fn fixture(path: &str) -> Value {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/sap-ai-sdk-js/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn azure_success_response() {
        let body = fixture("foundation-models/azure-openai-chat-completion-success-response.json");
        let resp = response_from_json(&body, Dialect::OpenAi).unwrap();
        assert!(!resp.text.is_empty());
        assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
        assert!(resp.usage.is_some_and(|u| u.total_tokens > 0));
    }

    #[test]
    fn orchestration_success_responses() {
        for path in [
            "orchestration/orchestration-chat-completion-success-response.json",
            "orchestration/orchestration-chat-completion-message-history.json",
        ] {
            let resp = response_from_json(&fixture(path), Dialect::OrchestrationV2).unwrap();
            assert!(!resp.text.is_empty(), "{path}");
            assert!(resp.usage.is_some(), "{path}");
        }
    }

    #[test]
    fn error_body_as_response_is_an_error() {
        let body = fixture("orchestration/orchestration-chat-completion-input-filter-error.json");
        let err = response_from_json(&body, Dialect::OrchestrationV2).unwrap_err();
        assert!(
            matches!(err, Error::InStream { ref message } if message.starts_with("Content filtered"))
        );
    }
}
