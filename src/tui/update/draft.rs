//! The draft's long input: a long paste goes in as one chip (`tui::paste`), Ctrl-T expands a
//! chip into its text, Ctrl-G hands the draft to `$VISUAL`/`$EDITOR` and takes the result
//! back, and the size guard refuses a question the model's context cannot hold.

use crate::tui::event::Effect;
use crate::tui::keymap::{ChatAction, Scope};
use crate::tui::paste::{self, Pasted};
use crate::tui::size_guard;
use std::time::Duration;

use crate::tui::state::{AppState, PasteRun};

/// Pastes this close together, the cursor still where the last one left it, are one paste
/// arriving in pieces (a terminal without bracketed paste types it over several batches).
const PASTE_GAP: Duration = Duration::from_millis(200);

/// Whether a paste is still arriving: the next paste or typed burst is more of it.
pub(super) fn paste_continues(state: &AppState) -> bool {
    let composer = &state.chat.composer;
    composer.paste_run.as_ref().is_some_and(|run| {
        run.cursor == composer.input.cursor()
            && state
                .now
                .duration_since(run.last)
                .is_ok_and(|gap| gap <= PASTE_GAP)
    })
}

/// A paste into the message box: short text goes in as it is, a long one as one chip, one
/// over the limit not at all (the status line says its size and the limit).
pub(super) fn paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    state.chat.composer.paste_run = None;
    match insert(state, text) {
        Some(_) => super::completion::follow_typing(state),
        None => Vec::new(),
    }
}

/// A paste typed as keys: a piece that follows the last one closely is more of it.
pub(super) fn typed_paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    let continues = paste_continues(state);
    let run = state.chat.composer.paste_run.take();
    if let Some(run) = run.filter(|_| continues) {
        return more_of(state, run, text);
    }
    let Some(run) = insert(state, text) else {
        return Vec::new();
    };
    state.chat.composer.paste_run = Some(run);
    super::completion::follow_typing(state)
}

/// Puts a paste in at the cursor; `None` when it was refused.
fn insert(state: &mut AppState, text: &str) -> Option<PasteRun> {
    let composer = &mut state.chat.composer;
    let mut run = PasteRun {
        text: String::new(),
        chip: None,
        cursor: (0, 0),
        last: state.now,
    };
    match composer.pastes.take(text) {
        Pasted::Text(text) => {
            composer.input.insert_str(&text);
            run.text = text;
        }
        Pasted::Chip(marker) => {
            composer.input.insert_str(&marker.to_string());
            run.chip = Some(marker);
            chip_notice(state);
        }
        Pasted::Refused(why) => {
            state.notice = Some(why);
            return None;
        }
    }
    run.cursor = state.chat.composer.input.cursor();
    Some(run)
}

/// More of the paste `run`: its chip grows, or its text becomes a chip once long enough.
fn more_of(state: &mut AppState, mut run: PasteRun, text: &str) -> Vec<Effect> {
    let composer = &mut state.chat.composer;
    let more = paste::normalised(text);
    let grown = match run.chip {
        Some(marker) => composer.pastes.append(marker, &more),
        None => {
            let so_far = run.text.chars().count();
            run.text.push_str(&more);
            match composer.pastes.take(&run.text) {
                Pasted::Text(_) => {
                    composer.input.insert_str(&more);
                    Ok(())
                }
                Pasted::Chip(marker) => {
                    composer
                        .input
                        .replace_before_cursor(so_far, &marker.to_string());
                    run.text.clear();
                    run.chip = Some(marker);
                    chip_notice(state);
                    Ok(())
                }
                Pasted::Refused(why) => Err(why),
            }
        }
    };
    let composer = &mut state.chat.composer;
    match grown {
        Ok(()) => {
            run.cursor = composer.input.cursor();
            run.last = state.now;
            composer.paste_run = Some(run);
        }
        Err(why) => state.notice = Some(why),
    }
    Vec::new()
}

fn chip_notice(state: &mut AppState) {
    let expand = state.keys.label(Scope::Chat, ChatAction::ExpandPaste);
    state.notice = Some(format!(
        "pasted as a chip: sent in full; {expand} expands it, Backspace removes it"
    ));
}

