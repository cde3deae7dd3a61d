//! The command sandbox through the real binary (contract "The trust boundary"): the
//! simulated model runs one command (`use run_command to run "…"`) with `--yes`, and each
//! test checks what that command could not do: see sapcode's credentials and session
//! handles in its environment, read the secrets file or a session file, change `.git`,
//! reach a TCP listener without `--network`, open the terminal, or leave a process behind.
//! Each fails on a sandbox that only had Landlock and a process group.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pty_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Home, stderr_of, stdout_of};

/// A workspace under the home with a real git repository (when git is installed).
fn project(home: &Home) -> PathBuf {
    let root = home.path().join("project");
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// Runs `command` as the model's `run_command` in `cwd`, approved by `--yes`; `extra`
/// are more arguments for `run` (`--network`). Returns stdout and stderr together: the
/// command's output is streamed on stderr and quoted in the answer on stdout.
fn run_in(home: &Home, cwd: &Path, command: &str, extra: &[&str]) -> String {
    let prompt = format!("use run_command to run {command:?}");
    let output = home
        .sapcode()
        .current_dir(cwd)
        .args(["--demo", "run", "--tools", "all", "--yes"])
        .args(extra)
        .arg(&prompt)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("sapcode: run_command"),
        "the command ran: {stderr}"
    );
    format!("{}\n{stderr}", stdout_of(&output))
}

