//! Reasoning through the binary: the reasoning part of the answer's tokens in `run -v` and
//! `run --json`, per dialect, as the simulator reports it for the effort asked.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of, stdout_of};
use serde_json::Value;

/// `sapcode --resource-group team-b ARGS` against `sim`; the output, checked for success.
fn sapcode(home: &Home, sim: &TestSim, args: &[&str]) -> std::process::Output {
    let output = home
        .sapcode()
        .current_dir(home.path())
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .args(["--resource-group", "team-b"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    output
}

/// The `usage` event of a `run --json` output.
fn usage_event(output: &std::process::Output) -> Value {
    stdout_of(output)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|event| event["type"] == "usage")
        .unwrap_or_else(|| panic!("a usage event in {}", stdout_of(output)))
}

#[test]
fn reasoning_tokens_are_said_apart_in_every_dialect_that_reports_them() {
    let home = Home::new();
    let sim = TestSim::start("");
    // (model, mode, effort, reasoning tokens the simulator spends for it)
    let cases: [(&str, &str, &str, Option<u64>); 5] = [
        ("gpt-4.1", "foundation", "high", None),
        ("gemini-2.5-pro", "foundation", "high", Some(384)),
        ("gemini-2.5-pro", "foundation", "low", Some(32)),
        ("anthropic--claude-4.5-sonnet", "foundation", "high", None),
        (
            "anthropic--claude-4.5-sonnet",
            "orchestration",
            "medium",
            Some(128),
        ),
    ];
    for (model, mode, effort, expected) in cases {
        // Without tools, so each case is one request.
        let args = [
            "--mode",
            mode,
            "--model",
            model,
            "run",
            "--tools",
            "off",
            "--reasoning",
            effort,
        ];
        let json = sapcode(&home, &sim, &[&args[..], &["--json", "hi"]].concat());
        let usage = usage_event(&json);
        let case = format!("{model} via {mode} at {effort}: {usage}");
        assert_eq!(usage["reasoning_tokens"].as_u64(), expected, "{case}");
        if let Some(reasoning) = expected {
            assert!(
                usage["completion_tokens"].as_u64().unwrap() > reasoning,
                "{case}"
            );
        }
        let verbose = sapcode(&home, &sim, &[&["-v"], &args[..], &["hi"]].concat());
        let said = format!(", {} reasoning ·", expected.unwrap_or(0));
        assert_eq!(
            stderr_of(&verbose).contains(&said),
            expected.is_some(),
            "{case}: {}",
            stderr_of(&verbose)
        );
    }
}

#[test]
fn o3_mini_reports_its_reasoning_on_the_openai_wire() {
    let home = Home::new();
    let output = home
        .sapcode()
        .current_dir(home.path())
        .args([
            "--demo",
            "--model",
            "o3-mini",
            "run",
            "--reasoning",
            "medium",
        ])
        .args(["--json", "why is the sky blue?"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(usage_event(&output)["reasoning_tokens"], 128);
}

/// `run --reasoning high --tools read` with Claude in `mode`, in a project holding notes.txt.
fn think_with_tools(home: &Home, sim: &TestSim, mode: &str, extra: &[&str], prompt: &str) {
    let dir = home.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "step one\nstep two\n").unwrap();
    let claude = ["--mode", mode, "--model", "anthropic--claude-4.5-sonnet"];
    let run = [
        "--cwd",
        dir.to_str().unwrap(),
        "run",
        "--reasoning",
        "high",
        "--tools",
        "read",
    ];
    sapcode(
        home,
        sim,
        &[&claude[..], &run[..], extra, &[prompt]].concat(),
    );
}

/// The `/converse-stream` bodies `sim` received, in order.
fn converse_bodies(sim: &TestSim) -> Vec<Value> {
    sim.server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/converse-stream"))
        .map(|r| r.body)
        .collect()
}

/// The assistant turns holding a `toolUse` in `body`, as their content block lists.
fn tool_use_turns(body: &Value) -> Vec<Vec<Value>> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "assistant")
        .map(|m| m["content"].as_array().unwrap().clone())
        .filter(|blocks| blocks.iter().any(|b| b.get("toolUse").is_some()))
        .collect()
}

