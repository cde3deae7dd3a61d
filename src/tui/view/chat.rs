//! The chat: transcript over the message input. Only the rows in view are built each frame;
//! finished messages keep their rendered lines in a per-entry cache, and only the message
//! still streaming is rendered again when text arrives.

use std::cell::Ref;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{elapsed, pane_block, short, spinner};
use crate::tui::keymap::{self, Action, Scope};
use crate::tui::markdown;
use crate::tui::state::{
    AppState, Entry, EntryEnd, Pane, Rendered, Scroll, Speaker, TranscriptMetrics, Turn,
};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let input_rows = state.chat.input.lines().len().clamp(1, 6) as u16;
    let [transcript_area, input_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(input_rows + 2)]).areas(area);
    draw_transcript(frame, state, transcript_area);
    draw_input(frame, state, input_area);
}

fn draw_transcript(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let focused = state.focus == Pane::Chat;
    let target = match (&state.chat.last_target, &state.models.chosen) {
        (Some((model, deployment)), _) if !deployment.is_empty() => {
            format!(" · {model} · {}", short(deployment))
        }
        (Some((model, _)), _) => format!(" · {model}"),
        (None, Some(model)) => match &state.deployments.chosen {
            Some(id) => format!(" · {model} · {}", short(id)),
            None => format!(" · {model}"),
        },
        (None, None) => String::new(),
    };
    let mut block = pane_block(format!(" Chat{target} "), focused, theme);
    if let Scroll::At(_) = state.chat.scroll {
        block = block.title_bottom(
            Line::styled(" ↑ scrolled · End follows ", theme.warning()).right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = transcript_lines(state, inner.width, inner.height);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_input(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let focused = state.focus == Pane::Chat;
    let block = pane_block(" Message ", focused, theme)
        .title(Line::styled(" Enter send · A-Enter/C-j new line ", theme.muted()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(&state.chat.input, inner);
}

/// The rows of the transcript in view at `width`×`height`, honouring the scroll position.
/// Records the transcript height so scrolling keys know where the bottom is.
pub fn transcript_lines(state: &AppState, width: u16, height: u16) -> Vec<Line<'static>> {
    let theme = state.theme;
    let chat = &state.chat;
    if chat.entries.is_empty() {
        return welcome(theme, width);
    }
    let height = usize::from(height);
    let heights: Vec<usize> = chat
        .entries
        .iter()
        .map(|entry| 1 + body(entry, width, theme).lines.len() + tail(entry, state).len() + 1)
        .collect();
    let total: usize = heights.iter().sum();
    chat.metrics.set(TranscriptMetrics { total, height });
    let bottom = total.saturating_sub(height);
    let top = match chat.scroll {
        Scroll::Follow => bottom,
        Scroll::At(top) => top.min(bottom),
    };
    let mut out = Vec::with_capacity(height);
    let mut start = 0;
    for (entry, entry_height) in chat.entries.iter().zip(&heights) {
        let end = start + entry_height;
        if end > top && start < top + height {
            let from = top.saturating_sub(start);
            let to = (top + height - start).min(*entry_height);
            out.extend(entry_rows(entry, state, width, from, to));
        }
        if end >= top + height {
            break;
        }
        start = end;
    }
    out
}

fn entry_rows(
    entry: &Entry,
    state: &AppState,
    width: u16,
    from: usize,
    to: usize,
) -> Vec<Line<'static>> {
    let theme = state.theme;
    let header = match &entry.speaker {
        Speaker::You => "you".to_owned(),
        Speaker::Model(model) => model.clone(),
    };
    let rendered = body(entry, width, theme);
    let tail = tail(entry, state);
    let mut rows = Vec::with_capacity(to - from);
    for index in from..to {
        let line = if index == 0 {
            Line::styled(header.clone(), theme.speaker())
        } else if index <= rendered.lines.len() {
            rendered.lines[index - 1].clone()
        } else if let Some(line) = tail.get(index - 1 - rendered.lines.len()) {
            line.clone()
        } else {
            Line::default()
        };
        rows.push(line);
    }
    rows
}

/// The entry's text rendered at `width`, from the cache when the text has not changed.
fn body(entry: &Entry, width: u16, theme: Theme) -> Ref<'_, Rendered> {
    let is_fresh = entry
        .cache
        .0
        .borrow()
        .as_ref()
        .is_some_and(|r| r.width == width && r.text_len == entry.text.len());
    if !is_fresh {
        let lines = match entry.speaker {
            Speaker::You => entry
                .text
                .split('\n')
                .flat_map(|line| {
                    markdown::wrap(
                        vec![Span::raw(line.to_owned())],
                        usize::from(width),
                        Span::raw(""),
                        Span::raw(""),
                    )
                })
                .collect(),
            Speaker::Model(_) => markdown::render(&entry.text, width, theme),
        };
        *entry.cache.0.borrow_mut() = Some(Rendered {
            width,
            text_len: entry.text.len(),
            lines,
        });
    }
    Ref::map(entry.cache.0.borrow(), |cache| {
        cache.as_ref().expect("filled just above")
    })
}

/// Lines after the text: the streaming cursor, or why the answer ended early.
fn tail(entry: &Entry, state: &AppState) -> Vec<Line<'static>> {
    let theme = state.theme;
    let retry = || {
        keymap::BINDINGS
            .iter()
            .find(|b| b.action == Action::Retry && b.scope == Scope::Chat)
            .map_or("C-r", |b| b.label)
    };
    match &entry.end {
        EntryEnd::Finished => Vec::new(),
        EntryEnd::Open => match &state.chat.turn {
            Turn::Streaming {
                started, waiting, ..
            } if entry.text.is_empty() => {
                let why = waiting
                    .clone()
                    .unwrap_or_else(|| "waiting for the first token".into());
                vec![Line::styled(
                    format!(
                        "{} {why} · {}",
                        spinner(state.now),
                        elapsed(state.now, *started)
                    ),
                    theme.muted(),
                )]
            }
            Turn::Streaming { .. } | Turn::Idle => vec![Line::styled("▍", theme.accent())],
        },
        EntryEnd::StoppedByEsc => vec![Line::styled("■ stopped by Esc", theme.warning())],
        EntryEnd::Cut(error) => vec![
            Line::from(vec![
                Span::styled(format!("■ stream cut: {} — ", error.message), theme.error()),
                Span::styled(retry().to_owned(), theme.key()),
                Span::styled(" to retry", theme.error()),
            ]),
            Line::styled(error.hint.clone(), theme.muted()),
        ],
    }
}

fn welcome(theme: Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled("Ask about code.", theme.accent()),
        Line::default(),
    ];
    lines.extend(markdown::wrap(
        vec![Span::styled(
            "Pick a model (m) and a deployment (d), then type here. Enter sends; Alt+Enter or Ctrl+J adds a line; Esc stops an answer; F1 shows every key.",
            theme.muted(),
        )],
        usize::from(width),
        Span::raw(""),
        Span::raw(""),
    ));
    lines
}
