//! A full session through the binary with `-v` logging on — login with a known secret,
//! models, run, a failing call, doctor — then every byte it left behind (stdout, stderr, the
//! log, config, caches, crash reports: the whole temp HOME except the test's own
//! keyring file) is scanned: the client secret and every issued access token appear nowhere.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, TestSim, stderr_of, stdout_of};
use sapcode::sim::{CLIENT_SECRET, Faults};

#[test]
fn a_full_session_leaks_no_secret_and_no_token() {
    let sim = TestSim::start("");
    let home = Home::new();
    let mut outputs = Vec::new();
    let mut step = |args: &[&str], stdin: Option<String>, env: &[(&str, &str)]| {
        let mut cmd = home.sapcode();
        cmd.args(args);
        for (name, value) in env {
            cmd.env(name, value);
        }
        if let Some(stdin) = stdin {
            cmd.write_stdin(stdin);
        }
        let output = cmd.output().unwrap();
        outputs.push(format!(
            "$ sapcode {}\n{}{}",
            args.join(" "),
            stdout_of(&output),
            stderr_of(&output)
        ));
        output.status.code()
    };

    assert_eq!(
        step(
            &["-v", "login", "--service-key", "-"],
            Some(sim.key_json()),
            &[]
        ),
        Some(0)
    );
    assert_eq!(step(&["-v", "models"], None, &[]), Some(0));
    assert_eq!(step(&["-v", "deployments"], None, &[]), Some(0));
    assert_eq!(
        step(&["-v", "run", "write a hello world in Rust"], None, &[]),
        Some(0)
    );
    assert_eq!(step(&["-v", "run", "--json", "hi"], None, &[]), Some(0));
    // A failing call: the service stays unavailable, the client gives up.
    sim.server()
        .set_faults(Faults::parse("503=100,html-errors").unwrap());
    assert_eq!(step(&["-v", "run", "hi"], None, &[]), Some(5));
    // A rejected token and a refused secret.
    sim.server()
        .set_faults(Faults::parse("reject-token=100,auth-fail").unwrap());
    assert_eq!(step(&["-v", "models", "--refresh"], None, &[]), Some(3));
    sim.server().set_faults(Faults::default());
    // The key from the environment too, and doctor.
    assert_eq!(
        step(
            &["-v", "doctor"],
            None,
            &[("AICORE_SERVICE_KEY", &sim.key_json())]
        ),
        Some(0)
    );
    assert_eq!(step(&["-v", "doctor"], None, &[]), Some(0));

    let transcript = outputs.join("\n");
    let files = home.all_text();

    // The scan must have something to scan: the log exists and has request lines.
    let log = home.path().join(".local/state/sapcode/sapcode.log");
    let log_text = std::fs::read_to_string(&log).expect("-v wrote a log file");
    assert!(log_text.contains("/v2/lm/deployments"), "{log_text}");
    assert!(log_text.contains("status=200"), "{log_text}");
    assert!(log_text.contains("token issued"), "{log_text}");
    assert!(!home.keyring_file().as_os_str().is_empty());

    // Every token the simulator issued is a JWT ("eyJ…"); none may appear anywhere.
    assert!(
        sim.count_requests("/oauth/token") >= 5,
        "tokens were issued during the session"
    );
    for (what, text) in [("output", &transcript), ("files", &files)] {
        assert!(
            !text.contains(CLIENT_SECRET),
            "client secret leaked into {what}:\n{text}"
        );
        assert!(!text.contains("eyJ"), "a token leaked into {what}:\n{text}");
        assert!(
            !text.to_ascii_lowercase().contains("bearer ey"),
            "an Authorization value leaked into {what}"
        );
    }
}

/// A corrupt cache file is a miss that `-v` reports; the next fetch replaces it whole.
#[test]
fn corrupt_cache_is_reported_under_verbose_and_replaced() {
    let sim = TestSim::start("");
    let home = Home::new();
    let key = sim.key_json();
    home.sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .args(["models"])
        .assert()
        .success();
    let cache_dir = home.path().join("cache/sapcode");
    let files: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!files.is_empty(), "models wrote caches");
    for file in &files {
        std::fs::write(file, b"{\"fetched_at_ms\": 1, \"data\": [tru").unwrap();
    }
    let output = home
        .sapcode()
        .env("AICORE_SERVICE_KEY", &key)
        .args(["-v", "models"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("is corrupt"), "{stderr}");
    assert!(stderr.contains("fetching afresh"), "{stderr}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{text}"
        );
    }
}
