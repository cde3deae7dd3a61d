//! The headless commands of the contract, run as a user would: the real binary against the
//! simulator (`--demo`, or `sapcode simulate` / an in-process simulator via
//! AICORE_SERVICE_KEY), checking stdout, `--json` fields, the stderr line and the exit code.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of, stdout_of};
use predicates::prelude::*;
use serde_json::Value;

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", stdout_of(output)))
}

fn find<'a>(items: &'a Value, key: &str, value: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {items}"))
}

#[test]
fn models_json_has_the_contract_fields_and_counts() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "models", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let models = json_of(&output);
    let gpt4o = find(&models, "name", "gpt-4o");
    assert_eq!(gpt4o["provider"], "OpenAI");
    assert_eq!(gpt4o["version"], "2024-08-06");
    assert_eq!(gpt4o["context_length"], 128000);
    assert_eq!(gpt4o["orchestration"], true);
    // Two RUNNING, one PENDING that targets RUNNING: counted by `status`.
    assert_eq!(gpt4o["running_deployments"], 2);
    assert_eq!(gpt4o["total_deployments"], 3);
    let mini = find(&models, "name", "gpt-4.1-mini");
    assert_eq!(mini["running_deployments"], 0);
    assert_eq!(mini["total_deployments"], 1);
    let names: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for filtered in ["text-embedding-3-small", "gpt-35-turbo-16k", "sonar"] {
        assert!(
            !names.contains(&filtered),
            "{filtered} should fail the filter: {names:?}"
        );
    }
}

#[test]
fn models_all_lifts_the_filter() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "models", "--json", "--all"])
        .output()
        .unwrap();
    let models = json_of(&output);
    for name in [
        "text-embedding-3-small",
        "gpt-35-turbo-16k",
        "sonar",
        "gpt-4o",
    ] {
        find(&models, "name", name);
    }
}

#[test]
fn models_table_marks_counts() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "models"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gpt-4o").and(predicate::str::contains("2/3")))
        .stderr(predicate::str::contains("--all shows them"));
}

#[test]
fn deployments_json_judges_running_by_status() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "deployments", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let deployments = json_of(&output);
    let pending = find(&deployments, "id", "d0c4f1d2e3a4b5c6");
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(pending["target_status"], "RUNNING");
    assert_eq!(pending["running"], false);
    assert_eq!(pending["model"], "gpt-4o");
    let running = find(&deployments, "id", "d7f3a9c2b1e04d11");
    assert_eq!(running["running"], true);
    assert_eq!(running["scenario_id"], "foundation-models");
    assert_eq!(running["executable_id"], "azure-openai");
    assert!(
        running["url"]
            .as_str()
            .unwrap()
            .ends_with("/v2/inference/deployments/d7f3a9c2b1e04d11")
    );
    let orchestration = find(&deployments, "scenario_id", "orchestration");
    assert_eq!(orchestration["running"], true);
    for key in [
        "id",
        "model",
        "model_version",
        "scenario_id",
        "executable_id",
        "status",
        "target_status",
        "running",
        "url",
    ] {
        assert!(running.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn deployments_table_marks_what_cannot_be_picked() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "deployments", "--all"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("PENDING → RUNNING")
                .and(predicate::str::contains("not selectable")),
        );
}

#[test]
fn deployments_of_an_unknown_model_fail_like_run_does() {
    let home = Home::new();
    let listed = home
        .sapcode()
        .args(["--demo", "deployments", "--model", "nope"])
        .output()
        .unwrap();
    let ran = home
        .sapcode()
        .args(["--demo", "run", "--model", "nope", "hi"])
        .output()
        .unwrap();
    assert_ne!(listed.status.code(), Some(0), "{}", stderr_of(&listed));
    assert_eq!(listed.status.code(), ran.status.code());
    assert!(
        stderr_of(&listed).contains("unknown model 'nope'"),
        "{}",
        stderr_of(&listed)
    );
    assert!(listed.stdout.is_empty());
    // A model the catalog knows but nothing serves is an empty answer, not an error; names
    // match as `run` matches them (case aside).
    home.sapcode()
        .args(["--demo", "deployments", "--model", "gemini-2.5-pro"])
        .assert()
        .success();
    home.sapcode()
        .args(["--demo", "deployments", "--model", "GPT-4o"])
        .assert()
        .success()
        .stdout(predicate::str::contains("d7f3a9c2b1e04d11"));
}

