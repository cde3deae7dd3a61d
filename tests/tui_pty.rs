//! End to end: the real `sapcode --demo` in a pseudo-terminal. Picks a model and a
//! deployment with keys, asks a question, waits for the streamed answer on the parsed screen,
//! quits, and checks the terminal left the alternate screen. Every wait has a timeout.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use portable_pty::CommandBuilder;

mod pty_support;

const ROWS: u16 = 40;
const COLS: u16 = 120;
const WAIT: Duration = Duration::from_secs(30);

struct Screen {
    parser: vt100::Parser,
    raw: Vec<u8>,
    output: Receiver<Vec<u8>>,
    input: Box<dyn Write + Send>,
    /// Kept open for the child's lifetime.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Screen {
    /// Reads output into the parser for at most `step`; answers the cursor-position query.
    /// Reads the screen for `time`, whatever arrives.
    fn idle(&mut self, time: Duration) {
        let until = Instant::now() + time;
        while Instant::now() < until && self.pump(Duration::from_millis(20)) {}
    }

    fn pump(&mut self, step: Duration) -> bool {
        match self.output.recv_timeout(step) {
            Ok(bytes) => {
                if bytes.windows(4).any(|w| w == b"\x1b[6n") {
                    self.input.write_all(b"\x1b[1;1R").unwrap();
                    self.input.flush().unwrap();
                }
                // The kitty keyboard query ends with a primary device attributes request: a
                // terminal without the protocol answers only that (else the app waits 2 s).
                if bytes.windows(3).any(|w| w == b"\x1b[c") {
                    self.input.write_all(b"\x1b[?62c").unwrap();
                    self.input.flush().unwrap();
                }
                self.parser.process(&bytes);
                self.raw.extend_from_slice(&bytes);
                true
            }
            Err(RecvTimeoutError::Timeout) => true,
            Err(RecvTimeoutError::Disconnected) => false,
        }
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    fn wait_for(&mut self, what: &str, ready: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if ready(&self.text()) {
                return;
            }
            if !self.pump(Duration::from_millis(50)) && !ready(&self.text()) {
                panic!(
                    "sapcode exited while waiting for {what}; screen:\n{}",
                    self.text()
                );
            }
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.text());
    }

    /// Types `keys`. No pause follows: the app reads keys in order, and every step that
    /// needs the app in a new state first waits for that state on screen (`wait_for`). No
    /// test sends a lone ESC, the one key a following byte could change.
    fn send(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    /// Reads until the raw output holds `what` after position `from`, or fails at the deadline.
    fn wait_for_raw(&mut self, what: &str, from: usize) {
        let deadline = Instant::now() + WAIT;
        while !String::from_utf8_lossy(&self.raw[from.min(self.raw.len())..]).contains(what) {
            assert!(
                Instant::now() < deadline && self.pump(Duration::from_millis(50)),
                "the output never held {what:?}"
            );
        }
    }
}

/// `sapcode --demo` in a pty, with HOME, XDG dirs and the keyring in `home`, run in `home`.
fn spawn_demo(home: &std::path::Path) -> (Screen, Box<dyn portable_pty::Child + Send + Sync>) {
    spawn_demo_with(home, &[])
}

/// `sapcode --demo ARGS…`, as `spawn_demo`.
fn spawn_demo_with(
    home: &std::path::Path,
    args: &[&str],
) -> (Screen, Box<dyn portable_pty::Child + Send + Sync>) {
    spawn_demo_env(home, args, &[])
}

/// `sapcode --demo ARGS…` with `env` set on top of the cleaned environment.
fn spawn_demo_env(
    home: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Screen, Box<dyn portable_pty::Child + Send + Sync>) {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sapcode"));
    cmd.arg("--demo");
    cmd.args(args);
    cmd.cwd(home);
    cmd.env("TERM", "xterm-256color");
    pty_support::keep_in(&mut cmd, home);
    for var in [
        "AICORE_SERVICE_KEY",
        "AICORE_CLIENT_ID",
        "AICORE_CLIENT_SECRET",
        "AICORE_AUTH_URL",
        "AICORE_BASE_URL",
        "AICORE_RESOURCE_GROUP",
        "SAPCODE_SIM_FAULTS",
        "SAPCODE_PROFILE",
        "SAPCODE_CONFIG",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    let pty = pty_support::spawn(cmd, ROWS, COLS);
    let screen = Screen {
        parser: vt100::Parser::new(ROWS.try_into().unwrap(), COLS.try_into().unwrap(), 0),
        raw: Vec::new(),
        output: pty.output,
        input: pty.input,
        _master: pty.master,
    };
    (screen, pty.child)
}

#[test]
fn demo_pick_chat_quit_in_a_pty() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    screen.wait_for("the model list", |s| {
        s.contains("gpt-4o") && s.contains("2/3")
    });
    // Ctrl-O to the model picker, where letters filter; pick gpt-4o; the deployment picker
    // opens on its first RUNNING row.
    screen.send("\x0fgpt-4o");
    screen.send("\r");
    screen.wait_for("gpt-4o's deployments", |s| s.contains("2 running of 3"));
    // Down twice: the PENDING row is skipped, so this lands on the second RUNNING one.
    screen.send("\x1b[B");
    screen.send("\x1b[B");
    screen.send("\r");
    screen.wait_for("the chat title", |s| s.contains("Chat · gpt-4o · de91b0a1"));
    screen.send("what does the borrow checker do");
    screen.send("\r");
    screen.wait_for("the streamed answer", |s| {
        s.contains("received your message") && s.contains("total")
    });
    assert!(screen.text().contains("┌ rust"), "{}", screen.text());
    // Ctrl-C on an empty input asks for a second one.
    screen.send("\x03");
    screen.wait_for("the second Ctrl-C hint", |s| {
        s.contains("C-c again to quit")
    });
    screen.send("\x03");

    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "sapcode did not quit on Ctrl-C");
        screen.pump(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    // Read what the app wrote while restoring the terminal: leaving the alternate screen,
    // then showing the cursor again.
    screen.wait_for_raw("\x1b[?1049l", 0);
    let left = String::from_utf8_lossy(&screen.raw)
        .rfind("\x1b[?1049l")
        .expect("left the alternate screen");
    screen.wait_for_raw("\x1b[?25h", left);
    let raw = String::from_utf8_lossy(&screen.raw);
    let entered = raw
        .find("\x1b[?1049h")
        .expect("entered the alternate screen");
    assert!(left > entered);
    assert!(!screen.parser.screen().alternate_screen());
    assert!(raw[left..].contains("\x1b[?25h"), "cursor shown again");
    // Back in the shell, one line says how to come back to this very conversation: by the
    // id its session file has (the one `sapcode sessions` lists).
    let hint = "to resume this conversation: sapcode --demo --resume ";
    screen.wait_for_raw(hint, left);
    let at = left
        + String::from_utf8_lossy(&screen.raw[left..])
            .find(hint)
            .unwrap()
        + hint.len();
    screen.wait_for_raw("\n", at);
    let raw = String::from_utf8_lossy(&screen.raw[at..]).into_owned();
    let id = raw.split_whitespace().next().unwrap();
    assert!(
        session_file_named(home.path(), &format!("{id}.jsonl")),
        "no session file for {id:?}"
    );
}

/// Whether a file called `name` lies anywhere under `dir`.
fn session_file_named(dir: &std::path::Path, name: &str) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            session_file_named(&path, name)
        } else {
            entry.file_name() == name
        }
    })
}

