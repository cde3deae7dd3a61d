//! Snapshots of the slash popup, the context meter (normal and from 80 %) and the `/resume`
//! picker, at 80×24 and 160×48 with fixed data.

use crossterm::event::KeyCode;

use super::event::{ChatUpdate, Effect, Event};
use super::snapshot_tests::snap;
use super::state::AppState;
use super::test_support::{apply, key, picked, typed};
use crate::agent::session::SessionSummary;
use crate::aicore::Usage;

/// One question answered, the server reporting `total` tokens for it.
fn answered(width: u16, height: u16, total: u64) -> AppState {
    let mut state = picked(width, height);
    typed(&mut state, "How full is the context?");
    let effects = key(&mut state, KeyCode::Enter);
    let Some(Effect::StartTurn { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    let usage = Usage {
        prompt_tokens: total - 40,
        completion_tokens: 40,
        total_tokens: total,
        ..Default::default()
    };
    for update in [
        ChatUpdate::Delta("Quite full.".into()),
        crate::tui::test_support::usage_update(usage),
        ChatUpdate::Done,
    ] {
        apply(&mut state, Event::Chat { turn, update });
    }
    state
}

#[test]
fn slash_popup() {
    snap("slash_popup", |w, h| {
        let mut state = picked(w, h);
        typed(&mut state, "/");
        key(&mut state, KeyCode::Down);
        state
    });
}

#[test]
fn slash_popup_filtered() {
    snap("slash_popup_filtered", |w, h| {
        let mut state = picked(w, h);
        typed(&mut state, "/co");
        state
    });
}

#[test]
fn context_meter_normal() {
    snap("context_meter_normal", |w, h| answered(w, h, 12_345));
}

#[test]
fn context_meter_warning() {
    snap("context_meter_warning", |w, h| answered(w, h, 104_000));
}

#[test]
fn resume_picker() {
    snap("resume_picker", |w, h| {
        let mut state = picked(w, h);
        typed(&mut state, "/resume");
        let effects = key(&mut state, KeyCode::Enter);
        let Some(Effect::ListSessions { request }) = effects.last() else {
            panic!("{effects:?}");
        };
        let session = |id: &str, updated: &str, model: &str, turns, title: &str| SessionSummary {
            id: id.into(),
            workspace: "/home/dev/project".into(),
            model: Some(model.into()),
            updated: updated.into(),
            title: title.into(),
            turns,
            one_shot: false,
            cost_usd: None,
        };
        apply(
            &mut state,
            Event::SessionsListed {
                request: *request,
                result: Ok(vec![
                    session(
                        "c",
                        "2026-05-28T20:20:11Z",
                        "gpt-4o",
                        4,
                        "fix the failing parse_key test",
                    ),
                    session(
                        "b",
                        "2026-05-27T09:02:40Z",
                        "anthropic--claude-4.5-sonnet",
                        12,
                        "why is the \u{1b}[31mcache stale?",
                    ),
                    // A one-shot `sapcode run`, marked apart.
                    SessionSummary {
                        one_shot: true,
                        ..session(
                            "a",
                            "2026-05-20T16:45:00Z",
                            "gemini-2.5-pro",
                            1,
                            "explain Rust lifetimes",
                        )
                    },
                ]),
            },
        );
        key(&mut state, KeyCode::Down);
        state
    });
}
