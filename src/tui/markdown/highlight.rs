//! Syntax colours for code (syntect with the two-face sets, loaded on the first block that
//! needs them) and the numbered rows of the code view.

use std::sync::OnceLock;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::wrap::hard_wrap;
use crate::tui::theme::Theme;

/// A file or code block for the code view: line numbers, syntax colours, wrapped to `width`.
pub fn code_lines(language: &str, code: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let count = code.lines().count().max(1);
    let gutter = count.to_string().len();
    let inner = usize::from(width).saturating_sub(gutter + 3).max(4);
    let muted = theme.muted();
    let mut lines = Vec::new();
    for (number, spans) in highlight(language, code, theme).into_iter().enumerate() {
        if number >= count {
            break;
        }
        for (part, row) in hard_wrap(spans, inner).into_iter().enumerate() {
            let label = if part == 0 {
                format!("{:>gutter$} │ ", number + 1)
            } else {
                format!("{:>gutter$} ┆ ", "")
            };
            let mut spans = vec![Span::styled(label, muted)];
            spans.extend(row);
            lines.push(Line::from(spans));
        }
    }
    lines
}

struct Highlighting {
    syntaxes: syntect::parsing::SyntaxSet,
    theme: syntect::highlighting::Theme,
}

/// Loaded on the first code block that needs colour: parsing the sets costs start-up time.
fn highlighting() -> &'static Highlighting {
    static SETS: OnceLock<Highlighting> = OnceLock::new();
    SETS.get_or_init(|| Highlighting {
        syntaxes: two_face::syntax::extra_newlines(),
        theme: two_face::theme::extra()
            .get(two_face::theme::EmbeddedThemeName::Base16OceanDark)
            .clone(),
    })
}

pub(super) fn highlight(language: &str, code: &str, theme: Theme) -> Vec<Vec<Span<'static>>> {
    let code = code.strip_suffix('\n').unwrap_or(code);
    let plain = || {
        code.split('\n')
            .map(|line| vec![Span::styled(line.to_owned(), theme.code())])
            .collect()
    };
    if !theme.color || language.is_empty() {
        return plain();
    }
    let sets = highlighting();
    let Some(syntax) = sets
        .syntaxes
        .find_syntax_by_token(language)
        .or_else(|| sets.syntaxes.find_syntax_by_extension(language))
    else {
        return plain();
    };
    let mut highlighter = syntect::easy::HighlightLines::new(syntax, &sets.theme);
    let mut rows = Vec::new();
    for line in syntect::util::LinesWithEndings::from(code) {
        let Ok(ranges) = highlighter.highlight_line(line, &sets.syntaxes) else {
            return plain();
        };
        rows.push(
            ranges
                .into_iter()
                .map(|(style, text)| {
                    let fg = style.foreground;
                    Span::styled(
                        text.trim_end_matches('\n').to_owned(),
                        Style::default().fg(Color::Rgb(fg.r, fg.g, fg.b)),
                    )
                })
                .filter(|span| !span.content.is_empty())
                .collect(),
        );
    }
    if code.is_empty() || code.ends_with('\n') {
        rows.push(Vec::new());
    }
    rows
}
