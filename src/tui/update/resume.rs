//! The `/resume` picker's keys: ↑/↓ move, Enter opens the conversation, Esc closes. The
//! opened conversation replaces the transcript; the one shown before stays saved.

use crossterm::event::{KeyCode, KeyEvent};

use crate::agent::session::{LoadedSession, SessionSummary};
use crate::tui::event::Effect;
use crate::tui::session;
use crate::tui::state::{AppState, Overlay, Pane, SessionList};

pub(super) fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let count = state.resume.sessions().len();
    let picker = &mut state.resume;
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => picker.cursor = picker.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            picker.cursor = (picker.cursor + 1).min(count.saturating_sub(1));
        }
        KeyCode::Home | KeyCode::Char('g') => picker.cursor = 0,
        KeyCode::End | KeyCode::Char('G') => picker.cursor = count.saturating_sub(1),
        KeyCode::Enter => {
            let Some(chosen) = state.resume.sessions().get(state.resume.cursor) else {
                return Vec::new();
            };
            let id = chosen.id.clone();
            state.overlay = Overlay::None;
            state.notice = Some("opening the conversation…".into());
            return vec![Effect::OpenSession { id }];
        }
        KeyCode::Esc => state.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}

pub(super) fn listed(
    state: &mut AppState,
    request: u64,
    result: Result<Vec<SessionSummary>, String>,
) {
    if state.resume.request != request {
        return;
    }
    state.resume.cursor = 0;
    state.resume.list = match result {
        Ok(sessions) => SessionList::Ready(sessions),
        Err(err) => SessionList::Failed(err),
    };
}

/// The chosen conversation replaces the one on screen (already saved after its last turn).
pub(super) fn opened(
    state: &mut AppState,
    loaded: &LoadedSession,
    started: std::time::SystemTime,
) -> Vec<Effect> {
    if state.is_streaming() {
        state.notice = Some(format!(
            "an answer is still streaming: {} stops it, then /resume",
            super::stop_key(state)
        ));
        return Vec::new();
    }
    let effects = super::conversation::new_conversation(state);
    session::open_conversation(state, loaded, started);
    state.focus = Pane::Chat;
    effects
}
