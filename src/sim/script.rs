//! Scripted tool-using answers, so `--demo` shows the whole agent loop and tests run offline.
//! "fix the failing test" makes the simulated model, one tool call per round, look around,
//! write a small shell project with a failing test, run it, read the failure in the tool
//! result, fix the code in two places, run the test again and answer with a summary. A
//! rejected or refused step ends the script with an answer that says so. Each round is
//! decided from the request alone (the tool results after the last question), so any client
//! in any dialect gets the same answers. `script_summary` answers compaction requests.

use serde_json::Value;

use super::answer::{Reply, content_text, hash_hex, last_user_text};

/// The prompt that starts the script (matched case-insensitively, anywhere in the question).
pub(crate) const FIX_PROMPT: &str = "fix the failing test";
/// Tools the script calls; all must be offered or it answers in text.
const TOOLS: [&str; 5] = [
    "list_files",
    "write_file",
    "run_command",
    "read_file",
    "edit_file",
];

const CODE_PATH: &str = "sapcode-demo/price.sh";
const TEST_PATH: &str = "sapcode-demo/test.sh";
const TEST_COMMAND: &str = "sh sapcode-demo/test.sh";
const BUGGY_CODE: &str = "#!/bin/sh\n# Adds VAT to a net price.\n# usage: price.sh NET_CENTS\nnet=$1\necho $(( net * 119 / 10 ))\n";
const TEST_CODE: &str = "#!/bin/sh\n# 10.00 net is 11.90 gross.\ngot=$(sh sapcode-demo/price.sh 1000)\nif [ \"$got\" = \"1190\" ]; then\n  echo \"test price ... ok\"\nelse\n  echo \"test price ... FAILED: expected 1190, got $got\"\n  exit 1\nfi\n";
/// The two fixes: the rounding bug and the comment that did not say which rate.
const FIXES: [(&str, &str); 2] = [
    ("net * 119 / 10 ))", "net * 119 / 100 ))"),
    (
        "# Adds VAT to a net price.",
        "# Adds 19 % VAT to a net price.",
    ),
];

/// The scripted reply, or `None` when the question is not a scripted prompt.
pub(crate) fn reply(model: &str, messages: &[Value], tools: Option<&Value>) -> Option<Reply> {
    let question = last_user_text(messages);
    if let Some(summary) = super::script_summary::reply(model, &question) {
        return Some(summary);
    }
    if !question.to_lowercase().contains(FIX_PROMPT) {
        return None;
    }
    let offered = offered_tools(tools);
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|tool| !offered.iter().any(|o| o == tool))
        .collect();
    if !missing.is_empty() {
        return Some(Reply::Text(format!(
            "To fix a failing test I need the tools {}, which this request does not offer. \
             In sapcode, allow them with `--tools all` (or `/tools` in the TUI). (**{model}**, simulated)",
            missing.join(", ")
        )));
    }
    let results = results_since_question(messages);
    Some(step(model, &question, &results))
}

/// What comes after `results` (the tool results of this turn so far, oldest first).
fn step(model: &str, question: &str, results: &[String]) -> Reply {
    if let Some(last) = results.last().filter(|_| results.len() > 1)
        && was_declined(last)
    {
        return Reply::Text(format!(
            "I stopped there: the last step was not carried out ({}). Nothing else was changed; \
             tell me how you would like to go on. (**{model}**, simulated)",
            first_line(last)
        ));
    }
    let call = |name: &str, arguments: Value| Reply::ToolCall {
        id: format!(
            "call_{}",
            &hash_hex(&format!("{model}\n{question}\n{}", results.len()))[..24]
        ),
        name: name.to_owned(),
        arguments: arguments.to_string(),
    };
    let test_failed = |index: usize| results.get(index).is_some_and(|r| r.contains("FAILED"));
    match results.len() {
        0 => call("list_files", serde_json::json!({})),
        1 => call(
            "write_file",
            serde_json::json!({ "path": CODE_PATH, "content": BUGGY_CODE }),
        ),
        2 => call(
            "write_file",
            serde_json::json!({ "path": TEST_PATH, "content": TEST_CODE }),
        ),
        3 => call(
            "run_command",
            serde_json::json!({ "command": TEST_COMMAND }),
        ),
        4 if !test_failed(3) => Reply::Text(format!(
            "The test passes already, so there is nothing to fix:\n\n```\n{}\n```\n\n(**{model}**, simulated)",
            results[3].trim()
        )),
        4 => call("read_file", serde_json::json!({ "path": CODE_PATH })),
        5 | 6 => {
            let (old, new) = FIXES[results.len() - 5];
            call(
                "edit_file",
                serde_json::json!({ "path": CODE_PATH, "old_text": old, "new_text": new }),
            )
        }
        7 => call(
            "run_command",
            serde_json::json!({ "command": TEST_COMMAND }),
        ),
        _ if test_failed(7) => Reply::Text(format!(
            "I changed `{CODE_PATH}`, but the test still fails:\n\n```\n{}\n```\n\n\
             Look at the output above; I would check the arithmetic next. (**{model}**, simulated)",
            results[7].trim()
        )),
        _ => Reply::Text(format!(
            "Fixed. `{TEST_COMMAND}` failed because `{CODE_PATH}` divided by 10 instead of 100 \
             (1000 cents became 11900). I changed two places in `{CODE_PATH}`:\n\n\
             - the formula: `net * 119 / 100`\n\
             - the comment now names the rate (19 % VAT)\n\n\
             and ran the test again: `test price ... ok`. (**{model}**, simulated)"
        )),
    }
}

