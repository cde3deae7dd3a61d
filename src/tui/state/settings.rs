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
    Failed(ErrorView),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SettingsPane {
    pub form: SettingsForm,
    pub field: usize,
    /// The text of the field being edited (or the import path being typed).
    pub editing: Option<TextInput>,
    /// A secret is stored: it is never shown again, only "saved".
    pub has_secret: bool,
    pub status: SettingsStatus,
}

impl SettingsPane {
    pub fn new(form: SettingsForm, has_secret: bool) -> SettingsPane {
        SettingsPane {
            form,
            field: 0,
            editing: None,
            has_secret,
            status: SettingsStatus::Idle,
        }
    }

    pub fn current(&self) -> Field {
        FIELDS[self.field.min(FIELDS.len() - 1)]
    }
}
