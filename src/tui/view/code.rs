//! The code view in the left column: a file attached with `@path` or a code block of the
//! last answer (numbered and syntax-highlighted), scrolled by rows. Its highlighted rows are
//! cached for the shown item and width; highlighting a long file every frame would be slow.

use std::cell::Ref;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane_block;
use crate::tui::keymap::{CodeAction, GlobalAction, Scope};
use crate::tui::markdown;
use crate::tui::state::{AppState, CodeItem, CodeRender, Pane};

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let focused = state.focus == Pane::Code;
    let items = state.code_items();
    let index = state.code.item.min(items.len().saturating_sub(1));
    let Some(item) = items.get(index) else {
        let block = pane_block(" Code ", focused, theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(Paragraph::new(empty_text(state, inner.width)), inner);
        return;
    };
    let language = if item.language.is_empty() {
        String::new()
    } else {
        format!(" · {}", item.language)
    };
    let pending = if item.is_pending {
        " · next question"
    } else {
        ""
    };
    let title = format!(
        " Code · {}{language}{pending} · {}/{} ",
        item.title,
        index + 1,
        items.len()
    );
    let hints = format!(
        " {} next · {} copy · {} pickers ",
        state.keys.label(Scope::Code, CodeAction::PrevItem),
        state.keys.label(Scope::Code, CodeAction::CopyShown),
        state.keys.label(Scope::Code, GlobalAction::ToggleCode),
    );
    let block = pane_block(title, focused, theme)
        .title_bottom(Line::styled(hints, theme.muted()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = rendered(state, item, inner.width);
    show_rows(frame, state, inner, &lines);
}

/// The rows from the scroll position.
fn show_rows(frame: &mut Frame<'_>, state: &AppState, inner: Rect, lines: &[Line<'static>]) {
    let height = usize::from(inner.height);
    let total = lines.len();
    let top = state.code.scroll.min(total.saturating_sub(height));
    let shown: Vec<Line<'static>> = lines.iter().skip(top).take(height).cloned().collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Rows of the shown item at `width`, as drawn: what the scrolling keys page through.
pub fn row_count(state: &AppState, width: u16) -> usize {
    let items = state.code_items();
    let index = state.code.item.min(items.len().saturating_sub(1));
    let Some(item) = items.get(index) else {
        return 0;
    };
    rendered(state, item, width).len()
}

fn rendered<'a>(
    state: &'a AppState,
    item: &CodeItem<'_>,
    width: u16,
) -> Ref<'a, Vec<Line<'static>>> {
    let cache = &state.code.cache;
    let is_fresh = cache.borrow().as_ref().is_some_and(|c| {
        c.title == item.title && c.text_len == item.text.len() && c.width == width
    });
    if !is_fresh {
        *cache.borrow_mut() = Some(CodeRender {
            title: item.title.clone(),
            text_len: item.text.len(),
            width,
            lines: markdown::code_lines(&item.language, &item.text, width, state.theme),
        });
    }
    // Filled just above, so the fallback is never shown; it keeps a broken invariant from panicking.
    Ref::map(cache.borrow(), |c| {
        c.as_ref().map_or(&NO_LINES, |c| &c.lines)
    })
}

static NO_LINES: Vec<Line<'static>> = Vec::new();

fn empty_text(state: &AppState, width: u16) -> Vec<Line<'static>> {
    let theme = state.theme;
    let mut lines = vec![
        Line::styled("Nothing to show yet.", theme.accent()),
        Line::default(),
    ];
    let text = format!(
        "Attach a file by typing @path in the message (Tab completes the path); the code blocks \
         of the last answer show here too. {} goes back to the pickers.",
        state.keys.label(Scope::Code, GlobalAction::ToggleCode)
    );
    lines.extend(markdown::wrap(
        vec![Span::styled(text, theme.muted())],
        usize::from(width),
        Span::raw(""),
        Span::raw(""),
    ));
    lines
}
