//! `sapcode run` with tools: the level and approval mode from flags and config, the turn's
//! events as stderr lines or JSON events, and approvals asked on the terminal (`/dev/tty`,
//! `ask.rs`) when stdin is one, approved by `--yes`, refused otherwise (the turn goes on).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;

use super::{Printer, timing_line};
use crate::agent::tools::ToolKind;
use crate::agent::{AskMode, Decision, ToolLevel, Tools, Turn, TurnEvent, turn};
use crate::aicore::{ChatEvent, Error};
use crate::cli::{RunArgs, ToolsLevel};
use crate::commands::sessions::RunSession;
use crate::connect::Context;
use crate::report::UsageError;

/// `--tools`, else `[agent] tools`, else `read`.
pub(super) fn level(ctx: &Context, args: &RunArgs) -> Result<ToolLevel, Error> {
    if let Some(level) = args.tools {
        return Ok(match level {
            ToolsLevel::Off => ToolLevel::Off,
            ToolsLevel::Read => ToolLevel::Read,
            ToolsLevel::Edit => ToolLevel::Edit,
            ToolsLevel::All => ToolLevel::All,
        });
    }
    match ctx.config.agent.tools.as_deref() {
        None => Ok(ToolLevel::Read),
        Some(text) => ToolLevel::parse(text).ok_or_else(|| {
            Error::Config(format!(
                "[agent] tools = {text:?} in the config file: use off, read, edit or all"
            ))
        }),
    }
}

/// The tools of the working directory at `level`, asking the way this run can.
/// `network`: `--network` was given (else `[agent] network` decides, default off).
pub(super) fn tools(
    ctx: &Context,
    level: ToolLevel,
    yes: bool,
    network: bool,
) -> Result<Tools, UsageError> {
    let cwd = std::env::current_dir().map_err(|err| {
        UsageError::new(
            format!("--tools: no working directory: {err}"),
            "run sapcode from a directory that exists, or pass --tools off",
        )
    })?;
    let mut tools = Tools::new(&cwd)
        .map_err(|err| {
            UsageError::new(
                format!("--tools: {}: {err}", cwd.display()),
                "run sapcode from a readable directory, or pass --tools off",
            )
        })?
        .with_level(level)
        .with_deny_list(crate::agent::protected::ReadDenyList::for_environment(
            &ctx.paths,
        ));
    tools.set_network(network || ctx.config.agent.network.unwrap_or(false));
    if let Some(secs) = ctx.config.agent.command_timeout_s {
        tools = tools.with_command_timeout(Duration::from_secs(secs));
    }
    let mode = if yes {
        AskMode::ApproveAll
    } else if std::io::stdin().is_terminal() {
        AskMode::Ask
    } else {
        AskMode::Refuse(
            "sapcode run had no terminal to ask the user; edits and commands need --yes or a \
             terminal"
                .into(),
        )
    };
    if let Ok(mut approvals) = tools.approvals().lock() {
        approvals.mode = mode;
    }
    Ok(tools)
}

