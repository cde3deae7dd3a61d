//! The settings overlay: connection fields, a masked secret that is never shown again once
//! saved, "import service key file", and the result of the connection check.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{centered, fit, pane_block, spinner};
use crate::tui::keymap::{Scope, SettingsAction};
use crate::tui::state::{AppState, FIELDS, Field, SettingsStatus};
use crate::tui::text_input::TextInput;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let settings = &state.settings;
    // Taller where there is room for the longer notices (keyring offer, environment).
    let rect = centered(area, 84, if area.height >= 30 { 26 } else { 22 });
    frame.render_widget(Clear, rect);
    let block = pane_block(
        format!(" Settings · profile {} ", settings.form.profile),
        true,
        theme,
    );
    let key = |action| state.keys.label(Scope::Settings, action);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if settings.status == SettingsStatus::FirstLaunch {
        lines.push(Line::styled("Welcome to sapcode.", theme.accent()));
        lines.push(Line::raw(format!(
            "No SAP AI Core credentials yet: import your service key file ({}) or fill in the fields from it, then Check and save ({}). To look around without an account, quit and run `sapcode --demo`.",
            key(SettingsAction::ImportKey),
            key(SettingsAction::Save),
        )));
        lines.push(Line::default());
    }
    if let Some(variables) = &settings.env_override {
        lines.push(Line::styled(
            format!(
                "Credentials come from {variables} (set in the environment): it wins over \
                 this profile, so saving here does not change what sapcode uses until it is unset."
            ),
            theme.warning(),
        ));
        lines.push(Line::default());
    }
    if settings.is_demo {
        lines.push(Line::styled(
            "--demo: the built-in simulator. Mode and resource group apply to this session; \
             nothing is written.",
            theme.muted(),
        ));
        lines.push(Line::default());
    }
    for (index, field) in FIELDS.iter().enumerate() {
        let is_cursor = index == settings.field;
        let pointer = if is_cursor { "› " } else { "  " };
        let editing = settings.editing.as_ref().filter(|_| is_cursor);
        let (label, value) = field_text(state, *field, editing);
        let mut style = theme.text();
        if is_cursor {
            style = style.patch(theme.selected());
        }
        lines.push(Line::from(vec![
            Span::styled(pointer, theme.key()),
            Span::styled(fit(label, 16), theme.muted()),
            Span::styled(value, style),
        ]));
    }
    lines.push(Line::default());
    match &settings.status {
        SettingsStatus::Idle | SettingsStatus::FirstLaunch => {}
        SettingsStatus::Checking { .. } => lines.push(Line::styled(
            format!(
                "{} checking the credentials: fetching a token…",
                spinner(state.now)
            ),
            theme.muted(),
        )),
        SettingsStatus::Saved { keyring } => lines.push(Line::styled(
            format!(
                "✓ token received · settings saved in the config file, the secret in: {keyring}"
            ),
            theme.ok(),
        )),
        SettingsStatus::AskFileStore { reason, file } => {
            lines.push(Line::styled(
                "✓ token received · settings saved in the config file",
                theme.ok(),
            ));
            lines.push(Line::styled(format!("✗ {reason}"), theme.error()));
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "No keyring on this machine; save the secret to a 0600 file at {file}? \
                         (plain text, readable only by you) "
                    ),
                    theme.warning(),
                ),
                Span::styled("(y/n)", theme.key()),
            ]));
        }
        SettingsStatus::SecretNotStored => {
            lines.push(Line::styled(
                "Settings saved; the secret was not stored: it is used for this session only. \
                 Save again to choose, or set AICORE_SERVICE_KEY, or run \
                 `sapcode login --store file`.",
                theme.warning(),
            ));
        }
        SettingsStatus::ConfirmDiscard => lines.push(Line::styled(
            format!(
                "Unsaved changes: {} again drops them, {} checks and saves them.",
                key(SettingsAction::Close),
                key(SettingsAction::Save),
            ),
            theme.warning(),
        )),
        SettingsStatus::AppliedToSession => lines.push(Line::styled(
            format!(
                "✓ applied to this session: {} mode, resource group {} (nothing written in --demo)",
                settings.form.mode.as_str(),
                settings.form.resource_group
            ),
            theme.ok(),
        )),
        SettingsStatus::Failed(error) => {
            lines.push(Line::styled(format!("✗ {}", error.message), theme.error()));
            lines.push(Line::raw(error.hint.clone()));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

fn field_text(
    state: &AppState,
    field: Field,
    editing: Option<&TextInput>,
) -> (&'static str, String) {
    let form = &state.settings.form;
    let key = |action| state.keys.label(Scope::Settings, action);
    let shown = |value: &str| match editing {
        Some(input) => input.with_cursor(),
        None if value.is_empty() => "(not set)".to_owned(),
        None => value.to_owned(),
    };
    match field {
        Field::ImportKey => (
            "service key",
            match editing {
                Some(path) => format!("file path: {}  (Enter imports)", path.with_cursor()),
                None => format!(
                    "Import service key file… ({} or {})",
                    key(SettingsAction::Pick),
                    key(SettingsAction::ImportKey)
                ),
            },
        ),
        Field::ClientId => ("client id", shown(&form.client_id)),
        Field::ClientSecret => (
            "client secret",
            match editing {
                Some(input) => input.masked_with_cursor(),
                None if !form.client_secret.is_empty() => "•••••••• (not saved yet)".into(),
                None if state.settings.has_secret => "saved (hidden)".into(),
                None => "(not set)".into(),
            },
        ),
        Field::AuthUrl => ("auth URL", shown(&form.auth_url)),
        Field::BaseUrl => ("base URL", shown(&form.base_url)),
        Field::ResourceGroup => ("resource group", shown(&form.resource_group)),
        Field::Mode => (
            "mode",
            format!(
                "{}  ({} switches)",
                form.mode.as_str(),
                key(SettingsAction::Pick)
            ),
        ),
        Field::Profile => ("profile", shown(&form.profile)),
        Field::Save => ("", "[ Check and save ]".into()),
    }
}
