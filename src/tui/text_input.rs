//! The one text input: the chat message (several lines), the settings fields and the model
//! filter (one line each) share its editing keys (arrows, Home/End, word moves, Ctrl-W,
//! Ctrl-K, Ctrl-U kills to the start of the line as in readline, Ctrl-Z undoes). Which keys it never sees (Enter, Esc, Tab) is the owner's choice; this
//! module only edits text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea};

#[derive(Clone)]
pub struct TextInput {
    area: TextArea<'static>,
    is_multiline: bool,
}

impl TextInput {
    /// One line: Enter, Ctrl-J and Tab are not text here.
    pub fn single_line(text: &str) -> TextInput {
        let mut input = TextInput {
            area: TextArea::default(),
            is_multiline: false,
        };
        input.insert_str(text);
        input
    }

    /// Several lines, with a grey hint while empty.
    pub fn multi_line(placeholder: &str) -> TextInput {
        let mut area = TextArea::default();
        area.set_placeholder_text(placeholder);
        area.set_cursor_line_style(Style::default());
        TextInput {
            area,
            is_multiline: true,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn lines(&self) -> &[String] {
        self.area.lines()
    }

    pub fn is_empty(&self) -> bool {
        self.area.is_empty()
    }

    /// (row, column in characters).
    pub fn cursor(&self) -> (usize, usize) {
        let cursor = self.area.cursor();
        (cursor.0, cursor.1)
    }

    /// Replaces the text; the cursor goes to its end.
    pub fn set_text(&mut self, text: &str) {
        let mut area = TextArea::default();
        if self.is_multiline {
            area.set_placeholder_text(self.area.placeholder_text());
            area.set_cursor_line_style(Style::default());
        }
        self.area = area;
        self.insert_str(text);
    }

    /// Inserts at the cursor; CR and CRLF (many terminals paste with CR) become LF; on one
    /// line, line breaks become spaces.
    pub fn insert_str(&mut self, text: &str) {
        if self.is_multiline {
            self.area
                .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        } else {
            self.area.insert_str(text.replace(['\r', '\n'], " "));
        }
    }

    /// Replaces the `count` characters before the cursor with `text` (a completion).
    pub fn replace_before_cursor(&mut self, count: usize, text: &str) {
        for _ in 0..count {
            self.area.delete_char();
        }
        self.insert_str(text);
    }

    /// Removes a `\` right before the cursor; true when there was one (multi-line only).
    pub fn take_backslash_before_cursor(&mut self) -> bool {
        let (row, col) = self.cursor();
        let before = col
            .checked_sub(1)
            .and_then(|at| self.area.lines().get(row)?.chars().nth(at));
        self.is_multiline && before == Some('\\') && self.area.delete_char()
    }

    /// Replaces the character at (row, column in characters) with `text`, leaving the cursor
    /// after it; false when there is no such position.
    pub fn replace_char_at(&mut self, row: usize, column: usize, text: &str) -> bool {
        let exists = self
            .area
            .lines()
            .get(row)
            .is_some_and(|line| line.chars().nth(column).is_some());
        let (Ok(row), Ok(column), true) = (u16::try_from(row), u16::try_from(column), exists)
        else {
            return false;
        };
        self.area.move_cursor(CursorMove::Jump(row, column));
        self.area.delete_next_char();
        self.insert_str(text);
        true
    }

    pub fn insert_newline(&mut self) {
        if self.is_multiline {
            self.area.insert_newline();
        }
    }

    /// Edits the text with `key`; false when the key is not an editing key here.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if !self.is_multiline && is_line_break(&key) {
            return false;
        }
        // readline's Ctrl-U, where the textarea would undo; undo moves to Ctrl-Z (raw mode
        // turns off the terminal's suspend, so the key arrives).
        if key.modifiers == KeyModifiers::CONTROL {
            match key.code {
                KeyCode::Char('u') => return self.area.delete_line_by_head(),
                KeyCode::Char('z') => return self.area.undo(),
                _ => {}
            }
        }
        self.area.input(key)
    }

