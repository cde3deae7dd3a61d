//! Anthropic Messages (`POST /v1/messages`) to and from sapcode's own request type: system
//! prompt, text, `tool_use` and `tool_result` blocks, the whole answer, `count_tokens` and the
//! error shape. `thinking` becomes sapcode's reasoning effort (by its budget), which each dialect
//! maps as it can. What no SAP AI Core dialect carries is left out quietly: thinking blocks of
//! earlier turns, `context_management`, `cache_control`, `metadata`, server tools, images by URL
//! and documents (said in the text so the model knows one was there). Base64 images go on as
//! images.

use serde_json::{Value, json};

use super::stream::random_id;
use super::upstream::{ApiError, Collected, ErrorKind};
use crate::aicore::{ChatRequest, Effort, Message, Role, ToolCall, ToolSpec};

#[derive(Debug)]
pub struct Parsed {
    pub model: String,
    pub stream: bool,
    pub request: ChatRequest,
}

pub fn parse(body: &Value) -> Result<Parsed, ApiError> {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::invalid("model: field required"))?
        .to_owned();
    let mut messages = Vec::new();
    let system = blocks_text(body.get("system"));
    if !system.is_empty() {
        messages.push(Message::new(Role::System, system));
    }
    for message in body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("messages: field required (an array)"))?
    {
        push_message(&mut messages, message)?;
    }
    Ok(Parsed {
        model,
        stream: body.get("stream").and_then(Value::as_bool) == Some(true),
        request: ChatRequest {
            messages,
            max_tokens: body
                .get("max_tokens")
                .and_then(Value::as_u64)
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            // Extended thinking requires temperature 1; without thinking upstream the
            // caller's value (if any) stands.
            temperature: body
                .get("temperature")
                .and_then(Value::as_f64)
                .map(|t| t as f32),
            tools: tools(body.get("tools")),
            reasoning: thinking_effort(body.get("thinking")),
        },
    })
}

/// `thinking: {"type": "enabled", "budget_tokens": N}` as the nearest effort: up to 4k low,
/// up to 16k medium, above high (Claude Code asks 31,999).
fn thinking_effort(thinking: Option<&Value>) -> Option<Effort> {
    let thinking = thinking?;
    if thinking.get("type").and_then(Value::as_str) != Some("enabled") {
        return None;
    }
    let budget = thinking.get("budget_tokens").and_then(Value::as_u64)?;
    Some(match budget {
        0..=4_096 => Effort::Low,
        4_097..=16_384 => Effort::Medium,
        _ => Effort::High,
    })
}

/// Custom tools only: server tools (`web_search_…`, `bash_…`) have a `type` and no schema.
fn tools(value: Option<&Value>) -> Vec<ToolSpec> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|tool| tool.get("type").is_none_or(|t| t == "custom"))
        .filter_map(|tool| {
            Some(ToolSpec {
                name: tool.get("name")?.as_str()?.to_owned(),
                description: tool
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                parameters: tool.get("input_schema")?.clone(),
            })
        })
        .collect()
}

