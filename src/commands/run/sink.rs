//! `sapcode run`'s two sinks of the session's event stream: text (answer on stdout, tool
//! lines, notices and retries on stderr) and JSON (each event as one line on stdout, the
//! serialized `SessionEvent`). Approvals are asked on the terminal in both.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::agent::outcome::{self, Finished};
use crate::agent::session::Answers;
use crate::agent::tools::ToolKind;
use crate::agent::{ApprovedBy, SessionEvent};
use crate::aicore::Usage;
use crate::terminal_text::{escape, escape_line, visible};

/// Said when the service stopped the answer at its token limit (`finish_reason: length`), so a
/// cut answer is never taken for a whole one.
pub const CUT_AT_LIMIT: &str =
    "the answer was cut at the token limit; raise --max-tokens, or ask for less at a time";

pub(super) struct Printer {
    json: bool,
    stdout: std::io::Stdout,
    /// Answer text to a terminal is escaped (model output must not drive the terminal: no
    /// clipboard writes, cleared screens, concealed text or reordered lines); to a pipe or
    /// file it stays byte for byte, as scripts rely on.
    is_terminal: bool,
    wrote_text: bool,
    ends_with_newline: bool,
    pub usage: Option<Usage>,
    /// The turn at list price, when the catalog has one.
    pub cost: Option<f64>,
    /// Edits and commands refused because no terminal could ask: said again at the end.
    refused_unasked: usize,
    started: Instant,
    pub first_byte: Option<Duration>,
    /// How each tool call is shown, by id, for its result line.
    calls: HashMap<String, String>,
    answers: Answers,
    /// The first write to stdout that failed; the run ends with it.
    pub failed: Option<std::io::Error>,
}

impl Printer {
    pub(super) fn new(json: bool, answers: Answers, started: Instant) -> Printer {
        Printer {
            json,
            stdout: std::io::stdout(),
            is_terminal: std::io::stdout().is_terminal(),
            wrote_text: false,
            ends_with_newline: false,
            usage: None,
            cost: None,
            refused_unasked: 0,
            started,
            first_byte: None,
            calls: HashMap::new(),
            answers,
            failed: None,
        }
    }

    /// Takes one event; `false` once stdout is gone (the turn stops).
    pub(super) fn event(&mut self, event: SessionEvent) -> bool {
        let result = self.print(event);
        if let Err(err) = result {
            self.failed.get_or_insert(err);
        }
        self.failed.is_none()
    }

    fn print(&mut self, event: SessionEvent) -> std::io::Result<()> {
        match &event {
            SessionEvent::Delta { text } if !text.is_empty() => {
                self.first_byte
                    .get_or_insert_with(|| self.started.elapsed());
            }
            SessionEvent::Usage { turn, cost_usd, .. } => {
                self.usage = Some(*turn);
                self.cost = *cost_usd;
            }
            SessionEvent::ToolCall {
                id: Some(id),
                name: Some(name),
                arguments,
                ..
            } => {
                let call = outcome::describe_call(name, arguments);
                self.calls.insert(id.clone(), call);
            }
            SessionEvent::ApprovalNeeded { id, request } => {
                let call = self.calls.get(id).cloned().unwrap_or_default();
                let (answers, id, request) = (self.answers.clone(), id.clone(), request.clone());
                // A plain thread, not `spawn_blocking`: after Ctrl-C the runtime must not wait
                // for a read of the terminal that nobody will finish.
                std::thread::spawn(move || {
                    let decision = super::ask::ask_on_terminal(&call, &request);
                    answers.answer(&id, decision);
                });
            }
            _ => {}
        }
        if self.json {
            let line = serde_json::to_string(&event).map_err(std::io::Error::other)?;
            return self.line(&line);
        }
        self.text(event)
    }

    fn text(&mut self, event: SessionEvent) -> std::io::Result<()> {
        match event {
            SessionEvent::Delta { text } => {
                let mut out = self.stdout.lock();
                let shown = if self.is_terminal {
                    escape(&text)
                } else {
                    std::borrow::Cow::Borrowed(text.as_str())
                };
                out.write_all(shown.as_bytes())?;
                out.flush()?;
                self.wrote_text |= !text.is_empty();
                if !text.is_empty() {
                    self.ends_with_newline = text.ends_with('\n');
                }
            }
            SessionEvent::Retrying {
                attempt,
                delay_ms,
                reason,
            } => {
                let delay = Duration::from_millis(delay_ms);
                eprintln!(
                    "{}",
                    super::retry_line(attempt, delay, &escape_line(&reason))
                );
            }
            SessionEvent::ToolResult {
                id,
                name,
                ok,
                summary,
                bytes,
                edit,
            } => {
                let call = self.calls.get(&id).cloned().unwrap_or_else(|| name.clone());
                let finished = Finished {
                    kind: ToolKind::of(&name),
                    summary: &summary,
                    bytes,
                    ok,
                    edit: edit.as_ref(),
                };
                let line = outcome::describe_finished(&call, finished);
                eprintln!("sapcode: {}", visible(&line));
            }
            SessionEvent::Approval {
                id,
                approved: false,
                by: ApprovedBy::NoTerminal,
            } => {
                let call = self.calls.get(&id).map_or("a tool call", String::as_str);
                eprintln!(
                    "sapcode: refused {}: no terminal to ask; run with --yes to allow edits and commands",
                    visible(call)
                );
                self.refused_unasked += 1;
            }
            SessionEvent::CommandOutput { text, .. } => eprint!("{}", escape(&text)),
            SessionEvent::Notice { text } => eprintln!("sapcode: {}", escape_line(&text)),
            SessionEvent::ContextFitted { said, .. } => eprintln!("sapcode: {said}"),
            SessionEvent::ToolsRefused { model, reason } => eprintln!(
                "sapcode: {} does not take tools ({}): it answers as plain chat",
                escape_line(&model),
                escape_line(&reason)
            ),
            // The answer ends with a newline; an error itself is reported by `main`, with
            // its exit code.
            SessionEvent::Done { finish_reason } => {
                if self.wrote_text && !self.ends_with_newline {
                    self.line("")?;
                }
                // Said last, after the answer, where a script's log ends: the answer may say
                // it did what was refused.
                if self.refused_unasked > 0 {
                    let n = self.refused_unasked;
                    eprintln!(
                        "sapcode: {n} edit{} or command{} refused unseen: there was no terminal to \
                         ask (rerun with --yes, or in a terminal)",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { " was" } else { "s were" },
                    );
                }
                if finish_reason.as_deref() == Some("length") {
                    eprintln!("sapcode: {CUT_AT_LIMIT}");
                }
            }
            SessionEvent::Error { .. } => {
                if self.wrote_text && !self.ends_with_newline {
                    self.line("")?;
                }
            }
            SessionEvent::ToolCall { .. }
            | SessionEvent::ApprovalNeeded { .. }
            | SessionEvent::Approval { .. }
            | SessionEvent::History { .. }
            | SessionEvent::Usage { .. } => {}
        }
        Ok(())
    }

    fn line(&mut self, line: &str) -> std::io::Result<()> {
        let mut out = self.stdout.lock();
        writeln!(out, "{line}")?;
        out.flush()
    }

    /// A failure outside the turn (Ctrl-C): said like the turn's own errors.
    pub(super) fn interrupted(&mut self, err: &crate::aicore::Error) {
        self.event(SessionEvent::error(err));
    }
}
