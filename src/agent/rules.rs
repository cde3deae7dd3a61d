//! Project rules: `AGENTS.md` at the workspace root, added to the system prompt when present
//! (contract "The agent"). Read under the file tools' rules (contract "The trust boundary"):
//! through the workspace handle (`beneath`), so a link to a file outside the workspace
//! (`/proc/self/environ` holds the service key) or on the read deny list is not read and
//! the refusal is said; only a regular file, opened without waiting (a FIFO or a device named
//! AGENTS.md cannot hang the start), with a size cap.

use std::path::{Path, PathBuf};

use super::beneath::{WorkspaceDir, is_symlink_refusal};
use super::protected::ReadDenyList;
use super::{Attachment, AttachmentError};

pub const RULES_FILE: &str = "AGENTS.md";
/// Rules ride along on every request; past this they are cut (and the cut is said).
pub const MAX_RULES_BYTES: usize = 32 * 1024;

/// The rules of one workspace, as read at the start of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRules {
    pub path: PathBuf,
    pub text: String,
    /// The file was longer than `MAX_RULES_BYTES`.
    pub was_cut: bool,
}

/// Why `AGENTS.md` was left out; each says it in one line.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{RULES_FILE} is a link outside the workspace")]
    Outside,
    #[error("{RULES_FILE} is in or links into {0}, which sapcode never reads")]
    Denied(String),
    #[error("cannot read {RULES_FILE}: {0}")]
    Io(std::io::Error),
    #[error(transparent)]
    Attachment(#[from] AttachmentError),
}

impl ProjectRules {
    /// `AGENTS.md` of `workspace`, or `None` when there is none (or it is not a file).
    pub fn load(workspace: &Path, deny: &ReadDenyList) -> Result<Option<ProjectRules>, RulesError> {
        let dir = WorkspaceDir::open(workspace).map_err(RulesError::Io)?;
        let path = dir.root().join(RULES_FILE);
        let Ok(link) = path.symlink_metadata() else {
            return Ok(None);
        };
        // A link inside the workspace is read where it leads; a dangling one is no file.
        let real = if link.file_type().is_symlink() {
            match path.canonicalize() {
                Ok(real) => real,
                Err(_) => return Ok(None),
            }
        } else {
            path.clone()
        };
        let Ok(relative) = dir.relative(&real) else {
            return Err(RulesError::Outside);
        };
        if let Some(denied) = deny.covering(&real) {
            return Err(RulesError::Denied(denied.display().to_string()));
        }
        let file = match dir.open_file(relative) {
            Ok(file) => file,
            Err(err) if is_symlink_refusal(&err) => return Err(RulesError::Outside),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(RulesError::Io(err)),
        };
        let metadata = file.metadata().map_err(RulesError::Io)?;
        if !metadata.is_file() {
            return Ok(None);
        }
        let mut text = Attachment::from_file(file, &metadata, RULES_FILE)?.content;
        let was_cut = text.len() > MAX_RULES_BYTES;
        if was_cut {
            let mut end = MAX_RULES_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Ok(Some(ProjectRules {
            path,
            text,
            was_cut,
        }))
    }

    /// The block appended to the system prompt.
    pub fn prompt_block(&self) -> String {
        let cut = if self.was_cut {
            format!("\n[cut at {MAX_RULES_BYTES} bytes]")
        } else {
            String::new()
        };
        format!(
            "\n\nProject rules from {RULES_FILE} (follow them):\n{}{cut}",
            self.text.trim_end()
        )
    }

    /// The one line a transcript shows when rules are in use.
    pub fn notice(&self) -> String {
        let cut = if self.was_cut {
            format!(" (cut to {} KiB)", MAX_RULES_BYTES / 1024)
        } else {
            String::new()
        };
        format!("using project rules from {RULES_FILE}{cut}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(dir: &Path) -> Option<ProjectRules> {
        ProjectRules::load(dir, &ReadDenyList::default()).unwrap()
    }

    #[test]
    fn absent_rules_are_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), None);
        std::fs::create_dir(dir.path().join(RULES_FILE)).unwrap();
        assert_eq!(load(dir.path()), None);
    }

    #[test]
    fn rules_are_read_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RULES_FILE), "Use tabs.\n").unwrap();
        let rules = load(dir.path()).unwrap();
        assert_eq!(rules.text, "Use tabs.\n");
        assert!(rules.prompt_block().ends_with("(follow them):\nUse tabs."));
        assert_eq!(rules.notice(), "using project rules from AGENTS.md");

        std::fs::write(dir.path().join(RULES_FILE), "é".repeat(MAX_RULES_BYTES)).unwrap();
        let rules = load(dir.path()).unwrap();
        assert!(rules.was_cut);
        assert!(rules.text.len() <= MAX_RULES_BYTES);
        assert!(rules.notice().contains("cut to 32 KiB"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RULES_FILE);
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(load(dir.path()), None);
    }

    /// `/proc/self/environ` holds `AICORE_SERVICE_KEY`; a link out is refused and said.
    #[cfg(unix)]
    #[test]
    fn links_out_of_the_workspace_are_not_read_links_inside_are() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join(RULES_FILE);
        for target in ["/proc/self/environ", "/etc/hostname"] {
            let _ = std::fs::remove_file(&rules);
            std::os::unix::fs::symlink(target, &rules).unwrap();
            let err = ProjectRules::load(dir.path(), &ReadDenyList::default()).unwrap_err();
            assert_eq!(err.to_string(), "AGENTS.md is a link outside the workspace");
        }
        std::fs::remove_file(&rules).unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/rules.md"), "Be brief.\n").unwrap();
        std::os::unix::fs::symlink("docs/rules.md", &rules).unwrap();
        assert_eq!(load(dir.path()).unwrap().text, "Be brief.\n");
    }

    /// A workspace that is the home directory: a link into `~/.ssh` is refused.
    #[cfg(unix)]
    #[test]
    fn links_into_denied_paths_are_not_read() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().canonicalize().unwrap();
        let paths = crate::config::Paths::discover(None);
        let deny = ReadDenyList::new(&paths, Some(&home));
        std::fs::create_dir(home.join(".ssh")).unwrap();
        std::fs::write(home.join(".ssh/id_ed25519"), "PRIVATE KEY").unwrap();
        std::os::unix::fs::symlink(".ssh/id_ed25519", home.join(RULES_FILE)).unwrap();
        let err = ProjectRules::load(&home, &deny).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("AGENTS.md is in or links into ")
                && err.to_string().ends_with(".ssh, which sapcode never reads"),
            "{err}"
        );
    }
}
