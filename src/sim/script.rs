//! Scripted tool-using answers, so `--demo` shows the whole agent loop and tests run offline.
//! "fix the failing test" makes the simulated model, one tool call per round, look around,
//! write a small project with a failing test (a Rust crate when the listing shows a
//! `Cargo.toml`, else a shell one: `script_project`), run it, read the failure in the tool
//! result, fix the code in two places, run the test again and answer with a summary. A
//! rejected or refused step ends the script with an answer that says so. Each round is
//! decided from the request alone (the tool results after the last question), so any client
//! in any dialect gets the same answers. `script_summary` answers compaction requests.

use serde_json::Value;

use super::answer::{Reply, content_text, hash_hex, last_user_text, question_index};
use super::script_project::{self, DemoProject};
use super::toolset::{self, Action};

/// The prompt that starts the script (matched case-insensitively, anywhere in the question).
pub(crate) const FIX_PROMPT: &str = "fix the failing test";

/// What the script does, in any client's tools; all must be possible or it answers in text.
const NEEDED: [Action<'static>; 5] = [
    Action::List,
    Action::Write {
        path: "a",
        content: "b",
    },
    Action::Run { command: "c" },
    Action::Read { path: "a" },
    Action::Edit {
        path: "a",
        file: "b\n",
        old: "b",
        new: "c",
    },
];

/// The scripted reply, or `None` when the question is not a scripted prompt.
pub(crate) fn reply(model: &str, messages: &[Value], tools: Option<&Value>) -> Option<Reply> {
    let question = last_user_text(messages);
    if let Some(summary) = super::script_summary::reply(model, &question) {
        return Some(summary);
    }
    let functions = toolset::functions(tools);
    let results = results_since_question(messages);
    let call = |action: Action<'_>| {
        let made = toolset::call(&functions, action)?;
        Some(Reply::ToolCall {
            id: format!(
                "call_{}",
                &hash_hex(&format!("{model}\n{question}\n{}", results.len()))[..24]
            ),
            name: made.name,
            arguments: made.arguments.to_string(),
        })
    };
    if let Some(init) = super::script_init::reply(model, &question, &results, &call) {
        return Some(init);
    }
    if !question.to_lowercase().contains(FIX_PROMPT) {
        return None;
    }
    if !toolset::can_all(&functions, &NEEDED) {
        return Some(Reply::Text(format!(
            "To fix a failing test I need tools to list, read, write and edit files and to run \
             a command, which this request does not offer (sapcode's list_files, read_file, \
             write_file, edit_file and run_command, or Claude Code's, Codex's or Kilo's own). \
             In sapcode, allow them with `--tools all` (or `/tools` in the TUI). (**{model}**, simulated)"
        )));
    }
    Some(step(model, &results, &call))
}

