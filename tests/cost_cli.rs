//! Cost and prompt caching through the binary: `models --json` carries the catalog's list
//! prices, an agent turn on Claude sends cache points on the wire, and the turn's usage (as
//! its session saves it) counts the cache reads.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of, stdout_of};
use serde_json::{Value, json};

#[test]
fn models_json_carries_list_prices() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "models", "--json", "--all"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let models: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    let by_name = |name: &str| {
        models
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed"))
            .clone()
    };
    let sonnet = by_name("anthropic--claude-4.5-sonnet")["price"].clone();
    let close = |v: &Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-12;
    assert!(close(&sonnet["input_per_1k_usd"], 0.003), "{sonnet}");
    assert!(close(&sonnet["output_per_1k_usd"], 0.015), "{sonnet}");
    assert!(close(&sonnet["cache_read_per_1k_usd"], 0.0003), "{sonnet}");
    assert!(
        close(&sonnet["cache_write_per_1k_usd"], 0.00375),
        "{sonnet}"
    );
    let gpt = by_name("gpt-4o")["price"].clone();
    assert!(close(&gpt["input_per_1k_usd"], 0.0025), "{gpt}");
    assert!(close(&gpt["cache_read_per_1k_usd"], 0.00125), "{gpt}");
}

/// Every `usage` entry of the sessions saved under `home`.
fn saved_usages(home: &Home) -> Vec<Value> {
    let mut usages = Vec::new();
    let mut dirs = vec![home.path().join("data")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                let Ok(entry) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                if let Some(usage) = entry.get("usage").filter(|u| u.is_object()) {
                    usages.push(usage.clone());
                }
            }
        }
    }
    usages
}

#[test]
fn a_claude_agent_session_sends_cache_points_and_reads_them_back() {
    let home = Home::new();
    let sim = TestSim::start("");
    let dir = home.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    let code: String = (0..120)
        .map(|n| format!("fn step_{n}(input: u64) -> u64 {{ input.wrapping_mul({n}) + 1 }}\n"))
        .collect();
    std::fs::write(dir.join("steps.rs"), code).unwrap();
    let run = |extra: &[&str], prompt: &str| {
        let output = home
            .sapcode()
            .env("AICORE_SERVICE_KEY", sim.key_json())
            .args(["--resource-group", "team-b", "--model"])
            .arg("anthropic--claude-4.5-sonnet")
            .arg("--cwd")
            .arg(&dir)
            .args(["run", "--tools", "read"])
            .args(extra)
            .arg(prompt)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    };
    run(&[], "Read steps.rs and say what it does.");
    run(&["--continue"], "Which step is the largest?");

    let converse: Vec<Value> = sim
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/converse-stream"))
        .map(|r| r.body)
        .collect();
    assert!(
        converse.len() >= 3,
        "a tool round, its answer, the follow-up"
    );
    let point = json!({"cachePoint": {"type": "default"}});
    for body in &converse {
        assert_eq!(body["system"].as_array().unwrap().last(), Some(&point));
        assert_eq!(
            body["toolConfig"]["tools"].as_array().unwrap().last(),
            Some(&point)
        );
        let last_user = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|m| m["role"] == "user")
            .unwrap();
        assert_eq!(
            last_user["content"].as_array().unwrap().last(),
            Some(&point)
        );
    }

    let usages = saved_usages(&home);
    assert_eq!(usages.len(), 2, "one usage per turn: {usages:?}");
    let number = |u: &Value, k: &str| u[k].as_u64().unwrap_or_else(|| panic!("{k} in {u}"));
    // The first turn's tool round writes its history; the follow-up reads it.
    assert!(number(&usages[0], "cache_write_tokens") > 0, "{usages:?}");
    assert!(
        number(&usages[1], "cache_read_tokens") >= number(&usages[0], "cache_write_tokens"),
        "{usages:?}"
    );
    for usage in &usages {
        let cached = number(usage, "cache_read_tokens") + number(usage, "cache_write_tokens");
        assert!(cached <= number(usage, "prompt_tokens"), "{usage}");
    }
}

