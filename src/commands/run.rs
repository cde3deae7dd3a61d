//! `sapcode run`: one question to an `agent::Session`; its events go to a text or JSON sink
//! (`run/sink.rs`), the answer streaming to stdout as it arrives.

mod agent;
mod ask;
mod sink;

use std::io::{IsTerminal, Read};
use std::time::{Duration, Instant};

use crate::agent::rules::ProjectRules;
use crate::agent::session::SessionLog;
use crate::agent::{Attachment, Session, ToolLevel};
use crate::aicore::Usage;
use crate::cli::RunArgs;
use crate::connect::Context;
use crate::report::UsageError;
use sink::Printer;

pub async fn run(ctx: &Context, args: RunArgs) -> anyhow::Result<()> {
    let words = args.prompt.join(" ");
    let prompt = read_prompt((!args.prompt.is_empty()).then_some(words.as_str()))?;
    let attachments = args
        .files
        .iter()
        .map(|path| Attachment::read(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| {
            UsageError::new(
                format!("--file: {err}"),
                "check the path (relative to the current directory), or leave that --file out",
            )
        })?;

    let started = Instant::now();
    let connection = ctx.connect().await?;
    let client = &connection.client;
    let target = client
        .resolve_target(
            ctx.mode(),
            ctx.model().as_deref(),
            ctx.deployment().as_deref(),
        )
        .await?;
    if ctx.overrides.verbose {
        // Model and deployment names come from the server.
        let line = format!(
            "sapcode: {} via {} deployment {} ({}, resource group {})",
            target.model(),
            target.mode().as_str(),
            target.deployment().id,
            connection.source,
            client.resource_group(),
        );
        eprintln!("{}", crate::terminal_text::escape_line(&line));
    }

    let mut session = open_session(ctx, &args)?;
    session.push_question(&prompt, &attachments);
    let printer = Printer::new(args.json, session.answers(), started);
    agent::ask(ctx, &mut session, (client, &target), printer, started).await
}

/// The session this run asks: new, or the last one of this workspace with `--continue`;
/// with the workspace's rules, the tools at their level and the answer's token cap.
fn open_session(ctx: &Context, args: &RunArgs) -> anyhow::Result<Session> {
    let (store, last) = match (super::sessions::store(ctx), args.continue_last) {
        (Ok(store), true) => {
            let last = super::sessions::last_here(&store, "sapcode run PROMPT")?;
            (Some(store), Some(last))
        }
        (Err(err), true) => return Err(err),
        // Without a data dir the answer still comes; the session says it was not saved.
        (store, false) => (store.ok(), None),
    };
    let log = SessionLog::new(store, super::sessions::workspace()?);
    let mut session = Session::new(args.system.as_deref(), log);
    session.set_project_rules(project_rules(ctx));
    if let Some(last) = &last {
        session.continue_from(last);
    }
    let level = agent::level(ctx, args)?;
    let tools = match level {
        ToolLevel::Off => None,
        ToolLevel::Read | ToolLevel::Edit | ToolLevel::All => {
            Some(agent::tools(ctx, level, args.yes, args.network)?)
        }
    };
    session.set_tools(tools, level);
    session.set_max_tokens(args.max_tokens);
    session.set_reasoning(agent::reasoning(ctx, args)?);
    Ok(session)
}

/// `AGENTS.md` of the workspace; a file that cannot be read (or may not be: a link out of
/// the workspace, a denied path) is said and left out.
fn project_rules(ctx: &Context) -> Option<ProjectRules> {
    let workspace = super::sessions::workspace().ok()?;
    let deny = crate::agent::protected::ReadDenyList::for_environment(&ctx.paths);
    match ProjectRules::load(&workspace, &deny) {
        Ok(Some(rules)) => {
            if ctx.overrides.verbose {
                eprintln!("sapcode: {}", rules.notice());
            }
            Some(rules)
        }
        Ok(None) => None,
        Err(err) => {
            eprintln!("sapcode: project rules not used: {err}");
            None
        }
    }
}

/// `-` or no PROMPT reads stdin; a terminal on stdin with no prompt is a usage error rather
/// than a silent wait.
fn read_prompt(arg: Option<&str>) -> anyhow::Result<String> {
    let text = match arg {
        Some(text) if text != "-" => text.to_owned(),
        None if std::io::stdin().is_terminal() => {
            return Err(UsageError::new(
                "no prompt",
                "pass it as an argument or pipe it on stdin (`echo hi | sapcode run`)",
            )
            .into());
        }
        _ => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|err| {
                UsageError::new(
                    format!("cannot read the prompt from stdin: {err}"),
                    "pipe UTF-8 text, or pass the prompt as an argument",
                )
            })?;
            text
        }
    };
    if text.trim().is_empty() {
        return Err(UsageError::new(
            "the prompt is empty",
            "pass a question as an argument or on stdin",
        )
        .into());
    }
    Ok(text)
}

fn timing_line(usage: Option<Usage>, first_byte: Option<Duration>, total: Duration) -> String {
    let tokens = match usage {
        Some(usage) => format!(
            "tokens in {} out {}",
            usage.prompt_tokens, usage.completion_tokens
        ),
        None => "tokens: not reported".into(),
    };
    let first = first_byte
        .map(|d| format!("first text {} ms · ", d.as_millis()))
        .unwrap_or_default();
    format!("sapcode: {tokens} · {first}total {} ms", total.as_millis())
}

/// `sapcode: HTTP 503; retrying in 4 s (attempt 2)…`: the wait as the client will sleep it,
/// tenths below 10 s so a 0.4 s backoff does not read as "1 s".
fn retry_line(attempt: u32, delay: Duration, reason: &str) -> String {
    let secs = delay.as_secs_f64();
    let wait = if secs < 10.0 {
        let tenths = (secs * 10.0).round() / 10.0;
        if tenths.fract() == 0.0 {
            format!("{tenths:.0} s")
        } else {
            format!("{tenths:.1} s")
        }
    } else {
        format!("{} s", secs.round() as u64)
    };
    format!(
        "sapcode: {reason}; retrying in {wait} (attempt {})…",
        attempt + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_line_shows_the_real_wait() {
        assert_eq!(
            retry_line(1, Duration::from_millis(395), "HTTP 503"),
            "sapcode: HTTP 503; retrying in 0.4 s (attempt 2)…"
        );
        assert_eq!(
            retry_line(2, Duration::from_secs(4), "HTTP 429"),
            "sapcode: HTTP 429; retrying in 4 s (attempt 3)…"
        );
        assert_eq!(
            retry_line(1, Duration::from_secs(20), "HTTP 429"),
            "sapcode: HTTP 429; retrying in 20 s (attempt 2)…"
        );
    }

    #[test]
    fn timing_line_names_tokens_and_times() {
        let line = timing_line(
            Some(Usage {
                prompt_tokens: 17,
                completion_tokens: 271,
                total_tokens: 288,
            }),
            Some(Duration::from_millis(12)),
            Duration::from_millis(240),
        );
        assert_eq!(
            line,
            "sapcode: tokens in 17 out 271 · first text 12 ms · total 240 ms"
        );
    }
}
