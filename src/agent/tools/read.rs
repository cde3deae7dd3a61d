//! What the read tools (`builtin/`) share. They never ask for approval, so they must never
//! block or wander: only regular files are opened (a FIFO or a device could
//! hang the turn), beneath the workspace handle and through no symlink, sizes are checked on
//! the open handle, walks honour `.gitignore`, do not follow symlinks and skip what the deny
//! list covers.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::{MAX_FILE_BYTES, Tools};
use crate::agent::protected::ReadDenyList;

/// Skipped even without a `.gitignore` that names them: build output and vendored packages.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// Why a file is not read as text.
pub(crate) enum TextError {
    NotRegular,
    TooLarge(u64),
    Binary,
    Io(std::io::Error),
}

impl TextError {
    pub(crate) fn sentence(&self, shown: &str, verb: &str) -> String {
        match self {
            TextError::NotRegular => format!(
                "{shown} is not a regular file (a directory, FIFO, socket or device); {verb} \
                 only handles regular text files"
            ),
            TextError::TooLarge(size) => {
                format!("{shown} is {size} bytes; too large to {verb} (limit {MAX_FILE_BYTES})")
            }
            TextError::Binary => {
                format!("{shown} is a binary file (not UTF-8 text); it cannot be {verb}ed")
            }
            TextError::Io(err) => format!("cannot read {shown}: {err}"),
        }
    }
}

/// Reads a regular text file from a handle opened without blocking (`beneath`), checked on
/// the handle (type, size), NUL bytes and bad UTF-8 refused as binary.
pub(crate) fn read_text(file: File) -> Result<String, TextError> {
    let metadata = file.metadata().map_err(TextError::Io)?;
    if !metadata.is_file() {
        return Err(TextError::NotRegular);
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(TextError::TooLarge(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow after the check: never read past the limit.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(TextError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(TextError::TooLarge(bytes.len() as u64));
    }
    if bytes.contains(&0) {
        return Err(TextError::Binary);
    }
    String::from_utf8(bytes).map_err(|_| TextError::Binary)
}

impl Tools {
    /// The text of `real` (a resolved path inside the root), opened beneath the workspace
    /// handle: a symlink swapped in since it was resolved is refused, not followed.
    pub(crate) fn read_real(&self, real: &Path) -> Result<String, TextError> {
        let opened = self
            .inside(real)
            .and_then(|relative| self.dir.open_file(relative));
        match opened {
            Ok(file) => read_text(file),
            Err(err) if crate::agent::beneath::is_symlink_refusal(&err) => {
                Err(TextError::Io(std::io::Error::other(
                    "a symlink is now on its path, which sapcode does not follow",
                )))
            }
            Err(err) => Err(TextError::Io(err)),
        }
    }
}

/// Entries under `dir` (not `dir` itself), depth-first and sorted, honouring `.gitignore`
/// (inside a Git repository or not), skipping hidden entries, build directories and
/// symlinks (so nothing outside the root is reached). `true` marks directories.
pub(crate) fn walk(
    dir: &Path,
    depth: Option<usize>,
) -> impl Iterator<Item = (std::path::PathBuf, bool)> {
    walk_except(dir, depth, Arc::default())
}

/// `walk`, neither listing nor entering what `deny` covers (`dir` is a real path, and so
/// is every entry under it: no symlink is followed).
pub(super) fn walk_except(
    dir: &Path,
    depth: Option<usize>,
    deny: Arc<ReadDenyList>,
) -> impl Iterator<Item = (std::path::PathBuf, bool)> {
    ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .max_depth(depth)
        .sort_by_file_name(Ord::cmp)
        .filter_entry(move |entry| {
            let skipped = entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref());
            !skipped && deny.covering(entry.path()).is_none()
        })
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.depth() > 0)
        .filter_map(|entry| {
            let kind = entry.file_type()?;
            if kind.is_dir() {
                Some((entry.into_path(), true))
            } else if kind.is_file() {
                Some((entry.into_path(), false))
            } else {
                None
            }
        })
}
