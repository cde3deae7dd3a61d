//! Chat keys and stream updates: sending (after reading `@path` files), history, scrolling,
//! stopping, retrying, copying, starting a new conversation, and saving the session after
//! each finished turn.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use super::attach;
use crate::agent::Conversation;
use crate::aicore::{Mode, Usage};
use crate::tui::event::{ChatUpdate, Effect};
use crate::tui::keymap::Action;
use crate::tui::state::{
    AppState, CodePane, Entry, EntryEnd, Pane, Scroll, Speaker, Turn, TurnStats,
};
use crate::tui::{markdown, session, transcript, view};

pub(super) fn is_current(state: &AppState, turn: u64) -> bool {
    matches!(state.chat.turn, Turn::Streaming { id, .. } if id == turn)
}

pub(super) fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Send => send(state),
        Action::Newline => {
            state.chat.composer.input.insert_newline();
            Vec::new()
        }
        Action::Stop => stop(state),
        Action::Retry => retry(state),
        Action::PageUp => {
            let page = page_size(state);
            scroll_by(state, -page);
            Vec::new()
        }
        Action::PageDown => {
            let page = page_size(state);
            scroll_by(state, page);
            Vec::new()
        }
        Action::Top => {
            state.chat.transcript.scroll = Scroll::At { entry: 0, row: 0 };
            Vec::new()
        }
        Action::Bottom => {
            state.chat.transcript.scroll = Scroll::Follow;
            Vec::new()
        }
        Action::CopyAnswer => copy(state, |text| Some(text.to_owned()), "last answer"),
        Action::CopyCode => copy(state, markdown::last_code_block, "last code block"),
        Action::RemoveAttachment => {
            attach::remove_last(state);
            Vec::new()
        }
        Action::NewConversation => new_conversation(state),
        Action::ToggleTools => {
            state.chat.tools = !state.chat.tools;
            state.notice = Some(if state.chat.tools {
                "tools on: the model may read files in the working directory and propose edits \
                 (nothing is written unless you apply it)"
                    .into()
            } else {
                "tools off".into()
            });
            Vec::new()
        }
        Action::Quit
        | Action::NextPane
        | Action::PrevPane
        | Action::FocusModels
        | Action::FocusDeployments
        | Action::FocusChat
        | Action::OpenSettings
        | Action::Help
        | Action::Up
        | Action::Down
        | Action::Pick
        | Action::Filter
        | Action::ToggleAll
        | Action::Refresh
        | Action::ImportKey
        | Action::Save
        | Action::Close
        | Action::ToggleCode
        | Action::NextItem
        | Action::PrevItem
        | Action::CopyShown
        | Action::ApplyProposal
        | Action::RejectProposal => Vec::new(),
    }
}

fn page_size(state: &AppState) -> isize {
    let height = usize::from(view::layout::transcript_viewport(state).height);
    height.saturating_sub(2).max(1) as isize
}

/// Moves the transcript view; reaching the bottom resumes following the stream. Only the
/// messages scrolled over are rendered (at the width last drawn).
pub(super) fn scroll_by(state: &mut AppState, delta: isize) {
    let viewport = view::layout::transcript_viewport(state);
    if viewport.width == 0 || state.chat.transcript.entries.is_empty() {
        return;
    }
    let height = usize::from(viewport.height);
    state.chat.transcript.scroll = transcript::scrolled(state, viewport.width, height, delta);
}

pub(super) fn on_text_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let composer = &mut state.chat.composer;
    let row = composer.input.cursor().0;
    let last_row = composer.input.lines().len().saturating_sub(1);
    match key.code {
        KeyCode::Up if row == 0 && !composer.history.is_empty() => {
            let pos = match composer.history_pos {
                Some(pos) => pos.saturating_sub(1),
                None => {
                    composer.draft = Some(composer.input.text());
                    composer.history.len() - 1
                }
            };
            composer.history_pos = Some(pos);
            let text = composer.history[pos].clone();
            composer.input.set_text(&text);
        }
        KeyCode::Down if row == last_row && composer.history_pos.is_some() => {
            let next = composer.history_pos.map(|pos| pos + 1);
            match next.filter(|pos| *pos < composer.history.len()) {
                Some(pos) => {
                    composer.history_pos = Some(pos);
                    let text = composer.history[pos].clone();
                    composer.input.set_text(&text);
                }
                None => {
                    composer.history_pos = None;
                    let draft = composer.draft.take().unwrap_or_default();
                    composer.input.set_text(&draft);
                }
            }
        }
        _ => {
            if composer.input.on_key(key) {
                return super::completion::follow_typing(state);
            }
        }
    }
    Vec::new()
}

