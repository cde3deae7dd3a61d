//! `!CMD`: a command the user typed runs in the workspace (no approval: the user typed it)
//! with `run_command`'s runner and limits. Its output streams into the transcript; once it
//! ends, the output is attached to the next question (shown above the input, `Ctrl-X`
//! removes it).

use super::chat;
use crate::agent::Attachment;
use crate::tui::event::Effect;
use crate::tui::keymap::{Action, Scope};
use crate::tui::state::{AppState, Entry, EntryEnd, Speaker, Turn};

/// Most output kept in the transcript entry; the model gets `run_command`'s capped result.
const MAX_SHOWN_BYTES: usize = 256 * 1024;

/// Enter on `!CMD` (`typed` is the whole input).
pub(super) fn start(state: &mut AppState, typed: &str, command: String) -> Vec<Effect> {
    state.chat.composer.input.set_text("");
    let mut effects = chat::save_input(state, typed);
    let turn = chat::begin_turn(state);
    state.chat.transcript.entries.push(Entry::new(
        Speaker::Shell(command.clone()),
        String::new(),
        EntryEnd::Open,
    ));
    effects.push(Effect::RunShell { turn, command });
    effects
}

/// Output as it comes, up to what the transcript keeps.
pub(super) fn output(entry: &mut Entry, text: &str) {
    let room = MAX_SHOWN_BYTES.saturating_sub(entry.text.len());
    if room == 0 {
        return;
    }
    let (kept, cut) = crate::agent::tools::cap(text, room);
    entry.text.push_str(kept);
    if cut {
        entry
            .text
            .push_str("\n[… more output not shown here; the model gets head and tail]");
    }
}

/// The command ended: its result (as `run_command` gives it to a model) waits for the next
/// question.
pub(super) fn finished(state: &mut AppState, content: String, summary: String) {
    let Turn::Streaming { started, .. } = state.chat.turn else {
        return;
    };
    state.chat.stats.last_elapsed = state.now.duration_since(started).ok();
    state.chat.turn = Turn::Idle;
    let Some(entry) = state.chat.transcript.entries.last_mut() else {
        return;
    };
    entry.end = EntryEnd::Finished;
    // How it ended goes under the output, where the eye is when it stops.
    if !entry.text.is_empty() && !entry.text.ends_with('\n') {
        entry.text.push('\n');
    }
    entry.text.push_str(&format!("└ {summary}"));
    let Speaker::Shell(command) = &entry.speaker else {
        return;
    };
    let path = format!("!{command}");
    let composer = &mut state.chat.composer;
    composer.attachments.retain(|a| a.path != path);
    composer.attachments.push(Attachment { path, content });
    state.notice = Some(format!(
        "the output goes with your next question; {} removes it",
        state.keys.label(Scope::Chat, Action::RemoveAttachment)
    ));
}
