//! Approval modes in the chat (Shift-Tab cycles ask → auto-edit → plan, `a` in an edit's
//! review is auto-edit, `/new` goes back to the configured mode) and key hints that follow a
//! rebinding through `[keys]`, read off the rendered screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::tests::send;
use super::update;
use crate::agent::{ApprovalMode, Decision, ToolLevel};
use crate::tui::event::{ChatUpdate, Effect, Event};
use crate::tui::state::{AppState, Scroll};
use crate::tui::test_support::{
    apply, ctrl, edit_approval, key, loaded, picked, render, settle, startup, typed,
};

fn shift_tab(state: &mut AppState) -> Vec<Effect> {
    update(
        state,
        Event::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    )
}

/// The footer: the screen's last row.
fn footer(state: &AppState) -> String {
    render(state).lines().last().unwrap_or_default().to_owned()
}

fn level_sent(effects: &[Effect]) -> ToolLevel {
    match effects {
        [.., Effect::StartTurn { level, .. }] => *level,
        other => panic!("expected StartTurn, got {other:?}"),
    }
}

#[test]
fn shift_tab_cycles_the_modes_in_the_message_box_and_the_status_line_shows_each() {
    let mut state = picked(120, 40);
    assert!(footer(&state).contains(" ask │ "), "{}", footer(&state));
    // With a draft too: Shift-Tab never leaves the message box.
    typed(&mut state, "draft");
    for (mode, shown) in [
        (ApprovalMode::AutoEdit, " auto-edit │ "),
        (ApprovalMode::Plan, " plan │ "),
        (ApprovalMode::Ask, " ask │ "),
    ] {
        assert_eq!(shift_tab(&mut state), vec![Effect::SetApprovalMode(mode)]);
        assert_eq!(state.chat.approval_mode, mode);
        assert_eq!(state.notice.as_deref(), Some(mode.describe()));
        // The notice takes the left; the mode stays on the right.
        assert!(footer(&state).contains(shown), "{}", footer(&state));
        assert_eq!(state.focus, crate::tui::state::Pane::Chat);
    }
    assert_eq!(state.chat.composer.input.text(), "draft");
}

#[test]
fn plan_mode_offers_the_read_tools_only() {
    let mut state = picked(120, 40);
    assert_eq!(state.chat.level, ToolLevel::All);
    shift_tab(&mut state);
    shift_tab(&mut state);
    assert_eq!(state.chat.approval_mode, ApprovalMode::Plan);
    typed(&mut state, "plan it");
    assert_eq!(
        level_sent(&key(&mut state, KeyCode::Enter)),
        ToolLevel::Read
    );
}

#[test]
fn a_in_an_edit_review_is_auto_edit_shown_and_new_conversation_goes_back() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "edit it");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
                id: "c1".into(),
                request: edit_approval(),
            }),
        },
    );
    settle(&mut state);
    let effects = key(&mut state, KeyCode::Char('a'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::AnswerApproval {
                decision: Decision::AllEdits,
                ..
            }]
        ),
        "{effects:?}"
    );
    assert_eq!(state.chat.approval_mode, ApprovalMode::AutoEdit);
    assert!(
        footer(&state).contains(" auto-edit │ "),
        "{}",
        footer(&state)
    );
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    // Ctrl-N: a new conversation starts in the configured mode, and the grant goes.
    assert_eq!(
        ctrl(&mut state, 'n'),
        vec![Effect::SetApprovalMode(ApprovalMode::Ask)]
    );
    assert_eq!(state.chat.approval_mode, ApprovalMode::Ask);
    assert!(footer(&state).contains(" ask │ "), "{}", footer(&state));
}

#[test]
fn the_configured_mode_is_the_start_and_the_way_back() {
    let mut state = AppState::new(crate::tui::state::Startup {
        approval_mode: ApprovalMode::Plan,
        ..startup(120, 40)
    });
    assert_eq!(state.chat.approval_mode, ApprovalMode::Plan);
    shift_tab(&mut state);
    assert_eq!(state.chat.approval_mode, ApprovalMode::Ask);
    assert_eq!(
        ctrl(&mut state, 'n'),
        vec![Effect::SetApprovalMode(ApprovalMode::Plan)]
    );
}

#[test]
fn end_moves_the_cursor_in_the_draft() {
    let mut state = picked(120, 40);
    typed(&mut state, "ab");
    key(&mut state, KeyCode::Home);
    key(&mut state, KeyCode::End);
    typed(&mut state, "c");
    assert_eq!(state.chat.composer.input.text(), "abc");
}

/// A state whose `[keys]` rebind what the hints name.
fn rebound(pairs: &[(&str, &str)]) -> AppState {
    let mut state = loaded(120, 40);
    let overrides = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let (keys, problems) = crate::tui::keymap::Keymap::with_overrides(&overrides);
    assert_eq!(problems, Vec::<String>::new());
    state.keys = keys;
    state
}

