//! What follows an entry's text: the streaming cursor and spinner, or why the answer ended
//! early (stopped, failed, cut) with the key that retries.

use ratatui::text::{Line, Span};

use super::wrapped;
use crate::tui::keymap::{ChatAction, Scope};
use crate::tui::state::{AppState, Entry, EntryEnd, Turn};
use crate::tui::view::{elapsed, spinner};

/// Lines after the text: the streaming cursor, or why the answer ended early, wrapped at
/// `width`.
pub fn tail(entry: &Entry, state: &AppState, width: u16) -> Vec<Line<'static>> {
    tail_spans(entry, state)
        .into_iter()
        .flat_map(|spans| wrapped(spans, width))
        .collect()
}

fn tail_spans(entry: &Entry, state: &AppState) -> Vec<Vec<Span<'static>>> {
    let theme = state.theme;
    match &entry.end {
        EntryEnd::Finished => Vec::new(),
        EntryEnd::Open => match &state.chat.turn {
            Turn::Streaming {
                started, waiting, ..
            } if entry.text.is_empty() => {
                // Waiting for the user: no spinner, no clock (nothing works, nothing ticks).
                if state.chat.reviews.is_open() {
                    return vec![vec![Span::styled(
                        "▸ waiting for your decision below",
                        theme.muted(),
                    )]];
                }
                let why = if let Some(retrying) = waiting {
                    retrying.clone()
                } else if entry.tools.is_empty() {
                    "waiting for the first token".to_owned()
                } else {
                    "working with the tools".to_owned()
                };
                vec![vec![Span::styled(
                    format!(
                        "{} {why} · {}",
                        spinner(state.now),
                        elapsed(state.now, *started)
                    ),
                    theme.muted(),
                )]]
            }
            Turn::Streaming { .. } | Turn::Idle => vec![vec![Span::styled("▍", theme.accent())]],
        },
        EntryEnd::StoppedByEsc => vec![vec![Span::styled(
            format!(
                "■ stopped by {}",
                state.keys.label(Scope::Chat, ChatAction::Stop)
            ),
            theme.warning(),
        )]],
        EntryEnd::Cut(error) => vec![
            vec![
                Span::styled(
                    // "stream cut" only where a stream was: a refused connection, a 401
                    // or a 429 before any text failed the request, it cut nothing.
                    if entry.text.is_empty() && entry.tools.is_empty() {
                        format!("■ failed: {} — ", error.message)
                    } else {
                        format!("■ stream cut: {} — ", error.message)
                    },
                    theme.error(),
                ),
                Span::styled(
                    state.keys.label(Scope::Chat, ChatAction::Retry),
                    theme.key(),
                ),
                Span::styled(" to retry", theme.error()),
            ],
            vec![Span::styled(error.hint.clone(), theme.muted())],
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::event::ErrorView;
    use crate::tui::state::Speaker;
    use crate::tui::test_support::picked;

    #[test]
    fn a_request_that_failed_before_any_text_is_not_called_a_cut_stream() {
        let state = picked(100, 30);
        let error = || ErrorView::new("cannot connect: connection refused", "check the URL");
        let first_line = |entry: &Entry| -> String {
            tail_spans(entry, &state)[0]
                .iter()
                .map(|span| span.content.as_ref())
                .collect()
        };
        let refused = Entry::new(
            Speaker::Model("gpt-4o".into()),
            String::new(),
            EntryEnd::Cut(error()),
        );
        assert!(first_line(&refused).starts_with("■ failed: cannot connect"));
        let cut = Entry::new(
            Speaker::Model("gpt-4o".into()),
            "half an ans".into(),
            EntryEnd::Cut(error()),
        );
        assert!(first_line(&cut).starts_with("■ stream cut: cannot connect"));
    }
}
