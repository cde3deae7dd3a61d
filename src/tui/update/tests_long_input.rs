//! Long input in the message box: paste chips, their expansion, the size guard before
//! sending, and Ctrl-G's editor round trip (the terminal part runs in `tui::mod`).

use crossterm::event::KeyCode;
use pretty_assertions::assert_eq;

use super::tests::send;
use super::update;
use crate::tui::event::{ChatUpdate, Effect, Event};
use crate::tui::paste;
use crate::tui::state::{AppState, Speaker};
use crate::tui::test_support::{apply, ctrl, key, picked, typed};

fn numbered(lines: usize) -> String {
    (0..lines).map(|i| format!("line {i:05}\n")).collect()
}

fn paste_text(state: &mut AppState, text: &str) -> Vec<Effect> {
    update(state, Event::Paste(text.to_owned()))
}

fn started_text(effects: &[Effect]) -> Option<String> {
    effects.iter().find_map(|effect| match effect {
        Effect::StartTurn { conversation, .. } => {
            conversation.messages().last().map(|m| m.content.clone())
        }
        _ => None,
    })
}

#[test]
fn a_long_paste_is_one_chip_that_moves_and_deletes_as_one_character() {
    let mut state = picked(160, 48);
    typed(&mut state, "ab");
    key(&mut state, KeyCode::Left);
    paste_text(&mut state, &numbered(40_000));
    let draft = state.chat.composer.input.text();
    assert_eq!(draft.chars().count(), 3, "a, the chip, b");
    assert!(
        state
            .notice
            .as_deref()
            .unwrap_or_default()
            .contains("C-t expands it")
    );
    // One Left crosses the chip; Delete then removes all of it.
    key(&mut state, KeyCode::Left);
    assert_eq!(state.chat.composer.input.cursor(), (0, 1));
    key(&mut state, KeyCode::Delete);
    assert_eq!(state.chat.composer.input.text(), "ab");
    // Backspace right after a chip removes it whole too.
    paste_text(&mut state, &numbered(21));
    key(&mut state, KeyCode::Backspace);
    assert_eq!(state.chat.composer.input.text(), "ab");
    // A short paste stays text.
    paste_text(&mut state, "x\ny");
    assert_eq!(state.chat.composer.input.text(), "ax\nyb");
}

#[test]
fn the_model_gets_the_paste_the_transcript_and_saved_history_the_chip() {
    let mut state = picked(160, 48);
    typed(&mut state, "explain ");
    let pasted = numbered(40_000);
    paste_text(&mut state, &pasted);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(
        started_text(&effects).as_deref(),
        Some(format!("explain {pasted}").as_str())
    );
    let asked = state
        .chat
        .transcript
        .entries
        .iter()
        .find(|e| e.speaker == Speaker::You)
        .map(|e| e.text.clone());
    assert_eq!(
        asked.as_deref(),
        Some("explain [pasted 40,000 lines · 440.0 kB]")
    );
    assert!(effects.contains(&Effect::AppendInputHistory(
        "explain [pasted 40,000 lines · 440.0 kB]".into()
    )));
    // ↑ recalls the input with its chip, which still sends the whole paste.
    let Some(turn) = effects.iter().find_map(|e| match e {
        Effect::StartTurn { turn, .. } => Some(*turn),
        _ => None,
    }) else {
        panic!("a turn started")
    };
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    key(&mut state, KeyCode::Up);
    assert_eq!(state.chat.composer.input.text().chars().count(), 9);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(
        started_text(&effects).as_deref(),
        Some(format!("explain {pasted}").as_str())
    );
}

#[test]
fn ctrl_t_expands_the_chip_at_the_cursor_into_its_text() {
    let mut state = picked(160, 48);
    paste_text(&mut state, &numbered(25));
    typed(&mut state, "?");
    ctrl(&mut state, 't');
    assert_eq!(
        state.chat.composer.input.text(),
        format!("{}?", numbered(25))
    );
    ctrl(&mut state, 't');
    assert_eq!(
        state.notice.as_deref(),
        Some("no paste chip in the message")
    );
}

#[test]
fn a_paste_over_the_limit_is_refused_with_its_size_and_the_limit() {
    let mut state = picked(160, 48);
    paste_text(&mut state, &"z".repeat(paste::MAX_PASTE_BYTES + 10));
    assert!(state.chat.composer.input.is_empty());
    assert_eq!(
        state.notice.as_deref(),
        Some("paste refused: 16.0 MB is more than the 16.0 MB a paste may be")
    );
    assert_eq!(state.chat.composer.pastes.held_bytes(), 0);
}

