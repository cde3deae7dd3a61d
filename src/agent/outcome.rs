//! What a finished tool call did, typed: an applied edit carries its line counts
//! (`EditStats`), so no face reads them back out of a summary string. Also the one wording
//! of a call and of its end that `sapcode run` and the TUI print.

use serde::{Deserialize, Serialize};

use super::diff::Hunk;
use super::tools::ToolKind;

/// An applied edit: which file, whether it was created, and the lines added and removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditStats {
    pub path: String,
    /// The file did not exist before (`write_file` of a new path).
    pub created: bool,
    pub added: usize,
    pub removed: usize,
    /// The diff as the transcript draws it (capped). Not in `run --json`'s `tool_result`:
    /// its `approval_needed` carries the whole diff where one is asked for.
    #[serde(skip)]
    pub diff: Option<ShownDiff>,
}

/// Diff lines an applied edit shows in the transcript (and keeps in the session file); a
/// whole-file write of a large file shows its start and counts the rest.
pub const SHOWN_DIFF_LINES: usize = 40;

/// The first `SHOWN_DIFF_LINES` lines of an edit's diff, and how many more there were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownDiff {
    pub hunks: Vec<Hunk>,
    pub is_new_file: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more_lines: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ShownDiff {
    /// `hunks` cut after `max` lines (a cut hunk keeps its header's ranges); remembered
    /// secrets are masked, as everywhere a file's text leaves a tool.
    pub fn new(hunks: &[Hunk], is_new_file: bool, max: usize) -> ShownDiff {
        let mut kept = Vec::new();
        let mut room = max;
        let mut more_lines = 0;
        for hunk in hunks {
            if room == 0 {
                more_lines += hunk.lines.len();
                continue;
            }
            let take = hunk.lines.len().min(room);
            room -= take;
            more_lines += hunk.lines.len() - take;
            let mut hunk = hunk.clone();
            hunk.lines.truncate(take);
            for line in &mut hunk.lines {
                line.text = crate::redact::mask_remembered(&line.text);
            }
            kept.push(hunk);
        }
        ShownDiff {
            hunks: kept,
            is_new_file,
            more_lines,
        }
    }
}

impl EditStats {
    /// `(+3 −1)`, as diffs are counted everywhere in sapcode.
    pub fn counts(&self) -> String {
        format!("(+{} −{})", self.added, self.removed)
    }
}

/// `read_file src/lib.rs` from a call's name and JSON arguments: the name, then its
/// `command`, `pattern` or `path` when there is one.
pub fn describe_call(name: &str, args: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(args).unwrap_or_default();
    let text = |key: &str| value.get(key).and_then(serde_json::Value::as_str);
    if let Some(command) = text("command") {
        return format!("{name} `{}`", super::tools::truncate(command, 120));
    }
    match (text("pattern"), text("path")) {
        (Some(pattern), Some(path)) => format!("{name} {pattern:?} in {path}"),
        (Some(pattern), None) => format!("{name} {pattern:?}"),
        (None, Some(path)) => format!("{name} {path}"),
        (None, None) => name.to_owned(),
    }
}

/// A finished tool call as the CLI and the TUI show it: its size, or why it failed.
pub fn describe_result(call: &str, summary: &str, bytes: usize, ok: bool) -> String {
    if ok {
        format!("{call} ({})", crate::byte_size::human_bytes(bytes))
    } else {
        format!("{call}: {summary}")
    }
}

/// A finished call as it ended, for a line of output.
#[derive(Debug, Clone, Copy)]
pub struct Finished<'a> {
    pub kind: Option<ToolKind>,
    pub summary: &'a str,
    pub bytes: usize,
    pub ok: bool,
    pub edit: Option<&'a EditStats>,
}