/// A string, or the `text` of text blocks joined by newlines; images are named, not sent.
fn blocks_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|block| match block.get("type").and_then(Value::as_str) {
                Some("text") => block.get("text").and_then(Value::as_str).map(str::to_owned),
                Some("image") if image_of(block).is_some() => None,
                Some("image" | "document") => Some("[an attachment was left out]".to_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// A `{"type":"image","source":{"type":"base64","data":…}}` block's image.
fn image_of(block: &Value) -> Option<crate::aicore::image::Image> {
    let source = block.get("source")?;
    if source.get("type").and_then(Value::as_str) != Some("base64") {
        return None;
    }
    crate::aicore::image::Image::from_base64(source.get("data")?.as_str()?)
}

fn push_message(out: &mut Vec<Message>, message: &Value) -> Result<(), ApiError> {
    let content = message.get("content");
    match message.get("role").and_then(Value::as_str) {
        Some("user") => {
            // Tool results answer the previous assistant turn's calls, so they come first.
            let blocks = content.and_then(Value::as_array);
            for block in blocks.into_iter().flatten() {
                if block.get("type").and_then(Value::as_str) == Some("tool_result") {
                    let id = block
                        .get("tool_use_id")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let mut text = blocks_text(block.get("content"));
                    if block.get("is_error").and_then(Value::as_bool) == Some(true) {
                        text = format!("Error: {text}");
                    }
                    out.push(Message::tool_result(id, text));
                }
            }
            let text = blocks_text(content);
            let images: Vec<_> = blocks
                .into_iter()
                .flatten()
                .filter(|block| block.get("type").and_then(Value::as_str) == Some("image"))
                .filter_map(image_of)
                .collect();
            if !text.is_empty() || blocks.is_none() || !images.is_empty() {
                let mut question = Message::new(Role::User, text);
                question.images = images;
                out.push(question);
            }
        }
        Some("assistant") => {
            let text = blocks_text(content);
            let calls: Vec<ToolCall> = content
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|block| block.get("type").and_then(Value::as_str) == Some("tool_use"))
                .map(|block| ToolCall {
                    id: block
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    name: block
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    arguments: block.get("input").cloned().unwrap_or(json!({})).to_string(),
                    thought_signature: None,
                })
                .collect();
            if !text.is_empty() || !calls.is_empty() {
                out.push(Message::assistant_tool_calls(text, calls));
            }
        }
        // Not in Anthropic's API, but Claude Code 2.1 sends some; they mean what they say.
        Some("system") => {
            let text = blocks_text(content);
            if !text.is_empty() {
                out.push(Message::new(Role::System, text));
            }
        }
        other => {
            return Err(ApiError::invalid(format!(
                "messages: role {} must be user or assistant",
                other.map_or_else(|| "(missing)".to_owned(), |r| format!("'{r}'"))
            )));
        }
    }
    Ok(())
}

/// Anthropic's stop reasons from the upstream (OpenAI-worded) finish reason.
pub fn stop_reason(upstream: Option<&str>, made_calls: bool) -> &'static str {
    match upstream {
        _ if made_calls => "tool_use",
        Some("length") => "max_tokens",
        Some("content_filter") => "refusal",
        _ => "end_turn",
    }
}

