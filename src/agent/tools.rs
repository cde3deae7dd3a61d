//! Tools the model may call: `read_file`, `list_files`, `search`, and `propose_edit`, which
//! never writes but records a `Proposal` the user reviews (see `edit.rs`). Every path is
//! confined to one root directory (the working directory): `..` escapes, absolute paths
//! elsewhere and symlinks pointing outside are refused. Results are capped, and every failure
//! is a plain sentence handed back to the model as the tool result, never a panic.

use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use super::edit::Proposal;
use crate::aicore::ToolSpec;
use crate::byte_size::human_bytes;

/// Most bytes one tool result may hold.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;
/// Most matches `search` reports.
pub const MAX_MATCHES: usize = 200;
/// Most entries `list_files` reports.
pub const MAX_ENTRIES: usize = 2000;
/// Files larger than this are not searched (and not read whole).
pub(super) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
const DEFAULT_DEPTH: usize = 3;
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules"];

/// The tools offered to the model, in the order the simulator falls back on (first wins).
pub fn specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: "read_file".into(),
            description: "Read a UTF-8 text file of the user's project, optionally a line range \
                          (1-based, inclusive)."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "Path relative to the project root"},
                    "start_line": {"type": "integer", "description": "First line to return (1-based)"},
                    "end_line": {"type": "integer", "description": "Last line to return (inclusive)"}
                },
                "required": ["path"]
            }),
        },
        ToolSpec {
            name: "list_files".into(),
            description: "List files and directories of the user's project (skips .git, target, \
                          node_modules and hidden directories)."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "Directory relative to the project root (default: the root)"},
                    "max_depth": {"type": "integer", "description": "How deep to descend (default 3)"}
                },
                "required": []
            }),
        },
        ToolSpec {
            name: "search".into(),
            description: "Find lines containing a plain substring in the user's project; returns \
                          `file:line: text` per match."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "pattern": {"type": "string", "description": "Plain text to look for (case-sensitive)"},
                    "path": {"type": "string", "description": "File or directory to search (default: the root)"}
                },
                "required": ["pattern"]
            }),
        },
        ToolSpec {
            name: "propose_edit".into(),
            description: "Propose replacing one exact passage of a file (or creating a file with \
                          empty old_text). Nothing is written: the user reviews the change as a \
                          diff and applies it or not. old_text must occur exactly once; include \
                          enough surrounding lines to make it unique."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "File relative to the project root"},
                    "old_text": {"type": "string", "description": "Exact text to replace, whitespace included; empty to create a new file"},
                    "new_text": {"type": "string", "description": "Text to put in its place"}
                },
                "required": ["path", "old_text", "new_text"]
            }),
        },
    ]
}

/// What one call produced: the text for the model and a short line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    pub content: String,
    /// `src/lib.rs (1.2 KiB)`, `12 matches`, or the error.
    pub summary: String,
    pub ok: bool,
    /// What a successful `propose_edit` recorded, for the user to review.
    pub proposal: Option<Box<Proposal>>,
}

impl ToolOutput {
    pub(super) fn error(message: impl Into<String>) -> ToolOutput {
        let message = message.into();
        ToolOutput {
            content: format!("error: {message}"),
            summary: format!("refused: {message}"),
            ok: false,
            proposal: None,
        }
    }
}

/// Runs tools inside `root`. Blocking file I/O: call it off the async runtime.
#[derive(Debug, Clone)]
pub struct Tools {
    root: PathBuf,
}

impl Tools {
    /// `root` must exist; it is canonicalized once so every check compares real paths.
    pub fn new(root: &Path) -> std::io::Result<Tools> {
        Ok(Tools {
            root: root.canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs the tool `name` with JSON `arguments`; unknown tools and bad arguments are errors
    /// in the result, not failures of the turn.
    pub fn call(&self, name: &str, arguments: &str) -> ToolOutput {
        let args: Value = if arguments.trim().is_empty() {
            json!({})
        } else {
            match serde_json::from_str(arguments) {
                Ok(value @ Value::Object(_)) => value,
                Ok(_) | Err(_) => {
                    return ToolOutput::error(format!(
                        "arguments for {name} are not a JSON object: {}",
                        truncate(arguments, 200)
                    ));
                }
            }
        };
        match name {
            "read_file" => self.read_file(&args),
            "list_files" => self.list_files(&args),
            "search" => self.search(&args),
            "propose_edit" => self.propose_edit(&args),
            other => ToolOutput::error(format!(
                "no tool named {other:?}; available: read_file, list_files, search, propose_edit"
            )),
        }
    }

    /// The real path of `relative` if it lies inside the root (after following symlinks).
    pub(super) fn resolve(&self, relative: &str) -> Result<PathBuf, String> {
        let relative = relative.trim();
        let given = Path::new(if relative.is_empty() { "." } else { relative });
        let joined = self.root.join(given); // an absolute `given` replaces the root
        let real = joined.canonicalize().map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                // Say "outside" rather than "not found" for paths that would escape anyway.
                if lexically_outside(&self.root, &joined) {
                    format!("{relative} is outside the project directory")
                } else {
                    format!("{relative} does not exist")
                }
            } else {
                format!("cannot open {relative}: {err}")
            }
        })?;
        if !real.starts_with(&self.root) {
            return Err(format!("{relative} is outside the project directory"));
        }
        Ok(real)
    }

