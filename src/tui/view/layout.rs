//! Where each pane sits, as a pure function of the screen size and state. The views draw into
//! these rectangles and `update` reads the same ones to size a page of scrolling, so views
//! never have to report what they drew.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

use crate::tui::state::AppState;

/// Below this size only "terminal too small" is drawn.
pub fn is_too_small(area: Rect) -> bool {
    area.width < 20 || area.height < 6
}

/// The screen's parts. Wide, the pickers (or the code view) sit left of the chat; narrow,
/// every pane gets the same full-width area under a summary line and only the focused one is
/// drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub footer: Rect,
    /// The one-line summary of the choices when narrow.
    pub summary: Option<Rect>,
    pub models: Rect,
    pub deployments: Rect,
    pub code: Rect,
    pub chat: Rect,
}

pub fn areas(area: Rect, state: &AppState) -> Areas {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    if state.is_narrow() {
        let [summary, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(2)]).areas(body);
        return Areas {
            header,
            footer,
            summary: Some(summary),
            models: rest,
            deployments: rest,
            code: rest,
            chat: rest,
        };
    }
    let left_width = (body.width * 2 / 5).clamp(40, 60);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(20)]).areas(body);
    let [models, deployments] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(left);
    Areas {
        header,
        footer,
        summary: None,
        models,
        deployments,
        code: left,
        chat: right,
    }
}

/// The chat's parts: transcript, the attached-files row (when there are any) and the input;
/// while an edit or command waits for approval, the review area takes the input's place
/// and most of the height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatAreas {
    pub transcript: Rect,
    pub attachments: Option<Rect>,
    pub input: Rect,
    pub review: Option<Rect>,
}

pub fn chat_areas(area: Rect, state: &AppState) -> ChatAreas {
    if state.chat.reviews.is_open() {
        let review_rows = (area.height * 3 / 5)
            .max(6)
            .min(area.height.saturating_sub(3));
        let [transcript, review] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(review_rows)]).areas(area);
        return ChatAreas {
            transcript,
            attachments: None,
            input: Rect {
                height: 0,
                ..review
            },
            review: Some(review),
        };
    }
    let composer = &state.chat.composer;
    let input_rows = composer.input.lines().len().clamp(1, 6) as u16;
    let has_attachments = !composer.attachments.is_empty() || composer.attaching.is_some();
    let [transcript, attachments, input] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(u16::from(has_attachments)),
        Constraint::Length(input_rows + 2),
    ])
    .areas(area);
    ChatAreas {
        transcript,
        attachments: has_attachments.then_some(attachments),
        input,
        review: None,
    }
}

/// Inside a pane's border.
pub fn inner(area: Rect) -> Rect {
    area.inner(Margin::new(1, 1))
}

fn screen(state: &AppState) -> Rect {
    Rect::new(0, 0, state.size.0, state.size.1)
}

/// The transcript's rows inside its border, at the current terminal size.
pub fn transcript_viewport(state: &AppState) -> Rect {
    let chat = areas(screen(state), state).chat;
    inner(chat_areas(chat, state).transcript)
}

/// The review area's rows inside its border (without the reason field), if one is open.
pub fn review_viewport(state: &AppState) -> Rect {
    let chat = areas(screen(state), state).chat;
    chat_areas(chat, state)
        .review
        .map_or(Rect::default(), inner)
}

/// The code view's rows inside its border, at the current terminal size.
pub fn code_viewport(state: &AppState) -> Rect {
    inner(areas(screen(state), state).code)
}
