//! The JSON schemas of the tools, as offered to the model in every dialect.

use serde_json::json;

use crate::aicore::ToolSpec;

fn spec(name: &str, description: &str, parameters: serde_json::Value) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters,
    }
}

/// Every tool, read tools first (the simulator falls back on the first one).
pub fn specs() -> Vec<ToolSpec> {
    vec![
        spec(
            "read_file",
            "Read a UTF-8 text file of the user's project, optionally a line range (1-based, inclusive).",
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "Path relative to the project root"},
                    "start_line": {"type": "integer", "description": "First line to return (1-based)"},
                    "end_line": {"type": "integer", "description": "Last line to return (inclusive)"}
                },
                "required": ["path"]
            }),
        ),
        spec(
            "list_files",
            "List files and directories of the user's project (honours .gitignore; skips hidden, \
             target and node_modules directories).",
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "Directory relative to the project root (default: the root)"},
                    "max_depth": {"type": "integer", "description": "How deep to descend (default 3)"}
                },
                "required": []
            }),
        ),
        spec(
            "search",
            "Find lines containing a plain substring in the user's project (honours .gitignore); \
             returns `file:line: text` per match.",
            json!({
                "type": "object",
                "properties": {
                    "pattern": {"type": "string", "description": "Plain text to look for (case-sensitive)"},
                    "path": {"type": "string", "description": "File or directory to search (default: the root)"}
                },
                "required": ["pattern"]
            }),
        ),
        spec(
            "edit_file",
            "Replace an exact passage of an existing file. old_text must occur exactly once \
             (include enough surrounding lines to make it unique) unless replace_all is true. \
             The user approves each edit; the result says whether it was applied.",
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "File relative to the project root"},
                    "old_text": {"type": "string", "description": "Exact text to replace, whitespace included"},
                    "new_text": {"type": "string", "description": "Text to put in its place"},
                    "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)"}
                },
                "required": ["path", "old_text", "new_text"]
            }),
        ),
        spec(
            "write_file",
            "Create a file (and missing parent directories) or replace a file's whole content. \
             The user approves each write.",
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "File relative to the project root"},
                    "content": {"type": "string", "description": "The complete new content"}
                },
                "required": ["path", "content"]
            }),
        ),
        spec(
            "run_command",
            "Run a shell command (sh -c) in the project root, stdin empty. The user approves \
             each command. Returns the exit code and the output (long output keeps its head \
             and tail).",
            json!({
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": "The command line, e.g. `cargo test`"},
                    "timeout_s": {"type": "integer", "description": "Seconds before it is killed (1-600, default 120)"}
                },
                "required": ["command"]
            }),
        ),
    ]
}
