//! Slash commands, `!CMD`, the context meter's moments and the input history, driven through
//! `update` like the loop does.

use crossterm::event::KeyCode;
use pretty_assertions::assert_eq;

use crate::agent::history::InputHistory;
use crate::agent::session::SessionSummary;
use crate::agent::tools::ToolLevel;
use crate::aicore::{Message, Mode, Role, Usage};
use crate::tui::event::{ChatUpdate, Effect, Event};
use crate::tui::state::{AppState, Overlay, Pane, SessionList, Speaker};
use crate::tui::test_support::{apply, key, picked, typed};
use crate::tui::update::{after_first_frame, slash_popup};

fn enter(state: &mut AppState, text: &str) -> Vec<Effect> {
    typed(state, text);
    key(state, KeyCode::Enter)
}

fn last_notice(state: &AppState) -> &str {
    let entry = state.chat.transcript.entries.last().expect("an entry");
    assert_eq!(entry.speaker, Speaker::Notice);
    &entry.text
}

/// Sends `question` and finishes its answer with `usage`.
fn turn(state: &mut AppState, question: &str, answer: &str, usage: Option<Usage>) {
    let effects = enter(state, question);
    let Some(Effect::StartTurn { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    let mut updates = vec![ChatUpdate::Delta(answer.into())];
    updates.extend(usage.map(crate::tui::test_support::usage_update));
    updates.push(ChatUpdate::Done);
    for update in updates {
        apply(state, Event::Chat { turn, update });
    }
}

#[test]
fn the_popup_opens_on_a_slash_filters_moves_completes_and_closes() {
    let mut state = picked(160, 48);
    typed(&mut state, "/");
    assert_eq!(slash_popup(&state).len(), 17);
    typed(&mut state, "de");
    let names: Vec<String> = slash_popup(&state).into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["deployment", "model", "mode"]);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    assert_eq!(state.chat.composer.slash_selected, 0, "↓ wraps around");
    key(&mut state, KeyCode::Up);
    assert_eq!(state.chat.composer.slash_selected, 2);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.chat.composer.input.text(), "/mode ");
    assert!(slash_popup(&state).is_empty(), "arguments close the popup");
    assert_eq!(
        state.focus,
        Pane::Chat,
        "Tab completed instead of changing pane"
    );

    state.chat.composer.input.set_text("/he");
    assert_eq!(slash_popup(&state).len(), 1);
    key(&mut state, KeyCode::Esc);
    assert!(slash_popup(&state).is_empty());
    assert_eq!(
        state.chat.composer.input.text(),
        "",
        "Esc abandons the command"
    );
    typed(&mut state, "/to");
    assert_eq!(slash_popup(&state).len(), 1, "typing opens it again");
    assert_eq!(state.chat.composer.input.text(), "/to", "no `//` left over");
}

#[test]
fn enter_runs_the_highlighted_command_and_help_new_copy_undo_work() {
    let mut state = picked(160, 48);
    assert_eq!(
        enter(&mut state, "/he"),
        vec![Effect::AppendInputHistory("/he".into())]
    );
    assert_eq!(state.overlay, Overlay::Help);
    assert_eq!(state.chat.composer.input.text(), "");
    key(&mut state, KeyCode::Char('x'));

    turn(&mut state, "hi", "hello there", None);
    let effects = enter(&mut state, "/copy");
    assert!(
        effects.contains(&Effect::Copy("hello there".into())),
        "{effects:?}"
    );
    assert!(enter(&mut state, "/undo").contains(&Effect::UndoEdit));
    apply(&mut state, Event::EditUndone(Err("nothing to undo".into())));
    assert_eq!(last_notice(&state), "not undone: nothing to undo");

    enter(&mut state, "/new");
    assert!(state.chat.transcript.entries.is_empty());
    assert!(state.chat.conversation.messages().is_empty());
    assert!(state.chat.session.is_none(), "the saved session is closed");
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .starts_with("new conversation")
    );
}

