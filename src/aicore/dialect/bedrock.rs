//! Anthropic (and other) models on `aws-bedrock` through the Converse API (API reference §6.3):
//! the `/converse` and `/converse-stream` request body, and what one Converse stream event or
//! whole response means. SSE framing stays in `sse.rs`; the lenient JSON reading of stream
//! payloads lives in `lenient_json.rs`.

use serde_json::{Value, json};

use super::{ChunkParts, Dialect, EMPTY_RESULT, Foundation, Prepared, Wire, thinking};
use crate::aicore::chat::{ThinkingBlock, ThinkingDelta, ToolCallDelta, Usage};
use crate::aicore::{ChatRequest, Error, Result, Role, error_body};

pub struct Converse;

impl Wire for Converse {
    fn error_in(&self, payload: &Value) -> Option<String> {
        error_in(payload)
    }

    fn chunk_parts(&self, payload: &Value) -> ChunkParts {
        event_parts(payload)
    }

    fn completion_parts(&self, payload: &Value) -> ChunkParts {
        response_parts(payload)
    }

    /// Bedrock's stream payloads can arrive cut or with trailing bytes (`lenient_json`).
    fn is_lenient(&self) -> bool {
        true
    }

    fn accept(&self, stream: bool) -> Option<&'static str> {
        Some(accept(stream))
    }
}

/// Converse rather than `/invoke`: one body shape for every Bedrock model family (§6.3).
pub fn request(at: &Foundation) -> Prepared {
    let path = if at.stream {
        "converse-stream"
    } else {
        "converse"
    };
    let thinks = thinking::is_claude(at.model).then(|| thinking::anthropic(at.req, true));
    let mut body = converse_body(at.req, matches!(thinks, Some(Some(_))));
    if let Some(Some((thinking, max_tokens))) = thinks {
        add_thinking(&mut body, thinking, max_tokens);
    }
    Prepared {
        url: format!("{}/{path}", at.base),
        body,
        dialect: Dialect::BedrockConverse,
    }
}

/// Claude's thinking goes in `additionalModelRequestFields`; `maxTokens` must exceed the
/// budget, and thinking refuses any temperature but the default.
fn add_thinking(body: &mut Value, thinking: Value, max_tokens: u32) {
    body["additionalModelRequestFields"] = json!({ "thinking": thinking });
    body["inferenceConfig"]["maxTokens"] = json!(max_tokens);
    if let Some(config) = body["inferenceConfig"].as_object_mut() {
        config.remove("temperature");
    }
}

/// A text block, or none for blank text: Converse refuses empty and whitespace-only text
/// blocks (§12).
fn text_block(text: &str) -> Option<Value> {
    (!text.trim().is_empty()).then(|| json!({ "text": text }))
}

/// The Converse body: system messages go to `system`, the rest to `messages` with text
/// content blocks; consecutive turns of one role are merged because Converse wants user and
/// assistant to alternate. A message left without any block (blank text) is dropped. With
/// `thinking` on, an assistant turn starts with the thinking blocks it came with.
pub fn converse_body(req: &ChatRequest, thinking: bool) -> Value {
    let mut system = Vec::new();
    let mut messages: Vec<Value> = Vec::new();
    for message in &req.messages {
        let text = text_block(&message.content);
        let (role, blocks) = match message.role {
            Role::System => {
                system.extend(text);
                continue;
            }
            Role::User => {
                let mut blocks = Vec::from_iter(text);
                // Converse image blocks carry raw bytes, base64 in JSON (API reference §6.4).
                blocks.extend(message.images.iter().map(|image| {
                    json!({ "image": { "format": image.format.word(), "source": { "bytes": image.base64() } } })
                }));
                ("user", blocks)
            }
            Role::Assistant => {
                let replayed = message.thinking.iter().filter(|_| thinking);
                let mut blocks: Vec<Value> = replayed.map(thinking_block).collect();
                blocks.extend(text);
                blocks.extend(message.tool_calls.iter().map(|call| {
                    json!({ "toolUse": { "toolUseId": call.id, "name": call.name, "input": call.arguments_value() } })
                }));
                ("assistant", blocks)
            }
            // Tool results travel in a user turn; consecutive ones merge into one (Converse
            // wants every result of a turn's calls together).
            Role::Tool => (
                "user",
                vec![json!({ "toolResult": {
                    "toolUseId": message.tool_call_id.as_deref().unwrap_or(""),
                    "content": [text.unwrap_or_else(|| json!({ "text": EMPTY_RESULT }))],
                } })],
            ),
        };
        if blocks.is_empty() {
            continue;
        }
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(content) = last["content"].as_array_mut() {
                    content.extend(blocks);
                }
            }
            _ => messages.push(json!({ "role": role, "content": blocks })),
        }
    }
    let mut body = json!({ "messages": messages });
    if !system.is_empty() {
        body["system"] = Value::Array(system);
    }
    let mut config = serde_json::Map::new();
    if let Some(max) = req.max_tokens {
        config.insert("maxTokens".into(), json!(max));
    }
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if !config.is_empty() {
        body["inferenceConfig"] = Value::Object(config);
    }
    let tools = tool_specs(req);
    if !tools.is_empty() {
        body["toolConfig"] = json!({ "tools": tools });
    }
    body
}

