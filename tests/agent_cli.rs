//! The agent through the binary, headless: `sapcode --demo run --tools LEVEL [--yes]` without a
//! terminal. Edits and commands are refused (the turn goes on, stderr says what), `--yes`
//! applies them, `.git/` and paths outside the workspace are refused whatever was approved,
//! and the `--json` events carry `tool_call`, `approval` and `tool_result`.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, stderr_of, stdout_of};
use serde_json::Value;

const EDIT: &str = r#"in notes.txt replace "hello" with "goodbye""#;
const ORIGINAL: &str = "one\nhello\nthree\n";

fn project(home: &Home) -> std::path::PathBuf {
    let root = home.path().join("project");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join("notes.txt"), ORIGINAL).unwrap();
    std::fs::write(root.join(".git/config"), "[core]\n").unwrap();
    root
}

fn run(home: &Home, args: &[&str]) -> std::process::Output {
    home.sapcode()
        .current_dir(project(home))
        .args(["--demo", "run"])
        .args(args)
        .output()
        .unwrap()
}

fn events(output: &std::process::Output) -> Vec<Value> {
    stdout_of(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

fn notes(home: &Home) -> String {
    std::fs::read_to_string(home.path().join("project/notes.txt")).unwrap()
}

#[test]
fn without_a_terminal_an_edit_is_refused_and_the_turn_goes_on() {
    let home = Home::new();
    let output = run(&home, &["--tools", "edit", EDIT]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("sapcode: refused edit_file notes.txt: no terminal to ask; run with --yes"),
        "{stderr}"
    );
    assert!(
        stdout_of(&output).contains("not approved"),
        "{}",
        stdout_of(&output)
    );
    assert_eq!(notes(&home), ORIGINAL);
}

#[test]
fn yes_applies_the_edit_and_json_reports_the_approval() {
    let home = Home::new();
    let output = run(&home, &["--tools", "edit", "--yes", "--json", EDIT]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let events = events(&output);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    let call = kinds.iter().position(|k| *k == "tool_call").unwrap();
    assert_eq!(
        &kinds[call..call + 3],
        ["tool_call", "approval", "tool_result"]
    );
    let approval = &events[call + 1];
    assert_eq!(approval["id"], events[call]["id"]);
    assert_eq!(approval["approved"], true);
    assert_eq!(approval["by"], "--yes");
    assert_eq!(events[call + 2]["ok"], true);
    assert_eq!(events[call]["name"], "edit_file");
    assert_eq!(notes(&home), "one\ngoodbye\nthree\n");
    // Written atomically: no temp file left beside it.
    let names: Vec<_> = std::fs::read_dir(home.path().join("project"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// `run --json` prints the session's event stream itself: every line reads back as a
/// `SessionEvent` and serializes to the same JSON, and the applied edit carries its counts
/// typed (`edit`), beside the summary for people.
#[test]
fn every_json_line_is_a_session_event() {
    use sapcode::agent::SessionEvent;
    let home = Home::new();
    let runs = [
        run(&home, &["--tools", "edit", "--yes", "--json", EDIT]),
        run(&home, &["--tools", "off", "--json", "hi"]),
        // No terminal and no --yes: the refusal is an event too.
        run(
            &home,
            &["--tools", "all", "--json", r#"use run_command to run "ls""#],
        ),
    ];
    let mut types = std::collections::BTreeSet::new();
    for output in &runs {
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(output));
        for value in events(output) {
            let event: SessionEvent = serde_json::from_value(value.clone())
                .unwrap_or_else(|err| panic!("{value}: {err}"));
            assert_eq!(serde_json::to_value(&event).unwrap(), value);
            types.insert(value["type"].as_str().unwrap().to_owned());
        }
    }
    for kind in [
        "tool_call",
        "approval",
        "tool_result",
        "delta",
        "history",
        "usage",
        "done",
    ] {
        assert!(types.contains(kind), "{kind} missing from {types:?}");
    }
    let result = events(&runs[0])
        .into_iter()
        .find(|e| e["type"] == "tool_result")
        .unwrap();
    assert_eq!(
        result["edit"],
        serde_json::json!({"path": "notes.txt", "created": false, "added": 1, "removed": 1})
    );
}

#[test]
fn git_dirs_and_outside_paths_are_refused_even_with_yes() {
    let home = Home::new();
    for prompt in [
        r#"use write_file on .git/config with "[core]\n\tfsmonitor = touch pwned""#,
        r#"use write_file on ../outside.txt with "x""#,
        r#"use write_file on .jj/repo/config.toml with "x""#,
    ] {
        let output = run(&home, &["--tools", "edit", "--yes", prompt]);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains("never writes to") || stderr.contains("outside the project"),
            "{prompt}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(home.path().join("project/.git/config")).unwrap(),
        "[core]\n"
    );
    assert!(!home.path().join("outside.txt").exists());
    assert!(!home.path().join("project/.jj").exists());
}

#[test]
fn commands_run_with_yes_at_level_all_only() {
    let home = Home::new();
    let prompt = r#"use run_command to run "echo made > made.txt; echo done""#;
    let output = run(&home, &["--tools", "all", "--yes", prompt]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("done\n"), "live output on stderr: {stderr}");
    assert!(
        stderr.contains("sapcode: run_command `echo made > made.txt; echo done`: exit 0 ("),
        "{stderr}"
    );
    let made = home.path().join("project/made.txt");
    assert_eq!(std::fs::read_to_string(&made).unwrap(), "made\n");
    std::fs::remove_file(&made).unwrap();
    // At `edit` the tool is not offered; without --yes it is refused.
    let output = run(&home, &["--tools", "edit", "--yes", prompt]);
    assert!(
        !stderr_of(&output).contains("run_command"),
        "{}",
        stderr_of(&output)
    );
    let output = run(&home, &["--tools", "all", prompt]);
    assert!(stderr_of(&output).contains("sapcode: refused run_command"));
    assert!(!made.exists());
}

#[test]
fn the_default_level_is_read_and_off_offers_nothing() {
    let home = Home::new();
    let output = run(&home, &["--yes", EDIT]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("sapcode: read_file notes.txt"), "{stderr}");
    assert_eq!(notes(&home), ORIGINAL);
    let output = run(&home, &["--tools", "off", "read the file notes.txt"]);
    assert!(!stderr_of(&output).contains("read_file"));
    assert!(!stdout_of(&output).contains("hello"));
    // A bare --tools means read.
    let output = run(&home, &["read the file notes.txt", "--tools"]);
    assert!(stderr_of(&output).contains("sapcode: read_file notes.txt"));
}

#[test]
fn the_config_sets_the_level_and_bad_values_are_usage_errors() {
    let home = Home::new();
    let config = home.config_file();
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[agent]\ntools = \"edit\"\n").unwrap();
    let output = run(&home, &["--yes", EDIT]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(notes(&home), "one\ngoodbye\nthree\n");
    std::fs::write(&config, "[agent]\ntools = \"write\"\n").unwrap();
    let output = run(&home, &[EDIT]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("[agent] tools = \"write\""),
        "{}",
        stderr_of(&output)
    );
    std::fs::remove_file(&config).unwrap();
    let output = run(&home, &["--tools", "write", EDIT]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("possible values: off, read, edit, all"),
        "{}",
        stderr_of(&output)
    );
    let output = run(&home, &["--apply", EDIT]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn doctor_names_the_command_sandbox() {
    let home = Home::new();
    let output = home.sapcode().args(["--demo", "doctor"]).output().unwrap();
    let stdout = stdout_of(&output);
    assert!(
        stdout.contains("✓ sandbox      landlock")
            || stdout.contains("✓ sandbox      none (approval only)"),
        "{stdout}"
    );
}

#[test]
fn the_scripted_fix_the_failing_test_loop_finishes_with_yes() {
    let home = Home::new();
    let output = run(&home, &["--tools", "all", "--yes", "fix the failing test"]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // Two runs of the test: the failure the model reacts to, then the pass after its edits.
    assert!(
        stderr.contains("FAILED: expected 1190, got 11900"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("run_command `sh sapcode-demo/test.sh`")
            .count(),
        2,
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("sapcode: edit_file sapcode-demo/price.sh applied (+1 −1)")
            .count(),
        2,
        "{stderr}"
    );
    let fixed = std::fs::read_to_string(home.path().join("project/sapcode-demo/price.sh")).unwrap();
    assert!(fixed.contains("net * 119 / 100 ))"), "{fixed}");
    assert!(!stdout_of(&output).is_empty());
}

/// `cargo` as the tests' own toolchain runs it, or `None` (with the reason printed) where
/// there is none.
fn cargo_available() -> bool {
    match std::process::Command::new("cargo")
        .arg("--version")
        .output()
    {
        Ok(output) if output.status.success() => true,
        other => {
            println!("skipped: no working `cargo` on PATH ({other:?})");
            false
        }
    }
}

#[test]
fn in_a_cargo_workspace_the_script_fixes_a_crate_of_its_own_with_real_cargo_test() {
    if !cargo_available() {
        return;
    }
    let home = Home::new();
    let root = project(&home);
    // A workspace root: cargo refuses a nested package unless it declares its own workspace.
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"user-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    // The demo's build must stay in sapcode-demo/ even when the user's target dir is elsewhere.
    let elsewhere = home.path().join("shared-target");
    let mut command = home.sapcode();
    // The temp HOME would hide rustup's toolchains: keep the ones this test runs with.
    for name in ["CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    let output = command
        .env("CARGO_TARGET_DIR", &elsewhere)
        .current_dir(&root)
        .args([
            "--demo",
            "run",
            "--tools",
            "all",
            "--yes",
            "fix the failing test",
        ])
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let run = "run_command `cargo test --manifest-path sapcode-demo/Cargo.toml --target-dir sapcode-demo/target`";
    assert_eq!(stderr.matches(run).count(), 2, "{stderr}");
    // The first run fails on the bug, the second passes after the two edits.
    let failed = stderr.find("test result: FAILED").expect("a failing run");
    let passed = stderr.find("test result: ok").expect("a passing run");
    assert!(failed < passed, "{stderr}");
    assert_eq!(
        stderr
            .matches("sapcode: edit_file sapcode-demo/src/lib.rs")
            .count(),
        2,
        "{stderr}"
    );
    let fixed = std::fs::read_to_string(root.join("sapcode-demo/src/lib.rs")).unwrap();
    assert!(fixed.contains("net_cents * 119 / 100\n"), "{fixed}");
    assert!(fixed.contains("19 % VAT"), "{fixed}");
    assert!(root.join("sapcode-demo/target").is_dir());
    assert!(root.join("sapcode-demo/Cargo.lock").is_file());
    assert!(!elsewhere.exists() && !root.join("target").exists());
    assert!(!root.join("Cargo.lock").exists());
    let answer = stdout_of(&output);
    assert!(
        answer.contains("Fixed.") && answer.contains("test result: ok"),
        "{answer}"
    );
}

/// `.sapcode/config.toml` `[permissions] allow` in the workspace: headless, without `--yes`,
/// an allowed command runs; a near miss that chains another command is refused like any
/// other (nobody to ask), and its second half never runs.
#[test]
fn project_permissions_let_an_allowed_command_run_and_refuse_a_near_miss() {
    let home = Home::new();
    let root = project(&home);
    std::fs::create_dir_all(root.join(".sapcode")).unwrap();
    std::fs::write(
        root.join(".sapcode/config.toml"),
        "[permissions]\nallow = [\"echo allowed\", \"touch *\"]\n",
    )
    .unwrap();
    let output = run(
        &home,
        &["--tools", "all", r#"use run_command to run "echo allowed""#],
    );
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("allowed\n"), "{stderr}");
    assert!(
        stderr.contains("sapcode: run_command `echo allowed`: exit 0 ("),
        "{stderr}"
    );
    let output = run(
        &home,
        &[
            "--tools",
            "all",
            r#"use run_command to run "touch made.txt""#,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(root.join("made.txt").exists(), "{}", stderr_of(&output));
    for near_miss in [
        "echo allowed; touch pwned.txt",
        "touch ok.txt && touch pwned.txt",
        "touch $(echo pwned.txt)",
    ] {
        let prompt = format!(r#"use run_command to run "{near_miss}""#);
        let output = run(&home, &["--tools", "all", &prompt]);
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains("sapcode: refused run_command"),
            "{near_miss}: {stderr}"
        );
        assert!(!root.join("pwned.txt").exists(), "{near_miss}");
        assert!(!root.join("ok.txt").exists(), "{near_miss}");
    }
    // The model's file tools cannot grant it more.
    let output = run(
        &home,
        &[
            "--tools",
            "all",
            "--yes",
            r#"use write_file to write "allow" to .sapcode/config.toml"#,
        ],
    );
    assert!(
        std::fs::read_to_string(root.join(".sapcode/config.toml"))
            .unwrap()
            .contains("touch *"),
        "{}",
        stderr_of(&output)
    );
    assert!(
        stderr_of(&output).contains(".sapcode/, which sapcode never writes to"),
        "{}",
        stderr_of(&output)
    );
}