#[test]
fn unknown_commands_say_so_and_send_nothing_and_a_double_slash_sends_a_literal_slash() {
    let mut state = picked(160, 48);
    let effects = enter(&mut state, "/frobnicate now");
    assert_eq!(
        effects,
        vec![Effect::AppendInputHistory("/frobnicate now".into())]
    );
    assert!(last_notice(&state).starts_with("unknown command /frobnicate"));
    assert!(state.chat.conversation.messages().is_empty());

    let effects = enter(&mut state, "//etc/hosts: what is it?");
    let Some(Effect::StartTurn { conversation, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        conversation.messages().last().unwrap().content,
        "/etc/hosts: what is it?"
    );
    assert_eq!(
        state.chat.composer.history.last().unwrap(),
        "//etc/hosts: what is it?"
    );
}

#[test]
fn tools_and_mode_take_an_argument_and_refuse_a_wrong_one() {
    let mut state = picked(160, 48);
    enter(&mut state, "/tools edit");
    assert_eq!(state.chat.level, ToolLevel::Edit);
    assert!(last_notice(&state).starts_with("tools edit"));
    enter(&mut state, "/tools sudo");
    assert_eq!(state.chat.level, ToolLevel::Edit);
    assert!(last_notice(&state).contains("off, read, edit and all"));
    let effects = enter(&mut state, "list the files");
    let Some(Effect::StartTurn { level: tools, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(*tools, ToolLevel::Edit);

    let mut state = picked(160, 48);
    enter(&mut state, "/mode");
    assert_eq!(state.mode, Mode::Orchestration);
    enter(&mut state, "/mode foundation");
    assert_eq!(state.mode, Mode::Foundation);
    enter(&mut state, "/mode turbo");
    assert_eq!(state.mode, Mode::Foundation);
    assert!(last_notice(&state).contains("foundation and orchestration"));
    enter(&mut state, "/model");
    assert_eq!(state.focus, Pane::Models);
}

#[test]
fn compact_asks_for_a_summary_and_its_answer_replaces_older_turns() {
    let mut state = picked(160, 48);
    turn(&mut state, "first", "one", None);
    enter(&mut state, "/compact");
    assert!(last_notice(&state).starts_with("nothing to compact yet"));

    turn(&mut state, "second", "two", None);
    let effects = enter(&mut state, "/compact");
    let Some(Effect::Compact {
        request,
        conversation,
        model,
        ..
    }) = effects.last()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(model, "gpt-4o");
    assert_eq!(conversation.messages().len(), 4);
    let request = *request;
    // Nothing is sent while the summary is written.
    assert!(
        !enter(&mut state, "third")
            .iter()
            .any(|e| matches!(e, Effect::StartTurn { .. }))
    );
    state.chat.composer.input.set_text("");

    let messages = vec![
        Message::new(
            Role::User,
            "Summary of the conversation so far:\n\n- said one",
        ),
        Message::new(
            Role::Assistant,
            "Understood; I will continue from that summary.",
        ),
        Message::new(Role::User, "second"),
        Message::new(Role::Assistant, "two"),
    ];
    let effects = apply(
        &mut state,
        Event::Compacted {
            request,
            result: Ok((messages.clone(), 2)),
        },
    );
    assert_eq!(state.chat.conversation.messages(), messages.as_slice());
    assert!(last_notice(&state).starts_with("compacted: a summary replaced 2 older messages"));
    assert!(
        matches!(effects.as_slice(), [Effect::SaveSession(record)] if record.messages == messages),
        "the session records the new history: {effects:?}"
    );
    assert!(state.chat.compacting.is_none());
}

#[test]
fn resume_lists_the_sessions_and_enter_opens_the_chosen_one() {
    let mut state = picked(160, 48);
    let effects = enter(&mut state, "/resume");
    let Some(Effect::ListSessions { request }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(state.overlay, Overlay::Resume);
    let summary = |id: &str, title: &str| SessionSummary {
        id: id.into(),
        workspace: "/w".into(),
        model: Some("gpt-4o".into()),
        updated: "2026-05-28T20:00:00Z".into(),
        title: title.into(),
        turns: 2,
        one_shot: false,
        cost_usd: None,
    };
    apply(
        &mut state,
        Event::SessionsListed {
            request: *request,
            result: Ok(vec![summary("b", "newer"), summary("a", "older")]),
        },
    );
    key(&mut state, KeyCode::Down);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(effects, vec![Effect::OpenSession { id: "a".into() }]);
    assert_eq!(state.overlay, Overlay::None);
    assert!(matches!(state.resume.list, SessionList::Ready(ref s) if s.len() == 2));
}

#[test]
fn a_shell_command_streams_its_output_and_attaches_it_to_the_next_question() {
    let mut state = picked(160, 48);
    let effects = enter(&mut state, "!cargo test");
    let Some(Effect::RunShell { turn, command }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(command, "cargo test");
    let turn = *turn;
    for text in ["test a ... ok\n", "test b ... \x1b[31mFAILED\n"] {
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Delta(text.into()),
            },
        );
    }
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::CommandFinished {
                content: "exit code 101\ntest a ... ok\ntest b ... FAILED\n".into(),
                summary: "exit 101".into(),
            },
        },
    );
    assert!(!state.is_streaming());
    let entry = state.chat.transcript.entries.last().unwrap();
    assert_eq!(entry.speaker, Speaker::Shell("cargo test".into()));
    assert!(entry.text.contains("test b"));
    assert!(
        state.chat.conversation.messages().is_empty(),
        "the output waits for a question"
    );
    assert_eq!(state.chat.composer.attachments.len(), 1);
    assert_eq!(state.chat.composer.attachments[0].path, "!cargo test");

    let effects = enter(&mut state, "why does b fail?");
    let Some(Effect::StartTurn { conversation, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let question = &conversation.messages().last().unwrap().content;
    assert!(question.contains("exit code 101"), "{question}");
    assert!(question.ends_with("why does b fail?"));
    assert!(state.chat.composer.attachments.is_empty());
}

#[test]
fn a_flooding_shell_command_keeps_its_last_lines_in_the_transcript_and_says_how_many_came_before() {
    // `!yes | head -100000`: the transcript showed the first 256 KiB (tens of thousands of
    // `y` rows, the exit line far below) instead of the end, where a command's verdict is.
    let mut state = picked(80, 24);
    let effects = enter(&mut state, "!seq 100000");
    let Some(Effect::RunShell { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    let numbers: String = (1..=100_000).map(|n| format!("{n}\n")).collect();
    for chunk in numbers.as_bytes().chunks(4096) {
        let chunk = std::str::from_utf8(chunk).unwrap();
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Delta(chunk.into()),
            },
        );
    }
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::CommandFinished {
                content: "exit code 0\n…".into(),
                summary: "exit 0 (575.8 KiB output)".into(),
            },
        },
    );
    let entry = state.chat.transcript.entries.last().unwrap();
    assert_eq!(
        entry.hidden_lines,
        100_000 - crate::tui::state::MAX_LIVE_LINES
    );
    assert!(entry.text.starts_with("99801\n"), "{}", &entry.text[..20]);
    let screen = crate::tui::test_support::render(&state);
    assert!(screen.contains("100000"), "{screen}");
    assert!(screen.contains("└ exit 0 (575.8 KiB output)"), "{screen}");

    // One endless line is cut mid-line, marked, and bounded too.
    let effects = enter(&mut state, "!yes | tr -d '\\n'");
    let Some(Effect::RunShell { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    for _ in 0..100 {
        apply(
            &mut state,
            Event::Chat {
                turn,
                update: ChatUpdate::Delta("y".repeat(8192)),
            },
        );
    }
    let entry = state.chat.transcript.entries.last().unwrap();
    assert!(
        entry.text.len() <= 64 * 1024 + '…'.len_utf8(),
        "{}",
        entry.text.len()
    );
    assert!(entry.text.starts_with('…'));
}

#[test]
fn esc_stops_a_shell_command_and_ctrl_x_drops_its_output() {
    let mut state = picked(160, 48);
    let effects = enter(&mut state, "!sleep 100");
    let Some(Effect::RunShell { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    let effects = key(&mut state, KeyCode::Esc);
    assert_eq!(effects, vec![Effect::CancelTurn { turn }]);
    assert!(state.chat.conversation.messages().is_empty());

    let effects = enter(&mut state, "!echo hi");
    let Some(Effect::RunShell { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    apply(
        &mut state,
        Event::Chat {
            turn: *turn,
            update: ChatUpdate::CommandFinished {
                content: "hi\n".into(),
                summary: "exit 0".into(),
            },
        },
    );
    crate::tui::test_support::ctrl(&mut state, 'x');
    assert!(state.chat.composer.attachments.is_empty());
    assert_eq!(state.notice.as_deref(), Some("!echo hi removed"));
}

#[test]
fn the_meter_warns_once_from_80_percent_and_a_request_that_would_not_fit_is_fitted_first() {
    let mut state = picked(160, 48);
    let usage = |total| Usage {
        prompt_tokens: total - 10,
        completion_tokens: 10,
        total_tokens: total,
        ..Default::default()
    };
    turn(&mut state, "q1", "a1", Some(usage(50_000)));
    assert!(
        state
            .chat
            .transcript
            .entries
            .iter()
            .all(|e| e.speaker != Speaker::Notice)
    );
    turn(&mut state, "q2", "a2", Some(usage(105_000)));
    assert!(last_notice(&state).starts_with("⚠ the context is 82% full"));
    turn(&mut state, "q3", "a3", Some(usage(106_000)));
    let warnings = state
        .chat
        .transcript
        .entries
        .iter()
        .filter(|e| e.speaker == Speaker::Notice)
        .count();
    assert_eq!(warnings, 1, "said once");
    let effects = enter(&mut state, "q4");
    let fitting = |state: &AppState| match &state.chat.turn {
        crate::tui::state::Turn::Streaming { waiting, .. } => waiting.clone(),
        crate::tui::state::Turn::Idle => None,
    };
    let Some(Effect::StartTurn { .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(fitting(&state), None, "still fits");
    let current = state.chat.next_turn - 1;
    for update in [
        crate::tui::test_support::usage_update(usage(126_000)),
        ChatUpdate::Done,
    ] {
        apply(
            &mut state,
            Event::Chat {
                turn: current,
                update,
            },
        );
    }
    let effects = enter(&mut state, "q5");
    let Some(Effect::StartTurn {
        context_length,
        conversation,
        ..
    }) = effects.last()
    else {
        panic!("{effects:?}");
    };
    // The session fits it against the model's length; the chat says it waits for that.
    assert_eq!(*context_length, Some(128_000));
    assert_eq!(conversation.messages().last().unwrap().content, "q5");
    assert_eq!(
        fitting(&state).as_deref(),
        Some("fitting the conversation into the context…")
    );

    let turn_id = state.chat.next_turn - 1;
    let fitted = vec![
        Message::new(
            Role::User,
            "Summary of the conversation so far:\n\n- q1 to q4",
        ),
        Message::new(
            Role::Assistant,
            "Understood; I will continue from that summary.",
        ),
        Message::new(Role::User, "q5"),
    ];
    apply(
        &mut state,
        Event::Chat {
            turn: turn_id,
            update: ChatUpdate::Session(crate::agent::SessionEvent::ContextFitted {
                messages: fitted.clone(),
                said: "compacted: a summary replaced 8 older messages to fit the context".into(),
            }),
        },
    );
    assert_eq!(state.chat.conversation.messages(), fitted.as_slice());
    let entries = &state.chat.transcript.entries;
    assert_eq!(entries[entries.len() - 2].speaker, Speaker::Notice);
    assert!(matches!(entries.last().unwrap().speaker, Speaker::Model(_)));
    assert!(state.chat.context.mark.is_none(), "measured afresh");
}

#[test]
fn input_history_is_kept_across_two_runs_and_the_draft_survives_browsing() {
    let dir = tempfile::tempdir().unwrap();
    let store = InputHistory::new(dir.path());
    let mut first = picked(160, 48);
    for effect in enter(&mut first, "explain parse_key") {
        if let Effect::AppendInputHistory(text) = effect {
            store.append(&text).unwrap();
        }
    }

    let mut second = picked(160, 48);
    typed(&mut second, "half a thought");
    assert_eq!(
        after_first_frame(&mut second),
        vec![Effect::LoadInputHistory]
    );
    assert_eq!(after_first_frame(&mut second), vec![], "asked once");
    apply(
        &mut second,
        Event::InputHistoryLoaded(store.load().unwrap()),
    );
    key(&mut second, KeyCode::Up);
    assert_eq!(second.chat.composer.input.text(), "explain parse_key");
    key(&mut second, KeyCode::Down);
    assert_eq!(second.chat.composer.input.text(), "half a thought");
}

#[test]
fn an_opened_session_replaces_the_transcript_and_the_meter_starts_from_its_usage() {
    use crate::agent::session::{Entry, SessionStore};
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let now = crate::tui::test_support::t0();
    let file = store
        .create(
            dir.path(),
            Mode::Foundation,
            Some("gpt-4o"),
            None,
            None,
            now,
            false,
        )
        .unwrap();
    for message in [
        Message::new(Role::User, "older question"),
        Message::new(Role::Assistant, "older answer"),
    ] {
        file.append(&Entry::message(message, now)).unwrap();
    }
    let usage = Usage {
        prompt_tokens: 20_000,
        completion_tokens: 1_000,
        total_tokens: 21_000,
        ..Default::default()
    };
    file.append(&Entry::usage(usage, now)).unwrap();
    let loaded = store.load(file.id()).unwrap();

    let mut state = picked(160, 48);
    turn(&mut state, "current question", "current answer", None);
    apply(
        &mut state,
        Event::SessionOpened {
            loaded: Box::new(loaded),
            started: now,
        },
    );
    let texts: Vec<&str> = state
        .chat
        .transcript
        .entries
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(texts, ["older question", "older answer"]);
    assert_eq!(state.chat.session, Some(now));
    assert_eq!(state.focus, Pane::Chat);
    let measured = crate::tui::context_meter::measure(&state).unwrap();
    assert_eq!(measured.tokens, 21_000);
}

#[test]
fn a_notice_quoting_server_text_reaches_the_screen_escaped() {
    let mut state = picked(100, 30);
    apply(
        &mut state,
        Event::EditUndone(Err("cannot restore a.rs: \u{1b}]52;c;aGk=\u{7}".into())),
    );
    let screen = crate::tui::test_support::render(&state);
    assert!(!screen.contains('\u{1b}'), "{screen}");
    assert!(screen.contains("\\x1b]52"), "{screen}");
}

#[test]
fn network_switches_the_commands_network_and_the_status_line_shows_it() {
    let mut state = picked(160, 48);
    state.chat.level = crate::agent::tools::ToolLevel::All;
    assert!(!state.network);
    assert!(crate::tui::view::footer::protection_text(&state, true).ends_with("network off"));
    let effects = enter(&mut state, "/network");
    assert!(state.network);
    assert!(
        matches!(effects.last(), Some(Effect::SetNetwork(true))),
        "{effects:?}"
    );
    assert!(last_notice(&state).starts_with("network on"));
    assert!(crate::tui::view::footer::protection_text(&state, true).ends_with("network on"));
    let effects = enter(&mut state, "/network off");
    assert!(!state.network);
    assert!(
        matches!(effects.last(), Some(Effect::SetNetwork(false))),
        "{effects:?}"
    );
    let effects = enter(&mut state, "/network maybe");
    assert!(!effects.iter().any(|e| matches!(e, Effect::SetNetwork(_))));
    assert!(last_notice(&state).contains("use on or off"));
}

#[test]
fn cost_lists_the_conversation_by_model_at_list_price() {
    let mut state = picked(160, 48);
    enter(&mut state, "/cost");
    assert_eq!(
        last_notice(&state),
        "cost: nothing asked yet in this conversation"
    );
    let effects = enter(&mut state, "hello");
    let Some(Effect::StartTurn { turn, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    let usage = Usage {
        prompt_tokens: 12_000,
        completion_tokens: 800,
        total_tokens: 12_800,
        cache_read_tokens: 10_000,
        cache_write_tokens: 0,
        reasoning_tokens: Some(120),
    };
    for update in [
        ChatUpdate::Delta("hi".into()),
        crate::agent::SessionEvent::Usage {
            turn: usage,
            last_request: usage,
            cost_usd: Some(0.021),
        }
        .into(),
        ChatUpdate::Done,
    ] {
        apply(&mut state, Event::Chat { turn, update });
    }
    enter(&mut state, "/cost");
    let text = last_notice(&state);
    let model = state.models.chosen.clone().unwrap();
    assert!(
        text.contains(&format!(
            "{model}: 1 turn · in 12000 out 800, 120 reasoning (cache read 10000 written 0) · ≈ $0.021 list"
        )),
        "{text}"
    );
    assert!(text.contains("total: ≈ $0.021 list"), "{text}");
    // One model per line, not an escaped `\n` (seen in tmux).
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("\\n"), "{text}");
}

#[test]
fn reasoning_is_set_shown_and_sent_with_the_next_question() {
    let mut state = picked(160, 48);
    enter(&mut state, "/reasoning");
    assert!(
        last_notice(&state).starts_with("reasoning off"),
        "{}",
        last_notice(&state)
    );
    enter(&mut state, "/reasoning HIGH");
    assert_eq!(state.reasoning, Some(crate::aicore::Effort::High));
    assert!(
        last_notice(&state).starts_with("reasoning high"),
        "{}",
        last_notice(&state)
    );
    enter(&mut state, "/reasoning max");
    assert_eq!(
        last_notice(&state),
        "/reasoning max: use low, medium, high or off"
    );
    assert_eq!(state.reasoning, Some(crate::aicore::Effort::High));
    assert!(
        crate::tui::view::footer::protection_text(&state, true).ends_with(" · reasoning high"),
        "{}",
        crate::tui::view::footer::protection_text(&state, true)
    );
    let effects = enter(&mut state, "why?");
    let Some(Effect::StartTurn { reasoning, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(*reasoning, Some(crate::aicore::Effort::High));
    state.chat.turn = crate::tui::state::Turn::Idle;
    enter(&mut state, "/reasoning off");
    assert_eq!(state.reasoning, None);
    assert!(!crate::tui::view::footer::protection_text(&state, true).contains("reasoning"));
}
