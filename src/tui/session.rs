//! The TUI's side of a saved conversation: the snapshot `update` hands the agent session to
//! save when the TUI changed the conversation itself (a stopped answer, `/compact`), and a
//! saved conversation put back on screen. The session (`agent::Session`) writes the file.

use std::time::SystemTime;

use super::state::AppState;
use crate::agent::context::UsageMark;
use crate::agent::rules::ProjectRules;
use crate::agent::session::{LoadedSession, Snapshot};

/// The conversation to save, once it has started.
pub fn snapshot(state: &AppState) -> Option<Snapshot> {
    let chat = &state.chat;
    let started = chat.session?;
    let (model, deployment) = match &chat.stats.last_target {
        Some((model, deployment)) => (
            Some(model.clone()),
            Some(deployment.clone()).filter(|d| !d.is_empty()),
        ),
        None => (state.models.chosen.clone(), None),
    };
    Some(Snapshot {
        started,
        saved: state.now,
        mode: state.mode,
        model,
        deployment,
        system: None,
        usage: chat.stats.last_usage,
        cost_usd: chat.stats.last_cost,
        messages: chat.conversation.messages().to_vec(),
        tools: Default::default(),
    })
}

/// Puts a saved conversation (`sapcode --continue` / `--resume`) in the transcript and the
/// conversation, as started at `started`; the session's `resume_file` must get the same time.
pub fn open_conversation(state: &mut AppState, loaded: &LoadedSession, started: SystemTime) {
    let model = loaded.model.clone().unwrap_or_else(|| "model".into());
    let mut conversation = loaded.conversation();
    let chat = &mut state.chat;
    let rules = chat.conversation.project_rules().cloned();
    let rules_notice = rules
        .as_ref()
        .map(|rules| format!(" · {}", rules.notice()))
        .unwrap_or_default();
    conversation.set_project_rules(rules);
    // Tool lines, output and diffs as they were shown; text as it streamed.
    chat.transcript.entries = super::transcript::resumed(loaded.shown(), &model);
    // The meter starts from the usage the server last reported for these messages.
    chat.context = crate::tui::state::ContextTrack {
        mark: loaded.last_usage.map(|usage| UsageMark {
            usage,
            messages: conversation.messages().len(),
        }),
        warned: false,
    };
    chat.conversation = conversation;
    chat.session = Some(started);
    adopt_session_target(state, loaded);
    let summary = loaded.summary();
    state.notice = Some(format!(
        "continuing “{}” ({}, last {}){rules_notice}",
        summary.title,
        summary.turns_label(),
        summary.updated
    ));
}

/// With nothing chosen yet (`--demo`, a fresh config), the conversation goes on with the model
/// and deployment it was saved with, and opens in the message input instead of the picker
/// (which at 80 columns would hide the restored conversation). A remembered choice stays.
fn adopt_session_target(state: &mut AppState, loaded: &LoadedSession) {
    if state.models.chosen.is_some() || loaded.mode != state.mode {
        return;
    }
    let Some(model) = &loaded.model else {
        return;
    };
    state.models.chosen = Some(model.clone());
    state.deployments.chosen.clone_from(&loaded.deployment);
    if loaded.deployment.is_some() || state.mode == crate::aicore::Mode::Orchestration {
        state.focus = crate::tui::state::Pane::Chat;
    }
}

