//! Questions sent while an answer streams: each waits in `composer.queued` (the message
//! box's title shows it) and goes when the turn before it ends well; a stopped or failed turn
//! gives them all back to the input.

use crate::tui::event::Effect;
use crate::tui::state::{AppState, EntryEnd};

/// Enter while an answer streams: a question waits for the turn to end; a command (`/…`,
/// `!…`) cannot wait and stays in the input.
pub(super) fn queue(state: &mut AppState, text: String) -> Vec<Effect> {
    if text.starts_with('/') || text.starts_with('!') {
        state.notice = Some(format!(
            "an answer is still streaming: {} stops it, then send the command",
            super::stop_key(state)
        ));
        return Vec::new();
    }
    let sent = state.chat.composer.pastes.expand(&text);
    if let Some(why) = super::draft::refusal(state, &sent) {
        state.notice = Some(why);
        return Vec::new();
    }
    state.chat.composer.input.set_text("");
    let effects = super::chat::save_input(state, &text);
    state.chat.composer.queued.push(text);
    state.notice = Some(format!(
        "queued: sent when this answer ends ({} stops the answer and brings it back)",
        super::stop_key(state)
    ));
    effects
}

/// The turn ended: the next queued question goes if it ended well; otherwise they all come
/// back to the input, so nothing typed is lost or sent after a failure unseen.
pub(super) fn finish(state: &mut AppState, end: EntryEnd) -> Vec<Effect> {
    let finished = end == EntryEnd::Finished;
    let mut effects = super::chat::finish_turn(state, end);
    let queued = &mut state.chat.composer.queued;
    if queued.is_empty() {
        return effects;
    }
    if finished {
        let next = queued.remove(0);
        effects.extend(super::chat::send_text(state, next));
    } else {
        let mut back = std::mem::take(queued);
        let draft = state.chat.composer.input.text();
        if !draft.trim().is_empty() {
            back.push(draft);
        }
        state.chat.composer.input.set_text(&back.join("\n\n"));
    }
    effects
}
