//! Everything that reaches the UI loop, and everything `update` asks the outside world to do.
//! Task results echo the id of the request they answer so stale ones can be dropped.

use std::time::SystemTime;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::agent::session::{LoadedSession, SessionSummary};
use crate::agent::{Attachment, Conversation, Decision, SessionEvent, ToolLevel};
use crate::aicore::{Deployment, Message, Mode, ModelEntry};

/// An error as the user sees it: what failed and what to do (the same hint text as the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorView {
    pub message: String,
    pub hint: String,
}

impl ErrorView {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> ErrorView {
        ErrorView {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl From<&crate::aicore::Error> for ErrorView {
    fn from(err: &crate::aicore::Error) -> ErrorView {
        ErrorView::new(err.to_string(), err.hint())
    }
}

/// A list from the client and when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub data: T,
    pub fetched_at: SystemTime,
    pub from_cache: bool,
}

impl<T> From<crate::aicore::Cached<T>> for Listing<T> {
    fn from(cached: crate::aicore::Cached<T>) -> Listing<T> {
        Listing {
            data: cached.data,
            fetched_at: cached.fetched_at,
            from_cache: cached.from_cache,
        }
    }
}

/// Where requests go, reported once the client is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// "built-in simulator", "profile 'default' (Secret Service)", …
    pub source: String,
    pub resource_group: String,
}

/// What the settings form holds; the secret only while it is typed, never after saving.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SettingsForm {
    pub profile: String,
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub base_url: String,
    pub resource_group: String,
    pub mode: Mode,
}

/// Debug output (a test failure, a future log line) never shows the secret, only whether one
/// is there.
impl std::fmt::Debug for SettingsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = if self.client_secret.is_empty() {
            "(empty)"
        } else {
            "(hidden)"
        };
        f.debug_struct("SettingsForm")
            .field("profile", &self.profile)
            .field("client_id", &self.client_id)
            .field("client_secret", &secret)
            .field("auth_url", &self.auth_url)
            .field("base_url", &self.base_url)
            .field("resource_group", &self.resource_group)
            .field("mode", &self.mode)
            .finish()
    }
}

/// What a running turn (or a `!CMD`) reports to `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatUpdate {
    /// An event of the agent session's stream, as it came.
    Session(SessionEvent),
    /// Text of the open entry (a `!CMD`'s output as it arrives).
    Delta(String),
    Done,
    /// The turn could not start or ended with an error.
    Failed(ErrorView),
    /// A `!CMD` ended: what goes to the model (capped) and how it ended (`exit 0`, `timed out`).
    CommandFinished {
        content: String,
        summary: String,
    },
}

