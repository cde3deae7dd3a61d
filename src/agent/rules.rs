//! Project rules: `AGENTS.md` at the workspace root, added to the system prompt when present
//! (contract "The agent"). Read with a size cap and only when it is a regular file, so a FIFO
//! or a device named AGENTS.md cannot hang the start.

use std::path::{Path, PathBuf};

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

impl ProjectRules {
    /// `AGENTS.md` of `workspace`, or `None` when there is none (or it is not a file).
    pub fn load(workspace: &Path) -> Result<Option<ProjectRules>, AttachmentError> {
        let path = workspace.join(RULES_FILE);
        let is_file = std::fs::metadata(&path).is_ok_and(|meta| meta.is_file());
        if !is_file {
            return Ok(None);
        }
        let attachment = Attachment::read(&path)?;
        let mut text = attachment.content;
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

    #[test]
    fn absent_rules_are_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ProjectRules::load(dir.path()).unwrap(), None);
        std::fs::create_dir(dir.path().join(RULES_FILE)).unwrap();
        assert_eq!(ProjectRules::load(dir.path()).unwrap(), None);
    }

    #[test]
    fn rules_are_read_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RULES_FILE), "Use tabs.\n").unwrap();
        let rules = ProjectRules::load(dir.path()).unwrap().unwrap();
        assert_eq!(rules.text, "Use tabs.\n");
        assert!(rules.prompt_block().ends_with("(follow them):\nUse tabs."));
        assert_eq!(rules.notice(), "using project rules from AGENTS.md");

        std::fs::write(dir.path().join(RULES_FILE), "é".repeat(MAX_RULES_BYTES)).unwrap();
        let rules = ProjectRules::load(dir.path()).unwrap().unwrap();
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
        assert_eq!(ProjectRules::load(dir.path()).unwrap(), None);
    }
}
