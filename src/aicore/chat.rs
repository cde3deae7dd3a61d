//! Chat request and the one event type both modes stream out.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    #[default]
    User,
    Assistant,
    /// The result of one tool call; `Message::tool_call_id` names the call.
    Tool,
}

/// One message. Plain turns are `{role, content}`; an assistant turn may carry the tool
/// calls it made, and a `tool` turn names the call it answers. Serializes in the
/// OpenAI/orchestration shape (the tool fields only when set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Images attached to a user message, after its text. Never serialized with the message:
    /// each dialect places them in its own content shape (`openai_content` and the dialects),
    /// and a session file keeps them by hash (`agent/session/signed.rs`).
    #[serde(skip)]
    pub images: Vec<super::image::Image>,
    /// An assistant turn's thinking (Anthropic), in order: sent back before the turn's tool
    /// calls, which Anthropic requires while thinking is on. Not part of the OpenAI shape
    /// (session files keep it beside the message, `agent::session::signed`).
    #[serde(skip)]
    pub thinking: Vec<ThinkingBlock>,
}

/// One block of a model's thinking, as the service signed it: the thinking text and its
/// `signature`, or, for thinking the provider's safety system redacted, the opaque
/// `redacted` data. Either goes back to the service exactly as it came.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThinkingBlock {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
}

/// A fragment of a thinking block; fragments join per `index` (text concatenates, the
/// signature or redacted data arrives once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThinkingDelta {
    pub index: u32,
    pub text: String,
    pub signature: Option<String>,
    pub redacted: Option<String>,
}

impl ThinkingBlock {
    /// Adds a fragment of this block.
    pub fn join(&mut self, delta: ThinkingDelta) {
        self.text.push_str(&delta.text);
        if delta.signature.is_some() {
            self.signature = delta.signature;
        }
        if delta.redacted.is_some() {
            self.redacted = delta.redacted;
        }
    }
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            ..Message::default()
        }
    }

    /// An assistant turn that asked for tools (content may be empty).
    pub fn assistant_tool_calls(content: impl Into<String>, calls: Vec<ToolCall>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
            tool_calls: calls,
            ..Message::default()
        }
    }

    /// The result of the call `id`.
    pub fn tool_result(id: impl Into<String>, content: impl Into<String>) -> Message {
        Message {
            role: Role::Tool,
            content: content.into(),
            tool_call_id: Some(id.into()),
            ..Message::default()
        }
    }

    /// The message in the OpenAI shape, its images as `image_url` content parts after the
    /// text (`[{type:"text"},{type:"image_url",image_url:{url:"data:…"}}]`, API reference
    /// §7.4 and the Azure spec's `chatCompletionRequestMessageContentPartImage`); orchestration
    /// takes the same parts.
    pub fn openai_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if !self.images.is_empty() {
            value["content"] = openai_content_parts(
                serde_json::Value::String(self.content.clone()),
                &self.images,
            );
        }
        value
    }
}

/// `text` (a string) then one `image_url` part per image.
pub fn openai_content_parts(
    text: serde_json::Value,
    images: &[super::image::Image],
) -> serde_json::Value {
    let mut parts = vec![serde_json::json!({ "type": "text", "text": text })];
    parts.extend(images.iter().map(|image| {
        serde_json::json!({ "type": "image_url", "image_url": { "url": image.data_url() } })
    }));
    serde_json::Value::Array(parts)
}

/// One complete tool call the model made; `arguments` is its JSON text as sent.
/// On the wire (OpenAI shape): `{id, type: "function", function: {name, arguments}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "WireToolCall", from = "WireToolCall")]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
    /// Gemini's `thoughtSignature` from the `functionCall` part, sent back with the call
    /// because Gemini 3 refuses the next request of the turn without it (§12). Not part of
    /// the OpenAI shape, so Azure and orchestration never see it.
    pub thought_signature: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WireToolCall {
    id: String,
    #[serde(rename = "type", default = "function_word")]
    kind: String,
    function: WireFunction,
}

#[derive(Serialize, Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: String,
}

fn function_word() -> String {
    "function".into()
}

impl From<ToolCall> for WireToolCall {
    fn from(call: ToolCall) -> WireToolCall {
        WireToolCall {
            id: call.id,
            kind: function_word(),
            function: WireFunction {
                name: call.name,
                arguments: call.arguments,
            },
        }
    }
}

impl From<WireToolCall> for ToolCall {
    fn from(wire: WireToolCall) -> ToolCall {
        ToolCall {
            id: wire.id,
            name: wire.function.name,
            arguments: wire.function.arguments,
            thought_signature: None,
        }
    }
}

