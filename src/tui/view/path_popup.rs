//! The `@` completion list: the workspace's paths that match the `@word` being typed, drawn
//! over the bottom of the transcript right above the message input, the choice marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::pane_block;
use crate::tui::state::{AppState, PathPopup};

/// Rows of the `@` completion list at most; it scrolls to keep the choice in view.
const POPUP_ROWS: usize = 8;

/// The `@` completion list, over the bottom of the transcript, right above the input.
pub fn draw(
    frame: &mut Frame<'_>,
    state: &AppState,
    popup: &PathPopup,
    transcript: Rect,
    input: Rect,
) {
    let theme = state.theme;
    let rows = popup.candidates.len().min(POPUP_ROWS);
    let height = (rows as u16 + 2).min(transcript.height);
    if height < 3 {
        return;
    }
    let rect = Rect {
        x: input.x,
        y: input.y.saturating_sub(height),
        width: input.width,
        height,
    };
    let first = popup.selected.saturating_sub(rows.saturating_sub(1));
    let width = usize::from(rect.width.saturating_sub(4));
    let lines: Vec<Line<'static>> = popup
        .candidates
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(index, path)| {
            let shown = crate::terminal_text::escape(path);
            let shown = super::fit(&shown, width);
            if index == popup.selected {
                Line::styled(format!("› {shown}"), theme.text().patch(theme.selected()))
            } else {
                Line::styled(format!("  {shown}"), theme.text())
            }
        })
        .collect();
    let title = format!(" @{} · {} ", popup.prefix, popup.candidates.len());
    let block = pane_block(title, true, theme).title_bottom(
        Line::styled(" ↑↓ choose · Tab/Enter insert · Esc close ", theme.muted()).right_aligned(),
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
