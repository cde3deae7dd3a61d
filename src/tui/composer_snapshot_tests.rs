//! Snapshots of the message box with long input: a paste chip in the draft, a question
//! queued while an answer streams (with a chip, shown by its label), and a question sent
//! with a chip (the transcript shows the chip, not the paste), at 80×24 and 160×48.

use crossterm::event::KeyCode;

use super::event::{ChatUpdate, Event};
use super::snapshot_tests::snap;
use super::state::AppState;
use super::test_support::{apply, key, picked, typed};

fn numbered(lines: usize) -> String {
    (0..lines).map(|i| format!("line {i:05}\n")).collect()
}

fn with_chip(width: u16, height: u16) -> AppState {
    let mut state = picked(width, height);
    typed(&mut state, "why does this log end early? ");
    apply(&mut state, Event::Paste(numbered(40_000)));
    typed(&mut state, " thanks");
    // The cursor rests right after the chip.
    for _ in 0.." thanks".len() {
        key(&mut state, KeyCode::Left);
    }
    state
}

#[test]
fn a_paste_chip_in_the_draft() {
    snap("composer_paste_chip", with_chip);
}

#[test]
fn a_question_with_a_chip_queued_while_an_answer_streams() {
    snap("composer_queued_chip", |w, h| {
        let mut state = picked(w, h);
        typed(&mut state, "first question");
        key(&mut state, KeyCode::Enter);
        apply(&mut state, Event::Paste(numbered(25)));
        typed(&mut state, " and this?");
        key(&mut state, KeyCode::Enter);
        typed(&mut state, "a third one");
        key(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn a_sent_chip_shows_as_its_label_in_the_transcript() {
    snap("composer_sent_chip", |w, h| {
        let mut state = with_chip(w, h);
        let effects = key(&mut state, KeyCode::Enter);
        let Some(turn) = effects.iter().find_map(|e| match e {
            super::event::Effect::StartTurn { turn, .. } => Some(*turn),
            _ => None,
        }) else {
            panic!("{effects:?}")
        };
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Delta("It ends at line 39999.".into()),
            },
        );
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Done,
            },
        );
        state
    });
}
