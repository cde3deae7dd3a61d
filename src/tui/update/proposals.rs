//! Proposed edits in the TUI: recorded when a tool turn proposes one (with a line in the
//! chat), then applied or rejected from the code view. Applying is an effect; the write and
//! its stale-content check run off the loop and report back as `ProposalApplied`.

use crate::agent::diff;
use crate::agent::edit::Proposal;
use crate::tui::event::Effect;
use crate::tui::keymap::{Action, Scope};
use crate::tui::state::{AppState, ProposalEntry, ProposalStatus};

/// A tool turn proposed an edit: keep it, say so in the answer, and make it the item the code
/// view shows next.
pub(super) fn on_proposed(state: &mut AppState, proposal: Proposal) {
    let hunks = proposal.hunks();
    let (added, removed) = diff::counts(&hunks);
    // The line sits in the chat, where the code view opens with the chat's key (Ctrl-F).
    let review = state.keys.label(Scope::Chat, Action::ToggleCode);
    let line = format!(
        "✎ proposed edit to {} (+{added} −{removed}) — {review} to review",
        proposal.path
    );
    if let Some(entry) = state.chat.transcript.entries.last_mut() {
        entry.tools.push(line);
    }
    let id = state.next_request;
    state.next_request += 1;
    state.code.proposals.push(ProposalEntry {
        id,
        diff: diff::render_unified(&proposal.path, &hunks, proposal.is_new_file),
        hunks,
        added,
        removed,
        proposal,
        status: ProposalStatus::Pending,
    });
    let index = state.code.proposals.len() - 1;
    if let Some(position) = state
        .code_items()
        .iter()
        .position(|item| item.proposal == Some(index))
    {
        state.code.item = position;
        state.code.scroll = 0;
    }
}

/// The proposal the code view shows, if it shows one.
fn shown(state: &AppState) -> Option<usize> {
    let items = state.code_items();
    let index = state.code.item.min(items.len().checked_sub(1)?);
    items[index].proposal
}

/// `a`: writes the proposal shown (only a pending or refused one; a refused one is checked
/// again, so it applies once the file is back as it was).
pub(super) fn apply_shown(state: &mut AppState) -> Vec<Effect> {
    let Some(index) = shown(state) else {
        state.notice = Some("nothing to apply: the code view shows no proposed edit".into());
        return Vec::new();
    };
    let entry = &mut state.code.proposals[index];
    match entry.status {
        ProposalStatus::Pending | ProposalStatus::Refused(_) => {
            entry.status = ProposalStatus::Applying;
            vec![Effect::ApplyProposal {
                id: entry.id,
                proposal: Box::new(entry.proposal.clone()),
            }]
        }
        ProposalStatus::Applying | ProposalStatus::Applied | ProposalStatus::Rejected => {
            let word = entry.status.word().trim_start_matches(['✓', '✗', ' ']);
            state.notice = Some(format!("{} is already {word}", entry.proposal.path));
            Vec::new()
        }
    }
}

/// `x`: marks the proposal shown as rejected; nothing is written.
pub(super) fn reject_shown(state: &mut AppState) {
    let Some(index) = shown(state) else {
        state.notice = Some("nothing to reject: the code view shows no proposed edit".into());
        return;
    };
    let entry = &mut state.code.proposals[index];
    match entry.status {
        ProposalStatus::Pending | ProposalStatus::Refused(_) => {
            entry.status = ProposalStatus::Rejected;
            state.notice = Some(format!(
                "rejected the edit to {}; the file is unchanged",
                entry.proposal.path
            ));
        }
        ProposalStatus::Applying | ProposalStatus::Applied | ProposalStatus::Rejected => {
            let word = entry.status.word().trim_start_matches(['✓', '✗', ' ']);
            state.notice = Some(format!("{} is already {word}", entry.proposal.path));
        }
    }
}

/// The write finished: mark the proposal and say what happened.
pub(super) fn applied(state: &mut AppState, id: u64, result: Result<(), String>) {
    let Some(entry) = state.code.proposals.iter_mut().find(|e| e.id == id) else {
        return; // the conversation was cleared meanwhile
    };
    match result {
        Ok(()) => {
            entry.status = ProposalStatus::Applied;
            state.notice = Some(format!("applied the edit to {}", entry.proposal.path));
        }
        Err(message) => {
            state.notice = Some(message.clone());
            entry.status = ProposalStatus::Refused(message);
        }
    }
}