impl ToolCall {
    /// The arguments as a JSON object; anything unparsable becomes `{}` so a wire body that
    /// wants an object (Bedrock `input`, Vertex `args`) stays valid.
    pub fn arguments_value(&self) -> serde_json::Value {
        match serde_json::from_str::<serde_json::Value>(&self.arguments) {
            Ok(value @ serde_json::Value::Object(_)) => value,
            _ => serde_json::json!({}),
        }
    }
}

/// A tool the model may call: name, what it does, and a JSON schema of its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

impl ToolSpec {
    /// The OpenAI/orchestration shape: `{type: "function", function: {name, description, parameters}}`.
    pub fn openai_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            }
        })
    }
}

/// One chat turn as the caller sees it; each mode turns it into its own wire body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    /// Tools offered to the model; empty sends no tool fields at all.
    pub tools: Vec<ToolSpec>,
    /// How hard a reasoning model should think; each dialect maps it to its own field
    /// (none: the model's default).
    pub reasoning: Option<Effort>,
}

/// Reasoning effort (`run --reasoning`, `[agent] reasoning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    /// The OpenAI word (`reasoning_effort`).
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }

    /// Tokens of thinking for the dialects that take a budget (Anthropic, Gemini);
    /// Anthropic's minimum is 1,024.
    pub fn budget_tokens(self) -> u32 {
        match self {
            Effort::Low => 2_048,
            Effort::Medium => 8_192,
            Effort::High => 24_576,
        }
    }

    /// `[agent] reasoning` of the config: `low`, `medium` or `high`.
    pub fn parse(word: &str) -> Option<Effort> {
        [Effort::Low, Effort::Medium, Effort::High]
            .into_iter()
            .find(|effort| effort.as_str() == word.trim().to_ascii_lowercase())
    }
}

/// Tokens of one request (or the sum of a turn's requests). `prompt_tokens` counts the whole
/// prompt, cached parts included, in every dialect (Bedrock reports the uncached rest alone;
/// its parser adds the cache counts back), so context tracking sees the real prompt size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    /// Prompt tokens read from the provider's prompt cache (part of `prompt_tokens`).
    #[serde(default)]
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the prompt cache (part of `prompt_tokens`; Anthropic only).
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Completion tokens the model spent reasoning (part of `completion_tokens`), where the
    /// dialect reports them apart: OpenAI's and orchestration's
    /// `completion_tokens_details.reasoning_tokens`, Gemini's `thoughtsTokenCount`. `None`
    /// where it does not (Bedrock Converse counts Claude's thinking as output alone).
    #[serde(default)]
    pub reasoning_tokens: Option<u64>,
}

/// Turns with tool rounds make several requests; what they cost is the sum.
impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.total_tokens += other.total_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
        self.reasoning_tokens = match (self.reasoning_tokens, other.reasoning_tokens) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
    }
}

/// A fragment of a tool call; `arguments` fragments concatenate per `index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCallDelta {
    pub index: u32,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
    /// Gemini's `thoughtSignature`, carried to the finished `ToolCall`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought_signature: Option<String>,
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
    /// Thinking the model showed before its answer (Anthropic on Bedrock), kept to be sent
    /// back, never shown as answer text.
    Thinking(ThinkingDelta),
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

#[cfg(test)]
mod tests {
    use super::Usage;

    #[test]
    fn usage_adds_field_by_field() {
        let mut total = Usage {
            prompt_tokens: 10,
            completion_tokens: 2,
            total_tokens: 12,
            cache_read_tokens: 1,
            cache_write_tokens: 8,
            reasoning_tokens: None,
        };
        total += Usage {
            prompt_tokens: 15,
            completion_tokens: 7,
            total_tokens: 22,
            cache_read_tokens: 8,
            cache_write_tokens: 0,
            reasoning_tokens: Some(5),
        };
        assert_eq!(
            total,
            Usage {
                prompt_tokens: 25,
                completion_tokens: 9,
                total_tokens: 34,
                cache_read_tokens: 9,
                cache_write_tokens: 8,
                reasoning_tokens: Some(5),
            }
        );
    }

    #[test]
    fn usage_saved_before_cache_counts_still_loads() {
        let old: Usage = serde_json::from_str(
            r#"{"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}"#,
        )
        .unwrap();
        assert_eq!((old.prompt_tokens, old.cache_read_tokens), (3, 0));
        assert_eq!(old.reasoning_tokens, None);
    }
}
