//! The tool lines of an answer: one per call, from the moment it starts until its result,
//! with the decision on an edit or command and, for a command, its output as it streams
//! (the bounded, escaped tail of `agent::command_log`).

use crate::agent::ApprovedBy;
use crate::agent::tools::ToolKind;

pub use crate::agent::command_log::{CommandLog, MAX_LIVE_LINES};

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

#[cfg(test)]
mod tests {
    use super::*;

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
                diff: None,
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
