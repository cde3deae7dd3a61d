//! A proposed change to one file (what `edit_file`/`write_file` computed and the user
//! approves as a diff), and writing it: atomically, keeping permissions, only if the file
//! still holds what the proposal was made against, and only beneath the workspace handle
//! (a symlink swapped onto its path meanwhile is refused, never followed).

use std::io::Read;
use std::path::PathBuf;

use super::beneath::{WorkspaceDir, is_symlink_refusal};
use super::diff::{self, Hunk};

/// A change the model asked for in one file.
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
    #[error("{path}: a symlink is now on its path, which sapcode does not follow; not applied")]
    Symlink { path: String },
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
    /// Everything goes through `workspace`'s handle: the parent directory is opened beneath
    /// it once, then checked, written and renamed into through that one handle. Blocking I/O.
    pub fn apply(&self, workspace: &WorkspaceDir) -> Result<(), ApplyError> {
        let changed = || ApplyError::Changed {
            path: self.path.clone(),
        };
        let write_error = |source: std::io::Error| {
            if is_symlink_refusal(&source) {
                ApplyError::Symlink {
                    path: self.path.clone(),
                }
            } else {
                ApplyError::Write {
                    path: self.path.clone(),
                    source,
                }
            }
        };
        let relative = workspace.relative(&self.absolute).map_err(write_error)?;
        let entry = workspace
            .entry(relative, self.is_new_file)
            .map_err(write_error)?;
        let mode = if self.is_new_file {
            if entry.exists().map_err(write_error)? {
                return Err(changed());
            }
            None
        } else {
            let file = entry.open().map_err(|err| match err.kind() {
                std::io::ErrorKind::NotFound => changed(),
                _ => write_error(err),
            })?;
            let metadata = file.metadata().map_err(write_error)?;
            if !metadata.is_file() {
                return Err(changed());
            }
            let mut bytes = Vec::new();
            file.take(super::tools::MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(write_error)?;
            if content_hash(&bytes) != self.original_hash || bytes != self.original.as_bytes() {
                return Err(changed());
            }
            permission_bits(&metadata)
        };
        entry
            .replace(self.new.as_bytes(), mode)
            .map_err(write_error)
    }
}

/// The permission bits to keep when a file is replaced (none to keep off Unix).
pub(crate) fn permission_bits(metadata: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(metadata.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
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
        let absolute = dir.canonicalize().unwrap().join("notes.txt");
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
        p.apply(&WorkspaceDir::open(dir.path()).unwrap()).unwrap();
        assert_eq!(std::fs::read_to_string(&p.absolute).unwrap(), "goodbye\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_a_file_changed_since_the_proposal() {
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "hello\n", "goodbye\n");
        std::fs::write(&p.absolute, "hello there\n").unwrap();
        let err = p
            .apply(&WorkspaceDir::open(dir.path()).unwrap())
            .unwrap_err();
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
        assert!(matches!(
            p.apply(&WorkspaceDir::open(dir.path()).unwrap()),
            Err(ApplyError::Changed { .. })
        ));
        assert!(!p.absolute.exists());
    }

    #[test]
    fn a_new_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = Proposal {
            path: "sub/new.txt".into(),
            absolute: dir.path().canonicalize().unwrap().join("sub/new.txt"),
            original: String::new(),
            original_hash: content_hash(b""),
            new: "fresh\n".into(),
            is_new_file: true,
        };
        assert!(
            p.unified_diff()
                .starts_with("--- /dev/null\n+++ b/sub/new.txt\n")
        );
        p.apply(&WorkspaceDir::open(dir.path()).unwrap()).unwrap();
        assert_eq!(std::fs::read_to_string(&p.absolute).unwrap(), "fresh\n");
        assert!(matches!(
            p.apply(&WorkspaceDir::open(dir.path()).unwrap()),
            Err(ApplyError::Changed { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn permissions_survive_the_rewrite() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "#!/bin/sh\n", "#!/bin/sh -e\n");
        std::fs::set_permissions(&p.absolute, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.apply(&WorkspaceDir::open(dir.path()).unwrap()).unwrap();
        let mode = std::fs::metadata(&p.absolute).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}
