//! The one writer of session files, for `sapcode run` and the TUI alike: given the
//! conversation as it stands (a `Snapshot`), it appends only what the file does not hold yet;
//! history rewritten in between (a compaction, a retried turn) is recorded whole. A new
//! conversation (`started` changed) gets a new file.

use std::path::PathBuf;
use std::time::SystemTime;

use super::entry::PlacedView;
use super::tool_view::ToolViews;
use super::{Entry, LoadedSession, SessionError, SessionFile, SessionStore, stamp};
use crate::aicore::{Message, Mode, Role, Usage};

/// The conversation as it stands after a turn (or a compaction, or a stopped answer).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// When the conversation's first question was sent: one session file per start.
    pub started: SystemTime,
    pub saved: SystemTime,
    pub mode: Mode,
    pub model: Option<String>,
    pub deployment: Option<String>,
    /// The system prompt when it is not the default (`run --system`), for a new file.
    pub system: Option<String>,
    pub usage: Option<Usage>,
    /// The turn's `usage` at list price, when the catalog had one.
    pub cost_usd: Option<f64>,
    pub messages: Vec<Message>,
    /// How the tool calls of the turn just ended looked, kept beside their results.
    pub tools: ToolViews,
}

/// Appends snapshots to their session files, remembering what each file already holds.
#[derive(Debug)]
pub struct SessionLog {
    /// `None`: this system has no data directory, nothing is saved.
    store: Option<SessionStore>,
    workspace: PathBuf,
    open: Option<Open>,
    /// New session files are marked as a one-shot `run`'s.
    one_shot: bool,
}

#[derive(Debug)]
struct Open {
    started: SystemTime,
    file: SessionFile,
    saved: Vec<Message>,
    target: (Mode, Option<String>, Option<String>),
}

impl SessionLog {
    pub fn new(store: Option<SessionStore>, workspace: PathBuf) -> SessionLog {
        SessionLog {
            store,
            workspace,
            open: None,
            one_shot: false,
        }
    }

    /// For `sapcode run`: the sessions it starts are marked one-shot.
    pub fn one_shot(mut self) -> SessionLog {
        self.one_shot = true;
        self
    }

    /// Goes on writing to a loaded session, for the conversation started at `started`.
    pub fn resume(&mut self, loaded: &LoadedSession, started: SystemTime) {
        let Some(store) = &self.store else {
            return;
        };
        self.open = Some(Open {
            started,
            file: store.reopen(loaded),
            saved: loaded.conversation().messages().to_vec(),
            target: (loaded.mode, loaded.model.clone(), loaded.deployment.clone()),
        });
    }

    /// The id (`sapcode sessions`, `--resume ID`) of the file being written, once there is one.
    pub fn file_id(&self) -> Option<&str> {
        self.open.as_ref().map(|open| open.file.id())
    }

    pub fn save(&mut self, snapshot: &Snapshot) -> Result<(), SessionError> {
        let Some(store) = &self.store else {
            return Err(SessionError::NoDataDir);
        };
        let target = (
            snapshot.mode,
            snapshot.model.clone(),
            snapshot.deployment.clone(),
        );
        let open = match self.open.take() {
            Some(open) if open.started == snapshot.started => open,
            Some(_) | None => Open {
                started: snapshot.started,
                file: store.create(
                    &self.workspace,
                    snapshot.mode,
                    snapshot.model.as_deref(),
                    snapshot.deployment.as_deref(),
                    snapshot.system.as_deref(),
                    snapshot.started,
                    self.one_shot,
                )?,
                saved: Vec::new(),
                target: target.clone(),
            },
        };
        let open = self.open.insert(open);
        let at = stamp(snapshot.saved);
        if open.target != target {
            open.file.append(&Entry::Target {
                at: at.clone(),
                mode: snapshot.mode,
                model: snapshot.model.clone(),
                deployment: snapshot.deployment.clone(),
            })?;
            open.target = target;
        }
        if snapshot.messages.starts_with(&open.saved) {
            for message in &snapshot.messages[open.saved.len()..] {
                let tool = match (&message.role, &message.tool_call_id) {
                    (Role::Tool, Some(id)) => snapshot.tools.get(id).cloned().map(Box::new),
                    _ => None,
                };
                open.file.append(&Entry::Message {
                    at: at.clone(),
                    message: message.clone(),
                    tool,
                })?;
            }
        } else {
            // A retried or compacted turn rewrote history: say so with the whole list.
            open.file.append(&Entry::Compacted {
                at: at.clone(),
                messages: snapshot.messages.clone(),
                tools: last_turn_views(snapshot),
            })?;
        }
        open.saved.clone_from(&snapshot.messages);
        if let Some(usage) = snapshot.usage {
            let cost_usd = snapshot.cost_usd;
            open.file.append(&Entry::Usage {
                at,
                usage,
                cost_usd,
            })?;
        }
        Ok(())
    }
}

