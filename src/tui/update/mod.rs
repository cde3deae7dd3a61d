//! `update(&mut AppState, Event) -> Vec<Effect>`: plain code, no I/O and no clock reads (time
//! arrives in `Event::Tick`). Each pane's keys go to a named handler in a sibling module.

mod attach;
mod chat;
mod code;
mod completion;
mod context;
mod conversation;
mod draft;
mod history;
mod lists;
mod queue;
mod resume;
mod review;
#[cfg(test)]
mod review_tests;
mod settings;
mod shell;
mod slash;
#[cfg(test)]
mod slash_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_first_hour;
#[cfg(test)]
mod tests_habits;
#[cfg(test)]
mod tests_long_input;
#[cfg(test)]
mod tests_modes;
pub mod tools;
mod turn_events;
mod typed_paste;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::event::{Effect, Event, Listing};
use super::keymap::{Action, GlobalAction, Scope};
use super::state::{AppState, Connection, LeftPane, Load, Overlay, Pane, SettingsStatus};
use crate::aicore::{Deployment, ModelEntry};

pub use attach::label as attach_label;
pub use history::after_first_frame;
pub use slash::popup as slash_popup;

/// A batch of events as the loop drains them, at `now`: the clock is set first (ticks stop
/// while nothing moves, so a key after a pause must not start a turn at a stale time), and
/// a pasted text typed key by key becomes one paste.
pub fn update_batch(
    state: &mut AppState,
    events: Vec<Event>,
    now: std::time::SystemTime,
) -> Vec<Effect> {
    state.now = now;
    let continues = draft::paste_continues(state);
    let events = events
        .into_iter()
        .flat_map(|event| match event {
            Event::Input(group) => group,
            other => vec![other],
        })
        .collect();
    let mut effects: Vec<Effect> = typed_paste::coalesce(events, continues)
        .into_iter()
        .flat_map(|event| update(state, event))
        .collect();
    effects.extend(send_startup_prompt(state));
    effects
}

/// Sends the prompt given on the command line once there is a connection and a model
/// (chosen in the config, with `--model`, or in the picker): once, as if Enter was pressed.
fn send_startup_prompt(state: &mut AppState) -> Vec<Effect> {
    let ready = matches!(state.connection, Connection::Ready(_)) && state.models.chosen.is_some();
    if !state.send_when_ready || !ready || state.is_streaming() {
        return Vec::new();
    }
    state.send_when_ready = false;
    chat::send_draft(state)
}

