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
        state.notice = Some("an answer is still streaming: Esc stops it first".into());
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
    // Edits not yet decided stay for review: starting over must not lose them.
    let mut proposals = std::mem::take(&mut state.code.proposals);
    proposals.retain(|p| p.status.is_open());
    let waiting = proposals.len();
    state.code = CodePane {
        proposals,
        ..CodePane::default()
    };
    let mut notice = if was_saved {
        "new conversation; the last one is saved under sessions/ in the data directory".to_owned()
    } else {
        "new conversation".to_owned()
    };
    if waiting > 0 {
        let noun = if waiting == 1 {
            "edit still waits"
        } else {
            "edits still wait"
        };
        notice.push_str(&format!("; {waiting} proposed {noun} in the code view"));
    }
    state.notice = Some(notice);
    Vec::new()
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
