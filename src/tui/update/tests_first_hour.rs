//! What a new user tripped over in the first hour (issue 12): pastes, the draft, unusable
//! models, the retry timer, the code view key, the quit question, copying, the start focus.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use super::tests::send;
use super::update_batch;
use crate::aicore::{Mode, Role};
use crate::tui::event::{ChatUpdate, Effect, ErrorView, Event};
use crate::tui::state::{AppState, LeftPane, Overlay, Pane, Turn};
use crate::tui::test_support::{apply, ctrl, key, loaded, picked, render, startup, t0, typed};
use crate::tui::text_input::TextInput;

fn stream(state: &mut AppState, turn: u64, update: ChatUpdate) {
    apply(state, Event::Chat { turn, update });
}

fn fail(state: &mut AppState, turn: u64) {
    stream(
        state,
        turn,
        ChatUpdate::Failed(ErrorView::new("connection lost", "ask again")),
    );
}

#[test]
fn a_paste_with_cr_line_breaks_keeps_its_lines() {
    let mut state = picked(120, 40);
    apply(&mut state, Event::Paste("fn a() {\r    1\r\n}".into()));
    assert_eq!(
        state.chat.composer.input.lines(),
        ["fn a() {", "    1", "}"]
    );
}

#[test]
fn a_paste_typed_key_by_key_does_not_send_its_first_line() {
    let mut state = picked(120, 40);
    // CR arrives as Enter, LF as Ctrl-J: "one\rtwo\r\nthree".
    let events = "one\rtwo\r\nthree"
        .chars()
        .map(|c| match c {
            '\r' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            '\n' => KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL),
            c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        })
        .map(Event::Key)
        .collect();
    assert_eq!(update_batch(&mut state, events, t0()), vec![]);
    assert_eq!(state.chat.composer.input.lines(), ["one", "two", "three"]);
    assert!(state.chat.transcript.entries.is_empty());
}

#[test]
fn up_then_down_brings_the_unsent_draft_back() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "first question");
    stream(&mut state, turn, ChatUpdate::Done);
    apply(
        &mut state,
        Event::Paste("a long draft\nof two lines".into()),
    );
    // The cursor is on the last line: ↑ twice reaches the first line, then the history.
    key(&mut state, KeyCode::Up);
    key(&mut state, KeyCode::Up);
    assert_eq!(state.chat.composer.input.text(), "first question");
    key(&mut state, KeyCode::Down);
    assert_eq!(
        state.chat.composer.input.text(),
        "a long draft\nof two lines"
    );
}

#[test]
fn a_model_without_a_running_deployment_keeps_the_working_choice() {
    let mut state = picked(160, 48);
    ctrl(&mut state, 'o');
    // gpt-4.1-mini: one STOPPED deployment, orchestration can serve it.
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert_eq!(state.models.chosen.as_deref(), Some("gpt-4o"));
    assert_eq!(
        state.deployments.chosen.as_deref(),
        Some("d7f3a9c2b1e04d11")
    );
    assert_eq!(state.focus, Pane::Models);
    let notice = state.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("gpt-4.1-mini has no RUNNING deployment in foundation mode")
            && notice.contains("(kept gpt-4o)")
            && notice.contains("orchestration can serve it: /mode orchestration"),
        "{notice}"
    );
    // The next question goes to the working model: Esc is back in the message box.
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.focus, Pane::Chat);
    typed(&mut state, "hello");
    let effects = key(&mut state, KeyCode::Enter);
    let models: Vec<&str> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::StartTurn { model, .. } => Some(model.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(models, ["gpt-4o"]);
}

#[test]
fn a_question_without_an_answer_is_not_sent_twice_in_a_row() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "first");
    fail(&mut state, turn);
    send(&mut state, "second");
    let roles: Vec<Role> = state
        .chat
        .conversation
        .messages()
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(roles, [Role::User]);
    assert_eq!(state.chat.conversation.messages()[0].content, "second");
}

#[test]
fn retry_restarts_the_turn_timer() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "question");
    stream(&mut state, turn, ChatUpdate::Delta("part".into()));
    fail(&mut state, turn);
    // No ticks while idle: the retry arrives a minute later with the clock of its batch.
    let later = t0() + Duration::from_secs(60);
    let retry = Event::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    let effects = update_batch(&mut state, vec![retry], later);
    assert!(matches!(effects.as_slice(), [Effect::StartTurn { .. }]));
    match &state.chat.turn {
        Turn::Streaming { started, .. } => assert_eq!(*started, later),
        Turn::Idle => panic!("the retry did not start"),
    }
}