pub fn update(state: &mut AppState, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Event::Key(key) => on_key(state, key),
        Event::Input(group) => group
            .into_iter()
            .flat_map(|event| update(state, event))
            .collect(),
        Event::Paste(text) => on_paste(state, &text),
        Event::TypedPaste(text) => on_typed_paste(state, &text),
        Event::Mouse(mouse) => on_mouse(state, mouse),
        Event::Resize { width, height } => {
            state.size = (width, height);
            Vec::new()
        }
        Event::Tick { now } => {
            state.now = now;
            Vec::new()
        }
        Event::Connected(info) => {
            state.resource_group = info.resource_group.clone();
            state.connection = Connection::Ready(info);
            let mut effects = load_models(state, false);
            effects.extend(load_deployments(state, false));
            effects
        }
        Event::ConnectFailed { error, needs_setup } => {
            state.connection = Connection::Failed(error);
            if needs_setup {
                state.overlay = Overlay::Settings;
                state.settings.status = SettingsStatus::FirstLaunch;
            }
            Vec::new()
        }
        Event::ModelsLoaded { request, result } => {
            if request == state.models.request {
                models_loaded(state, result);
            }
            Vec::new()
        }
        Event::DeploymentsLoaded { request, result } => {
            if request == state.deployments.request {
                deployments_loaded(state, result);
            }
            Vec::new()
        }
        Event::TurnTarget {
            turn,
            model,
            deployment,
        } => {
            if chat::is_current(state, turn) {
                state.chat.stats.last_target = Some((model, deployment));
            }
            Vec::new()
        }
        Event::Chat { turn, update } => chat::on_update(state, turn, update),
        Event::SettingsSaved { form, keyring } => settings::saved(state, form, keyring),
        Event::SettingsFailed(error) => {
            state.settings.status = SettingsStatus::Failed(error);
            Vec::new()
        }
        Event::KeyringRefused { reason, file } => {
            settings::keyring_refused(state, reason, file);
            Vec::new()
        }
        Event::KeyImported(form) => settings::imported(state, form),
        Event::AttachmentsRead { request, results } => attach::read(state, request, results),
        Event::PathCompleted {
            request,
            prefix,
            candidates,
        } => completion::completed(state, request, &prefix, candidates),
        Event::PathListed {
            request,
            prefix,
            candidates,
        } => {
            settings::key_path_listed(state, request, &prefix, &candidates);
            Vec::new()
        }
        Event::EditUndone(result) => {
            tools::undone(state, result);
            Vec::new()
        }
        Event::Notice(text) => {
            state.notice = Some(text);
            Vec::new()
        }
        Event::DraftEdited(result) => {
            draft::edited(state, result);
            Vec::new()
        }
        Event::InputHistoryLoaded(earlier) => {
            history::loaded(state, earlier);
            Vec::new()
        }
        Event::SessionsListed { request, result } => {
            resume::listed(state, request, result);
            Vec::new()
        }
        Event::SessionOpened { loaded, started } => resume::opened(state, &loaded, started),
        Event::Compacted { request, result } => slash::compacted(state, request, result),
    }
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let shown = state.notice.take();
    // Help opened over a message shows it whole: the status line may have cut it. Opened
    // any other way (`/help`), it shows none.
    if state.overlay == Overlay::None {
        let is_help =
            state.keys.lookup(Scope::Global, &key) == Some(Action::Global(GlobalAction::Help));
        state.help_notice = shown.filter(|_| is_help);
    }
    // "Ctrl-C again to quit" holds for the very next key only.
    if state.keys.lookup(Scope::Global, &key) != Some(Action::Global(GlobalAction::Quit)) {
        state.quit_armed = false;
    }
    match state.overlay {
        Overlay::Help => {
            help_key(state, key);
            return Vec::new();
        }
        Overlay::Settings => return settings::on_key(state, key),
        Overlay::Resume => return resume::on_key(state, key),
        Overlay::None => {}
    }
    if state.chat.reviews.is_open() {
        return review::on_key(state, key);
    }
    if let Some(effects) = review::answer_save_offer(state, &key) {
        return effects;
    }
    if state.focus == Pane::Chat
        && let Some(effects) = slash::popup_key(state, key)
    {
        return effects;
    }
    if state.focus == Pane::Models && state.models.filter.is_typing() {
        return lists::on_filter_key(state, key);
    }
    if state.focus == Pane::Chat
        && let Some(effects) = completion::popup_key(state, key)
    {
        return effects;
    }
    let scope = scope_of(state.focus);
    let in_draft = state.focus == Pane::Chat && !state.chat.composer.input.is_empty();
    match state.keys.lookup(scope, &key) {
        // Tab right after `@path` completes the path; in any other draft Tab and Shift-Tab
        // stay in the message box (the draft is what the user is working on).
        Some(Action::Global(GlobalAction::NextPane))
            if in_draft && completion::is_at_path(state) =>
        {
            completion::complete_by_tab(state)
        }
        Some(Action::Global(GlobalAction::NextPane | GlobalAction::PrevPane)) if in_draft => {
            Vec::new()
        }
        Some(action) => on_action(state, action),
        None if state.focus == Pane::Chat => chat::on_text_key(state, key),
        None => typed_elsewhere(state, key),
    }
}

/// A printable key outside the message box is still text: in the model picker it starts the
/// filter; in the deployment picker and the code view it goes to the message box.
fn typed_elsewhere(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    use crossterm::event::KeyModifiers;
    let KeyCode::Char(c) = key.code else {
        return Vec::new();
    };
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return Vec::new();
    }
    if state.focus == Pane::Models {
        lists::start_filter(state, c);
        return Vec::new();
    }
    state.focus = Pane::Chat;
    chat::on_text_key(state, key)
}

/// The notice after a copy. OSC 52 has no reply: whether the terminal put it on the
/// clipboard is unknown, so it says "sent", never "copied".
pub(super) fn copy_notice(what: &str, text: &str) -> String {
    let lines = match text.lines().count() {
        1 => "1 line".to_owned(),
        n => format!("{n} lines"),
    };
    format!("{what} ({lines}) was sent to the terminal to copy (OSC 52)")
}