    pub(super) fn shown(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let text = relative.display().to_string();
        if text.is_empty() { ".".into() } else { text }
    }

    fn read_file(&self, args: &Value) -> ToolOutput {
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
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            return ToolOutput::error(format!(
                "{relative} is {size} bytes; too large to read (limit {MAX_FILE_BYTES})"
            ));
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) => return ToolOutput::error(format!("cannot read {relative}: {err}")),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return ToolOutput::error(format!("{relative} is not UTF-8 text"));
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
        ToolOutput {
            summary: format!("{shown} ({})", human_bytes(selected.len())),
            content,
            ok: true,
            proposal: None,
        }
    }

    fn list_files(&self, args: &Value) -> ToolOutput {
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
        self.walk(&path, depth, &mut |entry, is_dir| {
            if entries.len() >= MAX_ENTRIES {
                truncated = true;
                return false;
            }
            let shown = self.shown(entry);
            entries.push(if is_dir { format!("{shown}/") } else { shown });
            true
        });
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
        ToolOutput {
            summary: format!("{} ({count} entries)", self.shown(&path)),
            content,
            ok: true,
            proposal: None,
        }
    }

    fn search(&self, args: &Value) -> ToolOutput {
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
        let mut matches = Vec::new();
        let mut bytes = 0;
        let mut truncated = false;
        let mut search_file = |file: &Path| -> bool {
            if std::fs::metadata(file).map_or(true, |m| m.len() > MAX_FILE_BYTES) {
                return true;
            }
            let Ok(text) = std::fs::read_to_string(file) else {
                return true; // binary or unreadable: skipped
            };
            for (number, line) in text.lines().enumerate() {
                if line.contains(pattern) {
                    let entry = format!(
                        "{}:{}: {}",
                        self.shown(file),
                        number + 1,
                        truncate(line.trim_end(), 300)
                    );
                    if matches.len() >= MAX_MATCHES || bytes + entry.len() > MAX_RESULT_BYTES {
                        truncated = true;
                        return false;
                    }
                    bytes += entry.len() + 1;
                    matches.push(entry);
                }
            }
            true
        };
        if path.is_file() {
            search_file(&path);
        } else {
            self.walk(&path, usize::MAX, &mut |entry, is_dir| {
                is_dir || search_file(entry)
            });
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
        ToolOutput {
            summary: format!(
                "{count} match{}{}",
                if count == 1 { "" } else { "es" },
                if truncated { " (capped)" } else { "" }
            ),
            content,
            ok: true,
            proposal: None,
        }
    }

    /// Depth-first, sorted, skipping hidden entries and build/VCS directories; symlinks are
    /// not followed (so nothing outside the root is reached). `visit` returns false to stop.
    fn walk(&self, dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path, bool) -> bool) -> bool {
        if depth == 0 {
            return true;
        }
        let Ok(read) = std::fs::read_dir(dir) else {
            return true;
        };
        let mut entries: Vec<_> = read.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                continue;
            }
            let path = entry.path();
            if kind.is_dir() {
                if SKIPPED_DIRS.contains(&name.as_ref()) {
                    continue;
                }
                if !visit(&path, true) || !self.walk(&path, depth - 1, visit) {
                    return false;
                }
            } else if kind.is_file() && !visit(&path, false) {
                return false;
            }
        }
        true
    }
}

