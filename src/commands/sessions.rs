//! `sapcode sessions`: this workspace's saved conversations (or every workspace's), newest
//! first; and which saved conversation `--continue` / `--resume` open.

use std::path::PathBuf;

use super::table;
use crate::agent::session::{LoadedSession, Scope, SessionError, SessionStore, SessionSummary};
use crate::cli::SessionsArgs;
use crate::connect::Context;
use crate::report::UsageError;

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

/// The conversation `sapcode --continue` or `--resume [ID]` opens the TUI on (`None`: a new
/// one). `--resume` without an id asks on the terminal which one, before the TUI starts.
pub fn opening(
    ctx: &Context,
    continue_last: bool,
    resume: Option<&str>,
) -> anyhow::Result<Option<LoadedSession>> {
    if !continue_last && resume.is_none() {
        return Ok(None);
    }
    let store = store(ctx)?;
    if let Some(id) = resume.map(str::trim).filter(|id| !id.is_empty()) {
        return by_id(&store, id).map(Some);
    }
    if continue_last {
        return last_here(&store, "sapcode` or `sapcode run PROMPT").map(Some);
    }
    let workspace = workspace()?;
    let sessions = store.list(Scope::Workspace(&workspace))?;
    if sessions.is_empty() {
        return Err(none_here(&workspace, "sapcode` or `sapcode run PROMPT").into());
    }
    let shown = &sessions[..sessions.len().min(RESUME_CHOICES)];
    let choice = ask_choice(shown)?;
    Ok(Some(store.load(&shown[choice].id)?))
}

/// The session `sapcode sessions` printed as `id` (in any workspace: `--all` lists them).
pub fn by_id(store: &SessionStore, id: &str) -> anyhow::Result<LoadedSession> {
    store.load(id).map_err(|err| match err {
        SessionError::NotFound(_) => UsageError::new(
            format!("no saved session with id '{}'", plain(id)),
            "`sapcode sessions` lists this workspace's ids, `sapcode sessions --all` every workspace's",
        )
        .into(),
        other => anyhow::Error::from(other),
    })
}

/// Sessions offered by `--resume`, newest first.
const RESUME_CHOICES: usize = 20;

/// The `--resume` list: number, time, model, turns, title, in aligned columns.
fn choice_rows(sessions: &[SessionSummary]) -> Vec<String> {
    let models: Vec<String> = sessions
        .iter()
        .map(|s| plain(s.model.as_deref().unwrap_or("-")))
        .collect();
    let width = models.iter().map(|m| m.chars().count()).max().unwrap_or(0);
    sessions
        .iter()
        .zip(models)
        .enumerate()
        .map(|(n, (session, model))| {
            format!(
                "{:>3}  {}  {model:<width$}  {:<9}  {}",
                n + 1,
                session.updated,
                session.turns_label(),
                plain(&session.title)
            )
        })
        .collect()
}

fn ask_choice(sessions: &[SessionSummary]) -> anyhow::Result<usize> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(UsageError::new(
            "--resume asks which session to open and needs a terminal",
            "use --continue for the last one",
        )
        .into());
    }
    let mut err = std::io::stderr().lock();
    for row in choice_rows(sessions) {
        writeln!(err, "{row}")?;
    }
    write!(
        err,
        "Open which session? [1-{}, Enter = 1] ",
        sessions.len()
    )?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    parse_choice(&line, sessions.len()).ok_or_else(|| {
        UsageError::new(
            format!(
                "--resume: {:?} is not a number from 1 to {}",
                line.trim(),
                sessions.len()
            ),
            "run `sapcode --resume` again and type a number from the list",
        )
        .into()
    })
}

/// `""` is the newest; otherwise a number from 1 to `count`.
fn parse_choice(line: &str, count: usize) -> Option<usize> {
    let line = line.trim();
    if line.is_empty() {
        return Some(0);
    }
    let n: usize = line.parse().ok()?;
    (1..=count).contains(&n).then(|| n - 1)
}

fn render(sessions: &[SessionSummary], with_workspace: bool) -> String {
    let mut header = vec!["ID", "UPDATED", "TURNS", "COST", "MODEL", "TITLE"];
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
                session
                    .cost_usd
                    .map_or("-".to_owned(), crate::aicore::pricing::list_label),
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

/// The last session of this workspace (`--continue`); none is a usage error that says how
/// to start one (`start`: the command, inside backquotes).
pub fn last_here(store: &SessionStore, start: &str) -> anyhow::Result<LoadedSession> {
    let workspace = workspace()?;
    match store.last_for(&workspace)? {
        Some(last) => Ok(last),
        None => Err(none_here(&workspace, start).into()),
    }
}

fn none_here(workspace: &std::path::Path, start: &str) -> UsageError {
    UsageError::new(
        format!("no saved session in {}", workspace.display()),
        format!("start one with `{start}`; `sapcode sessions --all` lists every workspace's"),
    )
}

pub fn store(ctx: &Context) -> anyhow::Result<SessionStore> {
    match &ctx.paths.data_dir {
        Some(dir) => Ok(SessionStore::new(dir)),
        None => Err(UsageError::new(
            "sessions: this system has no data directory",
            "set HOME or XDG_DATA_HOME",
        )
        .into()),
    }
}

/// The workspace: the current directory (`--cwd` changes it first), as an absolute path.
pub fn workspace() -> anyhow::Result<PathBuf> {
    let dir = std::env::current_dir().map_err(|err| {
        UsageError::new(
            format!("no working directory: {err}"),
            "run sapcode from a directory that exists, or pass --cwd DIR",
        )
    })?;
    Ok(dir.canonicalize().unwrap_or(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_list_lines_up_its_columns_and_counts_turns_in_words() {
        let session = |model: &str, turns, title: &str| SessionSummary {
            id: "x".into(),
            workspace: "/w".into(),
            model: Some(model.into()),
            updated: "2026-12-01T05:23:27Z".into(),
            title: title.into(),
            turns,
            one_shot: false,
            cost_usd: None,
        };
        let rows = choice_rows(&[
            session("gpt-4.1", 1, "hello"),
            session("mistralai--mistral-large-instruct", 12, "fix it"),
        ]);
        assert_eq!(
            rows,
            [
                "  1  2026-12-01T05:23:27Z  gpt-4.1                            1 turn     hello",
                "  2  2026-12-01T05:23:27Z  mistralai--mistral-large-instruct  12 turns   fix it",
            ]
        );
    }

    #[test]
    fn resume_choices_are_numbers_in_range_or_enter() {
        assert_eq!(parse_choice("\n", 3), Some(0));
        assert_eq!(parse_choice(" 3 \n", 3), Some(2));
        assert_eq!(parse_choice("4", 3), None);
        assert_eq!(parse_choice("0", 3), None);
        assert_eq!(parse_choice("x", 3), None);
    }

    #[test]
    fn table_text_carries_no_control_characters() {
        let sessions = [SessionSummary {
            id: "20260528T202640-00ff".into(),
            workspace: PathBuf::from("/w"),
            model: Some("gpt\u{1b}[31m-4o".into()),
            updated: "2026-05-28T20:26:44Z".into(),
            title: "fix \u{202e}this\u{9b}2J".into(),
            turns: 3,
            one_shot: false,
            cost_usd: None,
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
