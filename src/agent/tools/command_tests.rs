//! `run_command` for real: exit codes, stdin, output floods, the timeout killing the whole
//! process group, and Landlock keeping writes in the workspace. Waits are explicit polls of
//! `/proc`, never timing assertions.

use std::path::Path;
use std::time::Duration;

use super::command::{self, CommandRun};
use super::{MAX_COMMAND_OUTPUT, ToolOutput};

/// A `sleep` length unique to this test, to find the process by its command line (a pid
/// the command prints is one of its own PID namespace, meaningless outside).
pub(crate) fn unique_sleep() -> String {
    format!("1000.{}{}", std::process::id(), fastrand::u32(..))
}

/// Running or sleeping, not gone and not a zombie waiting for its reaper.
fn is_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.trim().chars().next());
            !matches!(state, Some('Z' | 'X'))
        }
    }
}

/// Live processes whose command line holds `marker`.
pub(crate) fn running(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|line| String::from_utf8_lossy(&line).contains(marker))
        })
        .filter(|pid| is_alive(*pid))
        .collect()
}

/// Polls until no process runs `marker`; fails the test if one outlives a generous bound.
pub(crate) fn wait_until_gone(marker: &str) {
    for _ in 0..400 {
        if running(marker).is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "a process running {marker} is still alive: {:?}",
        running(marker)
    );
}

async fn run(root: &Path, command: &str, timeout_s: u64) -> ToolOutput {
    let run = CommandRun {
        command: command.into(),
        timeout: Duration::from_secs(timeout_s),
    };
    let policy = crate::agent::sandbox::Policy::default();
    command::run(root, &run, command::Origin::Model(&policy), |_| {}).await
}

#[tokio::test]
async fn exit_codes_and_output_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "echo out; echo err >&2; exit 3", 60).await;
    assert!(!out.ok);
    assert!(
        out.content
            .starts_with("$ echo out; echo err >&2; exit 3\nexit code 3\n"),
        "{}",
        out.content
    );
    assert!(out.content.contains("out\n") && out.content.contains("err\n"));
    assert_eq!(out.summary, "exit 3 (8 B output)");
    let out = run(dir.path(), "no-such-command-sapcode", 60).await;
    assert!(
        out.content.contains("exit code 127 (command not found)"),
        "{}",
        out.content
    );
    // stdin is /dev/null: `cat` ends at once instead of waiting for input.
    let out = run(dir.path(), "cat; pwd", 60).await;
    assert!(out.ok, "{out:?}");
    assert!(out.content.ends_with(&format!(
        "{}\n",
        dir.path().canonicalize().unwrap().display()
    )));
}

#[tokio::test]
async fn a_flood_of_output_is_capped_head_and_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut streamed = 0usize;
    let run_spec = CommandRun {
        command: "head -c 20000000 /dev/zero | tr '\\0' a; echo; echo LAST".into(),
        timeout: Duration::from_secs(120),
    };
    let policy = crate::agent::sandbox::Policy::default();
    let origin = command::Origin::Model(&policy);
    let out = command::run(dir.path(), &run_spec, origin, |text| streamed += text.len()).await;
    assert!(out.ok, "{}", out.summary);
    assert!(
        out.content.len() <= MAX_COMMAND_OUTPUT + 300,
        "{}",
        out.content.len()
    );
    assert!(out.content.trim_end().ends_with("LAST"));
    assert!(
        out.content
            .contains("cut from the middle of 19.1 MiB of output")
    );
    assert!(
        streamed < 2 * 1024 * 1024,
        "live output is bounded too: {streamed}"
    );
}

/// `!seq 1 200000`: past the live cap the view stops, but its last lines are the real end.
#[tokio::test]
async fn live_output_past_its_cap_still_ends_with_the_real_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = String::new();
    let run_spec = CommandRun {
        command: "seq 1 200000".into(),
        timeout: Duration::from_secs(60),
    };
    let out = command::run(dir.path(), &run_spec, command::Origin::User, |text| {
        live.push_str(&text);
    })
    .await;
    assert!(out.ok, "{}", out.summary);
    assert!(live.contains("[more output; not shown live]"));
    assert!(
        live.ends_with("\n199999\n200000\n"),
        "{}",
        &live[live.len() - 200..]
    );
    let end = live.rsplit("[… the end of the output:]\n").next().unwrap();
    assert!(
        end.lines().next().unwrap().parse::<u32>().is_ok(),
        "the end starts on a whole line: {}",
        &end[..40]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    // The grandchild ignores the shell's end; only a group kill reaches it.
    let sleep = unique_sleep();
    let command = &format!("sleep {sleep} & wait");
    let out = run(dir.path(), command, 2).await;
    assert!(
        out.content
            .contains("timed out after 2 s; the command and its process group were killed"),
        "{}",
        out.content
    );
    wait_until_gone(&sleep);
}

/// A directory the sandbox must not let a command write to: not under `/tmp` or `$TMPDIR`
/// (which it allows), wherever the checkout is (a CI clone may itself live under `/tmp`).
#[cfg(target_os = "linux")]
fn writable_dir_outside_the_sandbox() -> Option<tempfile::TempDir> {
    let allowed: Vec<std::path::PathBuf> = std::iter::once(std::path::PathBuf::from("/tmp"))
        .chain(std::env::var_os("TMPDIR").map(std::path::PathBuf::from))
        .filter_map(|dir| dir.canonicalize().ok())
        .collect();
    let candidates = [
        Some(std::path::PathBuf::from("/var/tmp")),
        std::env::var_os("HOME").map(std::path::PathBuf::from),
        Some(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
    ];
    candidates.into_iter().flatten().find_map(|dir| {
        let dir = dir.canonicalize().ok()?;
        if allowed.iter().any(|root| dir.starts_with(root)) {
            return None;
        }
        tempfile::tempdir_in(&dir).ok()
    })
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn landlock_keeps_writes_in_the_workspace() {
    use crate::agent::sandbox::status;
    if status().landlock.is_none() {
        eprintln!(
            "skipped: this kernel has no Landlock, so commands are confined by approval only"
        );
        return;
    }
    let workspace = tempfile::tempdir().unwrap();
    let Some(outside) = writable_dir_outside_the_sandbox() else {
        eprintln!("skipped: no writable directory outside /tmp and $TMPDIR to try an escape into");
        return;
    };
    let target = outside.path().join("escaped.txt");
    let out = run(
        workspace.path(),
        &format!("echo x > '{}'", target.display()),
        60,
    )
    .await;
    assert!(!out.ok, "{}", out.content);
    assert!(out.content.contains("Permission denied"), "{}", out.content);
    assert!(!target.exists());
    let out = run(workspace.path(), "echo inside > made.txt && mkdir -p sub && echo t > /tmp/.sapcode-landlock-test && rm /tmp/.sapcode-landlock-test && cat made.txt > /dev/null && cat /etc/hostname > /dev/null", 60).await;
    assert!(out.ok, "{}", out.content);
    assert_eq!(
        std::fs::read_to_string(workspace.path().join("made.txt")).unwrap(),
        "inside\n"
    );
    // Only the child is confined: sapcode itself can still write there.
    std::fs::write(&target, "parent").unwrap();
}