#[test]
fn a_rebound_key_is_the_key_every_hint_names() {
    let mut state = rebound(&[
        ("stop", "ctrl-q"),
        ("quit", "ctrl-k"),
        ("chat.bottom", "alt-b"),
        ("approve", "Y"),
        ("pick", "ctrl-p"),
    ]);
    // The empty deployment list points at the pick key.
    assert!(render(&state).contains("pick a model above (C-p)"));
    key(&mut state, KeyCode::Enter);
    ctrl(&mut state, 'p');
    ctrl(&mut state, 'p');
    // Streaming: the footer names the stop key, and a queued question says it too.
    let turn = send(&mut state, "hello");
    assert!(
        footer(&state).contains("C-q stop the answer"),
        "{}",
        footer(&state)
    );
    typed(&mut state, "more");
    key(&mut state, KeyCode::Enter);
    assert_eq!(
        state.notice.as_deref(),
        Some("queued: sent when this answer ends (C-q stops the answer and brings it back)")
    );
    // The review's prompt names the approve key.
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
                id: "c1".into(),
                request: edit_approval(),
            }),
        },
    );
    settle(&mut state);
    assert!(render(&state).contains(" Y yes · n no · a all edits"));
    state.notice = None;
    assert!(footer(&state).contains("Y yes"), "{}", footer(&state));
    // Stopping says which key stopped it.
    update(
        &mut state,
        Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    ctrl(&mut state, 'q');
    assert!(
        render(&state).contains("■ stopped by C-q"),
        "{}",
        render(&state)
    );
    // Scrolled up, the transcript names the follow key.
    for n in 0..40 {
        state
            .chat
            .transcript
            .entries
            .push(crate::tui::state::Entry::new(
                crate::tui::state::Speaker::You,
                format!("question {n}"),
                crate::tui::state::EntryEnd::Finished,
            ));
    }
    render(&state);
    key(&mut state, KeyCode::PageUp);
    assert_ne!(state.chat.transcript.scroll, Scroll::Follow);
    assert!(render(&state).contains("↑ scrolled · A-b follows"));
    // Quitting: the second-press notice names the quit key.
    state.chat.composer.input.set_text("");
    ctrl(&mut state, 'k');
    assert!(
        footer(&state).contains("C-k again to quit"),
        "{}",
        footer(&state)
    );
}

#[test]
fn the_placeholder_names_the_send_and_newline_keys_in_force() {
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert("send".to_owned(), "ctrl-enter".to_owned());
    overrides.insert("newline".to_owned(), "alt-n".to_owned());
    let state = AppState::new(crate::tui::state::Startup {
        key_overrides: overrides,
        ..startup(120, 40)
    });
    assert!(
        render(&state).contains("Ask about code…  (C-Enter sends, A-n for a new line)"),
        "{}",
        render(&state)
    );
}

fn command_review(state: &mut AppState, turn: u64, id: &str, command: &str) {
    apply(
        state,
        Event::Chat {
            turn,
            update: ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
                id: id.into(),
                request: crate::agent::ApprovalRequest::Command {
                    command: command.into(),
                },
            }),
        },
    );
    settle(state);
}

#[test]
fn always_this_command_offers_it_for_the_project_and_y_saves_it() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "test it");
    command_review(&mut state, turn, "c1", "cargo test");
    let effects = key(&mut state, KeyCode::Char('!'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::AnswerApproval {
                decision: Decision::AlwaysCommand,
                ..
            }]
        ),
        "{effects:?}"
    );
    assert!(
        render(&state).contains("`cargo test` is allowed for this session. Also for this project"),
        "{}",
        render(&state)
    );
    assert_eq!(
        key(&mut state, KeyCode::Char('y')),
        vec![Effect::SavePermission("cargo test".into())]
    );
    assert_eq!(state.chat.composer.input.text(), "");
    // Declined: the key is then what it always is (here, text).
    command_review(&mut state, turn, "c2", "cargo build");
    key(&mut state, KeyCode::Char('!'));
    assert_eq!(key(&mut state, KeyCode::Char('x')), vec![]);
    assert_eq!(state.chat.composer.input.text(), "x");
    assert_eq!(state.chat.save_offer, None);
    // A command that could never match an entry is not offered.
    command_review(&mut state, turn, "c3", "cargo test; rm -rf x");
    key(&mut state, KeyCode::Char('!'));
    assert_eq!(state.chat.save_offer, None);
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("cannot be saved for the project")),
        "{:?}",
        state.notice
    );
    // A review that opens meanwhile takes the next key, not the offer.
    command_review(&mut state, turn, "c4", "make");
    key(&mut state, KeyCode::Char('!'));
    command_review(&mut state, turn, "c5", "make check");
    assert_eq!(state.chat.save_offer, None);
}

#[test]
fn the_chat_title_follows_a_mode_switch() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "hi");
    apply(
        &mut state,
        Event::TurnTarget {
            turn,
            model: "gpt-4o".into(),
            deployment: "d7f3a9c2b1e04d11".into(),
        },
    );
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    assert!(render(&state).contains("Chat · gpt-4o · d7f3a9c2"));
    typed(&mut state, "/mode orchestration");
    key(&mut state, KeyCode::Enter);
    assert!(
        render(&state).contains("Chat · gpt-4o · via orchestration"),
        "{}",
        render(&state)
    );
    typed(&mut state, "/mode foundation");
    key(&mut state, KeyCode::Enter);
    assert!(render(&state).contains("Chat · gpt-4o · d7f3a9c2"));
}
