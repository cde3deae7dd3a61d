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
    let mut attachments = args
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
    attachments.extend(at_path_attachments(&words)?);

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

/// The prompt's `@path` words that name a file (as in the TUI: `@property` names nothing and
/// stays text), read as attachments; an image goes to the model as an image.
fn at_path_attachments(prompt: &str) -> Result<Vec<Attachment>, UsageError> {
    crate::agent::attachment::at_paths(prompt)
        .into_iter()
        .filter(|path| std::path::Path::new(path).exists())
        .map(|path| {
            Attachment::read(std::path::Path::new(&path)).map_err(|err| {
                UsageError::new(
                    format!("@{path}: {err}"),
                    "attach another file, or write the path without @ to leave it out",
                )
            })
        })
        .collect()
}

/// The session this run asks: new, the last one of this workspace with `--continue`, or the
/// one `--resume ID` names;
/// with the workspace's rules, the tools at their level and the answer's token cap.
fn open_session(ctx: &Context, args: &RunArgs) -> anyhow::Result<Session> {
    let continues = args.continue_last || args.resume.is_some();
    let (store, last) = match (super::sessions::store(ctx), continues) {
        (Ok(store), true) => {
            let last = match &args.resume {
                Some(id) => super::sessions::by_id(&store, id)?,
                None => super::sessions::last_here(&store, "sapcode run PROMPT")?,
            };
            (Some(store), Some(last))
        }
        (Err(err), true) => return Err(err),
        // Without a data dir the answer still comes; the session says it was not saved.
        (store, false) => (store.ok(), None),
    };
    let log = SessionLog::new(store, super::sessions::workspace()?).one_shot();
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
/// than a silent wait. A prompt with text piped on stdin (`git diff | sapcode run "write a
/// commit message"`) gets that text attached below it.
fn read_prompt(arg: Option<&str>) -> anyhow::Result<String> {
    let text = match arg {
        Some(text) if text != "-" => match piped_stdin()? {
            Some(piped) => with_piped_text(text, &piped),
            None => text.to_owned(),
        },
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

/// What a pipe or a redirected file on stdin holds; nothing for a terminal, `/dev/null` or a
/// closed stdin (a pipe that is never closed would wait, as for any filter).
fn piped_stdin() -> anyhow::Result<Option<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() || !is_pipe_or_file(&stdin) {
        return Ok(None);
    }
    let mut text = String::new();
    stdin.lock().read_to_string(&mut text).map_err(|err| {
        UsageError::new(
            format!("cannot read what was piped on stdin: {err}"),
            "pipe UTF-8 text, or leave stdin alone (`< /dev/null`)",
        )
    })?;
    Ok((!text.trim().is_empty()).then_some(text))
}

#[cfg(unix)]
fn is_pipe_or_file(stdin: &std::io::Stdin) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(file) = stdin.as_fd().try_clone_to_owned().map(std::fs::File::from) else {
        return false;
    };
    file.metadata()
        .is_ok_and(|meta| meta.file_type().is_fifo() || meta.is_file())
}

#[cfg(not(unix))]
fn is_pipe_or_file(_: &std::io::Stdin) -> bool {
    true
}

/// The prompt, then the piped text in a fence longer than any backtick run inside it.
fn with_piped_text(prompt: &str, piped: &str) -> String {
    let longest = piped.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!(
        "{prompt}\n\nstdin:\n{fence}\n{}\n{fence}",
        piped.trim_end_matches('\n')
    )
}

/// `-v`'s last line: tokens (the reasoning part of the answer and cache reads and writes when
/// there were any), the cost at list price when the catalog has one, and the times.
fn timing_line(
    usage: Option<Usage>,
    cost: Option<f64>,
    first_byte: Option<Duration>,
    total: Duration,
) -> String {
    let mut tokens = match usage {
        Some(usage) => format!(
            "tokens in {} out {}",
            usage.prompt_tokens, usage.completion_tokens
        ),
        None => "tokens: not reported".into(),
    };
    if let Some(reasoning) = usage.and_then(|u| u.reasoning_tokens).filter(|&n| n > 0) {
        tokens.push_str(&format!(", {reasoning} reasoning"));
    }
    if let Some(usage) = usage.filter(|u| u.cache_read_tokens + u.cache_write_tokens > 0) {
        tokens.push_str(&format!(
            " (cache read {} written {})",
            usage.cache_read_tokens, usage.cache_write_tokens
        ));
    }
    if let Some(cost) = cost {
        tokens.push_str(&format!(" · {}", crate::aicore::pricing::list_label(cost)));
    }
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
    fn piped_text_goes_below_the_prompt_in_a_fence_it_cannot_close() {
        assert_eq!(
            with_piped_text("write a commit message", "diff --git a b\n+x\n"),
            "write a commit message\n\nstdin:\n```\ndiff --git a b\n+x\n```"
        );
        let tricky = with_piped_text("explain", "a ``` b ```` c");
        assert!(
            tricky.ends_with("\n`````\na ``` b ```` c\n`````"),
            "{tricky}"
        );
    }

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
                ..Default::default()
            }),
            None,
            Some(Duration::from_millis(12)),
            Duration::from_millis(240),
        );
        assert_eq!(
            line,
            "sapcode: tokens in 17 out 271 · first text 12 ms · total 240 ms"
        );
        let cached = timing_line(
            Some(Usage {
                prompt_tokens: 12_000,
                completion_tokens: 800,
                total_tokens: 12_800,
                cache_read_tokens: 10_000,
                cache_write_tokens: 0,
                reasoning_tokens: None,
            }),
            Some(0.021),
            None,
            Duration::from_millis(900),
        );
        assert_eq!(
            cached,
            "sapcode: tokens in 12000 out 800 (cache read 10000 written 0) · ≈ $0.021 list · total 900 ms"
        );
        let reasoned = timing_line(
            Some(Usage {
                prompt_tokens: 10,
                completion_tokens: 130,
                total_tokens: 140,
                reasoning_tokens: Some(120),
                ..Default::default()
            }),
            None,
            None,
            Duration::from_millis(50),
        );
        assert_eq!(
            reasoned,
            "sapcode: tokens in 10 out 130, 120 reasoning · total 50 ms"
        );
    }
}