/// Picks gpt-4o and its first RUNNING deployment with the keyboard.
fn pick_gpt4o(screen: &mut Screen) {
    screen.wait_for("the model list", |s| {
        s.contains("gpt-4o") && s.contains("2/3")
    });
    screen.send("\x0fgpt-4o");
    screen.send("\r");
    screen.wait_for("gpt-4o's deployments", |s| s.contains("2 running of 3"));
    screen.send("\r");
    screen.wait_for("the chat title", |s| s.contains("Chat · gpt-4o · d7f3a9c2"));
}

#[test]
fn attach_a_file_with_at_and_see_it_in_the_code_view() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("src")).unwrap();
    std::fs::write(
        home.path().join("src/parse_key.rs"),
        "pub fn parse_key(text: &str) -> bool {\n    text.ends_with('=')\n}\n",
    )
    .unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    // Tab completes the path after `@`; Enter attaches it to the next question.
    screen.send("@src/pa");
    screen.send("\t");
    screen.wait_for("the completed path", |s| s.contains("@src/parse_key.rs"));
    screen.send("\r");
    screen.wait_for("the attachment row", |s| {
        s.contains("@src/parse_key.rs 65 B ×")
    });
    // The code view opens beside the chat with the file, highlighted and numbered.
    screen.send("\x06");
    screen.wait_for("the code view", |s| {
        s.contains("Code · @src/parse_key.rs · rs") && s.contains("1 │ pub fn parse_key")
    });
    // Back to the chat: the question goes with the file, and the session is saved.
    screen.send("\t");
    screen.send("why the equals sign?");
    screen.send("\r");
    // Tools are on (level `all`): the simulated model may read the file it was asked about.
    screen.wait_for("the streamed answer", |s| {
        (s.contains("received your message") || s.contains("reported by gpt-4o"))
            && s.contains("total")
    });
    assert!(
        screen.text().contains("📎 @src/parse_key.rs 65 B"),
        "{}",
        screen.text()
    );
    let sessions = home.path().join("data/sapcode/sessions");
    let deadline = Instant::now() + WAIT;
    let saved = loop {
        // One folder per workspace, one JSON Lines file per conversation.
        let files: Vec<_> = std::fs::read_dir(&sessions)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|workspace| std::fs::read_dir(workspace.path()).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        if let Some(file) = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        {
            break std::fs::read_to_string(file).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no session file in {}",
            sessions.display()
        );
        screen.pump(Duration::from_millis(50));
    };
    assert!(saved.contains("why the equals sign?"), "{saved}");
    assert!(saved.contains("`src/parse_key.rs`:"), "{saved}");
    quit(&mut screen, &mut child);
}

/// A dropped (pasted) image path attaches the image; the question goes with it, and the
/// simulated model reads the image's size back from the bytes it received.
#[test]
fn a_pasted_image_path_goes_with_the_question() {
    let home = tempfile::tempdir().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend(64u32.to_be_bytes());
    png.extend(32u32.to_be_bytes());
    png.resize(600, 0x42);
    let shot = home.path().join("shot.png");
    std::fs::write(&shot, &png).unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    // Bracketed paste, quoted as terminals drop a file.
    screen.send(&format!("\x1b[200~'{}'\x1b[201~", shot.display()));
    screen.wait_for("the attached image", |s| s.contains("shot.png 600 B ×"));
    screen.send("what is in it?\r");
    screen.wait_for("the answer about the image", |s| {
        s.contains("I see an image of 64×32 pixels, png, 600 bytes")
    });
    quit(&mut screen, &mut child);
}

/// A terminal without bracketed paste types a paste key by key, its line breaks as Enter
/// (CR): the lines stay in the input instead of the first one being sent.
#[test]
fn a_paste_typed_as_keys_keeps_its_lines() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("fn first() {}\rfn second() {}\r\nfn third() {}");
    screen.wait_for("three lines in the input", |s| {
        s.contains("fn first() {}") && s.contains("fn second() {}") && s.contains("fn third() {}")
    });
    assert!(
        !screen.text().contains("received your message"),
        "{}",
        screen.text()
    );
    quit(&mut screen, &mut child);
}

