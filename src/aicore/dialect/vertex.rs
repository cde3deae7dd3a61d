//! Gemini models on `gcp-vertexai` (API reference §6.3): the `:generateContent` /
//! `:streamGenerateContent` request body, and what one `GenerateContentResponse` (a stream
//! chunk or the whole answer, same shape) means. SSE framing stays in `sse.rs`.

use serde_json::{Value, json};

use super::{ChunkParts, Dialect, Foundation, Prepared, Wire, thinking};
use crate::aicore::chat::{ToolCall, ToolCallDelta, Usage};
use crate::aicore::{ChatRequest, Role, error_body};

pub struct Gemini;

impl Wire for Gemini {
    fn error_in(&self, payload: &Value) -> Option<String> {
        error_in(payload)
    }

    fn chunk_parts(&self, payload: &Value) -> ChunkParts {
        response_parts(payload)
    }

    fn completion_parts(&self, payload: &Value) -> ChunkParts {
        response_parts(payload)
    }

    /// Every chunk carries the usage so far; only the last counts.
    fn has_running_usage(&self) -> bool {
        true
    }
}

pub fn request(at: &Foundation) -> Prepared {
    let mut body = generate_body(at.req);
    if let Some(effort) = at
        .req
        .reasoning
        .filter(|_| thinking::gemini_thinks(at.model))
    {
        let (config, max_tokens) = thinking::gemini(effort, at.req.max_tokens);
        body["generationConfig"]["thinkingConfig"] = config;
        if let Some(max) = max_tokens {
            body["generationConfig"]["maxOutputTokens"] = json!(max);
        }
    }
    Prepared {
        url: format!("{}{}", at.base, path(at.model, at.stream)),
        body,
        dialect: Dialect::VertexGemini,
    }
}

/// The path after the deployment URL; `alt=sse` asks for `data:` lines instead of one
/// JSON array delivered piecemeal (Google's default for streaming).
pub fn path(model: &str, stream: bool) -> String {
    if stream {
        format!("/models/{model}:streamGenerateContent?alt=sse")
    } else {
        format!("/models/{model}:generateContent")
    }
}

/// `contents` with roles `user`/`model`, system messages in `systemInstruction`,
/// consecutive turns of one role merged into one content with several parts.
pub fn generate_body(req: &ChatRequest) -> Value {
    let mut system = Vec::new();
    let mut contents: Vec<Value> = Vec::new();
    for message in &req.messages {
        let text = json!({ "text": message.content });
        let (role, parts) = match message.role {
            Role::System => {
                system.push(text);
                continue;
            }
            Role::User => {
                let mut parts = vec![text];
                parts.extend(message.images.iter().map(|image| {
                    json!({ "inlineData": { "mimeType": image.format.mime(), "data": image.base64() } })
                }));
                ("user", parts)
            }
            Role::Assistant if message.tool_calls.is_empty() => ("model", vec![text]),
            Role::Assistant => {
                let mut parts = Vec::new();
                if !message.content.is_empty() {
                    parts.push(text);
                }
                parts.extend(message.tool_calls.iter().map(call_part));
                ("model", parts)
            }
            // Gemini matches a response to its call by function name, not id.
            Role::Tool => (
                "user",
                vec![json!({ "functionResponse": {
                    "name": tool_name(&req.messages, message.tool_call_id.as_deref()),
                    "response": { "content": message.content },
                } })],
            ),
        };
        match contents.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(list) = last["parts"].as_array_mut() {
                    list.extend(parts);
                }
            }
            _ => contents.push(json!({ "role": role, "parts": parts })),
        }
    }
    let mut body = json!({ "contents": contents });
    if !system.is_empty() {
        body["systemInstruction"] = json!({ "parts": system });
    }
    let mut config = serde_json::Map::new();
    if let Some(max) = req.max_tokens {
        config.insert("maxOutputTokens".into(), json!(max));
    }
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if !config.is_empty() {
        body["generationConfig"] = Value::Object(config);
    }
    if !req.tools.is_empty() {
        let declarations: Vec<Value> = req
            .tools
            .iter()
            .map(|tool| {
                json!({ "name": tool.name, "description": tool.description, "parameters": tool.parameters })
            })
            .collect();
        body["tools"] = json!([{ "functionDeclarations": declarations }]);
    }
    body
}

/// A `functionCall` part, with the `thoughtSignature` it came with: Gemini 3 refuses a
/// follow-up whose calls lost their signatures (§12).
fn call_part(call: &ToolCall) -> Value {
    let mut part = json!({ "functionCall": { "name": call.name, "args": call.arguments_value() } });
    if let Some(signature) = &call.thought_signature {
        part["thoughtSignature"] = json!(signature);
    }
    part
}