fn send(state: &mut AppState) -> Vec<Effect> {
    let text = state.chat.composer.input.text();
    if text.trim().is_empty() {
        return Vec::new();
    }
    if state.is_streaming() {
        state.notice = Some("an answer is still streaming: Esc stops it".into());
        return Vec::new();
    }
    if state.chat.composer.attaching.is_some() {
        state.notice = Some("still reading the attached files".into());
        return Vec::new();
    }
    match attach::start(state, &text) {
        Some(effects) => effects,
        None => send_text(state, text),
    }
}

/// Sends `text` with the files attached so far, placed before it in the conversation.
pub(super) fn send_text(state: &mut AppState, text: String) -> Vec<Effect> {
    let Some(model) = state.models.chosen.clone() else {
        state.notice = Some("pick a model first: Tab to the model picker, Enter to pick".into());
        state.focus = Pane::Models;
        return Vec::new();
    };
    // A question that never got an answer (the turn failed before any text) leaves the
    // conversation, so two questions never follow each other in a request.
    if state
        .chat
        .conversation
        .messages()
        .last()
        .is_some_and(|m| m.role == crate::aicore::Role::User)
    {
        state.chat.conversation.pop_last_turn();
    }
    if state.chat.composer.history.last() != Some(&text) {
        state.chat.composer.history.push(text.clone());
    }
    state.chat.composer.history_pos = None;
    state.chat.composer.draft = None;
    if state.chat.composer.input.text() == text {
        state.chat.composer.input.set_text("");
    }
    let attachments = std::mem::take(&mut state.chat.composer.attachments);
    let mut entry = Entry::new(Speaker::You, text.clone(), EntryEnd::Finished);
    entry.files = attachments
        .iter()
        .map(|a| {
            format!(
                "@{} {}",
                a.path,
                crate::byte_size::human_bytes(a.content.len())
            )
        })
        .collect();
    state.chat.transcript.entries.push(entry);
    state.chat.conversation.push_user(&text, &attachments);
    for attachment in attachments {
        state.chat.files.retain(|f| f.path != attachment.path);
        state.chat.files.push(attachment);
    }
    state.chat.session.get_or_insert(state.now);
    start_turn(state, model)
}

/// `Ctrl-N`: a fresh conversation; the last one is already saved after its last turn.
fn new_conversation(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() {
        state.notice = Some("an answer is still streaming: Esc stops it first".into());
        return Vec::new();
    }
    let chat = &mut state.chat;
    let was_saved = chat.session.take().is_some();
    chat.transcript.entries.clear();
    // Project rules belong to the workspace, not to one conversation.
    let rules = chat.conversation.project_rules().cloned();
    chat.conversation = Conversation::new(None);
    chat.conversation.set_project_rules(rules);
    chat.composer.attachments.clear();
    chat.composer.attaching = None;
    chat.files.clear();
    chat.transcript.scroll = Scroll::Follow;
    chat.stats = TurnStats {
        last_target: chat.stats.last_target.take(),
        ..TurnStats::default()
    };
    // Edits not yet decided stay for review: starting over must not lose them.
    let mut proposals = std::mem::take(&mut state.code.proposals);
    proposals.retain(|p| p.status.is_open());
    let waiting = proposals.len();
    state.code = CodePane {
        proposals,
        ..CodePane::default()
    };
    let mut notice = if was_saved {
        "new conversation; the last one is saved under sessions/ in the data directory".to_owned()
    } else {
        "new conversation".to_owned()
    };
    if waiting > 0 {
        let noun = if waiting == 1 {
            "edit still waits"
        } else {
            "edits still wait"
        };
        notice.push_str(&format!("; {waiting} proposed {noun} in the code view"));
    }
    state.notice = Some(notice);
    Vec::new()
}

fn start_turn(state: &mut AppState, model: String) -> Vec<Effect> {
    let turn = state.chat.next_turn;
    state.chat.next_turn += 1;
    state.chat.turn = Turn::Streaming {
        id: turn,
        started: state.now,
        waiting: None,
    };
    state.chat.transcript.scroll = Scroll::Follow;
    state.chat.stats.last_usage = None;
    let deployment = match state.mode {
        Mode::Foundation => state.deployments.chosen.clone(),
        Mode::Orchestration => None,
    };
    state.chat.stats.last_target = Some((model.clone(), deployment.clone().unwrap_or_default()));
    state.chat.transcript.entries.push(Entry::new(
        Speaker::Model(model.clone()),
        String::new(),
        EntryEnd::Open,
    ));
    vec![Effect::StartTurn {
        turn,
        mode: state.mode,
        model,
        deployment,
        request: state.chat.conversation.request(None),
        tools: state.chat.tools,
    }]
}

