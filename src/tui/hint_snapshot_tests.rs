//! A hint wider than the status line can be read (issue 17): the status line ends a cut
//! message with `… F1`; F1 opens help with the whole message wrapped on top; any other key
//! (Esc) closes it, and the message is not shown again.

use crossterm::event::KeyCode;

use super::state::{AppState, Overlay};
use super::test_support::{key, picked, render};

const LONG: &str = "not sent: the deployment d7f3a9c2 answered 429 Too Many Requests three times in \
                    a row; wait a minute or pick another deployment of gpt-4o with Alt-D, then \
                    Ctrl-R retries the question (the draft is kept)";

fn with_long_hint(width: u16, height: u16) -> AppState {
    let mut state = picked(width, height);
    state.notice = Some(LONG.into());
    state
}

#[test]
fn f1_shows_the_whole_status_message_and_any_key_closes_it() {
    let mut state = with_long_hint(80, 24);
    let footer = render(&state).lines().last().unwrap_or_default().to_owned();
    assert!(footer.contains("… F1 "), "{footer}");
    assert!(!footer.contains("(the draft is kept)"), "{footer}");

    key(&mut state, KeyCode::F(1));
    assert_eq!(state.overlay, Overlay::Help);
    assert_eq!(state.help_notice.as_deref(), Some(LONG));
    let screen = render(&state);
    // Every word of the message is on screen, wrapped inside the overlay.
    assert!(screen.contains("Status line:"), "{screen}");
    let rows: Vec<Vec<char>> = screen.lines().map(|row| row.chars().collect()).collect();
    let left = rows[0].iter().position(|c| *c == '┌').unwrap();
    let inside: Vec<String> = rows
        .iter()
        .map(|row| {
            let text: String = row.iter().skip(left + 1).take(74).collect();
            text.trim().to_owned()
        })
        .collect();
    let top = inside.iter().position(|row| row == "Status line:").unwrap();
    let message = inside[top + 1..top + 4].join(" ");
    assert_eq!(message, LONG.split_whitespace().collect::<Vec<_>>().join(" "));

    key(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(state.notice, None);
    // Help opened without a message shows only the keys.
    key(&mut state, KeyCode::F(1));
    assert_eq!(state.help_notice, None);
    assert!(!render(&state).contains("Status line:"));
}

#[test]
fn help_with_a_long_hint() {
    super::snapshot_tests::snap("help_long_hint", |width, height| {
        let mut state = with_long_hint(width, height);
        key(&mut state, KeyCode::F(1));
        state
    });
}
