//! ↑/↓ in the message input walk the inputs sent before (earlier runs' too, once loaded). The
//! unsent text is kept as a draft when browsing starts and comes back past the newest entry.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::event::Effect;
use crate::tui::state::AppState;

/// Handles ↑ on the first line and ↓ on the last; `false` leaves the key to the input.
pub(super) fn on_key(state: &mut AppState, key: &KeyEvent) -> bool {
    if key.modifiers != KeyModifiers::NONE {
        return false;
    }
    let composer = &mut state.chat.composer;
    let row = composer.input.cursor().0;
    let last_row = composer.input.lines().len().saturating_sub(1);
    match key.code {
        KeyCode::Up if row == 0 && !composer.history.is_empty() => {
            let pos = match composer.history_pos {
                Some(pos) => pos.saturating_sub(1),
                None => {
                    composer.draft = Some(composer.input.text());
                    composer.history.len() - 1
                }
            };
            composer.history_pos = Some(pos);
            let text = composer.history[pos].clone();
            composer.input.set_text(&text);
            true
        }
        KeyCode::Down if row == last_row && composer.history_pos.is_some() => {
            let next = composer.history_pos.map(|pos| pos + 1);
            match next.filter(|pos| *pos < composer.history.len()) {
                Some(pos) => {
                    composer.history_pos = Some(pos);
                    let text = composer.history[pos].clone();
                    composer.input.set_text(&text);
                }
                None => {
                    composer.history_pos = None;
                    let draft = composer.draft.take().unwrap_or_default();
                    composer.input.set_text(&draft);
                }
            }
            true
        }
        _ => false,
    }
}

/// Once the first frame is on screen: ask for earlier runs' inputs (nothing is read before).
pub fn after_first_frame(state: &mut AppState) -> Vec<Effect> {
    if state.chat.composer.history_requested {
        return Vec::new();
    }
    state.chat.composer.history_requested = true;
    vec![Effect::LoadInputHistory]
}

/// Earlier runs' inputs go before the ones sent in this run.
pub(super) fn loaded(state: &mut AppState, earlier: Vec<String>) {
    let composer = &mut state.chat.composer;
    let added = earlier.len();
    let mut history = earlier;
    history.append(&mut composer.history);
    composer.history = history;
    if let Some(pos) = &mut composer.history_pos {
        *pos += added;
    }
}
