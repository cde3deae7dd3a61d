//! Inputs the user sent, kept across runs for the TUI's history keys: `input_history.jsonl`
//! in the data dir (0600), one JSON string per line, capped at `MAX_ENTRIES` (older ones are
//! dropped when the file is rewritten).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::fsutil::write_atomic;

pub const MAX_ENTRIES: usize = 500;
/// A pasted file is not worth recalling; longer inputs are not kept.
pub const MAX_ENTRY_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone)]
pub struct InputHistory {
    path: PathBuf,
}

impl InputHistory {
    pub fn new(data_dir: &Path) -> InputHistory {
        InputHistory {
            path: data_dir.join("input_history.jsonl"),
        }
    }

    /// Oldest first. A missing file is an empty history; unreadable lines are skipped.
    pub fn load(&self) -> std::io::Result<Vec<String>> {
        let mut entries = self.load_all()?;
        let excess = entries.len().saturating_sub(MAX_ENTRIES);
        entries.drain(..excess);
        Ok(entries)
    }

    /// Adds `input` unless it is blank, too long, or the same as the last one. The file is
    /// rewritten to its last `MAX_ENTRIES` once it holds twice as many.
    pub fn append(&self, input: &str) -> std::io::Result<()> {
        if input.trim().is_empty() || input.len() > MAX_ENTRY_BYTES {
            return Ok(());
        }
        let mut entries = self.load_all()?;
        if entries.last().is_some_and(|last| last == input) {
            return Ok(());
        }
        entries.push(input.to_owned());
        if entries.len() >= 2 * MAX_ENTRIES {
            let keep = &entries[entries.len() - MAX_ENTRIES..];
            return write_atomic(&self.path, lines(keep).as_bytes(), /*private*/ true);
        }
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = options.open(&self.path)?;
        file.write_all(lines(&entries[entries.len() - 1..]).as_bytes())
    }

    fn load_all(&self) -> std::io::Result<Vec<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text
                .lines()
                .filter_map(|line| serde_json::from_str::<String>(line).ok())
                .collect()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(err) => Err(err),
        }
    }
}

fn lines(entries: &[String]) -> String {
    entries
        .iter()
        .filter_map(|entry| serde_json::to_string(entry).ok())
        .map(|line| line + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_inputs_across_instances_without_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let history = InputHistory::new(dir.path());
        assert!(history.load().unwrap().is_empty());
        history.append("first\nwith a newline").unwrap();
        history.append("second").unwrap();
        history.append("second").unwrap();
        history.append("   ").unwrap();
        let again = InputHistory::new(dir.path());
        assert_eq!(again.load().unwrap(), ["first\nwith a newline", "second"]);
    }

    #[test]
    fn is_capped_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let history = InputHistory::new(dir.path());
        for n in 0..(2 * MAX_ENTRIES + 3) {
            history.append(&format!("input {n}")).unwrap();
        }
        let entries = history.load().unwrap();
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert_eq!(
            entries.last().map(String::as_str),
            Some(format!("input {}", 2 * MAX_ENTRIES + 2).as_str())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join("input_history.jsonl")).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }
}
