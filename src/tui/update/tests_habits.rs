//! The habits Claude Code and Codex users bring: typing is always text, quitting is
//! deliberate, `\`+Enter and Shift-Enter make new lines, `@word` is text unless it names a file.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::tests::send;
use super::update;
use crate::agent::Attachment;
use crate::tui::event::{Effect, Event};
use crate::tui::state::{AppState, Pane};
use crate::tui::test_support::{apply, ctrl, key, loaded, picked, startup, typed};

fn started_text(effects: &[Effect]) -> String {
    match effects {
        [.., Effect::StartTurn { conversation, .. }] => conversation
            .messages()
            .last()
            .map(|m| m.content.clone())
            .unwrap_or_default(),
        other => panic!("expected StartTurn, got {other:?}"),
    }
}

#[test]
fn first_launch_typing_lands_in_the_message_box_and_nothing_quits() {
    // As the app starts (no model remembered): focus is the message box.
    let mut state = AppState::new(startup(120, 40));
    assert_eq!(state.focus, Pane::Chat);
    for c in "quick question".chars() {
        assert_eq!(key(&mut state, KeyCode::Char(c)), vec![]);
    }
    assert_eq!(state.chat.composer.input.text(), "quick question");
    // Enter without a model: the picker opens, the message stays.
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert_eq!(state.focus, Pane::Models);
    assert_eq!(state.chat.composer.input.text(), "quick question");
}

#[test]
fn letters_filter_in_the_model_picker_and_are_text_elsewhere() {
    let mut state = loaded(120, 40);
    assert_eq!(state.focus, Pane::Models);
    for c in "qsmdf?".chars() {
        assert_eq!(key(&mut state, KeyCode::Char(c)), vec![]);
    }
    assert_eq!(state.models.filter.text(), "qsmdf?");
    assert_eq!(
        (state.focus, state.overlay),
        (Pane::Models, crate::tui::state::Overlay::None)
    );
    // In the deployment picker a letter goes to the message box.
    key(&mut state, KeyCode::Esc);
    state.focus = Pane::Deployments;
    assert_eq!(key(&mut state, KeyCode::Char('q')), vec![]);
    assert_eq!(state.focus, Pane::Chat);
    assert_eq!(state.chat.composer.input.text(), "q");
}

#[test]
fn ctrl_c_stops_a_streaming_answer_without_quitting() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "hi");
    let effects = ctrl(&mut state, 'c');
    assert!(
        matches!(effects.as_slice(), [Effect::CancelTurn { turn: t }, ..] if *t == turn),
        "{effects:?}"
    );
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    assert!(!state.is_streaming());
}

#[test]
fn ctrl_c_clears_a_draft_into_the_history_and_up_brings_it_back() {
    let mut state = picked(120, 40);
    typed(&mut state, "half a thought");
    assert_eq!(
        ctrl(&mut state, 'c'),
        vec![Effect::AppendInputHistory("half a thought".into())]
    );
    assert_eq!(state.chat.composer.input.text(), "");
    key(&mut state, KeyCode::Up);
    assert_eq!(state.chat.composer.input.text(), "half a thought");
}

#[test]
fn ctrl_c_twice_on_an_empty_input_quits_and_another_key_disarms() {
    let mut state = picked(120, 40);
    assert_eq!(ctrl(&mut state, 'c'), vec![]);
    assert_eq!(state.notice.as_deref(), Some("C-c again to quit"));
    // Any other key in between: the next Ctrl-C asks again.
    key(&mut state, KeyCode::PageUp);
    assert_eq!(ctrl(&mut state, 'c'), vec![]);
    assert_eq!(ctrl(&mut state, 'c'), vec![Effect::Quit]);
}

