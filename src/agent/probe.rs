//! `doctor`'s completion check: the smallest question that proves a deployment answers.

use futures_util::StreamExt;

use super::Conversation;
use crate::aicore::{ChatEvent, ChatTarget, Client, Error, Message};

/// Asks `target` to say OK; the text it answered.
pub async fn say_ok(client: &Client, target: &ChatTarget) -> Result<String, Error> {
    let mut conversation = Conversation::new(Some("Answer with one word."));
    conversation.push_user("Say OK.", &[]);
    // A reasoning model spends its cap on reasoning first: 16 tokens would leave it no
    // answer (`finish_reason: length`), so it gets no cap; the prompt keeps the answer short.
    let cap = (!crate::aicore::models::reasons_by_default(target.model())).then_some(16);
    collect_text(client.chat_stream(target.clone(), conversation.request(cap))).await
}

/// The answer text of `stream`, or its error.
async fn collect_text(mut stream: crate::aicore::ChatStream) -> Result<String, Error> {
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        match event {
            ChatEvent::Delta(delta) => text.push_str(&delta),
            ChatEvent::Error(err) => return Err(err),
            ChatEvent::Retrying { .. }
            | ChatEvent::ToolCall(_)
            | ChatEvent::Thinking(_)
            | ChatEvent::Usage(_)
            | ChatEvent::Done { .. } => {}
        }
    }
    Ok(text)
}

/// What doctor's template check sends back as a tool result: a placeholder, a statement and
/// a comment in the orchestration templating module's syntax. Rendered as a template it
/// would come back changed (the placeholder missing, the `if` and the comment gone).
pub const TEMPLATE_PROBE: &str = "{{?x}} {% if a %}b{% endif %} {# c #}";

/// The question of the check; the simulator answers it with the tool result as it came.
pub const ECHO_QUESTION: &str =
    "Repeat the tool result verbatim: character for character, nothing before or after it.";

/// doctor `--mode orchestration`: one tool round whose result is `TEMPLATE_PROBE`, the model
/// asked to repeat it; the answer's text. Orchestration carries tool results as placeholder
/// values, which must reach the model untouched (never rendered as a template again).
pub async fn echo_tool_result(client: &Client, target: &ChatTarget) -> Result<String, Error> {
    let mut conversation = Conversation::new(Some("Follow the user's instructions exactly."));
    conversation.push_user(ECHO_QUESTION, &[]);
    let call = crate::aicore::ToolCall {
        id: "call_probe_1".into(),
        name: "read_probe".into(),
        arguments: "{}".into(),
        thought_signature: None,
    };
    conversation.extend(vec![
        Message::assistant_tool_calls("", vec![call]),
        Message::tool_result("call_probe_1", TEMPLATE_PROBE),
    ]);
    let cap = (!crate::aicore::models::reasons_by_default(target.model())).then_some(64);
    let mut request = conversation.request(cap);
    request.tools = vec![crate::aicore::ToolSpec {
        name: "read_probe".into(),
        description: "Returns a fixed text for a connectivity check.".into(),
        parameters: serde_json::json!({ "type": "object", "properties": {} }),
    }];
    collect_text(client.chat_stream(target.clone(), request)).await
}
