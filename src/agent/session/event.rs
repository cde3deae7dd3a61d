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
        /// The turn at the catalog's list price (USD); `None` when the catalog has no price.
        cost_usd: Option<f64>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::Role;

    /// The `type` each variant has on the wire. Exhaustive on purpose: a new event does not
    /// compile until it is named here, and so joins the round trip below.
    fn type_name(event: &SessionEvent) -> &'static str {
        match event {
            SessionEvent::Notice { .. } => "notice",
            SessionEvent::ContextFitted { .. } => "context_fitted",
            SessionEvent::ToolsRefused { .. } => "tools_refused",
            SessionEvent::Retrying { .. } => "retrying",
            SessionEvent::Delta { .. } => "delta",
            SessionEvent::ToolCall { .. } => "tool_call",
            SessionEvent::ApprovalNeeded { .. } => "approval_needed",
            SessionEvent::Approval { .. } => "approval",
            SessionEvent::CommandOutput { .. } => "command_output",
            SessionEvent::ToolResult { .. } => "tool_result",
            SessionEvent::History { .. } => "history",
            SessionEvent::Usage { .. } => "usage",
            SessionEvent::Done { .. } => "done",
            SessionEvent::Error { .. } => "error",
        }
    }

    fn every_event() -> Vec<SessionEvent> {
        let usage = |prompt_tokens| Usage {
            prompt_tokens,
            completion_tokens: 7,
            total_tokens: prompt_tokens + 7,
            ..Default::default()
        };
        vec![
            SessionEvent::Notice {
                text: "session not saved: disk full".into(),
            },
            SessionEvent::ContextFitted {
                said: "replaced 4 older messages with a summary to fit the context".into(),
                messages: vec![Message::new(Role::User, "q")],
            },
            SessionEvent::ToolsRefused {
                model: "m".into(),
                reason: "HTTP 400: no tools".into(),
            },
            SessionEvent::Retrying {
                attempt: 1,
                delay_ms: 400,
                reason: "HTTP 503".into(),
            },
            SessionEvent::Delta { text: "hi".into() },
            SessionEvent::ToolCall {
                index: 0,
                id: Some("c1".into()),
                name: Some("read_file".into()),
                arguments: r#"{"path":"a.rs"}"#.into(),
            },
            SessionEvent::ToolCall {
                index: 1,
                id: None,
                name: None,
                arguments: r#"th": "b"}"#.into(),
            },
            SessionEvent::ApprovalNeeded {
                id: "c2".into(),
                request: ApprovalRequest::Edit {
                    path: "a.rs".into(),
                    hunks: crate::agent::diff::hunks("a\n", "b\n"),
                    is_new_file: false,
                },
            },
            SessionEvent::ApprovalNeeded {
                id: "c3".into(),
                request: ApprovalRequest::Command {
                    command: "cargo test".into(),
                },
            },
            SessionEvent::Approval {
                id: "c2".into(),
                approved: true,
                by: ApprovedBy::Flag,
            },
            SessionEvent::CommandOutput {
                id: "c3".into(),
                text: "ok\n".into(),
            },
            SessionEvent::ToolResult {
                id: "c2".into(),
                name: "edit_file".into(),
                ok: true,
                summary: "edited a.rs (+1 −1)".into(),
                bytes: 30,
                edit: Some(EditStats {
                    path: "a.rs".into(),
                    created: false,
                    added: 1,
                    removed: 1,
                    diff: None,
                }),
            },
            SessionEvent::ToolResult {
                id: "c1".into(),
                name: "read_file".into(),
                ok: false,
                summary: "refused: outside".into(),
                bytes: 12,
                edit: None,
            },
            SessionEvent::History {
                messages: vec![Message::new(Role::Assistant, "done")],
            },
            SessionEvent::Usage {
                turn: usage(300),
                last_request: usage(120),
                cost_usd: None,
            },
            SessionEvent::Done {
                finish_reason: Some("stop".into()),
            },
            SessionEvent::Error {
                message: "HTTP 401".into(),
                hint: "run sapcode login".into(),
                exit_code: 3,
            },
        ]
    }

    #[test]
    fn every_event_survives_a_round_trip_and_is_tagged_by_its_type() {
        let events = every_event();
        let mut named: Vec<&str> = events.iter().map(type_name).collect();
        named.dedup();
        assert_eq!(named.len(), 14, "every variant once at least: {named:?}");
        for event in events {
            let line = serde_json::to_string(&event).unwrap();
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(value["type"], type_name(&event), "{line}");
            let back: SessionEvent = serde_json::from_str(&line).unwrap();
            assert_eq!(back, event, "{line}");
        }
    }

    /// The fields scripts rely on (cli-contract.md, `--json` with tools) keep their names.
    #[test]
    fn the_contract_fields_keep_their_names() {
        let value = |event: SessionEvent| serde_json::to_value(event).unwrap();
        let usage = value(SessionEvent::Usage {
            turn: Usage {
                prompt_tokens: 1,
                completion_tokens: 2,
                total_tokens: 3,
                ..Default::default()
            },
            last_request: Usage::default(),
            cost_usd: None,
        });
        assert_eq!(
            (&usage["prompt_tokens"], &usage["completion_tokens"]),
            (&1.into(), &2.into())
        );
        assert_eq!(usage["total_tokens"], 3);
        let approval = value(SessionEvent::Approval {
            id: "c".into(),
            approved: false,
            by: ApprovedBy::NoTerminal,
        });
        assert_eq!(approval["by"], "no-terminal");
        let error = value(SessionEvent::error(&Error::Interrupted));
        assert_eq!(error["type"], "error");
        assert_eq!(error["exit_code"], 130);
        assert!(error["hint"].is_string() && error["message"].is_string());
        let done = value(SessionEvent::Done {
            finish_reason: None,
        });
        assert_eq!(
            done,
            serde_json::json!({"type": "done", "finish_reason": null})
        );
    }
}