#[test]
fn claude_thinks_through_a_tool_round_and_a_resumed_session() {
    let home = Home::new();
    let sim = TestSim::start("");
    let run = |extra: &[&str], prompt: &str| {
        think_with_tools(&home, &sim, "foundation", extra, prompt);
    };
    run(&[], "Read notes.txt and say what it holds.");
    let first = converse_bodies(&sim);
    assert!(first.len() >= 2, "a tool round and its answer: {first:?}");
    for body in &first {
        assert_eq!(
            body["additionalModelRequestFields"]["thinking"]["type"], "enabled",
            "{body}"
        );
        assert!(
            body["inferenceConfig"].get("temperature").is_none(),
            "{body}"
        );
    }
    // The round after the tool call sends the call's thinking back first, signed.
    let answered = first.last().unwrap();
    let turns = tool_use_turns(answered);
    assert_eq!(turns.len(), 1, "{answered}");
    let thinking = &turns[0][0]["reasoningContent"]["reasoningText"];
    assert!(
        thinking["text"].as_str().unwrap().contains("notes.txt"),
        "{answered}"
    );
    assert!(
        thinking["signature"]
            .as_str()
            .unwrap()
            .starts_with("sim-sig-")
    );

    // Resumed from its session file: the earlier tool round still carries its thinking.
    run(&["--continue"], "And read it once more, please: notes.txt");
    let all = converse_bodies(&sim);
    let resumed = &all[first.len()];
    let turns = tool_use_turns(resumed);
    assert_eq!(turns.len(), 1, "{resumed}");
    assert_eq!(turns[0][0]["reasoningContent"]["reasoningText"], *thinking);
    let last = all.last().unwrap();
    assert_eq!(tool_use_turns(last).len(), 2, "a second tool round: {last}");
    assert!(
        tool_use_turns(last)
            .iter()
            .all(|blocks| blocks[0].get("reasoningContent").is_some()),
        "{last}"
    );
}

/// doctor in orchestration mode sends a tool result holding template syntax and finds it
/// repeated verbatim: orchestration renders template messages, never placeholder values.
#[test]
fn doctor_checks_that_tool_results_pass_orchestration_verbatim() {
    let home = Home::new();
    let doctor = |mode: &str| {
        let output = home
            .sapcode()
            .args(["--demo", "--mode", mode, "doctor"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        stdout_of(&output)
    };
    let report = doctor("orchestration");
    let line = report
        .lines()
        .find(|line| line.contains("templating"))
        .unwrap_or_else(|| panic!("a templating line in {report}"));
    assert_eq!(
        line,
        "✓ templating   a tool result holding {{?x}} {% if a %}b{% endif %} {# c #} came back verbatim"
    );
    // Foundation mode has no templating to check.
    assert!(!doctor("foundation").contains("templating"));
}

#[test]
fn claude_thinks_through_a_tool_round_via_orchestration_too() {
    let home = Home::new();
    let sim = TestSim::start("");
    let run = |extra: &[&str], prompt: &str| {
        think_with_tools(&home, &sim, "orchestration", extra, prompt);
    };
    let bodies = || -> Vec<Value> {
        sim.server()
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/v2/completion"))
            .map(|r| r.body)
            .collect()
    };
    let signed = |body: &Value| -> Vec<Value> {
        body["messages_history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["tool_calls"].is_array())
            .map(|m| m["reasoning_content"][0].clone())
            .collect()
    };
    run(&[], "Read notes.txt and say what it holds.");
    let first = bodies();
    assert!(first.len() >= 2, "{first:?}");
    let params = &first[0]["config"]["modules"]["prompt_templating"]["model"]["params"];
    assert_eq!(params["thinking"]["type"], "enabled", "{params}");
    let answered = first.last().unwrap();
    let blocks = signed(answered);
    assert_eq!(blocks.len(), 1, "{answered}");
    assert!(
        blocks[0]["signature"]
            .as_str()
            .unwrap()
            .starts_with("sim-sig-"),
        "{answered}"
    );

    run(&["--continue"], "And read it once more, please: notes.txt");
    let resumed = &bodies()[first.len()];
    assert_eq!(signed(resumed), blocks, "{resumed}");
}