/// A finished call by what it did: an applied edit with its line counts
/// (`edit_file a.rs applied (+3 −1)`), a command with how it ended (`run_command \`cargo
/// test\`: exit 101 (3 KiB output)`), a read with its size. The size of the text the model
/// got says nothing about an edit or a command.
pub fn describe_finished(call: &str, finished: Finished<'_>) -> String {
    match (finished.kind, finished.edit) {
        (Some(ToolKind::Edit), Some(stats)) if finished.ok => {
            format!("{call} applied {}", stats.counts())
        }
        // An edit that changed nothing, or failed; a command: how it ended.
        (Some(ToolKind::Edit | ToolKind::Command), _) => format!("{call}: {}", finished.summary),
        _ => describe_result(call, finished.summary, finished.bytes, finished.ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_diff_keeps_its_first_lines_and_counts_the_rest() {
        let old: String = (1..=100).map(|n| format!("{n}\n")).collect();
        let new: String = (1..=100)
            .map(|n| match n {
                3 => "three\n".to_owned(),
                90 => "ninety\n".to_owned(),
                n => format!("{n}\n"),
            })
            .collect();
        let hunks = crate::agent::diff::hunks(&old, &new);
        assert_eq!(hunks.len(), 2);
        let all = ShownDiff::new(&hunks, false, 100);
        assert_eq!((all.hunks.len(), all.more_lines), (2, 0));
        // The first hunk has 7 lines (2 of context above, 3 below), the second 8.
        let cut = ShownDiff::new(&hunks, false, 8);
        assert_eq!(cut.hunks.len(), 2);
        assert_eq!(cut.hunks[1].lines.len(), 1);
        assert_eq!(cut.more_lines, hunks[1].lines.len() - 1);
        let none = ShownDiff::new(&hunks, false, 0);
        assert!(none.hunks.is_empty());
        assert_eq!(none.more_lines, 15);
    }

    #[test]
    fn calls_are_described_by_path_or_pattern() {
        assert_eq!(
            describe_call("read_file", r#"{"path":"src/lib.rs"}"#),
            "read_file src/lib.rs"
        );
        assert_eq!(
            describe_call("search", r#"{"pattern":"fn main","path":"src"}"#),
            "search \"fn main\" in src"
        );
        assert_eq!(describe_call("list_files", "{}"), "list_files");
        assert_eq!(
            describe_call("run_command", r#"{"command":"cargo test"}"#),
            "run_command `cargo test`"
        );
        assert_eq!(describe_call("list_files", "garbage"), "list_files");
    }

    fn finished<'a>(
        name: &str,
        summary: &'a str,
        ok: bool,
        edit: Option<&'a EditStats>,
    ) -> Finished<'a> {
        Finished {
            kind: ToolKind::of(name),
            summary,
            bytes: 1229,
            ok,
            edit,
        }
    }

    #[test]
    fn each_kind_of_call_ends_in_its_own_words() {
        assert_eq!(
            describe_finished("read_file a", finished("read_file", "a", true, None)),
            "read_file a (1.2 KiB)"
        );
        assert_eq!(
            describe_finished(
                "read_file ../x",
                finished("read_file", "refused: outside", false, None)
            ),
            "read_file ../x: refused: outside"
        );
        // The counts come from the stats, whatever the summary says.
        let stats = EditStats {
            path: "a.sh".into(),
            created: true,
            added: 5,
            removed: 0,
            diff: None,
        };
        assert_eq!(
            describe_finished(
                "write_file a.sh",
                finished("write_file", "created a.sh", true, Some(&stats))
            ),
            "write_file a.sh applied (+5 −0)"
        );
        assert_eq!(
            describe_finished(
                "write_file a.sh",
                finished(
                    "write_file",
                    "unchanged: already has this content",
                    true,
                    None
                )
            ),
            "write_file a.sh: unchanged: already has this content"
        );
        assert_eq!(
            describe_finished(
                "run_command `sh t.sh`",
                finished("run_command", "exit 0 (18 B output)", true, None)
            ),
            "run_command `sh t.sh`: exit 0 (18 B output)"
        );
    }
}
