//! Keys while the review area is open: it takes every key, so nothing else can be sent
//! while a turn waits. `y` approves, `n` opens a one-line reason field (Enter sends the
//! "no" with it, Esc goes back), `a` approves every edit of the session, `!` this exact
//! command for the session, the arrows scroll, Esc (or Ctrl-C) stops the turn and with it
//! any command. Keys in the first `KEY_GRACE` of a review are dropped: they were typed
//! before the question was there to read.

use crossterm::event::{KeyCode, KeyEvent};

use super::chat;
use crate::agent::{ApprovalMode, ApprovalRequest, Decision};
use crate::tui::event::Effect;
use crate::tui::keymap::{Action, GlobalAction, ReviewAction, Scope};
use crate::tui::state::{AppState, Overlay, Review};
use crate::tui::text_input::TextInput;
use crate::tui::view;

pub(super) fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let now = state.now;
    if !state.chat.reviews.takes_keys(now) {
        state.notice = Some(
            "the review just appeared: keys typed in its first 0.3 s are ignored, press again"
                .to_owned(),
        );
        return Vec::new();
    }
    let stops = state.keys.lookup(Scope::Global, &key) == Some(Action::Global(GlobalAction::Quit));
    if let Some(reason) = state
        .chat
        .reviews
        .current_mut()
        .and_then(|r| r.reason.as_mut())
    {
        match key.code {
            _ if stops => return chat::stop(state),
            KeyCode::Enter => {
                let text = reason.text().trim().to_owned();
                let reason = (!text.is_empty()).then_some(text);
                return answer(state, Decision::No { reason });
            }
            KeyCode::Esc => {
                if let Some(review) = state.chat.reviews.current_mut() {
                    review.reason = None;
                }
            }
            _ => {
                reason.on_key(key);
            }
        }
        return Vec::new();
    }
    match state.keys.lookup(Scope::Review, &key) {
        Some(Action::Review(action)) => on_action(state, action),
        Some(Action::Global(GlobalAction::Quit)) => chat::stop(state),
        Some(Action::Global(GlobalAction::Help)) => {
            state.overlay = Overlay::Help;
            state.help_scroll = 0;
            Vec::new()
        }
        // Nothing else moves while a turn waits for this answer.
        Some(_) | None => Vec::new(),
    }
}

fn on_action(state: &mut AppState, action: ReviewAction) -> Vec<Effect> {
    let is_edit = state.chat.reviews.current().is_some_and(Review::is_edit);
    let page = (usize::from(view::layout::review_viewport(state).height).max(2) - 1) as isize;
    match action {
        ReviewAction::Approve => return answer(state, Decision::Yes),
        ReviewAction::Reject => {
            if let Some(review) = state.chat.reviews.current_mut() {
                review.reason = Some(TextInput::single_line(""));
            }
        }
        // `a` is the auto-edit mode, said and shown in the status line (Shift-Tab goes back).
        ReviewAction::ApproveAllEdits if is_edit => {
            state.chat.approval_mode = ApprovalMode::AutoEdit;
            state.notice = Some(ApprovalMode::AutoEdit.describe().to_owned());
            return answer(state, Decision::AllEdits);
        }
        ReviewAction::AlwaysCommand if !is_edit => {
            offer_to_save(state);
            return answer(state, Decision::AlwaysCommand);
        }
        ReviewAction::ApproveAllEdits | ReviewAction::AlwaysCommand => {
            let keys = &state.keys;
            state.notice = Some(if is_edit {
                format!(
                    "{} is for commands; for this edit: {} yes, {} no, {} all edits",
                    keys.label(Scope::Review, ReviewAction::AlwaysCommand),
                    keys.label(Scope::Review, ReviewAction::Approve),
                    keys.label(Scope::Review, ReviewAction::Reject),
                    keys.label(Scope::Review, ReviewAction::ApproveAllEdits),
                )
            } else {
                format!(
                    "{} is for edits; for this command: {} yes, {} no, {} always this command",
                    keys.label(Scope::Review, ReviewAction::ApproveAllEdits),
                    keys.label(Scope::Review, ReviewAction::Approve),
                    keys.label(Scope::Review, ReviewAction::Reject),
                    keys.label(Scope::Review, ReviewAction::AlwaysCommand),
                )
            });
        }
        ReviewAction::Stop => return chat::stop(state),
        ReviewAction::Up => scroll_by(state, -1),
        ReviewAction::Down => scroll_by(state, 1),
        ReviewAction::PageUp => scroll_by(state, -page),
        ReviewAction::PageDown => scroll_by(state, page),
        ReviewAction::Top => scroll_by(state, isize::MIN / 2),
        ReviewAction::Bottom => scroll_by(state, isize::MAX / 2),
    }
    Vec::new()
}

/// "Always this command": granted for the session, and offered for the project's
/// `.sapcode/config.toml` (the next key answers). A command with a metacharacter could never
/// match an entry, so it is not offered.
fn offer_to_save(state: &mut AppState) {
    let Some(Review {
        request: ApprovalRequest::Command { command },
        ..
    }) = state.chat.reviews.current()
    else {
        return;
    };
    if crate::agent::permissions::has_metacharacter(command) {
        state.notice = Some(format!(
            "`{command}` is allowed for this session; with ; & | $ ` < > ( ) \\ or a line break it cannot be saved for the project"
        ));
        return;
    }
    state.notice = Some(format!(
        "`{command}` is allowed for this session. Also for this project ({})? y saves it, any other key does not",
        crate::agent::permissions::PROJECT_CONFIG
    ));
    state.chat.save_offer = Some(command.clone());
}

/// The key after an offer to save a command for the project: `y` saves it; any other key
/// declines and then does what it does. `None` when nothing was offered.
pub(super) fn answer_save_offer(state: &mut AppState, key: &KeyEvent) -> Option<Vec<Effect>> {
    let command = state.chat.save_offer.take()?;
    match key.code {
        KeyCode::Char('y') if key.modifiers.is_empty() => {
            Some(vec![Effect::SavePermission(command)])
        }
        _ => None,
    }
}

/// Sends the decision on the request shown; the next one (if any) is shown after it.
fn answer(state: &mut AppState, decision: Decision) -> Vec<Effect> {
    let now = state.now;
    let Some(review) = state.chat.reviews.pop(now) else {
        return Vec::new();
    };
    vec![Effect::AnswerApproval {
        turn: review.turn,
        id: review.id,
        decision,
    }]
}

/// Moves the diff; the view clamps to the last page.
pub(super) fn scroll_by(state: &mut AppState, delta: isize) {
    let viewport = view::layout::review_viewport(state);
    let last =
        view::review_rows(state, viewport.width).saturating_sub(usize::from(viewport.height));
    if let Some(review) = state.chat.reviews.current_mut() {
        review.scroll = review
            .scroll
            .min(last)
            .saturating_add_signed(delta)
            .min(last);
    }
}

/// Pasted text goes into the reason field while it is open, and nowhere else.
pub(super) fn on_paste(state: &mut AppState, text: &str) {
    if let Some(reason) = state
        .chat
        .reviews
        .current_mut()
        .and_then(|r| r.reason.as_mut())
    {
        reason.insert_str(&text.replace(['\r', '\n'], " "));
    }
}
