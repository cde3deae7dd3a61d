//! Wrapping styled spans to a width: word wrap for prose, hard wrap for code.

use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Greedy word wrap of styled spans; words longer than a line are split.
pub fn wrap(
    spans: Vec<Span<'static>>,
    width: usize,
    first_prefix: Span<'static>,
    rest_prefix: Span<'static>,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut current: Vec<Span<'static>> = vec![first_prefix.clone()];
    let mut used = first_prefix.content.width();
    let limit = width.max(used + 4);
    for span in spans {
        let style = span.style;
        for piece in split_keep_spaces(&span.content) {
            let piece_width = piece.width();
            let is_space = piece.chars().all(char::is_whitespace);
            if used + piece_width > limit && used > rest_prefix.content.width() {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.push(rest_prefix.clone());
                used = rest_prefix.content.width();
                if is_space {
                    continue;
                }
            }
            if piece_width > limit - used {
                let mut chunk = String::new();
                for c in piece.chars() {
                    let cw = c.width().unwrap_or(0);
                    if used + cw > limit {
                        current.push(Span::styled(std::mem::take(&mut chunk), style));
                        lines.push(Line::from(std::mem::take(&mut current)));
                        current.push(rest_prefix.clone());
                        used = rest_prefix.content.width();
                    }
                    chunk.push(c);
                    used += cw;
                }
                current.push(Span::styled(chunk, style));
            } else {
                current.push(Span::styled(piece.to_owned(), style));
                used += piece_width;
            }
        }
    }
    lines.push(Line::from(current));
    lines
}

fn split_keep_spaces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c == ' ';
        if in_space.is_some_and(|s| s != space) {
            pieces.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Splits one code line into rows of at most `width` cells.
pub(super) fn hard_wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let mut chunk = String::new();
        for c in span.content.chars() {
            let c = if c == '\t' { ' ' } else { c };
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                if !chunk.is_empty()
                    && let Some(row) = rows.last_mut()
                {
                    row.push(Span::styled(std::mem::take(&mut chunk), span.style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            chunk.push(c);
            used += cw;
        }
        if !chunk.is_empty()
            && let Some(row) = rows.last_mut()
        {
            row.push(Span::styled(chunk, span.style));
        }
    }
    rows
}
