//! Hidden reasoning: gpt-5, the o-series and Gemini 2.5+ reason before they answer, and the
//! reasoning counts against the token cap, so a small cap leaves no text (issue 18).

/// The hidden reasoning a simulated reasoning model spends before its answer.
const REASONING_TOKENS: u64 = 64;

/// gpt-5, the o-series and Gemini 2.5+ reason by default (as `aicore::models` knows them).
fn reasons_by_default(model: &str) -> bool {
    ["o1", "o3", "o4", "gpt-5", "gemini-2.5", "gemini-3"]
        .iter()
        .any(|prefix| model.starts_with(prefix))
}

/// The reasoning `model` spends and the cap left for its text.
pub(crate) fn spend(model: &str, max_tokens: Option<u64>) -> (u64, Option<u64>) {
    if !reasons_by_default(model) {
        return (0, max_tokens);
    }
    let reasoning = max_tokens.map_or(REASONING_TOKENS, |max| max.min(REASONING_TOKENS));
    (reasoning, max_tokens.map(|max| max - reasoning))
}
