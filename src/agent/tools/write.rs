//! `edit_file` and `write_file`: each call is validated against the file as it is now and
//! becomes a `Proposal` (the diff the user approves); `apply` writes it only after checking
//! again that the target is inside the workspace, outside `.git/` and the deny list and
//! unchanged, writes it beneath the workspace handle (`Proposal::apply`), then records it on
//! the undo stack.

use serde_json::Value;

use super::read::TextError;
use super::undo::UndoEntry;
use super::{MAX_FILE_BYTES, ToolOutput, Tools, UNCHANGED};
use crate::agent::edit::{Proposal, content_hash};

impl Tools {
    pub(super) fn edit_file(&self, args: &Value) -> Result<Proposal, ToolOutput> {
        let text = |key: &str| args.get(key).and_then(Value::as_str);
        let (Some(relative), Some(old_text), Some(new_text)) =
            (text("path"), text("old_text"), text("new_text"))
        else {
            return Err(ToolOutput::error(
                "edit_file needs string `path`, `old_text` and `new_text`",
            ));
        };
        let replace_all = args
            .get("replace_all")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if old_text.is_empty() {
            return Err(ToolOutput::error(
                "old_text is empty; use write_file to create a file or replace all of it",
            ));
        }
        let absolute = self.write_target(relative).map_err(ToolOutput::error)?;
        if absolute.symlink_metadata().is_err() {
            return Err(ToolOutput::error(format!(
                "{relative} does not exist; use write_file to create it"
            )));
        }
        let original = self
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
        self.proposal(absolute, original, new, false)
    }

    pub(super) fn write_file(&self, args: &Value) -> Result<Proposal, ToolOutput> {
        let text = |key: &str| args.get(key).and_then(Value::as_str);
        let (Some(relative), Some(content)) = (text("path"), text("content")) else {
            return Err(ToolOutput::error(
                "write_file needs string `path` and `content`",
            ));
        };
        let absolute = self.write_target(relative).map_err(ToolOutput::error)?;
        let (original, is_new_file) = match absolute.symlink_metadata() {
            Err(_) => (String::new(), true),
            Ok(metadata) if metadata.is_dir() => {
                return Err(ToolOutput::error(format!(
                    "{relative} is a directory; name a file"
                )));
            }
            Ok(_) => match self.read_real(&absolute) {
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
        self.proposal(absolute, original, content.to_owned(), is_new_file)
    }

    fn proposal(
        &self,
        absolute: std::path::PathBuf,
        original: String,
        new: String,
        is_new_file: bool,
    ) -> Result<Proposal, ToolOutput> {
        let path = self.shown(&absolute);
        if new.len() as u64 > MAX_FILE_BYTES {
            return Err(ToolOutput::error(format!(
                "the new {path} would exceed {MAX_FILE_BYTES} bytes"
            )));
        }
        Ok(Proposal {
            path,
            original_hash: content_hash(original.as_bytes()),
            absolute,
            original,
            new,
            is_new_file,
        })
    }

    /// Writes an approved proposal after checking its target again (a symlink or `.git`
    /// planted since the proposal is refused, also while it is written: `beneath`) and
    /// records it for `undo_last`. Blocking I/O.
    pub fn apply(&self, proposal: &Proposal) -> Result<(), String> {
        match self.write_target(&proposal.path) {
            Ok(target) if target == proposal.absolute => {}
            Ok(_) => {
                return Err(format!(
                    "{} now resolves elsewhere (a symlink changed); not applied",
                    proposal.path
                ));
            }
            Err(message) => return Err(format!("{message}; not applied")),
        }
        proposal.apply(&self.dir).map_err(|err| err.to_string())?;
        self.push_undo(UndoEntry {
            path: proposal.path.clone(),
            absolute: proposal.absolute.clone(),
            before: (!proposal.is_new_file).then(|| proposal.original.clone()),
            after: proposal.new.clone(),
        });
        Ok(())
    }
}
