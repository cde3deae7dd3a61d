//! `edit_file`.

use serde_json::{Value, json};

use super::write_file::NAME as WRITE_FILE;
use super::{Step, Tool};
use crate::agent::edit::Proposal;
use crate::agent::tools::{ToolKind, ToolOutput, Tools};

/// The name the model calls it by; written here only.
pub const NAME: &str = "edit_file";

pub struct EditFile;

impl Tool for EditFile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Replace an exact passage of an existing file. old_text must occur exactly once \
             (include enough surrounding lines to make it unique) unless replace_all is true. \
             The user approves each edit; the result says whether it was applied."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File relative to the project root"},
                "old_text": {"type": "string", "description": "Exact text to replace, whitespace included"},
                "new_text": {"type": "string", "description": "Text to put in its place"},
                "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)"}
            },
            "required": ["path", "old_text", "new_text"]
        })
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Edit
    }

    fn run(&self, tools: &Tools, args: &Value) -> Step {
        match edit_file(tools, args) {
            Ok(proposal) => Step::ApproveEdit(proposal),
            Err(output) => Step::Done(output),
        }
    }
}

fn edit_file(tools: &Tools, args: &Value) -> Result<Proposal, ToolOutput> {
    let text = |key: &str| args.get(key).and_then(Value::as_str);
    let (Some(relative), Some(old_text), Some(new_text)) =
        (text("path"), text("old_text"), text("new_text"))
    else {
        return Err(ToolOutput::error(format!(
            "{NAME} needs string `path`, `old_text` and `new_text`"
        )));
    };
    let replace_all = args
        .get("replace_all")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if old_text.is_empty() {
        return Err(ToolOutput::error(format!(
            "old_text is empty; use {WRITE_FILE} to create a file or replace all of it"
        )));
    }
    let absolute = tools.write_target(relative).map_err(ToolOutput::error)?;
    if absolute.symlink_metadata().is_err() {
        return Err(ToolOutput::error(format!(
            "{relative} does not exist; use {WRITE_FILE} to create it"
        )));
    }
    let original = tools
        .read_real(&absolute)
        .map_err(|err| ToolOutput::error(err.sentence(relative, "edit")))?;
    let new = match original.matches(old_text).count() {
        0 => {
            return Err(ToolOutput::error(format!(
                "old_text was not found in {relative}; read the file and copy the passage \
                 exactly, whitespace and line breaks included"
            )));
        }
        1 => original.replacen(old_text, new_text, 1),
        _ if replace_all => original.replace(old_text, new_text),
        n => {
            return Err(ToolOutput::error(format!(
                "old_text was found {n} times in {relative}; include more surrounding lines \
                 so it matches exactly once, or set replace_all"
            )));
        }
    };
    if new == original {
        return Err(ToolOutput::error(
            "new_text is the same as old_text; nothing to change",
        ));
    }
    tools.proposal(absolute, original, new, false)
}