/// A kept thinking block as Converse takes it back: `reasoningText` with its signature, or
/// the `redactedContent` as it came.
fn thinking_block(block: &ThinkingBlock) -> Value {
    match &block.redacted {
        Some(data) => json!({ "reasoningContent": { "redactedContent": data } }),
        None => json!({ "reasoningContent": { "reasoningText": {
            "text": block.text,
            "signature": block.signature.as_deref().unwrap_or_default(),
        } } }),
    }
}

/// Converse `reasoningContent` (a stream delta, or a whole response's block under
/// `reasoningText`) as a thinking fragment.
fn thinking_delta(index: u32, reasoning: &Value) -> ThinkingDelta {
    let whole = reasoning.get("reasoningText").unwrap_or(reasoning);
    ThinkingDelta {
        index,
        text: whole
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        signature: non_empty(whole.get("signature")),
        redacted: non_empty(reasoning.get("redactedContent")),
    }
}

/// The offered tools; when none are offered but the history holds tool calls (tools switched
/// off mid-conversation), one spec per tool name used, because Bedrock refuses `toolUse` and
/// `toolResult` blocks without a `toolConfig` (§12).
fn tool_specs(req: &ChatRequest) -> Vec<Value> {
    if !req.tools.is_empty() {
        return req
            .tools
            .iter()
            .map(|tool| {
                json!({ "toolSpec": {
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": { "json": tool.parameters },
                } })
            })
            .collect();
    }
    let mut used: Vec<&str> = req
        .messages
        .iter()
        .flat_map(|m| &m.tool_calls)
        .map(|call| call.name.as_str())
        .collect();
    used.sort_unstable();
    used.dedup();
    used.into_iter()
        .map(|name| {
            json!({ "toolSpec": {
                "name": name,
                "description": "Used earlier in this conversation; not available now.",
                "inputSchema": { "json": { "type": "object" } },
            } })
        })
        .collect()
}

/// The content type of AWS's binary event-stream framing, which sapcode does not decode.
const AWS_EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

/// The `Accept` header for `/converse(-stream)`. Bedrock through SAP AI Core picks its stream
/// framing by it (§12): SAP's Python SDK asks for AWS binary event-stream, Cline for nothing
/// and gets SSE. sapcode reads SSE, so it says so.
pub fn accept(stream: bool) -> &'static str {
    if stream {
        "text/event-stream"
    } else {
        "application/json"
    }
}

/// Binary event-stream framing, should a gateway send it although SSE was asked for, is
/// named as such rather than failing later as text that is "not valid UTF-8".
pub fn refuse_binary_event_stream(content_type: &str) -> Result<()> {
    if content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with(AWS_EVENT_STREAM)
    {
        return Err(Error::Decode {
            what: "chat request".into(),
            detail: format!(
                "the answer came as AWS binary event-stream ({AWS_EVENT_STREAM}), which sapcode \
                 does not read; it asked for text/event-stream (SSE)"
            ),
        });
    }
    Ok(())
}

