//! Prompt caching (contract "Cost"): where the wire has explicit cache breakpoints, mark the
//! parts of a request that the next request repeats, so the provider reads them from its cache
//! at a tenth of the input price instead of billing them again.
//!
//! Only Anthropic models take explicit breakpoints, at most four per request. Bedrock Converse
//! gets `{"cachePoint": {"type": "default"}}` after the tools, after the system prompt and at
//! the end of the last two user turns (API reference §6.3; the last two so the point the
//! previous request wrote is read back while this one writes the next). Orchestration v2 gets
//! `cache_control: {"type": "ephemeral"}` (its spec's `CacheControl`, "only applicable to
//! Anthropic Claude models") on the last tool, the last system message and the last two
//! history messages with text (`TextContent` items, which system, user, assistant and tool
//! messages all take); the template (`{{?input}}`, tool results) stays plain strings. Orchestration v1's
//! schema has no such field, and OpenAI and Gemini cache prompt prefixes on their own.

use serde_json::{Value, json};

use super::{Dialect, Prepared};

/// Whether `model` takes explicit cache breakpoints: Anthropic models from Claude 3.5 on.
/// Bedrock refuses `cachePoint` for models without prompt caching, and the Claude 3 models
/// (`claude-3-haiku`, `claude-3-opus`, `claude-3-sonnet`) have none there.
pub fn takes_cache_points(model: &str) -> bool {
    let Some(name) = model
        .to_ascii_lowercase()
        .strip_prefix("anthropic--")
        .map(str::to_owned)
    else {
        return false;
    };
    !["claude-3-haiku", "claude-3-opus", "claude-3-sonnet"]
        .iter()
        .any(|old| name.starts_with(old))
}

/// Adds the cache breakpoints `prepared`'s dialect has for `model`; others are left alone.
pub fn add_cache_points(prepared: &mut Prepared, model: &str) {
    if !takes_cache_points(model) {
        return;
    }
    match prepared.dialect {
        Dialect::BedrockConverse => mark_converse(&mut prepared.body),
        Dialect::OrchestrationV2 => mark_orchestration(&mut prepared.body),
        Dialect::OpenAi | Dialect::OrchestrationV1 | Dialect::VertexGemini => {}
    }
}

fn cache_point() -> Value {
    json!({ "cachePoint": { "type": "default" } })
}

fn ephemeral() -> Value {
    json!({ "type": "ephemeral" })
}

fn push_to(list: Option<&mut Value>) {
    if let Some(list) = list.and_then(Value::as_array_mut).filter(|l| !l.is_empty()) {
        list.push(cache_point());
    }
}

/// Converse: after the tools, after the system prompt, at the end of the last two user turns.
fn mark_converse(body: &mut Value) {
    push_to(body.pointer_mut("/toolConfig/tools"));
    push_to(body.get_mut("system"));
    if let Some(messages) = body.get_mut("messages").and_then(Value::as_array_mut) {
        for message in messages
            .iter_mut()
            .rev()
            .filter(|m| m["role"] == "user")
            .take(2)
        {
            push_to(message.get_mut("content"));
        }
    }
}

/// A string content as one text item carrying `cache_control`; blank text is left alone,
/// since Anthropic refuses a breakpoint on an empty block.
fn mark_content(message: &mut Value) {
    if has_text(message) {
        let text = message["content"].take();
        message["content"] =
            json!([{ "type": "text", "text": text, "cache_control": ephemeral() }]);
    }
}

/// Orchestration v2: the last tool, the last system message, the last two messages of the
/// history that have text (four breakpoints at most).
fn mark_orchestration(body: &mut Value) {
    let tools = body.pointer_mut("/config/modules/prompt_templating/prompt/tools");
    if let Some(last) = tools
        .and_then(Value::as_array_mut)
        .and_then(|t| t.last_mut())
    {
        last["cache_control"] = ephemeral();
    }
    let Some(history) = body
        .get_mut("messages_history")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    if let Some(system) = history.iter_mut().rev().find(|m| m["role"] == "system") {
        mark_content(system);
    }
    // The last two messages with text, as on Bedrock: the point the previous request wrote
    // is read back while this one writes the next.
    for message in history.iter_mut().rev().filter(|m| has_text(m)).take(2) {
        mark_content(message);
    }
}

fn has_text(message: &Value) -> bool {
    message["content"]
        .as_str()
        .is_some_and(|text| !text.trim().is_empty())
}

#[cfg(test)]
mod tests;
