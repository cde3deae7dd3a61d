//! Pastes that arrive as keys: a terminal without bracketed paste (or a multiplexer that
//! drops it) types the pasted text key by key, and its line breaks arrive as Enter, which
//! would send the first line. A person never types a line break and more text within one
//! batch of queued events, so such a run of keys is turned back into one paste (and so is a
//! run longer than a paste chip's threshold: it then shows as the same chip).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::event::Event;

/// The text a key types, for keys a paste can produce: CR arrives as Enter and LF (in raw
/// mode) as Ctrl-J; the input turns CR, CRLF and LF alike into one line break.
fn typed_text(key: &KeyEvent) -> Option<char> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers == KeyModifiers::CONTROL && key.code == KeyCode::Char('j') {
        return Some('\n');
    }
    if !(key.modifiers - KeyModifiers::SHIFT).is_empty() {
        return None;
    }
    match key.code {
        KeyCode::Char(c) => Some(c),
        KeyCode::Enter => Some('\r'),
        KeyCode::Tab => Some('\t'),
        _ => None,
    }
}

/// Replaces each run of typed keys in which a line break is followed by more text with one
/// `Event::TypedPaste`; everything else stays as it came, in order. `continues`: a paste was
/// arriving in the batch before, so keys that open this batch are more of it (a line break
/// among them is text, never Enter).
pub fn coalesce(events: Vec<Event>, continues: bool) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len());
    let mut run: Vec<Event> = Vec::new();
    let mut text = String::new();
    let mut events = events.into_iter().peekable();
    if continues {
        while let Some(c) = events.peek().and_then(|event| match event {
            Event::Key(key) => typed_text(key),
            _ => None,
        }) {
            text.push(c);
            events.next();
        }
        if !text.is_empty() {
            out.push(Event::TypedPaste(std::mem::take(&mut text)));
        }
    }
    for event in events {
        let typed = match &event {
            Event::Key(key) => typed_text(key),
            _ => None,
        };
        match typed {
            Some(c) => {
                text.push(c);
                run.push(event);
            }
            None => {
                flush(&mut out, &mut run, &mut text);
                out.push(event);
            }
        }
    }
    flush(&mut out, &mut run, &mut text);
    out
}

fn flush(out: &mut Vec<Event>, run: &mut Vec<Event>, text: &mut String) {
    // More than a chip's worth in one batch is no one's typing either, line break or not:
    // as a paste it becomes the same chip a bracketed one does.
    let is_paste = text.trim_end_matches(['\r', '\n']).contains(['\r', '\n'])
        || text.len() > crate::tui::paste::CHIP_BYTES;
    if is_paste {
        out.push(Event::TypedPaste(std::mem::take(text)));
        run.clear();
    } else {
        out.append(run);
        text.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys as a terminal sends them in raw mode: CR is Enter, LF is Ctrl-J.
    fn keys(text: &str) -> Vec<Event> {
        text.chars()
            .map(|c| match c {
                '\r' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                '\n' => KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL),
                c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            })
            .map(Event::Key)
            .collect()
    }

    #[test]
    fn a_line_break_followed_by_text_is_a_paste() {
        assert_eq!(
            coalesce(keys("fn a() {\r}\r\nx"), false),
            vec![Event::TypedPaste("fn a() {\r}\r\nx".into())]
        );
    }

    #[test]
    fn a_long_run_without_line_breaks_is_a_paste_too() {
        let long = "x".repeat(crate::tui::paste::CHIP_BYTES + 1);
        assert_eq!(
            coalesce(keys(&long), false),
            vec![Event::TypedPaste(long.clone())]
        );
        let short = "x".repeat(crate::tui::paste::CHIP_BYTES);
        assert_eq!(coalesce(keys(&short), false), keys(&short));
    }

    #[test]
    fn typing_and_a_final_enter_stay_keys() {
        assert_eq!(coalesce(keys("hi\r"), false), keys("hi\r"));
        let mut events = keys("a");
        events.push(Event::Resize {
            width: 80,
            height: 24,
        });
        events.extend(keys("\rb"));
        // The resize splits the runs; "\rb" alone still carries text after a line break.
        assert_eq!(
            coalesce(events, false),
            vec![
                keys("a").remove(0),
                Event::Resize {
                    width: 80,
                    height: 24
                },
                Event::TypedPaste("\rb".into()),
            ]
        );
    }
}
