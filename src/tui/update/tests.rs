//! `update` driven by keys and task results, without a terminal.

use std::time::Duration;

use crossterm::event::KeyCode;
use pretty_assertions::assert_eq;

use super::update;
use crate::tui::event::{ChatUpdate, Effect, ErrorView, Event, Listing};
use crate::tui::state::{AppState, EntryEnd, Load, Overlay, Pane, Scroll, Turn};
use crate::tui::test_support::{apply, ctrl, key, loaded, models, picked, t0, typed};

fn send(state: &mut AppState, text: &str) -> u64 {
    typed(state, text);
    let effects = key(state, KeyCode::Enter);
    match effects.as_slice() {
        [Effect::StartTurn { turn, .. }] => *turn,
        other => panic!("expected StartTurn, got {other:?}"),
    }
}

#[test]
fn picking_a_model_then_a_deployment_persists_the_choice() {
    let mut state = loaded(160, 48);
    assert_eq!(state.focus, Pane::Models);
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert_eq!(state.models.chosen.as_deref(), Some("gpt-4o"));
    assert_eq!(state.focus, Pane::Deployments);
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        vec![Effect::SaveChoice {
            model: "gpt-4o".into(),
            deployment: Some("d7f3a9c2b1e04d11".into()),
        }]
    );
    assert_eq!(state.focus, Pane::Chat);
}

#[test]
fn cursor_skips_a_deployment_that_is_not_running() {
    let mut state = loaded(160, 48);
    key(&mut state, KeyCode::Enter);
    // gpt-4o: RUNNING, RUNNING, PENDING. Down twice stops on the last RUNNING row.
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    assert_eq!(state.deployments.cursor, 1);
    key(&mut state, KeyCode::End);
    assert_eq!(state.deployments.cursor, 1);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::SaveChoice {
            model: "gpt-4o".into(),
            deployment: Some("de91b0a11c2d3e4f".into()),
        }]
    );
}

#[test]
fn a_greyed_deployment_cannot_be_picked() {
    let mut state = loaded(160, 48);
    // gpt-4.1-mini has one STOPPED deployment only.
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.models.chosen.as_deref(), Some("gpt-4.1-mini"));
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .contains("no RUNNING deployment")
    );
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert_eq!(state.deployments.chosen, None);
    assert_eq!(state.focus, Pane::Deployments);
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .contains("STOPPED, not RUNNING")
    );
}

#[test]
fn filter_typing_and_show_all() {
    let mut state = loaded(160, 48);
    assert_eq!(state.models.visible().len(), 7);
    key(&mut state, KeyCode::Char('a'));
    assert_eq!(state.models.visible().len(), 10);
    key(&mut state, KeyCode::Char('/'));
    typed(&mut state, "-mini");
    let names: Vec<_> = state
        .models
        .visible()
        .iter()
        .map(|m| m.name.clone())
        .collect();
    assert_eq!(names, ["gpt-4.1-mini", "o3-mini"]);
    // While filtering, `q` is a letter, not quit.
    assert_eq!(key(&mut state, KeyCode::Char('q')), vec![]);
    assert_eq!(state.models.filter, "-miniq");
    key(&mut state, KeyCode::Esc);
    assert!(!state.models.is_filtering);
    assert_eq!(state.models.filter, "");
}

#[test]
fn refresh_bypasses_caches_and_stale_results_are_dropped() {
    let mut state = loaded(160, 48);
    let effects = key(&mut state, KeyCode::Char('r'));
    let Effect::LoadModels {
        request: fresh,
        refresh: true,
    } = effects[0]
    else {
        panic!("{effects:?}");
    };
    assert!(matches!(
        effects[1],
        Effect::LoadDeployments { refresh: true, .. }
    ));
    // An answer to an older request arrives late: ignored.
    apply(
        &mut state,
        Event::ModelsLoaded {
            request: 1,
            result: Err(ErrorView::new("old", "old")),
        },
    );
    assert!(matches!(state.models.list, Load::Loading { .. }));
    apply(
        &mut state,
        Event::ModelsLoaded {
            request: fresh,
            result: Ok(Listing {
                data: models(),
                fetched_at: t0(),
                from_cache: false,
            }),
        },
    );
    assert!(matches!(state.models.list, Load::Ready(_)));
}

#[test]
fn tokens_stream_into_the_open_answer_and_usage_adds_up() {
    let mut state = picked(160, 48);
    let turn = send(&mut state, "hi");
    assert_eq!(state.chat.input_text(), "");
    for piece in ["Hel", "lo"] {
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Delta(piece.into()),
            },
        );
    }
    let usage = crate::aicore::Usage {
        prompt_tokens: 10,
        completion_tokens: 2,
        total_tokens: 12,
    };
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Usage(usage),
        },
    );
    apply(
        &mut state,
        Event::Tick {
            now: t0() + Duration::from_millis(1500),
        },
    );
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    let answer = state.chat.entries.last().unwrap();
    assert_eq!(answer.text, "Hello");
    assert_eq!(answer.end, EntryEnd::Finished);
    assert_eq!(state.chat.turn, Turn::Idle);
    assert_eq!(state.chat.total_usage.total_tokens, 12);
    assert_eq!(state.chat.last_elapsed, Some(Duration::from_millis(1500)));
    assert_eq!(state.chat.conversation.messages().len(), 2);
}

