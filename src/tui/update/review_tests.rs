//! Tools in TUI turns, driven by keys and turn updates without a terminal: the level, tool
//! lines, the review area's keys (y, n + reason, a, !, Esc, Ctrl-C), several approvals in
//! order, live command output and undo.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pretty_assertions::assert_eq;

use crate::agent::{ApprovalRequest, ApprovedBy, Decision, ToolLevel};
use crate::tui::event::{ChatUpdate, Effect, Event};
use crate::tui::state::{AppState, EntryEnd, Pane, ToolLine, Turn};
use crate::tui::test_support::{apply, ctrl, edit_approval, key, picked, settle, typed};

fn alt(state: &mut AppState, c: char) -> Vec<Effect> {
    apply(
        state,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)),
    )
}

/// The newest transcript entry's text (undo results are said there).
fn last_text(state: &AppState) -> &str {
    state
        .chat
        .transcript
        .entries
        .last()
        .map_or("", |e| e.text.as_str())
}

/// Sends a question; the turn's id.
fn ask(state: &mut AppState, text: &str) -> u64 {
    typed(state, text);
    match key(state, KeyCode::Enter).as_slice() {
        [
            Effect::AppendInputHistory(_),
            Effect::StartTurn { turn, .. },
        ] => *turn,
        other => panic!("expected StartTurn, got {other:?}"),
    }
}

fn chat(state: &mut AppState, turn: u64, update: ChatUpdate) -> Vec<Effect> {
    apply(state, Event::Chat { turn, update })
}

fn started(state: &mut AppState, turn: u64, id: &str, name: &str, call: &str) {
    chat(
        state,
        turn,
        crate::tui::test_support::tool_started(id, name, call),
    );
}

fn finished(state: &mut AppState, turn: u64, id: &str, summary: &str, ok: bool) {
    chat(
        state,
        turn,
        crate::tui::test_support::tool_finished(id, summary, 40, ok),
    );
}

/// A turn with an edit of `src/lib.rs` waiting in the review area.
fn reviewing_an_edit() -> (AppState, u64) {
    let mut state = picked(160, 48);
    let turn = ask(&mut state, "fix parse_key");
    started(&mut state, turn, "c1", "edit_file", "edit_file src/lib.rs");
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "c1".into(),
            request: edit_approval(),
        }),
    );
    settle(&mut state);
    (state, turn)
}

fn command(text: &str) -> ApprovalRequest {
    ApprovalRequest::Command {
        command: text.into(),
    }
}

fn answered(effects: &[Effect]) -> (&str, &Decision) {
    match effects {
        [Effect::AnswerApproval { id, decision, .. }] => (id.as_str(), decision),
        other => panic!("expected one AnswerApproval, got {other:?}"),
    }
}

fn headlines(state: &AppState) -> Vec<String> {
    let answer = state.chat.transcript.entries.last().unwrap();
    answer.tools.iter().map(ToolLine::headline).collect()
}

#[test]
fn alt_t_cycles_the_level_from_all_and_each_turn_carries_it() {
    let mut state = picked(160, 48);
    assert_eq!(state.chat.level, ToolLevel::All, "all by default");
    for expected in [
        ToolLevel::Off,
        ToolLevel::Read,
        ToolLevel::Edit,
        ToolLevel::All,
        ToolLevel::Off,
    ] {
        alt(&mut state, 't');
        assert_eq!(state.chat.level, expected);
        let notice = state.notice.clone().unwrap();
        assert!(
            notice.starts_with(&format!("tools {}", expected.as_str())),
            "{notice}"
        );
    }
    super::tools::set_level(&mut state, ToolLevel::Edit);
    typed(&mut state, "hi");
    let effects = key(&mut state, KeyCode::Enter);
    let [
        Effect::AppendInputHistory(_),
        Effect::StartTurn { level, .. },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*level, ToolLevel::Edit);
}

