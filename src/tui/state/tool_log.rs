//! The tool lines of an answer: one per call, from the moment it starts until its result,
//! with the decision on an edit or command and, for a command, its output as it streams.
//! Output is kept as its last `MAX_LIVE_LINES` lines (each at most `MAX_LINE_CHARS`), with a
//! count of what was cut, so a flooding command costs bounded memory; it is escaped for the
//! terminal as it arrives.

use std::collections::VecDeque;

use crate::agent::ApprovedBy;
use crate::agent::tools::ToolKind;

/// Output lines of one command kept for the transcript (the tail).
pub const MAX_LIVE_LINES: usize = 200;
/// Characters of one output line kept; the rest of the line is dropped and marked `…`.
pub const MAX_LINE_CHARS: usize = 400;

/// One tool call as the transcript shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolLine {
    pub id: String,
    /// `None` for a tool the model invented (its result says so).
    pub kind: Option<ToolKind>,
    /// `read_file src/lib.rs`, `run_command \`cargo test\``.
    pub call: String,
    /// The decision on an edit or command, once made.
    pub approval: Option<(bool, ApprovedBy)>,
    /// The command's output, once it runs.
    pub output: Option<CommandLog>,
    /// How it ended: the summary (`exit 0 (1.2 KiB output)`, `rejected: …`) and whether it
    /// succeeded, plus the size the model received.
    pub result: Option<ToolResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolResult {
    pub summary: String,
    pub bytes: usize,
    pub ok: bool,
    /// What an applied edit changed.
    pub edit: Option<crate::agent::EditStats>,
}

impl ToolLine {
    pub fn new(id: String, name: &str, call: String) -> ToolLine {
        ToolLine {
            id,
            kind: ToolKind::of(name),
            call,
            approval: None,
            output: None,
            result: None,
        }
    }

    /// The first row: a mark and what happened. Reads keep the `⚙` line with their size;
    /// edits and commands say `✓`/`✗` once decided and done.
    pub fn headline(&self) -> String {
        let granted = match self.approval {
            Some((true, ApprovedBy::Session)) => " (approved for this session)",
            Some((true, ApprovedBy::Project)) => " (allowed by .sapcode/config.toml)",
            Some((_, ApprovedBy::User | ApprovedBy::Flag | ApprovedBy::NoTerminal))
            | Some((false, ApprovedBy::Session | ApprovedBy::Project))
            | None => "",
        };
        match (&self.result, self.kind) {
            (None, _) if self.output.is_some() => format!("⚙ {} — running{granted}", self.call),
            (None, Some(ToolKind::Edit | ToolKind::Command)) if self.approval.is_none() => {
                format!("⚙ {} — waiting for your review", self.call)
            }
            (None, _) => format!("⚙ {} …", self.call),
            (Some(result), Some(ToolKind::Read) | None) => format!(
                "⚙ {}",
                crate::agent::outcome::describe_result(
                    &self.call,
                    &result.summary,
                    result.bytes,
                    result.ok
                )
            ),
            (Some(result), Some(ToolKind::Command)) if self.output.is_some() => {
                let mark = if result.ok { '✓' } else { '✗' };
                format!("{mark} {}{granted}", self.call)
            }
            (Some(result), Some(ToolKind::Edit)) if result.ok => {
                let finished = crate::agent::outcome::Finished {
                    kind: self.kind,
                    summary: &result.summary,
                    bytes: result.bytes,
                    ok: true,
                    edit: result.edit.as_ref(),
                };
                let line = crate::agent::outcome::describe_finished(&self.call, finished);
                format!("✓ {line}{granted}")
            }
            (Some(result), Some(ToolKind::Edit | ToolKind::Command)) => {
                let mark = if result.ok { '✓' } else { '✗' };
                format!("{mark} {}: {}", self.call, result.summary)
            }
        }
    }

    /// Rows under the headline: the command's output, then how it ended.
    pub fn detail_rows(&self) -> Vec<String> {
        let Some(output) = &self.output else {
            return Vec::new();
        };
        let mut rows = Vec::with_capacity(output.lines.len() + 3);
        if output.dropped > 0 {
            rows.push(format!(
                "  ┆ … {} earlier lines not shown here (the model gets head and tail)",
                output.dropped
            ));
        }
        rows.extend(output.lines.iter().map(|line| format!("  │ {line}")));
        if !output.partial.is_empty() {
            rows.push(format!("  │ {}", output.partial));
        }
        if let Some(result) = &self.result {
            rows.push(format!("  └ {}", result.summary));
        }
        rows
    }

    /// Rows this line takes in the transcript.
    pub fn height(&self) -> usize {
        let Some(output) = &self.output else {
            return 1;
        };
        1 + usize::from(output.dropped > 0)
            + output.lines.len()
            + usize::from(!output.partial.is_empty())
            + usize::from(self.result.is_some())
    }
}

