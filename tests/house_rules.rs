//! The house rules the compiler cannot check (issue 9, `README.md` "Layout"):
//! - no file under `src/` holds more than 450 lines of non-test code (the lines before its
//!   first `#[cfg(test)]`; files named `*tests.rs` and files under a `tests/` module folder
//!   are test code and not counted): split a file instead of growing it;
//! - the TUI knows no command line: nothing under `src/tui/` uses `crate::commands` or
//!   `crate::cli` (`main` hands it a ready `connect::Context`);
//! - the faces (`src/commands/`, `src/tui/`) neither build a chat request, fit a context nor
//!   write a session file: `agent::Session` does (issue 16).

// clippy.toml's allow-*-in-tests covers #[test] functions only; the helpers that walk `src/`
// fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

const MAX_CODE_LINES: usize = 450;

/// Modules under `src/tui/` may not use these (top-level names of the crate).
const TUI_FORBIDDEN: [&str; 2] = ["commands", "cli"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("read {}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn src_files(under: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(under);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no .rs files under {}", root.display());
    files
}

/// `src/a/tests.rs`, `src/a/http_tests.rs`, `src/a/tests/b.rs`: test code by name.
fn is_test_file(relative: &Path) -> bool {
    let is_tests_name = |name: &str| name == "tests" || name.ends_with("_tests");
    let stem_is_tests = relative
        .file_stem()
        .and_then(|stem| stem.to_str())
        .is_some_and(is_tests_name);
    let in_tests_folder = relative
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .any(|part| part.as_os_str().to_str().is_some_and(is_tests_name));
    stem_is_tests || in_tests_folder
}

/// Lines before the first `#[cfg(test)]`.
fn code_lines(text: &str) -> usize {
    text.lines()
        .take_while(|line| line.trim_start() != "#[cfg(test)]")
        .count()
}

/// The crate's top-level names a file reaches through `crate::`: `crate::cli::Flags` gives
/// `cli`, `use crate::{cli, config::Config}` gives `cli` and `config`. Comments are skipped.
fn crate_roots(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut roots = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `sapcode::crate::` cannot occur; `$crate::` in macros is no module of ours.
        if code[..at].ends_with('$') || code[..at].ends_with(|c: char| c.is_alphanumeric()) {
            continue;
        }
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            roots.extend(group_roots(group));
        } else {
            roots.push(leading_ident(rest));
        }
    }
    roots
}

/// The first name of each item of a `{…}` use group (from after its `{` to its `}`).
fn group_roots(group: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && depth == 0 && !c.is_whitespace() => {
                item_start = false;
                roots.push(leading_ident(&group[at..]));
            }
            _ => {}
        }
    }
    roots
}

fn leading_ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn no_src_file_has_more_than_450_lines_of_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let too_long: Vec<String> = src_files("src")
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&root).unwrap().to_owned();
            if is_test_file(&relative) {
                return None;
            }
            let lines = code_lines(&fs::read_to_string(&path).unwrap());
            (lines > MAX_CODE_LINES).then(|| format!("src/{}: {lines}", relative.display()))
        })
        .collect();
    assert!(
        too_long.is_empty(),
        "over {MAX_CODE_LINES} lines of non-test code (split them):\n{}",
        too_long.join("\n")
    );
}

#[test]
fn the_tui_uses_neither_commands_nor_cli() {
    let mut offences = Vec::new();
    for path in src_files("src/tui") {
        let text = fs::read_to_string(&path).unwrap();
        for root in crate_roots(&text) {
            if TUI_FORBIDDEN.contains(&root.as_str()) {
                let relative = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
                offences.push(format!("{}: crate::{root}", relative.display()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "src/tui must not know the command line:\n{}",
        offences.join("\n")
    );
}

/// What building a chat request, fitting a context or writing a session file looks like in
/// code. Only `src/agent/` (and `src/aicore/`, `src/serve/`, `src/sim/`, which speak the wire
/// protocol or translate a client's request) may hold them.
const SESSION_WORK: [&str; 10] = [
    "ChatRequest",
    ".request(",
    "chat_stream(",
    "SessionFile",
    "session::Entry",
    ".append(&Entry",
    ".reopen(",
    "context::fit",
    "context::compact",
    "Fitted::",
];

/// `(line number, marker)` of each piece of session work in the code part of `text`.
fn session_work(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (index, line) in text
        .lines()
        .take_while(|line| line.trim_start() != "#[cfg(test)]")
        .enumerate()
    {
        let code = line.split("//").next().unwrap_or("");
        for marker in SESSION_WORK {
            if code.contains(marker) {
                found.push((index + 1, marker));
            }
        }
    }
    found
}

#[test]
fn only_the_agent_builds_requests_fits_contexts_and_writes_session_files() {
    let mut offences = Vec::new();
    for face in ["src/commands", "src/tui"] {
        for path in src_files(face) {
            let relative = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            if is_test_file(relative) {
                continue;
            }
            for (line, marker) in session_work(&fs::read_to_string(&path).unwrap()) {
                offences.push(format!("{}:{line}: {marker}", relative.display()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "a face does what agent::Session is for (ask the session instead):\n{}",
        offences.join("\n")
    );
    // The agent itself does all three: the rule would see them.
    let agent: String = src_files("src/agent")
        .iter()
        .map(|path| fs::read_to_string(path).unwrap())
        .collect();
    for marker in [".request(", "SessionFile", "context::fit"] {
        assert!(
            agent.contains(marker),
            "{marker} no longer used in src/agent"
        );
    }
}

#[test]
fn the_checks_see_what_they_look_for() {
    // Counting stops at the test module.
    assert_eq!(code_lines("a\nb\n#[cfg(test)]\nmod tests {}\n"), 2);
    assert_eq!(code_lines("a\nb\n"), 2);
    // Test files by name or folder; code files whatever their content.
    assert!(is_test_file(Path::new("tui/update/tests.rs")));
    assert!(is_test_file(Path::new("aicore/http_tests.rs")));
    assert!(is_test_file(Path::new("agent/tests/edit.rs")));
    assert!(!is_test_file(Path::new("tui/effects/mod.rs")));
    assert!(!is_test_file(Path::new("agent/contests.rs")));
    // Every way of naming a module of the crate is seen; comments and `$crate` are not.
    let text = "use crate::cli::Flags;\n\
                use crate::{agent, commands::run};\n\
                use crate::{\n    config::{Config, update},\n    cli,\n};\n\
                fn f() { crate::report::classify(); }\n\
                // crate::commands in a comment\n\
                macro_rules! m { () => { $crate::x } }\n";
    assert_eq!(
        crate_roots(text),
        ["cli", "agent", "commands", "config", "cli", "report"]
    );
    // Session work is seen in code, not in comments or test modules.
    let face = "let r = conversation.request(None); // a .reopen( here\n\
                #[cfg(test)]\nmod tests { fn t() { store.reopen(&s); } }\n";
    assert_eq!(session_work(face), [(1, ".request(")]);
}
