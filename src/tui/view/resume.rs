//! The `/resume` picker: this workspace's saved conversations, newest first, with when each
//! was last updated, its model, its turns and its title.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, fit, pane_block, spinner};
use crate::terminal_text::escape_line;
use crate::tui::state::{AppState, SessionList};

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let picker = &state.resume;
    let width = area.width.saturating_sub(4).min(110);
    let wanted = match &picker.list {
        SessionList::Ready(sessions) => sessions.len().max(1) as u16 + 3,
        SessionList::Loading | SessionList::Failed(_) => 3,
    };
    let rect = centered(area, width, wanted.min(area.height.saturating_sub(2)));
    let inner = usize::from(rect.width.saturating_sub(2));
    let visible = usize::from(rect.height.saturating_sub(3));
    let lines = match &picker.list {
        SessionList::Loading => vec![Line::styled(
            format!("{} reading saved conversations…", spinner(state.now)),
            theme.muted(),
        )],
        SessionList::Failed(err) => vec![Line::styled(
            format!("✗ {}", escape_line(err)),
            theme.error(),
        )],
        SessionList::Ready(sessions) if sessions.is_empty() => vec![Line::styled(
            "no saved conversation in this workspace yet",
            theme.muted(),
        )],
        SessionList::Ready(sessions) => {
            let first = (picker.cursor + 1).saturating_sub(visible.max(1));
            let mut lines = vec![Line::styled(
                fit(
                    "  UPDATED               MODEL                 TURNS  TITLE",
                    inner,
                ),
                theme.muted(),
            )];
            lines.extend(sessions.iter().enumerate().skip(first).take(visible).map(
                |(index, session)| {
                    let marker = if index == picker.cursor { "›" } else { " " };
                    let model = escape_line(session.model.as_deref().unwrap_or("-")).into_owned();
                    // One-shot `run`s are marked apart from conversations held here.
                    let origin = if session.one_shot { "run" } else { "   " };
                    let row = format!(
                        "{marker} {}  {}  {:>5}  {origin}  {}",
                        fit(&session.updated, 20),
                        fit(&model, 20),
                        session.turns,
                        escape_line(&session.title)
                    );
                    let style = if index == picker.cursor {
                        theme.selected()
                    } else {
                        theme.text()
                    };
                    Line::styled(fit(&row, inner), style)
                },
            ));
            lines
        }
    };
    let block = pane_block(" Resume a conversation ", true, theme).title_bottom(
        Line::from(vec![Span::styled(
            " ↑↓ move · Enter open · Esc close ",
            theme.muted(),
        )])
        .right_aligned(),
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