/// The help scrolls with the arrows and pages; any other key closes it. Its last rows are
/// the slash commands and `!CMD`: the scroll must reach them.
fn help_key(state: &mut AppState, key: KeyEvent) {
    let lines = super::view::help_rows(state);
    let visible = lines.min(usize::from(state.size.1).saturating_sub(2));
    let last = lines.saturating_sub(visible);
    let page = visible.saturating_sub(1).max(1);
    state.help_scroll = match key.code {
        KeyCode::Up => state.help_scroll.saturating_sub(1),
        KeyCode::Down => state.help_scroll + 1,
        KeyCode::PageUp => state.help_scroll.saturating_sub(page),
        KeyCode::PageDown => state.help_scroll + page,
        _ => {
            state.overlay = Overlay::None;
            0
        }
    }
    .min(last);
}

pub(super) fn scope_of(pane: Pane) -> Scope {
    match pane {
        Pane::Models => Scope::Models,
        Pane::Deployments => Scope::Deployments,
        Pane::Code => Scope::Code,
        Pane::Chat => Scope::Chat,
    }
}

/// Global actions are handled here; each pane's own go to its handler. A lookup in a pane's
/// scope only finds that pane's actions (the table's test holds it), so the last arm is for
/// the shared pickers' keys reaching the code view.
fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Global(action) => on_global(state, action),
        Action::Lists(action) if state.focus == Pane::Code => code::on_list_action(state, action),
        Action::Lists(action) => lists::on_action(state, action),
        Action::Models(action) => lists::on_models_action(state, action),
        Action::Code(action) => code::on_action(state, action),
        Action::Chat(action) => chat::on_action(state, action),
        // Settings and reviews take their keys before a pane does (`settings::on_key`,
        // `review::on_key`).
        Action::Settings(_) | Action::Review(_) => Vec::new(),
    }
}

fn on_global(state: &mut AppState, action: GlobalAction) -> Vec<Effect> {
    match action {
        GlobalAction::Quit => quit(state),
        GlobalAction::Exit => exit(state),
        GlobalAction::NextPane => {
            state.focus = match (state.left, state.focus) {
                (LeftPane::Pickers, Pane::Models) => Pane::Deployments,
                (LeftPane::Pickers, Pane::Deployments) => Pane::Chat,
                (LeftPane::Pickers, Pane::Chat | Pane::Code) => Pane::Models,
                (LeftPane::Code, Pane::Code) => Pane::Chat,
                (LeftPane::Code, Pane::Chat | Pane::Models | Pane::Deployments) => Pane::Code,
            };
            Vec::new()
        }
        GlobalAction::PrevPane => {
            state.focus = match (state.left, state.focus) {
                (LeftPane::Pickers, Pane::Models) => Pane::Chat,
                (LeftPane::Pickers, Pane::Deployments) => Pane::Models,
                (LeftPane::Pickers, Pane::Chat | Pane::Code) => Pane::Deployments,
                (LeftPane::Code, Pane::Code) => Pane::Chat,
                (LeftPane::Code, Pane::Chat | Pane::Models | Pane::Deployments) => Pane::Code,
            };
            Vec::new()
        }
        GlobalAction::FocusModels => focus_picker(state, Pane::Models),
        GlobalAction::FocusDeployments => focus_picker(state, Pane::Deployments),
        GlobalAction::FocusChat => focus(state, Pane::Chat),
        GlobalAction::ToggleCode => {
            code::toggle(state);
            Vec::new()
        }
        GlobalAction::OpenSettings => {
            state.overlay = Overlay::Settings;
            Vec::new()
        }
        GlobalAction::Help => {
            state.overlay = Overlay::Help;
            state.help_scroll = 0;
            Vec::new()
        }
    }
}

/// The key that stops an answer, for notices that point to it ("Esc stops it").
pub(super) fn stop_key(state: &AppState) -> String {
    state
        .keys
        .label(Scope::Chat, super::keymap::ChatAction::Stop)
}

/// `m` / `d`: the pickers come back in the left column.
pub(super) fn focus_picker(state: &mut AppState, pane: Pane) -> Vec<Effect> {
    state.left = LeftPane::Pickers;
    focus(state, pane)
}

fn focus(state: &mut AppState, pane: Pane) -> Vec<Effect> {
    state.focus = pane;
    Vec::new()
}