/// What comes after `results` (the tool results of this turn so far, oldest first). The first
/// result, the workspace listing, decides which demo project the script writes.
fn step(model: &str, results: &[String], call: &dyn Fn(Action<'_>) -> Option<Reply>) -> Reply {
    if let Some(last) = results.last().filter(|_| results.len() > 1)
        && was_declined(last)
    {
        return Reply::Text(format!(
            "I stopped there: the last step was not carried out ({}). Nothing else was changed; \
             tell me how you would like to go on. (**{model}**, simulated)",
            first_line(last)
        ));
    }
    let lost = || {
        Reply::Text(format!(
            "I cannot go on with the tools offered now. (**{model}**, simulated)"
        ))
    };
    let Some(listing) = results.first() else {
        return call(Action::List).unwrap_or_else(lost);
    };
    let project = script_project::for_listing(listing);
    let DemoProject {
        code_path, command, ..
    } = project;
    let failed = |index: usize| results.get(index).is_some_and(|r| r.contains("FAILED"));
    let passed = |index: usize| {
        results
            .get(index)
            .is_some_and(|r| r.contains(project.passed) && !r.contains("FAILED"))
    };
    let action = match results.len() {
        1 | 2 => {
            let (path, content) = project.files[results.len() - 1];
            Action::Write { path, content }
        }
        3 | 7 => Action::Run { command },
        4 if failed(3) => Action::Read { path: code_path },
        4 if passed(3) => {
            return Reply::Text(format!(
                "The test passes already, so there is nothing to fix:\n\n```\n{}\n```\n\n(**{model}**, simulated)",
                results[3].trim()
            ));
        }
        4 => {
            return Reply::Text(format!(
                "`{command}` did not get as far as a test result, so I stopped before changing \
                 anything:\n\n```\n{}\n```\n\n(**{model}**, simulated)",
                results[3].trim()
            ));
        }
        5 | 6 => {
            let (old, new) = project.fixes[results.len() - 5];
            // The fixes touch different lines, so the first-written text locates both.
            Action::Edit {
                path: code_path,
                file: project.code(),
                old,
                new,
            }
        }
        _ if !passed(7) => {
            return Reply::Text(format!(
                "I changed `{code_path}`, but the test still fails:\n\n```\n{}\n```\n\n\
                 Look at the output above; I would check the arithmetic next. (**{model}**, simulated)",
                results[7].trim()
            ));
        }
        _ => {
            return Reply::Text(format!(
                "Fixed. `{command}` failed because `{code_path}` divided by 10 instead of 100 \
                 (1000 cents became 11900). I changed two places in `{code_path}`:\n\n\
                 - the formula: `{}`\n\
                 - the comment now names the rate (19 % VAT)\n\n\
                 and ran the test again: `{}`. (**{model}**, simulated)",
                project.formula, project.passed
            ));
        }
    };
    call(action).unwrap_or_else(lost)
}

/// A step the user rejected or the tool refused, as sapcode's tool results word it.
pub(crate) fn was_declined(result: &str) -> bool {
    let lowered = result.to_lowercase();
    ["rejected", "refused", "not approved", "denied"]
        .iter()
        .any(|word| lowered.contains(word))
}

fn first_line(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("");
    line.chars().take(160).collect()
}

/// Tool results after the question, oldest first. Bedrock and Vertex histories arrive
/// already normalised to `tool` messages by their routes.
pub(crate) fn results_since_question(messages: &[Value]) -> Vec<String> {
    let start = question_index(messages).map_or(0, |index| index + 1);
    messages[start..]
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("tool"))
        .map(|m| content_text(&m["content"]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all_tools() -> Value {
        Value::Array(
            crate::agent::tools::specs()
                .into_iter()
                .map(|spec| json!({ "type": "function", "function": { "name": spec.name, "parameters": spec.parameters } }))
                .collect(),
        )
    }

    fn history(results: &[&str]) -> Vec<Value> {
        let mut messages =
            vec![json!({ "role": "user", "content": "Please fix the failing test" })];
        for (n, result) in results.iter().enumerate() {
            messages.push(json!({ "role": "assistant", "content": "", "tool_calls": [
                { "id": format!("c{n}"), "type": "function", "function": { "name": "x", "arguments": "{}" } }
            ] }));
            messages.push(
                json!({ "role": "tool", "tool_call_id": format!("c{n}"), "content": result }),
            );
        }
        messages
    }

    fn called(reply: Option<Reply>) -> (String, Value) {
        match reply {
            Some(Reply::ToolCall {
                name, arguments, ..
            }) => (name, serde_json::from_str(&arguments).unwrap()),
            other => panic!("expected a tool call, got {other:?}"),
        }
    }

    fn text(reply: Option<Reply>) -> String {
        match reply {
            Some(Reply::Text(text)) => text,
            other => panic!("expected text, got {other:?}"),
        }
    }

    /// Plays the script against `project` with `listing` as the workspace; returns the calls
    /// and the answer.
    fn walk(listing: &str, project: &DemoProject) -> (Vec<(String, Value)>, String) {
        let tools = all_tools();
        let failing = format!(
            "$ {}\nexit code 101\ntest price ... FAILED",
            project.command
        );
        let passing = format!("$ {}\nexit code 0\n{}", project.command, project.passed);
        let outputs = [
            listing,
            "wrote",
            "wrote",
            &failing,
            project.code(),
            "applied",
            "applied",
            &passing,
        ];
        let mut results: Vec<&str> = Vec::new();
        let mut calls = Vec::new();
        for output in outputs {
            calls.push(called(reply("gpt-4o", &history(&results), Some(&tools))));
            results.push(output);
        }
        let answer = text(reply("gpt-4o", &history(&results), Some(&tools)));
        (calls, answer)
    }

    #[test]
    fn walks_read_write_run_fix_run_then_answers_for_both_projects() {
        let cases = [
            ("Cargo.toml\nsrc/\nsrc/main.rs", &script_project::RUST),
            ("notes.txt", &script_project::SHELL),
        ];
        for (listing, project) in cases {
            let (calls, answer) = walk(listing, project);
            let names: Vec<&str> = calls.iter().map(|(name, _)| name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "list_files",
                    "write_file",
                    "write_file",
                    "run_command",
                    "read_file",
                    "edit_file",
                    "edit_file",
                    "run_command"
                ]
            );
            let written: Vec<(&str, &str)> = calls[1..3]
                .iter()
                .map(|(_, args)| {
                    (
                        args["path"].as_str().unwrap(),
                        args["content"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(written, project.files);
            for index in [3, 7] {
                assert_eq!(calls[index].1["command"], project.command);
            }
            assert_eq!(calls[4].1["path"], project.code_path);
            for (index, (old, new)) in [5, 6].into_iter().zip(project.fixes) {
                assert_eq!(calls[index].1["path"], project.code_path);
                assert_eq!(calls[index].1["old_text"], old);
                assert_eq!(calls[index].1["new_text"], new);
            }
            assert!(answer.starts_with("Fixed."), "{answer}");
            assert!(
                answer.contains(project.command) && answer.contains(project.formula),
                "{answer}"
            );
        }
    }

    #[test]
    fn the_fixed_script_really_passes_and_the_buggy_one_fails() {
        let project = &script_project::SHELL;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sapcode-demo")).unwrap();
        for (path, content) in project.files {
            std::fs::write(dir.path().join(path), content).unwrap();
        }
        let run = || {
            std::process::Command::new("sh")
                .args(["-c", project.command])
                .current_dir(dir.path())
                .output()
                .unwrap()
        };
        let failed = run();
        assert!(!failed.status.success());
        assert!(String::from_utf8_lossy(&failed.stdout).contains("FAILED"));
        std::fs::write(dir.path().join(project.code_path), project.fixed_code()).unwrap();
        let passed = run();
        assert!(passed.status.success());
        assert!(String::from_utf8_lossy(&passed.stdout).contains(project.passed));
    }

    #[test]
    fn reacts_to_a_test_that_passes_or_still_fails_or_a_rejection() {
        let tools = all_tools();
        let passing = ["ls", "w", "w", "exit code 0\ntest price ... ok"];
        assert!(text(reply("m", &history(&passing), Some(&tools))).contains("passes already"));
        let still = [
            "ls",
            "w",
            "w",
            "FAILED",
            "code",
            "a",
            "a",
            "exit 1 FAILED again",
        ];
        assert!(text(reply("m", &history(&still), Some(&tools))).contains("still fails"));
        let rejected = [
            "ls",
            "w",
            "w",
            "FAILED",
            "code",
            "rejected by the user: not now",
        ];
        let answer = text(reply("m", &history(&rejected), Some(&tools)));
        assert!(answer.contains("rejected by the user: not now"), "{answer}");
        // cargo missing, or code that does not compile: no test result, nothing is changed.
        let no_result = [
            "Cargo.toml",
            "w",
            "w",
            "exit code 127 (command not found)\nsh: 1: cargo: not found",
        ];
        let answer = text(reply("m", &history(&no_result), Some(&tools)));
        assert!(
            answer.contains("did not get as far as a test result")
                && answer.contains("cargo: not found"),
            "{answer}"
        );
    }

    #[test]
    fn without_the_tools_it_answers_in_text_and_other_prompts_are_not_scripted() {
        let read_only = json!([{ "type": "function", "function": { "name": "read_file" } }]);
        let answer = text(reply("m", &history(&[]), Some(&read_only)));
        assert!(
            answer.contains("write_file") && answer.contains("--tools all"),
            "{answer}"
        );
        let other = [json!({ "role": "user", "content": "hello" })];
        assert_eq!(reply("m", &other, Some(&all_tools())), None);
    }

    #[test]
    fn answers_are_deterministic() {
        let tools = all_tools();
        let results = ["ls"];
        assert_eq!(
            reply("m", &history(&results), Some(&tools)),
            reply("m", &history(&results), Some(&tools))
        );
    }
}