/// Esc: aborts the running turn and keeps its partial answer, marked as stopped.
pub(super) fn stop(state: &mut AppState) -> Vec<Effect> {
    let Turn::Streaming { id, .. } = state.chat.turn else {
        return Vec::new();
    };
    let mut effects = vec![Effect::CancelTurn { turn: id }];
    effects.extend(finish(state, EntryEnd::StoppedByEsc));
    effects
}

fn retry(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() {
        return Vec::new();
    }
    let can_retry = state
        .chat
        .transcript
        .last_answer()
        .is_some_and(|e| matches!(e.end, EntryEnd::Cut(_) | EntryEnd::StoppedByEsc));
    let model = state.models.chosen.clone();
    let (true, Some(model)) = (can_retry, model) else {
        state.notice = Some("nothing to retry".into());
        return Vec::new();
    };
    let Some(question) = state.chat.conversation.pop_last_turn() else {
        return Vec::new();
    };
    state.chat.conversation.push_user(&question, &[]);
    start_turn(state, model)
}

/// Closes the open entry; the partial text joins the conversation so later turns see it.
/// The conversation is then saved as a session.
fn finish(state: &mut AppState, end: EntryEnd) -> Vec<Effect> {
    if let Turn::Streaming { started, .. } = state.chat.turn {
        state.chat.stats.last_elapsed =
            Some(state.now.duration_since(started).unwrap_or(Duration::ZERO));
    }
    state.chat.turn = Turn::Idle;
    let Some(entry) = state.chat.transcript.entries.last_mut() else {
        return Vec::new();
    };
    entry.end = end;
    let text = entry.text.clone();
    if !text.is_empty() {
        state.chat.conversation.push_assistant(&text);
    }
    session::snapshot(state)
        .map(|record| Effect::SaveSession(Box::new(record)))
        .into_iter()
        .collect()
}

pub(super) fn on_update(state: &mut AppState, turn: u64, update: ChatUpdate) -> Vec<Effect> {
    if !is_current(state, turn) {
        return Vec::new();
    }
    match update {
        ChatUpdate::Retrying { attempt, reason } => {
            if let Turn::Streaming { waiting, .. } = &mut state.chat.turn {
                *waiting = Some(format!("{reason}; retry {attempt}"));
            }
        }
        ChatUpdate::Delta(text) => {
            if let Turn::Streaming { waiting, .. } = &mut state.chat.turn {
                *waiting = None;
            }
            if let Some(entry) = state.chat.transcript.entries.last_mut() {
                entry.text.push_str(&text);
            }
        }
        ChatUpdate::Usage(usage) => {
            state.chat.stats.last_usage = Some(usage);
            let total = &mut state.chat.stats.total_usage;
            *total = Usage {
                prompt_tokens: total.prompt_tokens + usage.prompt_tokens,
                completion_tokens: total.completion_tokens + usage.completion_tokens,
                total_tokens: total.total_tokens + usage.total_tokens,
            };
        }
        ChatUpdate::Tool(line) => {
            if let Some(entry) = state.chat.transcript.entries.last_mut() {
                entry.tools.push(line);
            }
        }
        ChatUpdate::History(messages) => state.chat.conversation.extend(messages),
        ChatUpdate::Proposed(proposal) => super::proposals::on_proposed(state, *proposal),
        ChatUpdate::Done => return finish(state, EntryEnd::Finished),
        ChatUpdate::Failed(error) => return finish(state, EntryEnd::Cut(error)),
    }
    Vec::new()
}

fn copy(state: &mut AppState, pick: fn(&str) -> Option<String>, what: &str) -> Vec<Effect> {
    let picked = state
        .chat
        .transcript
        .last_answer()
        .and_then(|e| pick(&e.text));
    match picked {
        Some(text) if !text.is_empty() => {
            // OSC 52 has no reply: whether the terminal put it on the clipboard is unknown.
            state.notice = Some(format!(
                "the {what} ({} lines) was sent to the terminal to copy (OSC 52)",
                text.lines().count()
            ));
            vec![Effect::Copy(text)]
        }
        _ => {
            state.notice = Some(format!("no {what} to copy"));
            Vec::new()
        }
    }
}
