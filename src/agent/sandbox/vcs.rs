//! VCS dirs in the workspace that a command created. Existing ones are bound read-only
//! (`mounts`), but Landlock's grant on the workspace covers a name that does not exist yet:
//! `git init` (or `mkdir .git`) where there was no repository made a `.git/config` with
//! `core.fsmonitor` that the user's next `git status` (or shell prompt) in the workspace
//! runs outside the sandbox. Whatever the command made under those names is removed once it
//! ended; every process it started is dead by then (its PID namespace), so nothing can put
//! it back.

use std::path::{Path, PathBuf};

/// The VCS dirs (or, for a git worktree, the `.git` file) a command cannot write.
pub const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".jj"];

/// How many directory entries `find` looks at: a workspace at `$HOME` holds far more than
/// any project, and every command pays for the walk.
const WALK_BUDGET: usize = 100_000;

/// Every VCS dir (or `.git` file) in `workspace` at any depth, not entering the VCS dirs
/// themselves nor following symlinked directories: a repository nested in the workspace
/// (a workspace at `$HOME` or `~/src` holds many) is as much the user's `git status` away
/// from running its `core.fsmonitor` as the one at the root. Dangling names are left out
/// (nothing to bind). Stops after `WALK_BUDGET` entries.
pub fn find(workspace: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![workspace.to_owned()];
    let mut seen = 0usize;
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > WALK_BUDGET {
                tracing::warn!(
                    "{}: VCS dirs beyond {WALK_BUDGET} entries not bound read-only",
                    workspace.display()
                );
                return found;
            }
            let path = entry.path();
            let is_vcs = VCS_DIRS.iter().any(|name| entry.file_name() == *name);
            if is_vcs {
                if std::fs::metadata(&path).is_ok() {
                    found.push(path);
                }
            } else if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(path);
            }
        }
    }
    found
}

/// The VCS dirs in the workspace before a command ran.
#[derive(Debug)]
pub struct NewVcsDirs {
    root: PathBuf,
    before: Vec<PathBuf>,
}

impl NewVcsDirs {
    /// Notes the VCS dirs `root` holds now.
    pub fn watch(root: &Path) -> NewVcsDirs {
        NewVcsDirs {
            root: root.to_owned(),
            before: find(root),
        }
    }

    /// Removes every VCS dir that appeared since (a symlink as itself, never its target)
    /// and says what, for the tool result; `None` when nothing appeared.
    pub fn remove(&self) -> Option<String> {
        let mut removed = Vec::new();
        for path in find(&self.root) {
            if self.before.contains(&path) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let result = if meta.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            let name = path.strip_prefix(&self.root).unwrap_or(&path).display();
            removed.push(match result {
                Ok(()) => format!("removed {name}"),
                Err(err) => format!("could not remove {name}: {err}"),
            });
        }
        (!removed.is_empty()).then(|| {
            format!(
                "\n[sapcode: a command cannot create a repository in the workspace ({}); \
                 run `!git init` yourself]\n",
                removed.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_repositories_are_found_and_not_entered() {
        let dir = tempfile::tempdir().unwrap();
        for made in [".git/objects", "a/b/.hg", "c/.git/modules/x/.git", "d"] {
            std::fs::create_dir_all(dir.path().join(made)).unwrap();
        }
        std::fs::write(dir.path().join("d/.git"), "gitdir: ../.git").unwrap();
        std::os::unix::fs::symlink("/nonexistent", dir.path().join("d/.jj")).unwrap();
        let mut found = find(dir.path());
        found.sort();
        let expected: Vec<_> = [".git", "a/b/.hg", "c/.git", "d/.git"]
            .iter()
            .map(|rel| dir.path().join(rel))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn only_what_was_absent_before_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".hg")).unwrap();
        let watch = NewVcsDirs::watch(dir.path());
        assert_eq!(watch.remove(), None);
        std::fs::create_dir_all(dir.path().join(".git/hooks")).unwrap();
        std::os::unix::fs::symlink("/", dir.path().join(".jj")).unwrap();
        let note = watch.remove().unwrap();
        assert!(
            note.contains("removed .git") && note.contains("removed .jj"),
            "{note}"
        );
        assert!(!dir.path().join(".git").exists());
        assert!(dir.path().join(".hg").exists());
        assert!(Path::new("/").exists());
    }
}
