//! A TUI conversation as saved after each finished turn: `sessions/<start time>.json` in the
//! data directory, written atomically by the effects runner. It holds what was said (files
//! attached included) and where it went; never a secret, token or credential. Nothing reads
//! these files back yet.

use std::time::SystemTime;

use serde::Serialize;

use super::state::AppState;
use crate::aicore::{Message, Mode, Usage};

#[derive(Serialize)]
struct SessionRecord<'a> {
    version: u32,
    started: String,
    saved: String,
    profile: &'a str,
    resource_group: &'a str,
    mode: Mode,
    model: Option<&'a str>,
    deployment: Option<&'a str>,
    usage: Usage,
    messages: &'a [Message],
}

/// `2026-05-28T20-26-40.000Z.json`: sortable, unique per start, no `:` (Windows).
pub fn file_name(started: SystemTime) -> String {
    format!(
        "{}.json",
        humantime::format_rfc3339_millis(started)
            .to_string()
            .replace(':', "-")
    )
}

/// The session file's name and JSON text, once the conversation has started.
pub fn snapshot(state: &AppState) -> Option<(String, String)> {
    let chat = &state.chat;
    let started = chat.session?;
    let (model, deployment) = match &chat.stats.last_target {
        Some((model, deployment)) => (
            Some(model.as_str()),
            Some(deployment.as_str()).filter(|d| !d.is_empty()),
        ),
        None => (state.models.chosen.as_deref(), None),
    };
    let record = SessionRecord {
        version: 1,
        started: humantime::format_rfc3339_millis(started).to_string(),
        saved: humantime::format_rfc3339_seconds(state.now).to_string(),
        profile: &state.profile,
        resource_group: &state.resource_group,
        mode: state.mode,
        model,
        deployment,
        usage: chat.stats.total_usage,
        messages: chat.conversation.messages(),
    };
    let json = serde_json::to_string_pretty(&record).ok()?;
    Some((file_name(started), json))
}
