//! The agent's tools in the chat: the level turns offer (`Alt-T` cycles it; `/tools` can
//! call [`set_level`]), "undo the last edit" ([`undo_last_edit`], `Alt-Z` and `/undo`), and
//! what a running turn reports about its tool calls: each becomes a line of the answer, an
//! edit or command opens the review area, a command's output streams under its line.

use crate::agent::tools::ToolKind;
use crate::agent::{ApprovalMode, ApprovalRequest, ApprovedBy, ToolLevel};
use crate::tui::event::Effect;
use crate::tui::state::{AppState, Pane, Review, Scroll, ToolLine, ToolResult};

/// Turns from now on offer the tools of `level`; the status line shows it.
pub fn set_level(state: &mut AppState, level: ToolLevel) {
    state.chat.level = level;
    state.notice = Some(describe_level(level));
}

/// What the model may do at `level`, as said to the user.
pub(super) fn describe_level(level: ToolLevel) -> String {
    match level {
        ToolLevel::Off => "tools off: answers only, nothing is read or changed".into(),
        ToolLevel::Read => "tools read: the model may read files in the working directory".into(),
        ToolLevel::Edit => {
            "tools edit: the model may read and edit files; each edit is shown for your approval"
                .into()
        }
        ToolLevel::All => "tools all: the model may read, edit and run commands; each edit and \
                           command is shown for your approval"
            .into(),
    }
}

/// `Alt-T`: off → read → edit → all → off.
pub(super) fn cycle_level(state: &mut AppState) {
    let next = match state.chat.level {
        ToolLevel::Off => ToolLevel::Read,
        ToolLevel::Read => ToolLevel::Edit,
        ToolLevel::Edit => ToolLevel::All,
        ToolLevel::All => ToolLevel::Off,
    };
    set_level(state, next);
}

/// Shift-Tab in the message box: ask → auto-edit → plan → ask.
pub(super) fn cycle_mode(state: &mut AppState) -> Vec<Effect> {
    let next = state.chat.approval_mode.next();
    set_mode(state, next)
}

/// Puts the chat in approval `mode`, says what it means, and has the tools follow.
pub(super) fn set_mode(state: &mut AppState, mode: ApprovalMode) -> Vec<Effect> {
    state.chat.approval_mode = mode;
    state.notice = Some(mode.describe().to_owned());
    vec![Effect::SetApprovalMode(mode)]
}

/// Restores the file of the last edit applied this session (refused, and said, when the
/// file changed since). Not while a turn runs: its own edits could race the restore.
pub fn undo_last_edit(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() {
        state.notice = Some(format!(
            "a turn is running: undo once it has ended ({} stops it)",
            super::stop_key(state)
        ));
        return Vec::new();
    }
    vec![Effect::UndoEdit]
}

/// The undo ran: the transcript says what was restored, or why nothing was.
/// A restored file also goes with the next question (shown above the input, `Ctrl-X` removes
/// it), so the model does not build on an edit that is gone.
pub(super) fn undone(state: &mut AppState, result: Result<String, String>) {
    let text = match result {
        Ok(path) => {
            let attachments = &mut state.chat.composer.attachments;
            let label = format!("undo {path}");
            attachments.retain(|a| a.path != label);
            attachments.push(crate::agent::Attachment {
                path: label,
                content: format!(
                    "The user undid sapcode's last edit to {path}: the file is back as it was \
                     before that edit."
                ),
                image: None,
            });
            format!(
                "undone: {path} is back as it was before the last edit (the model is told with your next question)"
            )
        }
        Err(why) => format!("not undone: {why}"),
    };
    super::conversation::push_notice(state, text);
}

/// The newest line of tool call `id` in the open answer.
fn line<'a>(state: &'a mut AppState, id: &str) -> Option<&'a mut ToolLine> {
    state
        .chat
        .transcript
        .entries
        .last_mut()?
        .tools
        .iter_mut()
        .rev()
        .find(|tool| tool.id == id)
}

pub(super) fn started(state: &mut AppState, id: String, name: &str, call: String) {
    if let Some(entry) = state.chat.transcript.entries.last_mut() {
        entry.tools.push(ToolLine::new(id, name, call));
    }
}

pub(super) fn finished(state: &mut AppState, id: &str, result: ToolResult) {
    if let Some(tool) = line(state, id) {
        tool.result = Some(result);
    }
}

/// An edit or command waits: the review area opens and takes the keys.
pub(super) fn approval_needed(
    state: &mut AppState,
    turn: u64,
    id: String,
    request: ApprovalRequest,
) {
    let call = line(state, &id).map_or_else(String::new, |tool| tool.call.clone());
    let now = state.now;
    // An offer still open would take the next key meant for this review's question.
    state.chat.save_offer = None;
    state
        .chat
        .reviews
        .push(Review::new(turn, id, call, request), now);
    state.focus = Pane::Chat;
    state.chat.transcript.scroll = Scroll::Follow;
}

pub(super) fn decided(state: &mut AppState, id: &str, approved: bool, by: ApprovedBy) {
    if let Some(tool) = line(state, id) {
        tool.approval = Some((approved, by));
        // An approved command runs now: its output and exit code go under its line.
        if approved && tool.kind == Some(ToolKind::Command) {
            tool.output.get_or_insert_with(Default::default);
        }
    }
}

pub(super) fn command_output(state: &mut AppState, id: &str, text: &str) {
    if let Some(tool) = line(state, id) {
        tool.output.get_or_insert_with(Default::default).push(text);
    }
}