#[test]
fn deployments_help_describes_its_own_all_flag() {
    let output = Home::new()
        .sapcode()
        .args(["deployments", "--help"])
        .output()
        .unwrap();
    let help = stdout_of(&output);
    assert!(help.contains("non-RUNNING"), "{help}");
    assert!(!help.contains("context ≥ 32k"), "{help}");
}

#[test]
fn print_flag_is_run_and_stdin_is_the_prompt_without_one() {
    let home = Home::new();
    let printed = home
        .sapcode()
        .args(["--demo", "-p", "count", "these", "words"])
        .output()
        .unwrap();
    let ran = home
        .sapcode()
        .args(["--demo", "run", "count these words"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", stderr_of(&printed));
    assert_eq!(stdout_of(&printed), stdout_of(&ran));
    assert!(stdout_of(&printed).contains("> count these words"));
    home.sapcode()
        .args(["--demo", "--print"])
        .write_stdin("from the pipe")
        .assert()
        .success()
        .stdout(predicate::str::contains("> from the pipe"));
    // A word naming a subcommand is that subcommand, not a prompt.
    home.sapcode()
        .args(["--demo", "models"])
        .assert()
        .success()
        .stdout(predicate::str::contains("RUNNING/ALL"));
}

#[test]
fn text_piped_with_a_prompt_is_attached_below_it() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "run", "--tools", "off", "count these"])
        .write_stdin("zebra giraffe\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "> count these\n> \n> stdin:\n> ```\n> zebra giraffe\n> ```",
        ));
    // Without a pipe, the prompt alone.
    home.sapcode()
        .args(["--demo", "run", "--tools", "off", "count these"])
        .assert()
        .success()
        .stdout(predicate::str::contains("> count these\n\nIt has 2 words"));
}

#[test]
fn run_resume_adds_a_turn_to_the_session_sessions_printed() {
    let home = Home::new();
    for prompt in ["the first conversation", "the second conversation"] {
        home.sapcode()
            .args(["--demo", "run", prompt])
            .assert()
            .success();
    }
    let listed = home
        .sapcode()
        .args(["--demo", "sessions", "--json"])
        .output()
        .unwrap();
    let sessions = json_of(&listed);
    let first = find(&sessions, "title", "the first conversation")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    home.sapcode()
        .args(["--demo", "run", "--resume", &first, "one more"])
        .assert()
        .success();
    let after = json_of(
        &home
            .sapcode()
            .args(["--demo", "sessions", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(find(&after, "id", &first)["turns"], 2, "{after}");
    // Sessions a one-shot `run` starts are marked so (the TUI's `/resume` shows them apart).
    assert_eq!(find(&after, "id", &first)["one_shot"], true, "{after}");
    assert_eq!(find(&after, "title", "the second conversation")["turns"], 1);
    let unknown = home
        .sapcode()
        .args(["--demo", "run", "--resume", "nope", "x"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr_of(&unknown).contains("no saved session with id 'nope'"));
}

#[test]
fn an_answer_cut_at_the_token_limit_says_so_on_stderr() {
    let home = Home::new();
    let cut = home
        .sapcode()
        .args(["--demo", "run", "--max-tokens", "5", "tell me a long story"])
        .output()
        .unwrap();
    assert!(cut.status.success(), "{}", stderr_of(&cut));
    let last = stderr_of(&cut)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(last.contains("cut at the token limit"), "{last}");
    let whole = home
        .sapcode()
        .args(["--demo", "run", "tell me a long story"])
        .output()
        .unwrap();
    assert!(!stderr_of(&whole).contains("cut at the token limit"));
}

#[test]
fn a_headless_run_that_refused_an_edit_says_so_last() {
    let home = Home::new();
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("notes.txt"), "one\nhello\n").unwrap();
    let output = home
        .sapcode()
        .current_dir(project.path())
        .args(["--demo", "run", "--tools", "edit"])
        .arg(r#"in notes.txt replace "hello" with "goodbye""#)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("1 edit or command was refused unseen") && last.contains("--yes"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join("notes.txt")).unwrap(),
        "one\nhello\n"
    );
}

#[test]
fn run_streams_an_answer_in_foundation_mode() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "run", "What is SAP AI Core?"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(text.len() > 20, "{text}");
    assert!(text.ends_with('\n'));
}

#[test]
fn run_to_a_pipe_keeps_the_answer_byte_for_byte() {
    // Escaping is for terminals (tests/approval_pty.rs): a script reading stdout gets the
    // model's text exactly as it came, control characters included.
    let home = Home::new();
    let prompt = "hi \x1b]52;c;cHduZWQ=\x07 \u{202e}x\r";
    let output = home
        .sapcode()
        .args(["--demo", "run", prompt])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.contains("> hi \x1b]52;c;cHduZWQ=\x07 \u{202e}x"),
        "{text:?}"
    );
    assert!(!text.contains("\\x1b"), "{text:?}");
}

#[test]
fn run_takes_an_unquoted_prompt_of_several_words() {
    // `sapcode run fix the failing test` was refused ("unexpected argument 'the'").
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "run", "fix", "the", "failing", "test", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"type\":\"done\""));
    home.sapcode()
        .args(["--demo", "run", "explain", "this", "please"])
        .assert()
        .success()
        .stdout(predicate::str::contains("> explain this please"));
}

