//! The undo stack of applied edits (`/undo`): each entry knows the content before and
//! after, and is only undone while the file still holds what sapcode wrote. The file is
//! checked, restored or removed through its parent directory held open beneath the
//! workspace (`beneath`), like every write: a directory swapped for a symlink since the
//! edit makes the undo refuse, never touch the file the link leads to.

use std::io::Read;
use std::path::PathBuf;

use super::{MAX_FILE_BYTES, Tools};
use crate::agent::beneath::is_symlink_refusal;
use crate::agent::edit::permission_bits;

/// Most edits remembered; older ones fall off the bottom.
const MAX_UNDO: usize = 100;

/// One applied edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    /// As shown to people: relative to the workspace.
    pub path: String,
    pub absolute: PathBuf,
    /// `None` when the edit created the file: undoing removes it.
    pub before: Option<String>,
    pub after: String,
}

/// Why the last edit was not undone.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UndoError {
    #[error("nothing to undo")]
    Empty,
    #[error("{path} changed since sapcode edited it; not undone")]
    Changed { path: String },
    #[error("{path}: a symlink is now on its path, which sapcode does not follow; not undone")]
    Symlink { path: String },
    #[error("cannot restore {path}: {detail}")]
    Write { path: String, detail: String },
}

impl Tools {
    pub(super) fn push_undo(&self, entry: UndoEntry) {
        let mut stack = self
            .undo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if stack.len() >= MAX_UNDO {
            stack.remove(0);
        }
        stack.push(entry);
    }

    /// Edits that `undo_last` can still take back, oldest first.
    pub fn undo_len(&self) -> usize {
        self.undo.lock().map_or(0, |stack| stack.len())
    }

    /// Restores the file of the last applied edit, unless it changed since (then the entry is
    /// dropped and the refusal says so). Returns the path restored. Blocking I/O.
    pub fn undo_last(&self) -> Result<String, UndoError> {
        let entry = {
            let mut stack = self
                .undo
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            stack.pop().ok_or(UndoError::Empty)?
        };
        let path = entry.path.clone();
        let changed = || UndoError::Changed { path: path.clone() };
        let failed = |err: std::io::Error| {
            if is_symlink_refusal(&err) {
                UndoError::Symlink { path: path.clone() }
            } else if err.kind() == std::io::ErrorKind::NotFound {
                changed()
            } else {
                UndoError::Write {
                    path: path.clone(),
                    detail: err.to_string(),
                }
            }
        };
        let relative = self.inside(&entry.absolute).map_err(failed)?;
        let file = self.dir.entry(relative, false).map_err(failed)?;
        let opened = file.open().map_err(failed)?;
        let metadata = opened.metadata().map_err(failed)?;
        let mut current = Vec::new();
        if metadata.is_file() {
            opened
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut current)
                .map_err(failed)?;
        }
        if !metadata.is_file() || current != entry.after.as_bytes() {
            return Err(changed());
        }
        match &entry.before {
            None => file.remove().map_err(failed)?,
            Some(before) => file
                .replace(before.as_bytes(), permission_bits(&metadata))
                .map_err(failed)?,
        }
        Ok(entry.path)
    }
}