/// Converse `stopReason` in the words the other dialects use (`stop`, `length`, ...).
pub fn finish_reason(stop_reason: &str) -> String {
    match stop_reason {
        "end_turn" | "stop_sequence" => "stop".into(),
        "max_tokens" => "length".into(),
        "tool_use" => "tool_calls".into(),
        "guardrail_intervened" | "content_filtered" => "content_filter".into(),
        other => other.into(),
    }
}

/// Converse `usage`. `inputTokens` counts only the prompt after the last cache hit or write,
/// so the cache counts are added back: `prompt_tokens` is the whole prompt in every dialect.
fn usage(v: &Value) -> Option<Usage> {
    let obj = v.as_object()?;
    let num = |k: &str| obj.get(k).and_then(Value::as_u64).unwrap_or(0);
    let (read, write) = (num("cacheReadInputTokens"), num("cacheWriteInputTokens"));
    let prompt = num("inputTokens") + read + write;
    let completion = num("outputTokens");
    Some(Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        // Whether `totalTokens` includes the cache counts is not documented; never report
        // less than the parts.
        total_tokens: num("totalTokens").max(prompt + completion),
        cache_read_tokens: read,
        cache_write_tokens: write,
        reasoning_tokens: None,
    })
}

fn block_index(event: &Value) -> u32 {
    event
        .get("contentBlockIndex")
        .and_then(Value::as_u64)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(0)
}

/// An exception event (`internalServerException`, `modelStreamErrorException`,
/// `throttlingException`, `validationException`, ...) or an `{"error": …}` wrapper.
pub fn error_in(payload: &Value) -> Option<String> {
    let obj = payload.as_object()?;
    if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
        return Some(
            error_body::json_message(err).unwrap_or_else(|| "error without a message".into()),
        );
    }
    obj.iter()
        .find(|(name, _)| name.ends_with("Exception"))
        .map(|(name, body)| error_body::json_message(body).unwrap_or_else(|| error_body::cap(name)))
}

/// One Converse stream event: an object whose one key names its type (`messageStart`,
/// `contentBlockStart`, `contentBlockDelta`, `contentBlockStop`, `messageStop`, `metadata`).
pub fn event_parts(payload: &Value) -> ChunkParts {
    let mut out = ChunkParts::default();
    let pick = |name: &str| payload.get(name).filter(|v| v.is_object());
    if let Some(delta_event) = pick("contentBlockDelta") {
        let delta = &delta_event["delta"];
        if let Some(text) = delta.get("text").and_then(Value::as_str) {
            out.text = text.to_string();
        }
        if let Some(reasoning) = delta.get("reasoningContent") {
            out.thinking
                .push(thinking_delta(block_index(delta_event), reasoning));
        }
        if let Some(input) = delta.get("toolUse").and_then(|t| t.get("input")) {
            out.tool_calls.push(ToolCallDelta {
                index: block_index(delta_event),
                id: None,
                name: None,
                arguments: input_text(input),
                thought_signature: None,
            });
        }
    }
    if let Some(start_event) = pick("contentBlockStart")
        && let Some(tool) = start_event.get("start").and_then(|s| s.get("toolUse"))
    {
        out.tool_calls.push(ToolCallDelta {
            index: block_index(start_event),
            id: non_empty(tool.get("toolUseId")),
            name: non_empty(tool.get("name")),
            arguments: String::new(),
            thought_signature: None,
        });
    }
    if let Some(stop) = pick("messageStop") {
        out.finish_reason = non_empty(stop.get("stopReason")).map(|r| finish_reason(&r));
    }
    if let Some(metadata) = pick("metadata") {
        out.usage = metadata.get("usage").and_then(usage);
    }
    out
}

