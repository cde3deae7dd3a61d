//! `!CMD`: a command the user typed runs in the workspace (no approval: the user typed it)
//! with `run_command`'s runner and limits. Its output streams into the transcript; once it
//! ends, the output is attached to the next question (shown above the input, `Ctrl-X`
//! removes it).

use super::chat;
use crate::agent::Attachment;
use crate::tui::event::Effect;
use crate::tui::keymap::{ChatAction, Scope};
use crate::tui::state::{AppState, Entry, EntryEnd, RenderCache, Speaker, Turn};

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

/// Output lines the transcript keeps (the tail), as for the model's own commands.
const MAX_SHOWN_LINES: usize = crate::tui::state::MAX_LIVE_LINES;
/// Bytes the transcript keeps (the tail), for output with few but long lines.
const MAX_SHOWN_BYTES: usize = 64 * 1024;

/// Output as it comes: the transcript keeps its last lines, where a command's verdict is
/// (`test result: FAILED`, the compiler's last error), and counts the lines cut above them.
/// The output attached to the next question is `run_command`'s (head and tail).
pub(super) fn output(entry: &mut Entry, text: &str) {
    entry.text.push_str(text);
    let newlines = entry.text.bytes().filter(|&b| b == b'\n').count();
    let mut cut_at = 0;
    if newlines > MAX_SHOWN_LINES {
        cut_at = entry
            .text
            .match_indices('\n')
            .nth(newlines - MAX_SHOWN_LINES - 1)
            .map_or(0, |(at, _)| at + 1);
    }
    if entry.text.len() - cut_at > MAX_SHOWN_BYTES {
        let mut from = entry.text.len() - MAX_SHOWN_BYTES;
        while !entry.text.is_char_boundary(from) {
            from += 1;
        }
        // Cut at a line start when one is near; otherwise mid-line (a line longer than
        // the whole budget), marked with `…`.
        cut_at = entry.text[from..]
            .find('\n')
            .map_or(from, |at| from + at + 1);
    }
    if cut_at == 0 {
        return;
    }
    let cut: String = entry.text.drain(..cut_at).collect();
    entry.hidden_lines += cut.bytes().filter(|&b| b == b'\n').count();
    if !cut.ends_with('\n') && !entry.text.starts_with('…') {
        entry.text.insert(0, '…');
    }
    // The cache is keyed on the text's length, which a cut can leave unchanged.
    entry.cache = RenderCache::default();
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
    composer
        .attachments
        .push(Attachment::from_text(&path, &content));
    state.notice = Some(format!(
        "the output goes with your next question; {} removes it",
        state.keys.label(Scope::Chat, ChatAction::RemoveAttachment)
    ));
}
