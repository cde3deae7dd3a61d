//! What the edit tools (`builtin/`) share: each call, validated against the file as it is
//! now, becomes a `Proposal` (the diff the user approves); `apply` writes it only after checking
//! again that the target is inside the workspace, outside `.git/` and the deny list and
//! unchanged, writes it beneath the workspace handle (`Proposal::apply`), then records it on
//! the undo stack.

use super::undo::UndoEntry;
use super::{MAX_FILE_BYTES, ToolOutput, Tools};
use crate::agent::edit::{Proposal, content_hash};

impl Tools {
    pub(super) fn proposal(
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
