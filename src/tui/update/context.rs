//! The context meter's two moments in `update`: after a turn (remember the usage its last
//! request reported, warn once from 80 %), and before a request (the session fits the
//! conversation into the context when it would not fit; the meter only says it waits).

use crate::agent::context::{ContextLevel, UsageMark};
use crate::tui::context_meter;
use crate::tui::state::AppState;

/// After a finished answer: the last request's usage covers every message so far (a turn's
/// summed usage would count the conversation once per tool round); from 80 % the transcript
/// says so, once per conversation.
pub(super) fn turn_finished(state: &mut AppState) {
    if let Some(usage) = state.chat.stats.last_request {
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

/// The model's context length, for the session to fit the conversation against.
pub(super) fn context_length(state: &AppState) -> Option<u64> {
    context_meter::context_length(state)
}

/// Whether the session will have to shorten or compact the conversation before sending it.
pub(super) fn will_fit_first(state: &AppState) -> bool {
    context_meter::measure(state).is_some_and(|measured| measured.level() == ContextLevel::Full)
}
