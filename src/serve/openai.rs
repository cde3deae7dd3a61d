//! OpenAI Chat Completions (`POST /v1/chat/completions`) to and from sapcode's own request
//! and event types: the request, the whole answer, the chunk stream and the error shape.
//! Read leniently: unknown fields are ignored, as OpenAI-compatible servers do.

use serde_json::{Value, json};

use super::stream::{Encoder, data, random_id};
use super::upstream::{ApiError, Collected, ErrorKind};
use crate::aicore::{ChatEvent, ChatRequest, Message, Role, ToolCall, ToolSpec, Usage};

/// What the handler needs besides the translated request.
#[derive(Debug)]
pub struct Parsed {
    pub model: String,
    pub stream: bool,
    pub include_usage: bool,
    pub request: ChatRequest,
}

pub fn parse(body: &Value) -> Result<Parsed, ApiError> {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::invalid("`model` is required"))?
        .to_owned();
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("`messages` must be an array"))?
        .iter()
        .map(message)
        .collect::<Result<Vec<_>, _>>()?;
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        // Only function tools have a meaning upstream; others are left out quietly.
        .filter_map(|tool| tool.get("function"))
        .filter_map(|function| {
            Some(ToolSpec {
                name: function.get("name")?.as_str()?.to_owned(),
                description: text_of(function.get("description")),
                parameters: function
                    .get("parameters")
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            })
        })
        .collect();
    let max_tokens = ["max_completion_tokens", "max_tokens"]
        .iter()
        .find_map(|key| body.get(*key).and_then(Value::as_u64))
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    Ok(Parsed {
        model,
        stream: body.get("stream").and_then(Value::as_bool) == Some(true),
        include_usage: body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            == Some(true),
        request: ChatRequest {
            messages,
            max_tokens,
            temperature: body
                .get("temperature")
                .and_then(Value::as_f64)
                .map(|t| t as f32),
            tools,
            // `minimal` and `none` ask for as little as there is.
            reasoning: match body.get("reasoning_effort").and_then(Value::as_str) {
                Some("minimal" | "none" | "low") => Some(crate::aicore::Effort::Low),
                Some("medium") => Some(crate::aicore::Effort::Medium),
                Some("high") => Some(crate::aicore::Effort::High),
                _ => None,
            },
        },
    })
}

/// A string, or the text parts of a content array joined by newlines.
fn text_of(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| match part {
                Value::String(text) => Some(text.as_str()),
                _ => part.get("text").and_then(Value::as_str),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The `data:` URL images of a content array's `image_url` parts.
fn images_of(content: Option<&Value>) -> Vec<crate::aicore::image::Image> {
    content
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|part| {
            let url = part.get("image_url")?;
            let url = url.get("url").and_then(Value::as_str).or(url.as_str())?;
            crate::aicore::image::Image::from_data_url(url)
        })
        .collect()
}

fn message(value: &Value) -> Result<Message, ApiError> {
    let role = match value.get("role").and_then(Value::as_str) {
        Some("system" | "developer") => Role::System,
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        Some("tool") => Role::Tool,
        other => {
            return Err(ApiError::invalid(format!(
                "message role {} is not one of system, developer, user, assistant, tool",
                other.map_or_else(|| "(missing)".to_owned(), |r| format!("'{r}'"))
            )));
        }
    };
    let content = text_of(value.get("content"));
    Ok(match role {
        Role::Tool => Message::tool_result(
            value
                .get("tool_call_id")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            content,
        ),
        Role::Assistant => {
            let calls: Vec<ToolCall> = value
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|call| serde_json::from_value(call.clone()).ok())
                .collect();
            Message::assistant_tool_calls(content, calls)
        }
        Role::System => Message::new(role, content),
        // Images travel on as the client sent them when they are inline (`data:` URLs);
        // sapcode fetches no URL.
        Role::User => {
            let mut message = Message::new(role, content);
            message.images = images_of(value.get("content"));
            message
        }
    })
}

