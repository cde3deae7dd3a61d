//! Snapshots of every pane on `TestBackend` at 80×24 and 160×48, with fixed data and an
//! injected clock. Names say the scenario; colours are not part of the text snapshots.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::event::{ChatUpdate, ErrorView, Event};
use super::state::{AppState, Connection, Load};
use super::test_support::{alt, apply, ctrl, key, loaded, picked, render, startup, t0, typed};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// Renders `build` at each size and compares it with the snapshot `{name}_{w}x{h}` (named
/// after this module, wherever the scenario is written).
pub(super) fn snap(name: &str, build: impl Fn(u16, u16) -> AppState) {
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
        [
            super::event::Effect::AppendInputHistory(_),
            super::event::Effect::StartTurn { turn, .. },
        ] => *turn,
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
        alt(&mut state, 'a');
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
        // Remembered from an earlier session: picking it now is refused (foundation mode).
        let mut state = loaded(w, h);
        state.models.chosen = Some("gpt-4.1-mini".into());
        state.models.cursor = 2;
        state.focus = super::state::Pane::Deployments;
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

/// `/reasoning high` shows in the status line (`reasoning high` wide, `think high` narrow).
#[test]
fn chat_with_reasoning_set() {
    snap("chat_reasoning_high", |w, h| {
        let mut state = picked(w, h);
        state.reasoning = Some(crate::aicore::Effort::High);
        state
    });
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
            ..Default::default()
        };
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: crate::tui::test_support::usage_update(usage),
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
        ctrl(&mut state, 's');
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
        ctrl(&mut state, 's');
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
        key(&mut state, KeyCode::F(1));
        state
    });
}

#[test]
fn ctrl_c_on_an_empty_input_asks_for_a_second_one() {
    snap("ctrl_c_again", |w, h| {
        let mut state = picked(w, h);
        ctrl(&mut state, 'c');
        state
    });
}

const LIB_RS: &str = "//! sapcode: a terminal coding assistant for SAP AI Core.\n\npub mod agent;\npub mod aicore;\n\n/// Parses a service key.\npub fn parse_key(text: &str) -> Result<Key, Error> {\n    let key: Key = serde_json::from_str(text)?;\n    Ok(key)\n}\n";

/// gpt-4o picked; `src/lib.rs` attached (waiting for the question) and the code view open.
fn with_attachment(width: u16, height: u16) -> AppState {
    let mut state = picked(width, height);
    typed(&mut state, "@src/lib.rs");
    let request = match key(&mut state, KeyCode::Enter).as_slice() {
        [super::event::Effect::ReadAttachments { request, .. }] => *request,
        other => panic!("{other:?}"),
    };
    apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Ok(crate::agent::Attachment::from_text(
                "src/lib.rs",
                LIB_RS,
            ))],
        },
    );
    state
}

#[test]
fn chat_with_an_attachment_row() {
    snap("chat_attachment_row", |w, h| {
        let mut state = with_attachment(w, h);
        typed(&mut state, "why does parse_key fail on `=`?");
        state
    });
}

#[test]
fn code_view_shows_the_attached_file() {
    snap("code_view_attached_file", |w, h| {
        let mut state = with_attachment(w, h);
        ctrl(&mut state, 'f');
        state
    });
}

#[test]
fn code_view_shows_a_block_of_the_last_answer() {
    snap("code_view_answer_block", |w, h| {
        let (mut state, turn) = streaming(w, h);
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Done,
            },
        );
        ctrl(&mut state, 'f');
        state
    });
}

#[test]
fn code_view_empty() {
    snap("code_view_empty", |w, h| {
        let mut state = picked(w, h);
        ctrl(&mut state, 'f');
        state
    });
}

