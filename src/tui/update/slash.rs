//! Slash commands typed in the message input: the completion popup's keys (↑/↓ move, Tab
//! completes, Enter runs, Esc closes) and what each command does. An unknown command is one
//! line in the transcript; nothing is sent.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{chat, conversation, focus_picker, lists, next_request};
use crate::agent::context::{KEEP_TURNS, kept_from};
use crate::agent::tools::ToolLevel;
use crate::aicore::{Effort, Mode};
use crate::tui::event::Effect;
use crate::tui::slash::{self, Command, Row};
use crate::tui::state::{AppState, Overlay, Pane, ResumePicker, SessionList};

/// The popup's rows, when it shows: the chat has focus and the input is a command name
/// being typed.
pub fn popup(state: &AppState) -> Vec<Row> {
    if state.focus != Pane::Chat || state.overlay != Overlay::None {
        return Vec::new();
    }
    slash::matches(&state.chat.composer.input.text(), &state.custom_commands)
}

/// Keys while the popup shows; `None` lets the key through to the input.
pub(super) fn popup_key(state: &mut AppState, key: KeyEvent) -> Option<Vec<Effect>> {
    let rows = popup(state);
    if rows.is_empty()
        || key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    let composer = &mut state.chat.composer;
    let selected = composer.slash_selected.min(rows.len() - 1);
    match key.code {
        KeyCode::Up => composer.slash_selected = (selected + rows.len() - 1) % rows.len(),
        KeyCode::Down => composer.slash_selected = (selected + 1) % rows.len(),
        KeyCode::Tab => {
            let row = &rows[selected];
            let space = if row.args.is_empty() { "" } else { " " };
            composer.input.set_text(&format!("/{}{space}", row.name));
            composer.slash_selected = 0;
        }
        // Esc abandons the command being typed: a `/` left behind would turn the next
        // command into `//…`, which is sent to the model as text.
        KeyCode::Esc => {
            composer.input.set_text("");
            composer.slash_selected = 0;
        }
        KeyCode::Enter => {
            let text = composer.input.text();
            let typed = slash::command_line(&text).and_then(|(name, _)| slash::find(name));
            return Some(match typed.or(rows[selected].command) {
                Some(command) => run_line(state, &text, command, ""),
                None => {
                    let line = format!("/{}", rows[selected].name);
                    state.chat.composer.input.set_text(&line);
                    state.chat.composer.slash_selected = 0;
                    run_typed(state, &line)
                }
            });
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Enter on a line starting with `/` (not `//`): runs the command it names.
pub(super) fn run_typed(state: &mut AppState, text: &str) -> Vec<Effect> {
    let Some((name, args)) = slash::command_line(text) else {
        return Vec::new();
    };
    let custom = state
        .custom_commands
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .map(|c| c.expand(args));
    match slash::find(name) {
        Some(command) => run_line(state, text, command, args),
        // A custom command sends its text, as if typed (the `/NAME` line joins the history).
        None if custom.is_some() => chat::send_message(state, custom.unwrap_or_default(), text),
        None => {
            let mut effects = consume_input(state, text);
            conversation::push_notice(
                state,
                format!(
                    "unknown command /{name}: type / to see the commands (// sends a literal /)"
                ),
            );
            effects.extend(chat::save_input(state, text));
            effects
        }
    }
}

fn run_line(state: &mut AppState, text: &str, command: Command, args: &str) -> Vec<Effect> {
    let mut effects = consume_input(state, text);
    effects.extend(run(state, command, args));
    effects
}

/// What `/init` asks. The simulator knows it by `AGENTS.md` and "Create" (README, simulator).
const INIT_PROMPT: &str = "Create an AGENTS.md file for this repository: look at its files \
    first, then write AGENTS.md at its root saying what the project is, how it is laid out, how \
    to build and test it, and the conventions a coding agent should follow here.";

/// `/cost`: each model's turns, tokens and cost at list price, then the total.
fn cost_lines(state: &AppState) -> String {
    use crate::aicore::pricing::list_label;
    let stats = &state.chat.stats;
    if stats.by_model.is_empty() {
        return "cost: nothing asked yet in this conversation".into();
    }
    let mut lines = vec![
        "cost of this conversation (the catalog's list price; SAP bills in capacity units):"
            .to_owned(),
    ];
    for (model, spend) in &stats.by_model {
        let u = &spend.usage;
        let mut line = format!(
            "  {model}: {} turn{} · in {} out {}",
            spend.turns,
            if spend.turns == 1 { "" } else { "s" },
            u.prompt_tokens,
            u.completion_tokens
        );
        if let Some(reasoning) = u.reasoning_tokens.filter(|&n| n > 0) {
            line.push_str(&format!(", {reasoning} reasoning"));
        }
        if u.cache_read_tokens + u.cache_write_tokens > 0 {
            line.push_str(&format!(
                " (cache read {} written {})",
                u.cache_read_tokens, u.cache_write_tokens
            ));
        }
        line.push_str(&match spend.cost {
            Some(cost) => format!(" · {}", list_label(cost)),
            None => " · no price in the catalog".into(),
        });
        lines.push(line);
    }
    if let Some(total) = stats.total_cost {
        lines.push(format!("  total: {}", list_label(total)));
    }
    // Model names come from the server: each line is made visible on its own, since
    // `visible` shows a newline escaped.
    lines
        .iter()
        .map(|line| crate::terminal_text::visible(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The command line leaves the input and joins the history.
fn consume_input(state: &mut AppState, text: &str) -> Vec<Effect> {
    let composer = &mut state.chat.composer;
    composer.input.set_text("");
    composer.slash_selected = 0;
    chat::save_input(state, text)
}

pub(super) fn run(state: &mut AppState, command: Command, args: &str) -> Vec<Effect> {
    match command {
        Command::Model => focus_picker(state, Pane::Models),
        Command::Deployment => focus_picker(state, Pane::Deployments),
        Command::Mode => {
            set_mode(state, args);
            Vec::new()
        }
        Command::New => conversation::new_conversation(state),
        Command::Resume => resume(state),
        Command::Compact => compact(state),
        // An ordinary question: the write is reviewed like any other edit.
        Command::Init => chat::send_text(state, INIT_PROMPT.to_owned()),
        Command::Undo => super::tools::undo_last_edit(state),
        Command::Tools => {
            set_tools(state, args);
            Vec::new()
        }
        Command::Network => set_network(state, args),
        Command::Reasoning => {
            set_reasoning(state, args);
            Vec::new()
        }
        Command::Copy => chat::copy_answer(state),
        Command::Cost => {
            let text = cost_lines(state);
            conversation::push_notice(state, text);
            Vec::new()
        }
        Command::Help => {
            state.overlay = Overlay::Help;
            state.help_scroll = 0;
            Vec::new()
        }
        Command::Exit => {
            let mut effects = chat::stop(state);
            effects.push(Effect::Quit);
            effects
        }
    }
}

fn set_mode(state: &mut AppState, args: &str) {
    let mode = match args.to_ascii_lowercase().as_str() {
        "" => match state.mode {
            Mode::Foundation => Mode::Orchestration,
            Mode::Orchestration => Mode::Foundation,
        },
        "foundation" => Mode::Foundation,
        "orchestration" => Mode::Orchestration,
        other => {
            conversation::push_notice(
                state,
                format!("/mode {other}: the modes are foundation and orchestration"),
            );
            return;
        }
    };
    state.mode = mode;
    // The title names where the next question goes, not where the last one went.
    state.chat.stats.last_target = None;
    lists::place_deployment_cursor(state);
    let what = match mode {
        Mode::Foundation => "the model's own deployment answers",
        Mode::Orchestration => "the orchestration deployment answers for every model",
    };
    conversation::push_notice(state, format!("mode {}: {what}", mode.as_str()));
}

/// `/tools LEVEL` sets the level; `/tools` alone says the current one.
fn set_tools(state: &mut AppState, args: &str) {
    if args.is_empty() {
        let level = state.chat.level;
        conversation::push_notice(state, super::tools::describe_level(level));
        return;
    }
    match ToolLevel::parse(args) {
        Some(level) => {
            state.chat.level = level;
            conversation::push_notice(state, super::tools::describe_level(level));
        }
        None => conversation::push_notice(
            state,
            format!("/tools {args}: the levels are off, read, edit and all"),
        ),
    }
}

/// `/network [on|off]`: whether the model's commands get the network (no argument: the
/// other way round). Takes effect from the next command.
fn set_network(state: &mut AppState, args: &str) -> Vec<Effect> {
    let on = match args.to_ascii_lowercase().as_str() {
        "" => !state.network,
        "on" => true,
        "off" => false,
        other => {
            conversation::push_notice(state, format!("/network {other}: use on or off"));
            return Vec::new();
        }
    };
    state.network = on;
    let said = if on {
        "network on: the model's commands can reach the network from the next one"
    } else {
        "network off: the model's commands cannot reach the network"
    };
    conversation::push_notice(state, said.to_owned());
    vec![Effect::SetNetwork(on)]
}

/// `/reasoning low|medium|high|off` sets how hard a reasoning model thinks from the next
/// question on (this session only; `[agent] reasoning` is the default); `/reasoning` alone
/// says the current setting.
fn set_reasoning(state: &mut AppState, args: &str) {
    let word = args.trim().to_ascii_lowercase();
    if !word.is_empty() {
        match (word.as_str(), Effort::parse(&word)) {
            ("off", _) => state.reasoning = None,
            (_, Some(effort)) => state.reasoning = Some(effort),
            (_, None) => {
                conversation::push_notice(
                    state,
                    format!("/reasoning {args}: use low, medium, high or off"),
                );
                return;
            }
        }
    }
    let said = match state.reasoning {
        Some(effort) => format!(
            "reasoning {}: models that reason (o-series, gpt-5, Claude, Gemini 2.5+) think at this effort; others are asked as before",
            effort.as_str()
        ),
        None => "reasoning off: each model thinks as it does by default".to_owned(),
    };
    conversation::push_notice(state, said);
}

fn resume(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() {
        state.notice = Some(format!(
            "an answer is still streaming: {} stops it first",
            super::stop_key(state)
        ));
        return Vec::new();
    }
    let request = next_request(state);
    state.resume = ResumePicker {
        request,
        list: SessionList::Loading,
        cursor: 0,
    };
    state.overlay = Overlay::Resume;
    vec![Effect::ListSessions { request }]
}

fn compact(state: &mut AppState) -> Vec<Effect> {
    if state.is_streaming() || state.chat.compacting.is_some() {
        state.notice = Some(format!(
            "wait for the answer (or {}) before compacting",
            super::stop_key(state)
        ));
        return Vec::new();
    }
    let Some(model) = state.models.chosen.clone() else {
        state.notice = Some("pick a model first: it writes the summary".into());
        return Vec::new();
    };
    let messages = state.chat.conversation.messages();
    let Some(older) = kept_from(messages, KEEP_TURNS) else {
        conversation::push_notice(
            state,
            "nothing to compact yet: the conversation has only its latest turn".into(),
        );
        return Vec::new();
    };
    let request = next_request(state);
    state.chat.compacting = Some(request);
    conversation::push_notice(
        state,
        format!("compacting: {model} summarises the {older} older messages…"),
    );
    let deployment = match state.mode {
        Mode::Foundation => state.deployments.chosen.clone(),
        Mode::Orchestration => None,
    };
    vec![Effect::Compact {
        request,
        mode: state.mode,
        model,
        deployment,
        conversation: Box::new(state.chat.conversation.clone()),
    }]
}

/// `/compact` answered: the summary replaces the older turns, or nothing changed and why.
pub(super) fn compacted(
    state: &mut AppState,
    request: u64,
    result: Result<(Vec<crate::aicore::Message>, usize), String>,
) -> Vec<Effect> {
    if state.chat.compacting != Some(request) {
        return Vec::new();
    }
    state.chat.compacting = None;
    let before = crate::tui::context_meter::measure(state).map(|u| u.tokens);
    match result {
        Ok((messages, replaced)) => {
            let effects = conversation::replace_messages(state, messages);
            let after = crate::tui::context_meter::measure(state).map(|u| u.tokens);
            let tokens = match (before, after) {
                (Some(before), Some(after)) => format!(" (context {before} → {after} tokens)"),
                _ => String::new(),
            };
            conversation::push_notice(
                state,
                format!("compacted: a summary replaced {replaced} older messages{tokens}"),
            );
            effects
        }
        Err(err) => {
            conversation::push_notice(state, format!("not compacted: {err}"));
            Vec::new()
        }
    }
}
