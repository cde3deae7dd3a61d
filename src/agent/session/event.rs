//! `SessionEvent`: everything a conversation's turn reports, in order, in one typed stream.
//! `sapcode run` prints it as text or, with `--json`, as one JSON object per line (the
//! serialized event, tagged by `type`); the TUI turns it into its transcript. One shape per
//! event type, whoever emits it. The README documents every field.

use serde::{Deserialize, Serialize};

use crate::agent::approval::{ApprovalRequest, ApprovedBy};
use crate::agent::outcome::EditStats;
use crate::aicore::{Error, Message, Usage};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionEvent {
    /// Something the user should know that is not part of the answer (a session file that
    /// could not be written, a conversation that may not fit).
    Notice { text: String },
    /// Before the request the conversation was shortened to fit the model's context: what
    /// was done, and the messages it now holds.
    ContextFitted {
        said: String,
        messages: Vec<Message>,
    },
    /// The deployment refused the tools: the question is asked again without them, and this
    /// model is not offered tools again in this session.
    ToolsRefused { model: String, reason: String },
    /// A request failed in a way worth retrying; the client waits `delay_ms` first.
    Retrying {
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    /// Answer text as it arrives.
    Delta { text: String },
    /// A tool call of the model, the `index`-th of its round. With tools, one event per
    /// whole call just before it runs (`id` and `name` always set); with tools off, the
    /// pieces as the model streams them, to be joined by `index` (`id` and `name` may be
    /// null), never run.
    ToolCall {
        index: usize,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
    /// An edit or a command waits for the user's decision.
    ApprovalNeeded {
        id: String,
        request: ApprovalRequest,
    },
    /// The decision on call `id`, and who made it.
    Approval {
        id: String,
        approved: bool,
        by: ApprovedBy,
    },
    /// Output of the command call `id` runs, as it arrives.
    CommandOutput { id: String, text: String },
    /// Call `id` ended: whether it worked, a short summary, the size of the result the model
    /// gets, and for an applied edit what it changed.
    ToolResult {
        id: String,
        name: String,
        ok: bool,
        summary: String,
        bytes: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        edit: Option<EditStats>,
    },
    /// The messages the turn added after the question (tool calls, their results and the
    /// final answer), as the conversation now holds them. Just before `usage` and `done`.
    History { messages: Vec<Message> },
    /// Tokens of the whole turn (summed over its tool rounds), and of its last request
    /// alone: its prompt and answer are what the conversation now fills of the context.
    Usage {
        #[serde(flatten)]
        turn: Usage,
        last_request: Usage,
    },
    /// The answer is complete.
    Done { finish_reason: Option<String> },
    /// The turn failed: what happened, what to do, and the exit code `run` ends with.
    Error {
        message: String,
        hint: String,
        exit_code: i32,
    },
}

impl SessionEvent {
    /// The `error` event of a failed request.
    pub fn error(err: &Error) -> SessionEvent {
        SessionEvent::Error {
            message: err.to_string(),
            hint: err.hint(),
            exit_code: err.exit_class() as i32,
        }
    }
}
