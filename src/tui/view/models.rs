//! The model picker: provider, context, RUNNING/total deployments; models with nothing
//! RUNNING are dim and marked `○` in foundation mode (still listed, not usable).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{error_lines, fit, pane_block, spinner};
use crate::aicore::{Mode, ModelEntry};
use crate::tui::state::{AppState, Connection, Filter, Load, Pane};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let models = &state.models;
    let focused = state.focus == Pane::Models;
    let scope = if models.show_all {
        "all".to_owned()
    } else {
        "stream · text · ≥32k".to_owned()
    };
    let count = match &models.list {
        Load::Ready(_) => format!("   {} of {} ", models.visible().len(), models.total()),
        Load::NotLoaded | Load::Loading { .. } | Load::Failed(_) => " ".into(),
    };
    let mut title = format!(" Models  {scope}{count}");
    // The count matters more than the filter's description when the column is narrow.
    if title.chars().count() + 2 > usize::from(area.width) {
        title = format!(" Models{count}");
    }
    let block = pane_block(title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let shown = match &models.filter {
        Filter::Off => None,
        Filter::Applied(text) if text.is_empty() => None,
        Filter::Applied(text) => Some(text.clone()),
        Filter::Typing(input) => Some(input.with_cursor()),
    };
    if let Some(shown) = shown {
        lines.push(Line::from(vec![
            Span::styled("/ ", theme.key()),
            Span::raw(shown),
        ]));
    }
    match (&state.connection, &models.list) {
        (Connection::Failed(error), _) => {
            lines.extend(error_lines(
                error,
                &state.keys.label(
                    crate::tui::keymap::Scope::Models,
                    crate::tui::keymap::ListAction::Refresh,
                ),
                theme,
            ));
        }
        (Connection::Connecting, _) | (Connection::Ready(_), Load::NotLoaded) => {
            lines.push(Line::styled(
                format!("{} connecting to SAP AI Core…", spinner(state.now)),
                theme.muted(),
            ));
        }
        (Connection::Ready(_), Load::Loading { since }) => {
            lines.push(Line::styled(
                format!(
                    "{} loading the model catalog and deployments… {}",
                    spinner(state.now),
                    super::elapsed(state.now, *since)
                ),
                theme.muted(),
            ));
        }
        (Connection::Ready(_), Load::Failed(error)) => {
            lines.extend(error_lines(
                error,
                &state.keys.label(
                    crate::tui::keymap::Scope::Models,
                    crate::tui::keymap::ListAction::Refresh,
                ),
                theme,
            ));
        }
        (Connection::Ready(_), Load::Ready(_)) => {
            let visible = models.visible();
            if visible.is_empty() {
                let why = if models.filter.text().is_empty() {
                    "no model passes the filter: a shows all".to_owned()
                } else {
                    format!("no model matches '{}'", models.filter.text())
                };
                lines.push(Line::styled(why, theme.muted()));
            }
            // The model under the cursor is retiring: a line below the list says when and what
            // the catalog suggests instead.
            let retiring = visible
                .get(models.cursor)
                .filter(|m| m.lifecycle.deprecated)
                .map(|m| retiring_line(m, theme));
            let reserved = lines.len() + usize::from(retiring.is_some());
            let rows = usize::from(inner.height).saturating_sub(reserved).max(1);
            let offset = models.cursor.saturating_sub(rows - 1);
            for (index, model) in visible.iter().enumerate().skip(offset).take(rows) {
                let is_cursor = index == models.cursor;
                let is_chosen = models.chosen.as_deref() == Some(model.name.as_str());
                lines.push(row(
                    model,
                    state.mode,
                    is_cursor && focused,
                    is_cursor,
                    is_chosen,
                    width,
                    theme,
                ));
            }
            lines.extend(retiring);
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn row(
    model: &ModelEntry,
    mode: Mode,
    is_selected: bool,
    is_cursor: bool,
    is_chosen: bool,
    width: usize,
    theme: Theme,
) -> Line<'static> {
    let is_usable = match mode {
        Mode::Foundation => model.running_deployments > 0,
        Mode::Orchestration => model.orchestration,
    };
    let (counts, mark) = match mode {
        Mode::Foundation => (
            format!("{}/{}", model.running_deployments, model.total_deployments),
            if is_usable { "●" } else { "○" },
        ),
        Mode::Orchestration => (
            if model.orchestration { "orch" } else { "—" }.to_owned(),
            if is_usable { "●" } else { "○" },
        ),
    };
    let pointer = if is_cursor { "›" } else { " " };
    let chosen = if is_chosen { "✓" } else { " " };
    // A deprecated model says so where its provider was; the cursor's line says more.
    let provider = if model.lifecycle.deprecated {
        "deprecated".to_owned()
    } else {
        model.provider.clone().unwrap_or_default()
    };
    let context = model.context_length.map(context_word).unwrap_or_default();
    // pointer(2) + name + provider(10) + context(6) + counts(6) + mark(2) + chosen(1)
    let fixed = 2 + 1 + 10 + 6 + 6 + 2 + 1;
    let name_width = width.saturating_sub(fixed).max(6);
    let text = format!(
        "{pointer} {} {} {context:>5} {counts:>5} {mark}{chosen}",
        fit(&model.name, name_width),
        fit(&provider, 10),
    );
    let mut style = if is_usable {
        theme.text()
    } else {
        theme.disabled()
    };
    if is_selected {
        style = style.patch(theme.selected());
    }
    Line::styled(text, style)
}

/// `deprecated: retires 2026-03-31 · suggested gpt-4.1-mini, gpt-5-mini`.
fn retiring_line(model: &ModelEntry, theme: Theme) -> Line<'static> {
    let mut text = "deprecated".to_owned();
    if let Some(date) = &model.lifecycle.retirement_date {
        text.push_str(&format!(": retires {date}"));
    }
    if !model.lifecycle.suggested_replacements.is_empty() {
        text.push_str(&format!(
            " · suggested {}",
            model.lifecycle.suggested_replacements.join(", ")
        ));
    }
    Line::styled(
        crate::terminal_text::visible(&text).into_owned(),
        theme.warning(),
    )
}

fn context_word(tokens: u64) -> String {
    if tokens >= 1_000_000 {
        format!("{}M", tokens / 1_000_000)
    } else if tokens >= 1_000 {
        format!("{}k", tokens / 1_000)
    } else {
        tokens.to_string()
    }
}
