//! Sessions and project rules through the binary: `run` saves each turn, `run --continue`
//! sends the earlier turns again, `sessions` lists them (per workspace or `--all`), and
//! `AGENTS.md` reaches the system prompt. The simulator records what it was sent.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of, stdout_of};
use serde_json::Value;

fn workspace(home: &Home, name: &str) -> std::path::PathBuf {
    let dir = home.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// `sapcode run` in `dir` against `sim`; panics with stderr when it fails.
fn run(home: &Home, sim: &TestSim, dir: &std::path::Path, args: &[&str]) -> String {
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .arg("--cwd")
        .arg(dir)
        .arg("run")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    stdout_of(&output)
}

fn last_chat_messages(sim: &TestSim) -> Vec<Value> {
    let request = sim
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/chat/completions"))
        .expect("a chat request");
    request.body["messages"].as_array().unwrap().clone()
}

fn sessions_json(home: &Home, dir: &std::path::Path, all: bool) -> Vec<Value> {
    let mut cmd = home.sapcode();
    cmd.arg("--cwd").arg(dir).args(["sessions", "--json"]);
    if all {
        cmd.arg("--all");
    }
    let output = cmd.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    serde_json::from_str::<Value>(&stdout_of(&output))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn continue_sends_the_earlier_turn_and_saves_the_new_one() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = workspace(&home, "project");
    let first = run(&home, &sim, &dir, &["what is a deployment?"]);
    run(&home, &sim, &dir, &["--continue", "and a resource group?"]);

    let sent = last_chat_messages(&sim);
    let contents: Vec<&str> = sent
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents.len(), 4, "{contents:?}");
    assert_eq!(contents[1], "what is a deployment?");
    assert_eq!(contents[2], first.trim_end());
    assert_eq!(contents[3], "and a resource group?");

    let sessions = sessions_json(&home, &dir, false);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let session = &sessions[0];
    assert_eq!(session["turns"], 2);
    assert_eq!(session["title"], "what is a deployment?");
    assert_eq!(session["workspace"], dir.to_str().unwrap());
    assert!(session["model"].is_string());
    assert!(session["updated"].as_str().unwrap().ends_with('Z'));
    // The saved file holds the conversation, never the credentials.
    let text = home.all_text();
    let secret = sim.server().service_key()["clientsecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("and a resource group?"));
    assert!(!text.contains(&secret));
}

#[test]
fn sessions_are_per_workspace_unless_all() {
    let home = Home::new();
    let sim = TestSim::start("");
    let here = workspace(&home, "here");
    let there = workspace(&home, "there");
    run(&home, &sim, &here, &["first here"]);
    run(&home, &sim, &there, &["over there"]);
    run(&home, &sim, &here, &["second here"]);

    let titles = |list: Vec<Value>| -> Vec<String> {
        list.iter()
            .map(|s| s["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let mine = titles(sessions_json(&home, &here, false));
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|t| t.ends_with("here")), "{mine:?}");
    let all = titles(sessions_json(&home, &here, true));
    assert_eq!(all.len(), 3, "{all:?}");

    let table = home
        .sapcode()
        .arg("--cwd")
        .arg(&there)
        .arg("sessions")
        .output()
        .unwrap();
    let table = stdout_of(&table);
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains("over there") && !table.contains("first here"),
        "{table}"
    );
}

#[test]
fn continue_without_a_session_is_a_usage_error() {
    let home = Home::new();
    let dir = workspace(&home, "empty");
    let output = home
        .sapcode()
        .arg("--cwd")
        .arg(&dir)
        .args(["--demo", "run", "--continue", "hi"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("no saved session"), "{stderr}");
}

#[test]
fn agents_md_reaches_the_system_prompt() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = workspace(&home, "ruled");
    std::fs::write(dir.join("AGENTS.md"), "Always answer in haiku.\n").unwrap();
    run(&home, &sim, &dir, &["hello"]);
    let sent = last_chat_messages(&sim);
    assert_eq!(sent[0]["role"], "system");
    let system = sent[0]["content"].as_str().unwrap();
    assert!(system.contains("Always answer in haiku."), "{system}");

    let plain = workspace(&home, "plain");
    run(&home, &sim, &plain, &["hello"]);
    let system = last_chat_messages(&sim)[0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!system.contains("AGENTS.md"), "{system}");
}

#[test]
fn a_bad_cwd_is_a_usage_error() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--cwd", "/definitely/not/here", "sessions"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("--cwd /definitely/not/here"));
}