fn usage_json(usage: Usage) -> Value {
    json!({
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    })
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A whole `chat.completion`.
pub fn completion(model: &str, answer: &Collected) -> Value {
    let mut message = json!({
        "role": "assistant",
        "content": if answer.text.is_empty() && !answer.calls.is_empty() {
            Value::Null
        } else {
            Value::from(answer.text.clone())
        },
    });
    if !answer.calls.is_empty() {
        message["tool_calls"] = json!(answer.calls);
    }
    let finish = finish_reason(answer.finish_reason.as_deref(), !answer.calls.is_empty());
    json!({
        "id": random_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now_secs(),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}],
        "usage": usage_json(answer.usage.unwrap_or_default()),
    })
}

/// Upstream finish reasons are OpenAI's words already; a tool call that ended with `stop`
/// (some services say so) is reported as `tool_calls`, which agents wait for.
fn finish_reason(upstream: Option<&str>, made_calls: bool) -> &str {
    match upstream {
        _ if made_calls => "tool_calls",
        Some(reason) if !reason.is_empty() => reason,
        _ => "stop",
    }
}

/// `{"error": {message, type, param, code}}`.
pub fn error(err: &ApiError) -> Value {
    let (kind, code) = match err.kind {
        ErrorKind::InvalidRequest => ("invalid_request_error", Value::Null),
        ErrorKind::Authentication => ("authentication_error", json!("invalid_api_key")),
        ErrorKind::NotFound => ("invalid_request_error", json!("model_not_found")),
        ErrorKind::RateLimited => ("rate_limit_error", json!("rate_limit_exceeded")),
        ErrorKind::Upstream => ("api_error", Value::Null),
    };
    json!({"error": {"message": err.message, "type": kind, "param": null, "code": code}})
}

/// `chat.completion.chunk` events, then `[DONE]`.
pub struct ChunkEncoder {
    id: String,
    model: String,
    created: u64,
    include_usage: bool,
    sent_role: bool,
    made_calls: bool,
    finished: bool,
    usage: Option<Usage>,
}

impl ChunkEncoder {
    pub fn new(model: &str, include_usage: bool) -> ChunkEncoder {
        ChunkEncoder {
            id: random_id("chatcmpl-"),
            model: model.to_owned(),
            created: now_secs(),
            include_usage,
            sent_role: false,
            made_calls: false,
            finished: false,
            usage: None,
        }
    }

    fn chunk(&mut self, mut delta: Value, finish: Option<&str>) -> String {
        if !self.sent_role {
            self.sent_role = true;
            delta["role"] = json!("assistant");
        }
        let mut chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}],
        });
        if self.include_usage {
            chunk["usage"] = Value::Null;
        }
        data(&chunk)
    }

    fn finish(&mut self, reason: Option<&str>) -> String {
        if self.finished {
            return String::new();
        }
        self.finished = true;
        let reason = finish_reason(reason, self.made_calls).to_owned();
        self.chunk(json!({}), Some(&reason))
    }
}

impl Encoder for ChunkEncoder {
    fn event(&mut self, event: ChatEvent) -> String {
        match event {
            ChatEvent::Delta(text) => self.chunk(json!({"content": text}), None),
            ChatEvent::ToolCall(call) => {
                self.made_calls = true;
                let mut function = json!({"arguments": call.arguments});
                if let Some(name) = call.name {
                    function["name"] = json!(name);
                }
                let mut entry = json!({"index": call.index, "function": function});
                if let Some(id) = call.id {
                    entry["id"] = json!(id);
                    entry["type"] = json!("function");
                }
                self.chunk(json!({"tool_calls": [entry]}), None)
            }
            ChatEvent::Usage(usage) => {
                self.usage = Some(usage);
                String::new()
            }
            ChatEvent::Done { finish_reason } => self.finish(finish_reason.as_deref()),
            ChatEvent::Retrying { .. } | ChatEvent::Thinking(_) => String::new(),
            ChatEvent::Error(err) => data(&error(&ApiError::from_client(&err))),
        }
    }

