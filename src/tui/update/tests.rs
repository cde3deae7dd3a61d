//! `update` driven by keys and task results, without a terminal.

use std::time::Duration;

use crossterm::event::KeyCode;
use pretty_assertions::assert_eq;

use super::update;
use crate::agent::Attachment;
use crate::tui::event::{ChatUpdate, Effect, ErrorView, Event, Listing};
use crate::tui::state::{
    AppState, Entry, EntryEnd, Filter, LeftPane, Load, Overlay, Pane, Scroll, Speaker, Turn,
};
use crate::tui::test_support::{alt, apply, ctrl, key, loaded, models, picked, t0, typed};

pub(super) fn send(state: &mut AppState, text: &str) -> u64 {
    typed(state, text);
    let effects = key(state, KeyCode::Enter);
    match effects.as_slice() {
        [
            Effect::AppendInputHistory(_),
            Effect::StartTurn { turn, .. },
        ] => *turn,
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
    // gpt-4.1-mini has one STOPPED deployment only; remembered from an earlier session.
    state.models.chosen = Some("gpt-4.1-mini".into());
    state.focus = Pane::Deployments;
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
    alt(&mut state, 'a');
    assert_eq!(state.models.visible().len(), 10);
    // A letter in the picker starts the filter: no `/` first.
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
    assert!(state.models.filter.is_typing());
    assert_eq!(state.models.filter.text(), "-miniq");
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.models.filter, Filter::Off);
}

#[test]
fn enter_keeps_the_filter_applied_and_slash_edits_it_again() {
    let mut state = loaded(160, 48);
    alt(&mut state, 'a');
    typed(&mut state, "o3");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.models.filter, Filter::Applied("o3".into()));
    assert!(state.models.visible().iter().all(|m| m.name.contains("o3")));
    // Applied, a letter goes on with the filter: `q` joins it and quits nothing.
    state.focus = Pane::Models;
    assert_eq!(key(&mut state, KeyCode::Char('q')), vec![]);
    assert!(state.models.filter.is_typing());
    assert_eq!(state.models.filter.text(), "o3q");
    // The text input edits in place: the cursor moves back and a letter goes in there.
    key(&mut state, KeyCode::Backspace);
    key(&mut state, KeyCode::Left);
    typed(&mut state, "-");
    assert_eq!(state.models.filter.text(), "o-3");
}

#[test]
fn settings_fields_edit_at_the_cursor() {
    let mut state = loaded(160, 48);
    state.overlay = Overlay::Settings;
    state.settings.field = 5;
    assert_eq!(
        state.settings.current(),
        crate::tui::state::Field::ResourceGroup
    );
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Home);
    typed(&mut state, "my-");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.settings.form.resource_group, "my-default");
}