/// The views of the last turn's tool results (after its question), by position. Call ids
/// can repeat across turns (`call_1_0` when a provider sends none): positions cannot.
fn last_turn_views(snapshot: &Snapshot) -> Vec<PlacedView> {
    snapshot
        .messages
        .iter()
        .enumerate()
        .rev()
        .take_while(|(_, message)| message.role != Role::User)
        .filter_map(|(index, message)| {
            let view = snapshot.tools.get(message.tool_call_id.as_deref()?)?;
            Some(PlacedView {
                message: index,
                view: view.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use super::*;
    use crate::agent::session::Scope;

    /// A conversation of `texts` (user and assistant in turn) with `model`, started
    /// `started` seconds after a fixed time.
    pub(crate) fn snapshot(started: u64, model: &str, texts: &[&str]) -> Snapshot {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        Snapshot {
            started: at + Duration::from_secs(started),
            saved: at + Duration::from_secs(started + texts.len() as u64),
            mode: Mode::Foundation,
            model: Some(model.into()),
            deployment: Some("d1".into()),
            system: None,
            usage: None,
            tools: ToolViews::default(),
            cost_usd: None,
            messages: texts
                .iter()
                .enumerate()
                .map(|(n, text)| {
                    let role = if n % 2 == 0 {
                        Role::User
                    } else {
                        Role::Assistant
                    };
                    Message::new(role, *text)
                })
                .collect(),
        }
    }

    #[test]
    fn appends_what_is_new_and_starts_a_file_per_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let workspace = PathBuf::from("/w");
        let mut log = SessionLog::new(Some(store.clone()), workspace.clone());
        log.save(&snapshot(0, "gpt-4o", &["hi", "hello"])).unwrap();
        log.save(&snapshot(0, "gpt-4o", &["hi", "hello", "more", "sure"]))
            .unwrap();
        // A retried turn replaces the last answer: the file records the new history.
        log.save(&snapshot(0, "gpt-4o", &["hi", "hello", "more", "again"]))
            .unwrap();
        // Another model goes on with the same conversation: said once, in its file.
        log.save(&snapshot(
            0,
            "o3-mini",
            &["hi", "hello", "more", "again", "x", "y"],
        ))
        .unwrap();
        log.save(&snapshot(100, "gpt-4o", &["new"])).unwrap();

        let sessions = store.list(Scope::Workspace(&workspace)).unwrap();
        assert_eq!(sessions.len(), 2);
        let first = store.load(&sessions[1].id).unwrap();
        let contents: Vec<&str> = first.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(contents, ["hi", "hello", "more", "again", "x", "y"]);
        assert_eq!(first.model.as_deref(), Some("o3-mini"));
        let text = std::fs::read_to_string(store.reopen(&first).path()).unwrap();
        assert_eq!(text.matches("\"hello\"").count(), 2, "{text}");
        assert_eq!(text.matches("\"type\":\"target\"").count(), 1, "{text}");
        assert_eq!(sessions[0].title, "new");
    }

    /// A tool call's view is written beside its result; a retried turn (history rewritten)
    /// names its own views by position, and the calls kept from before keep theirs.
    #[test]
    fn tool_views_are_kept_beside_their_results_through_a_rewrite() {
        use crate::agent::SessionEvent;
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let workspace = PathBuf::from("/w");
        let mut log = SessionLog::new(Some(store.clone()), workspace.clone());
        let turn = |summary: &str| {
            let mut views = ToolViews::default();
            for event in [
                SessionEvent::ToolCall {
                    index: 0,
                    id: Some("call_1_0".into()),
                    name: Some("read_file".into()),
                    arguments: "{}".into(),
                },
                SessionEvent::ToolResult {
                    id: "call_1_0".into(),
                    name: "read_file".into(),
                    ok: true,
                    summary: summary.into(),
                    bytes: 3,
                    edit: None,
                },
            ] {
                views.observe(&event);
            }
            let call = crate::aicore::ToolCall {
                id: "call_1_0".into(),
                name: "read_file".into(),
                arguments: "{}".into(),
                thought_signature: None,
            };
            let messages = vec![
                Message::assistant_tool_calls("", vec![call]),
                Message::tool_result("call_1_0", format!("{summary}\n{}", "line\n".repeat(600))),
                Message::new(Role::Assistant, "ok"),
            ];
            (views, messages)
        };
        let mut first = snapshot(0, "gpt-4o", &["one"]);
        let (views, messages) = turn("a.rs");
        first.messages.extend(messages);
        first.tools = views;
        log.save(&first).unwrap();
        // The next question is retried: the file records the new history whole.
        let mut second = first.clone();
        second.messages.push(Message::new(Role::User, "two"));
        let (views, messages) = turn("b.rs");
        second.messages.extend(messages);
        second.tools = views;
        log.save(&second).unwrap();
        let mut retried = first.clone();
        retried.messages.push(Message::new(Role::User, "two again"));
        let (views, messages) = turn("c.rs");
        retried.messages.extend(messages);
        retried.tools = views;
        log.save(&retried).unwrap();

        let loaded = store.last_for(&workspace).unwrap().unwrap();
        let summaries: Vec<(usize, &str)> = loaded
            .tool_views
            .iter()
            .enumerate()
            .filter_map(|(index, view)| Some((index, view.as_ref()?.summary.as_str())))
            .collect();
        assert_eq!(summaries, [(2, "a.rs"), (6, "c.rs")]);
        assert_eq!(loaded.tool_views.len(), loaded.messages.len());

        // Fitting the context shortens an old result to its head and tail: its view stays.
        let mut conversation = crate::agent::Conversation::new(None);
        conversation.extend(retried.messages.clone());
        assert!(crate::agent::context::shorten_old_tool_outputs(&mut conversation, 1) > 0);
        let fitted = Snapshot {
            messages: conversation.messages().to_vec(),
            tools: ToolViews::default(),
            ..retried.clone()
        };
        log.save(&fitted).unwrap();
        let loaded = store.last_for(&workspace).unwrap().unwrap();
        assert_ne!(loaded.messages[2].content, retried.messages[2].content);
        let view = loaded.tool_views[2]
            .as_ref()
            .map(|view| view.summary.as_str());
        assert_eq!(view, Some("a.rs"));
    }

    #[test]
    fn without_a_data_dir_a_save_says_so() {
        let mut log = SessionLog::new(None, PathBuf::from("/w"));
        let err = log.save(&snapshot(0, "gpt-4o", &["hi"])).unwrap_err();
        assert!(matches!(err, SessionError::NoDataDir), "{err}");
    }
}
