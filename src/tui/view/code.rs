//! The code view in the left column: a file attached with `@path`, a code block of the last
//! answer (numbered and syntax-highlighted) or an edit the model proposed (as a diff with
//! `+`/`-` marks and old/new line numbers), scrolled by rows. Its highlighted rows are
//! cached for the shown item and width; highlighting a long file every frame would be slow.

use std::cell::Ref;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane_block;
use crate::agent::diff::{Hunk, LineKind};
use crate::tui::keymap::{Action, Scope};
use crate::tui::markdown;
use crate::tui::state::{AppState, CodeItem, CodeRender, Pane, ProposalEntry, ProposalStatus};
use crate::tui::theme::Theme;

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
    if let Some(proposal) = item.proposal {
        draw_proposal(frame, state, area, proposal, (index, items.len()));
        return;
    }
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
        state.keys.label(Scope::Code, Action::PrevItem),
        state.keys.label(Scope::Code, Action::CopyShown),
        state.keys.label(Scope::Code, Action::ToggleCode),
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

/// A proposed edit: its status in the title, the apply / reject keys at the bottom, and the
/// diff rows.
fn draw_proposal(
    frame: &mut Frame<'_>,
    state: &AppState,
    area: Rect,
    index: usize,
    (position, count): (usize, usize),
) {
    let theme = state.theme;
    let Some(entry) = state.code.proposals.get(index) else {
        return;
    };
    let title = format!(
        " Edit · {} +{} −{} · {} · {}/{count} ",
        entry.proposal.path,
        entry.added,
        entry.removed,
        entry.status.word(),
        position + 1,
    );
    let label = |action| state.keys.label(Scope::Code, action);
    let hints = match entry.status {
        ProposalStatus::Pending | ProposalStatus::Refused(_) => format!(
            " {} apply · {} reject · {} next ",
            label(Action::ApplyProposal),
            label(Action::RejectProposal),
            label(Action::PrevItem),
        ),
        ProposalStatus::Applying | ProposalStatus::Applied | ProposalStatus::Rejected => {
            format!(
                " {} next · {} copy ",
                label(Action::PrevItem),
                label(Action::CopyShown)
            )
        }
    };
    let block = pane_block(title, state.focus == Pane::Code, theme)
        .title_bottom(Line::styled(hints, theme.muted()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = proposal_lines(entry, inner.width, theme);
    show_rows(frame, state, inner, &lines);
}

/// Why it was refused (if it was), "new file" (if it is one), then the diff.
fn proposal_lines(entry: &ProposalEntry, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let ProposalStatus::Refused(reason) = &entry.status {
        lines.extend(markdown::wrap(
            vec![Span::styled(format!("! {reason}"), theme.error())],
            usize::from(width),
            Span::raw(""),
            Span::raw(""),
        ));
    }
    if entry.proposal.is_new_file {
        lines.push(Line::styled(
            format!("new file {}", entry.proposal.path),
            theme.muted(),
        ));
    }
    lines.extend(diff_lines(&entry.hunks, width, theme));
    lines
}

/// Rows of the shown item at `width`, as drawn: what the scrolling keys page through.
pub fn row_count(state: &AppState, width: u16) -> usize {
    let items = state.code_items();
    let index = state.code.item.min(items.len().saturating_sub(1));
    let Some(item) = items.get(index) else {
        return 0;
    };
    match item.proposal {
        Some(proposal) => state
            .code
            .proposals
            .get(proposal)
            .map_or(0, |entry| proposal_lines(entry, width, state.theme).len()),
        None => rendered(state, item, width).len(),
    }
}

/// `  3   3 │ text`, `  4     │-old`, `      4 │+new`: old and new line numbers, then the
/// mark, then the text, hard-wrapped at `width` with `┆` on the continuation rows.
pub fn diff_lines(hunks: &[Hunk], width: u16, theme: Theme) -> Vec<Line<'static>> {
    let last = hunks.last().map_or(1, |h| {
        (h.old_start + h.old_len).max(h.new_start + h.new_len)
    });
    let digits = last.to_string().len();
    let text_width = usize::from(width).saturating_sub(2 * digits + 4).max(4);
    let mut lines = Vec::new();
    for hunk in hunks {
        lines.push(Line::styled(hunk.header(), theme.accent()));
        let (mut old, mut new) = (hunk.old_start, hunk.new_start);
        for line in &hunk.lines {
            let (numbers, style) = match line.kind {
                LineKind::Context => {
                    let numbers = format!("{old:>digits$} {new:>digits$}");
                    old += 1;
                    new += 1;
                    (numbers, theme.text())
                }
                LineKind::Removed => {
                    let numbers = format!("{old:>digits$} {:>digits$}", "");
                    old += 1;
                    (numbers, theme.removed())
                }
                LineKind::Added => {
                    let numbers = format!("{:>digits$} {new:>digits$}", "");
                    new += 1;
                    (numbers, theme.added())
                }
            };
            let text: String = line.text.trim_end_matches('\r').replace('\t', "    ");
            let chars: Vec<char> = text.chars().collect();
            let mut rows: Vec<String> = chars
                .chunks(text_width)
                .map(|chunk| chunk.iter().collect())
                .collect();
            if rows.is_empty() {
                rows.push(String::new());
            }
            for (part, row) in rows.into_iter().enumerate() {
                // Wrapped rows repeat the mark, so it never rests on colour alone.
                let mark = line.kind.mark();
                let gutter = if part == 0 {
                    format!("{numbers} │")
                } else {
                    format!("{:>w$} ┆", "", w = 2 * digits + 1)
                };
                lines.push(Line::from(vec![
                    Span::styled(gutter, theme.muted()),
                    Span::styled(format!("{mark}{row}"), style),
                ]));
            }
            if line.missing_newline {
                lines.push(Line::styled(
                    format!(
                        "{:>w$} │ \\ no newline at end of file",
                        "",
                        w = 2 * digits + 1
                    ),
                    theme.muted(),
                ));
            }
        }
    }
    lines
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
        state.keys.label(Scope::Code, Action::ToggleCode)
    );
    lines.extend(markdown::wrap(
        vec![Span::styled(text, theme.muted())],
        usize::from(width),
        Span::raw(""),
        Span::raw(""),
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::diff;

    #[test]
    fn diff_rows_carry_marks_and_colour_only_with_colour_on() {
        let hunks = diff::hunks("a\nb\n", "a\nc\n");
        let text = |theme| -> Vec<String> {
            diff_lines(&hunks, 40, theme)
                .iter()
                .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
                .collect()
        };
        let plain = Theme::from_no_color(Some("1"));
        assert_eq!(
            text(plain),
            ["@@ -1,2 +1,2 @@", "1 1 │ a", "2   │-b", "  2 │+c"]
        );
        let rows = diff_lines(&hunks, 40, plain);
        assert!(
            rows.iter()
                .flat_map(|l| &l.spans)
                .all(|s| s.style.fg.is_none())
        );
        let rows = diff_lines(&hunks, 40, Theme::default());
        assert_eq!(rows[2].spans[1].style, Theme::default().removed());
        assert_eq!(rows[3].spans[1].style, Theme::default().added());
    }
}
