//! The settings overlay: the form being edited, the field under the cursor, the text being
//! typed into it and the result of the last check. Keys live in `update/settings.rs`.

use crate::tui::event::{ErrorView, SettingsForm};
use crate::tui::text_input::TextInput;
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Profile,
    ClientId,
    ClientSecret,
    AuthUrl,
    BaseUrl,
    ResourceGroup,
    Mode,
    ImportKey,
    Save,
}

pub const FIELDS: [Field; 9] = [
    Field::ImportKey,
    Field::ClientId,
    Field::ClientSecret,
    Field::AuthUrl,
    Field::BaseUrl,
    Field::ResourceGroup,
    Field::Mode,
    Field::Profile,
    Field::Save,
];

#[derive(Debug, Clone, PartialEq)]
pub enum SettingsStatus {
    Idle,
    /// First launch without credentials: an explanation, not an error.
    FirstLaunch,
    Checking {
        since: SystemTime,
    },
    Saved {
        keyring: String,
    },
    /// Credentials checked and config saved, but no keyring took the secret: asks whether
    /// to keep it in the file store at `file` (y/n).
    AskFileStore {
        reason: String,
        file: String,
    },
    /// The secret was not stored (the user said no to the file store).
    SecretNotStored,
    /// Esc with unsaved changes: a second Esc drops them.
    ConfirmDiscard,
    /// `--demo`: mode and resource group apply to this session; nothing is written.
    AppliedToSession,
    Failed(ErrorView),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SettingsPane {
    pub form: SettingsForm,
    /// The form as last loaded or saved: Esc compares against it, so changes are never
    /// dropped silently.
    pub saved_form: SettingsForm,
    /// `--demo`: saving applies mode and resource group to the session, writes nothing.
    pub is_demo: bool,
    /// Credentials come from the environment (`AICORE_SERVICE_KEY`, `AICORE_CLIENT_*`), which
    /// wins over whatever is saved here; names the variable.
    pub env_override: Option<String>,
    pub field: usize,
    /// The text of the field being edited (or the import path being typed).
    pub editing: Option<TextInput>,
    /// A secret is stored: it is never shown again, only "saved".
    pub has_secret: bool,
    pub status: SettingsStatus,
    /// The Tab completion of the key-file path asked for, so a late answer is dropped.
    pub completion: Option<u64>,
}

impl SettingsPane {
    pub fn new(form: SettingsForm, has_secret: bool) -> SettingsPane {
        SettingsPane {
            saved_form: form.clone(),
            is_demo: false,
            env_override: None,
            form,
            field: 0,
            editing: None,
            has_secret,
            status: SettingsStatus::Idle,
            completion: None,
        }
    }

    /// Something was typed or switched since the last load or save.
    pub fn has_changes(&self) -> bool {
        self.form != self.saved_form
    }

    pub fn current(&self) -> Field {
        FIELDS[self.field.min(FIELDS.len() - 1)]
    }
}
