//! The one `AppState` the UI loop owns: a struct per pane plus focus and overlays. Anything
//! that loads is a [`Load`]; modes are enums, not clusters of booleans.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use ratatui::text::Line;
use ratatui_textarea::TextArea;

use super::event::{ConnectionInfo, ErrorView, Listing, SettingsForm};
use super::keymap::Keymap;
use super::markdown;
use super::theme::Theme;
use crate::agent::diff::Hunk;
use crate::agent::edit::Proposal;
use crate::agent::{Attachment, Conversation};
use crate::aicore::{Deployment, Mode, ModelEntry, Usage};

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
    /// The config's `[keys]` table, applied over the defaults at start.
    pub key_overrides: BTreeMap<String, String>,
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
    pub notice: Option<String>,
    pub next_request: u64,
    pub should_quit: bool,
}

impl AppState {
    pub fn new(startup: Startup) -> AppState {
        let (keys, key_problems) = Keymap::with_overrides(&startup.key_overrides);
        let notice = match key_problems.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(format!(
                "[keys]: {} entries refused, defaults kept for them; F1 shows why",
                many.len()
            )),
        };
        AppState {
            now: startup.now,
            size: startup.size,
            theme: startup.theme,
            focus: Pane::Models,
            left: LeftPane::Pickers,
            overlay: Overlay::None,
            help_scroll: 0,
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
            chat: ChatPane::new(),
            code: CodePane::default(),
            settings: SettingsPane::new(startup.form, startup.has_secret),
            notice,
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

    /// What the code view can show: files attached to the conversation (sent, then waiting for
    /// the next question), then the code blocks of the last answer.
    pub fn code_items(&self) -> Vec<CodeItem<'_>> {
        let mut items: Vec<CodeItem<'_>> = Vec::new();
        for (attachment, is_pending) in self
            .chat
            .files
            .iter()
            .map(|a| (a, false))
            .chain(self.chat.attachments.iter().map(|a| (a, true)))
        {
            let item = CodeItem {
                title: format!("@{}", attachment.path),
                language: extension(&attachment.path).to_owned(),
                text: Cow::Borrowed(attachment.content.as_str()),
                is_pending,
                proposal: None,
            };
            // A file attached again replaces the older copy.
            match items.iter_mut().find(|i| i.title == item.title) {
                Some(older) => *older = item,
                None => items.push(item),
            }
        }
        for (index, entry) in self.chat.proposals.iter().enumerate() {
            items.push(CodeItem {
                title: format!("edit {}", entry.proposal.path),
                language: "diff".into(),
                text: Cow::Borrowed(entry.diff.as_str()),
                is_pending: false,
                proposal: Some(index),
            });
        }
        if let Some(answer) = self.chat.last_answer() {
            let blocks = markdown::code_blocks(&answer.text);
            let count = blocks.len();
            for (n, (language, code)) in blocks.into_iter().enumerate() {
                items.push(CodeItem {
                    title: format!("answer block {} of {count}", n + 1),
                    language,
                    text: Cow::Owned(code),
                    is_pending: false,
                    proposal: None,
                });
            }
        }
        items
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

fn extension(path: &str) -> &str {
    std::path::Path::new(path)
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or("")
}

/// One thing the code view can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeItem<'a> {
    /// `@src/lib.rs` or `answer block 2 of 3`.
    pub title: String,
    pub language: String,
    pub text: Cow<'a, str>,
    /// Attached, waiting for the next question.
    pub is_pending: bool,
    /// A proposed edit: its index in `ChatPane::proposals`; the text is its unified diff.
    pub proposal: Option<usize>,
}

/// The code view: which item is shown and how far it is scrolled.
#[derive(Debug, Default)]
pub struct CodePane {
    pub item: usize,
    /// First row in view; clamped to the last page when drawn.
    pub scroll: usize,
    /// Rows of the shown item and of the viewport as last drawn, for paging.
    pub metrics: Cell<TranscriptMetrics>,
    /// The shown item's highlighted rows: syntax highlighting is too slow to redo per frame.
    pub cache: RefCell<Option<CodeRender>>,
}

pub struct CodeRender {
    pub title: String,
    pub text_len: usize,
    pub width: u16,
    pub lines: Vec<Line<'static>>,
}

impl std::fmt::Debug for CodeRender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeRender")
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
    /// Rendered while the answer streamed: finished blocks from `stable_len` bytes of text
    /// sit in the first `stable_lines` lines and are reused; the rest is redone.
    pub is_open: bool,
    pub stable_len: usize,
    pub stable_lines: usize,
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
    /// Files sent with this question, as shown (`@src/lib.rs 2.1 KiB`).
    pub files: Vec<String>,
    /// Tools an answer used, as shown (`read_file src/lib.rs`); drawn under the speaker.
    pub tools: Vec<String>,
    pub cache: RenderCache,
}

