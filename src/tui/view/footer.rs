//! The bottom line: the focused pane's keys (from the keymap table), or the latest notice;
//! on the right the tools level and the protection commands run under, then token usage
//! with the elapsed time of the current or last turn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{elapsed, split_line};
use crate::agent::ApprovalMode;
use crate::agent::ToolLevel;
use crate::agent::context::ContextLevel;
use crate::tui::keymap::{Action, ChatAction, GlobalAction, ReviewAction, Scope};
use crate::tui::state::{AppState, Overlay, Pane, Review, Turn};

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let mut left = Vec::new();
    let hint = |left: &mut Vec<Span<'static>>, keys: &str, what: &str| {
        left.push(Span::styled(format!(" {keys}"), theme.key()));
        left.push(Span::styled(format!(" {what} "), theme.muted()));
    };
    match (&state.notice, fixed_keys(state)) {
        (Some(notice), _) => {
            let help = state.keys.label(Scope::Global, GlobalAction::Help);
            // A cut notice leaves room for the key and the mode, which always shows.
            let room = help.len() + 1 + state.chat.approval_mode.as_str().len() + 3;
            let (shown, is_cut) = fit_notice(notice, usize::from(area.width), room);
            left.push(Span::styled(shown, theme.warning()));
            // F1 shows the whole message.
            if is_cut {
                left.push(Span::styled(format!(" {help}"), theme.key()));
            }
        }
        (None, Some(keys)) => {
            for (keys, what) in keys {
                hint(&mut left, keys, what);
            }
        }
        (None, None) => {
            // Each key is hinted only when it works: Esc stops an answer, Enter sends one,
            // `a` grants edits (in an edit's review), `!` a command (in a command's).
            let streaming = state.is_streaming();
            let is_edit = state.chat.reviews.current().map(Review::is_edit);
            let applies = |action| match action {
                Action::Chat(ChatAction::Stop) | Action::Review(ReviewAction::Stop) => streaming,
                Action::Chat(ChatAction::Send) => !streaming,
                Action::Review(ReviewAction::ApproveAllEdits) => is_edit != Some(false),
                Action::Review(ReviewAction::AlwaysCommand) => is_edit != Some(true),
                _ => true,
            };
            for (keys, what) in state.keys.footer_where(scope(state), applies) {
                hint(&mut left, keys, what);
            }
        }
    }
    // Room for the first two key hints (`y yes  n no …` in a review) before the status;
    // while an answer streams in the chat, for `Esc stop` only: its running time matters more.
    // In the settings every key (save, close) comes before the last turn's usage.
    let streaming_chat = state.is_streaming() && scope(state) == Scope::Chat;
    let reserved = match state.overlay {
        Overlay::Settings => left.len(),
        _ if streaming_chat => 2,
        _ => 4,
    };
    let right = right_side(
        state,
        area.width,
        left_width_of(&left[..left.len().min(reserved)]),
    );
    let right_width: usize = right.iter().map(Span::width).sum();
    // Keys drop from the end first; the status on the right was already fitted.
    while left.len() > 2 && left_width_of(&left) + right_width + 1 > usize::from(area.width) {
        left.truncate(left.len() - 2);
    }
    frame.render_widget(split_line(left, right, area.width), area);
}

