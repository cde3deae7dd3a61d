//! The simulated model's answer to "/init": a question that names `AGENTS.md` and asks to
//! write, create or generate it (the TUI's `/init` sends such a prompt). One call per round:
//! list the workspace, then write `AGENTS.md` describing what the listing showed (the
//! top-level entries, and how to build and test when a known manifest is among them), then
//! a short answer. A step the client declined ends it with an answer that says so.

use super::answer::Reply;
use super::script::was_declined;
use super::toolset::Action;

/// The file the prompt must name.
pub(crate) const AGENTS_FILE: &str = "AGENTS.md";

/// The `/init` reply for this round, or `None` when `question` is not an `/init` prompt.
pub(crate) fn reply(
    model: &str,
    question: &str,
    results: &[String],
    call: &dyn Fn(Action<'_>) -> Option<Reply>,
) -> Option<Reply> {
    if !asks_for_agents_file(question) {
        return None;
    }
    let cannot = || {
        Reply::Text(format!(
            "To write {AGENTS_FILE} I need tools to list the workspace and write a file, which \
             this request does not offer. In sapcode, allow them with `--tools edit` (or \
             `/tools` in the TUI). (**{model}**, simulated)"
        ))
    };
    let can_write = || {
        call(Action::Write {
            path: AGENTS_FILE,
            content: "x",
        })
        .is_some()
    };
    let reply = match results {
        [] if !can_write() => cannot(),
        [] => call(Action::List).unwrap_or_else(cannot),
        [listing] => {
            let content = agents_text(listing);
            call(Action::Write {
                path: AGENTS_FILE,
                content: &content,
            })
            .unwrap_or_else(cannot)
        }
        [_, written, ..] if was_declined(written) => Reply::Text(format!(
            "{AGENTS_FILE} was not written ({}). (**{model}**, simulated)",
            written.trim().lines().next().unwrap_or("")
        )),
        [listing, ..] => Reply::Text(format!(
            "Wrote `{AGENTS_FILE}`: it lists the {} top-level entries of the workspace{}. \
             Edit it to add your project's own rules. (**{model}**, simulated)",
            top_level(listing).len(),
            commands(&top_level(listing)).map_or(String::new(), |(build, _)| format!(
                " and says to build with `{build}`"
            ))
        )),
    };
    Some(reply)
}

/// "write AGENTS.md", "Create an AGENTS.md file for this repository", "/init": the file's
/// name together with a verb that makes it.
fn asks_for_agents_file(question: &str) -> bool {
    let lowered = question.to_lowercase();
    lowered.contains(&AGENTS_FILE.to_lowercase())
        && ["write", "create", "generate", "/init"]
            .iter()
            .any(|verb| lowered.contains(verb))
}

/// The top-level entries of a listing (`src/`, `Cargo.toml`), in its order, without the
/// entries below them.
fn top_level(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('[') && !line.starts_with('('))
        .filter(|line| !line.trim_end_matches('/').contains('/'))
        .collect()
}

/// Build and test commands for the manifests sapcode's demo knows.
fn commands(entries: &[&str]) -> Option<(&'static str, &'static str)> {
    let has = |name: &str| entries.contains(&name);
    if has("Cargo.toml") {
        Some(("cargo build", "cargo test"))
    } else if has("package.json") {
        Some(("npm install", "npm test"))
    } else if has("pyproject.toml") {
        Some(("pip install -e .", "python -m pytest"))
    } else if has("go.mod") {
        Some(("go build ./...", "go test ./..."))
    } else {
        None
    }
}

/// The `AGENTS.md` text for a workspace whose listing is `listing`.
fn agents_text(listing: &str) -> String {
    let entries = top_level(listing);
    let mut text = String::from(
        "# AGENTS.md\n\nNotes for coding agents working in this repository, written from a \
         listing of its files (by the simulated model; edit them).\n\n## Layout\n\n",
    );
    if entries.is_empty() {
        text.push_str("The workspace is empty.\n");
    }
    for entry in &entries {
        let kind = if entry.ends_with('/') {
            "directory"
        } else {
            "file"
        };
        text.push_str(&format!("- `{entry}` ({kind})\n"));
    }
    text.push_str("\n## Build and test\n\n");
    match commands(&entries) {
        Some((build, test)) => {
            text.push_str(&format!("- Build: `{build}`\n- Test: `{test}`\n"));
        }
        None => text.push_str("No build manifest at the top level; ask before assuming one.\n"),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn calls(action: Action<'_>) -> Option<Reply> {
        let (name, arguments) = match action {
            Action::List => ("list", json!({})),
            Action::Write { path, content } => ("write", json!({"path": path, "content": content})),
            Action::Read { .. } | Action::Edit { .. } | Action::Run { .. } => return None,
        };
        Some(Reply::ToolCall {
            id: "c".into(),
            name: name.into(),
            arguments: arguments.to_string(),
        })
    }

    fn arguments(reply: Option<Reply>) -> serde_json::Value {
        match reply {
            Some(Reply::ToolCall { arguments, .. }) => serde_json::from_str(&arguments).unwrap(),
            other => panic!("expected a call, got {other:?}"),
        }
    }

    #[test]
    fn lists_then_writes_what_it_listed_then_answers() {
        let question = "Create an AGENTS.md file for this repository.";
        assert_eq!(arguments(reply("m", question, &[], &calls)), json!({}));
        let listing = "Cargo.toml\nsrc/\nsrc/main.rs\nREADME.md".to_owned();
        let written = arguments(reply("m", question, std::slice::from_ref(&listing), &calls));
        assert_eq!(written["path"], "AGENTS.md");
        let text = written["content"].as_str().unwrap();
        for line in [
            "- `Cargo.toml` (file)",
            "- `src/` (directory)",
            "- `README.md` (file)",
            "- Test: `cargo test`",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(!text.contains("main.rs"), "{text}");
        let done = reply(
            "m",
            question,
            &[listing.clone(), "wrote AGENTS.md".into()],
            &calls,
        );
        let Some(Reply::Text(done)) = done else {
            panic!("{done:?}")
        };
        assert!(
            done.contains("3 top-level entries") && done.contains("cargo build"),
            "{done}"
        );
        let rejected = reply(
            "m",
            question,
            &[listing, "rejected by the user".into()],
            &calls,
        );
        let Some(Reply::Text(rejected)) = rejected else {
            panic!("{rejected:?}")
        };
        assert!(
            rejected.contains("was not written (rejected by the user)"),
            "{rejected}"
        );
    }

    #[test]
    fn only_a_request_to_make_the_file_is_an_init_and_it_needs_the_tools() {
        assert!(reply("m", "what is AGENTS.md?", &[], &calls).is_none());
        assert!(reply("m", "write a poem", &[], &calls).is_none());
        assert!(asks_for_agents_file("/init: generate agents.md"));
        let none = |_: Action<'_>| None;
        let Some(Reply::Text(text)) = reply("m", "write AGENTS.md", &[], &none) else {
            panic!("expected text")
        };
        assert!(text.contains("--tools edit"), "{text}");
        assert!(agents_text("(empty directory)").contains("The workspace is empty."));
    }
}
