//! The agent tools the simulated model knows how to use, by client: sapcode's own, Claude
//! Code's `Read`/`Bash`/`Edit`/`Write`, Codex's `shell`/`apply_patch` and Kilo's (opencode's)
//! `read`/`bash`/`edit`/`write`. A tool counts only when its name AND its schema match (the
//! properties a call sets exist with the right type), and a call is made only when its
//! arguments, completed with what the schema requires, pass [`schema::check`]. Any other
//! offered tool is never picked for these actions.

use serde_json::{Map, Value, json};

use super::schema;

/// What the simulated model wants done, whichever client's tools do it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Action<'a> {
    /// The workspace's top-level entries (and below, where the tool descends).
    List,
    Read {
        path: &'a str,
    },
    Write {
        path: &'a str,
        content: &'a str,
    },
    /// Replace `old` (which occurs once in `file`, the current text) by `new`.
    Edit {
        path: &'a str,
        file: &'a str,
        old: &'a str,
        new: &'a str,
    },
    Run {
        command: &'a str,
    },
}

/// The agent tools above whose names are plain verbs.
pub(crate) const PLAIN_VERB_TOOLS: [&str; 9] = [
    "Read", "Bash", "Edit", "Write", "read", "bash", "edit", "write", "shell",
];

/// A call the offered tools accept: name and arguments (valid against that tool's schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub(crate) name: String,
    pub(crate) arguments: Value,
}

/// `{function: {name, parameters}}` entries, as every dialect's route normalises them.
pub(crate) fn functions(tools: Option<&Value>) -> Vec<&Value> {
    tools
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("function"))
        .collect()
}

/// The first way the offered tools can do `action`, families tried in a fixed order.
pub(crate) fn call(functions: &[&Value], action: Action<'_>) -> Option<Call> {
    candidates(action)
        .into_iter()
        .find_map(|(name, arguments)| accepted(functions, name, arguments))
}

/// Whether every one of `actions` can be done with the offered tools.
pub(crate) fn can_all(functions: &[&Value], actions: &[Action<'_>]) -> bool {
    actions
        .iter()
        .all(|action| call(functions, *action).is_some())
}

/// `(tool name, arguments)` for `action` in each family: sapcode, Claude Code, Kilo, Codex.
fn candidates(action: Action<'_>) -> Vec<(&'static str, Value)> {
    let description = describe(action);
    match action {
        Action::List => vec![
            ("list_files", json!({})),
            (
                "Bash",
                json!({ "command": "ls -A", "description": description }),
            ),
            (
                "bash",
                json!({ "command": "ls -A", "description": description }),
            ),
            ("shell", json!({ "command": ["ls", "-A"] })),
        ],
        Action::Read { path } => vec![
            ("read_file", json!({ "path": path })),
            ("Read", json!({ "file_path": path })),
            ("read", json!({ "filePath": path })),
            ("shell", json!({ "command": ["cat", path] })),
        ],
        Action::Write { path, content } => {
            let patch = add_file_patch(path, content);
            vec![
                ("write_file", json!({ "path": path, "content": content })),
                ("Write", json!({ "file_path": path, "content": content })),
                ("write", json!({ "filePath": path, "content": content })),
                ("apply_patch", json!({ "input": patch })),
                ("shell", json!({ "command": ["apply_patch", patch] })),
            ]
        }
        Action::Edit {
            path,
            file,
            old,
            new,
        } => {
            let mut list = vec![
                (
                    "edit_file",
                    json!({ "path": path, "old_text": old, "new_text": new }),
                ),
                (
                    "Edit",
                    json!({ "file_path": path, "old_string": old, "new_string": new }),
                ),
                (
                    "edit",
                    json!({ "filePath": path, "oldString": old, "newString": new }),
                ),
            ];
            if let Some(patch) = update_file_patch(path, file, old, new) {
                list.push(("apply_patch", json!({ "input": patch })));
                list.push(("shell", json!({ "command": ["apply_patch", patch] })));
            }
            list
        }
        Action::Run { command } => vec![
            ("run_command", json!({ "command": command })),
            (
                "Bash",
                json!({ "command": command, "description": description }),
            ),
            (
                "bash",
                json!({ "command": command, "description": description }),
            ),
            ("shell", json!({ "command": ["sh", "-c", command] })),
        ],
    }
}

/// The short description Claude Code's and Kilo's shell tools ask for.
fn describe(action: Action<'_>) -> String {
    match action {
        Action::List => "List the files of the workspace".into(),
        Action::Run { command } => format!("Run {}", command.chars().take(60).collect::<String>()),
        Action::Read { path } | Action::Write { path, .. } | Action::Edit { path, .. } => {
            format!("Change {path}")
        }
    }
}

/// The offered function `name`, when `arguments` fit its schema: each set property is
/// declared with a type the value has, and with the required rest filled in it passes.
fn accepted(functions: &[&Value], name: &str, arguments: Value) -> Option<Call> {
    let function = functions
        .iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))?;
    let parameters = function.get("parameters")?.as_object()?;
    let properties = parameters.get("properties")?.as_object()?;
    let Value::Object(mut arguments) = arguments else {
        return None;
    };
    // Kilo's and Claude Code's shells want a description; others have none to fill.
    arguments.retain(|key, _| key != "description" || properties.contains_key(key));
    for (key, value) in &arguments {
        schema::check(properties.get(key)?, value).ok()?;
    }
    valid_call(name, parameters, arguments)
}

/// A call to `name` with `arguments` plus what `parameters` requires and they lack, or `None`
/// when the result still fails the schema.
pub(crate) fn valid_call(
    name: &str,
    parameters: &Map<String, Value>,
    mut arguments: Map<String, Value>,
) -> Option<Call> {
    schema::complete(parameters, &mut arguments);
    let arguments = Value::Object(arguments);
    schema::check(&Value::Object(parameters.clone()), &arguments).ok()?;
    Some(Call {
        name: name.to_owned(),
        arguments,
    })
}

/// A Codex patch creating `path` with `content`.
fn add_file_patch(path: &str, content: &str) -> String {
    let lines: String = content.lines().map(|line| format!("+{line}\n")).collect();
    format!("*** Begin Patch\n*** Add File: {path}\n{lines}*** End Patch\n")
}

/// A Codex patch replacing, in `file`, the whole lines that hold `old` (once) by the same
/// lines with `new` in its place; `None` when `old` is not in `file` exactly once.
fn update_file_patch(path: &str, file: &str, old: &str, new: &str) -> Option<String> {
    if old.is_empty() || file.matches(old).count() != 1 {
        return None;
    }
    let start = file.find(old)?;
    let line_start = file[..start].rfind('\n').map_or(0, |at| at + 1);
    let end = start + old.len();
    let line_end = if old.ends_with('\n') {
        end
    } else {
        file[end..].find('\n').map_or(file.len(), |at| end + at + 1)
    };
    let before = &file[line_start..line_end];
    let after = before.replacen(old, new, 1);
    let minus: String = before.lines().map(|l| format!("-{l}\n")).collect();
    let plus: String = after.lines().map(|l| format!("+{l}\n")).collect();
    Some(format!(
        "*** Begin Patch\n*** Update File: {path}\n@@\n{minus}{plus}*** End Patch\n"
    ))
}

#[cfg(test)]
#[path = "toolset_tests.rs"]
mod tests;
