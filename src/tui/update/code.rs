//! Keys of the code view: switching the left column between pickers and code, choosing the
//! file or block shown, scrolling it, and copying it.

use crate::tui::event::Effect;
use crate::tui::keymap::{CodeAction, ListAction};
use crate::tui::state::{AppState, LeftPane, Pane};
use crate::tui::view;

/// `f` / `Ctrl-F`: the code view opens (and takes the focus, so the arrows scroll it); from
/// the code view, or from the chat beside it, the pickers come back.
pub(super) fn toggle(state: &mut AppState) {
    match (state.left, state.focus) {
        (LeftPane::Code, Pane::Code) => {
            state.left = LeftPane::Pickers;
            state.focus = Pane::Models;
        }
        // Open beside the chat but not focused (after "✎ proposed edit … C-f to review"):
        // focus it, so its keys (`a`, `x`) reach it rather than the message box.
        (LeftPane::Code | LeftPane::Pickers, _) => {
            state.left = LeftPane::Code;
            state.focus = Pane::Code;
        }
    }
}

pub(super) fn on_action(state: &mut AppState, action: CodeAction) -> Vec<Effect> {
    let height = usize::from(view::layout::code_viewport(state).height);
    let page = height.saturating_sub(1).max(1) as isize;
    match action {
        CodeAction::PageUp => scroll_by(state, -page),
        CodeAction::PageDown => scroll_by(state, page),
        CodeAction::NextItem | CodeAction::PrevItem => {
            let count = state.code_items().len();
            if count > 0 {
                let current = state.code.item.min(count - 1);
                state.code.item = if action == CodeAction::NextItem {
                    (current + 1) % count
                } else {
                    (current + count - 1) % count
                };
                state.code.scroll = 0;
            }
        }
        CodeAction::CopyShown => return copy_shown(state),
    }
    Vec::new()
}

/// The pickers' moves scroll the code view; picking and refreshing are the pickers' own.
pub(super) fn on_list_action(state: &mut AppState, action: ListAction) -> Vec<Effect> {
    match action {
        ListAction::Up => scroll_by(state, -1),
        ListAction::Down => scroll_by(state, 1),
        ListAction::Top => state.code.scroll = 0,
        ListAction::Bottom => state.code.scroll = last_top(state),
        ListAction::Pick | ListAction::Refresh => return super::lists::on_action(state, action),
    }
    Vec::new()
}

/// Shows the item titled `title` (a file just attached), from its first line.
pub(super) fn show(state: &mut AppState, title: &str) {
    if let Some(index) = state.code_items().iter().position(|i| i.title == title) {
        state.code.item = index;
        state.code.scroll = 0;
    }
}

/// The first row of the last page of the shown item.
fn last_top(state: &AppState) -> usize {
    let viewport = view::layout::code_viewport(state);
    view::code_rows(state, viewport.width).saturating_sub(usize::from(viewport.height))
}

pub(super) fn scroll_by(state: &mut AppState, delta: isize) {
    let last = last_top(state);
    state.code.scroll = state
        .code
        .scroll
        .min(last)
        .saturating_add_signed(delta)
        .min(last);
}

fn copy_shown(state: &mut AppState) -> Vec<Effect> {
    let items = state.code_items();
    let Some(item) = items.get(state.code.item.min(items.len().saturating_sub(1))) else {
        state.notice = Some("nothing to copy: the code view is empty".into());
        return Vec::new();
    };
    let text = item.text.to_string();
    state.notice = Some(super::copy_notice(&item.title, &text));
    vec![Effect::Copy(text)]
}
