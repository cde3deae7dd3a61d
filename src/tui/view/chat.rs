//! The chat: transcript over the message input. Only the rows in view are built each frame;
//! finished messages keep their rendered lines in a per-entry cache, and only the message
//! still streaming is rendered again when text arrives.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{layout, pane_block, short};
use crate::tui::keymap::{ChatAction, GlobalAction, ListAction, Scope};
use crate::tui::markdown;
use crate::tui::state::{AppState, Pane, Scroll};
use crate::tui::transcript;

pub fn draw(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let areas = layout::chat_areas(area, state);
    draw_transcript(frame, state, areas.transcript);
    if let Some(attachments) = areas.attachments {
        frame.render_widget(attachment_row(state), attachments);
    }
    match areas.review {
        Some(review) => super::review::draw(frame, state, review),
        None => {
            super::composer::draw(frame, state, areas.input);
            super::slash::draw(frame, state, areas.input, area);
            if let Some(popup) = &state.chat.composer.popup {
                super::path_popup::draw(frame, state, popup, areas.transcript, areas.input);
            }
        }
    }
}

/// `@src/lib.rs 2.1 KiB ×  @Cargo.toml 812 B ×   C-x removes the last`
fn attachment_row(state: &AppState) -> Line<'static> {
    let theme = state.theme;
    let mut spans = vec![Span::raw(" ")];
    for attachment in &state.chat.composer.attachments {
        spans.push(Span::styled(
            crate::tui::update::attach_label(attachment),
            theme.accent(),
        ));
        spans.push(Span::styled(
            format!(" {} ", crate::byte_size::human_bytes(attachment.byte_len())),
            theme.muted(),
        ));
        spans.push(Span::styled("× ", theme.key()));
        spans.push(Span::raw(" "));
    }
    if state.chat.composer.attaching.is_some() {
        spans.push(Span::styled(
            format!("{} reading files…", super::spinner(state.now)),
            theme.muted(),
        ));
    } else {
        spans.push(Span::styled(
            state.keys.label(Scope::Chat, ChatAction::RemoveAttachment),
            theme.key(),
        ));
        spans.push(Span::styled(" removes the last", theme.muted()));
    }
    Line::from(spans)
}

fn draw_transcript(frame: &mut Frame<'_>, state: &AppState, area: Rect) {
    let theme = state.theme;
    let focused = state.focus == Pane::Chat;
    let mut block = pane_block(title(state), focused, theme);
    if let Scroll::At { .. } = state.chat.transcript.scroll {
        let follow = state.keys.label(Scope::Chat, ChatAction::Bottom);
        block = block.title_bottom(
            Line::styled(format!(" ↑ scrolled · {follow} follows "), theme.warning())
                .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = transcript_lines(state, inner.width, inner.height);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// ` Chat · gpt-4o · d7f3a9c2 · auto-edit `: where the next question goes (the current
/// choice: a mode switch or another pick shows at once; the deployment the last turn used
/// when none was picked), and the approval mode when it is not `ask`, so a switch on
/// Shift-Tab shows here too.
fn title(state: &AppState) -> String {
    let last = state.chat.stats.last_target.as_ref();
    let target = match (&state.models.chosen, last) {
        (Some(model), _) if state.mode == crate::aicore::Mode::Orchestration => {
            format!(" · {model} · via orchestration")
        }
        (Some(model), last) => match (&state.deployments.chosen, last) {
            (Some(id), _) => format!(" · {model} · {}", short(id)),
            (None, Some((used, id))) if used == model && !id.is_empty() => {
                format!(" · {model} · {}", short(id))
            }
            (None, _) => format!(" · {model}"),
        },
        (None, Some((model, id))) if !id.is_empty() => format!(" · {model} · {}", short(id)),
        (None, Some((model, _))) => format!(" · {model}"),
        (None, None) => String::new(),
    };
    let mode = match state.chat.approval_mode {
        crate::agent::ApprovalMode::Ask => "",
        crate::agent::ApprovalMode::AutoEdit => " · auto-edit",
        crate::agent::ApprovalMode::Plan => " · plan",
    };
    format!(" Chat{target}{mode} ")
}

/// The rows of the transcript in view at `width`×`height`, honouring the scroll position.
pub fn transcript_lines(state: &AppState, width: u16, height: u16) -> Vec<Line<'static>> {
    let transcript = &state.chat.transcript;
    if transcript.entries.is_empty() {
        return welcome(state, width);
    }
    let height = usize::from(height);
    let anchor = transcript::resolve(state, transcript.scroll, width, height);
    transcript::rows_from(state, anchor, width, height)
}

fn welcome(state: &AppState, width: u16) -> Vec<Line<'static>> {
    let theme = state.theme;
    let keys = &state.keys;
    let mut lines = vec![
        Line::styled("Ask about code.", theme.accent()),
        Line::default(),
    ];
    let is_chosen = state.models.chosen.is_some()
        && (state.deployments.chosen.is_some() || state.mode == crate::aicore::Mode::Orchestration);
    let pick = if is_chosen {
        String::new()
    } else {
        format!(
            "Pick a model ({}) and a deployment ({}), then type here. ",
            keys.label(Scope::Models, GlobalAction::FocusModels),
            keys.label(Scope::Models, GlobalAction::FocusDeployments),
        )
    };
    let text = format!(
        "{pick}{} sends; {} adds a line; @path attaches a file; /help lists the commands; \
         !CMD runs a shell command; {} stops an answer; {} shows every key.",
        keys.label(Scope::Chat, ChatAction::Send),
        keys.label(Scope::Chat, ChatAction::Newline),
        keys.label(Scope::Chat, ChatAction::Stop),
        keys.label(Scope::Global, GlobalAction::Help),
    );
    lines.extend(markdown::wrap(
        vec![Span::styled(text, theme.muted())],
        usize::from(width),
        Span::raw(""),
        Span::raw(""),
    ));
    // The app starts here, not in the picker: a failed connection must show here too (the
    // narrow layout hides the picker's own error).
    if let crate::tui::state::Connection::Failed(error) = &state.connection
        && state.is_narrow()
    {
        lines.push(Line::default());
        lines.extend(markdown::wrap(
            vec![Span::styled(
                format!(
                    "✗ {}: {} ({} shows it, {} there retries)",
                    error.message,
                    error.hint,
                    keys.label(Scope::Chat, GlobalAction::FocusModels),
                    keys.label(Scope::Models, ListAction::Refresh),
                ),
                theme.error(),
            )],
            usize::from(width),
            Span::raw(""),
            Span::raw(""),
        ));
    }
    // The transcript says once, before the first question, what goes with every question.
    if let Some(rules) = state.chat.conversation.project_rules() {
        lines.push(Line::default());
        lines.extend(markdown::wrap(
            vec![Span::styled(
                format!("{}: they go with every question", rules.notice()),
                theme.accent(),
            )],
            usize::from(width),
            Span::raw(""),
            Span::raw(""),
        ));
    }
    lines
}
