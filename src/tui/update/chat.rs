//! Chat keys and stream updates: sending (after reading `@path` files), history, scrolling,
//! stopping, retrying, copying, starting a new conversation, and saving the session after
//! each finished turn.

use std::time::Duration;

use crossterm::event::KeyEvent;

use super::attach;
pub(super) use super::queue::finish;
use crate::aicore::Mode;
use crate::tui::event::{ChatUpdate, Effect};
use crate::tui::keymap::{ChatAction, ListAction, Scope};
use crate::tui::state::{AppState, Entry, EntryEnd, Pane, Scroll, Speaker, ToolResult, Turn};
use crate::tui::{markdown, session, transcript, view};

pub(super) fn is_current(state: &AppState, turn: u64) -> bool {
    matches!(state.chat.turn, Turn::Streaming { id, .. } if id == turn)
}

pub(super) fn on_action(state: &mut AppState, action: ChatAction) -> Vec<Effect> {
    match action {
        // `\` right before the cursor, then Enter: a new line in place of the backslash, as
        // in a shell (terminals without the kitty protocol send Shift-Enter as Enter).
        ChatAction::Send if state.chat.composer.input.take_backslash_before_cursor() => {
            state.chat.composer.input.insert_newline();
            Vec::new()
        }
        ChatAction::Send => send(state),
        ChatAction::Newline => {
            state.chat.composer.input.insert_newline();
            Vec::new()
        }
        ChatAction::Stop => stop(state),
        ChatAction::Retry => retry(state),
        ChatAction::PageUp => {
            let page = page_size(state);
            scroll_by(state, -page);
            Vec::new()
        }
        ChatAction::PageDown => {
            let page = page_size(state);
            scroll_by(state, page);
            Vec::new()
        }
        ChatAction::Top => {
            state.chat.transcript.scroll = Scroll::At { entry: 0, row: 0 };
            Vec::new()
        }
        ChatAction::Bottom => {
            state.chat.transcript.scroll = Scroll::Follow;
            Vec::new()
        }
        ChatAction::CopyAnswer => copy_answer(state),
        ChatAction::CopyCode => copy(state, markdown::last_code_block, "last code block"),
        ChatAction::RemoveAttachment => {
            attach::remove_last(state);
            Vec::new()
        }
        ChatAction::NewConversation => super::conversation::new_conversation(state),
        ChatAction::ToggleTools => {
            super::tools::cycle_level(state);
            Vec::new()
        }
        ChatAction::UndoEdit => super::tools::undo_last_edit(state),
        ChatAction::CycleMode => super::tools::cycle_mode(state),
        ChatAction::ExpandPaste => {
            super::draft::expand_chip(state);
            Vec::new()
        }
        ChatAction::EditInEditor => super::draft::edit_in_editor(state),
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
    if super::history::on_key(state, &key) {
        return Vec::new();
    }
    let composer = &mut state.chat.composer;
    let before = composer.input.text();
    composer.input.on_key(key);
    if composer.input.text() != before {
        composer.slash_selected = 0;
        return super::completion::follow_typing(state);
    }
    Vec::new()
}

/// What Enter in the message box does: a question, a slash command or a `!command`.
pub(super) fn send_draft(state: &mut AppState) -> Vec<Effect> {
    send(state)
}

fn send(state: &mut AppState) -> Vec<Effect> {
    let text = state.chat.composer.input.text();
    if text.trim().is_empty() {
        return Vec::new();
    }
    if state.is_streaming() {
        return super::queue::queue(state, text);
    }
    if state.chat.composer.attaching.is_some() {
        state.notice = Some("still reading the attached files".into());
        return Vec::new();
    }
    if state.chat.compacting.is_some() {
        state.notice = Some("the conversation is being compacted: a moment".into());
        return Vec::new();
    }
    if let Some(literal) = crate::tui::slash::unescape(&text) {
        let literal = literal.to_owned();
        return send_message(state, literal, &text);
    }
    if text.starts_with('/') {
        return super::slash::run_typed(state, &text);
    }
    if let Some(command) = text.strip_prefix('!').filter(|c| !c.trim().is_empty()) {
        let command = state.chat.composer.pastes.expand(command.trim());
        return super::shell::start(state, &text, command);
    }
    match attach::start(state, &text) {
        Some(effects) => effects,
        None => send_text(state, text),
    }
}

/// Sends `text` with the files attached so far, placed before it in the conversation.
pub(super) fn send_text(state: &mut AppState, text: String) -> Vec<Effect> {
    let typed = text.clone();
    send_message(state, text, &typed)
}

/// Sends `text`; `typed` is what the input held (`//…` for a literal `/`), kept in history.
pub(super) fn send_message(state: &mut AppState, text: String, typed: &str) -> Vec<Effect> {
    let Some(model) = state.models.chosen.clone() else {
        let keys = &state.keys;
        state.notice = Some(format!(
            "pick a model first ({} {}): your message stays in the box",
            keys.label(Scope::Models, ListAction::Up),
            keys.label(Scope::Models, ListAction::Pick)
        ));
        state.focus = Pane::Models;
        return Vec::new();
    };
    // Chips stand for their pastes: the model gets the text, the transcript the chip.
    let sent = state.chat.composer.pastes.expand(&text);
    if let Some(why) = super::draft::refusal(state, &sent) {
        keep_refused(state, typed);
        state.notice = Some(why);
        return Vec::new();
    }
    let shown = state.chat.composer.pastes.labelled(&text);
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
    if state.chat.composer.input.text() == typed {
        state.chat.composer.input.set_text("");
    }
    let mut effects = save_input(state, typed);
    let attachments = std::mem::take(&mut state.chat.composer.attachments);
    let mut entry = Entry::new(Speaker::You, shown, EntryEnd::Finished);
    entry.files = attachments
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                attach::label(a),
                crate::byte_size::human_bytes(a.byte_len())
            )
        })
        .collect();
    state.chat.transcript.entries.push(entry);
    state.chat.conversation.push_user(&sent, &attachments);
    for attachment in attachments {
        state.chat.files.retain(|f| f.path != attachment.path);
        state.chat.files.push(attachment);
    }
    state.chat.session.get_or_insert(state.now);
    effects.extend(start_turn(state, model));
    super::draft::forget_unused_pastes(state);
    effects
}

