//! The review area: an edit or a command the running turn wants, waiting for the user's
//! decision. The turn driver asks one at a time and waits, so several calls of one round are
//! reviewed in the order the model made them; the queue only guards against a face that
//! falls behind.

use std::cell::RefCell;
use std::collections::VecDeque;

use ratatui::text::Line;

use crate::agent::ApprovalRequest;
use crate::tui::text_input::TextInput;

/// One request waiting for `y` / `n` / `a` / `!`.
#[derive(Debug)]
pub struct Review {
    /// The turn that asked; an answer for a turn that is gone is dropped.
    pub turn: u64,
    /// The tool call's id, which the answer names.
    pub id: String,
    /// `edit_file src/lib.rs`, `run_command \`cargo test\``: the tool line it belongs to.
    pub call: String,
    pub request: ApprovalRequest,
    /// Lines an edit adds and removes, counted once for the title.
    pub counts: (usize, usize),
    /// First row of the diff in view; clamped to the last page when drawn.
    pub scroll: usize,
    /// `Some` after `n`: the reason being typed (Enter sends it, Esc goes back).
    pub reason: Option<TextInput>,
    /// The diff's rows at one width: a large diff is laid out once, not on every frame.
    pub rows: RowCache,
}

/// Rows of a review at `width`, kept while the width stays.
#[derive(Default)]
pub struct RowCache(pub RefCell<Option<(u16, Vec<Line<'static>>)>>);

impl std::fmt::Debug for RowCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowCache")
    }
}

impl Review {
    pub fn new(turn: u64, id: String, call: String, request: ApprovalRequest) -> Review {
        let counts = match &request {
            ApprovalRequest::Edit { diff, .. } => diff_counts(diff),
            ApprovalRequest::Command { .. } => (0, 0),
        };
        Review {
            turn,
            id,
            call,
            request,
            counts,
            scroll: 0,
            reason: None,
            rows: RowCache::default(),
        }
    }

    pub fn is_edit(&self) -> bool {
        match self.request {
            ApprovalRequest::Edit { .. } => true,
            ApprovalRequest::Command { .. } => false,
        }
    }
}

/// Added and removed lines of a unified diff (its `+++`/`---` file lines left out).
fn diff_counts(diff: &str) -> (usize, usize) {
    diff.lines()
        .filter(|line| !line.starts_with("+++ ") && !line.starts_with("--- "))
        .fold((0, 0), |(added, removed), line| {
            match line.as_bytes().first() {
                Some(b'+') => (added + 1, removed),
                Some(b'-') => (added, removed + 1),
                _ => (added, removed),
            }
        })
}

/// Requests waiting for a decision, oldest first; the first one is shown.
#[derive(Debug, Default)]
pub struct Reviews {
    pub queue: VecDeque<Review>,
}

impl Reviews {
    pub fn current(&self) -> Option<&Review> {
        self.queue.front()
    }

    pub fn current_mut(&mut self) -> Option<&mut Review> {
        self.queue.front_mut()
    }

    pub fn is_open(&self) -> bool {
        !self.queue.is_empty()
    }
}