/// A whole `/converse` response: `output.message.content[]`, `stopReason`, `usage`.
pub fn response_parts(body: &Value) -> ChunkParts {
    let mut out = ChunkParts::default();
    let blocks = body["output"]["message"]["content"].as_array();
    for (index, block) in blocks.into_iter().flatten().enumerate() {
        if let Some(text) = block.get("text").and_then(Value::as_str) {
            out.text.push_str(text);
        }
        if let Some(reasoning) = block.get("reasoningContent") {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            out.thinking.push(thinking_delta(index, reasoning));
        }
        if let Some(tool) = block.get("toolUse") {
            out.tool_calls.push(ToolCallDelta {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                id: non_empty(tool.get("toolUseId")),
                name: non_empty(tool.get("name")),
                arguments: tool.get("input").map(input_text).unwrap_or_default(),
                thought_signature: None,
            });
        }
    }
    out.finish_reason = non_empty(body.get("stopReason")).map(|r| finish_reason(&r));
    out.usage = body.get("usage").and_then(usage);
    out
}

/// Tool input arrives as a JSON text fragment when streamed, as an object when whole.
fn input_text(input: &Value) -> String {
    match input {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::Message;

    fn msg(role: Role, content: &str) -> Message {
        Message::new(role, content)
    }

    #[test]
    fn body_splits_system_and_merges_turns() {
        let req = ChatRequest {
            messages: vec![
                msg(Role::System, "be brief"),
                msg(Role::User, "a"),
                msg(Role::User, "b"),
                msg(Role::Assistant, "c"),
            ],
            max_tokens: Some(64),
            temperature: Some(0.5),
            tools: Vec::new(),
            reasoning: None,
        };
        assert_eq!(
            converse_body(&req, false),
            json!({
                "messages": [
                    {"role": "user", "content": [{"text": "a"}, {"text": "b"}]},
                    {"role": "assistant", "content": [{"text": "c"}]},
                ],
                "system": [{"text": "be brief"}],
                "inferenceConfig": {"maxTokens": 64, "temperature": 0.5},
            })
        );
        let bare = converse_body(
            &ChatRequest {
                messages: vec![msg(Role::User, "hi")],
                ..ChatRequest::default()
            },
            false,
        );
        assert_eq!(
            bare,
            json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
        );
    }

    #[test]
    fn blank_text_never_becomes_a_block() {
        use crate::aicore::ToolCall;
        let call = ToolCall {
            id: "t1".into(),
            name: "read_file".into(),
            arguments: r#"{"path":"a"}"#.into(),
            thought_signature: None,
        };
        let req = ChatRequest {
            messages: vec![
                msg(Role::System, " "),
                msg(Role::User, "a"),
                msg(Role::Assistant, ""),
                msg(Role::User, "b"),
                Message::assistant_tool_calls("\n", vec![call]),
                Message::tool_result("t1", ""),
            ],
            ..ChatRequest::default()
        };
        let body = converse_body(&req, false);
        assert_eq!(
            body["messages"],
            json!([
                {"role": "user", "content": [{"text": "a"}, {"text": "b"}]},
                {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "read_file", "input": {"path": "a"}}}]},
                {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "(no output)"}]}}]},
            ])
        );
        assert!(body.get("system").is_none(), "{body}");
    }

    #[test]
    fn tool_history_keeps_a_tool_config_after_tools_are_switched_off() {
        use crate::aicore::ToolCall;
        let call = |id: &str, name: &str| ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: "{}".into(),
            thought_signature: None,
        };
        let req = ChatRequest {
            messages: vec![
                msg(Role::User, "look around"),
                Message::assistant_tool_calls(
                    "",
                    vec![call("t1", "search"), call("t2", "list_files")],
                ),
                Message::tool_result("t1", "x"),
                Message::tool_result("t2", "y"),
                Message::assistant_tool_calls("", vec![call("t3", "search")]),
                Message::tool_result("t3", "z"),
                msg(Role::Assistant, "done"),
                msg(Role::User, "thanks"),
            ],
            ..ChatRequest::default()
        };
        let body = converse_body(&req, false);
        let names: Vec<&Value> = body["toolConfig"]["tools"]
            .as_array()
            .map(|tools| tools.iter().map(|t| &t["toolSpec"]["name"]).collect())
            .unwrap_or_default();
        assert_eq!(names, [&json!("list_files"), &json!("search")]);
        let plain = ChatRequest {
            messages: vec![msg(Role::User, "hi")],
            ..ChatRequest::default()
        };
        assert!(converse_body(&plain, false).get("toolConfig").is_none());
    }

    #[test]
    fn stream_events() {
        let delta = json!({"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}});
        assert_eq!(event_parts(&delta).text, "Hi");
        let stop = json!({"messageStop": {"stopReason": "max_tokens"}});
        assert_eq!(event_parts(&stop).finish_reason.as_deref(), Some("length"));
        let meta = json!({"metadata": {"usage": {"inputTokens": 3, "outputTokens": 4}, "metrics": {"latencyMs": 9}}});
        assert_eq!(
            event_parts(&meta).usage,
            Some(Usage {
                prompt_tokens: 3,
                completion_tokens: 4,
                total_tokens: 7,
                ..Usage::default()
            })
        );
        let start = json!({"messageStart": {"role": "assistant"}});
        assert_eq!(event_parts(&start), ChunkParts::default());
        let tool_start = json!({"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t1", "name": "add"}}, "contentBlockIndex": 1}});
        let calls = event_parts(&tool_start).tool_calls;
        assert_eq!((calls[0].index, calls[0].name.as_deref()), (1, Some("add")));
        let tool_delta = json!({"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"a\":"}}, "contentBlockIndex": 1}});
        assert_eq!(event_parts(&tool_delta).tool_calls[0].arguments, "{\"a\":");
        for payload in [delta, stop, meta, start, tool_start, tool_delta] {
            assert_eq!(error_in(&payload), None);
        }
    }

    #[test]
    fn exceptions_are_errors() {
        let e =
            json!({"modelStreamErrorException": {"message": "boom", "originalStatusCode": 500}});
        assert_eq!(error_in(&e).as_deref(), Some("boom"));
        let bare = json!({"throttlingException": {}});
        assert_eq!(error_in(&bare).as_deref(), Some("throttlingException"));
        let wrapped = json!({"error": {"message": "bad"}});
        assert_eq!(error_in(&wrapped).as_deref(), Some("bad"));
    }

    #[test]
    fn whole_response() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Hello"}, {"text": " there"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7},
            "metrics": {"latencyMs": 100},
        });
        let parts = response_parts(&body);
        assert_eq!(parts.text, "Hello there");
        assert_eq!(parts.finish_reason.as_deref(), Some("stop"));
        assert_eq!(parts.usage.map(|u| u.total_tokens), Some(7));
        assert_eq!(finish_reason("tool_use"), "tool_calls");
        assert_eq!(finish_reason("guardrail_intervened"), "content_filter");
    }

    #[test]
    fn tools_tool_use_and_tool_results() {
        use crate::aicore::{ToolCall, ToolSpec};
        let req = ChatRequest {
            messages: vec![
                msg(Role::User, "read a"),
                Message::assistant_tool_calls(
                    "",
                    vec![ToolCall {
                        id: "t1".into(),
                        name: "read_file".into(),
                        arguments: r#"{"path":"a"}"#.into(),
                        thought_signature: None,
                    }],
                ),
                Message::tool_result("t1", "text of a"),
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "Read a file".into(),
                parameters: json!({"type": "object"}),
            }],
            ..ChatRequest::default()
        };
        assert_eq!(
            converse_body(&req, false),
            json!({
                "messages": [
                    {"role": "user", "content": [{"text": "read a"}]},
                    {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "read_file", "input": {"path": "a"}}}]},
                    {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "text of a"}]}}]},
                ],
                "toolConfig": {"tools": [{"toolSpec": {"name": "read_file", "description": "Read a file",
                    "inputSchema": {"json": {"type": "object"}}}}]},
            })
        );
    }
}
