//! The deployment picker: status, id, version and age of the chosen model's deployments.
//! Non-RUNNING rows are dim and say their status; the cursor never rests on them. In
//! orchestration mode it lists the orchestration deployment(s) instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{age, error_lines, fit, pane_block, short, spinner};
use crate::aicore::{Deployment, Mode};
use crate::tui::keymap::{ListAction, Scope};
use crate::tui::state::{AppState, Connection, Load, Pane};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let pane = &state.deployments;
    let focused = state.focus == Pane::Deployments;
    let model = state.models.chosen.as_deref();
    let rows = pane.rows(state.mode, model);
    let running = rows.iter().filter(|d| d.is_running()).count();
    let title = match (state.mode, model) {
        (Mode::Orchestration, _) => " Deployments · orchestration ".to_owned(),
        (Mode::Foundation, Some(model)) if pane.list.data().is_some() => {
            format!(
                " Deployments · {model}   {running} running of {} ",
                rows.len()
            )
        }
        (Mode::Foundation, Some(model)) => format!(" Deployments · {model} "),
        (Mode::Foundation, None) => " Deployments ".to_owned(),
    };
    let block = pane_block(title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line<'static>> = Vec::new();
    match (&state.connection, &pane.list) {
        (Connection::Failed(_), _) => {
            lines.push(Line::styled(
                "not connected: see Settings (s)",
                theme.muted(),
            ));
        }
        (Connection::Connecting, _) | (Connection::Ready(_), Load::NotLoaded) => {
            lines.push(Line::styled(
                format!("{} connecting…", spinner(state.now)),
                theme.muted(),
            ));
        }
        (Connection::Ready(_), Load::Loading { since }) => {
            lines.push(Line::styled(
                format!(
                    "{} loading deployments… {}",
                    spinner(state.now),
                    super::elapsed(state.now, *since)
                ),
                theme.muted(),
            ));
        }
        (Connection::Ready(_), Load::Failed(error)) => lines.extend(error_lines(
            error,
            &state.keys.label(
                crate::tui::keymap::Scope::Models,
                crate::tui::keymap::ListAction::Refresh,
            ),
            theme,
        )),
        (Connection::Ready(_), Load::Ready(_)) => {
            if state.mode == Mode::Foundation && model.is_none() {
                let pick = state.keys.label(Scope::Models, ListAction::Pick);
                lines.push(Line::styled(
                    format!("pick a model above ({pick})"),
                    theme.muted(),
                ));
            } else if rows.is_empty() {
                let what = match state.mode {
                    Mode::Foundation => format!(
                        "{} has no deployment in resource group {}",
                        model.unwrap_or_default(),
                        state.resource_group
                    ),
                    Mode::Orchestration => format!(
                        "no orchestration deployment in resource group {}",
                        state.resource_group
                    ),
                };
                lines.push(Line::styled(what, theme.muted()));
                lines.push(Line::styled("r refreshes", theme.muted()));
            } else if running == 0 {
                lines.push(Line::styled(
                    "nothing RUNNING here: pick another model",
                    theme.warning(),
                ));
            }
            let height = usize::from(inner.height).saturating_sub(lines.len()).max(1);
            let offset = pane.cursor.saturating_sub(height - 1);
            for (index, deployment) in rows.iter().enumerate().skip(offset).take(height) {
                let is_cursor = index == pane.cursor && deployment.is_running();
                let is_chosen = pane.chosen.as_deref() == Some(deployment.id.as_str());
                lines.push(row(
                    deployment,
                    state.now,
                    is_cursor,
                    is_cursor && focused,
                    is_chosen,
                    usize::from(inner.width),
                    theme,
                ));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn row(
    deployment: &Deployment,
    now: std::time::SystemTime,
    is_cursor: bool,
    is_selected: bool,
    is_chosen: bool,
    width: usize,
    theme: Theme,
) -> Line<'static> {
    let pointer = if is_cursor { "›" } else { " " };
    let status = match &deployment.target_status {
        Some(target) if *target != deployment.status => {
            format!("{} → {target}", deployment.status)
        }
        Some(_) | None => deployment.status.clone(),
    };
    let version = deployment
        .model_version
        .clone()
        .unwrap_or_else(|| "—".into());
    let created = deployment
        .created_at
        .as_deref()
        .and_then(|at| humantime::parse_rfc3339_weak(at.trim_end_matches('Z')).ok())
        .map(|at| age(now, at))
        .unwrap_or_default();
    let chosen = if is_chosen { " ✓" } else { "" };
    // The version tells two RUNNING deployments of one model apart, so it always shows. In
    // a narrow column a status in transition (`PENDING → RUNNING`, not selectable) takes the
    // version's room instead.
    let columns = if width >= 56 {
        format!("{}  {}  ", fit(&status, 17), fit(&version, 10))
    } else if status.chars().count() <= 9 {
        format!("{}  {}  ", fit(&status, 9), fit(&version, 10))
    } else {
        format!("{}  ", fit(&status, 21))
    };
    let mut text = format!(
        "{pointer} {}  {columns}{created}{chosen}",
        short(&deployment.id),
    );
    let note = "  not selectable";
    if !deployment.is_running() && text.chars().count() + note.len() <= width {
        text.push_str(note);
    }
    let mut style = if deployment.is_running() {
        theme.text()
    } else {
        theme.disabled()
    };
    if is_selected {
        style = style.patch(theme.selected());
    }
    Line::from(vec![Span::styled(text, style)])
}
