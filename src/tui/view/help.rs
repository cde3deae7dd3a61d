//! The `?` / F1 overlay: every binding of the keymap table, grouped by where it applies.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, fit, pane_block};
use crate::tui::keymap;
use crate::tui::state::AppState;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let rows = keymap::help_rows();
    let rect = centered(area, 72, rows.len() as u16 + 4);
    frame.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for (scope, keys, what) in rows {
        lines.push(Line::from(vec![
            Span::styled(fit(scope, 12), theme.muted()),
            Span::styled(fit(&keys, 16), theme.key()),
            Span::raw(what),
        ]));
    }
    lines.push(Line::styled("any key closes this help", theme.muted()));
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(" Keys ", true, theme)),
        rect,
    );
}
