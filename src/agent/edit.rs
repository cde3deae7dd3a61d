//! Proposed edits: what `propose_edit` records (never writes), and applying one later, only
//! when the user says so, after checking the file still holds what the proposal was made
//! against. The tool's validation is here too; `tools.rs` dispatches to it.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::diff::{self, Hunk};
use super::tools::{MAX_FILE_BYTES, ToolOutput, Tools, lexically_outside};

/// A change the model proposed to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// As shown to people: relative to the project root.
    pub path: String,
    /// The real path the change is written to.
    pub absolute: PathBuf,
    /// The file's content when the proposal was made (empty for a new file).
    pub original: String,
    /// FNV-1a of `original`, checked again before writing.
    pub original_hash: u64,
    pub new: String,
    /// The file did not exist: applying creates it (and refuses if it appeared meanwhile).
    pub is_new_file: bool,
}

/// Why a proposal was not written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{path} changed since the proposal; not applied")]
    Changed { path: String },
    #[error("cannot write {path}: {source}; not applied")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Proposal {
    pub fn hunks(&self) -> Vec<Hunk> {
        diff::hunks(&self.original, &self.new)
    }

    /// Lines added and removed.
    pub fn counts(&self) -> (usize, usize) {
        diff::counts(&self.hunks())
    }

    /// The unified diff, `--- a/path` / `+++ b/path` headers included.
    pub fn unified_diff(&self) -> String {
        diff::unified(&self.path, &self.original, &self.new, self.is_new_file)
    }

    /// Writes the new content atomically, keeping the file's permissions, if the file still
    /// has the content the proposal was made against (or, for a new file, still is absent).
    /// Blocking I/O.
    pub fn apply(&self) -> Result<(), ApplyError> {
        let changed = || ApplyError::Changed {
            path: self.path.clone(),
        };
        let write_error = |source| ApplyError::Write {
            path: self.path.clone(),
            source,
        };
        let permissions = if self.is_new_file {
            if self.absolute.symlink_metadata().is_ok() {
                return Err(changed());
            }
            None
        } else {
            let bytes = std::fs::read(&self.absolute).map_err(|_| changed())?;
            if content_hash(&bytes) != self.original_hash || bytes != self.original.as_bytes() {
                return Err(changed());
            }
            std::fs::metadata(&self.absolute)
                .ok()
                .map(|m| m.permissions())
        };
        crate::fsutil::write_atomic(&self.absolute, self.new.as_bytes(), false)
            .map_err(write_error)?;
        if let Some(permissions) = permissions {
            std::fs::set_permissions(&self.absolute, permissions).map_err(write_error)?;
        }
        Ok(())
    }
}

/// `propose_edit`: validation of the model's request, kept beside the proposal it makes.
impl Tools {
    /// Validates an edit and records it as a proposal; the file is left as it is.
    pub(super) fn propose_edit(&self, args: &Value) -> ToolOutput {
        let text = |key: &str| args.get(key).and_then(Value::as_str);
        let (Some(relative), Some(old_text), Some(new_text)) =
            (text("path"), text("old_text"), text("new_text"))
        else {
            return ToolOutput::error(
                "propose_edit needs string `path`, `old_text` and `new_text` (old_text empty to create a file)",
            );
        };
        let (absolute, original, is_new_file) = match self.edit_target(relative, old_text) {
            Ok(target) => target,
            Err(message) => return ToolOutput::error(message),
        };
        let new = if is_new_file {
            new_text.to_owned()
        } else {
            match original.matches(old_text).count() {
                0 => {
                    return ToolOutput::error(format!(
                        "old_text was not found in {relative}; read the file and copy the passage \
                         exactly, whitespace and line breaks included"
                    ));
                }
                1 => original.replacen(old_text, new_text, 1),
                n => {
                    return ToolOutput::error(format!(
                        "old_text occurs {n} times in {relative}; include more surrounding lines \
                         so it matches exactly once"
                    ));
                }
            }
        };
        if new == original {
            return ToolOutput::error("new_text is the same as old_text; nothing to change");
        }
        if new.len() as u64 > MAX_FILE_BYTES {
            return ToolOutput::error(format!(
                "the edited {relative} would exceed {MAX_FILE_BYTES} bytes"
            ));
        }
        let proposal = Proposal {
            path: self.shown(&absolute),
            original_hash: content_hash(original.as_bytes()),
            absolute,
            original,
            new,
            is_new_file,
        };
        let (added, removed) = proposal.counts();
        let what = if is_new_file { "new file" } else { "edit to" };
        ToolOutput {
            content: format!(
                "proposed: {what} {} (+{added} -{removed}); the user will review it. Nothing is \
                 written yet; do not propose the same change again.",
                proposal.path
            ),
            summary: format!("proposed {what} {} (+{added} −{removed})", proposal.path),
            ok: true,
            proposal: Some(Box::new(proposal)),
        }
    }