#[test]
fn run_works_in_orchestration_mode_with_any_catalog_model() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args([
            "--demo",
            "--mode",
            "orchestration",
            "--model",
            "anthropic--claude-4.5-sonnet",
            "run",
            "hi",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stdout_of(&output).contains("anthropic--claude-4.5-sonnet"),
        "{}",
        stdout_of(&output)
    );
}

#[test]
fn run_reads_the_prompt_from_stdin() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "run", "-"])
        .write_stdin("explain this")
        .assert()
        .success()
        .stdout(predicate::str::contains("explain this"));
}

#[test]
fn run_json_prints_one_event_per_line() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "run", "--json", "hi"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let events: Vec<Value> = stdout_of(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(
        types.iter().filter(|t| **t == "delta").count() >= 2,
        "{types:?}"
    );
    assert!(types.contains(&"usage"), "{types:?}");
    assert_eq!(types.last(), Some(&"done"));
    assert_eq!(events.last().unwrap()["finish_reason"], "stop");
}

#[test]
fn run_verbose_reports_usage_and_timing_on_stderr() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "-v", "run", "hi"])
        .assert()
        .success()
        .stderr(predicate::str::contains("tokens in").and(predicate::str::contains("total")));
}

#[test]
fn run_attaches_files_and_rejects_missing_ones() {
    let sim = TestSim::start("");
    let home = Home::new();
    let file = home.path().join("lib.rs");
    let contents = "fn answer() -> u32 { 42 }\n";
    std::fs::write(&file, contents).unwrap();
    home.sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .args(["run", "--file"])
        .arg(&file)
        .arg("what does it return?")
        .assert()
        .success();
    // The file's text and name reached the model, next to the question.
    let requests = sim.server().requests();
    let chat = requests
        .iter()
        .rfind(|r| r.method == "POST" && r.path.ends_with("/chat/completions"))
        .expect("a chat request");
    let sent = chat.body["messages"].to_string();
    assert!(
        sent.contains(
            &serde_json::to_string(contents)
                .unwrap()
                .trim_matches('"')
                .to_string()
        ) && sent.contains("lib.rs")
            && sent.contains("what does it return?"),
        "{sent}"
    );
    home.sapcode()
        .args(["--demo", "run", "--file", "/no/such/file.rs", "hi"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read /no/such/file.rs"))
        // A missing file is the command line's fault: the hint says what to do about the
        // path, not about the config file or the login.
        .stderr(predicate::str::contains("check the path"))
        .stderr(predicate::str::contains("config").not())
        .stderr(predicate::str::contains("login").not());
}

#[test]
fn empty_prompt_is_a_usage_error() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "run", "-"])
        .write_stdin("  \n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the prompt is empty"))
        .stderr(predicate::str::contains("config").not())
        .stderr(predicate::str::contains("login").not());
}

#[test]
fn model_without_running_deployment_exits_4_and_names_orchestration() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "--model", "gpt-4.1-mini", "run", "hi"])
        .assert()
        .code(4)
        .stderr(
            predicate::str::contains("no RUNNING deployment")
                .and(predicate::str::contains("orchestration")),
        );
}

