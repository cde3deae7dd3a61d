//! Running the npm-installed clients (Claude Code, Codex, the Kilo CLI) from tests: found in
//! `tests/clients/node_modules` (installed by `tests/setup.sh`), started with nothing of the
//! caller's environment but PATH and offline except for loopback, killed after a deadline.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(90);
/// Nothing listens here: port 9 (discard) on loopback, refused at once.
pub const DEAD_PROXY: &str = "http://127.0.0.1:9";

/// `tests/clients/node_modules/.bin/NAME`.
pub fn client_bin(name: &str) -> Option<PathBuf> {
    installed(&format!(".bin/{name}"), name)
}

/// `tests/clients/node_modules/PATH` (a client whose package links no `.bin` entry), or
/// `None` after saying it is skipped when `SAPCODE_SKIP_CONFORMANCE=1` and it is absent.
pub fn installed(path: &str, name: &str) -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients/node_modules")
        .join(path);
    if bin.exists() {
        return Some(bin);
    }
    let message = format!(
        "{name} is not installed in tests/clients/node_modules: run `sh tests/setup.sh` (needs Node.js 20+ and npm)"
    );
    if std::env::var("SAPCODE_SKIP_CONFORMANCE").is_ok_and(|v| v == "1") {
        let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {message}\n");
        return None;
    }
    panic!("{message}\n(To skip it knowingly, set SAPCODE_SKIP_CONFORMANCE=1.)");
}

/// A command with nothing of the caller's environment but PATH, offline but for loopback.
pub fn offline(bin: &Path, home: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1");
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env(proxy, DEAD_PROXY);
    }
    command
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    command
}

pub fn run(command: Command) -> (Output, bool) {
    run_for(command, TIMEOUT)
}

/// [`run`] with its own deadline, for a client that starts slowly on a loaded machine.
pub fn run_for(mut command: Command, timeout: Duration) -> (Output, bool) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the client");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, timed_out)
}
