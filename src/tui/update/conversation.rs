//! The conversation as a whole: starting a new one (`Ctrl-N`, `/new`), rewriting its history
//! (compaction), and sapcode's own lines in the transcript.

use crate::agent::Conversation;
use crate::tui::event::Effect;
use crate::tui::session;
use crate::tui::state::{
    AppState, CodePane, ContextTrack, Entry, EntryEnd, Scroll, Speaker, TurnStats,
};

/// `Ctrl-N`, `/new`: a fresh conversation; the last one is already saved after its last turn.
pub(super) fn new_conversation(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() {
        state.notice = Some(format!(
            "an answer is still streaming: {} stops it first",
            super::stop_key(state)
        ));
        return Vec::new();
    }
    let chat = &mut state.chat;
    let was_saved = chat.session.take().is_some();
    chat.transcript.entries.clear();
    // Project rules belong to the workspace, not to one conversation.
    let rules = chat.conversation.project_rules().cloned();
    chat.conversation = Conversation::new(None);
    chat.conversation.set_project_rules(rules);
    chat.composer.attachments.clear();
    chat.composer.attaching = None;
    chat.files.clear();
    chat.context = ContextTrack::default();
    chat.compacting = None;
    chat.transcript.scroll = Scroll::Follow;
    chat.stats = TurnStats {
        last_target: chat.stats.last_target.take(),
        ..TurnStats::default()
    };
    state.code = CodePane::default();
    // A new conversation starts in the configured mode: `a` given in the last one ends.
    let mode = state.default_approval_mode;
    let effects = super::tools::set_mode(state, mode);
    state.notice = Some(if was_saved {
        "new conversation; the last one is saved under sessions/ in the data directory".to_owned()
    } else {
        "new conversation".to_owned()
    });
    effects
}

/// A line from sapcode itself in the transcript (a command's result, a warning). Placed
/// before an answer that is still streaming, which must stay the last entry.
pub(super) fn push_notice(state: &mut AppState, text: String) {
    let entries = &mut state.chat.transcript.entries;
    let at = match entries.last() {
        Some(last) if last.end == EntryEnd::Open => entries.len() - 1,
        _ => entries.len(),
    };
    entries.insert(at, Entry::new(Speaker::Notice, text, EntryEnd::Finished));
}

/// The conversation's history rewritten (compaction): the meter measures it afresh, and the
/// session records the new history.
pub(super) fn replace_messages(
    state: &mut AppState,
    messages: Vec<crate::aicore::Message>,
) -> Vec<Effect> {
    *state.chat.conversation.messages_mut() = messages;
    state.chat.context = ContextTrack::default();
    session::snapshot(state)
        .map(|record| Effect::SaveSession(Box::new(record)))
        .into_iter()
        .collect()
}
