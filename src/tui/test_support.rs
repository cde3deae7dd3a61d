//! Fixed data and helpers for the TUI's unit and snapshot tests: the simulator's catalog and
//! deployments as plain values, an injected clock, and a driver that applies events.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::event::{ConnectionInfo, Effect, Event, Listing, SettingsForm};
use super::state::{AppState, Startup};
use super::theme::Theme;
use super::update::update;
use super::view;
use crate::aicore::{Deployment, Mode, ModelEntry};

/// 2026-05-28 20:26:40 UTC; every age in the snapshots is measured from here.
pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000)
}

fn model(
    name: &str,
    provider: &str,
    context: u64,
    running: usize,
    total: usize,
    passes: bool,
) -> ModelEntry {
    ModelEntry {
        name: name.into(),
        provider: Some(provider.into()),
        version: Some("latest".into()),
        context_length: Some(context),
        executable_id: "azure-openai".into(),
        orchestration: true,
        streaming: passes,
        text_generation: true,
        passes_filter: passes,
        running_deployments: running,
        total_deployments: total,
        lifecycle: Default::default(),
        price: None,
        input_types: Vec::new(),
    }
}

pub fn models() -> Vec<ModelEntry> {
    vec![
        model("gpt-4o", "OpenAI", 128_000, 2, 3, true),
        model("gpt-4.1", "OpenAI", 1_047_576, 1, 1, true),
        model("gpt-4.1-mini", "OpenAI", 1_047_576, 0, 1, true),
        model("o3-mini", "OpenAI", 200_000, 1, 1, true),
        model(
            "anthropic--claude-4.5-sonnet",
            "Anthropic",
            200_000,
            0,
            0,
            true,
        ),
        model("gemini-2.5-pro", "Google", 1_048_576, 0, 0, true),
        model(
            "mistralai--mistral-large-instruct",
            "Mistral AI",
            128_000,
            1,
            2,
            true,
        ),
        model("text-embedding-3-small", "OpenAI", 8_191, 0, 0, false),
        model("gpt-35-turbo-16k", "OpenAI", 16_384, 0, 0, false),
        model("sonar", "Perplexity", 127_000, 0, 0, false),
    ]
}

fn deployment(id: &str, model: &str, status: &str, target: &str, created: &str) -> Deployment {
    Deployment {
        id: id.into(),
        scenario_id: "foundation-models".into(),
        executable_id: Some("azure-openai".into()),
        configuration_name: Some(format!("{model}-config")),
        model_name: Some(model.into()),
        model_version: Some("2024-08-06".into()),
        status: status.into(),
        target_status: Some(target.into()),
        url: None,
        created_at: Some(created.into()),
        modified_at: None,
        start_time: None,
    }
}

pub fn deployments() -> Vec<Deployment> {
    let mut orchestration = deployment(
        "d5e6f7a8b9c0d1e2",
        "orchestration",
        "RUNNING",
        "RUNNING",
        "2026-04-01T08:00:00Z",
    );
    orchestration.scenario_id = "orchestration".into();
    orchestration.model_name = None;
    orchestration.model_version = None;
    vec![
        deployment(
            "d7f3a9c2b1e04d11",
            "gpt-4o",
            "RUNNING",
            "RUNNING",
            "2026-05-23T20:00:00Z",
        ),
        {
            // Two RUNNING deployments of one model, told apart by their versions.
            let mut latest = deployment(
                "de91b0a11c2d3e4f",
                "gpt-4o",
                "RUNNING",
                "RUNNING",
                "2026-05-28T18:20:00Z",
            );
            latest.model_version = Some("latest".into());
            latest
        },
        deployment(
            "d0c4f1d2e3a4b5c6",
            "gpt-4o",
            "PENDING",
            "RUNNING",
            "2026-05-28T20:25:00Z",
        ),
        deployment(
            "d1a2b3c4d5e6f708",
            "gpt-4.1",
            "RUNNING",
            "RUNNING",
            "2026-05-01T09:00:00Z",
        ),
        deployment(
            "d2b3c4d5e6f70819",
            "gpt-4.1-mini",
            "STOPPED",
            "STOPPED",
            "2026-03-01T09:00:00Z",
        ),
        deployment(
            "d3c4d5e6f708192a",
            "o3-mini",
            "RUNNING",
            "RUNNING",
            "2026-05-10T09:00:00Z",
        ),
        deployment(
            "d4d5e6f708192a3b",
            "mistralai--mistral-large-instruct",
            "RUNNING",
            "RUNNING",
            "2026-05-11T09:00:00Z",
        ),
        deployment(
            "d5d6e7f8091a2b3c",
            "mistralai--mistral-large-instruct",
            "DEAD",
            "RUNNING",
            "2026-05-12T09:00:00Z",
        ),
        orchestration,
    ]
}

pub fn startup(width: u16, height: u16) -> Startup {
    Startup {
        profile: "default".into(),
        mode: Mode::Foundation,
        resource_group: "default".into(),
        model: None,
        deployment: None,
        form: SettingsForm {
            profile: "default".into(),
            resource_group: "default".into(),
            ..SettingsForm::default()
        },
        has_secret: false,
        theme: Theme::default(),
        now: t0(),
        size: (width, height),
        key_overrides: Default::default(),
        sandbox: crate::agent::sandbox::Protection::FULL,
        network: false,
        reasoning: None,
        is_demo: false,
        env_credentials: None,
        approval_mode: crate::agent::ApprovalMode::Ask,
    }
}

/// Applies `event` and returns the effects, like the loop does.
pub fn apply(state: &mut AppState, event: Event) -> Vec<Effect> {
    update(state, event)
}