/// The function name of the call `id` answers, from the assistant turn that made it.
fn tool_name(messages: &[crate::aicore::Message], id: Option<&str>) -> String {
    messages
        .iter()
        .flat_map(|m| &m.tool_calls)
        .find(|call| Some(call.id.as_str()) == id)
        .map(|call| call.name.clone())
        .unwrap_or_default()
}

/// Gemini's `finishReason` in the words the other dialects use.
pub fn finish_reason(reason: &str) -> Option<String> {
    Some(match reason {
        "" | "FINISH_REASON_UNSPECIFIED" => return None,
        "STOP" => "stop".into(),
        "MAX_TOKENS" => "length".into(),
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" => {
            "content_filter".into()
        }
        other => other.to_ascii_lowercase(),
    })
}

/// `{"error": {code, message, status}}`, the Google API error shape.
pub fn error_in(payload: &Value) -> Option<String> {
    let err = payload.get("error").filter(|e| !e.is_null())?;
    Some(error_body::json_message(err).unwrap_or_else(|| "error without a message".into()))
}

fn usage(v: &Value) -> Option<Usage> {
    let obj = v.as_object()?;
    let num = |k: &str| obj.get(k).and_then(Value::as_u64).unwrap_or(0);
    // Gemini 2.5+ count their reasoning apart (`thoughtsTokenCount`); it is billed as output,
    // so it belongs to the completion tokens.
    let (prompt, completion) = (
        num("promptTokenCount"),
        num("candidatesTokenCount") + num("thoughtsTokenCount"),
    );
    Some(Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: obj
            .get("totalTokenCount")
            .and_then(Value::as_u64)
            .unwrap_or(prompt + completion),
        // Gemini's implicit cache: part of `promptTokenCount`.
        cache_read_tokens: num("cachedContentTokenCount"),
        cache_write_tokens: 0,
        reasoning_tokens: obj.get("thoughtsTokenCount").and_then(Value::as_u64),
    })
}