#[test]
fn credentials_and_session_handles_never_reach_a_command() {
    let home = Home::new();
    let root = project(&home);
    let output = home
        .sapcode()
        .current_dir(&root)
        .env(
            "AICORE_SERVICE_KEY",
            r#"{"clientsecret":"marker-service-key"}"#,
        )
        .env("AICORE_CLIENT_SECRET", "marker-client-secret")
        .env("TMUX", "/tmp/tmux-1000/default,4242,0")
        .env("TMUX_PANE", "%7")
        .env("SSH_AUTH_SOCK", "/tmp/ssh-marker/agent.1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
        .env("DISPLAY", ":42")
        .env("KEEP_ME", "kept-marker")
        .args(["--demo", "run", "--tools", "all", "--yes"])
        .arg(r#"use run_command to run "env > seen-env.txt; echo listed""#)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let seen = std::fs::read_to_string(root.join("seen-env.txt")).unwrap();
    assert!(seen.contains("KEEP_ME=kept-marker"), "{seen}");
    for name in [
        "AICORE_",
        "SAPCODE_",
        "TMUX",
        "SSH_AUTH_SOCK",
        "DBUS_SESSION_BUS_ADDRESS",
        "DISPLAY",
        "marker",
    ] {
        let leaked: Vec<&str> = seen
            .lines()
            .filter(|line| line.contains(name) && !line.starts_with("KEEP_ME="))
            .collect();
        assert!(leaked.is_empty(), "{name} reached the command: {leaked:?}");
    }
}

#[test]
fn a_command_cannot_read_the_secrets_file_or_a_session_file_even_with_the_workspace_at_home() {
    let home = Home::new();
    std::fs::create_dir_all(home.keyring_file().parent().unwrap()).unwrap();
    std::fs::write(home.keyring_file(), r#"{"secret":"marker-secret-store"}"#).unwrap();
    let sessions = home.path().join("data/sapcode/sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    std::fs::write(sessions.join("old.jsonl"), "marker-session-line\n").unwrap();
    std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
    std::fs::write(home.path().join(".ssh/id_ed25519"), "marker-ssh-key").unwrap();
    // The workspace is the home itself (so Landlock's grant on it covers the secrets) and,
    // in a second run, a project beside them (read by absolute path).
    let secrets = home.keyring_file();
    let reads = format!(
        "cat config/sapcode/secrets.json data/sapcode/sessions/old.jsonl .ssh/id_ed25519; \
         ls data/sapcode/sessions; cat {}; echo read-done",
        secrets.display()
    );
    for cwd in [home.path().to_owned(), project(&home)] {
        let out = run_in(&home, &cwd, &reads, &[]);
        assert!(out.contains("read-done"), "{out}");
        for marker in [
            "marker-secret-store",
            "marker-session-line",
            "marker-ssh-key",
            "old.jsonl\n",
        ] {
            assert!(
                !out.contains(marker),
                "{marker} was read from {}: {out}",
                cwd.display()
            );
        }
    }
    // The stand-ins were in the command's view only.
    assert_eq!(
        std::fs::read_to_string(sessions.join("old.jsonl")).unwrap(),
        "marker-session-line\n"
    );
}

fn git(root: &Path, args: &[&str]) -> Option<std::process::Output> {
    std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .output()
        .ok()
        .filter(|output| output.status.success())
}

#[test]
fn a_command_cannot_change_the_git_dir() {
    let home = Home::new();
    let root = project(&home);
    if git(&root, &["init", "-q"]).is_none() {
        println!("skipped: no working git");
        return;
    }
    let config = std::fs::read(root.join(".git/config")).unwrap();
    let out = run_in(
        &home,
        &root,
        "git config core.fsmonitor 'touch pwned'; echo 'touch pwned' > .git/hooks/pre-commit; \
         rm -f .git/HEAD; echo x > made.txt; echo git-done",
        &[],
    );
    assert!(out.contains("git-done"), "{out}");
    assert!(out.contains("Read-only file system"), "{out}");
    assert_eq!(std::fs::read(root.join(".git/config")).unwrap(), config);
    assert!(!root.join(".git/hooks/pre-commit").exists());
    assert!(root.join(".git/HEAD").exists());
    // The rest of the workspace stays writable.
    assert_eq!(
        std::fs::read_to_string(root.join("made.txt")).unwrap(),
        "x\n"
    );
}

/// Whether the listener saw a connection within a few seconds.
fn accepted(listener: &std::net::TcpListener) -> bool {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if listener.accept().is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn the_network_is_off_unless_allowed_with_dash_dash_network() {
    if std::process::Command::new("bash")
        .arg("-c")
        .arg("true")
        .status()
        .is_err()
    {
        println!("skipped: no bash for /dev/tcp");
        return;
    }
    let home = Home::new();
    let root = project(&home);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connect = format!("bash -c 'echo hi > /dev/tcp/127.0.0.1/{port}' && echo connected");
    let out = run_in(&home, &root, &connect, &[]);
    assert!(!out.lines().any(|line| line == "connected"), "{out}");
    assert!(
        !accepted(&listener),
        "a command reached 127.0.0.1:{port} without --network"
    );
    let out = run_in(&home, &root, &connect, &["--network"]);
    assert!(out.contains("connected"), "{out}");
    assert!(accepted(&listener));
    // The config's `[agent] network = true` allows it as well.
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(home.config_file(), "[agent]\nnetwork = true\n").unwrap();
    let out = run_in(&home, &root, &connect, &[]);
    assert!(out.contains("connected"), "{out}");
    assert!(accepted(&listener));
}

/// Pids of processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(marker))
        })
        .filter(|pid| {
            // A zombie waiting for its reaper is gone for this purpose.
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .starts_with('Z')
            })
        })
        .collect()
}

