//! The `?` / F1 overlay: the status line's message when it was opened, whole and wrapped
//! (the status line cuts a long one), then every binding of the key table in force, grouped
//! by where it applies, after any `[keys]` entries of the config that were refused. It
//! scrolls when the terminal is too short for the whole list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, fit, pane_block};
use crate::tui::state::AppState;

/// Columns of the help's text (the overlay is 76 wide, less its borders).
const TEXT_WIDTH: usize = 74;

/// Every line of the help, for drawing and for clamping its scroll position.
pub fn lines(state: &AppState) -> Vec<Line<'static>> {
    let theme = state.theme;
    let mut lines = Vec::new();
    // A refused `[keys]` entry, the notice at start, is listed below with the others.
    let notice = state
        .help_notice
        .as_ref()
        .filter(|notice| !state.key_problems.contains(notice));
    if let Some(notice) = notice {
        lines.push(Line::styled("Status line:", theme.muted()));
        // Notices can quote a server's error text: escaped line by line, then wrapped.
        for line in notice.split('\n') {
            lines.extend(crate::tui::markdown::wrap(
                vec![Span::styled(
                    crate::terminal_text::visible(line).replace('\t', "    "),
                    theme.warning(),
                )],
                TEXT_WIDTH,
                Span::raw(""),
                Span::raw(""),
            ));
        }
        lines.push(Line::default());
    }
    for problem in &state.key_problems {
        lines.push(Line::styled(format!("✗ {problem}"), theme.error()));
    }
    for (scope, keys, what) in state.keys.help_rows() {
        lines.push(Line::from(vec![
            Span::styled(fit(scope, 12), theme.muted()),
            Span::styled(fit(&keys, 16), theme.key()),
            Span::raw(what),
        ]));
    }
    for spec in &crate::tui::slash::COMMANDS {
        let what = format!("{} {}", spec.args, spec.help);
        lines.push(Line::from(vec![
            Span::styled(fit("chat", 12), theme.muted()),
            Span::styled(fit(&format!("/{}", spec.name), 16), theme.key()),
            Span::raw(what.trim_start().to_owned()),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(fit("chat", 12), theme.muted()),
        Span::styled(fit("!CMD", 16), theme.key()),
        Span::raw("run CMD here; its output goes with the next question"),
    ]));
    lines
}

/// Rows of the help: the keys, the slash commands and `!CMD` (what its scroll reaches).
pub fn row_count(state: &AppState) -> usize {
    lines(state).len()
}

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let lines = lines(state);
    let rect = centered(area, 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let height = usize::from(rect.height.saturating_sub(2));
    let top = state.help_scroll.min(lines.len().saturating_sub(height));
    let hint = if lines.len() > height {
        " ↑↓ PgUp PgDn scroll · any other key closes "
    } else {
        " any key closes "
    };
    let block = pane_block(" Keys ", true, theme)
        .title_bottom(Line::styled(hint, theme.muted()).right_aligned());
    let shown: Vec<Line<'static>> = lines.into_iter().skip(top).collect();
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}