/// `AGENTS.md` of `workspace` into the conversation, said once in a notice (a file that
/// cannot be read is said too, and left out).
pub fn use_project_rules(
    state: &mut AppState,
    workspace: &std::path::Path,
    deny: &crate::agent::protected::ReadDenyList,
) {
    match ProjectRules::load(workspace, deny) {
        Ok(Some(rules)) => {
            state.notice = Some(rules.notice());
            state.chat.conversation.set_project_rules(Some(rules));
        }
        Ok(None) => {}
        Err(err) => state.notice = Some(format!("project rules not used: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::agent::session::{SessionLog, SessionStore};
    use crate::aicore::Message;
    use crate::tui::state::Speaker;

    fn record(started: u64, texts: &[&str]) -> Snapshot {
        crate::agent::session::test_snapshot(started, "gpt-4o", texts)
    }

    #[test]
    fn a_continued_conversation_fills_the_transcript_and_saves_to_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let workspace = PathBuf::from("/w");
        let mut writer = SessionLog::new(Some(store.clone()), workspace.clone());
        let mut first = record(0, &["hi", "hello"]);
        first.messages.insert(
            1,
            Message::assistant_tool_calls(
                "",
                vec![crate::aicore::ToolCall {
                    id: "c".into(),
                    name: "list_files".into(),
                    arguments: "{}".into(),
                    thought_signature: None,
                }],
            ),
        );
        first.messages.insert(2, Message::tool_result("c", "a.rs"));
        writer.save(&first).unwrap();
        let loaded = store.last_for(&workspace).unwrap().unwrap();

        let mut state = crate::tui::test_support::picked(160, 48);
        let started = state.now;
        open_conversation(&mut state, &loaded, started);
        let shown: Vec<(&Speaker, &str)> = state
            .chat
            .transcript
            .entries
            .iter()
            .map(|e| (&e.speaker, e.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                (&Speaker::You, "hi"),
                (&Speaker::Model("gpt-4o".into()), "hello")
            ]
        );
        // A file from before tool views were kept: the call shows from its result alone.
        let answer = &state.chat.transcript.entries[1];
        let lines: Vec<String> = answer
            .tools
            .iter()
            .map(crate::tui::state::ToolLine::headline)
            .collect();
        assert_eq!(lines, ["⚙ list_files (4 B)"]);
        assert_eq!(state.chat.conversation.messages().len(), 4);
        assert!(
            state
                .notice
                .as_deref()
                .unwrap()
                .contains("“hi” (1 turn, last")
        );

        let mut again = SessionLog::new(Some(store.clone()), workspace.clone());
        again.resume(&loaded, state.now);
        state.chat.conversation.push_user("more", &[]);
        state.chat.conversation.push_assistant("sure");
        let record = snapshot(&state).unwrap();
        again.save(&record).unwrap();
        let sessions = store.list(crate::agent::session::Scope::All).unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].turns, 2);
        let text = std::fs::read_to_string(store.reopen(&loaded).path()).unwrap();
        assert_eq!(text.matches("\"hello\"").count(), 1, "{text}");
    }

    /// `--demo --continue` remembers no model: the saved one is used, and the conversation
    /// opens in the input instead of behind the model picker; a remembered choice is kept.
    #[test]
    fn a_continued_conversation_without_a_choice_takes_the_saved_model_and_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let workspace = PathBuf::from("/w");
        let mut writer = SessionLog::new(Some(store.clone()), workspace.clone());
        writer.save(&record(0, &["hi", "hello"])).unwrap();
        let loaded = store.last_for(&workspace).unwrap().unwrap();

        let mut state = crate::tui::test_support::loaded(80, 24);
        assert_eq!(state.focus, crate::tui::state::Pane::Models);
        let started = state.now;
        open_conversation(&mut state, &loaded, started);
        assert_eq!(state.models.chosen, loaded.model);
        assert_eq!(state.deployments.chosen, loaded.deployment);
        assert_eq!(state.focus, crate::tui::state::Pane::Chat);

        let mut state = crate::tui::test_support::picked(80, 24);
        state.models.chosen = Some("o3-mini".into());
        open_conversation(&mut state, &loaded, started);
        assert_eq!(state.models.chosen.as_deref(), Some("o3-mini"));
    }

    #[test]
    fn project_rules_are_used_and_said_once_and_survive_a_continued_conversation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("AGENTS.md"), "Answer in French.").unwrap();
        let mut state = crate::tui::test_support::picked(160, 48);
        use_project_rules(&mut state, dir.path(), &Default::default());
        assert_eq!(
            state.notice.as_deref(),
            Some("using project rules from AGENTS.md")
        );
        let request = state.chat.conversation.request(None);
        assert!(request.messages[0].content.contains("Answer in French."));
        // A new conversation (Ctrl-N) keeps the workspace's rules.
        crate::tui::test_support::ctrl(&mut state, 'n');
        let request = state.chat.conversation.request(None);
        assert!(request.messages[0].content.contains("Answer in French."));

        let store = SessionStore::new(dir.path());
        let mut writer = SessionLog::new(Some(store.clone()), dir.path().to_owned());
        writer.save(&record(0, &["hi", "hello"])).unwrap();
        let loaded = store.last_for(dir.path()).unwrap().unwrap();
        let started = state.now;
        open_conversation(&mut state, &loaded, started);
        let request = state.chat.conversation.request(None);
        assert!(request.messages[0].content.contains("Answer in French."));
        assert!(
            state
                .notice
                .as_deref()
                .unwrap()
                .ends_with("· using project rules from AGENTS.md")
        );
    }
}
