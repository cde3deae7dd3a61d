//! The code view in the left column: which item is shown and how far it is scrolled, and the
//! list of items it can show (attached files, the last answer's code blocks). Edits the
//! model wants are reviewed in the chat's review area, not here.

use std::borrow::Cow;
use std::cell::RefCell;

use ratatui::text::Line;

use super::AppState;
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
}

/// The code view: which item is shown and how far it is scrolled.
#[derive(Debug, Default)]
pub struct CodePane {
    pub item: usize,
    /// First row in view; clamped to the last page when drawn.
    pub scroll: usize,
    /// The shown item's highlighted rows: syntax highlighting is too slow to redo per frame,
    /// so this memo survives frames (it holds no state the user could see change).
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

impl AppState {
    /// What the code view can show: files attached to the conversation (sent, then waiting for
    /// the next question), then the code blocks of the last answer.
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
            };
            // A file attached again replaces the older copy.
            match items.iter_mut().find(|i| i.title == item.title) {
                Some(older) => *older = item,
                None => items.push(item),
            }
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
