//! The settings overlay: moving between fields, editing one, importing a service key file,
//! and saving (which checks the credentials first). The secret is never shown once saved.

use crossterm::event::{KeyCode, KeyEvent};

use crate::aicore::Mode;
use crate::tui::event::{Effect, ErrorView, SettingsForm};
use crate::tui::keymap::{Action, GlobalAction, Scope, SettingsAction};
use crate::tui::state::{AppState, FIELDS, Field, Overlay, SettingsStatus};
use crate::tui::text_input::TextInput;

pub(super) fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if state.settings.editing.is_some() {
        return edit_key(state, key);
    }
    if matches!(state.settings.status, SettingsStatus::AskFileStore { .. }) {
        return answer_file_store(state, key);
    }
    let settings = &mut state.settings;
    match state.keys.lookup(Scope::Settings, &key) {
        Some(Action::Settings(action)) => match action {
            SettingsAction::Up => settings.field = settings.field.saturating_sub(1),
            SettingsAction::Down => settings.field = (settings.field + 1).min(FIELDS.len() - 1),
            SettingsAction::Pick => return activate(state),
            SettingsAction::ImportKey => {
                settings.field = FIELDS
                    .iter()
                    .position(|f| *f == Field::ImportKey)
                    .unwrap_or(0);
                settings.editing = Some(TextInput::single_line(""));
            }
            SettingsAction::Save => return save(state),
            SettingsAction::Close => close(state),
        },
        Some(Action::Global(GlobalAction::Quit)) => return super::quit(state),
        Some(Action::Global(GlobalAction::Help)) => state.overlay = Overlay::Help,
        // Moving between panes waits until the settings are closed.
        Some(_) | None => {}
    }
    Vec::new()
}

/// y keeps the secret in the file store (checked and saved again, now there); n leaves it
/// unsaved. Other keys wait for the answer.
fn answer_file_store(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y' | 'Y') => {
            state.settings.status = SettingsStatus::Checking { since: state.now };
            vec![Effect::SaveSettingsWithFileStore(
                state.settings.form.clone(),
            )]
        }
        // The credentials were checked already: use them for this run even unstored.
        KeyCode::Char('n' | 'N') | KeyCode::Esc => {
            state.settings.status = SettingsStatus::SecretNotStored;
            vec![Effect::ConnectForSession(state.settings.form.clone())]
        }
        _ => Vec::new(),
    }
}

/// Esc: closes, unless there are unsaved changes; then it asks once, and a second Esc drops
/// them and says so.
fn close(state: &mut AppState) {
    let settings = &mut state.settings;
    if settings.has_changes() && settings.status != SettingsStatus::ConfirmDiscard {
        settings.status = SettingsStatus::ConfirmDiscard;
        return;
    }
    if settings.has_changes() {
        settings.form = settings.saved_form.clone();
        state.notice = Some("settings changes dropped".into());
    }
    settings.status = SettingsStatus::Idle;
    state.overlay = Overlay::None;
}

fn activate(state: &mut AppState) -> Vec<Effect> {
    let settings = &mut state.settings;
    match settings.current() {
        Field::Mode => {
            settings.form.mode = match settings.form.mode {
                Mode::Foundation => Mode::Orchestration,
                Mode::Orchestration => Mode::Foundation,
            };
        }
        Field::Save => return save(state),
        Field::ClientSecret | Field::ImportKey => {
            settings.editing = Some(TextInput::single_line(""));
        }
        field @ (Field::Profile
        | Field::ClientId
        | Field::AuthUrl
        | Field::BaseUrl
        | Field::ResourceGroup) => {
            let value = field_value(&settings.form, field);
            settings.editing = Some(TextInput::single_line(value));
        }
    }
    Vec::new()
}

fn field_value(form: &SettingsForm, field: Field) -> &String {
    match field {
        Field::Profile => &form.profile,
        Field::ClientId => &form.client_id,
        Field::ClientSecret => &form.client_secret,
        Field::AuthUrl => &form.auth_url,
        Field::BaseUrl => &form.base_url,
        Field::ResourceGroup => &form.resource_group,
        Field::Mode | Field::ImportKey | Field::Save => &form.profile,
    }
}

fn edit_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Tab && state.settings.current() == Field::ImportKey {
        return complete_key_path(state);
    }
    let settings = &mut state.settings;
    let Some(input) = settings.editing.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => settings.editing = None,
        KeyCode::Enter => {
            let value = input.text().trim().to_owned();
            settings.editing = None;
            let field = settings.current();
            let form = &mut settings.form;
            match field {
                Field::ImportKey if !value.is_empty() => {
                    return vec![Effect::ImportKey { path: value }];
                }
                Field::Profile => form.profile = value,
                Field::ClientId => form.client_id = value,
                Field::ClientSecret => form.client_secret = value,
                Field::AuthUrl => form.auth_url = value,
                Field::BaseUrl => form.base_url = value,
                Field::ResourceGroup => form.resource_group = value,
                Field::ImportKey | Field::Mode | Field::Save => {}
            }
        }
        _ => {
            input.on_key(key);
        }
    }
    Vec::new()
}

