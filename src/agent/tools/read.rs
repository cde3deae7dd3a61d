//! The read tools: `read_file`, `list_files` and `search`. They never ask for approval, so
//! they must never block or wander: only regular files are opened (a FIFO or a device could
//! hang the turn), beneath the workspace handle and through no symlink, sizes are checked on
//! the open handle, walks honour `.gitignore`, do not follow symlinks and skip what the deny
//! list covers.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::{
    MAX_ENTRIES, MAX_FILE_BYTES, MAX_MATCHES, MAX_RESULT_BYTES, ToolOutput, Tools, cap,
    human_bytes, truncate,
};
use crate::agent::protected::ReadDenyList;

const DEFAULT_DEPTH: usize = 3;
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

    pub(super) fn read_file(&self, args: &Value) -> ToolOutput {
        let Some(relative) = args.get("path").and_then(Value::as_str) else {
            return ToolOutput::error("read_file needs a string `path`");
        };
        let path = match self.resolve(relative) {
            Ok(path) => path,
            Err(message) => return ToolOutput::error(message),
        };
        if path.is_dir() {
            return ToolOutput::error(format!(
                "{relative} is a directory; use list_files for directories"
            ));
        }
        let text = match self.read_real(&path) {
            Ok(text) => text,
            Err(err) => return ToolOutput::error(err.sentence(relative, "read")),
        };
        let line = |key: &str| {
            args.get(key)
                .and_then(Value::as_u64)
                .map(|n| n as usize)
                .filter(|n| *n > 0)
        };
        let (start, end) = (line("start_line"), line("end_line"));
        let selected = if start.is_some() || end.is_some() {
            let start = start.unwrap_or(1);
            let end = end.unwrap_or(usize::MAX);
            if end < start {
                return ToolOutput::error(format!("end_line {end} is before start_line {start}"));
            }
            let lines: Vec<&str> = text
                .split_inclusive('\n')
                .skip(start - 1)
                .take(end - start + 1)
                .collect();
            if lines.is_empty() {
                return ToolOutput::error(format!(
                    "{relative} has {} lines; start_line {start} is past the end",
                    text.lines().count()
                ));
            }
            lines.concat()
        } else {
            text
        };
        let shown = self.shown(&path);
        let (content, cut) = cap(&selected, MAX_RESULT_BYTES);
        let mut content = content.to_owned();
        if cut {
            content.push_str(&format!(
                "\n[truncated at {MAX_RESULT_BYTES} bytes; ask for a line range]"
            ));
        }
        ToolOutput::success(
            content,
            format!("{shown} ({})", human_bytes(selected.len())),
        )
    }

    pub(super) fn list_files(&self, args: &Value) -> ToolOutput {
        let relative = args.get("path").and_then(Value::as_str).unwrap_or(".");
        let path = match self.resolve(relative) {
            Ok(path) => path,
            Err(message) => return ToolOutput::error(message),
        };
        if !path.is_dir() {
            return ToolOutput::error(format!("{relative} is not a directory"));
        }
        let depth = args
            .get("max_depth")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_DEPTH, |d| (d as usize).clamp(1, 20));
        let mut entries = Vec::new();
        let mut truncated = false;
        for (entry, is_dir) in walk_except(&path, Some(depth), self.deny.clone()) {
            if entries.len() >= MAX_ENTRIES {
                truncated = true;
                break;
            }
            let shown = self.shown(&entry);
            entries.push(if is_dir { format!("{shown}/") } else { shown });
        }
        let count = entries.len();
        let mut content = entries.join("\n");
        if truncated {
            content.push_str(&format!("\n[stopped after {MAX_ENTRIES} entries]"));
        }
        let (capped, cut) = cap(&content, MAX_RESULT_BYTES);
        let mut content = capped.to_owned();
        if cut {
            content.push_str("\n[truncated; list a subdirectory]");
        }
        if count == 0 {
            content = "(empty directory)".into();
        }
        ToolOutput::success(content, format!("{} ({count} entries)", self.shown(&path)))
    }

    pub(super) fn search(&self, args: &Value) -> ToolOutput {
        let Some(pattern) = args
            .get("pattern")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        else {
            return ToolOutput::error("search needs a non-empty string `pattern`");
        };
        let relative = args.get("path").and_then(Value::as_str).unwrap_or(".");
        let path = match self.resolve(relative) {
            Ok(path) => path,
            Err(message) => return ToolOutput::error(message),
        };
        let files: Box<dyn Iterator<Item = std::path::PathBuf>> = if path.is_dir() {
            Box::new(
                walk_except(&path, None, self.deny.clone())
                    .filter(|(_, is_dir)| !is_dir)
                    .map(|(p, _)| p),
            )
        } else {
            Box::new(std::iter::once(path))
        };
        let mut matches = Vec::new();
        let mut bytes = 0;
        let mut truncated = false;
        'files: for file in files {
            // Binary, huge, special or unreadable files are skipped.
            let Ok(text) = self.read_real(&file) else {
                continue;
            };
            for (number, line) in text.lines().enumerate() {
                if !line.contains(pattern) {
                    continue;
                }
                let entry = format!(
                    "{}:{}: {}",
                    self.shown(&file),
                    number + 1,
                    truncate(line.trim_end(), 300)
                );
                if matches.len() >= MAX_MATCHES || bytes + entry.len() > MAX_RESULT_BYTES {
                    truncated = true;
                    break 'files;
                }
                bytes += entry.len() + 1;
                matches.push(entry);
            }
        }
        let count = matches.len();
        let mut content = if count == 0 {
            format!("no matches for {pattern:?}")
        } else {
            matches.join("\n")
        };
        if truncated {
            content.push_str(&format!(
                "\n[stopped after {count} matches; narrow the pattern or path]"
            ));
        }
        let summary = format!(
            "{count} match{}{}",
            if count == 1 { "" } else { "es" },
            if truncated { " (capped)" } else { "" }
        );
        ToolOutput::success(content, summary)
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
fn walk_except(
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
