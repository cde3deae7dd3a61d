//! Saved conversations: one append-only JSON Lines file per session, grouped per workspace
//! under the data dir (`sessions/<workspace name>-<hash>/<id>.jsonl`, mode 0600). The first
//! line is the header (id, workspace, created, mode/model/deployment, system prompt); each
//! later line is one event that completed (a message, a target change, a usage report).
//! Nothing here knows about the TUI or the CLI; `store` does the file work, `log` is the
//! one writer. `Session` (`live`) is the conversation going on that both faces drive, and
//! `SessionEvent` (`event`) the stream it reports through.

mod entry;
mod event;
mod fitting;
mod forward;
mod image_store;
mod images;
mod live;
#[cfg(test)]
mod live_tests;
mod log;
mod signed;
mod store;
#[cfg(test)]
mod tests;
mod tool_view;

pub use entry::{Entry, Header, stamp};
pub use event::SessionEvent;
pub use forward::{Answers, Sink};
pub use live::{Session, TurnFailed};
#[cfg(test)]
pub(crate) use log::tests::snapshot as test_snapshot;
pub use log::{SessionLog, Snapshot};
pub use store::{Scope, SessionError, SessionFile, SessionStore};
pub use tool_view::{Decided, ToolView, ToolViews};

use std::path::PathBuf;

use crate::aicore::{Message, Mode, Role, Usage};

use super::Conversation;

/// One line of `sapcode sessions`: what a user needs to pick a conversation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionSummary {
    pub id: String,
    /// Absolute path of the workspace the conversation belongs to.
    pub workspace: PathBuf,
    pub model: Option<String>,
    /// RFC 3339, UTC: when the last event was saved.
    pub updated: String,
    /// The first question, on one line and shortened.
    pub title: String,
    /// Questions asked.
    pub turns: usize,
    /// Started by a one-shot `sapcode run`.
    pub one_shot: bool,
    /// `LoadedSession::cost_usd`; `null` in `sessions --json` when unknown.
    pub cost_usd: Option<f64>,
}

impl SessionSummary {
    /// `1 turn`, `3 turns`: how the TUI and `--resume` name the count.
    pub fn turns_label(&self) -> String {
        match self.turns {
            1 => "1 turn".to_owned(),
            n => format!("{n} turns"),
        }
    }
}

/// A session read back: its header, the latest target and the messages to continue with.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSession {
    pub header: Header,
    pub mode: Mode,
    pub model: Option<String>,
    pub deployment: Option<String>,
    pub messages: Vec<Message>,
    /// How each tool result's call looked when it ended, beside `messages` (`None` for
    /// other messages, and in files from before this was kept: those calls show from the
    /// messages alone).
    pub tool_views: Vec<Option<ToolView>>,
    /// The first question as it was asked, kept for the title after a compaction replaced
    /// it with a summary.
    pub first_question: Option<Message>,
    /// The last usage the server reported, for the context meter.
    pub last_usage: Option<Usage>,
    /// What all its turns cost at list price (USD): `None` when a turn had no price or no
    /// turn finished.
    pub cost_usd: Option<f64>,
    pub updated: String,
    /// A cut last line was skipped (the process was killed while writing it).
    pub was_truncated: bool,
}

impl LoadedSession {
    /// The conversation to continue: the saved system prompt and the saved messages, less
    /// questions that never got an answer (a failed or killed turn), so the next question
    /// does not follow another user message (some providers refuse that).
    pub fn conversation(&self) -> Conversation {
        let mut conversation = Conversation::new(self.header.system.as_deref());
        conversation.extend(self.shown().map(|(message, _)| message.clone()).collect());
        conversation
    }

    /// The messages `conversation` continues with, each with its tool view if it has one:
    /// what a resumed transcript draws.
    pub fn shown(&self) -> impl Iterator<Item = (&Message, Option<&ToolView>)> {
        self.messages
            .iter()
            .enumerate()
            .filter(|(index, message)| {
                message.role != Role::User
                    || self
                        .messages
                        .get(index + 1)
                        .is_some_and(|next| next.role != Role::User)
            })
            .map(|(index, message)| {
                let view = self.tool_views.get(index).and_then(Option::as_ref);
                (message, view)
            })
    }

    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            id: self.header.id.clone(),
            workspace: self.header.workspace.clone(),
            model: self.model.clone(),
            updated: self.updated.clone(),
            title: match title_of(self.first_question.as_slice()) {
                title if title.is_empty() => title_of(&self.messages),
                title => title,
            },
            turns: self
                .messages
                .iter()
                .filter(|m| m.role == Role::User)
                .count(),
            one_shot: self.header.one_shot,
            cost_usd: self.cost_usd,
        }
    }
}

/// Longest title kept, in characters.
const TITLE_CHARS: usize = 60;

/// The first question's first non-empty line, shortened; attached files (fenced blocks put
/// before the question) are skipped so the title is what the user typed.
fn title_of(messages: &[Message]) -> String {
    let Some(first) = messages.iter().find(|m| m.role == Role::User) else {
        return String::new();
    };
    let typed = question_part(&first.content);
    let line = typed
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    title
}

/// The text after the attachments: the last fenced file block (`` `path`:\n```lang … ``` ``)
/// and the lines naming attached images (`` `shot.png`: attached image ``).
fn question_part(content: &str) -> &str {
    let mut rest = content;
    if rest.starts_with('`')
        && let Some(end) = rest.rfind("\n```\n")
    {
        rest = &rest[end + 5..];
    }
    while rest.starts_with('`') {
        match rest.split_once('\n') {
            Some((line, after)) if line.ends_with("`: attached image") => rest = after,
            _ => break,
        }
    }
    rest
}