impl From<SessionEvent> for ChatUpdate {
    fn from(event: SessionEvent) -> ChatUpdate {
        ChatUpdate::Session(event)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Terminal events read in one go (`tui::read_input`), applied in order in one batch.
    Input(Vec<Event>),
    Key(KeyEvent),
    Paste(String),
    /// Keys a terminal without bracketed paste typed for a paste (`update::typed_paste`):
    /// a long one arrives in pieces over several batches.
    TypedPaste(String),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock, injected by the loop (spinner, ages, elapsed time).
    Tick {
        now: SystemTime,
    },
    Connected(ConnectionInfo),
    /// The last applied edit was undone (the path restored), or why not.
    EditUndone(Result<String, String>),
    /// No credentials or a broken key: `needs_setup` opens the settings with an explanation.
    ConnectFailed {
        error: ErrorView,
        needs_setup: bool,
    },
    ModelsLoaded {
        request: u64,
        result: Result<Listing<Vec<ModelEntry>>, ErrorView>,
    },
    DeploymentsLoaded {
        request: u64,
        result: Result<Listing<Vec<Deployment>>, ErrorView>,
    },
    /// The turn resolved its deployment (useful in orchestration mode, where it is implied).
    TurnTarget {
        turn: u64,
        model: String,
        deployment: String,
    },
    Chat {
        turn: u64,
        update: ChatUpdate,
    },
    SettingsSaved {
        form: SettingsForm,
        keyring: String,
    },
    SettingsFailed(ErrorView),
    /// The credentials work and the config file is saved, but no keyring took the secret:
    /// the settings offer the file store at `file`.
    KeyringRefused {
        reason: String,
        file: String,
    },
    KeyImported(SettingsForm),
    /// The `@path` files of a message, read (or why not), in the order asked.
    AttachmentsRead {
        request: u64,
        results: Vec<Result<Attachment, String>>,
    },
    /// Paths that complete `@prefix` (directories end in `/`), sorted.
    PathCompleted {
        request: u64,
        prefix: String,
        candidates: Vec<String>,
    },
    /// Entries of the directory typed in the settings' key-file field that start with its
    /// last part (directories end in `/`), sorted.
    PathListed {
        request: u64,
        prefix: String,
        candidates: Vec<String>,
    },
    /// A short line for the status bar ("copied 3 lines", "saved choice failed: …").
    Notice(String),
    /// Inputs of earlier runs, oldest first (`agent::history`).
    InputHistoryLoaded(Vec<String>),
    /// The editor closed: the file's text, or why the draft stays as it was.
    DraftEdited(Result<String, String>),
    /// This workspace's saved conversations, newest first, for `/resume`.
    SessionsListed {
        request: u64,
        result: Result<Vec<SessionSummary>, String>,
    },
    /// A saved conversation to continue, already reopened for saving as started at `started`.
    SessionOpened {
        loaded: Box<LoadedSession>,
        started: SystemTime,
    },
    /// `/compact` done: the conversation's new messages and how many older ones the summary
    /// replaced, or why nothing changed.
    Compacted {
        request: u64,
        result: Result<(Vec<Message>, usize), String>,
    },
}

/// What `update` asks for; the runner in `effects.rs` turns each into a task.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Connect,
    LoadModels {
        request: u64,
        refresh: bool,
    },
    LoadDeployments {
        request: u64,
        refresh: bool,
    },
    StartTurn {
        turn: u64,
        mode: Mode,
        model: String,
        deployment: Option<String>,
        /// The conversation as it stands, its last message the question; the session
        /// builds the request (fitting it into the context first when needed).
        conversation: Box<Conversation>,
        /// When the conversation started: which session file it goes to.
        started: SystemTime,
        /// The tools offered, in the working directory (`Off`: a plain answer).
        level: ToolLevel,
        /// The model's context length, when the catalog gave it.
        context_length: Option<u64>,
        /// How hard a reasoning model thinks (`/reasoning`).
        reasoning: Option<crate::aicore::Effort>,
    },
    /// Answer the approval the turn's call `id` waits for.
    AnswerApproval {
        turn: u64,
        id: String,
        decision: Decision,
    },
    /// Restore the file of the last applied edit (`agent::tools::undo`); reports `EditUndone`.
    UndoEdit,
    /// `/network`: whether the model's commands get the network from the next one on.
    SetNetwork(bool),
    /// Shift-Tab, `/new`, the config: the session's tools follow this approval mode (auto-edit
    /// grants every edit; ask and plan take that grant back).
    SetApprovalMode(crate::agent::ApprovalMode),
    /// Add a command to the project's `[permissions] allow` (`.sapcode/config.toml`); says
    /// the result as a notice.
    SavePermission(String),
    CancelTurn {
        turn: u64,
    },
    /// Persist the chosen model and deployment to the profile in the config file.
    SaveChoice {
        model: String,
        deployment: Option<String>,
    },
    /// Check the credentials by fetching a token, then store config and secret.
    SaveSettings(SettingsForm),
    /// As `SaveSettings`, with the secret in the file store (the user said yes to it).
    SaveSettingsWithFileStore(SettingsForm),
    /// `--demo`: use this mode and resource group for the rest of the session (reconnects);
    /// nothing is written.
    UseForSession {
        mode: Mode,
        resource_group: String,
    },
    ImportKey {
        path: String,
    },
    /// Read the files a message names with `@path` (relative to the working directory).
    ReadAttachments {
        request: u64,
        paths: Vec<String>,
    },
    /// List the paths that start with `prefix`, for Tab after `@`.
    CompletePath {
        request: u64,
        prefix: String,
    },
    /// List the entries that complete `prefix` as a path, for Tab in the key-file field.
    ListPath {
        request: u64,
        prefix: String,
    },
    /// The user chose not to store the secret: connect with the form's credentials for this
    /// run only (the secret stays in memory and is gone when sapcode ends).
    ConnectForSession(SettingsForm),
    /// Save the conversation in this workspace's session store (only what is new is written).
    SaveSession(Box<crate::agent::session::Snapshot>),
    /// OSC 52 clipboard write.
    Copy(String),
    /// Ctrl-G: the draft (chips expanded) to edit in `$VISUAL`/`$EDITOR`; the loop hands the
    /// terminal over meanwhile (`tui::editor`).
    EditDraft(String),
    /// Read earlier runs' inputs (once, after the first frame).
    LoadInputHistory,
    /// Keep a sent input for later runs.
    AppendInputHistory(String),
    /// List this workspace's saved conversations (`/resume`).
    ListSessions {
        request: u64,
    },
    /// Load a saved conversation and go on saving into its file.
    OpenSession {
        id: String,
    },
    /// Ask the model for a summary of the older turns (`/compact`).
    Compact {
        request: u64,
        mode: Mode,
        model: String,
        deployment: Option<String>,
        conversation: Box<Conversation>,
    },
    /// `!CMD`: run the user's command in the workspace; reported as `Chat` updates of `turn`.
    RunShell {
        turn: u64,
        command: String,
    },
    Quit,
}