/// A refused message stays in the input (a queued one comes back before what was typed).
fn keep_refused(state: &mut AppState, typed: &str) {
    let input = &mut state.chat.composer.input;
    let draft = input.text();
    if draft != typed {
        let kept: Vec<&str> = [typed, draft.as_str()]
            .into_iter()
            .filter(|text| !text.trim().is_empty())
            .collect();
        input.set_text(&kept.join("\n\n"));
    }
}

/// Keeps a sent input (a question, a command line) for ↑ now and in later runs.
pub(super) fn save_input(state: &mut AppState, text: &str) -> Vec<Effect> {
    let composer = &mut state.chat.composer;
    composer.history_pos = None;
    composer.draft = None;
    if text.trim().is_empty() || composer.history.last().map(String::as_str) == Some(text) {
        return Vec::new();
    }
    composer.history.push(text.to_owned());
    // Later runs get a chip's label, not megabytes of paste.
    vec![Effect::AppendInputHistory(composer.pastes.labelled(text))]
}

/// A new turn (an answer, or a `!CMD`'s output) streams from now on; returns its id.
pub(super) fn begin_turn(state: &mut AppState) -> u64 {
    let turn = state.chat.next_turn;
    state.chat.next_turn += 1;
    state.chat.turn = Turn::Streaming {
        id: turn,
        started: state.now,
        waiting: None,
        recorded: false,
    };
    state.chat.transcript.scroll = Scroll::Follow;
    turn
}

fn start_turn(state: &mut AppState, model: String) -> Vec<Effect> {
    let turn = begin_turn(state);
    state.chat.stats.last_usage = None;
    state.chat.stats.last_request = None;
    let deployment = match state.mode {
        Mode::Foundation => state.deployments.chosen.clone(),
        Mode::Orchestration => None,
    };
    state.chat.stats.last_target = Some((model.clone(), deployment.clone().unwrap_or_default()));
    let context_length = super::context::context_length(state);
    if super::context::will_fit_first(state)
        && let Turn::Streaming { waiting, .. } = &mut state.chat.turn
    {
        *waiting = Some("fitting the conversation into the context…".into());
    }
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
        conversation: Box::new(state.chat.conversation.clone()),
        started: *state.chat.session.get_or_insert(state.now),
        // Plan mode offers the read tools only, whatever the level.
        level: state.chat.approval_mode.cap(state.chat.level),
        context_length,
        reasoning: state.reasoning,
    }]
}