#[test]
fn tool_lines_and_history_join_the_answer() {
    let mut state = picked(160, 48);
    let turn = ask(&mut state, "read Cargo.toml");
    started(
        &mut state,
        turn,
        "call_1",
        "read_file",
        "read_file Cargo.toml",
    );
    assert_eq!(headlines(&state), ["⚙ read_file Cargo.toml …"]);
    let call = crate::aicore::ToolCall {
        id: "call_1".into(),
        name: "read_file".into(),
        arguments: r#"{"path":"Cargo.toml"}"#.into(),
        thought_signature: None,
    };
    finished(&mut state, turn, "call_1", "Cargo.toml", true);
    // The session's record of the turn ends with the answer, which is not added twice.
    let history = crate::agent::SessionEvent::History {
        messages: vec![
            crate::aicore::Message::assistant_tool_calls("", vec![call]),
            crate::aicore::Message::tool_result("call_1", "[package]"),
            crate::aicore::Message::new(crate::aicore::Role::Assistant, "It is a package."),
        ],
    };
    for update in [
        ChatUpdate::Delta("It is a package.".into()),
        history.into(),
        ChatUpdate::Done,
    ] {
        chat(&mut state, turn, update);
    }
    assert_eq!(headlines(&state), ["⚙ read_file Cargo.toml (40 B)"]);
    use crate::aicore::Role;
    let roles: Vec<Role> = state
        .chat
        .conversation
        .messages()
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::Tool, Role::Assistant]
    );
}

#[test]
fn an_edit_opens_the_review_which_takes_every_key_and_y_approves() {
    let (mut state, turn) = reviewing_an_edit();
    assert!(state.chat.reviews.is_open());
    // Waiting for the user, nothing moves: no ticks, no spinner, no clock (a review left
    // open for an hour redrew ten times a second).
    assert!(!state.is_animating());
    let screen = crate::tui::test_support::render(&state);
    assert!(
        screen.contains("▸ waiting for your decision below"),
        "{screen}"
    );
    assert_eq!(state.focus, Pane::Chat);
    assert_eq!(
        headlines(&state),
        ["⚙ edit_file src/lib.rs — waiting for your review"]
    );
    // Nothing else is sent or typed while the turn waits.
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(key(&mut state, KeyCode::Char('x')).is_empty());
    assert_eq!(state.chat.composer.input.text(), "");
    assert!(key(&mut state, KeyCode::Tab).is_empty());
    assert_eq!(state.focus, Pane::Chat);

    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(answered(&effects), ("c1", &Decision::Yes));
    let [Effect::AnswerApproval { turn: asked, .. }] = effects.as_slice() else {
        unreachable!()
    };
    assert_eq!(*asked, turn);
    assert!(!state.chat.reviews.is_open());
    assert!(state.is_animating(), "the turn goes on");
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::Approval {
            id: "c1".into(),
            approved: true,
            by: ApprovedBy::User,
        }),
    );
    chat(
        &mut state,
        turn,
        crate::tui::test_support::edit_finished("c1", "src/lib.rs", 3, 1),
    );
    assert_eq!(
        headlines(&state),
        ["✓ edit_file src/lib.rs applied (+3 −1)"]
    );
}

#[test]
fn n_asks_for_a_reason_that_goes_with_the_no() {
    let (mut state, turn) = reviewing_an_edit();
    assert!(key(&mut state, KeyCode::Char('n')).is_empty());
    assert!(state.chat.reviews.current().unwrap().reason.is_some());
    // Esc goes back to the choice; the request still waits.
    key(&mut state, KeyCode::Esc);
    assert!(state.chat.reviews.current().unwrap().reason.is_none());
    assert!(state.is_streaming());
    key(&mut state, KeyCode::Char('n'));
    typed(&mut state, "keep the trim");
    apply(&mut state, Event::Paste(" because\nof tabs".into()));
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(
        answered(&effects),
        (
            "c1",
            &Decision::No {
                reason: Some("keep the trim because of tabs".into())
            }
        )
    );
    finished(
        &mut state,
        turn,
        "c1",
        "rejected: keep the trim because of tabs",
        false,
    );
    assert_eq!(
        headlines(&state),
        ["✗ edit_file src/lib.rs: rejected: keep the trim because of tabs"]
    );

    // An empty reason is no reason.
    let (mut state, _) = reviewing_an_edit();
    key(&mut state, KeyCode::Char('n'));
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(answered(&effects), ("c1", &Decision::No { reason: None }));
}

#[test]
fn a_grants_edits_and_bang_grants_a_command_only_where_they_fit() {
    let (mut state, turn) = reviewing_an_edit();
    assert!(key(&mut state, KeyCode::Char('!')).is_empty());
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .starts_with("! is for commands")
    );
    let effects = key(&mut state, KeyCode::Char('a'));
    assert_eq!(answered(&effects), ("c1", &Decision::AllEdits));

    started(
        &mut state,
        turn,
        "c2",
        "run_command",
        "run_command `cargo test`",
    );
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "c2".into(),
            request: command("cargo test"),
        }),
    );
    settle(&mut state);
    assert!(key(&mut state, KeyCode::Char('a')).is_empty());
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .starts_with("a is for edits")
    );
    let effects = key(&mut state, KeyCode::Char('!'));
    assert_eq!(answered(&effects), ("c2", &Decision::AlwaysCommand));
}

