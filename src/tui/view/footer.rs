//! The bottom line: the focused pane's keys (from the keymap table), or the latest notice,
//! and token usage with the elapsed time of the current or last turn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{elapsed, split_line};
use crate::agent::context::ContextLevel;
use crate::tui::keymap::Scope;
use crate::tui::state::{AppState, Overlay, Pane, Turn};

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let mut left = Vec::new();
    let is_asking_store = state.overlay == Overlay::Settings
        && matches!(
            state.settings.status,
            crate::tui::state::SettingsStatus::AskFileStore { .. }
        );
    match &state.notice {
        Some(notice) => left.push(Span::styled(format!(" {notice}"), theme.warning())),
        // Only y and n work while the file store is offered: say so, not the usual keys.
        None if is_asking_store => {
            for (keys, what) in [
                ("y", "keep the secret in the file"),
                ("n", "do not store it"),
            ] {
                left.push(Span::styled(format!(" {keys}"), theme.key()));
                left.push(Span::styled(format!(" {what} "), theme.muted()));
            }
        }
        None if state.overlay == Overlay::Resume => {
            for (keys, what) in [("↑↓", "move"), ("Enter", "open"), ("Esc", "close")] {
                left.push(Span::styled(format!(" {keys}"), theme.key()));
                left.push(Span::styled(format!(" {what} "), theme.muted()));
            }
        }
        None => {
            for (keys, what) in state.keys.footer(scope(state)) {
                left.push(Span::styled(format!(" {keys}"), theme.key()));
                left.push(Span::styled(format!(" {what} "), theme.muted()));
            }
        }
    }
    let mut right = vec![Span::styled(usage_text(state), theme.muted())];
    if let Some((meter, level)) = crate::tui::context_meter::measure(state)
        .and_then(|usage| crate::tui::context_meter::label(&usage))
    {
        let style = match level {
            ContextLevel::Fine => theme.muted(),
            ContextLevel::Warning | ContextLevel::Full => theme.warning(),
        };
        right.push(Span::styled(format!("{meter} "), style));
    }
    let width = area.width;
    let left_width: usize = left.iter().map(Span::width).sum();
    let right_width: usize = right.iter().map(Span::width).sum();
    // Keys drop from the end first; the usage figures stay.
    while left.len() > 2 && left_width_of(&left) + right_width + 1 > usize::from(width) {
        left.truncate(left.len() - 2);
    }
    let _ = left_width;
    frame.render_widget(split_line(left, right, width), area);
}

fn left_width_of(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

fn scope(state: &AppState) -> Scope {
    match (state.overlay, state.focus) {
        (Overlay::Settings, _) => Scope::Settings,
        (Overlay::Resume, _) => Scope::Lists,
        (Overlay::None | Overlay::Help | Overlay::ConfirmQuit, Pane::Models) => Scope::Models,
        (Overlay::None | Overlay::Help | Overlay::ConfirmQuit, Pane::Deployments) => {
            Scope::Deployments
        }
        (Overlay::None | Overlay::Help | Overlay::ConfirmQuit, Pane::Chat) => Scope::Chat,
        (Overlay::None | Overlay::Help | Overlay::ConfirmQuit, Pane::Code) => Scope::Code,
    }
}

pub fn usage_text(state: &AppState) -> String {
    let chat = &state.chat;
    let mut parts = Vec::new();
    if let Some(usage) = chat.stats.last_usage {
        parts.push(format!(
            "in {} out {}",
            compact(usage.prompt_tokens),
            compact(usage.completion_tokens)
        ));
    }
    if chat.stats.total_usage.total_tokens > 0 {
        parts.push(format!(
            "total {}",
            compact(chat.stats.total_usage.total_tokens)
        ));
    }
    match &chat.turn {
        Turn::Streaming { started, .. } => parts.push(elapsed(state.now, *started)),
        Turn::Idle => {
            if let Some(last) = chat.stats.last_elapsed {
                parts.push(format!("{:.1} s", last.as_secs_f64()));
            }
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{} ", parts.join(" · "))
    }
}

/// 1234 → "1.2k", the way the sketch shows token counts.
pub fn compact(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    } else if n >= 1_000 {
        format!("{:.1}k", n as f64 / 1_000.0)
    } else {
        n.to_string()
    }
}