#[test]
fn nothing_a_command_starts_outlives_it_and_it_has_no_terminal() {
    let home = Home::new();
    let root = project(&home);
    // Unique sleep lengths to find the processes by their command line.
    let nonce = std::process::id();
    let (detached, nohup) = (format!("3000.{nonce}1"), format!("3000.{nonce}2"));
    let command = format!(
        "setsid -f sleep {detached}; nohup sleep {nohup} > /dev/null 2>&1 & \
         tty; exec 3< /dev/tty && echo opened-tty; echo started"
    );
    // On a pty, so that an unconfined command would have a controlling terminal to open.
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_sapcode"));
    cmd.args(["--demo", "run", "--tools", "all", "--yes"]);
    cmd.arg(format!("use run_command to run {command:?}"));
    cmd.cwd(&root);
    pty_support::keep_in(&mut cmd, home.path());
    let mut pty = pty_support::spawn(cmd, 40, 200);
    // Nothing is typed; the master end stays open until the end.
    let (_input, _master) = (&pty.input, &pty.master);
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while pty.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "sapcode did not finish: {text}");
        if let Ok(bytes) = pty.output.recv_timeout(Duration::from_millis(50)) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    while let Ok(bytes) = pty.output.recv_timeout(Duration::from_millis(200)) {
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(text.contains("started"), "{text}");
    assert!(text.contains("not a tty"), "{text}");
    assert!(
        !text.lines().any(|line| line.trim() == "opened-tty"),
        "the command opened /dev/tty: {text}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut left = Vec::new();
    for marker in [&detached, &nohup] {
        while !processes_with(marker).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        left.extend(processes_with(marker));
    }
    for pid in &left {
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .status();
    }
    assert!(left.is_empty(), "processes outlived the command: {left:?}");
}

#[test]
fn doctor_lists_each_protection_and_whether_it_holds() {
    let home = Home::new();
    let output = home.sapcode().args(["--demo", "doctor"]).output().unwrap();
    let stdout = stdout_of(&output);
    assert!(stdout.contains("✓ sandbox      "), "{stdout}");
    for name in [
        "landlock fs",
        "namespaces",
        "VCS read-only",
        "scopes",
        "seccomp",
        "network off",
    ] {
        assert!(stdout.contains(&format!(" {name}: ")), "{name}: {stdout}");
    }
}

/// The tokens of the platform CLIs a developer has logged in to (GitHub, Cloud Foundry /
/// SAP BTP, npm) are credential stores too: a command's output goes to the server, so a
/// hostile one needs no network rule to collect them.
#[test]
fn a_command_cannot_read_the_platform_clis_tokens() {
    let home = Home::new();
    let stores = [
        (".config/gh/hosts.yml", "marker-gh-token"),
        (".cf/config.json", "marker-cf-token"),
        (".npmrc", "marker-npm-token"),
    ];
    for (path, marker) in stores {
        let file = home.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, marker).unwrap();
    }
    let reads = format!(
        "cd {}; cat .config/gh/hosts.yml .cf/config.json .npmrc; echo read-done",
        home.path().display()
    );
    for cwd in [home.path().to_owned(), project(&home)] {
        let out = run_in(&home, &cwd, &reads, &[]);
        assert!(out.contains("read-done"), "{out}");
        for (path, marker) in stores {
            assert!(!out.contains(marker), "{path} was read: {out}");
        }
    }
}

/// Where the workspace (or a dir in it) has no repository yet, there is no `.git` to bind: a
/// command's `git init` wrote a `.git/config` whose `core.fsmonitor` the user's next
/// `git status` there (or a shell prompt showing the branch) runs outside the sandbox.
#[test]
fn a_command_cannot_create_a_repository_in_the_workspace() {
    let home = Home::new();
    let root = project(&home);
    let out = run_in(
        &home,
        &root,
        "mkdir -p .git/hooks .jj sub/.git; echo '[core] fsmonitor = touch pwned' > .git/config; \
         cp .git/config sub/.git/config; echo x > made.txt; echo init-done",
        &[],
    );
    assert!(out.contains("init-done"), "{out}");
    assert!(
        root.join("made.txt").exists(),
        "the workspace stays writable"
    );
    for name in [".git", ".jj", "sub/.git"] {
        assert!(
            std::fs::symlink_metadata(root.join(name)).is_err(),
            "{name} was left: {out}"
        );
    }
    assert!(out.contains("cannot create a repository"), "{out}");
}

/// A repository nested in the workspace (a workspace at `$HOME` or `~/src` holds many) is
/// as much one `git status` away from running its `core.fsmonitor` as the one at the root.
#[test]
fn a_command_cannot_change_a_nested_repository() {
    let home = Home::new();
    let root = project(&home);
    let inner = root.join("vendor/lib");
    std::fs::create_dir_all(&inner).unwrap();
    if git(&inner, &["init", "-q"]).is_none() {
        println!("skipped: no working git");
        return;
    }
    let config = std::fs::read(inner.join(".git/config")).unwrap();
    let out = run_in(
        &home,
        &root,
        "echo '[core] fsmonitor = touch pwned' >> vendor/lib/.git/config; echo x > vendor/lib/made.txt; echo nested-done",
        &[],
    );
    assert!(out.contains("nested-done"), "{out}");
    assert!(
        inner.join("made.txt").exists(),
        "the nested work tree stays writable"
    );
    assert_eq!(
        std::fs::read(inner.join(".git/config")).unwrap(),
        config,
        "{out}"
    );
}