/// The tail of a command's output, split into escaped lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLog {
    pub lines: VecDeque<String>,
    /// The line still being written (no newline yet).
    pub partial: String,
    /// Lines cut from the top.
    pub dropped: usize,
}

impl CommandLog {
    /// Adds a chunk of output as it came. A carriage return starts the line over, as a
    /// terminal would show a progress bar.
    pub fn push(&mut self, text: &str) {
        let mut rest = text;
        while let Some(at) = rest.find('\n') {
            self.add_to_partial(&rest[..at]);
            let line = std::mem::take(&mut self.partial);
            self.lines.push_back(line);
            if self.lines.len() > MAX_LIVE_LINES {
                self.lines.pop_front();
                self.dropped += 1;
            }
            rest = &rest[at + 1..];
        }
        self.add_to_partial(rest);
    }

    fn add_to_partial(&mut self, text: &str) {
        let text = match text.rfind('\r') {
            Some(at) => {
                self.partial.clear();
                &text[at + 1..]
            }
            None => text,
        };
        let used = self.partial.chars().count();
        if used >= MAX_LINE_CHARS {
            return;
        }
        let escaped = crate::terminal_text::escape_line(text);
        let room = MAX_LINE_CHARS - used;
        let mut chars = escaped.chars();
        self.partial.extend(chars.by_ref().take(room));
        if chars.next().is_some() {
            self.partial.push('…');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_the_tail_counts_the_cut_and_escapes() {
        let mut log = CommandLog::default();
        for n in 0..(MAX_LIVE_LINES + 5) {
            log.push(&format!("line {n}\n"));
        }
        log.push("half \x1b[2Ka line");
        assert_eq!(log.dropped, 5);
        assert_eq!(log.lines.len(), MAX_LIVE_LINES);
        assert_eq!(log.lines.front().map(String::as_str), Some("line 5"));
        assert_eq!(log.partial, "half \\x1b[2Ka line");
        log.push(" ends\nprogress 10%\rprogress 90%");
        assert_eq!(
            log.lines.back().map(String::as_str),
            Some("half \\x1b[2Ka line ends")
        );
        assert_eq!(log.partial, "progress 90%");
        log.push(&"x".repeat(MAX_LINE_CHARS * 3));
        assert_eq!(log.partial.chars().count(), MAX_LINE_CHARS + 1);
    }

    #[test]
    fn lines_say_what_happened_to_each_kind_of_call() {
        let mut read = ToolLine::new("1".into(), "read_file", "read_file a.rs".into());
        read.result = Some(ToolResult {
            summary: "a.rs".into(),
            bytes: 1229,
            ok: true,
            edit: None,
        });
        assert_eq!(read.headline(), "⚙ read_file a.rs (1.2 KiB)");
        let mut edit = ToolLine::new("2".into(), "edit_file", "edit_file a.rs".into());
        assert_eq!(
            edit.headline(),
            "⚙ edit_file a.rs — waiting for your review"
        );
        edit.approval = Some((true, ApprovedBy::User));
        edit.result = Some(ToolResult {
            summary: "edited a.rs".into(),
            bytes: 30,
            ok: true,
            edit: Some(crate::agent::EditStats {
                path: "a.rs".into(),
                created: false,
                added: 1,
                removed: 1,
            }),
        });
        assert_eq!(edit.headline(), "✓ edit_file a.rs applied (+1 −1)");
        edit.result = Some(ToolResult {
            summary: "rejected: keep it".into(),
            bytes: 30,
            ok: false,
            edit: None,
        });
        assert_eq!(edit.headline(), "✗ edit_file a.rs: rejected: keep it");
        let mut same = ToolLine::new("4".into(), "write_file", "write_file a.rs".into());
        same.result = Some(ToolResult {
            summary: "unchanged: already has this content".into(),
            bytes: 60,
            ok: true,
            edit: None,
        });
        assert_eq!(
            same.headline(),
            "✓ write_file a.rs: unchanged: already has this content"
        );
        let mut command = ToolLine::new("3".into(), "run_command", "run_command `ls`".into());
        command.approval = Some((true, ApprovedBy::Session));
        let mut output = CommandLog::default();
        output.push("a\nb");
        command.output = Some(output);
        assert_eq!(
            command.headline(),
            "⚙ run_command `ls` — running (approved for this session)"
        );
        command.result = Some(ToolResult {
            summary: "exit 2 (3 B output)".into(),
            bytes: 40,
            ok: false,
            edit: None,
        });
        assert_eq!(
            command.detail_rows(),
            ["  │ a", "  │ b", "  └ exit 2 (3 B output)"]
        );
        assert_eq!(command.height(), 4);
        assert!(command.headline().starts_with("✗ run_command `ls`"));
    }
}
