//! Keys of the model and deployment pickers. The deployment cursor only ever rests on a
//! RUNNING row: moving skips the others, so a greyed deployment cannot be picked.

use crossterm::event::{KeyCode, KeyEvent};

use super::{load_deployments, load_models};
use crate::aicore::Mode;
use crate::tui::event::Effect;
use crate::tui::keymap::{ListAction, ModelsAction};
use crate::tui::state::{AppState, Connection, Filter, Pane};
use crate::tui::text_input::TextInput;

pub(super) fn on_action(state: &mut AppState, action: ListAction) -> Vec<Effect> {
    if matches!(state.connection, Connection::Failed(_)) && action == ListAction::Refresh {
        state.connection = Connection::Connecting;
        return vec![Effect::Connect];
    }
    match state.focus {
        Pane::Models => models_action(state, action),
        Pane::Deployments => deployments_action(state, action),
        Pane::Code | Pane::Chat => Vec::new(),
    }
}

/// The model picker's own keys: the filter and the all-models switch.
pub(super) fn on_models_action(state: &mut AppState, action: ModelsAction) -> Vec<Effect> {
    let models = &mut state.models;
    match action {
        ModelsAction::Filter => {
            models.filter = Filter::Typing(Box::new(TextInput::single_line(&models.filter.text())));
        }
        ModelsAction::ToggleAll => {
            models.show_all = !models.show_all;
            let count = models.visible().len();
            models.cursor = models.cursor.min(count.saturating_sub(1));
        }
    }
    Vec::new()
}

fn models_action(state: &mut AppState, action: ListAction) -> Vec<Effect> {
    let count = state.models.visible().len();
    let models = &mut state.models;
    match action {
        ListAction::Up => models.cursor = models.cursor.saturating_sub(1),
        ListAction::Down => models.cursor = (models.cursor + 1).min(count.saturating_sub(1)),
        ListAction::Top => models.cursor = 0,
        ListAction::Bottom => models.cursor = count.saturating_sub(1),
        ListAction::Refresh => {
            let mut effects = load_models(state, true);
            effects.extend(load_deployments(state, true));
            return effects;
        }
        ListAction::Pick => return pick_model(state),
    }
    Vec::new()
}

fn pick_model(state: &mut AppState) -> Vec<Effect> {
    let Some(model) = state
        .models
        .visible()
        .get(state.models.cursor)
        .map(|m| (*m).clone())
    else {
        return Vec::new();
    };
    if state.mode == Mode::Foundation && model.running_deployments == 0 {
        refuse_unusable_model(state, &model);
        return Vec::new();
    }
    if state.models.chosen.as_deref() != Some(model.name.as_str()) {
        state.deployments.chosen = None;
    }
    state.models.chosen = Some(model.name.clone());
    place_deployment_cursor(state);
    match state.mode {
        Mode::Foundation => {
            state.focus = Pane::Deployments;
            Vec::new()
        }
        Mode::Orchestration => {
            state.focus = Pane::Chat;
            vec![Effect::SaveChoice {
                model: model.name,
                deployment: None,
            }]
        }
    }
}

/// Foundation mode cannot talk to a model without a RUNNING deployment: the working model
/// and deployment stay, and the notice says why and what would work (as the CLI's hint).
fn refuse_unusable_model(state: &mut AppState, model: &crate::aicore::ModelEntry) {
    // Short enough for one footer line at 120 columns.
    let kept = match &state.models.chosen {
        Some(chosen) => format!(" (kept {chosen})"),
        None => String::new(),
    };
    let instead = if model.orchestration {
        "orchestration can serve it: /mode orchestration".to_owned()
    } else {
        "pick another, or deploy it in SAP AI Launchpad".to_owned()
    };
    state.notice = Some(format!(
        "{} has no RUNNING deployment in foundation mode{kept}; {instead}",
        model.name
    ));
}

fn deployments_action(state: &mut AppState, action: ListAction) -> Vec<Effect> {
    let running: Vec<bool> = state
        .deployments
        .rows(state.mode, state.models.chosen.as_deref())
        .iter()
        .map(|d| d.is_running())
        .collect();
    let cursor = state.deployments.cursor;
    let next = match action {
        ListAction::Up => running[..cursor.min(running.len())]
            .iter()
            .rposition(|r| *r),
        ListAction::Down => running
            .iter()
            .enumerate()
            .skip(cursor + 1)
            .find(|(_, r)| **r)
            .map(|(i, _)| i),
        ListAction::Top => running.iter().position(|r| *r),
        ListAction::Bottom => running.iter().rposition(|r| *r),
        ListAction::Refresh => return load_deployments(state, true),
        ListAction::Pick => return pick_deployment(state),
    };
    if let Some(next) = next {
        state.deployments.cursor = next;
    }
    Vec::new()
}

fn pick_deployment(state: &mut AppState) -> Vec<Effect> {
    let rows = state
        .deployments
        .rows(state.mode, state.models.chosen.as_deref());
    let Some(row) = rows.get(state.deployments.cursor) else {
        state.notice = Some(match &state.models.chosen {
            Some(model) => format!("no deployment of {model} to pick"),
            None => "pick a model first (m)".into(),
        });
        return Vec::new();
    };
    if !row.is_running() {
        state.notice = Some(format!(
            "deployment {} is {}, not RUNNING: it cannot be picked",
            short_id(&row.id),
            row.status
        ));
        return Vec::new();
    }
    let id = row.id.clone();
    state.deployments.chosen = Some(id.clone());
    state.focus = Pane::Chat;
    match &state.models.chosen {
        Some(model) => vec![Effect::SaveChoice {
            model: model.clone(),
            deployment: Some(id),
        }],
        None => Vec::new(),
    }
}

pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Puts the cursor on the remembered deployment if it is RUNNING, else the first RUNNING row.
pub(super) fn place_deployment_cursor(state: &mut AppState) {
    let rows = state
        .deployments
        .rows(state.mode, state.models.chosen.as_deref());
    let remembered = state
        .deployments
        .chosen
        .as_deref()
        .and_then(|id| rows.iter().position(|d| d.id == id && d.is_running()));
    state.deployments.cursor = remembered
        .or_else(|| rows.iter().position(|d| d.is_running()))
        .unwrap_or(0);
}

/// Keys while the filter is typed: the text input edits it; Enter applies it and picks the
/// row under the cursor; Esc drops it; Up and Down still move the cursor.
pub(super) fn on_filter_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let models = &mut state.models;
    let Filter::Typing(input) = &mut models.filter else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => models.filter = Filter::Off,
        KeyCode::Enter => {
            models.filter = Filter::Applied(input.text());
            return pick_model(state);
        }
        KeyCode::Up => return models_action(state, ListAction::Up),
        KeyCode::Down => return models_action(state, ListAction::Down),
        _ => {
            if input.on_key(key) {
                models.cursor = 0;
            }
        }
    }
    Vec::new()
}

/// A letter typed in the model picker starts the filter (or goes on with the applied one).
pub(super) fn start_filter(state: &mut AppState, first: char) {
    let text = format!("{}{first}", state.models.filter.text());
    state.models.filter = Filter::Typing(Box::new(TextInput::single_line(&text)));
    state.models.cursor = 0;
}

/// Pasted text joins the filter while it is typed.
pub(super) fn on_paste(state: &mut AppState, text: &str) {
    if let Filter::Typing(input) = &mut state.models.filter {
        input.insert_str(text.trim());
        state.models.cursor = 0;
    }
}