#[test]
fn refresh_bypasses_caches_and_stale_results_are_dropped() {
    let mut state = loaded(160, 48);
    let effects = key(&mut state, KeyCode::F(5));
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
    assert_eq!(state.chat.composer.input.text(), "");
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
    let answer = state.chat.transcript.entries.last().unwrap();
    assert_eq!(answer.text, "Hello");
    assert_eq!(answer.end, EntryEnd::Finished);
    assert_eq!(state.chat.turn, Turn::Idle);
    assert_eq!(state.chat.stats.total_usage.total_tokens, 12);
    assert_eq!(
        state.chat.stats.last_elapsed,
        Some(Duration::from_millis(1500))
    );
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
    let effects = key(&mut state, KeyCode::Esc);
    assert!(
        matches!(effects.as_slice(), [Effect::CancelTurn { turn: t }, Effect::SaveSession(_)] if *t == turn),
        "{effects:?}"
    );
    let answer = state.chat.transcript.entries.last().unwrap();
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
    assert_eq!(
        state.chat.transcript.entries.last().unwrap().text,
        "Partial"
    );
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
    assert_eq!(
        state.chat.transcript.entries.last().unwrap().end,
        EntryEnd::Cut(error)
    );
    let effects = ctrl(&mut state, 'r');
    let [Effect::StartTurn { conversation, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let last = conversation.messages().last().unwrap();
    assert_eq!(last.content, "explain");
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
    assert_eq!(state.chat.composer.input.text(), "one\ntwo\n");
    let turn = send(&mut state, "three");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    key(&mut state, KeyCode::Up);
    assert_eq!(state.chat.composer.input.text(), "one\ntwo\nthree");
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    assert_eq!(state.chat.composer.input.text(), "");
}

#[test]
fn paste_keeps_newlines_and_does_not_send() {
    let mut state = picked(160, 48);
    assert_eq!(apply(&mut state, Event::Paste("a\r\nb".into())), vec![]);
    assert_eq!(state.chat.composer.input.text(), "a\nb");
}

#[test]
fn scrolling_up_stops_following_and_end_resumes() {
    let mut state = picked(160, 48);
    for n in 0..50 {
        // Three rows each: speaker, one line of text, blank.
        state.chat.transcript.entries.push(Entry::new(
            Speaker::You,
            format!("question {n}"),
            EntryEnd::Finished,
        ));
    }
    // The transcript's viewport at this size is 20 rows.
    state.size = (160, 27);
    key(&mut state, KeyCode::PageUp);
    // The bottom view starts one row into entry 43; a page is 18 rows.
    assert_eq!(
        state.chat.transcript.scroll,
        Scroll::At { entry: 37, row: 1 }
    );
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.chat.transcript.scroll, Scroll::Follow);
    key(&mut state, KeyCode::PageUp);
    // End is the input's (it moves the cursor); Ctrl-End follows the answer again.
    key(&mut state, KeyCode::End);
    assert_ne!(state.chat.transcript.scroll, Scroll::Follow);
    update(
        &mut state,
        Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::End,
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    assert_eq!(state.chat.transcript.scroll, Scroll::Follow);
    update(
        &mut state,
        Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::Home,
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    assert_eq!(
        state.chat.transcript.scroll,
        Scroll::At { entry: 0, row: 0 }
    );
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

/// Types `text` and presses Enter; returns the request id of the file read it asks for.
fn send_with_files(state: &mut AppState, text: &str) -> (u64, Vec<String>) {
    typed(state, text);
    let effects = key(state, KeyCode::Enter);
    match effects.as_slice() {
        [Effect::ReadAttachments { request, paths }] => (*request, paths.clone()),
        other => panic!("expected ReadAttachments, got {other:?}"),
    }
}

fn lib_rs() -> Attachment {
    Attachment::from_text("src/lib.rs", "pub mod agent;\npub mod tui;\n")
}

#[test]
fn at_path_attaches_the_file_before_the_question() {
    let mut state = picked(160, 48);
    let (request, paths) = send_with_files(&mut state, "explain @src/lib.rs please");
    assert_eq!(paths, ["src/lib.rs"]);
    // Nothing is sent until the file is read.
    assert!(state.chat.transcript.entries.is_empty());
    let effects = apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Ok(lib_rs())],
        },
    );
    let [
        Effect::AppendInputHistory(_),
        Effect::StartTurn {
            conversation: chat, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    let question = &chat.messages().last().unwrap().content;
    assert!(
        question.starts_with("`src/lib.rs`:\n```rs\npub mod agent;"),
        "{question}"
    );
    assert!(question.ends_with("explain @src/lib.rs please"));
    assert_eq!(state.chat.composer.input.text(), "");
    assert!(state.chat.composer.attachments.is_empty());
    assert_eq!(state.chat.files, [lib_rs()]);
    assert_eq!(state.chat.transcript.entries[0].files, ["@src/lib.rs 28 B"]);
}

#[test]
fn only_at_paths_attach_to_the_next_question_and_ctrl_x_removes() {
    let mut state = picked(160, 48);
    let (request, _) = send_with_files(&mut state, "@src/lib.rs");
    let effects = apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Ok(lib_rs())],
        },
    );
    assert_eq!(effects, vec![]);
    assert_eq!(state.chat.composer.attachments, [lib_rs()]);
    assert_eq!(state.chat.composer.input.text(), "");
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .contains("@src/lib.rs attached")
    );
    // The next question carries it.
    typed(&mut state, "why?");
    let effects = key(&mut state, KeyCode::Enter);
    let [
        Effect::AppendInputHistory(_),
        Effect::StartTurn { conversation, .. },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert!(
        conversation
            .messages()
            .last()
            .unwrap()
            .content
            .starts_with("`src/lib.rs`")
    );
    // Attach again, then remove it: the question goes alone.
    apply(
        &mut state,
        Event::Chat {
            turn: 1,
            update: ChatUpdate::Done,
        },
    );
    let (request, _) = send_with_files(&mut state, "@src/lib.rs");
    apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Ok(lib_rs())],
        },
    );
    ctrl(&mut state, 'x');
    assert!(state.chat.composer.attachments.is_empty());
    assert_eq!(state.notice.as_deref(), Some("@src/lib.rs removed"));
    ctrl(&mut state, 'x');
    assert_eq!(state.notice.as_deref(), Some("no attachment to remove"));
}

