//! Azure OpenAI and the OpenAI-compatible executables (API reference §6.2, §6.3): the
//! `/chat/completions` body, and `chat.completion.chunk` / `chat.completion` payloads. The
//! choice reading is shared with orchestration, which wraps the same shape.

use serde_json::{Value, json};

use super::{ChunkParts, Dialect, Foundation, Prepared, Wire};
use crate::aicore::chat::{ThinkingDelta, ToolCallDelta, Usage};
use crate::aicore::{ChatRequest, Message, ToolSpec, error_body};

/// The Azure OpenAI API version the JS SDK uses (§6.2).
pub const AZURE_API_VERSION: &str = "2024-10-21";

pub struct OpenAi;

impl Wire for OpenAi {
    fn is_throttling(&self, payload: &Value) -> bool {
        crate::aicore::error_body::is_throttling(payload)
    }

    fn error_in(&self, payload: &Value) -> Option<String> {
        error_message(payload, "choices")
    }

    fn chunk_parts(&self, payload: &Value) -> ChunkParts {
        choice_parts(payload, "delta")
    }

    fn completion_parts(&self, payload: &Value) -> ChunkParts {
        choice_parts(payload, "message")
    }
}

/// o1/o3/o4/gpt-5 reject `max_tokens` and `temperature` (§6.2, as Cline handles them).
pub fn is_reasoning_model(model: &str) -> bool {
    let m = model.to_ascii_lowercase();
    ["o1", "o3", "o4", "gpt-5"].iter().any(|p| m.starts_with(p))
}

pub fn azure_request(at: &Foundation) -> Prepared {
    let mut body = openai_body(at.req, at.stream);
    if is_reasoning_model(at.model) {
        if let Some(max) = at.req.max_tokens {
            body["max_completion_tokens"] = json!(max);
        }
        // Only reasoning models take it; Azure refuses it for gpt-4o and the like.
        if let Some(effort) = at.req.reasoning {
            body["reasoning_effort"] = json!(effort.as_str());
        }
    } else {
        set_common_params(&mut body, at.req);
    }
    Prepared {
        url: format!(
            "{}/chat/completions?api-version={AZURE_API_VERSION}",
            at.base
        ),
        body,
        dialect: Dialect::OpenAi,
    }
}

/// OpenAI-compatible executables name the model in the body, no api-version (§6.3).
pub fn compatible_request(at: &Foundation) -> Prepared {
    let mut body = openai_body(at.req, at.stream);
    body["model"] = json!(at.model);
    set_common_params(&mut body, at.req);
    Prepared {
        url: format!("{}/chat/completions", at.base),
        body,
        dialect: Dialect::OpenAi,
    }
}

fn openai_body(req: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = req.messages.iter().map(Message::openai_json).collect();
    let mut body = json!({ "messages": messages, "stream": stream });
    if !req.tools.is_empty() {
        body["tools"] = req.tools.iter().map(ToolSpec::openai_json).collect();
    }
    if stream {
        body["stream_options"] = json!({ "include_usage": true });
    }
    body
}

fn set_common_params(body: &mut Value, req: &ChatRequest) {
    if let Some(max) = req.max_tokens {
        body["max_tokens"] = json!(max);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
}

/// The error message if this payload reports one (§7.7): `{"error": {…} | […]}`, and the
/// bare `{"code", "message"}` event (orchestration v1) when no `result_key` is present.
pub fn error_message(payload: &Value, result_key: &str) -> Option<String> {
    let obj = payload.as_object()?;
    if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
        return Some(
            error_body::json_message(err).unwrap_or_else(|| "error without a message".into()),
        );
    }
    let has_result = obj.contains_key(result_key) || obj.contains_key("choices");
    if !has_result
        && obj.contains_key("code")
        && let Some(message) = obj.get("message").and_then(Value::as_str)
    {
        return Some(error_body::cap(message));
    }
    None
}

/// The first choice (index 0 or no index): sapcode asks for one answer.
fn first_choice(result: &Value) -> Option<&Value> {
    result.get("choices")?.as_array()?.iter().find(|c| {
        c.get("index")
            .and_then(Value::as_u64)
            .is_none_or(|i| i == 0)
    })
}

/// Parts of an OpenAI-shaped `result`; `kind` is `delta` for chunks, `message` for whole
/// completions.
pub fn choice_parts(result: &Value, kind: &str) -> ChunkParts {
    let mut out = ChunkParts::default();
    if let Some(choice) = first_choice(result) {
        if let Some(body) = choice.get(kind) {
            if let Some(text) = body.get("content").and_then(Value::as_str) {
                out.text = text.to_string();
            }
            if let Some(calls) = body.get("tool_calls").and_then(Value::as_array) {
                out.tool_calls = calls.iter().enumerate().map(tool_call).collect();
            }
            // Orchestration's Claude thinking (`ReasoningBlock`s); a plain string, as some
            // OpenAI-compatible servers send, is not a block list and is left alone.
            if let Some(blocks) = body.get("reasoning_content").and_then(Value::as_array) {
                out.thinking = blocks.iter().enumerate().map(reasoning_block).collect();
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

fn reasoning_block((position, block): (usize, &Value)) -> ThinkingDelta {
    ThinkingDelta {
        index: u32::try_from(position).unwrap_or(u32::MAX),
        text: block
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        signature: non_empty(block.get("signature")),
        redacted: None,
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

/// OpenAI's `usage`, which orchestration repeats: `prompt_tokens` already includes
/// `prompt_tokens_details.cached_tokens`, and orchestration adds `cache_creation_tokens` for
/// Anthropic models (orchestration spec `TokenUsage`). Reasoning models say what part of
/// the completion was reasoning in `completion_tokens_details.reasoning_tokens`.
fn usage(v: &Value) -> Option<Usage> {
    let obj = v.as_object()?;
    let num = |k: &str| obj.get(k).and_then(Value::as_u64).unwrap_or(0);
    let details = obj.get("prompt_tokens_details");
    let detail = |k: &str| details.and_then(|d| d.get(k)).and_then(Value::as_u64);
    Some(Usage {
        prompt_tokens: num("prompt_tokens"),
        completion_tokens: num("completion_tokens"),
        total_tokens: num("total_tokens"),
        cache_read_tokens: detail("cached_tokens").unwrap_or(0),
        cache_write_tokens: detail("cache_creation_tokens").unwrap_or(0),
        reasoning_tokens: obj
            .get("completion_tokens_details")
            .and_then(|d| d.get("reasoning_tokens"))
            .and_then(Value::as_u64),
    })
}