/// A long paste from a terminal without bracketed paste arrives as keys, more than one read
/// of the terminal holds. All of it must arrive without another key to wake the reader
/// (crossterm's default, edge-triggered reader left the rest unread until the next key), as
/// one chip, and nothing is sent.
#[test]
fn a_long_paste_typed_as_keys_arrives_whole_as_one_chip() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    let typed: String = (0..120)
        .map(|n| format!("line {n:04} of a typed paste\r"))
        .collect();
    assert!(typed.len() > 3_000);
    screen.send(&typed);
    screen.wait_for("all 120 lines in one chip", |s| {
        s.contains("[pasted 120 lines")
    });
    assert!(
        !screen.text().contains("received your message"),
        "{}",
        screen.text()
    );
    quit(&mut screen, &mut child);
}

/// `@` and a few letters list the workspace's files that match, above the input; Enter puts
/// the choice in.
#[test]
fn at_lists_matching_files_and_enter_inserts_one() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("src")).unwrap();
    for name in ["parse_key.rs", "lib.rs"] {
        std::fs::write(home.path().join("src").join(name), "// x\n").unwrap();
    }
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("look at @pkey");
    screen.wait_for("the completion list", |s| {
        s.contains("@pkey · 1") && s.contains("› src/parse_key.rs")
    });
    screen.send("\r");
    screen.wait_for("the inserted path", |s| {
        s.contains("look at @src/parse_key.rs")
    });
    assert!(!screen.text().contains("@pkey · 1"), "{}", screen.text());
    quit(&mut screen, &mut child);
}

#[test]
fn continue_opens_the_tui_on_the_last_conversation() {
    let home = tempfile::tempdir().unwrap();
    let saved = std::process::Command::new(env!("CARGO_BIN_EXE_sapcode"))
        .args(["--demo", "run", "what is a resource group"])
        .current_dir(home.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env(
            "SAPCODE_KEYRING",
            format!("insecure-file:{}", home.path().join("k.json").display()),
        )
        .output()
        .unwrap();
    assert!(saved.status.success(), "{saved:?}");
    let (mut screen, mut child) = spawn_demo_with(home.path(), &["--continue"]);
    screen.wait_for("the saved question and the notice", |s| {
        s.contains("what is a resource group") && s.contains("continuing")
    });
    quit(&mut screen, &mut child);
}

/// `sapcode run PROMPT` in `home` (the demo), as a user would have run it earlier.
fn demo_run(home: &std::path::Path, prompt: &str) {
    let saved = std::process::Command::new(env!("CARGO_BIN_EXE_sapcode"))
        .args(["--demo", "run", prompt])
        .current_dir(home)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("SAPCODE_KEYRING", "file")
        .output()
        .unwrap();
    assert!(saved.status.success(), "{saved:?}");
}

/// `sapcode sessions --json` in `home` (the demo): the saved conversations, newest first.
fn sessions_json(home: &std::path::Path) -> serde_json::Value {
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_sapcode"))
        .args(["--demo", "sessions", "--json"])
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .unwrap();
    serde_json::from_slice(&listed.stdout).unwrap()
}

#[test]
fn resume_with_an_id_from_sessions_opens_that_conversation() {
    let home = tempfile::tempdir().unwrap();
    demo_run(home.path(), "the older question about quotas");
    demo_run(home.path(), "the newer question about tokens");
    let sessions = sessions_json(home.path());
    let older = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains("quotas"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut screen, mut child) = spawn_demo_with(home.path(), &["--resume", &older]);
    screen.wait_for("the chosen conversation", |s| {
        s.contains("the older question about quotas") && s.contains("continuing")
    });
    assert!(!screen.text().contains("about tokens"), "{}", screen.text());
    quit(&mut screen, &mut child);
}

#[test]
fn a_prompt_on_the_command_line_is_sent_once_connected() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) =
        spawn_demo_with(home.path(), &["--model", "gpt-4o", "what", "is a quota"]);
    screen.wait_for("the answer to the command-line prompt", |s| {
        s.contains("received your message") && s.contains("what is a quota")
    });
    quit(&mut screen, &mut child);
}

/// Ctrl-C (clears a draft or stops an answer), Ctrl-D (quits on the empty input), then
/// waits for the process to end.
fn quit(screen: &mut Screen, child: &mut Box<dyn portable_pty::Child + Send + Sync>) {
    screen.send("\x03\x04");
    wait_exit(screen, child);
}

/// Waits for the process to end; it must end well.
fn wait_exit(screen: &mut Screen, child: &mut Box<dyn portable_pty::Child + Send + Sync>) {
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "sapcode did not quit; screen:\n{}",
            screen.text()
        );
        screen.pump(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn slash_commands_shell_commands_and_history_across_runs() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    // `/he`, Tab completes it in the popup, Enter runs it: the help lists the commands.
    screen.send("/he");
    screen.wait_for("the slash popup", |s| {
        s.contains("Commands") && s.contains("/help") && s.contains("every key and command")
    });
    screen.send("\t");
    screen.send("\r");
    screen.wait_for("the help", |s| {
        s.contains("Keys") && s.contains("show every key")
    });
    screen.send("q");
    screen.wait_for("the help closed", |s| !s.contains("show every key"));

    screen.send("what is a deployment");
    screen.send("\r");
    screen.wait_for("the answer", |s| {
        s.contains("received your message") && s.contains("ctx ")
    });
    screen.send("/new\r");
    screen.wait_for("a new conversation", |s| {
        s.contains("new conversation") && !s.contains("received your message")
    });

    // `!CMD` runs in the workspace; its output waits above the input for the next question.
    screen.send("!echo slash-ok\r");
    screen.wait_for("the command's output", |s| {
        s.contains("! echo slash-ok") && s.contains("exit 0") && s.contains("×")
    });
    screen.send("/frobnicate\r");
    screen.wait_for("the unknown command", |s| {
        s.contains("unknown command /frobnicate")
    });
    quit(&mut screen, &mut child);

    // The next run recalls the inputs with ↑ (newest first).
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("\x1b[A");
    screen.wait_for("the last input", |s| s.contains("/frobnicate"));
    screen.send("\x1b[A");
    screen.wait_for("the one before", |s| s.contains("!echo slash-ok"));
    quit(&mut screen, &mut child);
}