/// `run --json`'s usage carries the turn's cost at the catalog's list price, computed from the
/// same price `models --json` shows; `run -v` says it beside the tokens, marked as list price.
#[test]
fn a_turn_costs_its_tokens_at_the_catalog_price() {
    let home = Home::new();
    let models = home
        .sapcode()
        .args(["--demo", "models", "--json"])
        .output()
        .unwrap();
    let catalog: Value = serde_json::from_str(&stdout_of(&models)).unwrap();
    let price = catalog
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "gpt-4o")
        .unwrap()["price"]
        .clone();
    let run = home
        .sapcode()
        .args(["--demo", "--model", "gpt-4o", "run", "--json", "price this"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_of(&run));
    let usage: Value = stdout_of(&run)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|event| event["type"] == "usage")
        .unwrap();
    let tokens = |key: &str| usage[key].as_f64().unwrap();
    let rate = |key: &str| price[key].as_f64().unwrap();
    let expected = tokens("prompt_tokens") / 1000.0 * rate("input_per_1k_usd")
        + tokens("completion_tokens") / 1000.0 * rate("output_per_1k_usd");
    assert_eq!(tokens("cache_read_tokens"), 0.0);
    let cost = usage["cost_usd"].as_f64().unwrap();
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");

    let verbose = home
        .sapcode()
        .args(["--demo", "--model", "gpt-4o", "-v", "run", "price this"])
        .output()
        .unwrap();
    let last = stderr_of(&verbose).lines().last().unwrap().to_owned();
    assert!(
        last.contains("tokens in") && last.contains("≈ $") && last.contains(" list"),
        "{last}"
    );
}

/// `--no-prompt-cache` and `[agent] prompt_cache = false` send no breakpoint in either
/// dialect that takes them, and the service then reads nothing from its cache; `doctor` says
/// which way the switch stands.
#[test]
fn prompt_caching_switches_off_by_flag_or_config() {
    let home = Home::new();
    let sim = TestSim::start("");
    let run = |extra: &[&str], mode: &str| {
        let output = home
            .sapcode()
            .current_dir(home.path())
            .env("AICORE_SERVICE_KEY", sim.key_json())
            .args(["--resource-group", "team-b", "--mode", mode])
            .args(["--model", "anthropic--claude-4.5-sonnet"])
            .args(extra)
            .args(["run", "--tools", "off", "--json", "Say hello twice."])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        let usage: Value = stdout_of(&output)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|event| event["type"] == "usage")
            .unwrap();
        let body = sim.server().requests().last().unwrap().body.clone();
        (body.to_string(), usage)
    };
    for mode in ["foundation", "orchestration"] {
        let (cached, _) = run(&[], mode);
        assert!(
            cached.contains("cachePoint") || cached.contains("cache_control"),
            "{mode}: {cached}"
        );
        let (plain, usage) = run(&["--no-prompt-cache"], mode);
        assert!(
            !plain.contains("cachePoint") && !plain.contains("cache_control"),
            "{mode}: {plain}"
        );
        assert_eq!(usage["cache_read_tokens"], 0, "{mode}: {usage}");
        assert_eq!(usage["cache_write_tokens"], 0, "{mode}: {usage}");
    }
    let doctor = |home: &Home| {
        let output = home.sapcode().args(["--demo", "doctor"]).output().unwrap();
        stdout_of(&output)
    };
    assert!(
        doctor(&home).contains("prompt caching on"),
        "{}",
        doctor(&home)
    );

    let config = home.config_file();
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[agent]\nprompt_cache = false\n").unwrap();
    let (plain, _) = run(&[], "foundation");
    assert!(!plain.contains("cachePoint"), "{plain}");
    assert!(
        doctor(&home).contains("prompt caching off"),
        "{}",
        doctor(&home)
    );
}
