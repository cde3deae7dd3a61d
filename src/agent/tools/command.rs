//! `run_command` and the user's `!CMD`: `sh -c COMMAND` in the workspace with stdin from
//! /dev/null, in a session of its own (a timeout or a cancelled turn kills its process
//! group; in the sandbox its PID namespace ends everything it started), the model's
//! commands confined by `agent::sandbox`. Output is streamed to the caller as it comes and
//! kept for the model as head and tail within `MAX_COMMAND_OUTPUT`, so a flood costs no
//! memory.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::{ToolOutput, human_bytes};

/// Most bytes of a command's output the model receives: half head, half tail.
pub const MAX_COMMAND_OUTPUT: usize = 64 * 1024;
/// Most bytes streamed live to the face per command; the rest is only counted.
const MAX_STREAMED: usize = 1024 * 1024;
/// How long to wait for the pipes after the process group was killed: a process that left
/// the group (setsid) may hold them open for ever.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// One approved command and its timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    pub command: String,
    pub timeout: Duration,
}

/// How the command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOutcome {
    Exited(i32),
    Signaled(i32),
    TimedOut(Duration),
    /// It could not be started (or waited for).
    Failed(String),
}

/// Output kept for the model: the first and the last bytes, and how many there were.
#[derive(Default)]
struct Captured {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: usize,
}

impl Captured {
    fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len();
        let half = MAX_COMMAND_OUTPUT / 2;
        let to_head = bytes.len().min(half - self.head.len());
        self.head.extend_from_slice(&bytes[..to_head]);
        let rest = &bytes[to_head..];
        let rest = &rest[rest.len().saturating_sub(half)..];
        let overflow = (self.tail.len() + rest.len()).saturating_sub(half);
        self.tail.drain(..overflow);
        self.tail.extend(rest);
    }

    /// The kept tail from its first whole line on.
    fn last_lines(&self) -> String {
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        let from = if self.head.len() + tail.len() < self.total {
            tail.iter().position(|&b| b == b'\n').map_or(0, |at| at + 1)
        } else {
            0
        };
        String::from_utf8_lossy(&tail[from..]).into_owned()
    }

    fn text(&self) -> String {
        let head = String::from_utf8_lossy(&self.head);
        let kept = self.head.len() + self.tail.len();
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        let tail = String::from_utf8_lossy(&tail);
        if kept == self.total {
            format!("{head}{tail}")
        } else {
            let cut = self.total - kept;
            format!(
                "{head}\n[… {cut} bytes ({}) cut from the middle of {} of output …]\n{tail}",
                human_bytes(cut),
                human_bytes(self.total)
            )
        }
    }
}

/// Who a command comes from, which decides its confinement.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// The model's `run_command`: the sandbox with this policy.
    Model(&'a crate::agent::sandbox::Policy),
    /// The user's own `!CMD`: no sandbox, the stripped environment.
    User,
}

/// Kills the whole process group when dropped: on timeout, when the command ends (its
/// background children go too) and when the turn is cancelled mid-command.
struct GroupKill(Option<i32>);

