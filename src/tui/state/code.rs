//! The code view in the left column: which item is shown and how far it is scrolled, the
//! edits the model proposed with what became of them, and the list of items it can show
//! (attached files, proposals, the last answer's code blocks).

use std::borrow::Cow;
use std::cell::RefCell;

use ratatui::text::Line;

use super::AppState;
use crate::agent::diff::Hunk;
use crate::agent::edit::Proposal;
use crate::tui::markdown;

/// One thing the code view can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeItem<'a> {
    /// `@src/lib.rs` or `answer block 2 of 3`.
    pub title: String,
    pub language: String,
    pub text: Cow<'a, str>,
    /// Attached, waiting for the next question.
    pub is_pending: bool,
    /// A proposed edit: its index in `CodePane::proposals`; the text is its unified diff.
    pub proposal: Option<usize>,
}

/// The code view: which item is shown, how far it is scrolled, and the proposed edits.
#[derive(Debug, Default)]
pub struct CodePane {
    pub item: usize,
    /// First row in view; clamped to the last page when drawn.
    pub scroll: usize,
    /// The shown item's highlighted rows: syntax highlighting is too slow to redo per frame,
    /// so this memo survives frames (it holds no state the user could see change).
    pub cache: RefCell<Option<CodeRender>>,
    /// Edits the model proposed in this session, oldest first, with what became of them.
    pub proposals: Vec<ProposalEntry>,
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

    /// Still waiting for the user's decision (or refused, so worth another look).
    pub fn is_open(&self) -> bool {
        match self {
            ProposalStatus::Pending | ProposalStatus::Applying | ProposalStatus::Refused(_) => true,
            ProposalStatus::Applied | ProposalStatus::Rejected => false,
        }
    }
}

impl AppState {
    /// What the code view can show: files attached to the conversation (sent, then waiting for
    /// the next question), then proposed edits, then the code blocks of the last answer.
    pub fn code_items(&self) -> Vec<CodeItem<'_>> {
        let mut items: Vec<CodeItem<'_>> = Vec::new();
        for (attachment, is_pending) in self
            .chat
            .files
            .iter()
            .map(|a| (a, false))
            .chain(self.chat.composer.attachments.iter().map(|a| (a, true)))
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
        for (index, entry) in self.code.proposals.iter().enumerate() {
            items.push(CodeItem {
                title: format!("edit {}", entry.proposal.path),
                language: "diff".into(),
                text: Cow::Borrowed(entry.diff.as_str()),
                is_pending: false,
                proposal: Some(index),
            });
        }
        if let Some(answer) = self.chat.transcript.last_answer() {
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
}

fn extension(path: &str) -> &str {
    std::path::Path::new(path)
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or("")
}
