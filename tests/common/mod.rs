//! Helpers shared by the integration tests: an isolated home for the binary and the
//! simulator on its own runtime, so synchronous `assert_cmd` tests can use it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sapcode::sim::{Faults, SimOptions, SimServer};
use tempfile::TempDir;

/// A temp HOME with XDG dirs and the file store for secrets, so no test touches the user's
/// keyring.
pub struct Home {
    pub dir: TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_file(&self) -> PathBuf {
        self.path().join("config/sapcode/config.toml")
    }

    /// The documented file store (`SAPCODE_KEYRING=file`): beside the config file.
    pub fn keyring_file(&self) -> PathBuf {
        self.path().join("config/sapcode/secrets.json")
    }

    /// The binary with a clean environment pointed at this home.
    pub fn sapcode(&self) -> Command {
        let mut cmd = Command::from_std(self.std_command());
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// `sapcode`'s command as a `std::process::Command`, for a test that waits for the
    /// child itself.
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("sapcode"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("SAPCODE_KEYRING", "file")
            .env("NO_COLOR", "1");
        cmd
    }

    /// Every file under this home, read as text (for "the secret is nowhere" checks).
    pub fn all_text(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![self.path().to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path != self.keyring_file() {
                    out.push_str(&String::from_utf8_lossy(
                        &std::fs::read(&path).unwrap_or_default(),
                    ));
                }
            }
        }
        out
    }
}

/// The simulator on a runtime of its own; dropped with the test.
pub struct TestSim {
    pub server: Option<SimServer>,
    runtime: tokio::runtime::Runtime,
}

impl TestSim {
    pub fn start(faults: &str) -> TestSim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let faults = Faults::parse(faults).expect("fault spec");
        let server = runtime
            .block_on(SimServer::start(SimOptions {
                faults,
                ..SimOptions::default()
            }))
            .expect("simulator starts");
        TestSim {
            server: Some(server),
            runtime,
        }
    }

    pub fn server(&self) -> &SimServer {
        self.server.as_ref().expect("running")
    }

    pub fn key_json(&self) -> String {
        self.server().service_key().to_string()
    }

    pub fn key_with(&self, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut key = self.server().service_key();
        edit(&mut key);
        key.to_string()
    }

    pub fn count_requests(&self, path_suffix: &str) -> usize {
        self.server()
            .requests()
            .iter()
            .filter(|r| r.path.ends_with(path_suffix))
            .count()
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
