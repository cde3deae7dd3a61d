//! `search`.

use serde_json::{Value, json};

use super::{Step, Tool};
use crate::agent::tools::read::walk_except;
use crate::agent::tools::{MAX_MATCHES, MAX_RESULT_BYTES, ToolKind, ToolOutput, Tools, truncate};

/// The name the model calls it by; written here only.
pub const NAME: &str = "search";

pub struct Search;

impl Tool for Search {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Find lines containing a plain substring in the user's project (honours .gitignore); \
             returns `file:line: text` per match."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "Plain text to look for (case-sensitive)"},
                "path": {"type": "string", "description": "File or directory to search (default: the root)"}
            },
            "required": ["pattern"]
        })
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Read
    }

    fn run(&self, tools: &Tools, args: &Value) -> Step {
        Step::Done(search(tools, args))
    }
}

fn search(tools: &Tools, args: &Value) -> ToolOutput {
    let Some(pattern) = args
        .get("pattern")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
    else {
        return ToolOutput::error(format!("{NAME} needs a non-empty string `pattern`"));
    };
    let relative = args.get("path").and_then(Value::as_str).unwrap_or(".");
    let path = match tools.resolve(relative) {
        Ok(path) => path,
        Err(message) => return ToolOutput::error(message),
    };
    let files: Box<dyn Iterator<Item = std::path::PathBuf>> = if path.is_dir() {
        Box::new(
            walk_except(&path, None, tools.deny.clone())
                .filter(|(_, is_dir)| !is_dir)
                .map(|(p, _)| p),
        )
    } else {
        Box::new(std::iter::once(path))
    };
    let mut matches = Vec::new();
    let mut bytes = 0;
    let mut truncated = false;
    'files: for file in files {
        // Binary, huge, special or unreadable files are skipped.
        let Ok(text) = tools.read_real(&file) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            if !line.contains(pattern) {
                continue;
            }
            let entry = format!(
                "{}:{}: {}",
                tools.shown(&file),
                number + 1,
                truncate(line.trim_end(), 300)
            );
            if matches.len() >= MAX_MATCHES || bytes + entry.len() > MAX_RESULT_BYTES {
                truncated = true;
                break 'files;
            }
            bytes += entry.len() + 1;
            matches.push(entry);
        }
    }
    let count = matches.len();
    let mut content = if count == 0 {
        format!("no matches for {pattern:?}")
    } else {
        matches.join("\n")
    };
    if truncated {
        content.push_str(&format!(
            "\n[stopped after {count} matches; narrow the pattern or path]"
        ));
    }
    let summary = format!(
        "{count} match{}{}",
        if count == 1 { "" } else { "es" },
        if truncated { " (capped)" } else { "" }
    );
    ToolOutput::success(content, summary)
}
