//! The one `AppState` the UI loop owns: a struct per pane plus focus and overlays. Anything
//! that loads is a [`Load`]; modes are enums, not clusters of booleans.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use ratatui::text::Line;
use ratatui_textarea::TextArea;

use super::event::{ConnectionInfo, ErrorView, Listing, SettingsForm};
use super::theme::Theme;
use crate::agent::Conversation;
use crate::aicore::{Deployment, Mode, ModelEntry, Usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Models,
    Deployments,
    Chat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Settings,
    Help,
    ConfirmQuit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    NotLoaded,
    Loading { since: SystemTime },
    Ready(Listing<T>),
    Failed(ErrorView),
}

impl<T> Load<T> {
    pub fn data(&self) -> Option<&T> {
        match self {
            Load::Ready(listing) => Some(&listing.data),
            Load::NotLoaded | Load::Loading { .. } | Load::Failed(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Ready(ConnectionInfo),
    Failed(ErrorView),
}

/// Start-up values from the context: the profile's saved choices and settings.
#[derive(Debug, Clone)]
pub struct Startup {
    pub profile: String,
    pub mode: Mode,
    pub resource_group: String,
    pub model: Option<String>,
    pub deployment: Option<String>,
    pub form: SettingsForm,
    pub has_secret: bool,
    pub theme: Theme,
    pub now: SystemTime,
    pub size: (u16, u16),
}

pub struct AppState {
    pub now: SystemTime,
    pub size: (u16, u16),
    pub theme: Theme,
    pub focus: Pane,
    pub overlay: Overlay,
    pub profile: String,
    pub mode: Mode,
    pub resource_group: String,
    pub connection: Connection,
    pub models: ModelsPane,
    pub deployments: DeploymentsPane,
    pub chat: ChatPane,
    pub settings: SettingsPane,
    pub notice: Option<String>,
    pub next_request: u64,
    pub should_quit: bool,
}

impl AppState {
    pub fn new(startup: Startup) -> AppState {
        AppState {
            now: startup.now,
            size: startup.size,
            theme: startup.theme,
            focus: Pane::Models,
            overlay: Overlay::None,
            profile: startup.profile,
            mode: startup.mode,
            resource_group: startup.resource_group,
            connection: Connection::Connecting,
            models: ModelsPane {
                chosen: startup.model,
                ..ModelsPane::default()
            },
            deployments: DeploymentsPane {
                chosen: startup.deployment,
                ..DeploymentsPane::default()
            },
            chat: ChatPane::new(),
            settings: SettingsPane::new(startup.form, startup.has_secret),
            notice: None,
            next_request: 1,
            should_quit: false,
        }
    }

    /// Below this width the left column collapses into a one-line summary.
    pub fn is_narrow(&self) -> bool {
        self.size.0 < 100
    }

    pub fn is_streaming(&self) -> bool {
        matches!(self.chat.turn, Turn::Streaming { .. })
    }

    /// Whether anything moves on screen, so the loop keeps ticking.
    pub fn is_animating(&self) -> bool {
        self.is_streaming()
            || matches!(self.models.list, Load::Loading { .. })
            || matches!(self.deployments.list, Load::Loading { .. })
            || matches!(self.connection, Connection::Connecting)
            || matches!(self.settings.status, SettingsStatus::Checking { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelsPane {
    pub list: Load<Vec<ModelEntry>>,
    pub request: u64,
    pub show_all: bool,
    pub filter: String,
    pub is_filtering: bool,
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
            filter: String::new(),
            is_filtering: false,
            cursor: 0,
            chosen: None,
        }
    }
}

impl ModelsPane {
    /// Rows shown: the default filter unless "all", then the typed filter.
    pub fn visible(&self) -> Vec<&ModelEntry> {
        let needle = self.filter.to_lowercase();
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

/// Who speaks in the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    You,
    Model(String),
}

/// How an entry ends; drawn as a last line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryEnd {
    Open,
    Finished,
    StoppedByEsc,
    Cut(ErrorView),
}

/// Rendered lines of an entry at one width, kept until the text or width changes, so a long
/// transcript is parsed once, not on every frame.
#[derive(Default)]
pub struct RenderCache(pub RefCell<Option<Rendered>>);

pub struct Rendered {
    pub width: u16,
    pub text_len: usize,
    pub lines: Vec<Line<'static>>,
}

impl std::fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RenderCache")
    }
}

#[derive(Debug)]
pub struct Entry {
    pub speaker: Speaker,
    pub text: String,
    pub end: EntryEnd,
    pub cache: RenderCache,
}

impl Entry {
    pub fn new(speaker: Speaker, text: String, end: EntryEnd) -> Entry {
        Entry {
            speaker,
            text,
            end,
            cache: RenderCache::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    Idle,
    Streaming {
        id: u64,
        started: SystemTime,
        /// Text not yet received (`Retrying` notices show here).
        waiting: Option<String>,
    },
}

/// Follow the newest text, or stay where the user scrolled to (first visible row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    Follow,
    At(usize),
}

/// Transcript height and viewport as last drawn, so PgUp knows how far "up" is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranscriptMetrics {
    pub total: usize,
    pub height: usize,
}

pub struct ChatPane {
    pub entries: Vec<Entry>,
    pub input: TextArea<'static>,
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    pub scroll: Scroll,
    pub metrics: std::cell::Cell<TranscriptMetrics>,
    pub turn: Turn,
    pub next_turn: u64,
    pub conversation: Conversation,
    /// Model and deployment of the current or last turn.
    pub last_target: Option<(String, String)>,
    pub last_usage: Option<Usage>,
    pub total_usage: Usage,
    pub last_elapsed: Option<Duration>,
}

impl ChatPane {
    pub fn new() -> ChatPane {
        ChatPane {
            entries: Vec::new(),
            input: new_input(),
            history: Vec::new(),
            history_pos: None,
            scroll: Scroll::Follow,
            metrics: Default::default(),
            turn: Turn::Idle,
            next_turn: 1,
            conversation: Conversation::new(None),
            last_target: None,
            last_usage: None,
            total_usage: Usage::default(),
            last_elapsed: None,
        }
    }

    pub fn input_text(&self) -> String {
        self.input.lines().join("\n")
    }

    pub fn set_input(&mut self, text: &str) {
        self.input = new_input();
        self.input.insert_str(text);
    }

    pub fn last_answer(&self) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| matches!(e.speaker, Speaker::Model(_)))
    }
}

impl Default for ChatPane {
    fn default() -> ChatPane {
        ChatPane::new()
    }
}

pub fn new_input() -> TextArea<'static> {
    let mut input = TextArea::default();
    input
        .set_placeholder_text("Ask about code…  (Enter sends, Alt+Enter or Ctrl+J for a new line)");
    input.set_cursor_line_style(ratatui::style::Style::default());
    input
}

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
    pub editing: Option<String>,
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
