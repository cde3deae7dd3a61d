//! The approval flow of `sapcode --demo run --tools edit` in a pseudo-terminal (stdin is a
//! TTY): the diff is shown on the terminal, `n` plus a reason writes nothing and the model is
//! told the reason, `y` writes the edit. Every wait has a timeout.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use portable_pty::CommandBuilder;

mod pty_support;

const WAIT: Duration = Duration::from_secs(30);
const PROMPT: &str = r#"in notes.txt replace "hello" with "goodbye""#;

struct Session {
    output: Receiver<Vec<u8>>,
    seen: String,
    input: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    fn start(home: &Path, project: &Path) -> Session {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sapcode"));
        cmd.args(["--demo", "run", "--tools", "edit", PROMPT]);
        cmd.cwd(project);
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("TERM", "dumb");
        cmd.env("NO_COLOR", "1");
        pty_support::keep_in(&mut cmd, home);
        let pty = pty_support::spawn(cmd, 40, 120);
        Session {
            output: pty.output,
            seen: String::new(),
            input: pty.input,
            child: pty.child,
            _master: pty.master,
        }
    }

    fn wait_for(&mut self, what: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.seen.contains(what) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what:?}; seen:\n{}",
                self.seen
            );
            match self.output.recv_timeout(Duration::from_millis(100)) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    assert!(
                        self.seen.contains(what),
                        "exited before {what:?}; seen:\n{}",
                        self.seen
                    );
                }
            }
        }
    }

    fn type_line(&mut self, line: &str) {
        self.input
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
        self.input.flush().unwrap();
    }

    fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push_str(&String::from_utf8_lossy(&bytes));
                }
                return (status.exit_code(), self.seen);
            }
            assert!(
                Instant::now() < deadline,
                "sapcode did not exit; seen:\n{}",
                self.seen
            );
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(100)) {
                self.seen.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
}

#[test]
fn the_terminal_asks_and_the_answer_decides() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let notes = project.join("notes.txt");
    std::fs::write(&notes, "one\nhello\nthree\n").unwrap();

    let mut session = Session::start(home.path(), &project);
    session.wait_for("Apply this edit? [y]es / [n]o / [a]ll edits this session: ");
    assert!(session.seen.contains("-hello"), "{}", session.seen);
    assert!(session.seen.contains("+goodbye"), "{}", session.seen);
    session.type_line("n");
    session.wait_for("Reason for the model (optional, Enter to skip): ");
    session.type_line("keep the greeting");
    let (code, seen) = session.finish();
    assert_eq!(code, 0, "{seen}");
    assert!(
        seen.contains("rejected by the user: keep the greeting"),
        "{seen}"
    );
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\nhello\nthree\n"
    );

    let mut session = Session::start(home.path(), &project);
    session.wait_for("Apply this edit?");
    session.type_line("y");
    let (code, seen) = session.finish();
    assert_eq!(code, 0, "{seen}");
    assert!(seen.contains("applied: edited notes.txt"), "{seen}");
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\ngoodbye\nthree\n"
    );
}