/// The right end of the footer: the approval mode, the tools and sandbox (where questions are
/// asked), the turn's usage and time, the context meter. When they do not fit beside the first
/// key hint, the tools take their short form, then give way to the usage, the usage shortens
/// to the time, then the time goes: the mode and the meter stay last,
/// as a full context is what stops the next question.
fn right_side(state: &AppState, width: u16, min_left: usize) -> Vec<Span<'static>> {
    let theme = state.theme;
    // The tools matter where questions are asked; the pickers keep the room for their keys.
    let (protection, short) = match (state.overlay, state.focus) {
        (Overlay::None, Pane::Chat) => (
            Some(protection_text(state, width >= WIDE)),
            Some(protection_text(state, false)),
        ),
        (Overlay::None | Overlay::Settings | Overlay::Help | Overlay::Resume, _) => (None, None),
    };
    let meter = crate::tui::context_meter::measure(state)
        .and_then(|usage| crate::tui::context_meter::label(&usage))
        .map(|(meter, level)| {
            let style = match level {
                ContextLevel::Fine => theme.muted(),
                ContextLevel::Warning | ContextLevel::Full => theme.warning(),
            };
            Span::styled(format!("{meter} "), style)
        });
    let usage = usage_text(state);
    let time = elapsed_text(state);
    let mode = mode_span(state);
    let candidates = [
        (protection.as_deref(), usage.as_str()),
        (short.as_deref(), usage.as_str()),
        // The mode always shows; beside it the turn's usage outranks the tools' detail.
        (None, usage.as_str()),
        (protection.as_deref(), time.as_str()),
        (short.as_deref(), time.as_str()),
        (short.as_deref(), ""),
        (None, time.as_str()),
        (None, ""),
    ];
    for (protection, usage) in candidates {
        let status = match (protection, usage.is_empty()) {
            (Some(protection), false) => format!("{protection} │ {usage}"),
            (Some(protection), true) => format!("{protection} "),
            (None, _) => usage.to_owned(),
        };
        let status = if status.is_empty() {
            " ".to_owned()
        } else {
            format!(" │ {status}")
        };
        let mut right = vec![mode.clone(), Span::styled(status, theme.muted())];
        right.extend(meter.clone());
        let needed: usize = right.iter().map(Span::width).sum();
        if min_left + needed < usize::from(width) {
            return right;
        }
    }
    // Not even the meter fits beside the left side (a long notice): the mode still shows,
    // and the rest comes back with the next key.
    vec![mode, Span::raw(" ")]
}

/// The approval mode, always shown (tui.md): `ask`, or `auto-edit` / `plan` marked as the
/// modes that change what happens without a question.
fn mode_span(state: &AppState) -> Span<'static> {
    let mode = state.chat.approval_mode;
    let style = match mode {
        ApprovalMode::Ask => state.theme.muted(),
        ApprovalMode::AutoEdit | ApprovalMode::Plan => state.theme.warning(),
    };
    Span::styled(mode.as_str(), style)
}

fn left_width_of(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// Keys of a dialog or field that takes every key, where the pane's keys do not apply.
fn fixed_keys(state: &AppState) -> Option<&'static [(&'static str, &'static str)]> {
    let is_typing_reason = state.overlay == Overlay::None
        && state
            .chat
            .reviews
            .current()
            .is_some_and(|r| r.reason.is_some());
    let is_asking_store = state.overlay == Overlay::Settings
        && matches!(
            state.settings.status,
            crate::tui::state::SettingsStatus::AskFileStore { .. }
        );
    match state.overlay {
        // Only y and n work while the file store is offered: say so, not the usual keys.
        Overlay::Settings if is_asking_store => Some(&[
            ("y", "keep the secret in the file"),
            ("n", "do not store it"),
        ]),
        Overlay::Resume => Some(&[("↑↓", "move"), ("Enter", "open"), ("Esc", "close")]),
        Overlay::Help => Some(&[("↑↓ PgUp PgDn", "scroll"), ("any other key", "close")]),
        // Letters are text in the reason field: the review's letter keys do not apply there.
        Overlay::None if is_typing_reason => {
            Some(&[("Enter", "send the no with this reason"), ("Esc", "back")])
        }
        Overlay::None | Overlay::Settings => None,
    }
}

fn scope(state: &AppState) -> Scope {
    if state.overlay == Overlay::None && state.chat.reviews.is_open() {
        return Scope::Review;
    }
    match (state.overlay, state.focus) {
        (Overlay::Settings, _) => Scope::Settings,
        (Overlay::Resume, _) => Scope::Lists,
        (Overlay::None | Overlay::Help, Pane::Models) => Scope::Models,
        (Overlay::None | Overlay::Help, Pane::Deployments) => Scope::Deployments,
        (Overlay::None | Overlay::Help, Pane::Chat) => Scope::Chat,
        (Overlay::None | Overlay::Help, Pane::Code) => Scope::Code,
    }
}

