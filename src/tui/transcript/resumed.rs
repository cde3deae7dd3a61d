//! A saved conversation back in the transcript as it looked (`/resume`, `--resume ID`,
//! `--continue`): each question, and after it one answer holding every tool line of its
//! rounds (decision, command output, an applied edit's diff, from the views the session
//! file keeps beside the results) and the text of its rounds joined as it streamed. Calls
//! from older files without a view show their line from the result message alone.

use crate::agent::session::ToolView;
use crate::aicore::{Message, Role};
use crate::tui::state::{CommandLog, Entry, EntryEnd, Speaker, ToolLine, ToolResult};

/// The entries of `messages` (each with the view of its tool call, if saved), answers
/// spoken by `model`.
pub fn entries<'a>(
    messages: impl Iterator<Item = (&'a Message, Option<&'a ToolView>)>,
    model: &str,
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut answer: Option<Answer> = None;
    for (message, view) in messages {
        match message.role {
            Role::User => {
                entries.extend(answer.take().map(Answer::finish));
                entries.push(Entry::new(
                    Speaker::You,
                    message.content.clone(),
                    EntryEnd::Finished,
                ));
            }
            Role::Assistant => {
                let answer = answer.get_or_insert_with(|| Answer::new(model));
                answer.text(&message.content);
                for call in &message.tool_calls {
                    let line = crate::agent::outcome::describe_call(&call.name, &call.arguments);
                    answer
                        .entry
                        .tools
                        .push(ToolLine::new(call.id.clone(), &call.name, line));
                }
            }
            Role::Tool => {
                let Some(id) = &message.tool_call_id else {
                    continue;
                };
                let Some(tool) = answer
                    .as_mut()
                    .and_then(|answer| answer.entry.tools.iter_mut().rev().find(|t| &t.id == id))
                else {
                    continue;
                };
                match view {
                    Some(view) => restore(tool, view),
                    None => tool.result = Some(from_message(&message.content)),
                }
            }
            Role::System => {}
        }
    }
    entries.extend(answer.take().map(Answer::finish));
    entries
}

/// An answer being put together from its rounds.
struct Answer {
    entry: Entry,
    /// Text of an earlier round was shown: the next starts a new paragraph (as it streamed).
    needs_break: bool,
}

impl Answer {
    fn new(model: &str) -> Answer {
        Answer {
            entry: Entry::new(
                Speaker::Model(model.to_owned()),
                String::new(),
                EntryEnd::Finished,
            ),
            needs_break: false,
        }
    }

    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.needs_break {
            self.entry.text.push_str("\n\n");
            self.needs_break = false;
        }
        self.entry.text.push_str(text);
        self.needs_break = !text.trim().is_empty();
    }

    fn finish(self) -> Entry {
        self.entry
    }
}

/// The line as it ended live. The saved text is escaped again: the file is read back from
/// disk, and escaping escaped text changes nothing.
fn restore(tool: &mut ToolLine, view: &ToolView) {
    tool.approval = view.approval.map(|decided| (decided.approved, decided.by));
    tool.output = view.output.as_ref().map(|output| CommandLog {
        lines: output.lines.iter().map(|line| safe(line)).collect(),
        partial: safe(&output.partial),
        dropped: output.dropped,
    });
    tool.result = Some(ToolResult {
        summary: view.summary.clone(),
        bytes: view.bytes,
        ok: view.ok,
        edit: view.edit_stats(),
    });
}

fn safe(line: &str) -> String {
    let line: String = line
        .chars()
        .take(crate::agent::command_log::MAX_LINE_CHARS + 1)
        .collect();
    crate::terminal_text::escape_line(&line).into_owned()
}

/// A call saved without its view: how it ended, read from what the model got (an error or
/// a refusal says so in its first words).
fn from_message(content: &str) -> ToolResult {
    let failed = content.starts_with("error: ") || content.starts_with("rejected by the user");
    let first = content.lines().next().unwrap_or_default();
    ToolResult {
        summary: crate::agent::tools::truncate(first, 120),
        bytes: content.len(),
        ok: !failed,
        edit: None,
    }
}
