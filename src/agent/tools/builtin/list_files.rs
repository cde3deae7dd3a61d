//! `list_files`.

use serde_json::{Value, json};

use super::{Step, Tool};
use crate::agent::tools::read::walk_except;
use crate::agent::tools::{MAX_ENTRIES, MAX_RESULT_BYTES, ToolKind, ToolOutput, Tools, cap};

/// How deep a listing goes when the model does not say.
const DEFAULT_DEPTH: usize = 3;

/// The name the model calls it by; written here only.
pub const NAME: &str = "list_files";

pub struct ListFiles;

impl Tool for ListFiles {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "List files and directories of the user's project (honours .gitignore; skips hidden, \
             target and node_modules directories)."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Directory relative to the project root (default: the root)"},
                "max_depth": {"type": "integer", "description": "How deep to descend (default 3)"}
            },
            "required": []
        })
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Read
    }

    fn run(&self, tools: &Tools, args: &Value) -> Step {
        Step::Done(list_files(tools, args))
    }
}

fn list_files(tools: &Tools, args: &Value) -> ToolOutput {
    let relative = args.get("path").and_then(Value::as_str).unwrap_or(".");
    let path = match tools.resolve(relative) {
        Ok(path) => path,
        Err(message) => return ToolOutput::error(message),
    };
    if !path.is_dir() {
        return ToolOutput::error(format!("{relative} is not a directory"));
    }
    let depth = args
        .get("max_depth")
        .and_then(Value::as_u64)
        .map_or(DEFAULT_DEPTH, |d| (d as usize).clamp(1, 20));
    let mut entries = Vec::new();
    let mut truncated = false;
    for (entry, is_dir) in walk_except(&path, Some(depth), tools.deny.clone()) {
        if entries.len() >= MAX_ENTRIES {
            truncated = true;
            break;
        }
        let shown = tools.shown(&entry);
        entries.push(if is_dir { format!("{shown}/") } else { shown });
    }
    let count = entries.len();
    let mut content = entries.join("\n");
    if truncated {
        content.push_str(&format!("\n[stopped after {MAX_ENTRIES} entries]"));
    }
    let (capped, cut) = cap(&content, MAX_RESULT_BYTES);
    let mut content = capped.to_owned();
    if cut {
        content.push_str("\n[truncated; list a subdirectory]");
    }
    if count == 0 {
        content = "(empty directory)".into();
    }
    ToolOutput::success(content, format!("{} ({count} entries)", tools.shown(&path)))
}
