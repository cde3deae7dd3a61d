//! `sapcode run`'s approval question on the terminal (`/dev/tty`): the edit drawn from its
//! hunks or every line of the command, each character visible (control and invisible ones as
//! escapes), then the question. Whatever was typed before the question was on screen is
//! discarded first, so a line typed ahead (`y` and Enter meant for something else) never
//! answers it.

use std::io::{BufRead, Write};

use crate::agent::diff::Hunk;
use crate::agent::{ApprovalRequest, Decision};
use crate::terminal_text::visible;

/// Shows the diff or command on the terminal and reads `y`, `n` (then an optional reason)
/// or `a`. Anything unreadable counts as "no".
pub(super) fn ask_on_terminal(call: &str, request: &ApprovalRequest) -> Decision {
    let Ok(mut tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Decision::No {
            reason: Some("the terminal could not be opened to ask".into()),
        };
    };
    let (question, all) = match request {
        ApprovalRequest::Edit { .. } => (
            "Apply this edit? [y]es / [n]o / [a]ll edits this session",
            Decision::AllEdits,
        ),
        ApprovalRequest::Command { .. } => (
            "Run this command? [y]es / [n]o / [!] always this exact command",
            Decision::AlwaysCommand,
        ),
    };
    let _ = write!(tty, "\nsapcode: {}\n{}", visible(call), shown(request));
    let _ = tty.flush();
    // Between the diff and the question: what was typed while the diff was printed goes
    // too, and an answer typed once the question shows is never lost.
    discard_typed_ahead(&tty);
    let _ = write!(tty, "{question}: ");
    let _ = tty.flush();
    let Some(answer) = read_line(&tty) else {
        return Decision::No { reason: None };
    };
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Decision::Yes,
        // `!` as in the TUI's review area; `a` still works.
        "a" | "all" | "always" | "!" => all,
        _ => {
            let _ = write!(tty, "Reason for the model (optional, Enter to skip): ");
            let _ = tty.flush();
            let reason = read_line(&tty).map(|r| r.trim().to_owned());
            Decision::No {
                reason: reason.filter(|r| !r.is_empty()),
            }
        }
    }
}

/// What the user reviews: `edit PATH (+a −r)` and the hunks, or `$ ` and the command's lines.
fn shown(request: &ApprovalRequest) -> String {
    match request {
        ApprovalRequest::Edit {
            path,
            hunks,
            is_new_file,
        } => edit_text(path, hunks, *is_new_file),
        ApprovalRequest::Command { command } => command
            .split('\n')
            .enumerate()
            .map(|(index, line)| {
                let prompt = if index == 0 { "$ " } else { "  " };
                format!("{prompt}{}\n", visible(line))
            })
            .collect(),
    }
}

/// The diff from the structured hunks, never from unified text (whose `+++`/`---` file lines
/// look like an added `++ x` or a removed `-- x`); every line's characters visible.
fn edit_text(path: &str, hunks: &[Hunk], is_new_file: bool) -> String {
    let (added, removed) = crate::agent::diff::counts(hunks);
    let new = if is_new_file { ", new file" } else { "" };
    let mut out = format!("edit {} (+{added} −{removed}{new})\n", visible(path));
    for hunk in hunks {
        out.push_str(&hunk.header());
        out.push('\n');
        for line in &hunk.lines {
            out.push(line.kind.mark());
            out.push_str(&visible(&line.text));
            out.push('\n');
            if line.missing_newline {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// Drops input the terminal holds that nobody has read yet: it was typed before the question
/// appeared.
#[cfg(unix)]
fn discard_typed_ahead(tty: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: tcflush only reads the descriptor number; `tty` is open for the whole call.
    // A failure (not a terminal) leaves the input as it was, which is all it could do.
    unsafe {
        libc::tcflush(tty.as_raw_fd(), libc::TCIFLUSH);
    }
}

#[cfg(not(unix))]
fn discard_typed_ahead(_tty: &std::fs::File) {}

fn read_line(tty: &std::fs::File) -> Option<String> {
    let mut line = String::new();
    match std::io::BufReader::new(tty).read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::diff;

    #[test]
    fn the_terminal_diff_shows_every_line_and_every_character() {
        let old = "a = 1\n-- drop\n";
        let new = "a = 1\n++ __import__('os').system('id')\u{200b}\r\n\u{1b}]52;c;eA==\u{7}\n";
        let shown = shown(&ApprovalRequest::Edit {
            path: "x\u{202e}.py".into(),
            hunks: diff::hunks(old, new),
            is_new_file: false,
        });
        assert_eq!(
            shown,
            "edit x\\u{202e}.py (+2 −1)\n@@ -1,2 +1,3 @@\n a = 1\n--- drop\n\
             +++ __import__('os').system('id')\\u{200b}\\x0d\n+\\x1b]52;c;eA==\\x07\n"
        );
    }

    #[test]
    fn every_line_of_a_command_is_shown() {
        let command: String = (1..=40).map(|n| format!("echo {n}\n")).collect();
        let shown = shown(&ApprovalRequest::Command {
            command: format!("{command}rm -rf ~\u{e0041}"),
        });
        assert_eq!(shown.lines().count(), 41);
        assert!(shown.starts_with("$ echo 1\n  echo 2\n"), "{shown}");
        assert!(shown.ends_with("  rm -rf ~\\u{e0041}\n"), "{shown}");
    }
}