#[test]
fn esc_mid_stream_cancels_and_keeps_the_partial_answer() {
    let mut state = picked(160, 48);
    let turn = send(&mut state, "explain");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("Partial".into()),
        },
    );
    assert_eq!(
        key(&mut state, KeyCode::Esc),
        vec![Effect::CancelTurn { turn }]
    );
    let answer = state.chat.entries.last().unwrap();
    assert_eq!(
        (answer.text.as_str(), &answer.end),
        ("Partial", &EntryEnd::StoppedByEsc)
    );
    // Late deltas of the cancelled turn are dropped.
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta(" more".into()),
        },
    );
    assert_eq!(state.chat.entries.last().unwrap().text, "Partial");
    // Retry asks again with the same question.
    let effects = ctrl(&mut state, 'r');
    assert!(
        matches!(effects.as_slice(), [Effect::StartTurn { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_cut_stream_keeps_the_text_and_offers_retry() {
    let mut state = picked(160, 48);
    let turn = send(&mut state, "explain");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("Half".into()),
        },
    );
    let error = ErrorView::new(
        "the answer stream broke: connection reset",
        "the text so far was kept; ask again to retry",
    );
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Failed(error.clone()),
        },
    );
    assert_eq!(state.chat.entries.last().unwrap().end, EntryEnd::Cut(error));
    let effects = ctrl(&mut state, 'r');
    let [Effect::StartTurn { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let last = request.messages.last().unwrap();
    assert_eq!(last.content, "explain");
}

#[test]
fn quitting_while_streaming_asks_first() {
    let mut state = picked(160, 48);
    let turn = send(&mut state, "hi");
    assert_eq!(ctrl(&mut state, 'c'), vec![]);
    assert_eq!(state.overlay, Overlay::ConfirmQuit);
    // Any other key goes back and the stream goes on.
    key(&mut state, KeyCode::Char('n'));
    assert_eq!(state.overlay, Overlay::None);
    assert!(state.is_streaming());
    ctrl(&mut state, 'c');
    assert_eq!(
        key(&mut state, KeyCode::Char('y')),
        vec![Effect::CancelTurn { turn }, Effect::Quit]
    );
    assert!(state.should_quit);
}

#[test]
fn q_quits_at_once_when_idle_but_types_in_chat() {
    let mut state = loaded(160, 48);
    assert_eq!(key(&mut state, KeyCode::Char('q')), vec![Effect::Quit]);
    let mut state = picked(160, 48);
    assert_eq!(key(&mut state, KeyCode::Char('q')), vec![]);
    assert_eq!(state.chat.input_text(), "q");
}

#[test]
fn newline_keys_and_input_history() {
    let mut state = picked(160, 48);
    typed(&mut state, "one");
    update(
        &mut state,
        Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::Enter,
            crossterm::event::KeyModifiers::ALT,
        )),
    );
    typed(&mut state, "two");
    ctrl(&mut state, 'j');
    assert_eq!(state.chat.input_text(), "one\ntwo\n");
    let turn = send(&mut state, "three");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    key(&mut state, KeyCode::Up);
    assert_eq!(state.chat.input_text(), "one\ntwo\nthree");
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    assert_eq!(state.chat.input_text(), "");
}

#[test]
fn paste_keeps_newlines_and_does_not_send() {
    let mut state = picked(160, 48);
    assert_eq!(apply(&mut state, Event::Paste("a\r\nb".into())), vec![]);
    assert_eq!(state.chat.input_text(), "a\nb");
}

#[test]
fn scrolling_up_stops_following_and_end_resumes() {
    let mut state = picked(160, 48);
    state
        .chat
        .metrics
        .set(crate::tui::state::TranscriptMetrics {
            total: 100,
            height: 20,
        });
    key(&mut state, KeyCode::PageUp);
    assert_eq!(state.chat.scroll, Scroll::At(62));
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.chat.scroll, Scroll::Follow);
    key(&mut state, KeyCode::PageUp);
    key(&mut state, KeyCode::End);
    assert_eq!(state.chat.scroll, Scroll::Follow);
}

#[test]
fn sending_without_a_model_points_to_the_picker() {
    let mut state = loaded(160, 48);
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Tab);
    typed(&mut state, "hi");
    assert_eq!(key(&mut state, KeyCode::Enter), vec![]);
    assert_eq!(state.focus, Pane::Models);
    assert!(state.notice.as_deref().unwrap().contains("pick a model"));
}

#[test]
fn first_launch_opens_settings_and_save_checks_fields() {
    let mut state = AppState::new(crate::tui::test_support::startup(80, 24));
    apply(
        &mut state,
        Event::ConnectFailed {
            error: ErrorView::new("no SAP AI Core credentials found", "run sapcode login"),
            needs_setup: true,
        },
    );
    assert_eq!(state.overlay, Overlay::Settings);
    assert_eq!(ctrl(&mut state, 's'), vec![]);
    assert!(
        matches!(&state.settings.status, crate::tui::state::SettingsStatus::Failed(e) if e.message == "client id, client secret, auth URL, base URL missing")
    );
    // Import a key file: path prompt, then the effect.
    ctrl(&mut state, 'o');
    typed(&mut state, "/tmp/key.json");
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        vec![Effect::ImportKey {
            path: "/tmp/key.json".into()
        }]
    );
}

#[test]
fn copy_last_code_block_uses_osc52() {
    let mut state = picked(160, 48);
    let turn = send(&mut state, "code?");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("see\n```rs\nfn a() {}\n```\n".into()),
        },
    );
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    assert_eq!(
        ctrl(&mut state, 'b'),
        vec![Effect::Copy("fn a() {}\n".into())]
    );
}