/// Ctrl-T: the chip right before the cursor (else under it, else the draft's last) becomes
/// its text again.
pub(super) fn expand_chip(state: &mut AppState) {
    let composer = &mut state.chat.composer;
    let Some((row, column)) = chip_position(composer.input.lines(), composer.input.cursor()) else {
        state.notice = Some("no paste chip in the message".into());
        return;
    };
    let marker = composer.input.lines()[row].chars().nth(column);
    let Some(text) = marker.and_then(|m| composer.pastes.text(m)) else {
        state.notice = Some("that paste is no longer kept: nothing to expand".into());
        return;
    };
    if text.len() > paste::MAX_INLINE_BYTES {
        let editor = state.keys.label(Scope::Chat, ChatAction::EditInEditor);
        state.notice = Some(format!(
            "this paste ({}) is too long to edit here (over {}): {editor} edits the message in \
             $EDITOR",
            paste::decimal_bytes(text.len()),
            paste::decimal_bytes(paste::MAX_INLINE_BYTES)
        ));
        return;
    }
    let text = text.to_owned();
    composer.input.replace_char_at(row, column, &text);
}

fn chip_position(lines: &[String], (row, column): (usize, usize)) -> Option<(usize, usize)> {
    let is_chip_at = |col: usize| {
        lines
            .get(row)
            .and_then(|line| line.chars().nth(col))
            .is_some_and(paste::is_marker)
    };
    if let Some(before) = column.checked_sub(1).filter(|col| is_chip_at(*col)) {
        return Some((row, before));
    }
    if is_chip_at(column) {
        return Some((row, column));
    }
    lines.iter().enumerate().rev().find_map(|(row, line)| {
        line.chars()
            .enumerate()
            .filter(|(_, c)| paste::is_marker(*c))
            .last()
            .map(|(col, _)| (row, col))
    })
}

/// Ctrl-G: the draft, chips expanded, goes to the editor.
pub(super) fn edit_in_editor(state: &AppState) -> Vec<Effect> {
    let composer = &state.chat.composer;
    vec![Effect::EditDraft(
        composer.pastes.expand(&composer.input.text()),
    )]
}

/// The editor closed: its text is the draft now, or the draft stays and the line says why.
pub(super) fn edited(state: &mut AppState, result: Result<String, String>) {
    match result {
        Ok(text) if text.len() > paste::MAX_PASTE_BYTES => {
            state.notice = Some(format!(
                "the edited text ({}) is more than the {} a message may be: the draft is unchanged",
                paste::decimal_bytes(text.len()),
                paste::decimal_bytes(paste::MAX_PASTE_BYTES)
            ));
        }
        Ok(text) => {
            let composer = &mut state.chat.composer;
            let text: String = text
                .replace("\r\n", "\n")
                .chars()
                .filter(|c| !paste::is_marker(*c))
                .collect();
            // Too long to edit inline: the message is one chip of it.
            let long = text.len() > paste::MAX_INLINE_BYTES;
            match long.then(|| composer.pastes.chip(text.clone())) {
                Some(Some(marker)) => composer.input.set_text(&marker.to_string()),
                Some(None) | None => composer.input.set_text(&text),
            }
            state.notice = Some("the message is what the editor saved".into());
        }
        Err(why) => state.notice = Some(why),
    }
}

/// The line refusing `question` (chips expanded) with the attachments in the box, when the
/// chosen model's known context cannot hold it; `None` when it can or no length is known.
pub(super) fn refusal(state: &AppState, question: &str) -> Option<String> {
    let limit = crate::tui::context_meter::context_length(state)?;
    let model = state.models.chosen.as_deref()?;
    let tokens = size_guard::question_tokens(question, &state.chat.composer.attachments);
    size_guard::check(&state.chat.conversation.system(), tokens, limit)
        .err()
        .map(|too_big| too_big.message(model))
}

/// After a send: chips nothing refers to any more are dropped (the history keeps its own
/// within a budget).
pub(super) fn forget_unused_pastes(state: &mut AppState) {
    let composer = &mut state.chat.composer;
    let draft = composer.input.text();
    let mut live: Vec<&str> = vec![&draft];
    live.extend(composer.queued.iter().map(String::as_str));
    live.extend(composer.draft.as_deref());
    if let Some(attaching) = &composer.attaching {
        live.push(&attaching.text);
    }
    composer.pastes.retain_used(&live, &mut composer.history);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| (*line).to_owned()).collect()
    }

    #[test]
    fn the_chip_expanded_is_the_one_at_the_cursor_else_the_last() {
        let chip = |n: u32| char::from_u32(0x10_0000 + n).unwrap();
        let draft = lines(&[
            &format!("a{}b", chip(0)),
            &format!("{}c{}", chip(1), chip(2)),
        ]);
        assert_eq!(chip_position(&draft, (0, 2)), Some((0, 1)), "before");
        assert_eq!(chip_position(&draft, (0, 1)), Some((0, 1)), "under");
        assert_eq!(chip_position(&draft, (0, 0)), Some((1, 2)), "the last");
        assert_eq!(chip_position(&lines(&["plain"]), (0, 3)), None);
    }
}