/// ` notice`, or when it is wider than the line, its start and `…` (a cut without a mark
/// reads as the whole message), leaving `room` columns for the key that shows it whole;
/// and whether it was cut.
fn fit_notice(notice: &str, width: usize, room: usize) -> (String, bool) {
    // Notices can quote a server's error text: escaped like everything from outside.
    let line = format!(" {}", crate::terminal_text::escape_line(notice));
    if unicode_width::UnicodeWidthStr::width(line.as_str()) <= width {
        return (line, false);
    }
    let width = width.saturating_sub(room);
    let mut kept = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        kept.push(c);
    }
    kept.push('…');
    (kept, true)
}

/// From this width the status names things in full; below, the key hints need the room.
const WIDE: u16 = 120;

/// `tools all · sandbox: landlock+ns · network off` (`⚙ all · landlock+ns · no net` when
/// `wide` is false): what the model may do and, at level `all`, what confines its commands
/// (`Protection::label`: what is missing on this kernel is named) and whether they get the
/// network.
pub fn protection_text(state: &AppState, wide: bool) -> String {
    let level = state.chat.level.as_str();
    let sandbox = match (state.chat.level, wide) {
        (ToolLevel::All, true) => format!(
            " · sandbox: {} · network {}",
            state.sandbox.label(state.network),
            if state.network { "on" } else { "off" }
        ),
        (ToolLevel::All, false) => format!(
            " · {} · {}",
            state.sandbox.short_label(state.network),
            if state.network { "net" } else { "no net" }
        ),
        (ToolLevel::Off | ToolLevel::Read | ToolLevel::Edit, _) => String::new(),
    };
    let reasoning = state.reasoning.map(crate::aicore::Effort::as_str);
    match (wide, reasoning) {
        (true, Some(effort)) => format!("tools {level}{sandbox} · reasoning {effort}"),
        (true, None) => format!("tools {level}{sandbox}"),
        (false, Some(effort)) => format!("⚙ {level}{sandbox} · think {effort}"),
        (false, None) => format!("⚙ {level}{sandbox}"),
    }
}

/// The current turn's running time, or the last one's, alone (`2.4 s `).
fn elapsed_text(state: &AppState) -> String {
    turn_time(state).map_or_else(String::new, |time| format!("{time} "))
}

/// The running time of the current turn, else of the last one. The time the user takes to
/// decide on an edit or command is not the model's: no clock while a review waits (a clock
/// there would tick, and redraw, for as long as the user is away).
fn turn_time(state: &AppState) -> Option<String> {
    match &state.chat.turn {
        Turn::Streaming { .. } if state.chat.reviews.is_open() => None,
        Turn::Streaming { started, .. } => Some(elapsed(state.now, *started)),
        Turn::Idle => state
            .chat
            .stats
            .last_elapsed
            .map(|last| format!("{:.1} s", last.as_secs_f64())),
    }
}

pub fn usage_text(state: &AppState) -> String {
    let chat = &state.chat;
    let mut parts = Vec::new();
    if let Some(usage) = chat.stats.last_usage {
        parts.push(format!(
            "in {} out {}",
            compact(usage.prompt_tokens),
            compact(usage.completion_tokens)
        ));
    }
    if chat.stats.total_usage.total_tokens > 0 {
        parts.push(format!(
            "total {}",
            compact(chat.stats.total_usage.total_tokens)
        ));
    }
    // The session's cost at list price; the turn's is in /cost and `run -v`.
    if let Some(cost) = chat.stats.total_cost {
        parts.push(crate::aicore::pricing::list_label(cost));
    }
    parts.extend(turn_time(state));
    if parts.is_empty() {
        String::new()
    } else {
        format!("{} ", parts.join(" · "))
    }
}