/// The user's own `!CMD` runs outside the sandbox but gets the stripped environment: no
/// credentials, no handle back into tmux or the ssh agent.
#[test]
fn a_shell_command_gets_the_stripped_environment() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo_env(
        home.path(),
        &[],
        &[
            ("AICORE_CLIENT_SECRET", "marker-client-secret"),
            ("SAPCODE_MARKER", "marker-sapcode"),
            ("TMUX", "/tmp/tmux-1000/default,4242,0"),
            ("SSH_AUTH_SOCK", "/tmp/ssh-marker/agent.1"),
            ("KEEP_ME", "kept"),
        ],
    );
    pick_gpt4o(&mut screen);
    screen.send("!env > shell-env.txt\r");
    screen.wait_for("the command's end", |s| {
        s.contains("! env > shell-env.txt") && s.contains("exit 0")
    });
    quit(&mut screen, &mut child);
    let seen = std::fs::read_to_string(home.path().join("shell-env.txt")).unwrap();
    assert!(seen.contains("KEEP_ME=kept"), "{seen}");
    for name in ["AICORE_", "SAPCODE_", "TMUX", "SSH_AUTH_SOCK", "marker"] {
        assert!(!seen.contains(name), "{name} reached !CMD: {seen}");
    }
}

/// The agent's review area in the real binary: the simulator's scripted edit is shown as a
/// diff; `n` with a reason writes nothing and the model is told why; asked again, `y`
/// writes it.
#[test]
fn an_edit_is_reviewed_rejected_with_a_reason_then_approved() {
    let home = tempfile::tempdir().unwrap();
    let notes = home.path().join("notes.txt");
    std::fs::write(&notes, "one\nhello\nthree\n").unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.wait_for("the tools level and the sandbox in the status line", |s| {
        s.contains("tools all · sandbox:")
    });
    let prompt = r#"in notes.txt replace "hello" with "goodbye""#;
    screen.send(prompt);
    screen.send("\r");
    screen.wait_for("the review area with the diff", |s| {
        s.contains("Review · edit notes.txt +1 −1")
            && s.contains("│-hello")
            && s.contains("│+goodbye")
    });
    // A review ignores keys for its first 0.3 s (typed before it appeared).
    screen.idle(Duration::from_millis(400));
    screen.send("n");
    screen.wait_for("the reason field", |s| s.contains("reason for the model"));
    screen.send("keep the greeting");
    screen.send("\r");
    screen.wait_for("the rejection in the transcript and the answer", |s| {
        s.contains("✗ edit_file notes.txt: rejected: keep the greeting") && !s.contains("Review ·")
    });
    // The answer is finished when its streaming cursor `▍` is gone.
    screen.wait_for("the end of the answer", |s| {
        s.contains("reported by gpt-4o") && !s.contains('▍')
    });
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\nhello\nthree\n"
    );

    screen.send(prompt);
    screen.send("\r");
    screen.wait_for("the review area again", |s| {
        s.contains("Review · edit notes.txt")
    });
    screen.idle(Duration::from_millis(400));
    screen.send("y");
    screen.wait_for("the applied edit in the transcript", |s| {
        s.contains("✓ edit_file notes.txt applied (+1 −1)")
    });
    let deadline = Instant::now() + WAIT;
    while std::fs::read_to_string(&notes).unwrap() != "one\ngoodbye\nthree\n" {
        assert!(Instant::now() < deadline, "notes.txt was not edited");
        screen.pump(Duration::from_millis(50));
    }
    quit(&mut screen, &mut child);
}

/// `/init`: the model lists the workspace and writes `AGENTS.md` about it, through the same
/// review as any edit.
#[test]
fn init_writes_agents_md_about_the_workspace_after_a_review() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("Cargo.toml"),
        "[package]\nname = \"demo\"\n",
    )
    .unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.wait_for("the tools level in the status line", |s| {
        s.contains("tools all · sandbox:")
    });
    screen.send("/init");
    screen.send("\r");
    screen.wait_for("the review of the new AGENTS.md", |s| {
        s.contains("Review ·") && s.contains("AGENTS.md")
    });
    screen.idle(Duration::from_millis(400));
    screen.send("y");
    let agents = home.path().join("AGENTS.md");
    let deadline = Instant::now() + WAIT;
    while !agents.exists() {
        assert!(Instant::now() < deadline, "AGENTS.md was not written");
        screen.pump(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&agents).unwrap();
    assert!(text.contains("Cargo.toml"), "{text}");
    quit(&mut screen, &mut child);
}

