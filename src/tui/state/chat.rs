//! The chat pane: the transcript (entries and where it is scrolled), the composer (the input,
//! its history and the files attached to the next question), the stats of the last turn, and
//! the conversation those turns build.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use ratatui::text::Line;

use super::review::Reviews;
use super::tool_log::ToolLine;
use crate::agent::context::UsageMark;
use crate::agent::{ApprovalMode, Attachment, Conversation, ToolLevel};
use crate::aicore::Usage;
use crate::tui::event::ErrorView;
use crate::tui::text_input::TextInput;

/// Who speaks in the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    You,
    Model(String),
    /// A line from sapcode itself: a slash command's result, a context warning.
    Notice,
    /// `!CMD` typed by the user: the command line; the entry's text is its output.
    Shell(String),
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
    /// Tools an answer used, in the order called; drawn under the speaker.
    pub tools: Vec<ToolLine>,
    /// `!CMD` output lines cut from the top: the transcript keeps the tail, where a
    /// command's verdict is, and says how much came before it.
    pub hidden_lines: usize,
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
            hidden_lines: 0,
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
        /// The session added the turn's messages to the conversation (its `history`).
        recorded: bool,
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

/// Reading the `@path` files of a message before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attaching {
    pub request: u64,
    /// The message as typed; sent once every file is read (unless it is only `@path`s).
    pub text: String,
}

/// The messages shown and where the view rests.
#[derive(Debug)]
pub struct Transcript {
    pub entries: Vec<Entry>,
    pub scroll: Scroll,
}

impl Transcript {
    pub fn last_answer(&self) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| matches!(e.speaker, Speaker::Model(_)))
    }
}

/// What the next question is being written with.
#[derive(Debug)]
pub struct Composer {
    pub input: TextInput,
    /// Inputs sent, oldest first: earlier runs' (loaded after the first frame) then this one's.
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    /// The unsent text, kept while ↑/↓ walk the history and restored past the newest entry.
    pub draft: Option<String>,
    /// Whether earlier runs' inputs were asked for (once, after the first frame).
    pub history_requested: bool,
    /// The highlighted row of the slash popup.
    pub slash_selected: usize,
    /// Files attached to the next question (shown above the input).
    pub attachments: Vec<Attachment>,
    pub attaching: Option<Attaching>,
    /// The `@` completion asked for, so a late answer is dropped.
    pub completion: Option<u64>,
    /// The `@` completion list shown above the input.
    pub popup: Option<PathPopup>,
    /// The completion asked for was Tab's: a single match goes straight in.
    pub is_tab_completion: bool,
    /// Questions sent while an answer streamed, oldest first: each goes once the turn before it
    /// ends; a stopped or failed turn puts them back in the input.
    pub queued: Vec<String>,
    /// The texts of the paste chips in the input, the queue and the history.
    pub pastes: crate::tui::paste::Pastes,
    /// The paste still arriving, for a terminal that types a long one over several batches.
    pub paste_run: Option<PasteRun>,
}

/// The last paste, as it went in: the next paste (or typed burst) soon after it, with the
/// cursor still where it left it, is more of the same paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasteRun {
    /// What went in as text so far (LF line breaks), or nothing once it is a chip.
    pub text: String,
    pub chip: Option<char>,
    pub cursor: (usize, usize),
    pub last: SystemTime,
}

/// Paths matching the `@word` before the cursor, best first; one is selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPopup {
    /// The text after `@` the candidates answer.
    pub prefix: String,
    pub candidates: Vec<String>,
    pub selected: usize,
}

/// Target, token usage and time of the turns so far, for the title and the footer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnStats {
    /// Model and deployment of the current or last turn.
    pub last_target: Option<(String, String)>,
    /// The last turn's tokens, summed over its tool rounds (what it cost).
    pub last_usage: Option<Usage>,
    /// The last request's alone: what the conversation fills of the context.
    pub last_request: Option<Usage>,
    pub total_usage: Usage,
    pub last_elapsed: Option<Duration>,
    /// The last turn's and the conversation's cost at the catalog's list price (USD); the
    /// total only counts turns whose model had a price.
    pub last_cost: Option<f64>,
    pub total_cost: Option<f64>,
    /// Tokens and cost of this conversation per model, for `/cost`.
    pub by_model: std::collections::BTreeMap<String, ModelSpend>,
}

/// What one model's turns in this conversation used, and cost where the catalog priced them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelSpend {
    pub usage: Usage,
    pub cost: Option<f64>,
    pub turns: usize,
}

#[derive(Debug)]
pub struct ChatPane {
    pub transcript: Transcript,
    pub composer: Composer,
    pub stats: TurnStats,
    pub turn: Turn,
    pub next_turn: u64,
    pub conversation: Conversation,
    /// Files sent in this conversation, for the code view.
    pub files: Vec<Attachment>,
    /// When this conversation's first question was sent; names its file under `sessions/`.
    pub session: Option<SystemTime>,
    /// The tools turns offer (`Alt-T` cycles; `all` by default: edits and commands are
    /// asked first in the review area).
    pub level: ToolLevel,
    /// `ask`, `auto-edit` or `plan` (Shift-Tab cycles; the status line shows it).
    pub approval_mode: ApprovalMode,
    /// A command just granted for the session ("always this command"), offered for the
    /// project's `.sapcode/config.toml`: the next key answers (`y` saves it).
    pub save_offer: Option<String>,
    /// Edits and commands waiting for the user's decision.
    pub reviews: Reviews,
    /// How full the model's context is, as last measured against the server's usage.
    pub context: ContextTrack,
    /// A `/compact` summary is being written (its request id): nothing is sent meanwhile.
    pub compacting: Option<u64>,
}

/// What the context meter knows beyond the conversation itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextTrack {
    /// The usage of the last finished turn and how many messages it covered.
    pub mark: Option<UsageMark>,
    /// The 80 % notice was shown for this conversation.
    pub warned: bool,
}

impl ChatPane {
    /// The message box's placeholder names the keys of `keys` (a rebinding shows there too).
    pub fn with_keys(keys: &crate::tui::keymap::Keymap) -> ChatPane {
        use crate::tui::keymap::{ChatAction, Scope};
        let mut chat = ChatPane::new();
        chat.composer.input = TextInput::multi_line(&format!(
            "Ask about code…  ({} sends, {} for a new line)",
            keys.label(Scope::Chat, ChatAction::Send),
            keys.label(Scope::Chat, ChatAction::Newline),
        ));
        chat
    }

    pub fn new() -> ChatPane {
        ChatPane {
            transcript: Transcript {
                entries: Vec::new(),
                scroll: Scroll::Follow,
            },
            composer: Composer {
                input: TextInput::multi_line(
                    "Ask about code…  (Enter sends, Alt+Enter or Ctrl+J for a new line)",
                ),
                history: Vec::new(),
                history_pos: None,
                draft: None,
                history_requested: false,
                slash_selected: 0,
                attachments: Vec::new(),
                attaching: None,
                completion: None,
                popup: None,
                is_tab_completion: false,
                queued: Vec::new(),
                pastes: crate::tui::paste::Pastes::default(),
                paste_run: None,
            },
            stats: TurnStats::default(),
            turn: Turn::Idle,
            next_turn: 1,
            conversation: Conversation::new(None),
            files: Vec::new(),
            session: None,
            level: ToolLevel::All,
            approval_mode: ApprovalMode::Ask,
            save_offer: None,
            reviews: Reviews::default(),
            context: ContextTrack::default(),
            compacting: None,
        }
    }
}

impl Default for ChatPane {
    fn default() -> ChatPane {
        ChatPane::new()
    }
}