    /// The text as drawn on one line, with `▏` where the cursor is.
    pub fn with_cursor(&self) -> String {
        self.shown_with_cursor(ToOwned::to_owned)
    }

    /// A secret as drawn: one `•` per character, and the cursor.
    pub fn masked_with_cursor(&self) -> String {
        self.shown_with_cursor(|text| "•".repeat(text.chars().count()))
    }

    fn shown_with_cursor(&self, show: impl Fn(&str) -> String) -> String {
        let line = self.area.lines().first().map_or("", String::as_str);
        let (_, column) = self.cursor();
        let split = line
            .char_indices()
            .nth(column)
            .map_or(line.len(), |(at, _)| at);
        let (before, after) = line.split_at(split);
        format!("{}▏{}", show(before), show(after))
    }

    /// The widget that draws the text with a cursor block, for the multi-line input.
    pub fn widget(&self) -> &TextArea<'static> {
        &self.area
    }
}

fn is_line_break(key: &KeyEvent) -> bool {
    let is_ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    matches!(key.code, KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab)
        || (is_ctrl && matches!(key.code, KeyCode::Char('j' | 'm')))
}

/// Equal when the text and the cursor are.
impl PartialEq for TextInput {
    fn eq(&self, other: &TextInput) -> bool {
        self.area.lines() == other.area.lines() && self.cursor() == other.cursor()
    }
}

/// Length and cursor only: a settings field may hold the client secret.
impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextInput")
            .field("chars", &self.text().chars().count())
            .field("cursor", &self.cursor())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(input: &mut TextInput, code: KeyCode) -> bool {
        input.on_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn one_line_edits_at_the_cursor_and_refuses_line_breaks() {
        let mut input = TextInput::single_line("gpt-mini");
        for _ in 0..4 {
            press(&mut input, KeyCode::Left);
        }
        press(&mut input, KeyCode::Char('4'));
        assert_eq!(input.text(), "gpt-4mini");
        assert_eq!(input.with_cursor(), "gpt-4▏mini");
        assert!(!press(&mut input, KeyCode::Enter));
        assert!(!input.on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL)));
        assert_eq!(input.lines().len(), 1);
        press(&mut input, KeyCode::End);
        press(&mut input, KeyCode::Backspace);
        assert_eq!(input.with_cursor(), "gpt-4min▏");
    }

    #[test]
    fn pasted_line_breaks_become_spaces_on_one_line_only() {
        let mut one = TextInput::single_line("");
        one.insert_str("a\r\nb");
        assert_eq!(one.text(), "a  b");
        let mut many = TextInput::multi_line("");
        many.insert_str("a\nb");
        assert_eq!(many.text(), "a\nb");
    }

    #[test]
    fn pasted_cr_and_crlf_become_line_breaks() {
        let mut many = TextInput::multi_line("");
        many.insert_str("one\rtwo\r\nthree\nfour");
        assert_eq!(many.lines(), ["one", "two", "three", "four"]);
    }

    #[test]
    fn ctrl_u_kills_to_the_start_of_the_line_and_ctrl_z_undoes() {
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut input = TextInput::multi_line("");
        input.insert_str("first line\nsecond line");
        for _ in 0..4 {
            press(&mut input, KeyCode::Left);
        }
        assert!(input.on_key(ctrl('u')));
        assert_eq!(input.lines(), ["first line", "line"]);
        assert_eq!(input.cursor(), (1, 0));
        assert!(input.on_key(ctrl('z')));
        assert_eq!(input.lines(), ["first line", "second line"]);
    }

    #[test]
    fn a_secret_is_masked_and_never_in_debug_output() {
        let input = TextInput::single_line("s3cr3t");
        assert_eq!(input.masked_with_cursor(), "••••••▏");
        assert!(!format!("{input:?}").contains("s3cr3t"));
    }

    #[test]
    fn set_text_keeps_the_placeholder_of_a_multi_line_input() {
        let mut input = TextInput::multi_line("Ask…");
        input.set_text("hello");
        input.set_text("");
        assert_eq!(input.widget().placeholder_text(), "Ask…");
        assert!(input.is_empty());
    }
}