/// `!CMD` printing the client secret (the simulator's, in `--demo`): the output streamed to
/// the screen, the result attached to the next question, the model's `read_file` of the
/// same file and the session file all hold `[redacted]` instead (contract "The trust
/// boundary").
#[test]
fn a_shell_command_printing_the_secret_shows_it_redacted() {
    let home = tempfile::tempdir().unwrap();
    let secret = sapcode::sim::CLIENT_SECRET;
    std::fs::write(home.path().join("leak.txt"), format!("KEY={secret}\n")).unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("!cat leak.txt\r");
    screen.wait_for("the command's output", |s| {
        s.contains("! cat leak.txt") && s.contains("exit 0")
    });
    assert!(
        screen.text().contains("KEY=[redacted]"),
        "{}",
        screen.text()
    );
    // The simulated model reads the file the attached command named and quotes the result.
    screen.send("what does it say\r");
    screen.wait_for("the answer", |s| {
        s.contains("read_file leak.txt") && s.contains("The tool returned KEY=[redacted].")
    });
    quit(&mut screen, &mut child);
    assert!(
        !String::from_utf8_lossy(&screen.raw).contains(secret),
        "the secret reached the terminal"
    );
    let mut saved = String::new();
    let mut dirs = vec![home.path().join("data")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.path().is_dir() {
                dirs.push(entry.path());
            } else {
                saved.push_str(&std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    assert!(saved.contains("KEY=[redacted]"), "{saved}");
    assert!(!saved.contains(secret), "{saved}");
}

/// First launch: the app opens in the message box. Typing "quick question" (q, u, i, c, k…
/// were picker keys once: `q` quit the app) lands in it, every letter, and nothing quits.
/// Enter without a model opens the picker and keeps the message for after the pick.
#[test]
fn first_launch_typing_lands_in_the_message_box_and_nothing_quits() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    screen.wait_for("the model list", |s| {
        s.contains("gpt-4o") && s.contains("2/3")
    });
    screen.send("quick question");
    screen.wait_for("the typed text in the message box", |s| {
        s.contains("│quick question")
    });
    screen.idle(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "{}", screen.text());
    screen.send("\r");
    screen.wait_for("the pick hint", |s| s.contains("pick a model first"));
    // In the picker letters filter.
    screen.send("gpt-4o\r");
    screen.wait_for("gpt-4o's deployments", |s| s.contains("2 running of 3"));
    screen.send("\r");
    screen.wait_for("the chat title", |s| s.contains("Chat · gpt-4o"));
    assert!(
        screen.text().contains("│quick question"),
        "{}",
        screen.text()
    );
    screen.send("\r");
    screen.wait_for("the answer", |s| s.contains("received your message"));
    quit(&mut screen, &mut child);
}

/// Ctrl-C with a draft clears it (↑ brings it back), on an empty input it asks for a second
/// one, and the second quits; the shell then says how to resume the conversation.
#[test]
fn ctrl_c_clears_a_draft_then_twice_quits_and_says_how_to_resume() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("hello there\r");
    screen.wait_for("the answer", |s| {
        s.contains("received your message") && s.contains("total")
    });
    screen.send("half a thought");
    screen.wait_for("the draft", |s| s.contains("│half a thought"));
    screen.send("\x03");
    screen.wait_for("the draft cleared", |s| {
        s.contains("draft cleared") && !s.contains("│half a thought")
    });
    assert!(child.try_wait().unwrap().is_none(), "{}", screen.text());
    screen.send("\x1b[A");
    screen.wait_for("the draft back", |s| s.contains("│half a thought"));
    screen.send("\x03");
    screen.wait_for("the draft cleared again", |s| {
        !s.contains("│half a thought")
    });
    screen.send("\x03");
    screen.wait_for("the second Ctrl-C hint", |s| {
        s.contains("C-c again to quit")
    });
    assert!(child.try_wait().unwrap().is_none(), "{}", screen.text());
    let from = screen.raw.len();
    screen.send("\x03");
    wait_exit(&mut screen, &mut child);
    screen.wait_for_raw("sapcode --demo --resume ", from);
}

#[test]
fn ctrl_d_on_an_empty_input_quits() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("\x04");
    wait_exit(&mut screen, &mut child);
    // No question was asked: there is nothing to resume, and no line says so.
    assert!(
        !String::from_utf8_lossy(&screen.raw).contains("to resume"),
        "{}",
        String::from_utf8_lossy(&screen.raw)
    );
}

/// `\` then Enter is a new line (as in a shell), not a sent backslash.
#[test]
fn backslash_enter_makes_a_new_line() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    // Typed as a person types: keys arriving in one burst would be a paste, where a line
    // break is text anyway.
    screen.send("first line\\");
    screen.wait_for("the backslash", |s| s.contains("│first line\\"));
    screen.send("\r");
    screen.wait_for("the backslash gone", |s| !s.contains("│first line\\"));
    screen.send("second line");
    screen.wait_for("two lines in the input", |s| {
        s.contains("│first line ") && s.contains("│second line")
    });
    assert!(!screen.text().contains("first line\\"), "{}", screen.text());
    assert!(
        !screen.text().contains("received your message"),
        "{}",
        screen.text()
    );
    screen.send("\r");
    screen.wait_for("the answer", |s| s.contains("received your message"));
    quit(&mut screen, &mut child);
}

/// `@property` names no file: it is a word of the question, which is sent.
#[test]
fn an_at_word_that_is_not_a_path_is_sent_as_text() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("what does @property do\r");
    screen.wait_for("the answer", |s| {
        s.contains("received your message") || s.contains("nothing sent")
    });
    assert!(!screen.text().contains("nothing sent"), "{}", screen.text());
    quit(&mut screen, &mut child);
}