/// A step the user rejected or the tool refused, as sapcode's tool results word it.
fn was_declined(result: &str) -> bool {
    let lowered = result.to_lowercase();
    ["rejected", "refused", "not approved", "denied"]
        .iter()
        .any(|word| lowered.contains(word))
}

fn first_line(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("");
    line.chars().take(160).collect()
}

fn offered_tools(tools: Option<&Value>) -> Vec<String> {
    tools
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("function"))
        .filter_map(|function| function.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Tool results after the last user message, oldest first. Bedrock and Vertex histories
/// arrive already normalised to `tool` messages by their routes.
fn results_since_question(messages: &[Value]) -> Vec<String> {
    let start = messages
        .iter()
        .rposition(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map_or(0, |index| index + 1);
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
            TOOLS
                .iter()
                .map(|name| json!({ "type": "function", "function": { "name": name, "parameters": {} } }))
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

    #[test]
    fn walks_read_write_run_fix_run_then_answers() {
        let tools = all_tools();
        let mut results: Vec<&str> = Vec::new();
        let outputs = [
            "Cargo.toml\nsrc/",
            "wrote sapcode-demo/price.sh",
            "wrote sapcode-demo/test.sh",
            "exit code 1\ntest price ... FAILED: expected 1190, got 11900",
            BUGGY_CODE,
            "applied",
            "applied",
            "exit code 0\ntest price ... ok",
        ];
        let mut names = Vec::new();
        for output in outputs {
            let (name, args) = called(reply("gpt-4o", &history(&results), Some(&tools)));
            if name == "edit_file" {
                let old = args["old_text"].as_str().unwrap();
                assert_eq!(BUGGY_CODE.matches(old).count(), 1, "{old}");
            }
            names.push(name);
            results.push(output);
        }
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
        let answer = text(reply("gpt-4o", &history(&results), Some(&tools)));
        assert!(answer.starts_with("Fixed."), "{answer}");
    }

    #[test]
    fn the_fixed_script_really_passes_and_the_buggy_one_fails() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sapcode-demo")).unwrap();
        std::fs::write(dir.path().join(CODE_PATH), BUGGY_CODE).unwrap();
        std::fs::write(dir.path().join(TEST_PATH), TEST_CODE).unwrap();
        let run = || {
            std::process::Command::new("sh")
                .args(["-c", TEST_COMMAND])
                .current_dir(dir.path())
                .output()
                .unwrap()
        };
        let failed = run();
        assert!(!failed.status.success());
        assert!(String::from_utf8_lossy(&failed.stdout).contains("FAILED"));
        let fixed = FIXES
            .iter()
            .fold(BUGGY_CODE.to_owned(), |code, (old, new)| {
                code.replace(old, new)
            });
        std::fs::write(dir.path().join(CODE_PATH), fixed).unwrap();
        let passed = run();
        assert!(passed.status.success());
        assert!(String::from_utf8_lossy(&passed.stdout).contains("test price ... ok"));
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
