//! The model and deployment pickers: what each list holds, its cursor, the choice made and the
//! model filter. Keys that change them live in `update/lists.rs`.

use super::Load;
use crate::aicore::{Deployment, Mode, ModelEntry};
use crate::tui::text_input::TextInput;

/// The model picker's typed filter: off, being typed (keys go to it), or applied after Enter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Off,
    Typing(Box<TextInput>),
    Applied(String),
}

impl Filter {
    /// The text rows are matched against; empty when off.
    pub fn text(&self) -> String {
        match self {
            Filter::Off => String::new(),
            Filter::Typing(input) => input.text(),
            Filter::Applied(text) => text.clone(),
        }
    }

    pub fn is_typing(&self) -> bool {
        matches!(self, Filter::Typing(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelsPane {
    pub list: Load<Vec<ModelEntry>>,
    pub request: u64,
    pub show_all: bool,
    pub filter: Filter,
    pub cursor: usize,
    /// The model picked (or saved in the profile).
    pub chosen: Option<String>,
}

impl Default for ModelsPane {
    fn default() -> ModelsPane {
        ModelsPane {
            list: Load::NotLoaded,
            request: 0,
            show_all: false,
            filter: Filter::Off,
            cursor: 0,
            chosen: None,
        }
    }
}

impl ModelsPane {
    /// Rows shown: the default filter unless "all", then the typed filter.
    pub fn visible(&self) -> Vec<&ModelEntry> {
        let needle = self.filter.text().to_lowercase();
        self.list
            .data()
            .map(|models| {
                models
                    .iter()
                    .filter(|m| self.show_all || m.passes_filter)
                    .filter(|m| {
                        needle.is_empty()
                            || m.name.to_lowercase().contains(&needle)
                            || m.provider
                                .as_deref()
                                .is_some_and(|p| p.to_lowercase().contains(&needle))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn total(&self) -> usize {
        self.list.data().map_or(0, Vec::len)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentsPane {
    pub list: Load<Vec<Deployment>>,
    pub request: u64,
    /// Index into [`DeploymentsPane::rows`].
    pub cursor: usize,
    pub chosen: Option<String>,
}

impl Default for DeploymentsPane {
    fn default() -> DeploymentsPane {
        DeploymentsPane {
            list: Load::NotLoaded,
            request: 0,
            cursor: 0,
            chosen: None,
        }
    }
}

impl DeploymentsPane {
    /// The chosen model's foundation deployments, or the orchestration deployments.
    pub fn rows(&self, mode: Mode, model: Option<&str>) -> Vec<&Deployment> {
        let Some(all) = self.list.data() else {
            return Vec::new();
        };
        match mode {
            Mode::Foundation => all
                .iter()
                .filter(|d| !d.is_orchestration() && d.model_name.as_deref() == model)
                .collect(),
            Mode::Orchestration => all.iter().filter(|d| d.is_orchestration()).collect(),
        }
    }
}