/// The status line always names the approval mode; Shift-Tab in the message box cycles it.
/// In `auto-edit` an edit applies without a review; in `plan` the model gets no edit tool
/// and the file stays as it is.
#[test]
fn shift_tab_cycles_the_approval_modes_and_each_does_what_it_says() {
    let home = tempfile::tempdir().unwrap();
    let notes = home.path().join("notes.txt");
    std::fs::write(&notes, "one\nhello\nthree\n").unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.wait_for("the mode in the status line", |s| {
        s.contains(" ask │ tools all")
    });
    screen.send("\x1b[Z");
    screen.wait_for("auto-edit", |s| {
        s.contains(" auto-edit │ ") && s.contains("edits apply without asking")
    });
    screen.send(r#"in notes.txt replace "hello" with "goodbye""#);
    screen.send("\r");
    screen.wait_for("the edit applied without a review", |s| {
        s.contains("✓ edit_file notes.txt applied (+1 −1) (approved for this session)")
            && s.contains("reported by")
            && s.contains(" Enter send ")
    });
    assert!(!screen.text().contains("Review ·"), "{}", screen.text());
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\ngoodbye\nthree\n"
    );
    screen.send("\x1b[Z");
    screen.wait_for("plan", |s| s.contains(" plan │ "));
    screen.send(r#"in notes.txt replace "goodbye" with "hi""#);
    screen.send("\r");
    // Only read tools are offered: the simulated model reads the file it names instead.
    screen.wait_for("the answer in plan mode", |s| {
        s.contains("⚙ read_file notes.txt")
            && s.matches("reported by").count() >= 2
            && !s.contains('▍')
    });
    screen.idle(Duration::from_millis(300));
    assert!(!screen.text().contains("Review ·"), "{}", screen.text());
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "one\ngoodbye\nthree\n"
    );
    screen.send("\x1b[Z");
    screen.wait_for("back to ask", |s| s.contains(" ask │ "));
    quit(&mut screen, &mut child);
}

/// By default the mouse is not captured, so the terminal's own selection works:
/// no mouse-reporting sequence is written. `[ui] mouse = true` asks for it.
#[test]
fn the_mouse_is_captured_only_when_the_config_asks() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    screen.wait_for("the model list", |s| s.contains("gpt-4o"));
    quit(&mut screen, &mut child);
    let raw = String::from_utf8_lossy(&screen.raw).into_owned();
    for mode in ["1000", "1002", "1003", "1006", "1015"] {
        assert!(
            !raw.contains(&format!("\x1b[?{mode}h")),
            "mouse mode {mode} set"
        );
        assert!(
            !raw.contains(&format!("\x1b[?{mode}l")),
            "mouse mode {mode} reset"
        );
    }
    // Enabled in the config, the capture is asked for and given back on exit.
    let config = home.path().join("mouse.toml");
    std::fs::write(&config, "[ui]\nmouse = true\n").unwrap();
    let (mut screen, mut child) = spawn_demo_env(
        home.path(),
        &[],
        &[("SAPCODE_CONFIG", config.to_str().unwrap())],
    );
    screen.wait_for("the model list", |s| s.contains("gpt-4o"));
    quit(&mut screen, &mut child);
    let raw = String::from_utf8_lossy(&screen.raw).into_owned();
    assert!(raw.contains("\x1b[?1000h"), "mouse capture not asked for");
    assert!(raw.contains("\x1b[?1000l"), "mouse capture not given back");
}

