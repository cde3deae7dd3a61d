//! A saved conversation back in the transcript as it looked (`/resume`, `--resume ID`,
//! `--continue`): each question, and after it one answer holding every tool line of its
//! rounds (decision, command output, an applied edit's diff, from the views the session
//! file keeps beside the results) and the text of its rounds joined as it streamed. Calls
//! from older files without a view show their line from the result message alone.

use crate::agent::Attachment;
use crate::agent::outcome::{SHOWN_DIFF_LINES, ShownDiff};
use crate::agent::session::ToolView;
use crate::aicore::{Message, Role};
use crate::tui::state::{
    CommandLog, Entry, EntryEnd, MAX_LIVE_LINES, Speaker, ToolLine, ToolResult,
};

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
                let (files, typed) = question(&message.content);
                let mut entry = Entry::new(Speaker::You, typed.to_owned(), EntryEnd::Finished);
                entry.files = files;
                entries.push(entry);
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

/// The question as typed and the files sent with it (`@src/lib.rs 2.1 KiB`), as the live
/// transcript showed them: the files go before the question as fenced blocks
/// (`Attachment::as_prompt_block`). A file that did not end in a newline got one in its block,
/// so its size may read one byte more than it did live.
fn question(content: &str) -> (Vec<String>, &str) {
    let mut files = Vec::new();
    let mut rest = content;
    while let Some((path, size, after)) = attachment_block(rest) {
        let attachment = Attachment {
            path: path.to_owned(),
            content: String::new(),
            image: None,
        };
        files.push(format!(
            "{} {}",
            crate::tui::update::attach_label(&attachment),
            crate::byte_size::human_bytes(size)
        ));
        rest = after;
    }
    (files, rest)
}

/// One block at the start of `text`: `` `path`:``, a fence longer than any backtick run in
/// the file and its language, the file, the fence again, a newline. Its path, the file's
/// size and what follows.
fn attachment_block(text: &str) -> Option<(&str, usize, &str)> {
    let (path, text) = text.strip_prefix('`')?.split_once("`:\n")?;
    let ticks = text.len() - text.trim_start_matches('`').len();
    if ticks < 3 || path.contains('\n') {
        return None;
    }
    let fence = &text[..ticks];
    let (_language, body) = text[ticks..].split_once('\n')?;
    let end = body.find(fence)?;
    let after = body[end + ticks..].strip_prefix('\n')?;
    Some((path, end, after))
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

/// The line as it ended live. What is read back from disk is held to the live bounds again
/// (the output's tail, the diff's first lines) and escaped again: escaping escaped text
/// changes nothing, and a file edited by hand cannot drive the terminal.
fn restore(tool: &mut ToolLine, view: &ToolView) {
    tool.approval = view.approval.map(|decided| (decided.approved, decided.by));
    tool.output = view.output.as_ref().map(|output| {
        let extra = output.lines.len().saturating_sub(MAX_LIVE_LINES);
        CommandLog {
            lines: output
                .lines
                .iter()
                .skip(extra)
                .map(|line| safe(line))
                .collect(),
            partial: safe(&output.partial),
            dropped: output.dropped.saturating_add(extra),
        }
    });
    let edit = view.edit_stats().map(|mut edit| {
        edit.diff = edit.diff.map(|diff| {
            let capped = ShownDiff::new(&diff.hunks, diff.is_new_file, SHOWN_DIFF_LINES);
            ShownDiff {
                more_lines: capped.more_lines.saturating_add(diff.more_lines),
                ..capped
            }
        });
        edit
    });
    tool.result = Some(ToolResult {
        summary: view.summary.clone(),
        bytes: view.bytes,
        ok: view.ok,
        edit,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::session::Decided;
    use crate::aicore::ToolCall;

    /// A session file edited by hand holds more than the live transcript ever kept, and a
    /// raw escape sequence: it is drawn within the live bounds, escaped.
    #[test]
    fn a_hand_edited_view_is_held_to_the_live_bounds_and_escaped() {
        let call = |id: &str, name: &str| ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: r#"{"command":"make","path":"a.txt"}"#.into(),
            thought_signature: None,
        };
        let messages = [
            Message::new(Role::User, "go"),
            Message::assistant_tool_calls("", vec![call("c1", "run_command")]),
            Message::tool_result("c1", "exit 0"),
            Message::assistant_tool_calls("", vec![call("c2", "write_file")]),
            Message::tool_result("c2", "applied"),
            Message::new(Role::Assistant, "done"),
        ];
        let output = CommandLog {
            lines: (0..500).map(|n| format!("line {n} \x1b[2J")).collect(),
            partial: String::new(),
            dropped: 7,
        };
        let command = ToolView {
            ok: true,
            summary: "exit 0".into(),
            bytes: 6,
            approval: Some(Decided {
                approved: true,
                by: crate::agent::ApprovedBy::User,
            }),
            output: Some(output),
            ..ToolView::default()
        };
        let text: String = (0..100).map(|n| format!("{n}\n")).collect();
        let hunks = crate::agent::diff::hunks("", &text);
        let write = ToolView {
            ok: true,
            summary: "created a.txt".into(),
            bytes: 7,
            edit: Some(crate::agent::EditStats {
                path: "a.txt".into(),
                created: true,
                added: 100,
                removed: 0,
                diff: None,
            }),
            diff: Some(ShownDiff {
                hunks,
                is_new_file: true,
                more_lines: 0,
            }),
            ..ToolView::default()
        };
        let views = [None, None, Some(&command), None, Some(&write), None];
        let entries = entries(messages.iter().zip(views), "m");
        assert_eq!(entries.len(), 2);
        let tools = &entries[1].tools;
        let log = tools[0].output.as_ref().unwrap();
        assert_eq!(log.lines.len(), MAX_LIVE_LINES);
        assert_eq!(log.dropped, 7 + 300);
        assert_eq!(log.lines[0], "line 300 \\x1b[2J");
        let diff = tools[1].result.as_ref().unwrap().edit.as_ref().unwrap();
        let diff = diff.diff.as_ref().unwrap();
        let lines: usize = diff.hunks.iter().map(|h| h.lines.len()).sum();
        assert_eq!((lines, diff.more_lines), (SHOWN_DIFF_LINES, 60));
        assert_eq!(entries[1].text, "done");
    }
}