#[test]
fn a_question_larger_than_the_context_is_refused_and_nothing_is_compacted() {
    let mut state = picked(160, 48);
    // gpt-4o holds 128,000 tokens; 600,000 characters are about 150,000.
    let turn = send(&mut state, "a first question");
    apply(
        &mut state,
        Event::Chat {
            turn,
            update: ChatUpdate::Done,
        },
    );
    let messages = state.chat.conversation.messages().len();
    paste_text(&mut state, &"w".repeat(600_000));
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(effects, vec![], "no turn, no compaction");
    let notice = state.notice.clone().unwrap_or_default();
    assert!(
        notice.starts_with("not sent: the question is ~150,004 tokens, gpt-4o takes 128,000"),
        "{notice}"
    );
    assert_eq!(state.chat.composer.input.text().chars().count(), 1, "kept");
    assert_eq!(state.chat.conversation.messages().len(), messages);
    // One that fits goes, even when the conversation must be fitted first.
    ctrl(&mut state, 'u');
    paste_text(&mut state, &"w".repeat(400_000));
    let effects = key(&mut state, KeyCode::Enter);
    assert!(started_text(&effects).is_some_and(|t| t.len() == 400_000));
}

#[test]
fn a_queued_question_too_large_is_refused_at_once() {
    let mut state = picked(160, 48);
    send(&mut state, "first");
    paste_text(&mut state, &"q".repeat(600_000));
    key(&mut state, KeyCode::Enter);
    assert!(state.chat.composer.queued.is_empty());
    assert!(
        state
            .notice
            .as_deref()
            .unwrap_or_default()
            .starts_with("not sent")
    );
    assert!(!state.chat.composer.input.is_empty());
}

#[test]
fn ctrl_g_hands_the_expanded_draft_to_the_editor_and_takes_its_text_back() {
    let mut state = picked(160, 48);
    typed(&mut state, "see ");
    paste_text(&mut state, &numbered(30));
    let effects = ctrl(&mut state, 'g');
    assert_eq!(
        effects,
        vec![Effect::EditDraft(format!("see {}", numbered(30)))]
    );
    apply(
        &mut state,
        Event::DraftEdited(Ok("rewritten\nby vi".into())),
    );
    assert_eq!(state.chat.composer.input.text(), "rewritten\nby vi");
    apply(
        &mut state,
        Event::DraftEdited(Err(
            "the editor \"vi\" exited with status 1: the draft is unchanged".into(),
        )),
    );
    assert_eq!(state.chat.composer.input.text(), "rewritten\nby vi");
    assert!(
        state
            .notice
            .as_deref()
            .unwrap_or_default()
            .contains("status 1")
    );
}

#[test]
fn ctrl_home_goes_to_the_transcript_top_now_that_ctrl_g_edits() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let mut state = picked(160, 48);
    send(&mut state, "q");
    update(
        &mut state,
        Event::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::CONTROL)),
    );
    assert_eq!(
        state.chat.transcript.scroll,
        crate::tui::state::Scroll::At { entry: 0, row: 0 }
    );
}

#[test]
fn a_paste_too_long_to_edit_inline_stays_a_chip_and_a_long_edit_becomes_one() {
    let mut state = picked(160, 48);
    let big = "b".repeat(paste::MAX_INLINE_BYTES + 1);
    paste_text(&mut state, &big);
    ctrl(&mut state, 't');
    assert_eq!(state.chat.composer.input.text().chars().count(), 1);
    assert_eq!(
        state.notice.as_deref(),
        Some(
            "this paste (100.0 kB) is too long to edit here (over 100.0 kB): C-g edits the \
             message in $EDITOR"
        )
    );
    apply(&mut state, Event::DraftEdited(Ok(format!("{big}\nmore"))));
    assert_eq!(state.chat.composer.input.text().chars().count(), 1);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(started_text(&effects), Some(format!("{big}\nmore")));
}

/// Keys as a terminal without bracketed paste types them: CR is Enter.
fn typed_keys(text: &str) -> Vec<Event> {
    use crossterm::event::{KeyEvent, KeyModifiers};
    text.chars()
        .map(|c| match c {
            '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        })
        .map(Event::Key)
        .collect()
}

#[test]
fn a_paste_typed_over_many_batches_is_one_chip_and_never_sends() {
    let mut state = picked(160, 48);
    let pasted = numbered(300);
    let mut now = state.now;
    // Batches of 700 keys, 5 ms apart: several end right after a line break (an Enter).
    let keys = typed_keys(&pasted);
    let mut effects = Vec::new();
    for batch in keys.chunks(700) {
        now += std::time::Duration::from_millis(5);
        effects.extend(super::update_batch(&mut state, batch.to_vec(), now));
    }
    assert_eq!(effects, vec![], "nothing sent");
    assert_eq!(
        state.chat.composer.input.text().chars().count(),
        1,
        "one chip"
    );
    let sent = key(&mut state, KeyCode::Enter);
    assert_eq!(started_text(&sent), Some(pasted.clone()));
    // A paste a moment later is a paste of its own.
    now += std::time::Duration::from_secs(1);
    super::update_batch(&mut state, typed_keys("a\nb"), now);
    now += std::time::Duration::from_secs(1);
    super::update_batch(&mut state, typed_keys("c\nd"), now);
    assert_eq!(state.chat.composer.input.text(), "a\nbc\nd");
}

#[test]
fn enter_right_after_a_bracketed_paste_sends_it() {
    let mut state = picked(160, 48);
    let now = state.now;
    let pasted = numbered(30);
    super::update_batch(&mut state, vec![Event::Paste(pasted.clone())], now);
    let effects = super::update_batch(&mut state, typed_keys("\n"), now);
    assert_eq!(started_text(&effects), Some(pasted));
}
