//! What the status line and the chat title say (issue 17). A hint wider than the status
//! line can be read: the status line ends a cut message with `… F1`; F1 opens help with the
//! whole message wrapped on top; any other key (Esc) closes it. The chat title follows a
//! switch: Shift-Tab's approval mode, another model picked after a turn.

use crossterm::event::KeyCode;

use super::event::{Effect, Event};
use super::state::{AppState, Overlay};
use super::test_support::{apply, ctrl, key, picked, render, typed};

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
    assert_eq!(
        message,
        LONG.split_whitespace().collect::<Vec<_>>().join(" ")
    );

    key(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(state.notice, None);
    // Help opened without a message, or by `/help` after one, shows only the keys.
    key(&mut state, KeyCode::F(1));
    assert_eq!(state.help_notice, None);
    assert!(!render(&state).contains("Status line:"));
    key(&mut state, KeyCode::Esc);
    state.notice = Some(LONG.into());
    typed(&mut state, "/help");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.overlay, Overlay::Help);
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

fn chat_title(state: &AppState) -> String {
    let screen = render(state);
    let row = screen
        .lines()
        .find(|row| row.contains("┌ Chat"))
        .unwrap_or_default();
    let from = row.find("┌ Chat").unwrap_or_default();
    row[from..]
        .trim_end_matches(['"', '─', '┐', ' '])
        .to_owned()
}

#[test]
fn the_chat_title_follows_a_mode_switch_at_once() {
    // Wide enough that the chat shows beside the pickers.
    let mut state = picked(160, 48);
    assert_eq!(chat_title(&state), "┌ Chat · gpt-4o · d7f3a9c2");
    key(&mut state, KeyCode::BackTab);
    assert_eq!(chat_title(&state), "┌ Chat · gpt-4o · d7f3a9c2 · auto-edit");
    key(&mut state, KeyCode::BackTab);
    assert_eq!(chat_title(&state), "┌ Chat · gpt-4o · d7f3a9c2 · plan");
    key(&mut state, KeyCode::BackTab);
    assert_eq!(chat_title(&state), "┌ Chat · gpt-4o · d7f3a9c2");

    // After a turn on gpt-4o, picking o3-mini names o3-mini at once, not the last turn's.
    typed(&mut state, "hi");
    let turn = match key(&mut state, KeyCode::Enter).last() {
        Some(Effect::StartTurn { turn, .. }) => *turn,
        other => panic!("{other:?}"),
    };
    apply(
        &mut state,
        Event::TurnTarget {
            turn,
            model: "gpt-4o".into(),
            deployment: "d7f3a9c2aaaa".into(),
        },
    );
    let done = crate::agent::SessionEvent::Done {
        finish_reason: Some("stop".into()),
    };
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: done.into(),
        },
    );
    ctrl(&mut state, 'o');
    typed(&mut state, "o3-mini");
    key(&mut state, KeyCode::Enter);
    assert!(
        chat_title(&state).starts_with("┌ Chat · o3-mini"),
        "{}",
        chat_title(&state)
    );
}

#[test]
fn chat_title_in_plan_mode() {
    super::snapshot_tests::snap("chat_title_plan", |width, height| {
        let mut state = picked(width, height);
        key(&mut state, KeyCode::BackTab);
        key(&mut state, KeyCode::BackTab);
        state
    });
}