#[test]
fn non_running_deployment_cannot_be_chosen() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "--deployment", "d0c4f1d2e3a4b5c6", "run", "hi"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("PENDING"));
}

#[test]
fn unknown_model_exits_4() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "--model", "gpt-9000", "run", "hi"])
        .assert()
        .code(4)
        .stderr(
            predicate::str::contains("unknown model 'gpt-9000'")
                .and(predicate::str::contains("sapcode models --all")),
        );
}

#[test]
fn catalog_model_not_offered_through_orchestration_is_named_as_such() {
    let home = Home::new();
    home.sapcode()
        .args([
            "--demo",
            "--mode",
            "orchestration",
            "--model",
            "gpt-35-turbo-16k",
            "run",
            "hi",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "not offered through orchestration",
        ));
}

#[test]
fn unknown_resource_group_says_what_to_do() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "--resource-group", "nope", "models"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("resource group 'nope'")
                .and(predicate::str::contains("--resource-group")),
        );
}

#[test]
fn second_resource_group_has_its_own_deployments() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args([
            "--demo",
            "--resource-group",
            "team-b",
            "deployments",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let deployments = json_of(&output);
    let executables: Vec<&str> = deployments
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["executable_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        executables,
        [
            "orchestration",
            "aws-bedrock",
            "gcp-vertexai",
            "azure-openai"
        ]
    );
    // gpt-4o is not deployed in team-b, but orchestration there can serve it.
    home.sapcode()
        .args([
            "--demo",
            "--resource-group",
            "team-b",
            "--model",
            "gpt-4o",
            "run",
            "hi",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("--mode orchestration"));
    home.sapcode()
        .args([
            "--demo",
            "--resource-group",
            "team-b",
            "--mode",
            "orchestration",
            "--model",
            "gpt-4o",
            "run",
            "hi",
        ])
        .assert()
        .success();
}

#[test]
fn claude_on_bedrock_and_gemini_on_vertex_answer_in_foundation_mode() {
    let home = Home::new();
    for model in ["anthropic--claude-4.5-sonnet", "gemini-2.5-pro"] {
        let output = home
            .sapcode()
            .args(["--demo", "--resource-group", "team-b", "--model", model])
            .args(["run", "hi"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{model}: {}", stderr_of(&output));
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.starts_with(&format!("**{model}** (simulated)")) && stdout.ends_with('\n'),
            "{stdout}"
        );
    }
    // A stream cut mid-answer keeps the text and exits 5, as for Azure.
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "cut-after=2")
        .args(["--demo", "--resource-group", "team-b"])
        .args(["--model", "gemini-2.5-pro", "run", "hi"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("**gemini-2.5-pro**"));
}

#[test]
fn bedrock_stream_of_python_reprs_reads_as_if_it_were_json() {
    // The simulator's `python-repr` switch writes every converse-stream payload as Python's
    // `ascii()` of the event: single quotes, None/True/False, \xNN, \uNNNN, \UNNNNNNNN.
    let home = Home::new();
    let question = "caf\u{e9} \u{2615} \u{1f980} it's \"q\" back\\slash";
    let run = |extra: &[&str]| {
        home.sapcode()
            .env("SAPCODE_SIM_FAULTS", "python-repr")
            .args(["--demo", "--resource-group", "team-b"])
            .args(["--model", "anthropic--claude-4.5-sonnet", "run"])
            .args(extra)
            .arg(question)
            .output()
            .unwrap()
    };
    let output = run(&[]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    assert!(stdout.contains(&format!("> {question}\n")), "{stdout}");

    let output = run(&["--json"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let events: Vec<serde_json::Value> = stdout_of(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(kinds.contains(&"usage"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"done"), "{kinds:?}");
}

#[test]
fn error_inside_the_stream_exits_5_and_keeps_the_text() {
    let home = Home::new();
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "error-after=2")
        .args(["--demo", "run", "tell me a story"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(
        !stdout_of(&output).trim().is_empty(),
        "partial text must stay on stdout"
    );
    let stderr = stderr_of(&output);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("mid-stream"), "{stderr}");
}

#[test]
fn cut_stream_exits_5_and_keeps_the_text() {
    let home = Home::new();
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "cut-after=2")
        .args([
            "--demo",
            "--mode",
            "orchestration",
            "run",
            "tell me a story",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(!stdout_of(&output).trim().is_empty());
    assert!(
        stderr_of(&output).contains("stream broke"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn html_error_pages_are_summarised_not_dumped() {
    let home = Home::new();
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "503=10,html-errors")
        .args(["--demo", "run", "hi"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(
        !stderr.contains("<html") && !stderr.contains("<body"),
        "{stderr}"
    );
    assert!(stderr.contains("503"), "{stderr}");
}

#[test]
fn rate_limit_is_retried_after_the_servers_delay() {
    let home = Home::new();
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "429=1,retry-after=1")
        .args(["--demo", "run", "hi"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("retrying in"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn rejected_token_is_refreshed_once_and_the_call_retried() {
    let home = Home::new();
    home.sapcode()
        .env("SAPCODE_SIM_FAULTS", "reject-token=1")
        .args(["--demo", "models"])
        .assert()
        .success();
    // A token refused again after the refresh is not retried forever.
    home.sapcode()
        .env("SAPCODE_SIM_FAULTS", "reject-token=5")
        .args(["--demo", "models"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("401"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_130_and_keeps_the_text() {
    use std::io::Read;
    use std::process::Stdio;
    let home = Home::new();
    // What the simulator streams before `stall-after=2` holds the stream: its first two
    // content chunks, read from the same answer without the fault.
    let whole = home
        .sapcode()
        .args(["--demo", "run", "--json", "tell me a story"])
        .output()
        .unwrap();
    let deltas: Vec<String> = stdout_of(&whole)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["type"] == "delta")
        .filter_map(|event| event["text"].as_str().map(str::to_owned))
        .filter(|text| !text.is_empty())
        .collect();
    let kept = deltas[..2].concat();
    let cmd = home.sapcode();
    let mut std_cmd = std::process::Command::new(cmd.get_program());
    std_cmd.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            std_cmd.env(key, value);
        }
    }
    let mut child = std_cmd
        .env("SAPCODE_SIM_FAULTS", "stall-after=2")
        .args(["--demo", "run", "tell me a story"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until both chunks were printed (the stall keeps the process alive meanwhile),
    // then interrupt as a terminal would.
    let mut stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    while !String::from_utf8_lossy(&printed).contains(&kept) {
        let mut buf = [0u8; 256];
        let read = stdout.read(&mut buf).unwrap();
        assert!(
            read > 0,
            "stdout ended early: {:?}",
            String::from_utf8_lossy(&printed)
        );
        printed.extend_from_slice(&buf[..read]);
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    stdout.read_to_end(&mut printed).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    // The text printed before the interrupt is all there, closed by a newline, nothing else.
    assert_eq!(String::from_utf8_lossy(&printed), format!("{kept}\n"));
}

#[test]
fn simulate_serves_the_same_data_as_demo() {
    let home = Home::new();
    let key_file = home.path().join("key.json");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sapcode"))
        .args(["simulate", "--port", "0", "--key-file"])
        .arg(&key_file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !key_file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "simulator did not write its key"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let key = std::fs::read_to_string(&key_file).unwrap();
    let via_key = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .args(["models", "--json", "--all"])
        .output()
        .unwrap();
    let via_demo = home
        .sapcode()
        .args(["--demo", "models", "--json", "--all"])
        .output()
        .unwrap();
    let deployments_key = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .args(["deployments", "--json"])
        .output()
        .unwrap();
    let deployments_demo = home
        .sapcode()
        .args(["--demo", "deployments", "--json"])
        .output()
        .unwrap();
    let answer_key = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .args(["run", "same?"])
        .output()
        .unwrap();
    let answer_demo = home
        .sapcode()
        .args(["--demo", "run", "same?"])
        .output()
        .unwrap();
    child.kill().ok();
    child.wait().ok();
    assert!(via_key.status.success(), "{}", stderr_of(&via_key));
    assert_eq!(json_of(&via_key), json_of(&via_demo));
    // URLs hold the port, which differs between the two servers.
    let strip = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .cloned()
            .map(|mut d| {
                d["url"] = Value::Null;
                d
            })
            .collect()
    };
    assert_eq!(
        strip(json_of(&deployments_key)),
        strip(json_of(&deployments_demo))
    );
    assert_eq!(stdout_of(&answer_key), stdout_of(&answer_demo));
}

#[test]
fn service_key_variable_and_client_variables_work() {
    let sim = TestSim::start("");
    let home = Home::new();
    home.sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .args(["run", "hi"])
        .assert()
        .success();
    let key = sim.server().service_key();
    home.sapcode()
        .env("AICORE_CLIENT_ID", key["clientid"].as_str().unwrap())
        .env(
            "AICORE_CLIENT_SECRET",
            key["clientsecret"].as_str().unwrap(),
        )
        .env(
            "AICORE_AUTH_URL",
            format!("{}/oauth/token", key["url"].as_str().unwrap()),
        )
        .env(
            "AICORE_BASE_URL",
            format!("{}/v2", key["serviceurls"]["AI_API_URL"].as_str().unwrap()),
        )
        .args(["deployments"])
        .assert()
        .success();
}

#[test]
fn malformed_service_key_names_the_field() {
    let home = Home::new();
    home.sapcode()
        .env("AICORE_SERVICE_KEY", r#"{"clientid":"x","url":"https://a.example.com","serviceurls":{"AI_API_URL":"https://b.example.com"}}"#)
        .args(["models"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("clientsecret"));
    home.sapcode()
        .env("AICORE_SERVICE_KEY", "not json")
        .args(["models"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("service key"));
}

#[test]
fn plain_http_is_refused_for_remote_hosts() {
    let sim = TestSim::start("");
    let home = Home::new();
    let key =
        sim.key_with(|key| key["serviceurls"]["AI_API_URL"] = "http://api.example.com".into());
    home.sapcode()
        .env("AICORE_SERVICE_KEY", key)
        .args(["models"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("http://").and(predicate::str::contains("loopback")));
}

#[test]
fn wrong_secret_exits_3_with_the_credentials_hint() {
    let sim = TestSim::start("");
    let home = Home::new();
    let secret = sim.server().service_key()["clientsecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = sim.key_with(|key| key["clientsecret"] = "wrong-secret".into());
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", key)
        .args(["models"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("clientsecret"), "{stderr}");
    assert!(
        !stderr.contains("wrong-secret") && !stderr.contains(&secret),
        "{stderr}"
    );
}

#[test]
fn login_stores_the_secret_in_the_keyring_only() {
    let sim = TestSim::start("");
    let home = Home::new();
    let key_file = home.path().join("key.json");
    std::fs::write(&key_file, sim.key_json()).unwrap();
    let secret = sim.server().service_key()["clientsecret"]
        .as_str()
        .unwrap()
        .to_owned();

    home.sapcode()
        .args(["login", "--service-key"])
        .arg(&key_file)
        .assert()
        .success();
    std::fs::remove_file(&key_file).unwrap();
    let config = std::fs::read_to_string(home.config_file()).unwrap();
    assert!(config.contains("sapcode-simulator"), "{config}");
    assert!(
        !home.all_text().contains(&secret),
        "secret leaked into a file"
    );

    home.sapcode().args(["run", "hi"]).assert().success();
    home.sapcode()
        .args(["logout"])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed"));
    home.sapcode()
        .args(["run", "hi"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sapcode login"));
}

#[test]
fn login_from_stdin_and_a_bad_key_is_not_saved() {
    let sim = TestSim::start("");
    let home = Home::new();
    let bad = sim.key_with(|key| key["clientsecret"] = "nope".into());
    home.sapcode()
        .args(["login", "--service-key", "-"])
        .write_stdin(bad)
        .assert()
        .code(3);
    assert!(!home.config_file().exists());
    home.sapcode()
        .args(["--profile", "work", "login", "--service-key", "-"])
        .write_stdin(sim.key_json())
        .assert()
        .success();
    home.sapcode()
        .args(["--profile", "work", "models"])
        .assert()
        .success();
}

#[test]
fn no_credentials_and_unknown_profile_are_usage_errors() {
    let home = Home::new();
    home.sapcode().args(["models"]).assert().code(2).stderr(
        predicate::str::contains("no SAP AI Core credentials")
            .and(predicate::str::contains("--demo")),
    );
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(home.config_file(), "[profiles.work]\nclient_id = \"x\"\n").unwrap();
    home.sapcode()
        .args(["--profile", "home", "models"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown profile 'home' (known: work)",
        ));
}

#[test]
fn broken_config_file_is_reported_not_overwritten() {
    let home = Home::new();
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(home.config_file(), "profile = [\n").unwrap();
    home.sapcode()
        .args(["--demo", "models"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("config file"));
    assert_eq!(
        std::fs::read_to_string(home.config_file()).unwrap(),
        "profile = [\n"
    );
}

#[test]
fn doctor_passes_on_the_simulator_and_names_a_failing_step() {
    let home = Home::new();
    home.sapcode()
        .args(["--demo", "doctor"])
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ token").and(predicate::str::contains("✓ completion")));
    let sim = TestSim::start("");
    let key = sim.key_with(|key| key["clientsecret"] = "wrong".into());
    home.sapcode()
        .env("AICORE_SERVICE_KEY", key)
        .args(["doctor"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("✗ token"))
        .stderr(predicate::str::contains("the token check failed"));
}

#[test]
fn completions_help_and_version() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        home.sapcode()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("sapcode"));
    }
    home.sapcode()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")))
        .stdout(predicate::str::is_match(r"\(commit ([0-9a-f]{7,}|unknown)\)").unwrap());
    home.sapcode()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--max-tokens"));
    home.sapcode().args(["models", "--bogus"]).assert().code(2);
}

#[test]
fn the_tui_without_a_terminal_says_what_to_use_instead() {
    let home = Home::new();
    home.sapcode()
        .arg("--demo")
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("needs an interactive terminal")
                .and(predicate::str::contains("sapcode run")),
        );
}

#[test]
fn login_with_a_missing_key_file_says_to_check_the_path_not_to_run_login() {
    // It said "fix the config file (see config.example.toml) or run `sapcode login`" to
    // someone running `sapcode login`.
    let home = Home::new();
    let output = home
        .sapcode()
        .args([
            "login",
            "--store",
            "file",
            "--service-key",
            "/no/such/key.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot read service key file /no/such/key.json"),
        "{stderr}"
    );
    assert!(stderr.contains("check the path"), "{stderr}");
    assert!(!stderr.contains("config file"), "{stderr}");
    assert!(!stderr.contains("run `sapcode login`"), "{stderr}");
    // Nothing to ask on and no key: the hint names the flag, not the config file.
    home.sapcode()
        .args(["login", "--store", "file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--service-key -"))
        .stderr(predicate::str::contains("config file").not());
}

#[test]
fn reasoning_effort_reaches_reasoning_models_from_the_flag_or_the_config() {
    let sim = TestSim::start("");
    let home = Home::new();
    let run = |args: &[&str]| {
        home.sapcode()
            .current_dir(home.path())
            .env("AICORE_SERVICE_KEY", sim.key_json())
            .args(args)
            .output()
            .unwrap()
    };
    let last_effort = || {
        let request = sim
            .server()
            .requests()
            .into_iter()
            .rfind(|r| r.path.contains("/chat/completions"))
            .expect("a chat request");
        request.body["reasoning_effort"].clone()
    };
    let ok = |output: std::process::Output| {
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    };
    ok(run(&[
        "--model",
        "o3-mini",
        "run",
        "--reasoning",
        "high",
        "why?",
    ]));
    assert_eq!(last_effort(), "high");
    // gpt-4o gets nothing: the simulator refuses the field there, as Azure does.
    ok(run(&[
        "--model",
        "gpt-4o",
        "run",
        "--reasoning",
        "high",
        "hi",
    ]));
    assert!(last_effort().is_null());

    let config = home.config_file();
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[agent]\nreasoning = \"low\"\n").unwrap();
    ok(run(&["--model", "o3-mini", "run", "why?"]));
    assert_eq!(last_effort(), "low");
    ok(run(&[
        "--model",
        "o3-mini",
        "run",
        "--reasoning",
        "medium",
        "why?",
    ]));
    assert_eq!(last_effort(), "medium");

    std::fs::write(&config, "[agent]\nreasoning = \"max\"\n").unwrap();
    let output = run(&["--model", "o3-mini", "run", "why?"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("[agent] reasoning = \"max\""),
        "{}",
        stderr_of(&output)
    );
    let output = run(&["--model", "o3-mini", "run", "--reasoning", "max", "why?"]);
    assert_eq!(output.status.code(), Some(2));
}
