//! `sapcode sessions`: this workspace's saved conversations (or every workspace's), newest
//! first; and the session a `run` writes to (new, or the last one with `--continue`).

use std::path::PathBuf;
use std::time::SystemTime;

use super::context::Context;
use super::table;
use crate::agent::Conversation;
use crate::agent::session::{Entry, Scope, SessionFile, SessionStore, SessionSummary};
use crate::aicore::{ChatTarget, Error, Message, Role, Usage};
use crate::cli::SessionsArgs;

pub fn run(ctx: &Context, args: SessionsArgs) -> anyhow::Result<()> {
    let store = store(ctx)?;
    let workspace = workspace()?;
    let scope = if args.all {
        Scope::All
    } else {
        Scope::Workspace(&workspace)
    };
    let sessions = store.list(scope)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&sessions)?);
        return Ok(());
    }
    if sessions.is_empty() {
        let place = if args.all {
            "anywhere".to_owned()
        } else {
            format!("in {}", workspace.display())
        };
        eprintln!("sapcode: no saved sessions {place}; `sapcode run` and the TUI save them");
        return Ok(());
    }
    print!("{}", render(&sessions, args.all));
    Ok(())
}

fn render(sessions: &[SessionSummary], with_workspace: bool) -> String {
    let mut header = vec!["ID", "UPDATED", "TURNS", "MODEL", "TITLE"];
    if with_workspace {
        header.push("WORKSPACE");
    }
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|session| {
            let mut row = vec![
                session.id.clone(),
                session.updated.clone(),
                session.turns.to_string(),
                plain(session.model.as_deref().unwrap_or("-")),
                plain(&session.title),
            ];
            if with_workspace {
                row.push(plain(&session.workspace.display().to_string()));
            }
            row
        })
        .collect();
    table::render(&header, &rows)
}

/// One line of table text: control characters (escape sequences, C1) and bidi overrides
/// from a model name or a question are dropped so they cannot drive the terminal.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn store(ctx: &Context) -> anyhow::Result<SessionStore> {
    match &ctx.paths.data_dir {
        Some(dir) => Ok(SessionStore::new(dir)),
        None => Err(Error::Config(
            "sessions: this system has no data directory (set HOME or XDG_DATA_HOME)".into(),
        )
        .into()),
    }
}

/// The workspace: the current directory (`--cwd` changes it first), as an absolute path.
pub fn workspace() -> anyhow::Result<PathBuf> {
    let dir = std::env::current_dir()
        .map_err(|err| Error::Config(format!("no working directory: {err}")))?;
    Ok(dir.canonicalize().unwrap_or(dir))
}

/// Where `run` saves its turn. Saving never fails the turn: the first problem is said once
/// on stderr and later writes are skipped.
pub struct RunSession {
    file: Option<SessionFile>,
}

impl RunSession {
    /// A new session, or with `continue_last` the last one of this workspace and its
    /// conversation (an error when there is none).
    pub fn open(
        ctx: &Context,
        target: &ChatTarget,
        system: Option<&str>,
        continue_last: bool,
    ) -> anyhow::Result<(RunSession, Conversation)> {
        let workspace = workspace()?;
        let store = match store(ctx) {
            Ok(store) => store,
            Err(err) if !continue_last => {
                eprintln!("sapcode: session not saved: {err}");
                return Ok((RunSession { file: None }, Conversation::new(system)));
            }
            Err(err) => return Err(err),
        };
        let model = target.model();
        let deployment = target.deployment().id.as_str();
        let mode = target.mode();
        if continue_last {
            let Some(last) = store.last_for(&workspace)? else {
                return Err(Error::Config(format!(
                    "--continue: no saved session in {}; start one with `sapcode run PROMPT`",
                    workspace.display()
                ))
                .into());
            };
            let mut conversation = last.conversation();
            if let Some(system) = system {
                conversation = Conversation::new(Some(system));
                conversation.extend(last.conversation().messages().to_vec());
            }
            let session = RunSession {
                file: Some(store.reopen(&last)),
            };
            if last.model.as_deref() != Some(model)
                || last.deployment.as_deref() != Some(deployment)
                || last.mode != mode
            {
                session.save(&Entry::Target {
                    at: crate::agent::session::stamp(SystemTime::now()),
                    mode,
                    model: Some(model.to_owned()),
                    deployment: Some(deployment.to_owned()),
                });
            }
            return Ok((session, conversation));
        }
        let file = store.create(
            &workspace,
            mode,
            Some(model),
            Some(deployment),
            system,
            SystemTime::now(),
        );
        let file = match file {
            Ok(file) => Some(file),
            Err(err) => {
                eprintln!("sapcode: session not saved: {err}");
                None
            }
        };
        Ok((RunSession { file }, Conversation::new(system)))
    }

    pub fn message(&self, message: Message) {
        self.save(&Entry::message(message, SystemTime::now()));
    }

    /// The answer of a finished turn, then its usage.
    pub fn finish(&self, answer: String, usage: Option<Usage>) {
        self.message(Message::new(Role::Assistant, answer));
        if let Some(usage) = usage {
            self.save(&Entry::usage(usage, SystemTime::now()));
        }
    }

    fn save(&self, entry: &Entry) {
        let Some(file) = &self.file else {
            return;
        };
        if let Err(err) = file.append(entry) {
            eprintln!("sapcode: session not saved: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_text_carries_no_control_characters() {
        let sessions = [SessionSummary {
            id: "20260528T202640-00ff".into(),
            workspace: PathBuf::from("/w"),
            model: Some("gpt\u{1b}[31m-4o".into()),
            updated: "2026-05-28T20:26:44Z".into(),
            title: "fix \u{202e}this\u{9b}2J".into(),
            turns: 3,
        }];
        let text = render(&sessions, true);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(
            text.contains("gpt[31m-4o") && text.contains("fix this2J"),
            "{text}"
        );
        assert!(text.starts_with("ID  "), "{text}");
        assert!(text.contains("WORKSPACE"));
    }
}