/// Writes the project config `.sapcode/config.toml` of the workspace `home`; its path.
fn project_config(home: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = home.join(".sapcode/config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// `.sapcode/config.toml` `[permissions] allow`: an allowed command runs without a review; a
/// near miss (`…; echo pwned`) is reviewed; "always this command" offers to save a command
/// for the project, and `y` writes it into the file beside what was there.
#[test]
fn project_permissions_run_allowed_commands_and_always_offers_to_save() {
    let home = tempfile::tempdir().unwrap();
    let project_config = project_config(
        home.path(),
        "# team settings\n[permissions]\nallow = [\"echo allowed\"]\n",
    );
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send(r#"use run_command to run "echo allowed""#);
    screen.send("\r");
    // A turn is over when its answer is in and the footer offers Enter again.
    screen.wait_for("the allowed command run without a review", |s| {
        s.contains("run_command `echo allowed` (allowed by .sapcode/config.toml)")
            && s.contains("reported by")
            && s.contains(" Enter send ")
    });
    assert!(!screen.text().contains("Review ·"), "{}", screen.text());
    screen.send(r#"use run_command to run "echo allowed; echo pwned""#);
    screen.send("\r");
    screen.wait_for("the near miss reviewed", |s| {
        s.contains("Review · run this command?")
    });
    screen.idle(Duration::from_millis(400));
    screen.send("n");
    screen.wait_for("the reason field", |s| s.contains("reason for the model"));
    screen.send("\r");
    screen.wait_for("the rejection answered", |s| {
        !s.contains("Review ·")
            && s.matches("reported by").count() >= 2
            && s.contains(" Enter send ")
    });
    assert!(!screen.text().contains("pwned\n"), "{}", screen.text());
    screen.send(r#"use run_command to run "echo second""#);
    screen.send("\r");
    screen.wait_for("the review of a command not allowed", |s| {
        s.contains("Review · run this command?")
    });
    screen.idle(Duration::from_millis(400));
    screen.send("!");
    screen.wait_for("the offer to save it for the project", |s| {
        s.contains("Also for this project")
    });
    screen.send("y");
    screen.wait_for("the saved notice", |s| s.contains("saved: `echo second`"));
    let saved = std::fs::read_to_string(&project_config).unwrap();
    assert!(saved.starts_with("# team settings\n"), "{saved}");
    assert!(
        saved.contains(r#"allow = ["echo allowed", "echo second"]"#),
        "{saved}"
    );
    quit(&mut screen, &mut child);
}

/// Custom commands: `.sapcode/commands/NAME.md` (project) and `<config dir>/commands/NAME.md`
/// (user) are listed in the `/` popup with their first line; `/NAME ARGS` sends the file's
/// text with `$ARGUMENTS` replaced. `/clear` starts a new conversation.
#[test]
fn custom_commands_send_their_text_and_clear_starts_over() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join(".sapcode/commands");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("greet.md"),
        "# Greet someone\nSay a warm hello to $ARGUMENTS please\n",
    )
    .unwrap();
    let user = home.path().join("config/sapcode/commands");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("haiku.md"), "Write a haiku about $ARGUMENTS\n").unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("/h");
    screen.wait_for("the user's command in the popup", |s| {
        s.contains("/haiku [text]") && s.contains("Write a haiku about $ARGUMENTS")
    });
    screen.send("\x7fg");
    screen.wait_for("the project's command in the popup", |s| {
        s.contains("› /greet [text]") && s.contains("Greet someone") && !s.contains("/haiku")
    });
    screen.send("reet the team\r");
    screen.wait_for("the expanded text sent and answered", |s| {
        s.contains("Say a warm hello to the team please") && s.contains("received your message")
    });
    screen.wait_for("the end of the answer", |s| s.contains(" Enter send "));
    screen.send("/clear\r");
    screen.wait_for("a new conversation", |s| {
        s.contains("new conversation") && !s.contains("Say a warm hello")
    });
    quit(&mut screen, &mut child);
}

/// The rows of the chat pane (its title to its bottom border) on `screen`, without the
/// panes beside it.
fn chat_pane(screen: &str) -> Vec<String> {
    let rows: Vec<Vec<char>> = screen.lines().map(|r| r.chars().collect()).collect();
    let title: Vec<char> = "┌ Chat".chars().collect();
    let (top, left) = rows
        .iter()
        .enumerate()
        .find_map(|(n, row)| Some((n, row.windows(title.len()).position(|w| w == title)?)))
        .unwrap();
    let pane: Vec<String> = rows[top..]
        .iter()
        .map(|row| {
            row.iter()
                .skip(left)
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    let bottom = pane.iter().position(|row| row.starts_with('└')).unwrap();
    pane[..=bottom].to_vec()
}

/// Issue 17: in auto-edit the demo's "fix the failing test" writes, edits and runs without a
/// review, and each edit shows its diff in the transcript; the conversation resumed by id
/// (`sapcode --resume ID`) shows the same chat pane: tool lines, diffs and command output.
#[test]
fn auto_edit_shows_diffs_and_a_resumed_agent_turn_looks_as_it_did() {
    let home = tempfile::tempdir().unwrap();
    project_config(
        home.path(),
        "[permissions]\nallow = [\"sh sapcode-demo/test.sh\"]\n",
    );
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);
    screen.send("\x1b[Z");
    screen.wait_for("auto-edit", |s| s.contains(" auto-edit │ "));
    screen.send("fix the failing test");
    screen.send("\r");
    screen.wait_for("the fixed test and the end of the answer", |s| {
        s.contains("Fixed.")
            && s.contains("test price ... ok")
            && s.contains(" Enter send ")
            && !s.contains('▍')
            && !s.contains("working with the tools")
    });
    // Whole frames only: the last one drawn once the turn is over.
    screen.idle(Duration::from_millis(500));
    let live = screen.text();
    assert!(!live.contains("Review ·"), "{live}");
    // The edits' diffs, never reviewed, are in the transcript: the edit_file line, its
    // hunk header and changed lines under it.
    assert!(
        live.contains("✓ edit_file sapcode-demo/price.sh applied"),
        "{live}"
    );
    assert!(live.contains("  @@ -"), "{live}");
    assert!(live.contains("│+"), "{live}");
    let live_pane = chat_pane(&live);
    quit(&mut screen, &mut child);

    let sessions = sessions_json(home.path());
    let id = sessions[0]["id"].as_str().unwrap().to_owned();
    let (mut screen, mut child) = spawn_demo_with(home.path(), &["--resume", &id]);
    screen.wait_for("the resumed conversation", |s| {
        s.contains("continuing “fix the failing test”") && s.contains("✓ run_command")
    });
    screen.idle(Duration::from_millis(500));
    let resumed_pane = chat_pane(&screen.text());
    // The title names the mode: auto-edit then, the configured `ask` in the new run.
    assert!(live_pane[0].contains("· auto-edit"), "{}", live_pane[0]);
    assert!(
        !resumed_pane[0].contains("auto-edit"),
        "{}",
        resumed_pane[0]
    );
    assert_eq!(
        resumed_pane[1..].join("\n"),
        live_pane[1..].join("\n"),
        "the resumed chat pane differs from the live one"
    );
    quit(&mut screen, &mut child);
}

/// `/reasoning high` shows in the status line and reaches the model: o3-mini reasons at that
/// effort, and `/cost` says how many tokens it spent reasoning (the simulator's 384 for high).
#[test]
fn reasoning_is_set_in_the_tui_and_its_tokens_are_counted() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    screen.wait_for("the model list", |s| s.contains("o3-mini"));
    screen.send("\x0fo3-mini");
    screen.send("\r");
    screen.wait_for("o3-mini's deployments", |s| s.contains("1 running of 1"));
    screen.send("\r");
    screen.wait_for("the chat title", |s| {
        s.contains("Chat · o3-mini · d0300000")
    });
    screen.send("/reasoning high\r");
    screen.wait_for("the notice and the status line", |s| {
        s.contains("reasoning high:") && s.contains("reasoning high ")
    });
    screen.send("why is the sky blue\r");
    screen.wait_for("the answer", |s| {
        s.contains("received your message") && s.contains("ctx ")
    });
    screen.send("/cost\r");
    screen.wait_for("the reasoning tokens", |s| s.contains(", 384 reasoning"));
    quit(&mut screen, &mut child);
}

/// `count` lines of `width` bytes each (line break included), one word per line.
fn numbered_lines(count: usize, width: usize) -> String {
    (0..count)
        .map(|i| format!("{:0>w$}\n", format!("L{i}"), w = width - 1))
        .collect()
}

/// A 40,000-line paste (bracketed) is one chip; a 2 MB one cannot fit gpt-4o's 128k context
/// and is refused before sending (nothing compacted, the draft kept); a 280 kB one fits, is
/// sent in full (the simulator counts its 40,000 words) and the transcript shows its chip.
#[test]
fn a_40000_line_paste_is_a_chip_refused_when_too_big_and_sent_in_full_when_it_fits() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) = spawn_demo(home.path());
    pick_gpt4o(&mut screen);

    let started = Instant::now();
    screen.send(&format!("\x1b[200~{}\x1b[201~", numbered_lines(40_000, 50)));
    screen.wait_for("the 2 MB chip", |s| {
        s.contains("[pasted 40,000 lines · 2.0 MB]")
    });
    let chip_shown = started.elapsed();
    // Still responsive: a key typed now shows at once.
    let typed_at = Instant::now();
    screen.send("?");
    screen.wait_for("the typed key", |s| s.contains("2.0 MB]?"));
    let key_shown = typed_at.elapsed();
    assert!(key_shown < Duration::from_secs(2), "{key_shown:?}");
    screen.send("\r");
    screen.wait_for("the refusal", |s| {
        s.contains("not sent: the question is ~500,005 tokens, gpt-4o takes 128,000")
    });
    let text = screen.text();
    assert!(text.contains("2.0 MB]?"), "the draft stays:\n{text}");
    assert!(!text.contains("received your message"), "{text}");
    assert!(!text.contains("compact"), "nothing compacted:\n{text}");

    // Backspace twice: the `?`, then the whole chip.
    screen.send("\x7f\x7f");
    screen.wait_for("the empty input", |s| s.contains("Ask about code…"));
    screen.send("count these: ");
    screen.send(&format!("\x1b[200~{}\x1b[201~", numbered_lines(40_000, 7)));
    screen.wait_for("the 280 kB chip", |s| {
        s.contains("count these: [pasted 40,000 lines · 280.0 kB]")
    });
    screen.send("\r");
    screen.wait_for("the answer counting every pasted line", |s| {
        s.contains("It has 40002 words")
    });
    let text = screen.text();
    assert!(
        text.contains("│count these: [pasted 40,000 lines · 280.0 kB]"),
        "the transcript shows the chip:\n{text}"
    );
    eprintln!("2 MB paste to chip on screen: {chip_shown:?}; next key: {key_shown:?}");
    quit(&mut screen, &mut child);
}

/// Enter while an answer streams (slowed by the simulator) queues the question, shown in
/// the message box's title; it is sent when the answer ends.
#[test]
fn enter_while_an_answer_streams_queues_the_question_until_it_ends() {
    let home = tempfile::tempdir().unwrap();
    let (mut screen, mut child) =
        spawn_demo_env(home.path(), &[], &[("SAPCODE_SIM_FAULTS", "slow=150")]);
    pick_gpt4o(&mut screen);
    screen.send("first question");
    screen.wait_for("the draft", |s| s.contains("│first question"));
    screen.send("\r");
    screen.wait_for("the answer streaming", |s| s.contains("received your"));
    screen.send("second question");
    screen.wait_for("the second draft", |s| s.contains("│second question"));
    screen.send("\r");
    screen.wait_for("the queued question in the title", |s| {
        s.contains("Message · queued: second question")
    });
    let text = screen.text();
    assert!(
        !text.contains("deterministic"),
        "the first answer is still streaming:\n{text}"
    );
    screen.wait_for("the queued question's own answer", |s| {
        s.find("│ second question")
            .is_some_and(|at| s[at..].contains("deterministic"))
    });
    assert!(
        !screen.text().contains("Message · queued"),
        "the queue is empty:\n{}",
        screen.text()
    );
    quit(&mut screen, &mut child);
}

/// Ctrl-G opens `$EDITOR` on the draft: the TUI leaves the alternate screen and raw mode
/// while it runs (the script records `stty`), the file is private and removed after, and
/// what the editor saved is the draft.
#[cfg(unix)]
#[test]
fn ctrl_g_edits_the_draft_in_the_editor() {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("editor.sh");
    let seen = home.path().join("seen.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             {{ stty -a; stat -c 'mode %a' \"$1\"; echo \"path $1\"; cat \"$1\"; echo; }} > '{seen}'\n\
             printf 'edited: %s\\n' \"$(cat \"$1\")\" > \"$1\"\n",
            seen = seen.display()
        ),
    )
    .unwrap();
    let editor = format!("sh '{}'", script.display());
    let (mut screen, mut child) =
        spawn_demo_env(home.path(), &[], &[("EDITOR", &editor), ("VISUAL", "")]);
    pick_gpt4o(&mut screen);
    screen.send("hello draft");
    screen.wait_for("the draft", |s| s.contains("│hello draft"));
    let before = screen.raw.len();
    screen.send("\x07");
    screen.wait_for("the edited draft", |s| s.contains("│edited: hello draft"));
    let seen = std::fs::read_to_string(&seen).unwrap();
    assert!(
        seen.contains(" icanon") && !seen.contains("-icanon"),
        "cooked mode:\n{seen}"
    );
    assert!(seen.contains("mode 600"), "{seen}");
    assert!(seen.ends_with("hello draft\n"), "{seen}");
    let path = seen
        .lines()
        .find_map(|l| l.strip_prefix("path "))
        .unwrap()
        .to_owned();
    assert!(!std::path::Path::new(&path).exists(), "{path} removed");
    let raw = String::from_utf8_lossy(&screen.raw[before..]).into_owned();
    let left = raw.find("\x1b[?1049l").expect("left the alternate screen");
    assert!(raw[left..].contains("\x1b[?1049h"), "came back to it");
    // The draft is a normal draft: it sends.
    screen.send("\r");
    screen.wait_for("the answer", |s| {
        s.contains("│ edited: hello draft") && s.contains("It has 3 words")
    });
    quit(&mut screen, &mut child);
}
