//! `draw(frame, &AppState)`: splits the screen and calls one pure function per pane. Wide
//! terminals get the pickers beside the chat; below 100 columns the left column collapses
//! into a one-line summary and `m`/`d` open the pickers full width.

mod chat;
mod code;
mod composer;
mod deployments;
pub(crate) mod diff;
pub(crate) mod footer;
mod help;
pub mod layout;
mod models;
mod path_popup;
mod resume;
mod review;
mod settings;
mod slash;

pub use chat::transcript_lines;
pub use code::row_count as code_rows;
pub use help::row_count as help_rows;
pub use review::row_count as review_rows;

use std::time::{Duration, SystemTime};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::keymap::{GlobalAction, Scope};
use super::state::{AppState, Connection, LeftPane, Load, Overlay, Pane};
use super::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, state: &AppState) {
    let area = frame.area();
    if layout::is_too_small(area) {
        frame.render_widget(Paragraph::new("sapcode: terminal too small"), area);
        return;
    }
    let areas = layout::areas(area, state);
    frame.render_widget(header_line(state, areas.header.width), areas.header);
    match areas.summary {
        Some(summary) => {
            frame.render_widget(summary_line(state), summary);
            match state.focus {
                Pane::Models => models::draw(frame, state, areas.models),
                Pane::Deployments => deployments::draw(frame, state, areas.deployments),
                Pane::Code => code::draw(frame, state, areas.code),
                Pane::Chat => chat::draw(frame, state, areas.chat),
            }
        }
        None => {
            match state.left {
                LeftPane::Pickers => {
                    models::draw(frame, state, areas.models);
                    deployments::draw(frame, state, areas.deployments);
                }
                LeftPane::Code => code::draw(frame, state, areas.code),
            }
            chat::draw(frame, state, areas.chat);
        }
    }
    footer::draw(frame, state, areas.footer);
    match state.overlay {
        Overlay::None => {}
        Overlay::Settings => settings::draw(frame, state, area),
        Overlay::Help => help::draw(frame, state, area),
        Overlay::Resume => resume::draw(frame, state, area),
    }
}

fn header_line(state: &AppState, width: u16) -> Line<'static> {
    let theme = state.theme;
    let mode = state.mode.as_str();
    let left = format!(
        " sapcode · profile {} · resource group {} · {mode}",
        state.profile, state.resource_group
    );
    let right = match (&state.connection, &state.models.list) {
        (Connection::Connecting, _) => format!("{} connecting ", spinner(state.now)),
        (Connection::Failed(_), _) => "✗ not connected ".into(),
        (Connection::Ready(_), Load::Ready(listing)) => {
            let cached = if listing.from_cache { " (cache)" } else { "" };
            format!("⟳ models {}{cached} ", age(state.now, listing.fetched_at))
        }
        (Connection::Ready(_), Load::Loading { .. }) => {
            format!("{} loading models ", spinner(state.now))
        }
        (Connection::Ready(info), Load::NotLoaded | Load::Failed(_)) => {
            format!("{} ", info.source)
        }
    };
    split_line(
        vec![Span::styled(left, theme.accent())],
        vec![Span::styled(right, theme.muted())],
        width,
    )
}

fn summary_line(state: &AppState) -> Line<'static> {
    let theme = state.theme;
    let model = state
        .models
        .chosen
        .clone()
        .unwrap_or_else(|| "no model".into());
    let deployment = match state.mode {
        crate::aicore::Mode::Orchestration => "via orchestration".to_owned(),
        crate::aicore::Mode::Foundation => state.deployments.chosen.as_deref().map_or_else(
            || "no deployment".into(),
            |id| format!("deployment {}", short(id)),
        ),
    };
    // The keys that work where the focus is (never letters: typing is text everywhere), and
    // Tab goes to the next pane, not the chat.
    let (scope, wanted): (Scope, &[(GlobalAction, &str)]) = if state.focus == Pane::Chat {
        (
            Scope::Chat,
            &[
                (GlobalAction::FocusModels, "models"),
                (GlobalAction::ToggleCode, "code"),
                (GlobalAction::NextPane, "next pane"),
            ],
        )
    } else {
        (
            Scope::Models,
            &[
                (GlobalAction::FocusDeployments, "deployments"),
                (GlobalAction::ToggleCode, "code"),
                (GlobalAction::FocusChat, "chat"),
            ],
        )
    };
    let hints: String = wanted
        .iter()
        .filter_map(|(action, what)| {
            let label = state.keys.label(scope, *action);
            (!label.is_empty()).then(|| format!("  {label} {what}"))
        })
        .collect();
    let hints = format!(" {hints}");
    Line::from(vec![
        Span::styled(format!(" model {model}"), theme.text()),
        Span::styled(format!(" · {deployment}"), theme.text()),
        Span::styled(hints, theme.muted()),
    ])
}

/// A pane frame: focused panes get the accent border.
pub(super) fn pane_block(
    title: impl Into<Line<'static>>,
    focused: bool,
    theme: Theme,
) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Plain)
        .border_style(theme.border(focused))
        .title(title)
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Left and right parts on one line, the right part flush right when there is room.
pub(super) fn split_line(
    left: Vec<Span<'static>>,
    right: Vec<Span<'static>>,
    width: u16,
) -> Line<'static> {
    let used: usize = left.iter().chain(&right).map(Span::width).sum();
    let mut spans = left;
    if used < usize::from(width) {
        spans.push(Span::raw(" ".repeat(usize::from(width) - used)));
        spans.extend(right);
    }
    Line::from(spans)
}

/// Braille spinner frame from the injected clock, so snapshots are stable.
pub(crate) fn spinner(now: SystemTime) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    let millis = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    FRAMES[(millis / 80 % 10) as usize]
}

pub(super) fn age(now: SystemTime, then: SystemTime) -> String {
    let elapsed = now.duration_since(then).unwrap_or(Duration::ZERO).as_secs();
    match elapsed {
        0..=9 => "just now".into(),
        10..=59 => format!("{elapsed} s ago"),
        60..=3599 => format!("{} min ago", elapsed / 60),
        3600..=86_399 => format!("{} h ago", elapsed / 3600),
        _ => format!("{} d ago", elapsed / 86_400),
    }
}

pub(crate) fn elapsed(now: SystemTime, since: SystemTime) -> String {
    let d = now.duration_since(since).unwrap_or(Duration::ZERO);
    format!("{:.1} s", d.as_secs_f64())
}

pub(super) fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Fits `text` into `width` cells, ending in `…` when cut.
pub(super) fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    // Cells hold the server's names and states: bidi overrides (which ratatui, unlike control
    // characters, lets through) show escaped, so a name cannot reorder what its row says.
    let text = crate::terminal_text::escape_line(text);
    let text = text.as_ref();
    let mut out = String::new();
    let mut used = 0;
    let total: usize = unicode_width::UnicodeWidthStr::width(text);
    if total <= width {
        let pad = width - total;
        return format!("{text}{}", " ".repeat(pad));
    }
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > width {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

pub(super) fn error_lines(
    error: &super::event::ErrorView,
    retry: &str,
    theme: Theme,
) -> Vec<Line<'static>> {
    vec![
        Line::styled(format!("✗ {}", error.message), theme.error()),
        Line::styled(error.hint.clone(), theme.text()),
        Line::from(vec![
            Span::styled(retry.to_owned(), theme.key()),
            Span::styled(" to retry", theme.muted()),
        ]),
    ]
}
