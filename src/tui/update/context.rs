//! The context meter's two moments in `update`: after a turn (remember the usage it reported,
//! warn once from 80 %), and before a request (ask the runner to make it fit when it would
//! not, with the same `agent::context::fit` as `run --continue`).

use crate::agent::context::{ContextLevel, UsageMark};
use crate::tui::context_meter;
use crate::tui::event::FitContext;
use crate::tui::state::AppState;

/// After a finished answer: the usage covers every message so far; from 80 % the transcript
/// says so, once per conversation.
pub(super) fn turn_finished(state: &mut AppState) {
    if let Some(usage) = state.chat.stats.last_usage {
        state.chat.context.mark = Some(UsageMark {
            usage,
            messages: state.chat.conversation.messages().len(),
        });
    }
    let Some(measured) = context_meter::measure(state) else {
        return;
    };
    if measured.level() == ContextLevel::Fine || state.chat.context.warned {
        return;
    }
    state.chat.context.warned = true;
    let (Some(percent), Some(limit)) = (measured.percent(), measured.limit) else {
        return;
    };
    super::conversation::push_notice(
        state,
        format!(
            "⚠ the context is {percent}% full ({} of {limit} tokens): /compact summarises older \
             turns; a question that would not fit is compacted first",
            measured.tokens
        ),
    );
}

/// The conversation to fit before the request, when it would not fit the model's window.
pub(super) fn fit_before_request(state: &AppState) -> Option<Box<FitContext>> {
    let measured = context_meter::measure(state)?;
    if measured.level() != ContextLevel::Full {
        return None;
    }
    Some(Box::new(FitContext {
        conversation: state.chat.conversation.clone(),
        context_length: measured.limit?,
    }))
}
