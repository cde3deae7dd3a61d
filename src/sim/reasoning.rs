//! Hidden reasoning: gpt-5, the o-series and Gemini 2.5+ reason before they answer, and the
//! reasoning counts against the token cap, so a small cap leaves no text (issue 18). A
//! request that sets an effort (OpenAI `reasoning_effort`, a Gemini `thinkingBudget`, an
//! Anthropic `thinking` budget) gets more reasoning the more it asks, from the models that
//! take the setting (Claude thinks only when asked).

use serde_json::Value;

/// The hidden reasoning a simulated reasoning model spends before its answer by default.
const REASONING_TOKENS: u64 = 64;

/// gpt-5, the o-series and Gemini 2.5+ reason by default (as `aicore::models` knows them).
fn reasons_by_default(model: &str) -> bool {
    ["o1", "o3", "o4", "gpt-5", "gemini-2.5", "gemini-3"]
        .iter()
        .any(|prefix| model.starts_with(prefix))
}

/// Models that think when a request asks them to.
fn takes_an_effort(model: &str) -> bool {
    reasons_by_default(model) || model.starts_with("anthropic--claude")
}

/// The reasoning a request asked for, from an effort word (`low`, `medium`, `high`).
pub(crate) fn from_effort(effort: &Value) -> Option<u64> {
    match effort.as_str()? {
        "minimal" | "low" => Some(32),
        "medium" => Some(128),
        "high" => Some(384),
        _ => None,
    }
}

/// The reasoning a request asked for, from a thinking budget in tokens: a 64th of it
/// (sapcode's low, medium and high budgets give what the effort words give).
pub(crate) fn from_budget(budget: &Value) -> Option<u64> {
    budget.as_u64().map(|tokens| (tokens / 64).clamp(16, 384))
}

/// The reasoning `model` spends and the cap left for its text; `asked` is what the
/// request's reasoning setting asked for (`from_effort`, `from_budget`).
pub(crate) fn spend(
    model: &str,
    max_tokens: Option<u64>,
    asked: Option<u64>,
) -> (u64, Option<u64>) {
    let wanted = match asked {
        Some(asked) if takes_an_effort(model) => asked,
        _ if reasons_by_default(model) => REASONING_TOKENS,
        _ => return (0, max_tokens),
    };
    let reasoning = max_tokens.map_or(wanted, |max| max.min(wanted));
    (reasoning, max_tokens.map(|max| max - reasoning))
}