/// 1234 → "1.2k", the way the sketch shows token counts.
pub fn compact(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    } else if n >= 1_000 {
        format!("{:.1}k", n as f64 / 1_000.0)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use crate::tui::test_support::{key, picked, render, typed};

    fn footer(screen: &str) -> &str {
        screen.lines().last().unwrap_or_default().trim_matches('"')
    }

    #[test]
    fn the_status_line_carries_the_sessions_cost_at_list_price() {
        let mut state = picked(160, 30);
        state.chat.stats.total_usage.total_tokens = 1_500;
        assert!(!super::usage_text(&state).contains('$'));
        state.chat.stats.total_cost = Some(0.0123);
        let text = super::usage_text(&state);
        assert!(text.contains("total 1.5k · ≈ $0.012 list"), "{text}");
    }

    #[test]
    fn the_chat_footer_hints_esc_only_while_an_answer_streams_and_enter_only_when_it_sends() {
        // Idle, `Esc stop the answer` took the room of keys that work (PgUp/PgDn, C-f), and
        // while streaming `Enter send` only said that an answer is still streaming.
        let mut state = picked(120, 40);
        let idle = render(&state);
        assert!(!footer(&idle).contains("Esc"), "{}", footer(&idle));
        assert!(footer(&idle).contains("Enter send"), "{}", footer(&idle));
        assert!(
            footer(&idle).contains("PgUp/PgDn scroll"),
            "{}",
            footer(&idle)
        );

        typed(&mut state, "hello");
        key(&mut state, KeyCode::Enter);
        assert!(state.is_streaming());
        let streaming = render(&state);
        assert!(
            footer(&streaming).starts_with(" Esc stop the answer"),
            "{}",
            footer(&streaming)
        );
        assert!(!footer(&streaming).contains("Enter send"));
    }

    #[test]
    fn a_review_footer_hints_a_for_an_edit_and_bang_for_a_command_never_both() {
        use crate::agent::ApprovalRequest;
        use crate::tui::event::{ChatUpdate, Event};
        use crate::tui::test_support::{apply, edit_approval};
        let review = |request: ApprovalRequest| {
            let mut state = picked(160, 48);
            typed(&mut state, "fix it");
            key(&mut state, KeyCode::Enter);
            let crate::tui::state::Turn::Streaming { id, .. } = state.chat.turn else {
                panic!("no turn");
            };
            apply(
                &mut state,
                Event::Chat {
                    turn: id,
                    update: ChatUpdate::Session(crate::agent::SessionEvent::ApprovalNeeded {
                        id: "c1".into(),
                        request,
                    }),
                },
            );
            footer(&render(&state)).to_owned()
        };
        let edit = review(edit_approval());
        assert!(edit.contains("a all edits"), "{edit}");
        assert!(!edit.contains("! always"), "{edit}");
        let command = review(ApprovalRequest::Command {
            command: "cargo test".into(),
        });
        assert!(command.contains("! always this exact command"), "{command}");
        assert!(!command.contains("a all edits"), "{command}");
        // The user's time to decide is not on a clock.
        assert!(!command.contains(" s ctx"), "{command}");
    }

    #[test]
    fn the_settings_footer_keeps_save_and_close_before_the_last_turns_usage() {
        // After a turn, the usage on the right pushed `C-s check and save` and `Esc close`
        // out of the settings footer at 120 columns.
        let mut state = picked(120, 40);
        state.chat.stats.last_usage = Some(crate::aicore::Usage {
            prompt_tokens: 1200,
            completion_tokens: 340,
            total_tokens: 1540,
            ..Default::default()
        });
        state.chat.stats.total_usage = state.chat.stats.last_usage.unwrap_or_default();
        state.chat.stats.last_elapsed = Some(std::time::Duration::from_millis(2400));
        crate::tui::test_support::ctrl(&mut state, 's');
        assert_eq!(state.overlay, crate::tui::state::Overlay::Settings);
        let screen = render(&state);
        let line = footer(&screen);
        assert!(line.contains("C-s check and save"), "{line}");
        assert!(line.contains("Esc close"), "{line}");
    }
}