/// Text, function calls, finish reason and usage of the first candidate. A function call
/// arrives whole (`args` object), so it becomes one complete tool-call delta.
pub fn response_parts(payload: &Value) -> ChunkParts {
    let mut out = ChunkParts::default();
    let candidate = payload
        .get("candidates")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter().find(|c| {
                c.get("index")
                    .and_then(Value::as_u64)
                    .is_none_or(|i| i == 0)
            })
        });
    if let Some(candidate) = candidate {
        let parts = candidate["content"]["parts"].as_array();
        for part in parts.into_iter().flatten() {
            // Thought summaries (`thought: true`) are not part of the answer.
            if part.get("thought").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if let Some(text) = part.get("text").and_then(Value::as_str) {
                out.text.push_str(text);
            }
            if let Some(call) = part.get("functionCall") {
                out.tool_calls.push(ToolCallDelta {
                    index: u32::try_from(out.tool_calls.len()).unwrap_or(u32::MAX),
                    id: None,
                    name: call.get("name").and_then(Value::as_str).map(str::to_string),
                    arguments: call.get("args").map(Value::to_string).unwrap_or_default(),
                    thought_signature: part
                        .get("thoughtSignature")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                });
            }
        }
        out.finish_reason = candidate
            .get("finishReason")
            .and_then(Value::as_str)
            .and_then(finish_reason);
    }
    out.usage = payload.get("usageMetadata").and_then(usage);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::Message;

    #[test]
    fn body_and_path() {
        let req = ChatRequest {
            messages: vec![
                Message::new(Role::System, "be brief"),
                Message::new(Role::User, "hi"),
                Message::new(Role::Assistant, "hello"),
                Message::new(Role::User, "more"),
            ],
            max_tokens: Some(10),
            temperature: Some(0.25),
            tools: Vec::new(),
            reasoning: None,
        };
        assert_eq!(
            generate_body(&req),
            json!({
                "contents": [
                    {"role": "user", "parts": [{"text": "hi"}]},
                    {"role": "model", "parts": [{"text": "hello"}]},
                    {"role": "user", "parts": [{"text": "more"}]},
                ],
                "systemInstruction": {"parts": [{"text": "be brief"}]},
                "generationConfig": {"maxOutputTokens": 10, "temperature": 0.25},
            })
        );
        assert_eq!(
            path("gemini-2.5-pro", true),
            "/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        assert_eq!(
            path("gemini-2.5-pro", false),
            "/models/gemini-2.5-pro:generateContent"
        );
    }

    #[test]
    fn chunks() {
        let text = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}, {"text": "lo"}]}}],
            "usageMetadata": {"promptTokenCount": 4}});
        let parts = response_parts(&text);
        assert_eq!(parts.text, "Hello");
        assert_eq!(parts.finish_reason, None);
        let last = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "!"}]}, "finishReason": "MAX_TOKENS"}],
            "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 6, "totalTokenCount": 12}});
        let parts = response_parts(&last);
        assert_eq!(parts.finish_reason.as_deref(), Some("length"));
        assert_eq!(
            parts.usage,
            Some(Usage {
                prompt_tokens: 4,
                completion_tokens: 6,
                total_tokens: 12,
                ..Usage::default()
            })
        );
        let call = json!({"candidates": [{"content": {"parts": [{"functionCall": {"name": "add", "args": {"a": 1}}}]}, "finishReason": "STOP"}]});
        let calls = response_parts(&call).tool_calls;
        assert_eq!(calls[0].name.as_deref(), Some("add"));
        assert_eq!(calls[0].arguments, r#"{"a":1}"#);
        let thought = json!({"candidates": [{"content": {"parts": [{"text": "hmm", "thought": true}, {"text": "ok"}]}}]});
        assert_eq!(response_parts(&thought).text, "ok");
        assert_eq!(finish_reason("SAFETY").as_deref(), Some("content_filter"));
        assert_eq!(finish_reason("FINISH_REASON_UNSPECIFIED"), None);
        let err = json!({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}});
        assert_eq!(error_in(&err).as_deref(), Some("Quota exceeded"));
        assert_eq!(error_in(&last), None);
    }

    #[test]
    fn thought_signatures_travel_with_the_call_and_come_back() {
        use crate::aicore::ToolCall;
        let chunk = json!({"candidates": [{"content": {"role": "model", "parts": [
            {"functionCall": {"name": "read_file", "args": {"path": "a"}}, "thoughtSignature": "c2lnLTE="},
            {"functionCall": {"name": "read_file", "args": {"path": "b"}}}
        ]}}]});
        let parts = response_parts(&chunk);
        let signatures: Vec<Option<&str>> = parts
            .tool_calls
            .iter()
            .map(|call| call.thought_signature.as_deref())
            .collect();
        assert_eq!(signatures, [Some("c2lnLTE="), None]);

        let calls = vec![
            ToolCall {
                id: "call_1".into(),
                name: "read_file".into(),
                arguments: r#"{"path":"a"}"#.into(),
                thought_signature: Some("c2lnLTE=".into()),
            },
            ToolCall {
                id: "call_2".into(),
                name: "read_file".into(),
                arguments: r#"{"path":"b"}"#.into(),
                thought_signature: None,
            },
        ];
        let req = ChatRequest {
            messages: vec![
                Message::new(Role::User, "read a and b"),
                Message::assistant_tool_calls("", calls),
            ],
            ..ChatRequest::default()
        };
        assert_eq!(
            generate_body(&req)["contents"][1]["parts"],
            json!([
                {"functionCall": {"name": "read_file", "args": {"path": "a"}}, "thoughtSignature": "c2lnLTE="},
                {"functionCall": {"name": "read_file", "args": {"path": "b"}}}
            ])
        );
    }

    #[test]
    fn tools_function_calls_and_responses() {
        use crate::aicore::{ToolCall, ToolSpec};
        let req = ChatRequest {
            messages: vec![
                Message::new(Role::User, "read a"),
                Message::assistant_tool_calls(
                    "",
                    vec![ToolCall {
                        id: "call_0".into(),
                        name: "read_file".into(),
                        arguments: r#"{"path":"a"}"#.into(),
                        thought_signature: None,
                    }],
                ),
                Message::tool_result("call_0", "text of a"),
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "Read a file".into(),
                parameters: json!({"type": "object"}),
            }],
            ..ChatRequest::default()
        };
        assert_eq!(
            generate_body(&req),
            json!({
                "contents": [
                    {"role": "user", "parts": [{"text": "read a"}]},
                    {"role": "model", "parts": [{"functionCall": {"name": "read_file", "args": {"path": "a"}}}]},
                    {"role": "user", "parts": [{"functionResponse": {"name": "read_file", "response": {"content": "text of a"}}}]},
                ],
                "tools": [{"functionDeclarations": [{"name": "read_file", "description": "Read a file", "parameters": {"type": "object"}}]}],
            })
        );
    }

    #[test]
    fn thoughts_count_as_completion_tokens() {
        let chunk = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "OK"}]},
            "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2,
                "thoughtsTokenCount": 120, "totalTokenCount": 132}});
        let usage = response_parts(&chunk).usage.unwrap();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total_tokens
            ),
            (10, 122, 132)
        );
        assert_eq!(usage.reasoning_tokens, Some(120));
    }
}