#[test]
fn an_unreadable_attachment_sends_nothing_and_says_why() {
    let mut state = picked(160, 48);
    let (request, paths) = send_with_files(&mut state, "look at @a.bin and @src/lib.rs");
    assert_eq!(paths, ["a.bin", "src/lib.rs"]);
    let effects = apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Err("a.bin is not UTF-8 text".into()), Ok(lib_rs())],
        },
    );
    assert_eq!(effects, vec![]);
    assert_eq!(
        state.notice.as_deref(),
        Some("nothing sent: a.bin is not UTF-8 text")
    );
    assert!(state.chat.transcript.entries.is_empty());
    assert!(state.chat.composer.attachments.is_empty());
    assert_eq!(
        state.chat.composer.input.text(),
        "look at @a.bin and @src/lib.rs"
    );
    // A stale answer to an older read is ignored.
    assert_eq!(
        apply(
            &mut state,
            Event::AttachmentsRead {
                request,
                results: vec![Ok(lib_rs())],
            },
        ),
        vec![]
    );
    assert!(state.chat.composer.attachments.is_empty());
}

#[test]
fn typing_after_at_lists_matching_paths_and_tab_inserts_the_choice() {
    let mut state = picked(160, 48);
    typed(&mut state, "see @s");
    let effects = typed_key(&mut state, 'r');
    let [Effect::CompletePath { request, prefix }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(prefix, "sr");
    apply(
        &mut state,
        Event::PathCompleted {
            request: *request,
            prefix: "sr".into(),
            candidates: vec!["src/lib.rs".into(), "src/list.rs".into()],
        },
    );
    let popup = state
        .chat
        .composer
        .popup
        .clone()
        .expect("the list is shown");
    assert_eq!(popup.candidates, ["src/lib.rs", "src/list.rs"]);
    key(&mut state, KeyCode::Down);
    assert_eq!(key(&mut state, KeyCode::Tab), vec![]);
    assert_eq!(state.chat.composer.input.text(), "see @src/list.rs");
    assert_eq!(state.chat.composer.popup, None);
    assert_eq!(state.focus, Pane::Chat);
    // Without `@` before the cursor, Tab in a draft stays in the message box (so does
    // Shift-Tab); on an empty input it moves to the next pane.
    typed(&mut state, " ok");
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::BackTab);
    assert_eq!(state.focus, Pane::Chat);
    assert_eq!(state.chat.composer.input.text(), "see @src/list.rs ok");
    state.chat.composer.input.set_text("");
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Pane::Models);
}

