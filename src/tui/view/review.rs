//! The review area under the transcript: the edit (as a diff) or the command line a turn
//! waits on, the keys that decide it in its bottom border, and after `n` the reason field.
//! Every line is there to scroll to; while some are out of view the last row says how many.
//! Everything shown from the model is escaped, invisible characters included.

use std::cell::Ref;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{diff, pane_block};
use crate::agent::ApprovalRequest;
use crate::tui::keymap::{ReviewAction, Scope};
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
                crate::terminal_text::visible(path)
            )
        }
        ApprovalRequest::Command { command } => match command.split('\n').count() {
            1 => "run this command?".to_owned(),
            lines => format!("run this command? ({lines} lines)"),
        },
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
    let mut shown: Vec<Line<'static>> = rows.iter().skip(top).take(height).cloned().collect();
    let below = rows.len().saturating_sub(top + height);
    if below > 0
        && let Some(last) = shown.last_mut()
    {
        // The row it covers is one scroll step away; at the end nothing is covered.
        *last = Line::styled(
            format!(
                "… {} more lines ({} to scroll)",
                below + 1,
                state.keys.label(Scope::Review, ReviewAction::Down)
            ),
            theme.warning(),
        );
    }
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
        format!("{} all edits", label(ReviewAction::ApproveAllEdits))
    } else {
        format!("{} always this command", label(ReviewAction::AlwaysCommand))
    };
    format!(
        " {} yes · {} no · {grant} · {} scroll · {} stop ",
        label(ReviewAction::Approve),
        label(ReviewAction::Reject),
        label(ReviewAction::Up),
        label(ReviewAction::Stop),
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
            ApprovalRequest::Edit {
                hunks, is_new_file, ..
            } => diff::rows(hunks, *is_new_file, width, state.theme),
            ApprovalRequest::Command { command } => command_rows(state, command, width),
        };
        *review.rows.0.borrow_mut() = Some((width, rows));
    }
    Ref::map(review.rows.0.borrow(), |cache| {
        cache.as_ref().map_or(&[][..], |(_, rows)| rows.as_slice())
    })
}

/// `$ cargo test`, every line of it hard-wrapped by display width (`┆` on continuation
/// rows, so a wrap is never mistaken for a space or a new line), then which protection the
/// command will run under.
fn command_rows(state: &AppState, command: &str, width: u16) -> Vec<Line<'static>> {
    let theme = state.theme;
    let width = usize::from(width);
    let mut rows = Vec::new();
    for (index, line) in command.split('\n').enumerate() {
        for (part_index, part) in diff::hard_wrap(&diff::shown(line), width.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let prompt = match (index, part_index) {
                (0, 0) => "$ ",
                (_, 0) => "  ",
                _ => "┆ ",
            };
            rows.push(Line::from(vec![
                Span::styled(prompt, theme.accent()),
                Span::styled(part, theme.text()),
            ]));
        }
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