impl GroupKill {
    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(pgid) = self.0.take() {
            // SAFETY: plain syscall; the group id is the child's pid (it called `setsid`).
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `run.command` in `root`; `on_output` receives output text as it arrives.
pub async fn run(
    root: &Path,
    run: &CommandRun,
    origin: Origin<'_>,
    mut on_output: impl FnMut(String),
) -> ToolOutput {
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(&run.command)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let _private_tmp = match origin {
        Origin::Model(policy) => match crate::agent::sandbox::confine(&mut command, root, policy) {
            Ok(private_tmp) => private_tmp,
            Err(message) => return ToolOutput::error(message),
        },
        Origin::User => {
            crate::agent::sandbox::user_command(&mut command);
            crate::agent::sandbox::PrivateTmp::default()
        }
    };
    let new_vcs =
        matches!(origin, Origin::Model(_)).then(|| crate::agent::sandbox::NewVcsDirs::watch(root));
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            // The sandbox is set up between fork and exec; its failures come back here.
            let message = match origin {
                Origin::Model(_) => format!(
                    "{err} (the sandbox could not be set up; `sapcode doctor` lists what holds)"
                ),
                Origin::User => err.to_string(),
            };
            return describe(run, &CommandOutcome::Failed(message), &Captured::default());
        }
    };
    let mut group = GroupKill(child.id().and_then(|id| i32::try_from(id).ok()));
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return ToolOutput::error("the command's output pipes were not set up");
    };
    let mut captured = Captured::default();
    let mut streamed = 0;
    let mut stream = |bytes: &[u8], captured: &mut Captured| {
        captured.push(bytes);
        if streamed < MAX_STREAMED {
            streamed += bytes.len();
            on_output(String::from_utf8_lossy(bytes).into_owned());
            if streamed >= MAX_STREAMED {
                on_output("\n[more output; not shown live]\n".into());
            }
        }
    };
    let (mut out_buf, mut err_buf) = (vec![0u8; 8192], vec![0u8; 8192]);
    let (mut out_open, mut err_open) = (true, true);
    let mut outcome: Option<CommandOutcome> = None;
    let deadline = tokio::time::sleep(run.timeout);
    tokio::pin!(deadline);
    let drain = tokio::time::sleep(Duration::from_secs(u32::MAX.into()));
    tokio::pin!(drain);
    while out_open || err_open || outcome.is_none() {
        tokio::select! {
            read = stdout.read(&mut out_buf), if out_open => match read {
                Ok(0) | Err(_) => out_open = false,
                Ok(n) => stream(&out_buf[..n], &mut captured),
            },
            read = stderr.read(&mut err_buf), if err_open => match read {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => stream(&err_buf[..n], &mut captured),
            },
            status = child.wait(), if outcome.is_none() => {
                group.kill();
                outcome = Some(match status {
                    Ok(status) => exit_outcome(status),
                    Err(err) => CommandOutcome::Failed(err.to_string()),
                });
                drain.as_mut().reset(tokio::time::Instant::now() + DRAIN_LIMIT);
            },
            () = &mut deadline, if outcome.is_none() => {
                group.kill();
                let _ = child.wait().await;
                outcome = Some(CommandOutcome::TimedOut(run.timeout));
                drain.as_mut().reset(tokio::time::Instant::now() + DRAIN_LIMIT);
            },
            () = &mut drain, if outcome.is_some() => break,
        }
    }
    let outcome = outcome.unwrap_or_else(|| CommandOutcome::Failed("no exit status".into()));
    if let Some(note) = new_vcs
        .as_ref()
        .and_then(crate::agent::sandbox::NewVcsDirs::remove)
    {
        stream(note.as_bytes(), &mut captured);
    }
    // The live view stopped at its cap, but a command's verdict is at its end (`test result`,
    // the last compiler error): show the end kept for the model too.
    if streamed >= MAX_STREAMED {
        on_output(format!(
            "[… the end of the output:]\n{}",
            captured.last_lines()
        ));
    }
    describe(run, &outcome, &captured)
}

#[cfg(unix)]
fn exit_outcome(status: std::process::ExitStatus) -> CommandOutcome {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => CommandOutcome::Exited(code),
        (None, Some(signal)) => CommandOutcome::Signaled(signal),
        (None, None) => CommandOutcome::Failed("no exit status".into()),
    }
}

#[cfg(not(unix))]
fn exit_outcome(status: std::process::ExitStatus) -> CommandOutcome {
    match status.code() {
        Some(code) => CommandOutcome::Exited(code),
        None => CommandOutcome::Failed("no exit status".into()),
    }
}

/// The result the model reads: how it ended, then the (capped) output.
fn describe(run: &CommandRun, outcome: &CommandOutcome, captured: &Captured) -> ToolOutput {
    let (status, summary, ok) = match outcome {
        CommandOutcome::Exited(0) => ("exit code 0".to_owned(), "exit 0".to_owned(), true),
        CommandOutcome::Exited(127) => (
            "exit code 127 (command not found)".to_owned(),
            "exit 127 (not found)".to_owned(),
            false,
        ),
        CommandOutcome::Exited(code) => {
            (format!("exit code {code}"), format!("exit {code}"), false)
        }
        CommandOutcome::Signaled(signal) => (
            format!("killed by signal {signal}"),
            format!("signal {signal}"),
            false,
        ),
        CommandOutcome::TimedOut(after) => (
            format!(
                "timed out after {} s; the command and its process group were killed",
                after.as_secs()
            ),
            format!("timed out after {} s", after.as_secs()),
            false,
        ),
        CommandOutcome::Failed(err) => (
            format!("could not run the command: {err}"),
            format!("failed: {err}"),
            false,
        ),
    };
    let output = if captured.total == 0 {
        "(no output)".to_owned()
    } else {
        captured.text()
    };
    ToolOutput {
        content: format!("$ {}\n{status}\n{output}", run.command),
        summary: format!("{summary} ({} output)", human_bytes(captured.total)),
        ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_output_keeps_head_and_tail_within_the_cap() {
        let mut captured = Captured::default();
        for _ in 0..1000 {
            captured.push(&[b'a'; 1000]);
        }
        captured.push(b"THE END");
        let text = captured.text();
        assert!(text.len() <= MAX_COMMAND_OUTPUT + 200, "{}", text.len());
        assert!(text.starts_with("aaaa"));
        assert!(text.ends_with("THE END"));
        assert!(
            text.contains("cut from the middle of 976.6 KiB of output"),
            "{text:.200}"
        );
        let mut small = Captured::default();
        small.push(b"hello\n");
        assert_eq!(small.text(), "hello\n");
    }
}