#[test]
fn esc_closes_the_path_list_and_enter_then_sends() {
    let mut state = picked(160, 48);
    typed(&mut state, "@li");
    let Some(request) = state.chat.composer.completion else {
        panic!("no completion asked")
    };
    apply(
        &mut state,
        Event::PathCompleted {
            request,
            prefix: "li".into(),
            candidates: vec!["src/lib.rs".into()],
        },
    );
    assert!(state.chat.composer.popup.is_some());
    // Esc closes the list, it does not stop anything else.
    assert_eq!(key(&mut state, KeyCode::Esc), vec![]);
    assert_eq!(state.chat.composer.popup, None);
    // A late answer for an older request is dropped.
    apply(
        &mut state,
        Event::PathCompleted {
            request,
            prefix: "li".into(),
            candidates: vec!["src/lib.rs".into()],
        },
    );
    assert_eq!(state.chat.composer.popup, None);
}

fn typed_key(state: &mut AppState, c: char) -> Vec<Effect> {
    key(state, KeyCode::Char(c))
}

#[test]
fn the_code_view_shows_files_then_answer_blocks_and_toggles() {
    let mut state = picked(160, 48);
    assert_eq!(state.left, LeftPane::Pickers);
    let (request, _) = send_with_files(&mut state, "@src/lib.rs why?");
    let effects = apply(
        &mut state,
        Event::AttachmentsRead {
            request,
            results: vec![Ok(lib_rs())],
        },
    );
    let turn = match effects.as_slice() {
        [
            Effect::AppendInputHistory(_),
            Effect::StartTurn { turn, .. },
        ] => *turn,
        other => panic!("{other:?}"),
    };
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("a\n```rs\nfn a() {}\n```\nb\n```sh\nls\n```\n".into()),
        },
    );
    let titles: Vec<String> = state.code_items().into_iter().map(|i| i.title).collect();
    assert_eq!(
        titles,
        ["@src/lib.rs", "answer block 1 of 2", "answer block 2 of 2"]
    );
    // Ctrl-F in the chat opens the code view and focuses it.
    ctrl(&mut state, 'f');
    assert_eq!((state.left, state.focus), (LeftPane::Code, Pane::Code));
    assert_eq!(state.code.item, 0);
    key(&mut state, KeyCode::Right);
    key(&mut state, KeyCode::Right);
    assert_eq!(state.code.item, 2);
    assert_eq!(ctrl(&mut state, 'y'), vec![Effect::Copy("ls\n".into())]);
    key(&mut state, KeyCode::Right);
    assert_eq!(state.code.item, 0, "wraps around");
    // Tab goes between the code view and the chat only.
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Pane::Chat);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Pane::Code);
    // Ctrl-F brings the pickers back; Ctrl-F in a picker opens the code again.
    ctrl(&mut state, 'f');
    assert_eq!((state.left, state.focus), (LeftPane::Pickers, Pane::Models));
    ctrl(&mut state, 'f');
    assert_eq!((state.left, state.focus), (LeftPane::Code, Pane::Code));
    // Ctrl-O opens the model picker in place of the code.
    ctrl(&mut state, 'o');
    assert_eq!((state.left, state.focus), (LeftPane::Pickers, Pane::Models));
    // A letter in the code view is text: it goes to the message box.
    ctrl(&mut state, 'f');
    key(&mut state, KeyCode::Char('m'));
    assert_eq!(state.focus, Pane::Chat);
    assert_eq!(state.chat.composer.input.text(), "m");
}

#[test]
fn the_code_view_scrolls_within_the_file() {
    let mut state = picked(160, 48);
    let long: String = (1..=100).map(|n| format!("line {n}\n")).collect();
    state
        .chat
        .composer
        .attachments
        .push(Attachment::from_text("long.txt", &long));
    ctrl(&mut state, 'f');
    // 48 rows less header, footer and the pane's border.
    let height = 48 - 2 - 2;
    key(&mut state, KeyCode::Down);
    assert_eq!(state.code.scroll, 1);
    key(&mut state, KeyCode::End);
    assert_eq!(state.code.scroll, 100 - height);
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.code.scroll, 100 - height);
    key(&mut state, KeyCode::Home);
    assert_eq!(state.code.scroll, 0);
}

