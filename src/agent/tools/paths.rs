//! Confinement of every path a file tool touches: inside the workspace after `..` and
//! symlinks are resolved, never on the read deny list (sapcode's own dirs, the credential
//! stores), for writes never inside a version-control directory (a model that writes
//! `.git/config` can make the user's next `git status` run a command), and never a name with
//! a control character (the user would approve a diff of a file named otherwise). These are
//! the checks that give clear refusals; the write itself goes through `beneath`, which
//! refuses a symlink swapped in after them.

use std::path::{Component, Path, PathBuf};

use super::Tools;

/// Directories no file tool writes into, at any depth. `.sapcode` holds the project's
/// permissions and commands: a model writing there could grant itself a command.
pub const PROTECTED_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj", ".sapcode"];

impl Tools {
    /// The real path of an existing `relative` if it lies inside the root.
    /// Refused when it is on the read deny list.
    pub(super) fn resolve(&self, relative: &str) -> Result<PathBuf, String> {
        refuse_control_characters(relative)?;
        let relative = relative.trim();
        let given = Path::new(if relative.is_empty() { "." } else { relative });
        let joined = self.root().join(given); // an absolute `given` replaces the root
        let real = joined.canonicalize().map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                // Say "outside" rather than "not found" for paths that would escape anyway.
                if lexically_outside(self.root(), &joined) {
                    format!("{relative} is outside the project directory")
                } else {
                    format!("{relative} does not exist")
                }
            } else {
                format!("cannot open {relative}: {err}")
            }
        })?;
        if !real.starts_with(self.root()) {
            return Err(format!("{relative} is outside the project directory"));
        }
        self.refuse_denied(relative, &real)?;
        Ok(real)
    }

    /// `real` (resolved) is not on the read deny list; the refusal says why in one sentence.
    pub(super) fn refuse_denied(&self, relative: &str, real: &Path) -> Result<(), String> {
        match self.deny.covering(real) {
            Some(denied) => Err(format!(
                "{relative} is in {}, which holds credentials or sapcode's own settings and \
                 sessions: no tool reads or writes there",
                self.shown(denied)
            )),
            None => Ok(()),
        }
    }

    /// `real` relative to the root, the way `beneath` takes it.
    pub(super) fn inside<'a>(&self, real: &'a Path) -> std::io::Result<&'a Path> {
        self.dir.relative(real)
    }

    /// Where a write to `relative` lands: the real path of the file (existing or not), its
    /// nearest existing ancestor inside the root, nothing under a protected directory or on
    /// the deny list. Checked again just before writing, so a symlink planted meanwhile gets
    /// a clear refusal (one planted after this check is refused by `beneath`).
    pub(crate) fn write_target(&self, relative: &str) -> Result<PathBuf, String> {
        refuse_control_characters(relative)?;
        let relative = relative.trim();
        if relative.is_empty() {
            return Err("a non-empty `path` is needed".into());
        }
        let outside = || format!("{relative} is outside the project directory");
        let joined = self.root().join(relative);
        if lexically_outside(self.root(), &joined) {
            return Err(outside());
        }
        let mut existing = joined.as_path();
        let mut missing = Vec::new();
        while existing.symlink_metadata().is_err() {
            let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                return Err(outside());
            };
            missing.push(name.to_owned());
            existing = parent;
        }
        if !missing.is_empty() && joined.components().any(|c| c == Component::ParentDir) {
            return Err(format!("{relative}: write the path without `..`"));
        }
        let real = existing.canonicalize().map_err(|_| outside())?;
        if !real.starts_with(self.root()) {
            return Err(outside());
        }
        if !missing.is_empty() && !real.is_dir() {
            return Err(format!(
                "{relative}: {} is not a directory",
                self.shown(&real)
            ));
        }
        let target = missing
            .into_iter()
            .rev()
            .fold(real, |path, name| path.join(name));
        if let Some(dir) = self.protected_part(&target) {
            return Err(format!(
                "{relative} is inside {dir}/, which sapcode never writes to"
            ));
        }
        self.refuse_denied(relative, &target)?;
        Ok(target)
    }

    /// The protected directory name `path` lies under (relative to the root), if any.
    fn protected_part(&self, path: &Path) -> Option<&'static str> {
        let relative = path.strip_prefix(self.root()).unwrap_or(path);
        relative.components().find_map(|component| match component {
            Component::Normal(name) => PROTECTED_DIRS
                .iter()
                .find(|dir| name.to_string_lossy().eq_ignore_ascii_case(dir))
                .copied(),
            Component::Prefix(_)
            | Component::RootDir
            | Component::CurDir
            | Component::ParentDir => None,
        })
    }

    /// `path` as shown to people: relative to the root, `.` for the root itself.
    pub(crate) fn shown(&self, path: &Path) -> String {
        let relative = path.strip_prefix(self.root()).unwrap_or(path);
        let text = relative.display().to_string();
        if text.is_empty() { ".".into() } else { text }
    }
}

/// A path the model gave with a control character (newline, CR, ESC, DEL, C1) or a bidi
/// control in it: the name the user reads in a review would not be the name written.
fn refuse_control_characters(path: &str) -> Result<(), String> {
    let is_bidi = |c: char| matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    match path.chars().find(|c| c.is_control() || is_bidi(*c)) {
        Some(c) => Err(format!(
            "the path {} contains the control character U+{:04X}; file names with control \
             characters are refused",
            path.escape_debug(),
            u32::from(c)
        )),
        None => Ok(()),
    }
}

/// `path` leaves `root` once `..` components are applied lexically.
pub(crate) fn lexically_outside(root: &Path, path: &Path) -> bool {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    !normal.starts_with(root)
}
