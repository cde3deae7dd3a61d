//! The review area: an edit or a command the running turn wants, waiting for the user's
//! decision. The turn driver asks one at a time and waits, so several calls of one round are
//! reviewed in the order the model made them; the queue only guards against a face that
//! falls behind.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

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
        // From the same hunks the diff is drawn from, so the title agrees with every row.
        let counts = match &request {
            ApprovalRequest::Edit { hunks, .. } => crate::agent::diff::counts(hunks),
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

/// How long a review ignores keys after it appears: keys typed before it was on screen (the
/// `y` of "why", the `a` of "what") must not answer it. Long enough for a burst of typing
/// to end, short enough not to be felt.
pub const KEY_GRACE: Duration = Duration::from_millis(300);

/// Requests waiting for a decision, oldest first; the first one is shown.
#[derive(Debug, Default)]
pub struct Reviews {
    pub queue: VecDeque<Review>,
    /// When the review shown appeared (the app's clock, `AppState::now`).
    shown_at: Option<SystemTime>,
}

impl Reviews {
    /// Queues a request; shown at once (and timed from `now`) when none is waiting.
    pub fn push(&mut self, review: Review, now: SystemTime) {
        if self.queue.is_empty() {
            self.shown_at = Some(now);
        }
        self.queue.push_back(review);
    }

    /// Takes the request shown; the next one, if any, appears at `now`.
    pub fn pop(&mut self, now: SystemTime) -> Option<Review> {
        let review = self.queue.pop_front();
        if !self.queue.is_empty() {
            self.shown_at = Some(now);
        }
        review
    }

    /// Whether a key at `now` may act on the review shown: not before `KEY_GRACE` has passed
    /// since it appeared. A clock set back starts the wait again rather than never ending it.
    pub fn takes_keys(&mut self, now: SystemTime) -> bool {
        let Some(shown_at) = self.shown_at else {
            return true;
        };
        match now.duration_since(shown_at) {
            Ok(elapsed) => elapsed >= KEY_GRACE,
            Err(_) => {
                self.shown_at = Some(now);
                false
            }
        }
    }

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
