//! The context meter: how many tokens the conversation's next request carries against the
//! chosen model's context length (from the catalog), measured by `agent::context` from the
//! last turn's reported usage plus an estimate for what came after.

use crate::agent::context::{self, ContextLevel, ContextUse};
use crate::tui::state::AppState;

/// The chosen model's context length, when the catalog gives one.
pub fn context_length(state: &AppState) -> Option<u64> {
    let chosen = state.models.chosen.as_deref()?;
    let models = state.models.list.data()?;
    models
        .iter()
        .find(|m| m.name == chosen)
        .and_then(|m| m.context_length)
}

/// The conversation measured against the model's window; `None` before the first question
/// or without a known length.
pub fn measure(state: &AppState) -> Option<ContextUse> {
    if state.chat.conversation.messages().is_empty() {
        return None;
    }
    let limit = context_length(state)?;
    Some(context::measure(
        &state.chat.conversation,
        state.chat.context.mark,
        Some(limit),
    ))
}

/// `ctx 12k/128k 9%`, with the level deciding the colour and a `⚠` from 80 %.
pub fn label(usage: &ContextUse) -> Option<(String, ContextLevel)> {
    let limit = usage.limit?;
    let percent = usage.percent()?;
    let level = usage.level();
    let mark = match level {
        ContextLevel::Fine => "",
        ContextLevel::Warning | ContextLevel::Full => "⚠ ",
    };
    Some((
        format!(
            "{mark}ctx {}/{} {percent}%",
            tokens(usage.tokens),
            tokens(limit)
        ),
        level,
    ))
}

/// 12_345 → `12k`, 1_048_576 → `1M`: the meter's short numbers.
fn tokens(n: u64) -> String {
    if n >= 1_000_000 {
        let tenths = n / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{}M", tenths / 10)
        } else {
            format!("{}.{}M", tenths / 10, tenths % 10)
        }
    } else if n >= 1_000 {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tokens: u64, limit: u64) -> (String, ContextLevel) {
        label(&ContextUse {
            tokens,
            limit: Some(limit),
        })
        .unwrap()
    }

    #[test]
    fn the_meter_says_tokens_limit_and_percent_and_warns_from_80_percent() {
        assert_eq!(
            at(12_345, 128_000),
            ("ctx 12k/128k 9%".into(), ContextLevel::Fine)
        );
        assert_eq!(at(102_399, 128_000).1, ContextLevel::Fine);
        assert_eq!(
            at(102_400, 128_000),
            ("⚠ ctx 102k/128k 80%".into(), ContextLevel::Warning)
        );
        // Less than an answer's room left: the next request would not fit.
        assert_eq!(at(125_000, 128_000).1, ContextLevel::Full);
        assert_eq!(at(900, 1_048_576).0, "ctx 900/1M 0%");
        assert_eq!(at(0, 1_500_000).0, "ctx 0/1.5M 0%");
        assert!(
            label(&ContextUse {
                tokens: 5,
                limit: None
            })
            .is_none()
        );
    }
}
