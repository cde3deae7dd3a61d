//! The one `AppState` the UI loop owns: a struct per pane plus focus and overlays. Anything
//! that loads is a [`Load`]; modes are enums, not clusters of booleans. Each pane's state
//! lives in a sibling file named after it, as `update/` and `view/` are split.

mod chat;
mod code;
mod lists;
mod resume;
mod review;
mod settings;
mod tool_log;

pub use chat::{
    Attaching, ChatPane, Composer, ContextTrack, Entry, EntryEnd, PasteRun, PathPopup, RenderCache,
    Rendered, Scroll, Speaker, Transcript, Turn, TurnStats,
};
pub use code::{CodeItem, CodePane, CodeRender};
pub use lists::{DeploymentsPane, Filter, ModelsPane};
pub use resume::{ResumePicker, SessionList};
pub use review::{KEY_GRACE, Review, Reviews};
pub use settings::{FIELDS, Field, SettingsPane, SettingsStatus};
pub use tool_log::{CommandLog, MAX_LIVE_LINES, ToolLine, ToolResult};

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::event::{ConnectionInfo, ErrorView, Listing, SettingsForm};
use super::keymap::Keymap;
use super::theme::Theme;
use crate::agent::ApprovalMode;
use crate::agent::sandbox::Protection;
use crate::aicore::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Models,
    Deployments,
    /// The code view in the left column (attached files, code blocks of the last answer).
    Code,
    Chat,
}

/// What the left column shows beside the chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftPane {
    Pickers,
    Code,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Settings,
    Help,
    /// `/resume`: pick a saved conversation of this workspace.
    Resume,
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
    /// The config's `[keys]` table, applied over the defaults at start.
    pub key_overrides: BTreeMap<String, String>,
    /// What confines approved commands on this machine (`agent::sandbox::status`).
    pub sandbox: Protection,
    /// Whether commands start with the network (`[agent] network`).
    pub network: bool,
    /// `[agent] reasoning`: the effort questions start with.
    pub reasoning: Option<crate::aicore::Effort>,
    /// `--demo`: the built-in simulator, nothing of the settings is written.
    pub is_demo: bool,
    /// The environment variable the credentials come from, when one does.
    pub env_credentials: Option<String>,
    /// `[ui] approval_mode`: the mode at start and after `/new`.
    pub approval_mode: ApprovalMode,
}

pub struct AppState {
    pub now: SystemTime,
    pub size: (u16, u16),
    pub theme: Theme,
    pub focus: Pane,
    pub left: LeftPane,
    pub overlay: Overlay,
    /// First row of the help overlay (it scrolls on small terminals).
    pub help_scroll: usize,
    /// The status line's message when help was opened: help shows it whole, wrapped, on top
    /// (the status line cuts a long one, ending it in `… F1`).
    pub help_notice: Option<String>,
    pub keys: Keymap,
    /// `[keys]` entries that were refused, with the reason; shown at start and in help.
    pub key_problems: Vec<String>,
    pub profile: String,
    pub mode: Mode,
    pub resource_group: String,
    pub connection: Connection,
    pub models: ModelsPane,
    pub deployments: DeploymentsPane,
    pub chat: ChatPane,
    pub code: CodePane,
    pub settings: SettingsPane,
    pub resume: ResumePicker,
    pub notice: Option<String>,
    /// The last key was a Ctrl-C on an empty input: the next one quits.
    pub quit_armed: bool,
    pub next_request: u64,
    /// What confines approved commands; the status line names it.
    pub sandbox: Protection,
    /// Whether the model's commands get the network (`/network` toggles it).
    pub network: bool,
    /// How hard a reasoning model thinks (`/reasoning`); `None`: the model's default.
    pub reasoning: Option<crate::aicore::Effort>,
    /// `sapcode "PROMPT"`: the draft holds PROMPT and is sent once connected with a model.
    pub send_when_ready: bool,
    /// The approval mode a new conversation starts in (`[ui] approval_mode`).
    pub default_approval_mode: ApprovalMode,
    /// `/NAME` commands from `.sapcode/commands/` and the user's config dir.
    pub custom_commands: Vec<crate::tui::custom_commands::CustomCommand>,
}

impl AppState {
    pub fn new(startup: Startup) -> AppState {
        let (keys, key_problems) = Keymap::with_overrides(&startup.key_overrides);
        let chat = ChatPane {
            approval_mode: startup.approval_mode,
            ..ChatPane::with_keys(&keys)
        };
        let notice = match key_problems.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(format!(
                "[keys]: {} entries refused, defaults kept for them; {} shows why",
                many.len(),
                keys.label(
                    super::keymap::Scope::Global,
                    super::keymap::GlobalAction::Help
                )
            )),
        };
        // Always start in the message input: what is typed first is text, never a picker's
        // keys. Enter without a model goes to the picker and keeps the message.
        AppState {
            now: startup.now,
            size: startup.size,
            theme: startup.theme,
            focus: Pane::Chat,
            left: LeftPane::Pickers,
            overlay: Overlay::None,
            help_scroll: 0,
            help_notice: None,
            keys,
            key_problems,
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
            chat,
            code: CodePane::default(),
            settings: SettingsPane {
                is_demo: startup.is_demo,
                env_override: startup.env_credentials,
                ..SettingsPane::new(startup.form, startup.has_secret)
            },
            resume: ResumePicker::default(),
            notice,
            quit_armed: false,
            next_request: 1,
            sandbox: startup.sandbox,
            network: startup.network,
            reasoning: startup.reasoning,
            send_when_ready: false,
            default_approval_mode: startup.approval_mode,
            custom_commands: Vec::new(),
        }
    }

    /// Below this width the left column collapses into a one-line summary.
    pub fn is_narrow(&self) -> bool {
        self.size.0 < 100
    }

    /// Whether a question was asked in this conversation: leaving then says how to resume it.
    pub fn has_conversation(&self) -> bool {
        self.chat
            .transcript
            .entries
            .iter()
            .any(|entry| matches!(entry.speaker, chat::Speaker::You))
    }

    pub fn is_streaming(&self) -> bool {
        matches!(self.chat.turn, Turn::Streaming { .. })
    }

    /// Whether anything moves on screen, so the loop keeps ticking. A turn waiting for the
    /// user's decision on an edit or command is still; it may wait for hours.
    pub fn is_animating(&self) -> bool {
        (self.is_streaming() && !self.chat.reviews.is_open())
            || matches!(self.models.list, Load::Loading { .. })
            || matches!(self.deployments.list, Load::Loading { .. })
            || matches!(self.connection, Connection::Connecting)
            || matches!(self.settings.status, SettingsStatus::Checking { .. })
    }
}
