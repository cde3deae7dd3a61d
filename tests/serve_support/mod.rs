//! `sapcode --demo serve --port 0` as a child process for the serve tests: a sandboxed HOME
//! (no real keyring, config or state), its stderr collected, the port and the in-process
//! simulator's address read from the start-up lines.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const KEY: &str = "sk-test-serve-key";

pub struct Serve {
    child: Child,
    pub home: tempfile::TempDir,
    pub port: u16,
    /// The `--demo` simulator behind serve (`/_sim/requests`, `/_sim/stats`).
    pub sim: String,
    stderr: Arc<Mutex<String>>,
}

pub struct Options<'a> {
    /// `SAPCODE_SERVE_KEY`; `None` lets serve generate and store one.
    pub key: Option<&'a str>,
    pub faults: &'a str,
    pub args: &'a [&'a str],
    /// The config file's text, if any.
    pub config: Option<&'a str>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            key: Some(KEY),
            faults: "",
            args: &[],
            config: None,
        }
    }
}

impl Serve {
    pub fn start() -> Serve {
        Serve::start_with(Options::default())
    }

    pub fn start_with(options: Options<'_>) -> Serve {
        let home = tempfile::tempdir().expect("temp dir");
        if let Some(text) = options.config {
            let dir = home.path().join("config/sapcode");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("config.toml"), text).unwrap();
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_sapcode"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("SAPCODE_KEYRING", "file")
            .args(["--demo", "-v", "serve", "--port", "0"])
            .args(options.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(key) = options.key {
            command.env("SAPCODE_SERVE_KEY", key);
        }
        if !options.faults.is_empty() {
            command.env("SAPCODE_SIM_FAULTS", options.faults);
        }
        let mut child = command.spawn().expect("start sapcode --demo serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let (port, sim) = loop {
            let text = stderr.lock().unwrap().clone();
            let port = after(&text, "listening on http://127.0.0.1:");
            let sim = after(&text, "built-in simulator at http://127.0.0.1:");
            if let (Some(port), Some(sim)) = (port, sim) {
                break (port.parse().unwrap(), format!("http://127.0.0.1:{sim}"));
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("sapcode serve exited early ({status}):\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "sapcode serve did not say where it listens within 20 s:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Serve {
            child,
            home,
            port,
            sim,
            stderr,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Requests the simulator received whose path ends with `suffix`.
    pub async fn sim_count(&self, suffix: &str) -> usize {
        let list: Vec<Value> = reqwest::get(format!("{}/_sim/requests", self.sim))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list.iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
            .count()
    }

    pub async fn streams_abandoned(&self) -> u64 {
        let stats: Value = reqwest::get(format!("{}/_sim/stats", self.sim))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["streams_abandoned"].as_u64().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The digits right after `marker` in `text`.
fn after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// `data:` payloads of an SSE body as JSON (`[DONE]` left out), with their event names.
pub fn sse_events(body: &str) -> Vec<(Option<String>, Value)> {
    body.split("\n\n")
        .filter_map(|frame| {
            let mut name = None;
            let mut data = None;
            for line in frame.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = Some(d);
                }
            }
            let data = data.filter(|d| *d != "[DONE]")?;
            Some((name, serde_json::from_str(data).expect("SSE data is JSON")))
        })
        .collect()
}
