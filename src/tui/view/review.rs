//! The review area under the transcript: the edit (as a diff) or the command line a turn
//! waits on, the keys that decide it in its bottom border, and after `n` the reason field.
//! Everything shown from the model is escaped.

use std::cell::Ref;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{diff, pane_block};
use crate::agent::ApprovalRequest;
use crate::tui::keymap::{Action, Scope};
use crate::tui::markdown;
use crate::tui::state::{AppState, Review};

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let Some(review) = state.chat.reviews.current() else {
        return;
    };
    let theme = state.theme;
    let waiting = state.chat.reviews.queue.len();
    let more = if waiting > 1 {
        format!(" · {} more waiting", waiting - 1)
    } else {
        String::new()
    };
    let what = match &review.request {
        ApprovalRequest::Edit { path, .. } => {
            let (added, removed) = review.counts;
            format!(
                "edit {} +{added} −{removed}",
                crate::terminal_text::escape_line(path)
            )
        }
        ApprovalRequest::Command { .. } => "run this command?".to_owned(),
    };
    let block = pane_block(format!(" Review · {what}{more} "), true, theme)
        .title_bottom(Line::styled(hints(state, review), theme.muted()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let reason_rows = u16::from(review.reason.is_some());
    let body = Rect {
        height: inner.height.saturating_sub(reason_rows),
        ..inner
    };
    let rows = body_rows(state, review, body.width);
    let height = usize::from(body.height);
    let top = review.scroll.min(rows.len().saturating_sub(height));
    let shown: Vec<Line<'static>> = rows.iter().skip(top).take(height).cloned().collect();
    frame.render_widget(Paragraph::new(shown), body);
    if let Some(reason) = &review.reason {
        let row = Rect {
            y: body.y + body.height,
            height: 1,
            ..inner
        };
        let line = Line::from(vec![
            Span::styled("✗ reason for the model (optional): ", theme.warning()),
            Span::styled(reason.with_cursor(), theme.text()),
        ]);
        frame.render_widget(Paragraph::new(line), row);
    }
}

/// The keys that decide this request, from the key table.
fn hints(state: &AppState, review: &Review) -> String {
    let label = |action| state.keys.label(Scope::Review, action);
    if review.reason.is_some() {
        return " Enter send · Esc back ".to_owned();
    }
    let grant = if review.is_edit() {
        format!("{} all edits", label(Action::ApproveAllEdits))
    } else {
        format!("{} always this command", label(Action::AlwaysCommand))
    };
    format!(
        " {} yes · {} no · {grant} · {} scroll · {} stop ",
        label(Action::Approve),
        label(Action::Reject),
        label(Action::Up),
        label(Action::Stop),
    )
}

/// Rows of the review's body at `width`: what the scrolling keys page through.
pub fn row_count(state: &AppState, width: u16) -> usize {
    state
        .chat
        .reviews
        .current()
        .map_or(0, |review| body_rows(state, review, width).len())
}

fn body_rows<'a>(state: &AppState, review: &'a Review, width: u16) -> Ref<'a, [Line<'static>]> {
    let is_fresh = review
        .rows
        .0
        .borrow()
        .as_ref()
        .is_some_and(|(w, _)| *w == width);
    if !is_fresh {
        let rows = match &review.request {
            ApprovalRequest::Edit { diff, .. } => diff::rows(diff, width, state.theme),
            ApprovalRequest::Command { command } => command_rows(state, command, width),
        };
        *review.rows.0.borrow_mut() = Some((width, rows));
    }
    Ref::map(review.rows.0.borrow(), |cache| {
        cache.as_ref().map_or(&[][..], |(_, rows)| rows.as_slice())
    })
}

/// `$ cargo test`, then which protection the command will run under.
fn command_rows(state: &AppState, command: &str, width: u16) -> Vec<Line<'static>> {
    let theme = state.theme;
    let width = usize::from(width);
    let mut rows = Vec::new();
    for (index, line) in crate::terminal_text::escape(command)
        .split('\n')
        .enumerate()
    {
        let prompt = if index == 0 { "$ " } else { "  " };
        rows.extend(markdown::wrap(
            vec![Span::styled(line.replace('\t', "    "), theme.text())],
            width,
            Span::styled(prompt, theme.accent()),
            Span::raw("  "),
        ));
    }
    rows.push(Line::default());
    let protection = format!(
        "Runs with sh -c in the workspace. {}.",
        state.sandbox.sentence(state.network)
    );
    rows.extend(markdown::wrap(
        vec![Span::styled(protection, theme.muted())],
        width,
        Span::raw(""),
        Span::raw(""),
    ));
    rows
}