#[test]
fn esc_or_ctrl_c_during_a_review_stops_the_turn() {
    for stop in [
        KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ] {
        let (mut state, turn) = reviewing_an_edit();
        let effects = apply(&mut state, Event::Key(stop));
        assert!(
            matches!(effects.first(), Some(Effect::CancelTurn { turn: t }) if *t == turn),
            "{effects:?}"
        );
        assert!(!effects.contains(&Effect::Quit));
        assert_eq!(state.chat.turn, Turn::Idle);
        assert!(!state.chat.reviews.is_open());
        let answer = state.chat.transcript.entries.last().unwrap();
        assert_eq!(answer.end, EntryEnd::StoppedByEsc);
        assert_eq!(
            headlines(&state),
            ["✗ edit_file src/lib.rs: stopped by Esc"]
        );
    }
    // Also while the reason is typed.
    let (mut state, turn) = reviewing_an_edit();
    key(&mut state, KeyCode::Char('n'));
    let effects = ctrl(&mut state, 'c');
    assert!(matches!(effects.first(), Some(Effect::CancelTurn { turn: t }) if *t == turn));
}

#[test]
fn several_approvals_are_asked_in_the_order_they_came() {
    let (mut state, turn) = reviewing_an_edit();
    started(&mut state, turn, "c2", "run_command", "run_command `ls`");
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "c2".into(),
            request: command("ls"),
        }),
    );
    assert_eq!(state.chat.reviews.queue.len(), 2);
    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(answered(&effects), ("c1", &Decision::Yes));
    assert_eq!(state.chat.reviews.current().unwrap().id, "c2");
    settle(&mut state);
    key(&mut state, KeyCode::Char('n'));
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(answered(&effects), ("c2", &Decision::No { reason: None }));
    assert!(!state.chat.reviews.is_open());
}

#[test]
fn an_approval_for_a_turn_that_is_gone_is_ignored() {
    let (mut state, turn) = reviewing_an_edit();
    key(&mut state, KeyCode::Esc);
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "late".into(),
            request: command("rm -rf target"),
        }),
    );
    assert!(!state.chat.reviews.is_open());
}

#[test]
fn command_output_streams_under_its_line_and_the_exit_code_ends_it() {
    let mut state = picked(160, 48);
    let turn = ask(&mut state, "run the tests");
    started(
        &mut state,
        turn,
        "c1",
        "run_command",
        "run_command `cargo test`",
    );
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::Approval {
            id: "c1".into(),
            approved: true,
            by: ApprovedBy::Session,
        }),
    );
    for text in ["running 2 tests\ntest a ... ", "ok\ntest b ... FAILED\n"] {
        chat(
            &mut state,
            turn,
            ChatUpdate::Session(crate::agent::SessionEvent::CommandOutput {
                id: "c1".into(),
                text: text.into(),
            }),
        );
    }
    let answer = state.chat.transcript.entries.last().unwrap();
    let tool = &answer.tools[0];
    assert_eq!(
        tool.headline(),
        "⚙ run_command `cargo test` — running (approved for this session)"
    );
    assert_eq!(
        tool.detail_rows(),
        [
            "  │ running 2 tests",
            "  │ test a ... ok",
            "  │ test b ... FAILED"
        ]
    );
    finished(&mut state, turn, "c1", "exit 101 (50 B output)", false);
    let tool = &state.chat.transcript.entries.last().unwrap().tools[0];
    assert!(tool.headline().starts_with("✗ run_command `cargo test`"));
    assert_eq!(
        tool.detail_rows().last().map(String::as_str),
        Some("  └ exit 101 (50 B output)")
    );
}

