//! The undo stack of applied edits (`/undo`): each entry knows the content before and
//! after, and is only undone while the file still holds what sapcode wrote.

use std::path::PathBuf;

use super::Tools;

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
        let current = std::fs::read(&entry.absolute).ok();
        if current.as_deref() != Some(entry.after.as_bytes()) {
            return Err(UndoError::Changed { path: entry.path });
        }
        let write_error = |err: std::io::Error| UndoError::Write {
            path: entry.path.clone(),
            detail: err.to_string(),
        };
        match &entry.before {
            None => std::fs::remove_file(&entry.absolute).map_err(write_error)?,
            Some(before) => {
                let permissions = std::fs::metadata(&entry.absolute)
                    .ok()
                    .map(|m| m.permissions());
                crate::fsutil::write_atomic(&entry.absolute, before.as_bytes(), false)
                    .map_err(write_error)?;
                if let Some(permissions) = permissions {
                    std::fs::set_permissions(&entry.absolute, permissions).map_err(write_error)?;
                }
            }
        }
        Ok(entry.path)
    }
}
