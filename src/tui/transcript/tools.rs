//! The tool lines of an answer: each call's headline (`✓`/`✗`/`⚙`), under a command its
//! output and exit, under an applied edit its diff as the review draws it (cut after
//! `SHOWN_DIFF_LINES` lines, with a `… N more lines` row). The same for a live turn, an
//! auto-edit that was never reviewed, and a resumed conversation.

use ratatui::text::{Line, Span};

use super::wrapped;
use crate::agent::outcome::ShownDiff;
use crate::tui::state::{Entry, ToolLine};
use crate::tui::theme::Theme;

/// Columns the blocks under a headline are indented by.
const INDENT: &str = "  ";

/// Each tool call's headline, wrapped at `width` (a long path or reason must not hide the
/// end of its line) in the added, error or dim colour of its `✓`/`✗`/`⚙` mark.
fn tool_headline(tool: &ToolLine, width: u16, theme: Theme) -> Vec<Line<'static>> {
    // As the review shows names: a zero-width or tag character in a path shows here too.
    let headline = crate::terminal_text::visible(&tool.headline()).replace('\t', "\\t");
    let style = match headline.chars().next() {
        Some('✓') => theme.added(),
        Some('✗') => theme.error(),
        _ => theme.muted(),
    };
    wrapped(vec![Span::styled(headline, style)], width)
}

/// The applied edit's diff of `tool`, if it has one to show.
fn shown_diff(tool: &ToolLine) -> Option<&ShownDiff> {
    let result = tool.result.as_ref().filter(|result| result.ok)?;
    result.edit.as_ref()?.diff.as_ref()
}

/// The diff rows of an applied edit, indented under its headline.
fn diff_rows(diff: &ShownDiff, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let inner = width.saturating_sub(INDENT.len() as u16);
    let mut rows: Vec<Line<'static>> =
        crate::tui::view::diff::rows(&diff.hunks, diff.is_new_file, inner, theme)
            .into_iter()
            .map(|line| {
                let mut spans = vec![Span::raw(INDENT)];
                spans.extend(line.spans);
                Line::from(spans)
            })
            .collect();
    if diff.more_lines > 0 {
        let more = match diff.more_lines {
            1 => "1 more line".to_owned(),
            n => format!("{n} more lines"),
        };
        rows.push(Line::styled(format!("{INDENT}… {more}"), theme.muted()));
    }
    rows
}

/// Rows of the tool lines at `width`.
pub(super) fn tool_height(entry: &Entry, width: u16, theme: Theme) -> usize {
    entry
        .tools
        .iter()
        .map(|tool| {
            tool_headline(tool, width, theme).len() + tool.height() - 1
                + shown_diff(tool).map_or(0, |diff| diff_rows(diff, width, theme).len())
        })
        .sum()
}

/// Rows of one call before its entry is laid out at a width (diff lines unwrapped).
pub(super) fn estimated_height(tool: &ToolLine) -> usize {
    tool.height()
        + shown_diff(tool).map_or(0, |diff| {
            let lines: usize = diff.hunks.iter().map(|h| 1 + h.lines.len()).sum();
            lines + usize::from(diff.is_new_file) + usize::from(diff.more_lines > 0)
        })
}

/// The tool lines of an answer: each headline, under a command its output and exit, under
/// an applied edit its diff.
pub(super) fn tool_lines(entry: &Entry, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut rows = Vec::new();
    for tool in &entry.tools {
        rows.extend(tool_headline(tool, width, theme));
        rows.extend(
            tool.detail_rows()
                .into_iter()
                .map(|row| Line::styled(row, theme.muted())),
        );
        if let Some(diff) = shown_diff(tool) {
            rows.extend(diff_rows(diff, width, theme));
        }
    }
    rows
}