#[test]
fn tui_continue_without_a_session_says_so_before_the_terminal_starts() {
    let home = Home::new();
    let dir = workspace(&home, "fresh");
    let output = home
        .sapcode()
        .arg("--cwd")
        .arg(&dir)
        .args(["--demo", "--continue"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("no saved session in"), "{stderr}");
}

#[test]
fn continue_compacts_a_conversation_that_no_longer_fits() {
    use sapcode::agent::session::{Entry, SessionStore};
    use sapcode::aicore::{Message, Mode, Role};
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = workspace(&home, "long");
    // gpt-4o has 128,000 tokens in the simulator's catalog; this answer alone is ~150,000.
    let store = SessionStore::new(&home.path().join("data/sapcode"));
    let now = std::time::SystemTime::now();
    let file = store
        .create(
            &dir,
            Mode::Foundation,
            Some("gpt-4o"),
            None,
            None,
            now,
            false,
        )
        .unwrap();
    for message in [
        Message::new(Role::User, "explain everything"),
        Message::new(Role::Assistant, "word ".repeat(120_000)),
    ] {
        file.append(&Entry::message(message, now)).unwrap();
    }

    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", sim.key_json())
        .arg("--cwd")
        .arg(&dir)
        .args(["--model", "gpt-4o", "run", "--continue", "and now briefly?"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("with a summary to fit the context"),
        "{stderr}"
    );

    let sent = last_chat_messages(&sim);
    let contents: Vec<&str> = sent
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents.len(), 4, "{contents:?}");
    assert!(
        contents[1].starts_with("Summary of the conversation so far:"),
        "{}",
        contents[1]
    );
    assert!(
        contents[1].contains("The user asked: explain everything"),
        "{}",
        contents[1]
    );
    assert_eq!(contents[3], "and now briefly?");

    let loaded = store.load(file.id()).unwrap();
    assert_eq!(loaded.messages.len(), 4);
    assert!(loaded.messages[0].content.starts_with("Summary"));
    assert_eq!(loaded.messages[2].content, "and now briefly?");
}

#[test]
fn tui_flags_with_a_subcommand_are_a_usage_error() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--continue", "sessions"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("take no subcommand"));
}

#[test]
fn a_resumed_gemini_conversation_sends_its_tool_calls_back_signed() {
    // Gemini 3 refuses a `functionCall` replayed without the `thoughtSignature` it came with;
    // the signature must survive the session file for `--continue` (issue 18).
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = workspace(&home, "gemini");
    std::fs::write(dir.join("notes.txt"), "the build is green\n").unwrap();
    let gemini = |args: &[&str]| {
        let output = home
            .sapcode()
            .env("AICORE_SERVICE_KEY", sim.key_json())
            .arg("--cwd")
            .arg(&dir)
            .args([
                "--resource-group",
                "team-b",
                "--model",
                "gemini-2.5-pro",
                "run",
            ])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    };
    gemini(&["what does notes.txt say?"]);
    let signature_sent = |request: &sapcode::sim::RecordedRequest| -> Option<String> {
        request.body["contents"]
            .as_array()?
            .iter()
            .flat_map(|content| content["parts"].as_array().into_iter().flatten())
            .find(|part| part.get("functionCall").is_some())
            .and_then(|part| part["thoughtSignature"].as_str().map(str::to_owned))
    };
    let vertex = |sim: &TestSim| {
        sim.server()
            .requests()
            .into_iter()
            .filter(|r| r.path.contains(":streamGenerateContent"))
            .collect::<Vec<_>>()
    };
    let first_turn = vertex(&sim);
    assert_eq!(first_turn.len(), 2, "one tool round, then the answer");
    let signature = signature_sent(&first_turn[1]).expect("the tool round is sent back signed");

    gemini(&["--continue", "and is it green?"]);
    let resumed = vertex(&sim).pop().unwrap();
    assert_eq!(signature_sent(&resumed), Some(signature));
}

/// `sessions` shows what each conversation cost at list price: the sum of its turns' costs
/// as `run --json` reported them; a session file from before costs were kept says unknown.
#[test]
fn sessions_show_what_each_conversation_cost() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = workspace(&home, "costs");
    let cost_of = |stdout: &str| -> f64 {
        stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|event| event["type"] == "usage")
            .and_then(|usage| usage["cost_usd"].as_f64())
            .expect("a priced usage event")
    };
    let first = cost_of(&run(&home, &sim, &dir, &["--json", "why is the sky blue?"]));
    let second = cost_of(&run(
        &home,
        &sim,
        &dir,
        &["--continue", "--json", "and the sunset red?"],
    ));
    let listed = sessions_json(&home, &dir, false);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let total = listed[0]["cost_usd"].as_f64().unwrap();
    assert!(
        (total - (first + second)).abs() < 1e-12,
        "{total} vs {first} + {second}"
    );

    let table = home
        .sapcode()
        .arg("--cwd")
        .arg(&dir)
        .arg("sessions")
        .output()
        .unwrap();
    let table = stdout_of(&table);
    assert!(table.lines().next().unwrap().contains("COST"), "{table}");
    let label = format!("≈ ${total:.3} list");
    assert!(table.contains(&label), "{label} in {table}");

    // A file written before costs were kept: its usage lines carry none.
    let file = session_file(&home.path().join("data")).expect("a session file");
    let text = std::fs::read_to_string(&file).unwrap();
    let old: String = text
        .lines()
        .map(|line| {
            let mut entry: Value = serde_json::from_str(line).unwrap();
            if let Some(map) = entry.as_object_mut() {
                map.remove("cost_usd");
            }
            format!("{entry}\n")
        })
        .collect();
    assert_ne!(old, text, "the file kept costs");
    std::fs::write(&file, old).unwrap();
    assert!(sessions_json(&home, &dir, false)[0]["cost_usd"].is_null());
}

/// The first `.jsonl` file under `dir`.
fn session_file(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let found = if path.is_dir() {
            session_file(&path)
        } else {
            Some(path).filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        };
        if found.is_some() {
            return found;
        }
    }
    None
}