/// Esc: aborts the running turn (and any command it runs: its process group is killed) and
/// keeps its partial answer, marked as stopped.
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
    // The question whole: its attached images go again too.
    let Some(question) = state.chat.conversation.pop_last_question() else {
        return Vec::new();
    };
    state.chat.conversation.extend(vec![question]);
    start_turn(state, model)
}

/// Closes the open entry; the partial text joins the conversation so later turns see it.
/// The conversation is then saved as a session.
pub(super) fn finish_turn(state: &mut AppState, end: EntryEnd) -> Vec<Effect> {
    let mut recorded = false;
    if let Turn::Streaming {
        started,
        recorded: by_session,
        ..
    } = state.chat.turn
    {
        state.chat.stats.last_elapsed =
            Some(state.now.duration_since(started).unwrap_or(Duration::ZERO));
        recorded = by_session && end == EntryEnd::Finished;
    }
    state.chat.turn = Turn::Idle;
    // Approvals the turn waited for die with it (their replies are dropped: "no").
    state.chat.reviews.queue.clear();
    let stop_key = super::stop_key(state);
    let Some(entry) = state.chat.transcript.entries.last_mut() else {
        return Vec::new();
    };
    // Calls still waiting or running never finish now (a command's group was killed).
    let why = match &end {
        EntryEnd::StoppedByEsc => format!("stopped by {stop_key}"),
        EntryEnd::Open | EntryEnd::Finished | EntryEnd::Cut(_) => {
            "not finished: the turn ended".to_owned()
        }
    };
    for tool in entry.tools.iter_mut().filter(|t| t.result.is_none()) {
        tool.result = Some(ToolResult {
            summary: why.clone(),
            bytes: 0,
            ok: false,
            edit: None,
        });
    }
    entry.end = end;
    if !matches!(entry.speaker, Speaker::Model(_)) {
        // A `!CMD` stopped by Esc: its output is not part of the conversation.
        return Vec::new();
    }
    if recorded {
        // The session added the answer and saved it (its `history` event).
        super::context::turn_finished(state);
        return Vec::new();
    }
    let text = entry.text.clone();
    if !text.is_empty() {
        state.chat.conversation.push_assistant(&text);
    }
    super::context::turn_finished(state);
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
        ChatUpdate::Session(event) => return super::turn_events::on_event(state, turn, event),
        ChatUpdate::Delta(text) => delta(state, &text),
        ChatUpdate::CommandFinished { content, summary } => {
            super::shell::finished(state, content, summary);
        }
        ChatUpdate::Done => return finish(state, EntryEnd::Finished),
        ChatUpdate::Failed(error) => return finish(state, EntryEnd::Cut(error)),
    }
    Vec::new()
}

/// Text for the open entry: an answer's, or a `!CMD`'s output.
pub(super) fn delta(state: &mut AppState, text: &str) {
    if let Turn::Streaming { waiting, .. } = &mut state.chat.turn {
        *waiting = None;
    }
    if let Some(entry) = state.chat.transcript.entries.last_mut() {
        match entry.speaker {
            Speaker::Shell(_) => super::shell::output(entry, text),
            Speaker::You | Speaker::Model(_) | Speaker::Notice => entry.text.push_str(text),
        }
    }
}

/// `/copy`, `Ctrl-Y`: the last answer to the clipboard.
pub(super) fn copy_answer(state: &mut AppState) -> Vec<Effect> {
    copy(state, |text| Some(text.to_owned()), "last answer")
}

fn copy(state: &mut AppState, pick: fn(&str) -> Option<String>, what: &str) -> Vec<Effect> {
    let picked = state
        .chat
        .transcript
        .last_answer()
        .and_then(|e| pick(&e.text));
    match picked {
        Some(text) if !text.is_empty() => {
            state.notice = Some(super::copy_notice(&format!("the {what}"), &text));
            vec![Effect::Copy(text)]
        }
        _ => {
            state.notice = Some(format!("no {what} to copy"));
            Vec::new()
        }
    }
}