/// Lets the review shown take keys: the app's clock moves past its `KEY_GRACE`.
pub fn settle(state: &mut AppState) {
    let now = state.now + crate::tui::state::KEY_GRACE;
    update(state, Event::Tick { now });
}

pub fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(state, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(state: &mut AppState, c: char) -> Vec<Effect> {
    update(
        state,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

pub fn alt(state: &mut AppState, c: char) -> Vec<Effect> {
    update(
        state,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)),
    )
}

pub fn typed(state: &mut AppState, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

/// Connected, with the catalog (fetched 3 minutes ago) and deployments loaded, the model
/// picker focused.
pub fn loaded(width: u16, height: u16) -> AppState {
    let mut state = AppState::new(startup(width, height));
    let effects = apply(
        &mut state,
        Event::Connected(ConnectionInfo {
            source: "built-in simulator".into(),
            resource_group: "default".into(),
        }),
    );
    for effect in effects {
        match effect {
            Effect::LoadModels { request, .. } => {
                apply(
                    &mut state,
                    Event::ModelsLoaded {
                        request,
                        result: Ok(Listing {
                            data: models(),
                            fetched_at: t0() - Duration::from_secs(180),
                            from_cache: false,
                        }),
                    },
                );
            }
            Effect::LoadDeployments { request, .. } => {
                apply(
                    &mut state,
                    Event::DeploymentsLoaded {
                        request,
                        result: Ok(Listing {
                            data: deployments(),
                            fetched_at: t0() - Duration::from_secs(180),
                            from_cache: false,
                        }),
                    },
                );
            }
            other => panic!("unexpected effect {other:?}"),
        }
    }
    // The app starts in the message box; these tests begin in the model picker (Ctrl-O).
    ctrl(&mut state, 'o');
    state
}

/// Loaded, gpt-4o and its first deployment picked, focus on the chat.
pub fn picked(width: u16, height: u16) -> AppState {
    let mut state = loaded(width, height);
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Enter);
    state
}

pub fn render(state: &AppState) -> String {
    let (width, height) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| view::draw(frame, state))
        .expect("draw");
    terminal.backend().to_string()
}

/// The approval an edit of `src/lib.rs` asks for: one line changed, two added.
pub fn edit_approval() -> crate::agent::ApprovalRequest {
    let proposal = proposal();
    crate::agent::ApprovalRequest::Edit {
        path: proposal.path.clone(),
        hunks: proposal.hunks(),
        is_new_file: proposal.is_new_file,
    }
}

/// A proposed edit of `src/lib.rs`: one line changed, two added (not on disk; the path is
/// never touched by `update`).
pub fn proposal() -> crate::agent::edit::Proposal {
    let original = "//! Keys.\n\nuse std::fmt;\n\npub fn parse_key(spec: &str) -> Result<Key, String> {\n    let secret = spec.trim();\n    decode(secret)\n}\n\nfn decode(text: &str) -> Result<Key, String> {\n    Key::from_base64(text)\n}\n";
    let new = original.replace(
        "    let secret = spec.trim();\n",
        "    // Padding `=` is part of URL-safe base64; keep it.\n    let secret = spec.trim();\n    let secret = secret.trim_end_matches(char::is_whitespace);\n",
    ).replace("    let secret = spec.trim();\n    let secret = secret", "    let secret = spec.trim_start();\n    let secret = secret");
    crate::agent::edit::Proposal {
        path: "src/lib.rs".into(),
        absolute: std::path::PathBuf::from("/nonexistent/project/src/lib.rs"),
        original_hash: crate::agent::edit::content_hash(original.as_bytes()),
        original: original.into(),
        new,
        is_new_file: false,
    }
}

/// A tool call as the session reports it, from how the chat shows it: `read_file a.rs`
/// (a path) or ``run_command `ls` `` (a command).
pub fn tool_started(id: &str, name: &str, call: &str) -> super::event::ChatUpdate {
    let rest = call.strip_prefix(name).unwrap_or(call).trim();
    let arguments = match rest.strip_prefix('`').and_then(|r| r.strip_suffix('`')) {
        Some(command) => serde_json::json!({ "command": command }),
        None if rest.is_empty() => serde_json::json!({}),
        None => serde_json::json!({ "path": rest }),
    };
    crate::agent::SessionEvent::ToolCall {
        index: 0,
        id: Some(id.into()),
        name: Some(name.into()),
        arguments: arguments.to_string(),
    }
    .into()
}

/// Call `id` ended (no edit applied).
pub fn tool_finished(id: &str, summary: &str, bytes: usize, ok: bool) -> super::event::ChatUpdate {
    crate::agent::SessionEvent::ToolResult {
        id: id.into(),
        name: String::new(),
        ok,
        summary: summary.into(),
        bytes,
        edit: None,
    }
    .into()
}

/// The usage of a turn of one request.
pub fn usage_update(usage: crate::aicore::Usage) -> super::event::ChatUpdate {
    crate::agent::SessionEvent::Usage {
        turn: usage,
        last_request: usage,
        cost_usd: None,
    }
    .into()
}

/// An edit of `path` applied: `added` and `removed` lines.
pub fn edit_finished(
    id: &str,
    path: &str,
    added: usize,
    removed: usize,
) -> super::event::ChatUpdate {
    crate::agent::SessionEvent::ToolResult {
        id: id.into(),
        name: "edit_file".into(),
        ok: true,
        summary: format!("edited {path}"),
        bytes: 40,
        edit: Some(crate::agent::EditStats {
            path: path.into(),
            created: false,
            added,
            removed,
            diff: None,
        }),
    }
    .into()
}