#[test]
fn ctrl_f_focuses_an_open_code_view_and_closes_it_when_focused() {
    let mut state = picked(160, 48);
    ctrl(&mut state, 'f');
    assert_eq!((state.left, state.focus), (LeftPane::Code, Pane::Code));
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Pane::Chat);
    ctrl(&mut state, 'f');
    assert_eq!((state.left, state.focus), (LeftPane::Code, Pane::Code));
    ctrl(&mut state, 'f');
    assert_eq!(state.left, LeftPane::Pickers);
}

#[test]
fn copying_says_it_was_sent_to_the_terminal() {
    let mut state = picked(120, 40);
    let turn = send(&mut state, "question");
    stream(&mut state, turn, ChatUpdate::Delta("answer".into()));
    stream(&mut state, turn, ChatUpdate::Done);
    assert_eq!(ctrl(&mut state, 'y'), vec![Effect::Copy("answer".into())]);
    let notice = state.notice.clone().unwrap_or_default();
    assert!(notice.contains("sent to the terminal"), "{notice}");
    assert!(!notice.contains("copied"), "{notice}");
    // A one-line answer is "1 line", not "1 lines".
    assert!(notice.contains("(1 line)"), "{notice}");
}

#[test]
fn a_remembered_choice_starts_in_the_input_without_the_pick_hint() {
    // Without a choice the app still starts in the message box: typing is text at once.
    let fresh = AppState::new(startup(120, 40));
    assert_eq!(fresh.focus, Pane::Chat);
    assert!(render(&fresh).contains("Pick a model"));
    let mut remembered = AppState::new(crate::tui::state::Startup {
        model: Some("gpt-4o".into()),
        deployment: Some("d7f3a9c2b1e04d11".into()),
        ..startup(120, 40)
    });
    assert_eq!(remembered.focus, Pane::Chat);
    remembered.models.chosen = Some("gpt-4o".into());
    let screen = render(&remembered);
    assert!(!screen.contains("Pick a model"), "{screen}");
    assert!(screen.contains("Enter sends"), "{screen}");
    let orchestration = AppState::new(crate::tui::state::Startup {
        model: Some("gpt-4o".into()),
        mode: Mode::Orchestration,
        ..startup(120, 40)
    });
    assert_eq!(orchestration.focus, Pane::Chat);
}

#[test]
fn loaded_state_still_starts_in_the_models_without_a_choice() {
    assert_eq!(loaded(120, 40).focus, Pane::Models);
}

fn imported_form() -> crate::tui::event::SettingsForm {
    crate::tui::event::SettingsForm {
        profile: "default".into(),
        client_id: "sb-1".into(),
        client_secret: "s3cr3t".into(),
        auth_url: "http://127.0.0.1:9/oauth/token".into(),
        base_url: "http://127.0.0.1:9".into(),
        resource_group: "default".into(),
        mode: Mode::Foundation,
    }
}

#[test]
fn without_a_keyring_the_settings_offer_the_file_store() {
    let mut state = AppState::new(startup(100, 30));
    state.overlay = Overlay::Settings;
    apply(&mut state, Event::KeyImported(imported_form()));
    let effects = ctrl(&mut state, 's');
    assert_eq!(effects, vec![Effect::SaveSettings(imported_form())]);
    apply(
        &mut state,
        Event::KeyringRefused {
            reason: "kernel keyutils keyring: needs a session keyring".into(),
            file: "/home/u/.config/sapcode/secrets.json".into(),
        },
    );
    let screen = render(&state);
    assert!(
        screen.contains("No keyring on this machine; save the secret to a 0600 file at"),
        "{screen}"
    );
    assert!(screen.contains("(y/n)"), "{screen}");
    insta::assert_snapshot!("settings_offer_file_store_100x30", screen);
    // Other keys wait for the answer; y saves again with the file store.
    assert_eq!(key(&mut state, KeyCode::Char('x')), vec![]);
    assert_eq!(
        key(&mut state, KeyCode::Char('y')),
        vec![Effect::SaveSettingsWithFileStore(imported_form())]
    );
    apply(
        &mut state,
        Event::SettingsSaved {
            form: imported_form(),
            keyring: "file /home/u/.config/sapcode/secrets.json (readable only by you)".into(),
        },
    );
    assert!(render(&state).contains("the secret in:"));
    // Saved: Esc closes at once.
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn no_to_the_file_store_keeps_the_secret_for_this_session_only() {
    let mut state = AppState::new(startup(100, 30));
    state.overlay = Overlay::Settings;
    apply(&mut state, Event::KeyImported(imported_form()));
    ctrl(&mut state, 's');
    apply(
        &mut state,
        Event::KeyringRefused {
            reason: "no keyring".into(),
            file: "/x/secrets.json".into(),
        },
    );
    // Checked already: the unstored credentials still connect this run.
    assert_eq!(
        key(&mut state, KeyCode::Char('n')),
        vec![Effect::ConnectForSession(imported_form())]
    );
    assert!(render(&state).contains("the secret was not stored"));
    assert!(render(&state).contains("for this session only"));
}

#[test]
fn esc_with_unsaved_changes_asks_then_says_they_were_dropped() {
    let mut state = loaded(120, 40);
    state.overlay = Overlay::Settings;
    // Mode field: Enter switches it.
    state.settings.field = 6;
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.settings.form.mode, Mode::Orchestration);
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::Settings);
    assert!(render(&state).contains("Esc again drops them"));
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(state.settings.form.mode, Mode::Foundation);
    assert_eq!(state.notice.as_deref(), Some("settings changes dropped"));
}

