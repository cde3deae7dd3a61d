//! A resumed conversation looks as it did (issue 17): an agent turn (a read, an edit
//! reviewed and applied, one refused, a command with its output) is shown live from its
//! events, saved the way the session saves it (the views beside the results), loaded back
//! and opened; the transcript rows, styles included, are the same, and the resumed screen is
//! a snapshot. An auto-edit (never reviewed) shows its diff the same way.

use std::path::Path;

use crossterm::event::KeyCode;

use super::event::{Effect, Event};
use super::state::AppState;
use super::test_support::{apply, key, picked, proposal, settle, typed};
use super::transcript::{Anchor, rows_from};
use crate::agent::outcome::{EditStats, SHOWN_DIFF_LINES, ShownDiff};
use crate::agent::session::{SessionLog, SessionStore, Snapshot, ToolViews};
use crate::agent::{ApprovalRequest, ApprovedBy, SessionEvent};
use crate::aicore::{Message, ToolCall};

fn call(id: &str, name: &str, arguments: serde_json::Value) -> (ToolCall, SessionEvent) {
    let call = ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: arguments.to_string(),
        thought_signature: None,
    };
    let event = SessionEvent::ToolCall {
        index: 0,
        id: Some(id.into()),
        name: Some(name.into()),
        arguments: call.arguments.clone(),
    };
    (call, event)
}

fn result(
    id: &str,
    ok: bool,
    summary: &str,
    bytes: usize,
    edit: Option<EditStats>,
) -> SessionEvent {
    SessionEvent::ToolResult {
        id: id.into(),
        name: String::new(),
        ok,
        summary: summary.into(),
        bytes,
        edit,
    }
}

/// What the user sees happen during the turn (`Review`: the edit waits, `y` applies it).
enum Step {
    Event(SessionEvent),
    Review,
}

/// The turn: the events as the session sends them, and the messages it records.
fn agent_turn() -> (Vec<Step>, Vec<Message>) {
    let edit = proposal();
    let hunks = edit.hunks();
    let (added, removed) = crate::agent::diff::counts(&hunks);
    let stats = EditStats {
        path: edit.path.clone(),
        created: false,
        added,
        removed,
        diff: Some(ShownDiff::new(&hunks, false, SHOWN_DIFF_LINES)),
    };
    let (read, read_started) = call("c1", "read_file", serde_json::json!({"path": "src/lib.rs"}));
    let (apply_edit, edit_started) = call(
        "c2",
        "edit_file",
        serde_json::json!({"path": "src/lib.rs", "old_text": "a", "new_text": "b"}),
    );
    let (refused, refused_started) = call(
        "c3",
        "write_file",
        serde_json::json!({"path": "Cargo.toml", "content": "x"}),
    );
    let (test, test_started) = call(
        "c4",
        "run_command",
        serde_json::json!({"command": "cargo test"}),
    );
    let steps = vec![
        Step::Event(SessionEvent::Delta {
            text: "I will read the key parser first.".into(),
        }),
        Step::Event(read_started),
        Step::Event(result("c1", true, "src/lib.rs", 233, None)),
        Step::Event(edit_started),
        Step::Event(SessionEvent::ApprovalNeeded {
            id: "c2".into(),
            request: ApprovalRequest::Edit {
                path: edit.path.clone(),
                hunks: hunks.clone(),
                is_new_file: false,
            },
        }),
        Step::Review,
        Step::Event(SessionEvent::Approval {
            id: "c2".into(),
            approved: true,
            by: ApprovedBy::User,
        }),
        Step::Event(result(
            "c2",
            true,
            "edited src/lib.rs (+3 −1)",
            40,
            Some(stats),
        )),
        Step::Event(refused_started),
        Step::Event(SessionEvent::Approval {
            id: "c3".into(),
            approved: false,
            by: ApprovedBy::User,
        }),
        Step::Event(result(
            "c3",
            false,
            "rejected: leave Cargo.toml alone",
            90,
            None,
        )),
        Step::Event(test_started),
        Step::Event(SessionEvent::Approval {
            id: "c4".into(),
            approved: true,
            by: ApprovedBy::Project,
        }),
        Step::Event(SessionEvent::CommandOutput {
            id: "c4".into(),
            text: "running 2 tests\ntest keeps_padding ... ok\x1b[0m\n".into(),
        }),
        Step::Event(SessionEvent::CommandOutput {
            id: "c4".into(),
            text: "test result: ok. 2 passed\n".into(),
        }),
        Step::Event(result("c4", true, "exit 0 (64 B output)", 120, None)),
        Step::Event(SessionEvent::Delta {
            text: "\n\n".into(),
        }),
        Step::Event(SessionEvent::Delta {
            text: "Fixed: `parse_key` keeps the `=` padding, and the tests pass.".into(),
        }),
    ];
    let messages = vec![
        Message::assistant_tool_calls("I will read the key parser first.", vec![read]),
        Message::tool_result("c1", "pub fn parse_key…"),
        Message::assistant_tool_calls("", vec![apply_edit]),
        Message::tool_result("c2", "applied: edited src/lib.rs (+3 -1)"),
        Message::assistant_tool_calls("", vec![refused]),
        Message::tool_result("c3", "rejected by the user: leave Cargo.toml alone."),
        Message::assistant_tool_calls("", vec![test]),
        Message::tool_result("c4", "exit 0\nrunning 2 tests…"),
        Message::new(
            crate::aicore::Role::Assistant,
            "Fixed: `parse_key` keeps the `=` padding, and the tests pass.",
        ),
    ];
    (steps, messages)
}