/// `path` leaves `root` once `..` components are applied lexically.
pub(super) fn lexically_outside(root: &Path, path: &Path) -> bool {
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

/// At most `max` bytes of `text`, cut on a character boundary; `true` when cut.
fn cap(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

fn truncate(text: &str, max: usize) -> String {
    let (cut, was_cut) = cap(text, max);
    if was_cut {
        format!("{cut}…")
    } else {
        cut.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, Tools) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        std::fs::create_dir_all(root.join("src/nested")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"demo\"\n").unwrap();
        std::fs::write(
            root.join("src/lib.rs"),
            "pub fn one() {}\npub fn two() {}\n// needle\n",
        )
        .unwrap();
        std::fs::write(root.join("src/nested/deep.rs"), "// needle deep\n").unwrap();
        std::fs::write(root.join("target/debug/out.rs"), "// needle built\n").unwrap();
        std::fs::write(root.join(".git/config"), "needle").unwrap();
        std::fs::write(root.join(".hidden/x"), "needle").unwrap();
        std::fs::write(dir.path().join("secret"), "top secret").unwrap();
        let tools = Tools::new(&root).unwrap();
        (dir, tools)
    }

    #[test]
    fn reads_files_and_line_ranges() {
        let (_dir, tools) = project();
        let out = tools.call("read_file", r#"{"path":"Cargo.toml"}"#);
        assert!(out.ok, "{out:?}");
        assert_eq!(out.content, "[package]\nname = \"demo\"\n");
        assert_eq!(out.summary, "Cargo.toml (24 B)");
        let out = tools.call(
            "read_file",
            r#"{"path":"./src/lib.rs","start_line":2,"end_line":2}"#,
        );
        assert_eq!(out.content, "pub fn two() {}\n");
        let out = tools.call("read_file", r#"{"path":"src/lib.rs","start_line":9}"#);
        assert!(!out.ok && out.content.contains("past the end"), "{out:?}");
    }

    #[test]
    fn escapes_are_refused() {
        let (dir, tools) = project();
        for path in [
            "../secret",
            "src/../../secret",
            dir.path().join("secret").to_str().unwrap(),
            "/etc/passwd",
            "../missing",
        ] {
            let args = json!({ "path": path }).to_string();
            let out = tools.call("read_file", &args);
            assert!(!out.ok, "{path}: {out:?}");
            assert!(
                out.content.starts_with("error: ") && out.content.contains("outside the project"),
                "{path}: {}",
                out.content
            );
            assert!(!out.content.contains("top secret"));
        }
        // `..` that stays inside is fine.
        let out = tools.call("read_file", r#"{"path":"src/../Cargo.toml"}"#);
        assert!(out.ok, "{out:?}");
        // An absolute path inside the root is fine too.
        let inside = tools.root().join("Cargo.toml");
        let out = tools.call("read_file", &json!({ "path": inside }).to_string());
        assert!(out.ok, "{out:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let (dir, tools) = project();
        std::os::unix::fs::symlink(dir.path().join("secret"), tools.root().join("link")).unwrap();
        std::os::unix::fs::symlink(dir.path(), tools.root().join("up")).unwrap();
        let out = tools.call("read_file", r#"{"path":"link"}"#);
        assert!(
            !out.ok && out.content.contains("outside the project"),
            "{out:?}"
        );
        let out = tools.call("read_file", r#"{"path":"up/secret"}"#);
        assert!(
            !out.ok && out.content.contains("outside the project"),
            "{out:?}"
        );
        let out = tools.call("search", r#"{"pattern":"top secret"}"#);
        assert_eq!(out.content, "no matches for \"top secret\"");
        let out = tools.call("list_files", r#"{"path":"up"}"#);
        assert!(!out.ok, "{out:?}");
    }

    #[test]
    fn lists_without_build_vcs_or_hidden_dirs() {
        let (_dir, tools) = project();
        let out = tools.call("list_files", "{}");
        assert_eq!(
            out.content,
            "Cargo.toml\nsrc/\nsrc/lib.rs\nsrc/nested/\nsrc/nested/deep.rs"
        );
        let out = tools.call("list_files", r#"{"path":"src","max_depth":1}"#);
        assert_eq!(out.content, "src/lib.rs\nsrc/nested/");
        let out = tools.call("list_files", r#"{"path":"Cargo.toml"}"#);
        assert!(!out.ok);
    }

    #[test]
    fn search_reports_file_line_text() {
        let (_dir, tools) = project();
        let out = tools.call("search", r#"{"pattern":"needle"}"#);
        assert_eq!(
            out.content,
            "src/lib.rs:3: // needle\nsrc/nested/deep.rs:1: // needle deep"
        );
        assert_eq!(out.summary, "2 matches");
        let out = tools.call("search", r#"{"pattern":"fn","path":"src/lib.rs"}"#);
        assert_eq!(out.content.lines().count(), 2);
        let out = tools.call("search", r#"{"path":"src"}"#);
        assert!(!out.ok && out.content.contains("pattern"));
    }

    #[test]
    fn results_are_capped() {
        let (_dir, tools) = project();
        let many: String = (0..500).map(|i| format!("hit {i}\n")).collect();
        std::fs::write(tools.root().join("many.txt"), many).unwrap();
        let out = tools.call("search", r#"{"pattern":"hit"}"#);
        assert_eq!(out.content.lines().count(), MAX_MATCHES + 1);
        assert!(out.content.ends_with("narrow the pattern or path]"));
        assert_eq!(out.summary, "200 matches (capped)");
        let big = "é".repeat(MAX_RESULT_BYTES); // two bytes each
        std::fs::write(tools.root().join("big.txt"), &big).unwrap();
        let out = tools.call("read_file", r#"{"path":"big.txt"}"#);
        assert!(out.content.len() <= MAX_RESULT_BYTES + 100);
        assert!(out.content.ends_with("ask for a line range]"));
    }

    #[test]
    fn bad_calls_are_errors_not_panics() {
        let (_dir, tools) = project();
        let cases = [
            ("read_file", "not json"),
            ("read_file", "[1]"),
            ("read_file", "{}"),
            ("read_file", r#"{"path":"nope.rs"}"#),
            ("read_file", r#"{"path":"src"}"#),
            ("write_file", r#"{"path":"x"}"#),
        ];
        for (name, args) in cases {
            let out = tools.call(name, args);
            assert!(
                !out.ok && out.content.starts_with("error: "),
                "{name} {args}: {out:?}"
            );
        }
        std::fs::write(tools.root().join("bin"), [0xff, 0xfe]).unwrap();
        let out = tools.call("read_file", r#"{"path":"bin"}"#);
        assert_eq!(out.content, "error: bin is not UTF-8 text");
        assert_eq!(human_bytes(1229), "1.2 KiB");
    }

    #[test]
    fn propose_edit_records_without_writing() {
        let (_dir, tools) = project();
        let args = json!({"path": "src/lib.rs", "old_text": "pub fn two() {}", "new_text": "pub fn two() -> u8 {\n    2\n}"});
        let out = tools.call("propose_edit", &args.to_string());
        assert!(out.ok, "{out:?}");
        assert!(
            out.content.contains("the user will review it"),
            "{}",
            out.content
        );
        assert_eq!(out.summary, "proposed edit to src/lib.rs (+3 −1)");
        let proposal = out.proposal.unwrap();
        assert_eq!(proposal.path, "src/lib.rs");
        assert!(!proposal.is_new_file);
        assert!(
            proposal
                .new
                .contains("pub fn two() -> u8 {\n    2\n}\n// needle")
        );
        assert_eq!(
            std::fs::read_to_string(tools.root().join("src/lib.rs")).unwrap(),
            "pub fn one() {}\npub fn two() {}\n// needle\n"
        );
        let create = json!({"path": "src/new/mod.rs", "old_text": "", "new_text": "// new\n"});
        let out = tools.call("propose_edit", &create.to_string());
        assert!(out.ok, "{out:?}");
        let proposal = out.proposal.unwrap();
        assert!(proposal.is_new_file && proposal.absolute.ends_with("src/new/mod.rs"));
        assert!(!tools.root().join("src/new").exists());
    }

    #[test]
    fn propose_edit_tells_the_model_what_to_fix() {
        let (dir, tools) = project();
        std::fs::write(tools.root().join("bin"), [0xff, 0xfe]).unwrap();
        let secret = dir.path().join("secret");
        let cases = [
            (
                json!({"path": "src/lib.rs", "old_text": "fn three", "new_text": "x"}),
                "was not found in src/lib.rs",
            ),
            (
                json!({"path": "src/lib.rs", "old_text": "pub fn", "new_text": "fn"}),
                "occurs 2 times",
            ),
            (
                json!({"path": "../secret", "old_text": "top", "new_text": "x"}),
                "outside the project",
            ),
            (
                json!({"path": secret, "old_text": "top", "new_text": "x"}),
                "outside the project",
            ),
            (
                json!({"path": "../new.txt", "old_text": "", "new_text": "x"}),
                "outside the project",
            ),
            (
                json!({"path": "/tmp/sapcode-new.txt", "old_text": "", "new_text": "x"}),
                "outside the project",
            ),
            (
                json!({"path": "bin", "old_text": "a", "new_text": "b"}),
                "not UTF-8 text",
            ),
            (
                json!({"path": "src", "old_text": "a", "new_text": "b"}),
                "is a directory",
            ),
            (
                json!({"path": "missing.rs", "old_text": "a", "new_text": "b"}),
                "does not exist",
            ),
            (
                json!({"path": "Cargo.toml", "old_text": "", "new_text": "b"}),
                "already exists",
            ),
            (
                json!({"path": "Cargo.toml", "old_text": "demo", "new_text": "demo"}),
                "same as old_text",
            ),
            (
                json!({"path": "Cargo.toml", "old_text": "demo"}),
                "needs string",
            ),
        ];
        for (args, expected) in cases {
            let out = tools.call("propose_edit", &args.to_string());
            assert!(!out.ok && out.proposal.is_none(), "{args}: {out:?}");
            assert!(
                out.content.starts_with("error: ") && out.content.contains(expected),
                "{args}: {}",
                out.content
            );
        }
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret");
    }
}