#[test]
fn key_override_problems_show_at_start() {
    snap("key_override_notice", |w, h| {
        let mut start = startup(w, h);
        start.key_overrides = [("qiut", "ctrl-q"), ("send", "ctrl-r")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut state = AppState::new(start);
        let loaded_state = loaded(w, h);
        state.connection = loaded_state.connection.clone();
        state.models = loaded_state.models.clone();
        state.deployments = loaded_state.deployments.clone();
        state
    });
}

#[test]
fn help_lists_refused_key_overrides() {
    snap("help_key_problems", |w, h| {
        let mut start = startup(w, h);
        start.key_overrides = [("quit", "ctrl-q"), ("stop", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut state = AppState::new(start);
        key(&mut state, KeyCode::F(1));
        state
    });
}

#[test]
fn chat_with_tool_activity() {
    snap("chat_tool_activity", |w, h| {
        let (mut state, turn) = streaming(w, h);
        for (id, name, call, summary, bytes) in [
            ("1", "search", "search \"parse_key\"", "3 matches", 310),
            (
                "2",
                "read_file",
                "read_file src/tui/keymap/overrides.rs",
                "overrides.rs",
                10_035,
            ),
        ] {
            for update in [
                crate::tui::test_support::tool_started(id, name, call),
                crate::tui::test_support::tool_finished(id, summary, bytes, true),
            ] {
                apply(&mut state, Event::Chat { turn, update });
            }
        }
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

/// At 100 columns the left column is too narrow for the filter's description; the count
/// (what the user needs) must stay visible.
#[test]
fn narrow_model_column_keeps_the_count() {
    let state = loaded(100, 30);
    let screen = render(&state);
    let title = screen.lines().nth(1).unwrap_or_default();
    assert!(title.contains("Models   7 of 10"), "{title}");
    let wide = render(&loaded(160, 48));
    assert!(wide.contains("stream · text · ≥32k   7 of 10"), "{wide}");
}

/// A long reason and a long tool line wrap: the retry key at the end stays on screen.
#[test]
fn chat_cut_with_a_long_reason_wraps() {
    for (width, height) in [(80, 24), (120, 40)] {
        let (mut state, turn) = streaming(width, height);
        for update in [
            crate::tui::test_support::tool_started(
                "1",
                "read_file",
                "read_file src/tui/keymap/overrides_for_a_very_long_module_name.rs",
            ),
            crate::tui::test_support::tool_finished(
                "1",
                "cut at 64 KiB: the rest was left out",
                10_035,
                false,
            ),
        ] {
            apply(&mut state, Event::Chat { turn, update });
        }
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Failed(ErrorView::new(
                    "the answer stream broke: connection lost: error decoding response body: \
                     unexpected end of chunked transfer encoding",
                    "the text so far was kept; ask again to retry",
                )),
            },
        );
        let screen = render(&state);
        assert!(screen.contains("C-r to"), "{screen}");
        assert!(screen.contains("the rest was left out"), "{screen}");
        insta::assert_snapshot!(format!("chat_cut_long_reason_{width}x{height}"), screen);
    }
}

/// `@` completion: the matching paths in a list right above the input, the choice marked.
#[test]
fn at_completion_list_above_the_input() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = picked(width, height);
        typed(&mut state, "explain @attrs");
        let request = state.chat.composer.completion.expect("completion asked");
        apply(
            &mut state,
            Event::PathCompleted {
                request,
                prefix: "attrs".into(),
                candidates: vec![
                    "src/tui/update/attach.rs".into(),
                    "src/agent/attachment.rs".into(),
                ],
            },
        );
        key(&mut state, KeyCode::Down);
        insta::assert_snapshot!(format!("at_completion_{width}x{height}"), render(&state));
    }
}

/// Project rules are said in the transcript before the first question, not only in the status
/// line that the next key clears.
#[test]
fn welcome_names_the_project_rules_in_use() {
    let mut state = crate::tui::test_support::picked(80, 24);
    let without = crate::tui::test_support::render(&state);
    assert!(!without.contains("AGENTS.md"), "{without}");
    state
        .chat
        .conversation
        .set_project_rules(Some(crate::agent::rules::ProjectRules {
            path: "AGENTS.md".into(),
            text: "Run cargo test after every change.".into(),
            was_cut: false,
        }));
    let with = crate::tui::test_support::render(&state);
    assert!(
        with.contains("using project rules from AGENTS.md: they go with every"),
        "{with}"
    );
}

/// A notice wider than the footer keeps the line to itself and ends with `…` and the key
/// that shows it whole (F1), rather than being cut mid-word under the status figures; the
/// approval mode still shows.
#[test]
fn a_long_notice_takes_the_footer_and_is_marked_as_cut() {
    let (mut state, _) = streaming(80, 24);
    state.notice = Some(
        "continuing “fix the failing test in the price module” (12 turns, last \
         2026-12-01T05:02:53Z) · using project rules from AGENTS.md"
            .into(),
    );
    let screen = crate::tui::test_support::render(&state);
    let footer = screen.lines().last().unwrap();
    assert!(
        footer.contains("continuing “fix the failing test"),
        "{footer}"
    );
    assert!(footer.contains("… F1 "), "{footer}");
    assert!(
        footer.trim_end_matches(['"', ' ']).ends_with(" ask"),
        "{footer}"
    );
    assert!(!footer.contains("ctx "), "{footer}");
}

/// Bidi overrides and escape sequences from the model or the server show escaped in the
/// answer, the pickers and the footer; ratatui would drop the controls but pass the overrides.
#[test]
fn bidi_overrides_from_outside_show_escaped() {
    let (mut state, turn) = streaming(120, 40);
    if let crate::tui::state::Load::Ready(listing) = &mut state.models.list {
        listing.data[0].name = "evil\u{202e}lmth.exe".into();
    }
    state.notice = Some("server said: \u{2066}hidden\u{2069}".into());
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("safe \u{202e}txt.exe\u{1b}[2J done".into()),
        },
    );
    let screen = crate::tui::test_support::render(&state);
    assert!(
        !screen.contains('\u{202e}') && !screen.contains('\u{2066}'),
        "{screen}"
    );
    assert!(
        screen.contains("safe \\u{202e}txt.exe\\x1b[2J done"),
        "{screen}"
    );
    assert!(screen.contains("evil\\u{202e}"), "{screen}");
    assert!(screen.contains("server said: \\u{2066}hidden"), "{screen}");
}

#[test]
fn chat_with_a_queued_question() {
    snap("chat_queued", |w, h| {
        let (mut state, _) = streaming(w, h);
        typed(&mut state, "and what about keys that end in two `=`?");
        key(&mut state, KeyCode::Enter);
        state
    });
}

#[test]
fn models_with_a_deprecated_model_under_the_cursor() {
    snap("models_deprecated", |w, h| {
        let mut state = loaded(w, h);
        if let crate::tui::state::Load::Ready(listing) = &mut state.models.list
            && let Some(model) = listing.data.iter_mut().find(|m| m.name == "gpt-4o")
        {
            model.lifecycle = crate::aicore::models::Lifecycle {
                deprecated: true,
                retirement_date: Some("2026-03-31".into()),
                suggested_replacements: vec!["gpt-4.1".into()],
            };
        }
        let at = state
            .models
            .visible()
            .iter()
            .position(|m| m.name == "gpt-4o")
            .unwrap();
        state.models.cursor = at;
        state
    });
}