impl Entry {
    pub fn new(speaker: Speaker, text: String, end: EntryEnd) -> Entry {
        Entry {
            speaker,
            text,
            end,
            files: Vec::new(),
            tools: Vec::new(),
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

/// Follow the newest text, or stay where the user scrolled to: the first visible row is
/// `row` rows into entry `entry`. Anchored to an entry, not to a row of the whole transcript,
/// so messages above the view that are rendered again at a new width cannot move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    Follow,
    At { entry: usize, row: usize },
}

/// Transcript height (exact for messages rendered at this width, estimated for the rest),
/// viewport and width as last drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranscriptMetrics {
    pub total: usize,
    pub height: usize,
    pub width: u16,
}

/// Reading the `@path` files of a message before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attaching {
    pub request: u64,
    /// The message as typed; sent once every file is read (unless it is only `@path`s).
    pub text: String,
    pub has_question: bool,
}

pub struct ChatPane {
    pub entries: Vec<Entry>,
    pub input: TextArea<'static>,
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    pub scroll: Scroll,
    pub metrics: Cell<TranscriptMetrics>,
    /// Files attached to the next question (shown above the input).
    pub attachments: Vec<Attachment>,
    pub attaching: Option<Attaching>,
    /// The Tab completion asked for, so a late answer is dropped.
    pub completion: Option<u64>,
    /// Files sent in this conversation, for the code view.
    pub files: Vec<Attachment>,
    /// When this conversation's first question was sent; names its file under `sessions/`.
    pub session: Option<SystemTime>,
    pub turn: Turn,
    pub next_turn: u64,
    pub conversation: Conversation,
    /// Model and deployment of the current or last turn.
    pub last_target: Option<(String, String)>,
    pub last_usage: Option<Usage>,
    pub total_usage: Usage,
    pub last_elapsed: Option<Duration>,
    /// Turns run the agent loop with the read-only tools (`Ctrl-T`; off by default).
    pub tools: bool,
    /// Edits the model proposed in this conversation, oldest first, with what became of them.
    pub proposals: Vec<ProposalEntry>,
}

/// A proposed edit and what the user did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalEntry {
    /// Names the apply request, so a late answer finds its proposal.
    pub id: u64,
    pub proposal: Proposal,
    /// Its hunks, unified diff and line counts, computed once (the view draws every frame).
    pub hunks: Vec<Hunk>,
    pub diff: String,
    pub added: usize,
    pub removed: usize,
    pub status: ProposalStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalStatus {
    Pending,
    Applying,
    Applied,
    Rejected,
    /// Not written: the file changed since, or the write failed.
    Refused(String),
}

impl ProposalStatus {
    /// The word shown in the code view's title.
    pub fn word(&self) -> &'static str {
        match self {
            ProposalStatus::Pending => "proposed",
            ProposalStatus::Applying => "applying…",
            ProposalStatus::Applied => "✓ applied",
            ProposalStatus::Rejected => "✗ rejected",
            ProposalStatus::Refused(_) => "! not applied",
        }
    }
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
            attachments: Vec::new(),
            attaching: None,
            completion: None,
            files: Vec::new(),
            session: None,
            turn: Turn::Idle,
            next_turn: 1,
            conversation: Conversation::new(None),
            last_target: None,
            last_usage: None,
            total_usage: Usage::default(),
            last_elapsed: None,
            tools: false,
            proposals: Vec::new(),
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