const QUESTION: &str = "fix the failing test";

fn chat(state: &mut AppState, turn: u64, event: SessionEvent) {
    apply(
        state,
        Event::Chat {
            turn,
            update: event.into(),
        },
    );
}

/// Sends `question`; the turn it starts.
fn ask(state: &mut AppState, question: &str) -> u64 {
    typed(state, question);
    match key(state, KeyCode::Enter).last() {
        Some(Effect::StartTurn { turn, .. }) => *turn,
        other => panic!("{other:?}"),
    }
}

/// The turn shown live, as the events arrive; also the views the session gathers from them.
fn live(width: u16, height: u16) -> (AppState, ToolViews) {
    let mut state = picked(width, height);
    // Sent with two files: one `@path`, one `!CMD`'s output (with a fence of its own inside).
    state.chat.composer.attachments = vec![
        crate::agent::Attachment {
            path: "src/lib.rs".into(),
            content: "pub fn parse_key(spec: &str) -> Result<Key, String> {\n    Ok(Key)\n}\n"
                .into(),
            image: None,
        },
        crate::agent::Attachment {
            path: "!cargo test".into(),
            content: "```\ntest keeps_padding ... FAILED\n```\n".into(),
            image: None,
        },
    ];
    let turn = ask(&mut state, QUESTION);
    let (steps, messages) = agent_turn();
    let mut views = ToolViews::default();
    for step in steps {
        match step {
            Step::Event(event) => {
                views.observe(&event);
                chat(&mut state, turn, event);
            }
            Step::Review => {
                settle(&mut state);
                key(&mut state, KeyCode::Char('y'));
            }
        }
    }
    for event in [
        SessionEvent::History { messages },
        SessionEvent::Done {
            finish_reason: Some("stop".into()),
        },
    ] {
        chat(&mut state, turn, event);
    }
    (state, views)
}

/// The same turn saved by the session log, loaded back and opened in a fresh app.
fn resumed(width: u16, height: u16, data: &Path) -> AppState {
    let (live_state, views) = live(width, height);
    let store = SessionStore::new(data);
    let workspace = Path::new("/w");
    let mut log = SessionLog::new(Some(store.clone()), workspace.to_owned());
    let record = crate::tui::session::snapshot(&live_state).expect("a started conversation");
    log.save(&Snapshot {
        tools: views,
        ..record
    })
    .unwrap();
    let loaded = store.last_for(workspace).unwrap().unwrap();
    let mut state = picked(width, height);
    let started = state.now;
    crate::tui::session::open_conversation(&mut state, &loaded, started);
    state
}

fn all_rows(state: &AppState, width: u16) -> Vec<ratatui::text::Line<'static>> {
    rows_from(state, Anchor { entry: 0, row: 0 }, width, 1_000)
}