#[test]
fn demo_settings_apply_mode_and_resource_group_to_the_session() {
    let mut state = AppState::new(crate::tui::state::Startup {
        is_demo: true,
        ..startup(120, 40)
    });
    state.overlay = Overlay::Settings;
    state.settings.field = 6;
    key(&mut state, KeyCode::Enter);
    state.settings.field = 5;
    key(&mut state, KeyCode::Enter);
    state.settings.editing = Some(TextInput::single_line(""));
    typed(&mut state, "team-b");
    key(&mut state, KeyCode::Enter);
    let effects = ctrl(&mut state, 's');
    assert_eq!(
        effects,
        vec![Effect::UseForSession {
            mode: Mode::Orchestration,
            resource_group: "team-b".into(),
        }]
    );
    assert_eq!(state.mode, Mode::Orchestration);
    assert_eq!(state.resource_group, "team-b");
    let screen = render(&state);
    assert!(!screen.contains("missing"), "{screen}");
    assert!(screen.contains("applied to this session"), "{screen}");
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn settings_say_when_the_environment_supplies_the_credentials() {
    let state = AppState::new(crate::tui::state::Startup {
        env_credentials: Some("AICORE_SERVICE_KEY".into()),
        ..startup(120, 40)
    });
    let mut state = state;
    state.overlay = Overlay::Settings;
    let screen = render(&state);
    assert!(
        screen.contains("Credentials come from AICORE_SERVICE_KEY"),
        "{screen}"
    );
    assert!(screen.contains("saving here does not change"), "{screen}");
}

#[test]
fn tab_in_the_key_file_field_completes_the_path() {
    let mut state = AppState::new(startup(120, 40));
    state.overlay = Overlay::Settings;
    ctrl(&mut state, 'o');
    typed(&mut state, "/tmp/sap");
    let effects = key(&mut state, KeyCode::Tab);
    let [Effect::ListPath { request, prefix }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(prefix, "/tmp/sap");
    apply(
        &mut state,
        Event::PathListed {
            request: *request,
            prefix: "/tmp/sap".into(),
            candidates: vec![
                "/tmp/sapcode-key.json".into(),
                "/tmp/sapcode-old.json".into(),
            ],
        },
    );
    let field = state.settings.editing.as_ref().map(TextInput::text);
    assert_eq!(field.as_deref(), Some("/tmp/sapcode-"));
    assert_eq!(
        state.notice.as_deref(),
        Some("sapcode-key.json  sapcode-old.json")
    );
    typed(&mut state, "k");
    let effects = key(&mut state, KeyCode::Tab);
    let [Effect::ListPath { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    apply(
        &mut state,
        Event::PathListed {
            request: *request,
            prefix: "/tmp/sapcode-k".into(),
            candidates: vec!["/tmp/sapcode-key.json".into()],
        },
    );
    let field = state.settings.editing.as_ref().map(TextInput::text);
    assert_eq!(field.as_deref(), Some("/tmp/sapcode-key.json"));
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        vec![Effect::ImportKey {
            path: "/tmp/sapcode-key.json".into()
        }]
    );
}

#[test]
fn tab_before_the_list_arrives_puts_a_single_match_straight_in() {
    let mut state = picked(120, 40);
    typed(&mut state, "why @pkey");
    let effects = key(&mut state, KeyCode::Tab);
    let [Effect::CompletePath { request, prefix }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(prefix, "pkey");
    apply(
        &mut state,
        Event::PathCompleted {
            request: *request,
            prefix: "pkey".into(),
            candidates: vec!["src/parse_key.rs".into()],
        },
    );
    assert_eq!(state.chat.composer.input.text(), "why @src/parse_key.rs");
    assert_eq!(state.chat.composer.popup, None);
}
