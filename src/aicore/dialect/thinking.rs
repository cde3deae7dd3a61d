//! Which model families take a reasoning setting and how much room they need; each
//! dialect module puts it in its own field (`reasoning_effort`, Anthropic `thinking`,
//! Gemini `thinkingConfig`).

use serde_json::{Value, json};

use crate::aicore::{ChatRequest, Effort, Message, Role};

/// Room left for the answer beside the thinking budget when the caller set no cap: the
/// cap Anthropic and Gemini apply covers both, and it must exceed the budget.
const ANSWER_ROOM: u32 = 8_192;

/// Claude, under any executable's naming (`anthropic--claude-…`, `anthropic.claude-…`).
pub fn is_claude(model: &str) -> bool {
    model.to_ascii_lowercase().contains("claude")
}

/// Gemini 2.5 and later think and take a `thinkingConfig`; 1.x and 2.0 refuse it.
pub fn gemini_thinks(model: &str) -> bool {
    let m = model.to_ascii_lowercase();
    m.starts_with("gemini") && !m.starts_with("gemini-1") && !m.starts_with("gemini-2.0")
}

/// Anthropic's thinking for `req`, with the token cap raised above the budget. With thinking
/// on, the last assistant turn of an unfinished tool round must start with its signed
/// thinking, so: a dialect that cannot send thinking back (`replays` false) gets none when
/// tools are offered, and none is asked while the pending tool round lacks its thinking (a
/// round begun with reasoning off, or before thinking was kept).
pub fn anthropic(req: &ChatRequest, replays: bool) -> Option<(Value, u32)> {
    let effort = req.reasoning?;
    if (!replays && !req.tools.is_empty()) || unsigned_tool_round(&req.messages) {
        return None;
    }
    let budget = effort.budget_tokens();
    let thinking = json!({ "type": "enabled", "budget_tokens": budget });
    Some((thinking, capped_above(budget, req.max_tokens)))
}

/// Gemini's `thinkingConfig` and, when the caller capped the answer, the cap raised by the
/// budget (Gemini counts thoughts against `maxOutputTokens`).
pub fn gemini(effort: Effort, max_tokens: Option<u32>) -> (Value, Option<u32>) {
    let budget = effort.budget_tokens();
    let config = json!({ "thinkingBudget": budget });
    (config, max_tokens.map(|max| budget.saturating_add(max)))
}

/// Whether the conversation ends in tool results answering an assistant turn that came
/// without thinking.
fn unsigned_tool_round(messages: &[Message]) -> bool {
    let Some(last) = messages.iter().rposition(|m| m.role != Role::Tool) else {
        return false;
    };
    let pending = last + 1 < messages.len();
    let turn = &messages[last];
    pending
        && turn.role == Role::Assistant
        && !turn.tool_calls.is_empty()
        && turn.thinking.is_empty()
}

fn capped_above(budget: u32, max_tokens: Option<u32>) -> u32 {
    budget.saturating_add(max_tokens.unwrap_or(ANSWER_ROOM))
}