fn complete_key_path(state: &mut AppState) -> Vec<Effect> {
    let Some(input) = state.settings.editing.as_ref() else {
        return Vec::new();
    };
    let prefix = input.text();
    let request = super::next_request(state);
    state.settings.completion = Some(request);
    vec![Effect::ListPath { request, prefix }]
}

/// Tab in the key-file field: the longest common completion goes in; several choices are
/// named below the fields.
pub(super) fn key_path_listed(
    state: &mut AppState,
    request: u64,
    prefix: &str,
    candidates: &[String],
) {
    let settings = &mut state.settings;
    let Some(input) = settings.editing.as_mut() else {
        return;
    };
    if settings.completion.take() != Some(request) || input.text() != prefix {
        return;
    }
    let Some(first) = candidates.first() else {
        state.notice = Some(format!("no file matches {prefix}"));
        return;
    };
    let common: String = candidates.iter().fold(first.clone(), |common, c| {
        common
            .chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    if common.chars().count() > prefix.chars().count() {
        input.set_text(&common);
    }
    if candidates.len() > 1 {
        let names: Vec<&str> = candidates
            .iter()
            .take(6)
            .map(|c| c.rsplit_once('/').map_or(c.as_str(), |(_, name)| name))
            .collect();
        let more = candidates.len().saturating_sub(names.len());
        let more = if more > 0 {
            format!(" (+{more})")
        } else {
            String::new()
        };
        state.notice = Some(format!("{}{more}", names.join("  ")));
    }
}

pub(super) fn on_paste(state: &mut AppState, text: &str) {
    if let Some(input) = state.settings.editing.as_mut() {
        input.insert_str(text.trim());
    }
}

fn save(state: &mut AppState) -> Vec<Effect> {
    if state.settings.is_demo {
        return use_for_session(state);
    }
    let settings = &mut state.settings;
    let form = &settings.form;
    let missing = [
        ("client id", form.client_id.is_empty()),
        (
            "client secret",
            form.client_secret.is_empty() && !settings.has_secret,
        ),
        ("auth URL", form.auth_url.is_empty()),
        ("base URL", form.base_url.is_empty()),
    ]
    .into_iter()
    .filter_map(|(name, is_missing)| is_missing.then_some(name))
    .collect::<Vec<_>>();
    if !missing.is_empty() {
        settings.status = SettingsStatus::Failed(ErrorView::new(
            format!("{} missing", missing.join(", ")),
            "fill them in from the service key (SAP BTP cockpit > AI Core instance > Service Keys), or import the key file",
        ));
        return Vec::new();
    }
    settings.status = SettingsStatus::Checking { since: state.now };
    vec![Effect::SaveSettings(form.clone())]
}

/// `--demo` has no credentials to check or save: mode and resource group apply to the
/// session (a reconnect), and the settings say that nothing was written.
fn use_for_session(state: &mut AppState) -> Vec<Effect> {
    let settings = &mut state.settings;
    settings.saved_form = settings.form.clone();
    settings.status = SettingsStatus::AppliedToSession;
    state.mode = settings.form.mode;
    state.resource_group = settings.form.resource_group.clone();
    state.connection = crate::tui::state::Connection::Connecting;
    vec![Effect::UseForSession {
        mode: state.mode,
        resource_group: state.resource_group.clone(),
    }]
}

/// The config file is saved and the credentials work, but no keyring took the secret.
pub(super) fn keyring_refused(state: &mut AppState, reason: String, file: String) {
    let settings = &mut state.settings;
    settings.saved_form = settings.form.clone();
    settings.status = SettingsStatus::AskFileStore { reason, file };
}

pub(super) fn saved(state: &mut AppState, form: SettingsForm, keyring: String) -> Vec<Effect> {
    let settings = &mut state.settings;
    settings.form = SettingsForm {
        client_secret: String::new(),
        ..form
    };
    settings.saved_form = settings.form.clone();
    settings.has_secret = true;
    settings.status = SettingsStatus::Saved { keyring };
    state.profile = settings.form.profile.clone();
    state.resource_group = settings.form.resource_group.clone();
    state.mode = settings.form.mode;
    state.connection = crate::tui::state::Connection::Connecting;
    vec![Effect::Connect]
}

/// An imported key replaces the connection fields; profile, resource group and mode stay.
pub(super) fn imported(state: &mut AppState, form: SettingsForm) -> Vec<Effect> {
    let settings = &mut state.settings;
    settings.form.client_id = form.client_id;
    settings.form.client_secret = form.client_secret;
    settings.form.auth_url = form.auth_url;
    settings.form.base_url = form.base_url;
    settings.status = SettingsStatus::Idle;
    settings.field = FIELDS.iter().position(|f| *f == Field::Save).unwrap_or(0);
    state.notice = Some(format!(
        "service key imported: {} on Save checks and stores it",
        state.keys.label(Scope::Settings, SettingsAction::Pick)
    ));
    Vec::new()
}
