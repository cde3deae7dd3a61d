//! `sapcode run` with tools: the level and approval mode from flags and config, and the
//! turn asked of the session with its events going to a sink (`sink.rs`); approvals are
//! asked on the terminal (`/dev/tty`, `ask.rs`) when stdin is one, approved by `--yes`,
//! refused otherwise (the turn goes on).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use super::sink::Printer;
use super::timing_line;
use crate::agent::session::TurnFailed;
use crate::agent::{AskMode, Session, ToolLevel, Tools};
use crate::aicore::error::ExitClass;
use crate::aicore::{ChatTarget, Client, Effort, Error};
use crate::cli::{RunArgs, ToolsLevel};
use crate::connect::Context;
use crate::report::{Reported, UsageError};

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

/// The reasoning effort: `--reasoning`, else `[agent] reasoning`, else the model's default.
pub(super) fn reasoning(ctx: &Context, args: &RunArgs) -> Result<Option<Effort>, Error> {
    if args.reasoning.is_some() {
        return Ok(args.reasoning);
    }
    match ctx.config.agent.reasoning.as_deref() {
        None => Ok(None),
        Some(text) => Effort::parse(text).map(Some).ok_or_else(|| {
            Error::Config(format!(
                "[agent] reasoning = {text:?} in the config file: use low, medium or high"
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

/// Asks the session its question, the events going to `printer`; Ctrl-C stops the turn.
/// A failed turn is the run's error (`main` prints it and exits with its code).
pub(super) async fn ask(
    ctx: &Context,
    session: &mut Session,
    (client, target): (&Client, &ChatTarget),
    mut printer: Printer,
    started: Instant,
) -> anyhow::Result<()> {
    let outcome = {
        let mut sink = |event| printer.event(event);
        let asked = session.ask(client, target, &mut sink);
        tokio::select! {
            outcome = asked => outcome.map_err(failure),
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted.into()),
        }
    };
    if let Some(err) = outcome
        .as_ref()
        .err()
        .and_then(|e| e.downcast_ref::<Error>())
        .filter(|e| matches!(e, Error::Interrupted))
    {
        printer.interrupted(err);
    }
    if ctx.overrides.verbose {
        eprintln!(
            "{}",
            timing_line(
                printer.usage,
                printer.cost,
                printer.first_byte,
                started.elapsed()
            )
        );
    }
    match printer.failed.take() {
        Some(err) => Err(err.into()),
        None => outcome,
    }
}

/// A failed turn as the run's error: a request's error keeps its exit class and hint.
fn failure(failed: TurnFailed) -> anyhow::Error {
    match failed {
        TurnFailed::Chat(err) => err.into(),
        TurnFailed::RoundLimit { .. } => Reported {
            class: ExitClass::Failure,
            message: failed.to_string(),
            hint: Some(failed.hint()),
        }
        .into(),
        TurnFailed::Images { .. } => Reported {
            class: ExitClass::Usage,
            message: failed.to_string(),
            hint: Some(failed.hint()),
        }
        .into(),
    }
}
