//! `read_file`.

use serde_json::{Value, json};

use super::list_files::NAME as LIST_FILES;
use super::{Step, Tool};
use crate::agent::tools::{MAX_RESULT_BYTES, ToolKind, ToolOutput, Tools, cap, human_bytes};

/// The name the model calls it by; written here only.
pub const NAME: &str = "read_file";

pub struct ReadFile;

impl Tool for ReadFile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Read a UTF-8 text file of the user's project, optionally a line range (1-based, inclusive)."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Path relative to the project root"},
                "start_line": {"type": "integer", "description": "First line to return (1-based)"},
                "end_line": {"type": "integer", "description": "Last line to return (inclusive)"}
            },
            "required": ["path"]
        })
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Read
    }

    fn run(&self, tools: &Tools, args: &Value) -> Step {
        Step::Done(read_file(tools, args))
    }
}

fn read_file(tools: &Tools, args: &Value) -> ToolOutput {
    let Some(relative) = args.get("path").and_then(Value::as_str) else {
        return ToolOutput::error(format!("{NAME} needs a string `path`"));
    };
    let path = match tools.resolve(relative) {
        Ok(path) => path,
        Err(message) => return ToolOutput::error(message),
    };
    if path.is_dir() {
        return ToolOutput::error(format!(
            "{relative} is a directory; use {LIST_FILES} for directories"
        ));
    }
    let text = match tools.read_real(&path) {
        Ok(text) => text,
        Err(err) => return ToolOutput::error(err.sentence(relative, "read")),
    };
    let line = |key: &str| {
        args.get(key)
            .and_then(Value::as_u64)
            .map(|n| n as usize)
            .filter(|n| *n > 0)
    };
    let (start, end) = (line("start_line"), line("end_line"));
    let selected = if start.is_some() || end.is_some() {
        let start = start.unwrap_or(1);
        let end = end.unwrap_or(usize::MAX);
        if end < start {
            return ToolOutput::error(format!("end_line {end} is before start_line {start}"));
        }
        let lines: Vec<&str> = text
            .split_inclusive('\n')
            .skip(start - 1)
            .take(end - start + 1)
            .collect();
        if lines.is_empty() {
            return ToolOutput::error(format!(
                "{relative} has {} lines; start_line {start} is past the end",
                text.lines().count()
            ));
        }
        lines.concat()
    } else {
        text
    };
    let shown = tools.shown(&path);
    let (content, cut) = cap(&selected, MAX_RESULT_BYTES);
    let mut content = content.to_owned();
    if cut {
        content.push_str(&format!(
            "\n[truncated at {MAX_RESULT_BYTES} bytes; ask for a line range]"
        ));
    }
    ToolOutput::success(
        content,
        format!("{shown} ({})", human_bytes(selected.len())),
    )
}
