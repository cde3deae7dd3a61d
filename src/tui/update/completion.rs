//! `@` completion: while the word before the cursor starts with `@`, the workspace's files
//! that match it fuzzily are listed above the input (found by an effect, off the loop). ↑/↓
//! choose, Tab or Enter puts the choice in, Esc closes the list. A directory chosen (from an
//! absolute or `~/` path) lists its own entries next.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::next_request;
use crate::tui::event::Effect;
use crate::tui::state::{AppState, PathPopup};

/// The word before the cursor, if it starts with `@`.
fn word_at_cursor(state: &AppState) -> Option<String> {
    let (row, col) = state.chat.composer.input.cursor();
    let line = state.chat.composer.input.lines().get(row)?;
    let before: String = line.chars().take(col).collect();
    let word = before.rsplit(char::is_whitespace).next()?;
    word.starts_with('@').then(|| word.to_owned())
}

pub(super) fn is_at_path(state: &AppState) -> bool {
    word_at_cursor(state).is_some()
}

/// Tab on an `@word` with no list shown (yet): a single match goes straight in, several
/// open the list.
pub(super) fn complete_by_tab(state: &mut AppState) -> Vec<Effect> {
    let effects = complete(state);
    state.chat.composer.is_tab_completion = true;
    effects
}

/// Asks for the candidates of the `@word` before the cursor; closes the list when there is
/// none.
pub(super) fn complete(state: &mut AppState) -> Vec<Effect> {
    state.chat.composer.is_tab_completion = false;
    let Some(word) = word_at_cursor(state) else {
        state.chat.composer.popup = None;
        state.chat.composer.completion = None;
        return Vec::new();
    };
    let request = next_request(state);
    state.chat.composer.completion = Some(request);
    vec![Effect::CompletePath {
        request,
        prefix: word[1..].to_owned(),
    }]
}

/// After the text changed: follow the `@word` being typed (or close the list).
pub(super) fn follow_typing(state: &mut AppState) -> Vec<Effect> {
    if is_at_path(state) || state.chat.composer.popup.is_some() {
        complete(state)
    } else {
        Vec::new()
    }
}

/// Shows the candidates for the `@word` still before the cursor; late answers are dropped.
pub(super) fn completed(
    state: &mut AppState,
    request: u64,
    prefix: &str,
    candidates: Vec<String>,
) -> Vec<Effect> {
    if state.chat.composer.completion != Some(request)
        || word_at_cursor(state).as_deref() != Some(&format!("@{prefix}"))
    {
        return Vec::new();
    }
    state.chat.composer.completion = None;
    let is_tab = std::mem::take(&mut state.chat.composer.is_tab_completion);
    if is_tab && candidates.len() == 1 {
        state.chat.composer.popup = Some(PathPopup {
            prefix: prefix.to_owned(),
            candidates,
            selected: 0,
        });
        return accept(state);
    }
    if candidates.is_empty() {
        state.chat.composer.popup = None;
        state.notice = Some(format!("no file matches @{prefix}"));
        return Vec::new();
    }
    state.chat.composer.popup = Some(PathPopup {
        prefix: prefix.to_owned(),
        candidates,
        selected: 0,
    });
    Vec::new()
}

/// Keys while the list is shown; `None` leaves the key to the chat.
pub(super) fn popup_key(state: &mut AppState, key: KeyEvent) -> Option<Vec<Effect>> {
    // The cursor left the `@word` (sent, moved away): the list no longer applies.
    if !is_at_path(state) {
        state.chat.composer.popup = None;
        return None;
    }
    let popup = state.chat.composer.popup.as_mut()?;
    if !(key.modifiers - KeyModifiers::SHIFT).is_empty() {
        return None;
    }
    let last = popup.candidates.len().saturating_sub(1);
    match key.code {
        KeyCode::Up => popup.selected = popup.selected.checked_sub(1).unwrap_or(last),
        KeyCode::Down => {
            popup.selected = if popup.selected >= last {
                0
            } else {
                popup.selected + 1
            }
        }
        KeyCode::Esc => {
            state.chat.composer.popup = None;
            state.chat.composer.completion = None;
        }
        KeyCode::Tab | KeyCode::Enter => return Some(accept(state)),
        _ => return None,
    }
    Some(Vec::new())
}

/// Puts the selected path in place of the `@word`; a directory lists its entries next.
fn accept(state: &mut AppState) -> Vec<Effect> {
    let Some(popup) = state.chat.composer.popup.take() else {
        return Vec::new();
    };
    let Some(choice) = popup.candidates.get(popup.selected) else {
        return Vec::new();
    };
    state.chat.composer.completion = None;
    let typed = word_at_cursor(state).map_or(0, |word| word.chars().count());
    let input = &mut state.chat.composer.input;
    input.replace_before_cursor(typed, &format!("@{choice}"));
    if choice.ends_with('/') {
        return complete(state);
    }
    Vec::new()
}
