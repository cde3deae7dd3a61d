//! Paths typed in the TUI: `~/` expansion and the completion candidates for `@` attachments
//! (fuzzy over the workspace's files) and the service-key field (the typed directory's
//! entries). Plain file-system reads, run by `effects` off the UI loop.

use std::path::Path;

/// The walk of the workspace for `@` completion stops here: a huge tree (a home directory)
/// costs a bounded time and memory once, not per keystroke.
pub(super) const MAX_WORKSPACE_FILES: usize = 20_000;
const MAX_WORKSPACE_DEPTH: usize = 16;
/// Rows the completion list can show.
pub(super) const MAX_CANDIDATES: usize = 50;

/// The workspace's files relative to `root`, honouring `.gitignore` and skipping hidden,
/// `target` and `node_modules` directories (as the read tools do); at most
/// [`MAX_WORKSPACE_FILES`].
pub(super) fn workspace_files(root: &Path) -> Vec<String> {
    crate::agent::tools::walk_workspace(root, Some(MAX_WORKSPACE_DEPTH))
        .filter(|(_, is_dir)| !is_dir)
        .filter_map(|(path, _)| {
            let relative = path.strip_prefix(root).ok()?.to_str()?;
            Some(relative.replace(std::path::MAIN_SEPARATOR, "/"))
        })
        .take(MAX_WORKSPACE_FILES)
        .collect()
}

/// `@` completion: an absolute or `~/` path lists its directory; anything else is matched
/// fuzzily against the workspace's files.
pub(super) fn is_outside_workspace(prefix: &str) -> bool {
    prefix.starts_with('/') || prefix.starts_with("~/") || prefix.starts_with("..")
}

/// Entries of the prefix's directory whose names start with its last part; hidden ones only
/// when that part starts with `.`. Directories end in `/`. At most 200, sorted.
pub(super) fn path_candidates(prefix: &str) -> Vec<String> {
    let (dir, start) = match prefix.rfind('/') {
        Some(at) => (&prefix[..=at], &prefix[at + 1..]),
        None => ("", prefix),
    };
    let listed = if dir.is_empty() {
        std::path::PathBuf::from(".")
    } else {
        expand_home(dir)
    };
    let Ok(entries) = std::fs::read_dir(listed) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if !name.starts_with(start) || (name.starts_with('.') && !start.starts_with('.')) {
                return None;
            }
            let slash = if entry.file_type().ok()?.is_dir() {
                "/"
            } else {
                ""
            };
            Some(format!("{dir}{name}{slash}"))
        })
        .take(200)
        .collect();
    names.sort();
    names
}

pub(crate) fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_walk_honours_gitignore_and_skips_build_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "src/lib.rs",
            "target/debug/x.rs",
            "secret.log",
            ".hidden/a.rs",
            "README.md",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "*.log\n").unwrap();
        let mut files = workspace_files(root);
        files.sort();
        assert_eq!(files, ["README.md", "src/lib.rs"]);
    }
}
