//! `sapcode --demo run` in a pseudo-terminal (stdin and stdout are a TTY): the approval flow
//! (the diff is shown on the terminal, `n` plus a reason writes nothing and the model is told
//! the reason, `y` writes the edit, a line typed before the question never answers it) and
//! the answer reaching the terminal only escaped. Every wait has a timeout.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
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
        Session::start_with(home, project, &["--demo", "run", "--tools", "edit", PROMPT])
    }

    fn start_with(home: &Path, project: &Path, args: &[&str]) -> Session {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sapcode"));
        cmd.args(args);
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

    fn finish(self) -> (u32, String) {
        let (code, raw) = self.finish_raw();
        (code, String::from_utf8_lossy(&raw).into_owned())
    }

    /// The exit code and every byte the terminal received, unaltered (what was seen so far
    /// included).
    fn finish_raw(mut self) -> (u32, Vec<u8>) {
        let mut raw = std::mem::take(&mut self.seen).into_bytes();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    raw.extend_from_slice(&bytes);
                }
                return (status.exit_code(), raw);
            }
            assert!(
                Instant::now() < deadline,
                "sapcode did not exit; seen:\n{}",
                String::from_utf8_lossy(&raw)
            );
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(100)) {
                raw.extend_from_slice(&bytes);
            }
        }
    }
}

/// A home with `project/notes.txt` saying hello: the demo's edit target.
fn project_with_notes() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let notes = project.join("notes.txt");
    std::fs::write(&notes, "one\nhello\nthree\n").unwrap();
    (home, project, notes)
}

#[test]
fn the_terminal_asks_and_the_answer_decides() {
    let (home, project, notes) = project_with_notes();

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

#[test]
fn a_line_typed_before_the_question_does_not_answer_it() {
    let (home, project, notes) = project_with_notes();

    let mut session = Session::start(home.path(), &project);
    // Typed at once, long before the simulated model has asked for the edit: it waits in
    // the terminal's input queue, where a plain read would take it as the answer.
    session.type_line("y");
    session.wait_for("Apply this edit? [y]es / [n]o / [a]ll edits this session: ");
    // Time for a wrongly taken `y` to write the file, so the check below can fail.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\nhello\nthree\n",
        "the type-ahead approved the edit; seen:\n{}",
        session.seen
    );
    assert!(
        !session.seen.contains("Reason for the model"),
        "{}",
        session.seen
    );
    session.type_line("n");
    session.wait_for("Reason for the model (optional, Enter to skip): ");
    session.type_line("");
    let (code, seen) = session.finish();
    assert_eq!(code, 0, "{seen}");
    assert!(seen.contains("rejected by the user"), "{seen}");
    assert!(!seen.contains("applied: edited"), "{seen}");
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\nhello\nthree\n"
    );
}

/// Byte sequences a hostile answer uses on a terminal: set the clipboard (OSC 52), clear the
/// screen, conceal what follows (SGR 8), reverse the line (U+202E).
const HOSTILE: [(&str, &[u8]); 5] = [
    ("OSC 52", b"\x1b]52;"),
    ("CSI 2J", b"\x1b[2J"),
    ("SGR 8", b"\x1b[8m"),
    ("BEL", b"\x07"),
    ("U+202E", "\u{202e}".as_bytes()),
];

#[test]
fn run_on_a_terminal_shows_a_hostile_answer_escaped() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    // The simulated model quotes the question as it came (README, "The simulator"), control
    // characters included: this is the answer of a model that writes them.
    let prompt = "hi \x1b]52;c;cHduZWQ=\x07 \x1b[2J \x1b[8m concealed \x1b[0m \u{202e}desrever";
    let session = Session::start_with(home.path(), &project, &["--demo", "run", prompt]);
    let (code, raw) = session.finish_raw();
    let seen = String::from_utf8_lossy(&raw);
    assert_eq!(code, 0, "{seen}");
    for (name, bytes) in HOSTILE {
        assert!(
            !raw.windows(bytes.len()).any(|w| w == bytes),
            "{name} reached the terminal raw:\n{seen:?}"
        );
    }
    assert!(
        seen.contains(
            "hi \\x1b]52;c;cHduZWQ=\\x07 \\x1b[2J \\x1b[8m concealed \\x1b[0m \\u{202e}desrever"
        ),
        "the answer shows the escapes as text:\n{seen}"
    );
}