#[test]
fn ctrl_d_quits_on_an_empty_input_only() {
    let mut state = picked(120, 40);
    typed(&mut state, "x");
    assert_eq!(ctrl(&mut state, 'd'), vec![]);
    assert_eq!(state.chat.composer.input.text(), "x");
    key(&mut state, KeyCode::Backspace);
    assert_eq!(ctrl(&mut state, 'd'), vec![Effect::Quit]);
}

#[test]
fn slash_exit_and_quit_quit() {
    for command in ["/exit", "/quit"] {
        let mut state = picked(120, 40);
        typed(&mut state, command);
        let effects = key(&mut state, KeyCode::Enter);
        assert_eq!(
            effects.last(),
            Some(&Effect::Quit),
            "{command}: {effects:?}"
        );
    }
}

#[test]
fn backslash_enter_and_shift_enter_make_new_lines() {
    let mut state = picked(120, 40);
    typed(&mut state, "one\\");
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    typed(&mut state, "two");
    update(
        &mut state,
        Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT)),
    );
    typed(&mut state, "three");
    assert_eq!(state.chat.composer.input.text(), "one\ntwo\nthree");
    // A backslash elsewhere in the line is text: Enter sends.
    let mut state = picked(120, 40);
    typed(&mut state, "a\\b");
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(started_text(&effects), "a\\b");
}

#[test]
fn an_at_word_naming_no_file_is_sent_as_text() {
    let mut state = picked(120, 40);
    typed(&mut state, "@property");
    let Some(Effect::ReadAttachments { request, .. }) =
        key(&mut state, KeyCode::Enter).into_iter().next()
    else {
        panic!("no read asked");
    };
    // The effect returns no result for a path that does not exist.
    let effects = apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![],
        },
    );
    assert_eq!(started_text(&effects), "@property");
    assert_eq!(state.notice, None);
}

#[test]
fn an_existing_path_attaches_and_an_unknown_at_word_stays_in_the_question() {
    let mut state = picked(120, 40);
    typed(&mut state, "@src/lib.rs @types/node");
    let Some(Effect::ReadAttachments { request, paths }) =
        key(&mut state, KeyCode::Enter).into_iter().next()
    else {
        panic!("no read asked");
    };
    assert_eq!(paths, ["src/lib.rs", "types/node"]);
    let effects = apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Ok(Attachment::from_text("src/lib.rs", "pub mod a;\n"))],
        },
    );
    // Sent, not held back as "attachments only": `@types/node` is a word of the question.
    assert!(started_text(&effects).ends_with("@src/lib.rs @types/node"));
}

#[test]
fn enter_while_an_answer_streams_queues_the_question_and_sends_it_after() {
    use crate::tui::event::ChatUpdate;
    let mut state = picked(160, 48);
    let turn = send(&mut state, "first question");
    typed(&mut state, "second question");
    let effects = key(&mut state, KeyCode::Enter);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::StartTurn { .. })),
        "{effects:?}"
    );
    assert_eq!(state.chat.composer.input.text(), "");
    assert_eq!(state.chat.composer.queued, ["second question"]);
    assert!(
        state
            .notice
            .as_deref()
            .unwrap_or_default()
            .starts_with("queued")
    );
    // A shell command cannot wait: it stays in the input.
    typed(&mut state, "!ls");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.chat.composer.input.text(), "!ls");
    state.chat.composer.input.set_text("");

    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("one".into()),
        },
    );
    let effects = update(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    assert_eq!(started_text(&effects), "second question");
    assert!(state.chat.composer.queued.is_empty());
}

#[test]
fn a_stopped_answer_gives_the_queued_questions_back_to_the_input() {
    let mut state = picked(160, 48);
    send(&mut state, "first question");
    typed(&mut state, "second");
    key(&mut state, KeyCode::Enter);
    typed(&mut state, "third");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.chat.composer.queued.len(), 2);
    key(&mut state, KeyCode::Esc);
    assert!(state.chat.composer.queued.is_empty());
    assert_eq!(state.chat.composer.input.text(), "second\n\nthird");
}
