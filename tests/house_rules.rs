//! The house rules the compiler cannot check (issue 9, `README.md` "Layout"):
//! - no file under `src/` holds more than 450 lines of non-test code (the lines before its
//!   first `#[cfg(test)]`; files named `*tests.rs` and files under a `tests/` module folder
//!   are test code and not counted): split a file instead of growing it;
//! - the TUI knows no command line: nothing under `src/tui/` uses `crate::commands` or
//!   `crate::cli` (`main` hands it a ready `connect::Context`);
//! - only the command line's own modules (`main`, `cli`, `commands/`) use `crate::cli`:
//!   `connect` takes a neutral `Overrides` that `cli` fills;
//! - no import cycle among the top-level modules of `src/` (test code aside): the graph of
//!   `use crate::X` / `crate::X::` between them has no loop;
//! - the faces (`src/commands/`, `src/tui/`) neither build a chat request, fit a context nor
//!   write a session file: `agent::Session` does (issue 16).

// clippy.toml's allow-*-in-tests covers #[test] functions only; the helpers that walk `src/`
// fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
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

/// Files that may use `crate::cli`: the command line itself and the commands it runs.
fn may_use_cli(relative: &Path) -> bool {
    let first = relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str());
    matches!(
        first,
        Some("main.rs" | "cli.rs" | "commands" | "commands.rs")
    )
}

#[test]
fn only_the_command_line_uses_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    for path in src_files("src") {
        let relative = path.strip_prefix(&root).unwrap();
        if may_use_cli(relative) {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        if crate_roots(&text).iter().any(|root| root == "cli") {
            offences.push(format!("src/{}", relative.display()));
        }
    }
    assert!(
        offences.is_empty(),
        "only main, cli and commands know the command line (pass connect::Overrides):\n{}",
        offences.join("\n")
    );
}

/// The top-level module a file belongs to: `aicore/chat.rs` and `aicore.rs` give `aicore`.
fn top_module(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    let first = first.to_str().unwrap();
    first.strip_suffix(".rs").unwrap_or(first).to_owned()
}

/// Edges `from → to` between top-level modules, from the non-test code of `files`
/// (`(path relative to src, text)`); `main` and `lib` are the crate's roots, not modules.
fn module_graph(files: &[(PathBuf, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = files.iter().map(|(path, _)| top_module(path)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let from = top_module(path);
        if is_test_file(path) || from == "main" || from == "lib" {
            continue;
        }
        let code: String = text
            .lines()
            .take_while(|line| line.trim_start() != "#[cfg(test)]")
            .collect::<Vec<_>>()
            .join("\n");
        for to in crate_roots(&code) {
            if to != from && modules.contains(&to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// One cycle of `graph` as `a → b → … → a`, if there is any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycle_among_top_level_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<(PathBuf, String)> = src_files("src")
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            (path.strip_prefix(&root).unwrap().to_owned(), text)
        })
        .collect();
    let graph = module_graph(&files);
    assert!(
        graph.contains_key("aicore"),
        "the graph sees nothing: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "top-level modules import each other in a cycle: {} (move the shared piece below \
             both, or pass it in)",
            cycle.join(" → ")
        );
    }
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
    // The module graph: test code is left out, a cycle is found and named.
    let file = |path: &str, text: &str| (PathBuf::from(path), text.to_owned());
    let files = [
        file("aicore/mod.rs", "use crate::logging::x;"),
        file("logging.rs", "fn f() { crate::config::g(); }"),
        file("config/mod.rs", "use crate::{aicore::Mode};"),
        file(
            "secrets.rs",
            "#[cfg(test)]\nmod tests { use crate::config; }",
        ),
        file("fsutil/tests.rs", "use crate::secrets;"),
    ];
    let graph = module_graph(&files);
    assert_eq!(
        find_cycle(&graph).unwrap(),
        ["aicore", "logging", "config", "aicore"]
    );
    assert!(!graph.contains_key("secrets") && !graph.contains_key("fsutil"));
    let acyclic = module_graph(&files[1..]);
    assert_eq!(find_cycle(&acyclic), None);
    assert!(may_use_cli(Path::new("commands/run.rs")) && may_use_cli(Path::new("main.rs")));
    assert!(!may_use_cli(Path::new("connect.rs")) && !may_use_cli(Path::new("serve/mod.rs")));
    // Session work is seen in code, not in comments or test modules.
    let face = "let r = conversation.request(None); // a .reopen( here\n\
                #[cfg(test)]\nmod tests { fn t() { store.reopen(&s); } }\n";
    assert_eq!(session_work(face), [(1, ".request(")]);
}
