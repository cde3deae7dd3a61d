//! The message box: its title (queued questions, the keys), and the draft. A draft without
//! paste chips is drawn by the text input's own widget; one with chips is drawn here, each
//! chip's marker as its label, only the rows in view (a chip's text is never walked).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::pane_block;
use crate::tui::keymap::{ChatAction, Scope};
use crate::tui::paste::{self, Pastes};
use crate::tui::state::{AppState, Pane};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let composer = &state.chat.composer;
    let focused = state.focus == Pane::Chat;
    let has_chips = composer.input.lines().iter().any(|l| Pastes::has_chips(l));
    let keys = &state.keys;
    let hint = if has_chips {
        format!(
            " {} send · {} expands the paste · {} editor ",
            keys.label(Scope::Chat, ChatAction::Send),
            keys.label(Scope::Chat, ChatAction::ExpandPaste),
            keys.label(Scope::Chat, ChatAction::EditInEditor),
        )
    } else {
        format!(
            " {} send · {} new line · @file · /cmd ",
            keys.label(Scope::Chat, ChatAction::Send),
            keys.label(Scope::Chat, ChatAction::Newline)
        )
    };
    let queued = |text: &str| queued_label(&composer.pastes.labelled(text));
    let title = match composer.queued.as_slice() {
        [] => " Message ".to_owned(),
        [one] => format!(" Message · queued: {} ", queued(one)),
        [first, rest @ ..] => format!(
            " Message · queued: {} (+{} more) ",
            queued(first),
            rest.len()
        ),
    };
    // The title says what is queued; the keys' hint gives way when both do not fit.
    let fits = title.width() + hint.width() + 2 <= usize::from(area.width);
    let mut block = pane_block(title, focused, theme);
    if fits {
        block = block.title(Line::styled(hint, theme.muted()).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if has_chips {
        let lines = rows_with_chips(
            composer.input.lines(),
            composer.input.cursor(),
            &composer.pastes,
            (inner.width, inner.height),
            theme,
        );
        frame.render_widget(Paragraph::new(lines), inner);
    } else {
        frame.render_widget(composer.input.widget(), inner);
    }
}

/// A queued question in a title: its first line, cut at 30 characters.
fn queued_label(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut label: String = line.chars().take(30).collect();
    if line.chars().count() > 30 || text.lines().nth(1).is_some() {
        label.push('…');
    }
    crate::terminal_text::visible(&label).into_owned()
}

/// One drawn piece of a row: a character, or a chip's label, or the cursor.
struct Cell {
    text: String,
    style: Style,
    width: usize,
}

/// The draft's rows in a `width`×`height` box: the cursor's row in view (the rows above it
/// scroll off the top), and on that row the cursor's column (the start scrolls off the left,
/// the same columns on every row). Chips are drawn as their labels.
pub fn rows_with_chips(
    lines: &[String],
    (cursor_row, cursor_col): (usize, usize),
    pastes: &Pastes,
    (width, height): (u16, u16),
    theme: Theme,
) -> Vec<Line<'static>> {
    let width = usize::from(width).max(1);
    let height = usize::from(height).max(1);
    let top = cursor_row.saturating_sub(height - 1);
    let cursor_style = Style::default().add_modifier(Modifier::REVERSED);
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(row, line)| {
            let cursor = (row == cursor_row).then_some(cursor_col);
            cells(line, cursor, pastes, theme, cursor_style)
        })
        .collect();
    // One cell a character (and one for the cursor past the end): the cursor's cell is
    // the `cursor_col`-th.
    let cursor_end: usize = rows.get(cursor_row - top).map_or(0, |cells| {
        cells
            .iter()
            .take(cursor_col + 1)
            .map(|cell| cell.width)
            .sum()
    });
    let left = cursor_end.saturating_sub(width);
    rows.into_iter()
        .map(|cells| clip(cells, left, width))
        .collect()
}

fn cells(
    line: &str,
    cursor: Option<usize>,
    pastes: &Pastes,
    theme: Theme,
    cursor_style: Style,
) -> Vec<Cell> {
    let mut out = Vec::with_capacity(line.len() + 1);
    for (at, c) in line.chars().enumerate() {
        let is_cursor = cursor == Some(at);
        let (text, style) = match pastes.label(c) {
            Some(label) => (label, theme.accent()),
            None if paste::is_marker(c) => ("[paste gone]".to_owned(), theme.muted()),
            None => (
                crate::terminal_text::visible(&c.to_string()).into_owned(),
                Style::default(),
            ),
        };
        let style = if is_cursor {
            style.patch(cursor_style)
        } else {
            style
        };
        let width = text.width();
        out.push(Cell { text, style, width });
    }
    if cursor.is_some_and(|at| at >= line.chars().count()) {
        out.push(Cell {
            text: " ".into(),
            style: cursor_style,
            width: 1,
        });
    }
    out
}

/// The cells from display column `left`, up to `width` columns; a cell cut by an edge is
/// left out whole.
fn clip(cells: Vec<Cell>, left: usize, width: usize) -> Line<'static> {
    let mut column = 0;
    let mut spans = Vec::new();
    for cell in cells {
        let start = column;
        column += cell.width;
        if start < left {
            continue;
        }
        if column - left > width {
            break;
        }
        spans.push(Span::styled(cell.text, cell.style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::paste::Pasted;

    fn text_of(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_chip_is_drawn_as_its_label_and_the_cursor_after_it() {
        let mut pastes = Pastes::default();
        let big: String = (0..40_000).map(|i| format!("line {i}\n")).collect();
        let Pasted::Chip(chip) = pastes.take(&big) else {
            panic!("a chip")
        };
        let lines = vec![format!("see {chip} why")];
        let rows = rows_with_chips(&lines, (0, 5), &pastes, (60, 3), Theme::default());
        assert_eq!(
            text_of(&rows[0]),
            "see [pasted 40,000 lines · 428.9 kB] why"
        );
        let cursor: Vec<&str> = rows[0]
            .spans
            .iter()
            .filter(|s| s.style.add_modifier.contains(Modifier::REVERSED))
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(cursor, [" "], "the cursor sits on the space after the chip");
    }

    #[test]
    fn a_long_row_scrolls_to_keep_the_cursor_in_view() {
        let pastes = Pastes::default();
        let lines = vec!["abcdefghij".to_owned(), "x".to_owned()];
        let rows = rows_with_chips(&lines, (0, 10), &pastes, (4, 1), Theme::default());
        assert_eq!(rows.len(), 1);
        assert_eq!(text_of(&rows[0]), "hij ");
        let rows = rows_with_chips(&lines, (1, 1), &pastes, (4, 1), Theme::default());
        assert_eq!(
            text_of(&rows[0]),
            "x ",
            "the cursor's row is the one in view"
        );
    }
}