#[test]
fn undo_is_asked_of_the_runner_but_not_while_a_turn_runs() {
    let mut state = picked(160, 48);
    assert_eq!(alt(&mut state, 'z'), vec![Effect::UndoEdit]);
    apply(&mut state, Event::EditUndone(Ok("src/lib.rs".into())));
    assert_eq!(
        last_text(&state),
        "undone: src/lib.rs is back as it was before the last edit (the model is told with \
         your next question)"
    );
    let note = state.chat.composer.attachments.last().unwrap();
    assert_eq!(note.path, "undo src/lib.rs");
    assert!(
        note.content
            .contains("undid sapcode's last edit to src/lib.rs")
    );
    apply(
        &mut state,
        Event::EditUndone(Err(
            "src/lib.rs changed since sapcode edited it; not undone".into(),
        )),
    );
    assert!(last_text(&state).starts_with("not undone: "));
    ask(&mut state, "hello");
    assert!(alt(&mut state, 'z').is_empty());
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .starts_with("a turn is running")
    );
}

#[test]
fn a_model_without_tools_is_said_once_in_the_status() {
    let mut state = picked(160, 48);
    let turn = ask(&mut state, "hi");
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ToolsRefused {
            model: "gpt-4o".into(),
            reason: "HTTP 400: tools not supported".into(),
        }),
    );
    assert_eq!(
        state.notice.as_deref(),
        Some(
            "gpt-4o does not take tools (HTTP 400: tools not supported): it answers as plain chat"
        )
    );
}

#[test]
fn the_diff_scrolls_by_rows_and_pages_within_its_length() {
    // At 160×48 the whole diff fits: nothing moves.
    let (mut state, _) = reviewing_an_edit();
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::End);
    assert_eq!(state.chat.reviews.current().unwrap().scroll, 0);

    let mut state = picked(80, 24);
    let turn = ask(&mut state, "fix it");
    started(&mut state, turn, "c1", "edit_file", "edit_file src/lib.rs");
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "c1".into(),
            request: edit_approval(),
        }),
    );
    settle(&mut state);
    let viewport = crate::tui::view::layout::review_viewport(&state);
    let last = crate::tui::view::review_rows(&state, viewport.width) - usize::from(viewport.height);
    assert!(last > 0, "the diff is longer than the area at 80×24");
    key(&mut state, KeyCode::Down);
    assert_eq!(state.chat.reviews.current().unwrap().scroll, 1);
    key(&mut state, KeyCode::PageDown);
    key(&mut state, KeyCode::PageDown);
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.chat.reviews.current().unwrap().scroll, last);
    key(&mut state, KeyCode::Home);
    assert_eq!(state.chat.reviews.current().unwrap().scroll, 0);
}

#[test]
fn keys_in_the_first_300_ms_of_a_review_never_answer_it() {
    use std::time::Duration;

    use crate::tui::state::KEY_GRACE;

    let mut state = picked(160, 48);
    let turn = ask(&mut state, "why does this fail");
    started(
        &mut state,
        turn,
        "c1",
        "run_command",
        "run_command `rm -rf target`",
    );
    let appeared = state.now;
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "c1".into(),
            request: command("rm -rf target"),
        }),
    );
    let at = |state: &mut AppState, ms: u64| {
        apply(
            state,
            Event::Tick {
                now: appeared + Duration::from_millis(ms),
            },
        );
    };
    // The `y` of "why", typed as the review appeared, and 299 ms later: both dropped.
    for ms in [0, 120, 299] {
        at(&mut state, ms);
        assert!(key(&mut state, KeyCode::Char('y')).is_empty(), "{ms} ms");
        assert!(key(&mut state, KeyCode::Char('!')).is_empty(), "{ms} ms");
        assert!(key(&mut state, KeyCode::Esc).is_empty(), "{ms} ms");
        assert!(state.chat.reviews.is_open());
        assert!(state.notice.as_deref().unwrap().contains("press again"));
    }
    assert_eq!(KEY_GRACE, Duration::from_millis(300));
    at(&mut state, 300);
    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(answered(&effects), ("c1", &Decision::Yes));

    // The next review waits its own grace, timed from when it appears; a clock set back
    // starts it again rather than opening it at once or never.
    started(&mut state, turn, "c2", "run_command", "run_command `ls`");
    at(&mut state, 10_000);
    chat(
        &mut state,
        turn,
        ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
            id: "c2".into(),
            request: command("ls"),
        }),
    );
    assert!(key(&mut state, KeyCode::Char('y')).is_empty());
    at(&mut state, 5_000);
    assert!(key(&mut state, KeyCode::Char('y')).is_empty());
    at(&mut state, 5_300);
    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(answered(&effects), ("c2", &Decision::Yes));
}