/// Ctrl-C never loses work by accident: it stops a streaming answer, else clears a draft
/// (kept in the input history: ↑ brings it back), else asks for a second Ctrl-C to quit.
pub(super) fn quit(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() {
        state.quit_armed = false;
        return chat::stop(state);
    }
    let draft = state.chat.composer.input.text();
    if state.overlay == Overlay::None && !draft.is_empty() {
        state.quit_armed = false;
        state.chat.composer.input.set_text("");
        state.notice = Some("draft cleared: ↑ brings it back".into());
        return chat::save_input(state, &draft);
    }
    if state.quit_armed {
        return vec![Effect::Quit];
    }
    state.quit_armed = true;
    state.notice = Some(format!(
        "{} again to quit",
        state.keys.label(Scope::Global, GlobalAction::Quit)
    ));
    Vec::new()
}

/// Ctrl-D quits on an empty input (a stream is stopped first); with text it does nothing.
fn exit(state: &mut AppState) -> Vec<Effect> {
    if !state.chat.composer.input.text().is_empty() {
        return Vec::new();
    }
    let mut effects = chat::stop(state);
    effects.push(Effect::Quit);
    effects
}

fn on_paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    if state.overlay == Overlay::None && state.chat.reviews.is_open() {
        review::on_paste(state, text);
        return Vec::new();
    }
    match (state.overlay, state.focus) {
        (Overlay::Settings, _) => settings::on_paste(state, text),
        (Overlay::None, Pane::Models) => lists::on_paste(state, text),
        // Pasted newlines stay newlines (bracketed paste keeps them from sending); a pasted
        // image path attaches the image; a long paste goes in as one chip.
        (Overlay::None, Pane::Chat) => {
            if let Some(effects) = attach::pasted_image(state, text) {
                return effects;
            }
            return draft::paste(state, text);
        }
        (Overlay::None, Pane::Deployments | Pane::Code) | (Overlay::Help | Overlay::Resume, _) => {}
    }
    Vec::new()
}

/// In the message box a typed paste's pieces join into one; elsewhere it is a paste.
fn on_typed_paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    let in_draft = state.overlay == Overlay::None
        && !state.chat.reviews.is_open()
        && state.focus == Pane::Chat;
    if in_draft {
        return draft::typed_paste(state, text);
    }
    on_paste(state, text)
}

fn on_mouse(state: &mut AppState, mouse: MouseEvent) -> Vec<Effect> {
    let delta = match mouse.kind {
        MouseEventKind::ScrollUp => -3,
        MouseEventKind::ScrollDown => 3,
        _ => return Vec::new(),
    };
    if state.chat.reviews.is_open() {
        review::scroll_by(state, delta);
        return Vec::new();
    }
    match state.focus {
        Pane::Code => code::scroll_by(state, delta),
        Pane::Models | Pane::Deployments | Pane::Chat => chat::scroll_by(state, delta),
    }
    Vec::new()
}

pub(super) fn next_request(state: &mut AppState) -> u64 {
    let id = state.next_request;
    state.next_request += 1;
    id
}

pub(super) fn load_models(state: &mut AppState, refresh: bool) -> Vec<Effect> {
    let request = next_request(state);
    state.models.request = request;
    state.models.list = Load::Loading { since: state.now };
    vec![Effect::LoadModels { request, refresh }]
}

pub(super) fn load_deployments(state: &mut AppState, refresh: bool) -> Vec<Effect> {
    let request = next_request(state);
    state.deployments.request = request;
    state.deployments.list = Load::Loading { since: state.now };
    vec![Effect::LoadDeployments { request, refresh }]
}

fn models_loaded(
    state: &mut AppState,
    result: Result<Listing<Vec<ModelEntry>>, super::event::ErrorView>,
) {
    state.models.list = match result {
        Ok(listing) => Load::Ready(listing),
        Err(error) => Load::Failed(error),
    };
    let chosen = state.models.chosen.clone();
    let mode = state.mode;
    let visible = state.models.visible();
    // The remembered model, else the first one that can answer in this mode.
    let at = chosen
        .and_then(|name| visible.iter().position(|m| m.name == name))
        .or_else(|| {
            visible.iter().position(|m| match mode {
                crate::aicore::Mode::Foundation => m.running_deployments > 0,
                crate::aicore::Mode::Orchestration => m.orchestration,
            })
        })
        .unwrap_or(0);
    state.models.cursor = at;
}

fn deployments_loaded(
    state: &mut AppState,
    result: Result<Listing<Vec<Deployment>>, super::event::ErrorView>,
) {
    state.deployments.list = match result {
        Ok(listing) => Load::Ready(listing),
        Err(error) => Load::Failed(error),
    };
    lists::place_deployment_cursor(state);
}