#[test]
fn a_resumed_agent_turn_draws_the_rows_it_drew_live() {
    let dir = tempfile::tempdir().unwrap();
    let (live_state, _) = live(100, 40);
    let resumed_state = resumed(100, 40, dir.path());
    for width in [98, 60] {
        let live_rows = all_rows(&live_state, width);
        let resumed_rows = all_rows(&resumed_state, width);
        assert_eq!(resumed_rows, live_rows, "at width {width}");
        let text: Vec<String> = live_rows.iter().map(ToString::to_string).collect();
        let has = |needle: &str| text.iter().any(|row| row.contains(needle));
        assert!(has("⚙ read_file src/lib.rs (233 B)"), "{text:#?}");
        assert!(has("✓ edit_file src/lib.rs applied (+3 −1)"), "{text:#?}");
        assert!(
            has("│+    let secret = secret.trim_end_matches"),
            "{text:#?}"
        );
        assert!(
            has("✗ write_file Cargo.toml: rejected: leave Cargo.toml alone"),
            "{text:#?}"
        );
        assert!(has("  │ test keeps_padding ... ok\\x1b[0m"), "{text:#?}");
        assert!(has("  └ exit 0 (64 B output)"), "{text:#?}");
        assert!(has("📎 @src/lib.rs 68 B"), "{text:#?}");
        assert!(has("📎 !cargo test 38 B"), "{text:#?}");
    }
}

#[test]
fn a_resumed_agent_turn() {
    let dir = tempfile::tempdir().unwrap();
    super::snapshot_tests::snap("resumed_agent_turn", |width, height| {
        let data = dir.path().join(format!("{width}x{height}"));
        resumed(width, height, &data)
    });
}

/// auto-edit (Shift-Tab): a write applies without a review, and the transcript shows the
/// diff the review would have, cut after `SHOWN_DIFF_LINES` lines with a count of the rest.
fn auto_edit(width: u16, height: u16) -> AppState {
    let mut state = picked(width, height);
    key(&mut state, KeyCode::BackTab);
    assert_eq!(
        state.chat.approval_mode,
        crate::agent::ApprovalMode::AutoEdit
    );
    let turn = ask(&mut state, "write the VAT table");
    let table: String = (1..=100)
        .map(|n| format!("{n:>3} € net → {:>6.2} € with VAT\n", f64::from(n) * 1.19))
        .collect();
    let hunks = crate::agent::diff::hunks("", &table);
    let stats = EditStats {
        path: "vat.txt".into(),
        created: true,
        added: 100,
        removed: 0,
        diff: Some(ShownDiff::new(&hunks, true, SHOWN_DIFF_LINES)),
    };
    let (_, started) = call("c1", "write_file", serde_json::json!({"path": "vat.txt"}));
    for event in [
        started,
        SessionEvent::Approval {
            id: "c1".into(),
            approved: true,
            by: ApprovedBy::Session,
        },
        result("c1", true, "created vat.txt (+100 −0)", 40, Some(stats)),
        SessionEvent::Delta {
            text: "Wrote `vat.txt`: 100 rows.".into(),
        },
        SessionEvent::Done {
            finish_reason: Some("stop".into()),
        },
    ] {
        chat(&mut state, turn, event);
    }
    state
}

#[test]
fn an_auto_edit_shows_its_diff_without_a_review() {
    let state = auto_edit(100, 40);
    assert!(!state.chat.reviews.is_open());
    let text: Vec<String> = all_rows(&state, 98)
        .iter()
        .map(ToString::to_string)
        .collect();
    let at = |needle: &str| text.iter().position(|row| row.contains(needle));
    let headline = at("✓ write_file vat.txt applied (+100 −0) (approved for this session)");
    let first = at("  1 │+  1 € net →");
    let last = at(" 40 │+ 40 € net →");
    let more = at("  … 60 more lines");
    assert!(headline.is_some() && first > headline, "{text:#?}");
    assert_eq!(more, last.map(|row| row + 1), "{text:#?}");
    assert!(at(" 41 │+").is_none(), "{text:#?}");
    super::snapshot_tests::snap("auto_edit_diff", auto_edit);
}