#[test]
fn key_overrides_apply_and_bad_entries_are_reported_at_start() {
    let mut start = crate::tui::test_support::startup(160, 48);
    start.key_overrides = [("quit", "ctrl-q"), ("send", "ctrl-r"), ("qiut", "x")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut state = AppState::new(start);
    assert_eq!(
        state.key_problems,
        [
            "[keys] qiut = \"x\": unknown action 'qiut' (config.example.toml lists them)",
            "[keys] send = \"ctrl-r\": C-r is both send and retry in chat; default kept",
        ]
    );
    assert_eq!(
        state.notice.as_deref(),
        Some("[keys]: 2 entries refused, defaults kept for them; F1 shows why")
    );
    // Ctrl-C no longer quits; Ctrl-Q twice does.
    assert_eq!(ctrl(&mut state, 'c'), vec![]);
    assert_eq!(ctrl(&mut state, 'c'), vec![]);
    assert_eq!(ctrl(&mut state, 'q'), vec![]);
    assert_eq!(ctrl(&mut state, 'q'), vec![Effect::Quit]);
}

#[test]
fn a_finished_turn_saves_the_session_and_ctrl_n_starts_over() {
    let mut state = picked(160, 48);
    let turn = send(&mut state, "hi");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Delta("hello".into()),
        },
    );
    let effects = apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    let [Effect::SaveSession(record)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(record.started, t0());
    assert_eq!(record.model.as_deref(), Some("gpt-4o"));
    assert_eq!(record.messages[0].content, "hi");
    assert_eq!(record.messages[1].content, "hello");
    // Ctrl-N clears the transcript and the conversation (back in the configured approval
    // mode); the next file has a new name.
    assert_eq!(
        ctrl(&mut state, 'n'),
        vec![Effect::SetApprovalMode(crate::agent::ApprovalMode::Ask)]
    );
    assert!(state.chat.transcript.entries.is_empty());
    assert!(state.chat.conversation.messages().is_empty());
    assert_eq!(state.chat.session, None);
    apply(
        &mut state,
        Event::Tick {
            now: t0() + Duration::from_secs(60),
        },
    );
    let turn = send(&mut state, "again");
    let effects = key(&mut state, KeyCode::Esc);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::CancelTurn { turn: t }, Effect::SaveSession(record)]
                if *t == turn && record.started == t0() + Duration::from_secs(60)
        ),
        "{effects:?}"
    );
}

#[test]
fn ctrl_n_waits_for_a_streaming_answer() {
    let mut state = picked(160, 48);
    send(&mut state, "hi");
    assert_eq!(ctrl(&mut state, 'n'), vec![]);
    assert_eq!(state.chat.transcript.entries.len(), 2);
    assert!(
        state
            .notice
            .as_deref()
            .unwrap()
            .contains("Esc stops it first")
    );
}

#[test]
fn help_scrolls_on_a_short_terminal() {
    let mut state = loaded(80, 24);
    key(&mut state, KeyCode::F(1));
    assert_eq!(state.overlay, Overlay::Help);
    key(&mut state, KeyCode::PageDown);
    key(&mut state, KeyCode::PageDown);
    key(&mut state, KeyCode::PageDown);
    key(&mut state, KeyCode::PageDown);
    key(&mut state, KeyCode::PageDown);
    // The end shows the slash commands and `!CMD`, not only the keys above them.
    let rows = crate::tui::view::help_rows(&state);
    assert!(rows > state.keys.help_rows().len() + 10, "{rows}");
    assert_eq!(state.help_scroll, rows - 22);
    let screen = crate::tui::test_support::render(&state);
    assert!(screen.contains("/compact"), "{screen}");
    assert!(screen.contains("!CMD"), "{screen}");
    key(&mut state, KeyCode::Char('x'));
    assert_eq!(state.overlay, Overlay::None);
}
