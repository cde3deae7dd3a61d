//! `sapcode run`: one chat turn; the answer streams to stdout as it arrives. With tools, the
//! agent loop of `run/agent.rs`.

mod agent;
mod ask;

use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use super::sessions::RunSession;
use crate::agent::rules::ProjectRules;
use crate::agent::{Attachment, ToolLevel, turn};
use crate::aicore::{ChatEvent, Error, Usage};
use crate::cli::RunArgs;
use crate::connect::Context;
use crate::report::UsageError;

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

    let (session, mut conversation) =
        RunSession::open(ctx, &target, args.system.as_deref(), args.continue_last)?;
    conversation.set_project_rules(project_rules(ctx));
    conversation.push_user(&prompt, &attachments);
    // A fitted history is saved whole, the question included.
    let was_fitted = args.continue_last && session.fit(client, &target, &mut conversation).await;
    if let (false, Some(question)) = (was_fitted, conversation.messages().last()) {
        session.message(question.clone());
    }
    let level = agent::level(ctx, &args)?;
    let tools = match level {
        ToolLevel::Off => None,
        ToolLevel::Read | ToolLevel::Edit | ToolLevel::All => {
            Some(agent::tools(ctx, level, args.yes, args.network)?)
        }
    };
    let turn = turn::start(
        client.clone(),
        target,
        conversation.request(args.max_tokens),
        tools,
        crate::agent::DEFAULT_MAX_ROUNDS,
    );
    let printer = Printer::new(args.json);
    agent::run_turn(
        ctx,
        turn,
        printer,
        &session,
        started,
        level == ToolLevel::Off,
    )
    .await
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

/// Writes events to stdout, flushing each so text appears as it arrives.
struct Printer {
    json: bool,
    stdout: std::io::Stdout,
    /// Answer text to a terminal is escaped (model output must not drive the terminal: no
    /// clipboard writes, cleared screens, concealed text or reordered lines); to a pipe or
    /// file it stays byte for byte, as scripts rely on.
    is_terminal: bool,
    wrote_text: bool,
    ends_with_newline: bool,
    usage: Option<Usage>,
}

impl Printer {
    fn new(json: bool) -> Printer {
        Printer {
            json,
            stdout: std::io::stdout(),
            is_terminal: std::io::stdout().is_terminal(),
            wrote_text: false,
            ends_with_newline: false,
            usage: None,
        }
    }

    fn event(&mut self, event: &ChatEvent) -> std::io::Result<()> {
        if self.json {
            return match json_event(event) {
                Some(value) => self.line(&value.to_string()),
                None => Ok(()),
            };
        }
        match event {
            ChatEvent::Delta(text) => {
                let mut out = self.stdout.lock();
                let shown = if self.is_terminal {
                    crate::terminal_text::escape(text)
                } else {
                    std::borrow::Cow::Borrowed(text.as_str())
                };
                out.write_all(shown.as_bytes())?;
                out.flush()?;
                self.wrote_text = true;
                self.ends_with_newline = text.ends_with('\n');
                Ok(())
            }
            ChatEvent::Retrying {
                attempt,
                delay,
                reason,
            } => {
                let reason = crate::terminal_text::escape_line(reason);
                eprintln!("{}", retry_line(*attempt, *delay, &reason));
                Ok(())
            }
            ChatEvent::ToolCall(_) | ChatEvent::Usage(_) | ChatEvent::Done { .. } => Ok(()),
            ChatEvent::Error(_) => Ok(()),
        }
    }

    fn line(&mut self, line: &str) -> std::io::Result<()> {
        let mut out = self.stdout.lock();
        writeln!(out, "{line}")?;
        out.flush()
    }

    /// Ends the answer with a newline; in JSON mode an error becomes the last line too.
    fn finish(&mut self, error: Option<&Error>) -> std::io::Result<()> {
        if self.json {
            if let Some(err) = error {
                let value = serde_json::json!({
                    "type": "error",
                    "message": err.to_string(),
                    "hint": err.hint(),
                    "exit_code": err.exit_class() as i32,
                });
                self.line(&value.to_string())?;
            }
            return Ok(());
        }
        if self.wrote_text && !self.ends_with_newline {
            self.line("")?;
        }
        Ok(())
    }
}

fn json_event(event: &ChatEvent) -> Option<serde_json::Value> {
    use serde_json::json;
    match event {
        ChatEvent::Delta(text) => Some(json!({"type": "delta", "text": text})),
        ChatEvent::Usage(usage) => Some(json!({
            "type": "usage",
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
        })),
        ChatEvent::Done { finish_reason } => {
            Some(json!({"type": "done", "finish_reason": finish_reason}))
        }
        ChatEvent::ToolCall(call) => Some(json!({
            "type": "tool_call",
            "index": call.index,
            "id": call.id,
            "name": call.name,
            "arguments": call.arguments,
        })),
        ChatEvent::Retrying {
            attempt,
            delay,
            reason,
        } => Some(json!({
            "type": "retrying",
            "attempt": attempt,
            "delay_ms": delay.as_millis() as u64,
            "reason": reason,
        })),
        ChatEvent::Error(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_events_carry_the_contract_type_names() {
        let delta = json_event(&ChatEvent::Delta("hi".into())).unwrap();
        assert_eq!(delta, serde_json::json!({"type": "delta", "text": "hi"}));
        let done = json_event(&ChatEvent::Done {
            finish_reason: Some("stop".into()),
        })
        .unwrap();
        assert_eq!(done["type"], "done");
        assert_eq!(done["finish_reason"], "stop");
        let usage = json_event(&ChatEvent::Usage(Usage {
            prompt_tokens: 1,
            completion_tokens: 2,
            total_tokens: 3,
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(usage["total_tokens"], 3);
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
            Some(Duration::from_millis(12)),
            Duration::from_millis(240),
        );
        assert_eq!(
            line,
            "sapcode: tokens in 17 out 271 · first text 12 ms · total 240 ms"
        );
    }
}
