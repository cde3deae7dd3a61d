//! The tail of a command's output as the transcript shows it: its last `MAX_LIVE_LINES`
//! lines (each at most `MAX_LINE_CHARS`), with a count of what was cut, so a flooding command
//! costs bounded memory; escaped for the terminal as it arrives. The TUI draws it under the
//! command's line, and the session file keeps it so a resumed conversation shows it again.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Output lines of one command kept for the transcript (the tail).
pub const MAX_LIVE_LINES: usize = 200;
/// Characters of one output line kept; the rest of the line is dropped and marked `…`.
pub const MAX_LINE_CHARS: usize = 400;

/// The tail of a command's output, split into escaped lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandLog {
    pub lines: VecDeque<String>,
    /// The line still being written (no newline yet).
    pub partial: String,
    /// Lines cut from the top.
    pub dropped: usize,
}

impl CommandLog {
    /// Adds a chunk of output as it came. A carriage return starts the line over, as a
    /// terminal would show a progress bar.
    pub fn push(&mut self, text: &str) {
        let mut rest = text;
        while let Some(at) = rest.find('\n') {
            self.add_to_partial(&rest[..at]);
            let line = std::mem::take(&mut self.partial);
            self.lines.push_back(line);
            if self.lines.len() > MAX_LIVE_LINES {
                self.lines.pop_front();
                self.dropped += 1;
            }
            rest = &rest[at + 1..];
        }
        self.add_to_partial(rest);
    }

    fn add_to_partial(&mut self, text: &str) {
        let text = match text.rfind('\r') {
            Some(at) => {
                self.partial.clear();
                &text[at + 1..]
            }
            None => text,
        };
        let used = self.partial.chars().count();
        if used >= MAX_LINE_CHARS {
            return;
        }
        let escaped = crate::terminal_text::escape_line(text);
        let room = MAX_LINE_CHARS - used;
        let mut chars = escaped.chars();
        self.partial.extend(chars.by_ref().take(room));
        if chars.next().is_some() {
            self.partial.push('…');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_the_tail_counts_the_cut_and_escapes() {
        let mut log = CommandLog::default();
        for n in 0..(MAX_LIVE_LINES + 5) {
            log.push(&format!("line {n}\n"));
        }
        log.push("half \x1b[2Ka line");
        assert_eq!(log.dropped, 5);
        assert_eq!(log.lines.len(), MAX_LIVE_LINES);
        assert_eq!(log.lines.front().map(String::as_str), Some("line 5"));
        assert_eq!(log.partial, "half \\x1b[2Ka line");
        log.push(" ends\nprogress 10%\rprogress 90%");
        assert_eq!(
            log.lines.back().map(String::as_str),
            Some("half \\x1b[2Ka line ends")
        );
        assert_eq!(log.partial, "progress 90%");
        log.push(&"x".repeat(MAX_LINE_CHARS * 3));
        assert_eq!(log.partial.chars().count(), MAX_LINE_CHARS + 1);
    }
}