/// A whole `message`.
pub fn message(model: &str, answer: &Collected) -> Value {
    let mut content = Vec::new();
    if !answer.text.is_empty() {
        content.push(json!({"type": "text", "text": answer.text}));
    }
    for call in &answer.calls {
        content.push(json!({
            "type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments_value(),
        }));
    }
    let usage = answer.usage.unwrap_or_default();
    json!({
        "id": random_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(answer.finish_reason.as_deref(), !answer.calls.is_empty()),
        "stop_sequence": null,
        "usage": {"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens},
    })
}

/// `count_tokens`: about four characters a token over everything the model would read.
/// An estimate (no SAP AI Core API counts tokens); clients use it to decide when to compact.
pub fn estimate_tokens(body: &Value) -> u64 {
    let chars: usize = ["system", "messages", "tools"]
        .iter()
        .filter_map(|key| body.get(*key))
        .map(|value| match value {
            Value::String(text) => text.chars().count(),
            other => other.to_string().chars().count(),
        })
        .sum();
    (chars as u64).div_ceil(4).max(1)
}

/// `{"type": "error", "error": {type, message}}`.
pub fn error(err: &ApiError) -> Value {
    let kind = match err.kind {
        ErrorKind::InvalidRequest => "invalid_request_error",
        ErrorKind::Authentication => "authentication_error",
        ErrorKind::NotFound => "not_found_error",
        ErrorKind::RateLimited => "rate_limit_error",
        ErrorKind::Upstream => "api_error",
    };
    json!({"type": "error", "error": {"type": kind, "message": err.message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinking_becomes_the_nearest_reasoning_effort() {
        let effort = |thinking: Value| thinking_effort(Some(&thinking));
        assert_eq!(
            effort(json!({"type": "enabled", "budget_tokens": 31999})),
            Some(Effort::High)
        );
        assert_eq!(
            effort(json!({"type": "enabled", "budget_tokens": 8000})),
            Some(Effort::Medium)
        );
        assert_eq!(
            effort(json!({"type": "enabled", "budget_tokens": 1024})),
            Some(Effort::Low)
        );
        assert_eq!(effort(json!({"type": "disabled"})), None);
        assert_eq!(thinking_effort(None), None);
    }

    #[test]
    fn claude_code_shaped_request_translates() {
        let body = json!({
            "model": "claude-sonnet-4-5-20250929",
            "max_tokens": 32000,
            "stream": true,
            "thinking": {"type": "enabled", "budget_tokens": 31999},
            "context_management": {"edits": []},
            "metadata": {"user_id": "u"},
            "system": [
                {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "Be brief."}
            ],
            "tools": [
                {"name": "Bash", "description": "run", "input_schema": {"type": "object"}},
                {"type": "web_search_20250305", "name": "web_search"}
            ],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "<system-reminder>ctx</system-reminder>"},
                    {"type": "text", "text": "list files"}
                ]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "s"},
                    {"type": "text", "text": "Running ls."},
                    {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "a.txt"}]},
                    {"type": "text", "text": "thanks"}
                ]}
            ]
        });
        let parsed = parse(&body).unwrap();
        assert!(parsed.stream);
        let req = parsed.request;
        assert_eq!(req.max_tokens, Some(32000));
        assert_eq!(req.tools.len(), 1);
        assert_eq!(req.tools[0].name, "Bash");
        let m = &req.messages;
        assert_eq!(
            m[0],
            Message::new(Role::System, "You are Claude Code.\nBe brief.")
        );
        assert_eq!(
            m[1].content,
            "<system-reminder>ctx</system-reminder>\nlist files"
        );
        assert_eq!(m[2].content, "Running ls.");
        assert_eq!(m[2].tool_calls[0].id, "toolu_1");
        assert_eq!(m[2].tool_calls[0].arguments, r#"{"command":"ls"}"#);
        assert_eq!(m[3], Message::tool_result("toolu_1", "a.txt"));
        assert_eq!(m[4], Message::new(Role::User, "thanks"));
        assert_eq!(m.len(), 5);
    }

    /// A base64 image goes on as an image; one by URL is named in the text.
    #[test]
    fn base64_images_go_on_and_url_images_are_named() {
        let png = crate::aicore::image::Image::from_bytes(crate::aicore::image::samples::png(3, 2))
            .unwrap();
        let body = json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png.base64()}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
            {"type": "text", "text": "what is it?"}
        ]}]});
        let question = &parse(&body).unwrap().request.messages[0];
        assert_eq!(question.images, vec![png]);
        assert_eq!(
            question.content,
            "[an attachment was left out]\nwhat is it?"
        );
    }

    #[test]
    fn system_as_a_string_and_plain_content() {
        let body = json!({"model": "m", "max_tokens": 5, "system": "sys",
            "messages": [{"role": "user", "content": "hi"}]});
        let req = parse(&body).unwrap().request;
        assert_eq!(
            req.messages,
            vec![
                Message::new(Role::System, "sys"),
                Message::new(Role::User, "hi")
            ]
        );
        assert!(parse(&json!({"model": "m", "messages": [{"role": "tool"}]})).is_err());
    }

    #[test]
    fn stop_reasons_and_estimates() {
        assert_eq!(stop_reason(Some("stop"), false), "end_turn");
        assert_eq!(stop_reason(Some("stop"), true), "tool_use");
        assert_eq!(stop_reason(Some("length"), false), "max_tokens");
        let small = estimate_tokens(&json!({"messages": [{"role": "user", "content": "hi"}]}));
        let large = estimate_tokens(
            &json!({"system": "x".repeat(4000), "messages": [{"role": "user", "content": "hi"}]}),
        );
        assert!(small >= 1 && large >= small + 1000, "{small} {large}");
    }
}
