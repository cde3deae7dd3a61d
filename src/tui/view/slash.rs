//! The slash command popup, drawn over the bottom of the transcript just above the input:
//! one row per matching command (name, argument, what it does), the highlighted one marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{fit, pane_block};
use crate::tui::state::AppState;
use crate::tui::update::slash_popup;

/// Most rows shown at once; the highlighted row always stays in view.
const MAX_ROWS: usize = 10;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, input: Rect, chat: Rect) {
    let rows = slash_popup(state);
    if rows.is_empty() {
        return;
    }
    let theme = state.theme;
    let room = usize::from(input.y.saturating_sub(chat.y)).saturating_sub(2);
    let shown = rows.len().min(MAX_ROWS).min(room);
    if shown == 0 {
        return;
    }
    let height = shown as u16 + 2;
    let area = Rect {
        x: input.x,
        y: input.y - height,
        width: input.width,
        height,
    };
    let selected = state.chat.composer.slash_selected.min(rows.len() - 1);
    let first = (selected + 1).saturating_sub(shown);
    let inner_width = usize::from(area.width.saturating_sub(2));
    // The name column fits the longest command line shown, so descriptions get the rest.
    let name_width = rows
        .iter()
        .map(|row| {
            format!("› /{} {}", row.name, row.args)
                .trim_end()
                .chars()
                .count()
                + 2
        })
        .max()
        .unwrap_or(0)
        .min(inner_width / 2);
    let lines: Vec<Line<'static>> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(index, row)| {
            let is_selected = index == selected;
            let marker = if is_selected { "› " } else { "  " };
            let name = format!("{marker}/{} {}", row.name, row.args);
            let name = fit(name.trim_end(), name_width);
            let help = fit(&row.help, inner_width.saturating_sub(name_width + 1));
            let style = if is_selected {
                theme.selected()
            } else {
                theme.text()
            };
            Line::from(vec![
                Span::styled(name, style),
                Span::raw(" "),
                Span::styled(help, theme.muted()),
            ])
        })
        .collect();
    let block = pane_block(" Commands ", true, theme).title(
        Line::styled(
            " ↑↓ pick · Tab complete · Enter run · Esc close ",
            theme.muted(),
        )
        .right_aligned(),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