    fn end(&mut self) -> String {
        let mut out = self.finish(None);
        if self.include_usage {
            let usage = self.usage.unwrap_or_default();
            out.push_str(&data(&json!({
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": usage_json(usage),
            })));
        }
        out.push_str("data: [DONE]\n\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::ToolCallDelta;

    #[test]
    fn reasoning_effort_is_carried_and_unknown_words_are_not() {
        let effort = |word: &str| {
            let body = json!({"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}],
                              "reasoning_effort": word});
            parse(&body).unwrap().request.reasoning
        };
        assert_eq!(effort("high"), Some(crate::aicore::Effort::High));
        assert_eq!(effort("minimal"), Some(crate::aicore::Effort::Low));
        assert_eq!(effort("max"), None);
    }

    #[test]
    fn a_tool_round_translates_both_ways() {
        let body = json!({
            "model": "gpt-4o",
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_completion_tokens": 99,
            "tools": [
                {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
                {"type": "custom", "custom": {"name": "freeform"}}
            ],
            "messages": [
                {"role": "developer", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "weather?"}, {"type": "image_url", "image_url": {"url": "x"}}]},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
            ],
            "unknown_field": {"ignored": true}
        });
        let parsed = parse(&body).unwrap();
        assert!(parsed.stream && parsed.include_usage);
        let req = parsed.request;
        assert_eq!(req.max_tokens, Some(99));
        assert_eq!(req.tools.len(), 1);
        assert_eq!(req.messages[0], Message::new(Role::System, "be brief"));
        assert_eq!(req.messages[1].content, "weather?");
        // An image by URL is not fetched: nothing goes on.
        assert!(req.messages[1].images.is_empty());
        assert_eq!(req.messages[2].tool_calls[0].name, "get_weather");
        assert_eq!(req.messages[3], Message::tool_result("call_1", "sunny"));
    }

    #[test]
    fn a_data_url_image_goes_on_as_an_image() {
        let png = crate::aicore::image::Image::from_bytes(crate::aicore::image::samples::png(3, 2))
            .unwrap();
        let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is it?"},
            {"type": "image_url", "image_url": {"url": png.data_url(), "detail": "low"}}
        ]}]});
        let question = &parse(&body).unwrap().request.messages[0];
        assert_eq!(question.images, vec![png]);
        assert_eq!(question.content, "what is it?");
    }

    #[test]
    fn bad_requests_are_refused_in_words() {
        let err = parse(&json!({"messages": []})).unwrap_err();
        assert!(err.message.contains("model"), "{err:?}");
        let err = parse(&json!({"model": "m", "messages": [{"role": "wizard"}]})).unwrap_err();
        assert!(err.message.contains("wizard"), "{err:?}");
    }

    #[test]
    fn the_chunk_stream_carries_calls_finish_usage_and_done() {
        let mut enc = ChunkEncoder::new("gpt-4o", true);
        let mut out = enc.event(ChatEvent::ToolCall(ToolCallDelta {
            index: 0,
            id: Some("call_1".into()),
            name: Some("f".into()),
            arguments: "{\"a\"".into(),
            thought_signature: None,
        }));
        out += &enc.event(ChatEvent::Done {
            finish_reason: Some("stop".into()),
        });
        out += &enc.event(ChatEvent::Usage(Usage {
            prompt_tokens: 3,
            completion_tokens: 4,
            total_tokens: 7,
            ..Default::default()
        }));
        out += &enc.end();
        let chunks: Vec<Value> = out
            .split("\n\n")
            .filter_map(|frame| frame.strip_prefix("data: "))
            .filter(|payload| *payload != "[DONE]")
            .map(|payload| serde_json::from_str(payload).unwrap())
            .collect();
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        assert_eq!(
            chunks[0]["choices"][0]["delta"]["tool_calls"][0]["id"],
            "call_1"
        );
        assert_eq!(chunks[1]["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(chunks[2]["usage"]["total_tokens"], 7);
        assert!(out.ends_with("data: [DONE]\n\n"));
    }
}
