//! `write_file`.

use serde_json::{Value, json};

use super::{Step, Tool};
use crate::agent::edit::Proposal;
use crate::agent::tools::read::TextError;
use crate::agent::tools::{ToolKind, ToolOutput, Tools, UNCHANGED};

/// The name the model calls it by; written here only.
pub const NAME: &str = "write_file";

pub struct WriteFile;

impl Tool for WriteFile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Create a file (and missing parent directories) or replace a file's whole content. \
             The user approves each write."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File relative to the project root"},
                "content": {"type": "string", "description": "The complete new content"}
            },
            "required": ["path", "content"]
        })
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Edit
    }

    fn run(&self, tools: &Tools, args: &Value) -> Step {
        match write_file(tools, args) {
            Ok(proposal) => Step::ApproveEdit(proposal),
            Err(output) => Step::Done(output),
        }
    }
}

fn write_file(tools: &Tools, args: &Value) -> Result<Proposal, ToolOutput> {
    let text = |key: &str| args.get(key).and_then(Value::as_str);
    let (Some(relative), Some(content)) = (text("path"), text("content")) else {
        return Err(ToolOutput::error(format!(
            "{NAME} needs string `path` and `content`"
        )));
    };
    let absolute = tools.write_target(relative).map_err(ToolOutput::error)?;
    let (original, is_new_file) = match absolute.symlink_metadata() {
        Err(_) => (String::new(), true),
        Ok(metadata) if metadata.is_dir() => {
            return Err(ToolOutput::error(format!(
                "{relative} is a directory; name a file"
            )));
        }
        Ok(_) => match tools.read_real(&absolute) {
            Ok(text) => (text, false),
            // Replacing a binary file whole is fine; we only need the old text for the diff.
            Err(TextError::Binary) => {
                return Err(ToolOutput::error(format!(
                    "{relative} is a binary file; sapcode only writes text files"
                )));
            }
            Err(err) => return Err(ToolOutput::error(err.sentence(relative, "write"))),
        },
    };
    // Not a failure: the file is already as asked (a model repeating a write it made).
    if !is_new_file && original == content {
        return Err(ToolOutput::success(
            format!("unchanged: {relative} already has this content; nothing was written"),
            format!("{UNCHANGED}: already has this content"),
        ));
    }
    tools.proposal(absolute, original, content.to_owned(), is_new_file)
}