    /// The real path, current content and whether it is a new file, for an edit of
    /// `relative`; a missing file is only allowed with an empty `old_text` (creation).
    fn edit_target(
        &self,
        relative: &str,
        old_text: &str,
    ) -> Result<(PathBuf, String, bool), String> {
        let trimmed = relative.trim();
        if trimmed.is_empty() {
            return Err("propose_edit needs a non-empty `path`".into());
        }
        let joined = self.root().join(trimmed);
        if joined.symlink_metadata().is_err() {
            if !old_text.is_empty() {
                return Err(format!(
                    "{trimmed} does not exist; to create it, pass an empty old_text"
                ));
            }
            return self
                .new_file_target(trimmed, &joined)
                .map(|p| (p, String::new(), true));
        }
        let path = self.resolve(trimmed)?;
        if path.is_dir() {
            return Err(format!("{trimmed} is a directory; name a file"));
        }
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            return Err(format!(
                "{trimmed} is {size} bytes; too large to edit (limit {MAX_FILE_BYTES})"
            ));
        }
        let bytes = std::fs::read(&path).map_err(|err| format!("cannot read {trimmed}: {err}"))?;
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(format!("{trimmed} is not UTF-8 text; it cannot be edited"));
        };
        if old_text.is_empty() {
            return Err(format!(
                "{trimmed} already exists; old_text must be the exact passage to replace"
            ));
        }
        Ok((path, text, false))
    }

    /// Where a file that does not exist yet would go: its nearest existing ancestor must lie
    /// inside the root, and the missing part may not climb with `..`.
    fn new_file_target(&self, relative: &str, joined: &Path) -> Result<PathBuf, String> {
        let outside = || format!("{relative} is outside the project directory");
        if lexically_outside(self.root(), joined) {
            return Err(outside());
        }
        let mut existing = joined;
        let mut missing = Vec::new();
        while existing.symlink_metadata().is_err() {
            let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                return Err(outside());
            };
            missing.push(name.to_owned());
            existing = parent;
        }
        if joined.components().any(|c| c == Component::ParentDir) {
            return Err(format!("{relative}: write the path without `..`"));
        }
        let real = existing.canonicalize().map_err(|_| outside())?;
        if !real.starts_with(self.root()) || !real.is_dir() {
            return Err(outside());
        }
        Ok(missing
            .into_iter()
            .rev()
            .fold(real, |path, name| path.join(name)))
    }
}

/// 64-bit FNV-1a: enough to notice that a file changed under a proposal (the content itself is
/// compared as well).
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(dir: &std::path::Path, original: &str, new: &str) -> Proposal {
        let absolute = dir.join("notes.txt");
        std::fs::write(&absolute, original).unwrap();
        Proposal {
            path: "notes.txt".into(),
            absolute,
            original: original.into(),
            original_hash: content_hash(original.as_bytes()),
            new: new.into(),
            is_new_file: false,
        }
    }

    #[test]
    fn applies_when_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "hello\n", "goodbye\n");
        assert_eq!(p.counts(), (1, 1));
        p.apply().unwrap();
        assert_eq!(std::fs::read_to_string(&p.absolute).unwrap(), "goodbye\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_a_file_changed_since_the_proposal() {
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "hello\n", "goodbye\n");
        std::fs::write(&p.absolute, "hello there\n").unwrap();
        let err = p.apply().unwrap_err();
        assert_eq!(
            err.to_string(),
            "notes.txt changed since the proposal; not applied"
        );
        assert_eq!(
            std::fs::read_to_string(&p.absolute).unwrap(),
            "hello there\n"
        );
        // Deleted meanwhile: refused too, nothing recreated.
        std::fs::remove_file(&p.absolute).unwrap();
        assert!(matches!(p.apply(), Err(ApplyError::Changed { .. })));
        assert!(!p.absolute.exists());
    }

    #[test]
    fn a_new_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = Proposal {
            path: "sub/new.txt".into(),
            absolute: dir.path().join("sub/new.txt"),
            original: String::new(),
            original_hash: content_hash(b""),
            new: "fresh\n".into(),
            is_new_file: true,
        };
        assert!(
            p.unified_diff()
                .starts_with("--- /dev/null\n+++ b/sub/new.txt\n")
        );
        p.apply().unwrap();
        assert_eq!(std::fs::read_to_string(&p.absolute).unwrap(), "fresh\n");
        assert!(matches!(p.apply(), Err(ApplyError::Changed { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn permissions_survive_the_rewrite() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "#!/bin/sh\n", "#!/bin/sh -e\n");
        std::fs::set_permissions(&p.absolute, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.apply().unwrap();
        let mode = std::fs::metadata(&p.absolute).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}
