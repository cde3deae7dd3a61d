//! Snapshots of every pane on `TestBackend` at 80×24 and 160×48, with fixed data and an
//! injected clock. Names say the scenario; colours are not part of the text snapshots.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::event::{ChatUpdate, ErrorView, Event};
use super::state::{AppState, Connection, Load};
use super::test_support::{apply, ctrl, key, loaded, picked, render, startup, t0, typed};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, build: impl Fn(u16, u16) -> AppState) {
    for (width, height) in SIZES {
        let state = build(width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), render(&state));
    }
}

fn streaming(width: u16, height: u16) -> (AppState, u64) {
    let mut state = picked(width, height);
    typed(
        &mut state,
        "Why does `parse_key` reject a secret that ends in `=`?",
    );
    let effects = key(&mut state, KeyCode::Enter);
    let turn = match effects.as_slice() {
        [super::event::Effect::StartTurn { turn, .. }] => *turn,
        other => panic!("{other:?}"),
    };
    let answer = "The secret is decoded as **URL-safe base64** before use, so a trailing `=` is padding:\n\n- it is *stripped* first\n- then decoded\n\n```rust\nlet secret = key.clientsecret.trim_end_matches('=');\n```\n\nThe error path";
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta(answer.into()),
        },
    );
    apply(
        &mut state,
        Event::Tick {
            now: t0() + Duration::from_millis(2400),
        },
    );
    (state, turn)
}

#[test]
fn connecting() {
    snap("connecting", |w, h| AppState::new(startup(w, h)));
}

#[test]
fn models_loading() {
    snap("models_loading", |w, h| {
        let mut state = AppState::new(startup(w, h));
        apply(
            &mut state,
            Event::Connected(super::event::ConnectionInfo {
                source: "built-in simulator".into(),
                resource_group: "default".into(),
            }),
        );
        apply(
            &mut state,
            Event::Tick {
                now: t0() + Duration::from_millis(1200),
            },
        );
        state
    });
}

#[test]
fn models_loaded() {
    snap("models_loaded", loaded);
}

#[test]
fn models_all_filtered_by_typing() {
    snap("models_all_filter_mini", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Char('a'));
        key(&mut state, KeyCode::Char('/'));
        typed(&mut state, "mini");
        state
    });
}

#[test]
fn models_error() {
    snap("models_error", |w, h| {
        let mut state = loaded(w, h);
        state.models.list = Load::Failed(ErrorView::new(
            "listing models failed: HTTP 403: forbidden",
            "access denied: check the AI-Resource-Group (--resource-group) and the key's role collections",
        ));
        state
    });
}

#[test]
fn models_empty_filter() {
    snap("models_empty_filter", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Char('/'));
        typed(&mut state, "zzz");
        state
    });
}

#[test]
fn not_connected() {
    snap("not_connected", |w, h| {
        let mut state = AppState::new(startup(w, h));
        state.connection = Connection::Failed(ErrorView::new(
            "example.invalid: cannot reach auth host: dns error",
            "check the URL, your network and HTTPS_PROXY/NO_PROXY",
        ));
        state
    });
}

#[test]
fn deployments_with_non_running_rows() {
    snap("deployments_gpt4o_pending", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn deployments_all_stopped() {
    snap("deployments_none_running", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Down);
        key(&mut state, KeyCode::Down);
        key(&mut state, KeyCode::Enter);
        key(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn deployments_orchestration_mode() {
    snap("deployments_orchestration", |w, h| {
        let mut start = startup(w, h);
        start.mode = crate::aicore::Mode::Orchestration;
        let mut state = AppState::new(start);
        let loaded_state = loaded(w, h);
        state.connection = loaded_state.connection.clone();
        state.models = loaded_state.models.clone();
        state.deployments = loaded_state.deployments.clone();
        state.focus = super::state::Pane::Deployments;
        state
    });
}

#[test]
fn chat_empty() {
    snap("chat_empty", picked);
}

#[test]
fn chat_waiting_for_first_token() {
    snap("chat_waiting", |w, h| {
        let mut state = picked(w, h);
        typed(&mut state, "hello");
        key(&mut state, KeyCode::Enter);
        apply(
            &mut state,
            Event::Tick {
                now: t0() + Duration::from_millis(800),
            },
        );
        state
    });
}

#[test]
fn chat_mid_stream() {
    snap("chat_mid_stream", |w, h| streaming(w, h).0);
}

#[test]
fn chat_after_esc() {
    snap("chat_after_esc", |w, h| {
        let (mut state, _) = streaming(w, h);
        key(&mut state, KeyCode::Esc);
        state
    });
}

#[test]
fn chat_after_cut() {
    snap("chat_after_cut", |w, h| {
        let (mut state, turn) = streaming(w, h);
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Failed(ErrorView::new(
                    "the answer stream broke: connection reset",
                    "the text so far was kept; ask again to retry",
                )),
            },
        );
        state
    });
}

#[test]
fn chat_finished_with_usage() {
    snap("chat_finished_usage", |w, h| {
        let (mut state, turn) = streaming(w, h);
        let usage = crate::aicore::Usage {
            prompt_tokens: 1234,
            completion_tokens: 340,
            total_tokens: 1574,
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
            Event::Chat {
                turn,
                update: ChatUpdate::Done,
            },
        );
        state
    });
}

#[test]
fn settings_first_launch() {
    snap("settings_first_launch", |w, h| {
        let mut state = AppState::new(startup(w, h));
        apply(
            &mut state,
            Event::ConnectFailed {
                error: ErrorView::new("no SAP AI Core credentials found", "run `sapcode login`"),
                needs_setup: true,
            },
        );
        state
    });
}

#[test]
fn settings_save_failed() {
    snap("settings_save_failed", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Char('s'));
        state.settings.form.client_id = "sb-42|aicore!b540".into();
        state.settings.form.auth_url =
            "https://tenant.authentication.eu10.hana.ondemand.com".into();
        state.settings.form.base_url =
            "https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com".into();
        state.settings.has_secret = true;
        apply(
            &mut state,
            Event::SettingsFailed(ErrorView::new(
                "authentication failed: the token endpoint refused the credentials (invalid_client)",
                "check clientid and clientsecret, that the auth URL is the key's `url`",
            )),
        );
        state
    });
}

#[test]
fn settings_editing_secret_is_masked() {
    snap("settings_editing_secret", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Char('s'));
        key(&mut state, KeyCode::Down);
        key(&mut state, KeyCode::Down);
        key(&mut state, KeyCode::Enter);
        typed(&mut state, "hunter2");
        state
    });
}

#[test]
fn help_overlay() {
    snap("help", |w, h| {
        let mut state = loaded(w, h);
        key(&mut state, KeyCode::Char('?'));
        state
    });
}

#[test]
fn quit_confirmation() {
    snap("quit_confirm", |w, h| {
        let (mut state, _) = streaming(w, h);
        ctrl(&mut state, 'c');
        state
    });
}