/// The one loop over a turn's events: text on stdout, tool activity on stderr (or as JSON
/// lines). With tools off, tool-call fragments the model sends anyway are printed as JSON
/// events as they came (the conformance tests compare them with the SAP SDK's parse).
pub(super) async fn run_turn(
    ctx: &Context,
    mut turn: Turn,
    mut printer: Printer,
    session: &RunSession,
    started: Instant,
    tools_off: bool,
) -> anyhow::Result<()> {
    let mut first_byte: Option<Duration> = None;
    // Text after the last tool round; earlier rounds' text is inside `History`.
    let mut answer = String::new();
    let mut calls: HashMap<String, String> = HashMap::new();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let outcome = loop {
        let event = tokio::select! {
            event = turn.next() => event,
            _ = &mut interrupted => break Err(Error::Interrupted.into()),
        };
        let Some(event) = event else {
            break Ok(());
        };
        match event {
            TurnEvent::Chat(ChatEvent::Error(err)) => break Err(err.into()),
            TurnEvent::Chat(ChatEvent::Usage(usage)) => {
                printer.usage = Some(usage);
                printer.event(&ChatEvent::Usage(usage))?;
            }
            TurnEvent::Chat(fragment @ ChatEvent::ToolCall(_)) => {
                // With tools, whole calls are reported when they run; fragments would repeat them.
                if tools_off {
                    printer.event(&fragment)?;
                }
            }
            TurnEvent::History(messages) => {
                for message in messages {
                    session.message(message);
                }
            }
            TurnEvent::Chat(event) => {
                if let ChatEvent::Delta(text) = &event {
                    first_byte.get_or_insert_with(|| started.elapsed());
                    answer.push_str(text);
                }
                printer.event(&event)?;
            }
            TurnEvent::ToolStarted { id, name, args } => {
                answer.clear();
                if printer.json {
                    let value =
                        json!({"type": "tool_call", "id": id, "name": name, "arguments": args});
                    printer.line(&value.to_string())?;
                }
                calls.insert(id, turn::describe_call(&name, &args));
            }
            TurnEvent::ToolFinished {
                id,
                name,
                summary,
                bytes,
                ok,
            } => {
                if printer.json {
                    let value = json!({"type": "tool_result", "id": id, "name": name,
                        "bytes": bytes, "ok": ok, "summary": summary});
                    printer.line(&value.to_string())?;
                } else {
                    let call = calls.get(&id).cloned().unwrap_or_else(|| name.clone());
                    let line =
                        turn::describe_finished(ToolKind::of(&name), &call, &summary, bytes, ok);
                    eprintln!("sapcode: {}", crate::terminal_text::visible(&line));
                }
            }
            TurnEvent::Approval { id, approved, by } => {
                if printer.json {
                    let value = json!({"type": "approval", "id": id, "approved": approved, "by": by.as_str()});
                    printer.line(&value.to_string())?;
                } else if !approved && by == crate::agent::ApprovedBy::NoTerminal {
                    let call = calls.get(&id).map_or("a tool call", String::as_str);
                    eprintln!(
                        "sapcode: refused {}: no terminal to ask; run with --yes to allow edits and commands",
                        crate::terminal_text::visible(call)
                    );
                }
            }
            TurnEvent::ApprovalNeeded { id, request, reply } => {
                let call = calls.get(&id).cloned().unwrap_or_default();
                // A plain thread, not `spawn_blocking`: after Ctrl-C the runtime must not wait
                // for a read of the terminal that nobody will finish.
                let (answer, asked) = tokio::sync::oneshot::channel();
                std::thread::spawn(move || {
                    let _ = answer.send(super::ask::ask_on_terminal(&call, &request));
                });
                let decision = tokio::select! {
                    decision = asked => decision.unwrap_or(Decision::No { reason: None }),
                    _ = &mut interrupted => break Err(Error::Interrupted.into()),
                };
                let _ = reply.send(decision);
            }
            TurnEvent::CommandOutput { text, .. } => {
                if !printer.json {
                    eprint!("{}", crate::terminal_text::escape(&text));
                }
            }
            TurnEvent::RoundLimit { rounds } => {
                break Err(anyhow::anyhow!(
                    "stopped after {rounds} tool rounds without a final answer; ask a narrower question"
                ));
            }
        }
    };
    if outcome.is_ok() {
        session.finish(answer.trim_start().to_owned(), printer.usage);
    }
    let shown = outcome
        .as_ref()
        .err()
        .and_then(|e| e.downcast_ref::<Error>());
    printer.finish(shown)?;
    if let (true, Err(err)) = (printer.json, &outcome)
        && shown.is_none()
    {
        let value =
            json!({"type": "error", "message": err.to_string(), "hint": "", "exit_code": 1});
        printer.line(&value.to_string())?;
    }
    if ctx.overrides.verbose {
        eprintln!(
            "{}",
            timing_line(printer.usage, first_byte, started.elapsed())
        );
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_lines_name_the_call_and_its_size() {
        let call = turn::describe_call("read_file", r#"{"path":"src/lib.rs"}"#);
        assert_eq!(
            turn::describe_result(&call, "src/lib.rs (1.2 KiB)", 1229, true),
            "read_file src/lib.rs (1.2 KiB)"
        );
        let call = turn::describe_call("read_file", r#"{"path":"../x"}"#);
        assert_eq!(
            turn::describe_result(
                &call,
                "refused: ../x is outside the project directory",
                40,
                false
            ),
            "read_file ../x: refused: ../x is outside the project directory"
        );
        // An edit says it was applied and how much, a command how it ended: not the size
        // of the text the model got ("write_file a.sh (46 B)", "run_command `x` (56 B)").
        let call = turn::describe_call("write_file", r#"{"path":"a.sh"}"#);
        assert_eq!(
            turn::describe_finished(
                ToolKind::of("write_file"),
                &call,
                "wrote a.sh (+5 −0)",
                46,
                true
            ),
            "write_file a.sh applied (+5 −0)"
        );
        let call = turn::describe_call("run_command", r#"{"command":"sh t.sh"}"#);
        assert_eq!(
            turn::describe_finished(
                ToolKind::of("run_command"),
                &call,
                "exit 0 (18 B output)",
                56,
                true
            ),
            "run_command `sh t.sh`: exit 0 (18 B output)"
        );
        assert_eq!(
            turn::describe_finished(ToolKind::of("read_file"), "read_file a", "a", 1229, true),
            "read_file a (1.2 KiB)"
        );
    }
}
