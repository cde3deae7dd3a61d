//! One round of tool calls, in the order the model made them: each call is capped, checked
//! against the level, approved when it writes or runs something, executed, and answered with
//! a result the model can act on. Floods are bounded: at most `MAX_CALLS_PER_ROUND` calls
//! run and at most `MAX_RESULT_BYTES_PER_REQUEST` bytes of results go into the next request.

use tokio::sync::{mpsc, oneshot};

use super::approval::{ApprovalRequest, ApprovedBy, Decision, Verdict};
use super::outcome::{EditStats, SHOWN_DIFF_LINES, ShownDiff};
use super::tools::{self, ToolKind, ToolOutput, Tools};
use super::turn::TurnEvent;
use crate::aicore::{Message, ToolCall};

/// Calls of one round that are run; the rest are answered "not run".
pub const MAX_CALLS_PER_ROUND: usize = 32;
/// Tool-result bytes one request may carry; later results are shortened.
pub const MAX_RESULT_BYTES_PER_REQUEST: usize = 256 * 1024;

type Events = mpsc::UnboundedSender<TurnEvent>;

/// Calls past the cap are never run: their arguments are dropped so a flood of calls does
/// not travel in every later request.
pub(super) fn drop_excess_arguments(calls: &mut [ToolCall]) {
    for call in calls.iter_mut().skip(MAX_CALLS_PER_ROUND) {
        call.arguments = "{}".into();
    }
}

/// Runs the round; `None` when the face went away (the turn stops).
pub(super) async fn run(tools: &Tools, calls: Vec<ToolCall>, tx: &Events) -> Option<Vec<Message>> {
    let send = |event: TurnEvent| tx.send(event).is_ok();
    let mut budget = MAX_RESULT_BYTES_PER_REQUEST;
    let mut results = Vec::with_capacity(calls.len());
    let total = calls.len();
    for (index, call) in calls.into_iter().enumerate() {
        if !send(TurnEvent::ToolStarted {
            index,
            id: call.id.clone(),
            name: call.name.clone(),
            args: call.arguments.clone(),
        }) {
            return None;
        }
        let (output, edit) = if index >= MAX_CALLS_PER_ROUND {
            let not_run = format!(
                "not run: only the first {MAX_CALLS_PER_ROUND} of {total} calls in one round run"
            );
            (ToolOutput::error(not_run), None)
        } else {
            one_call(tools, &call, tx).await?
        };
        // The one door every result passes before the model, the session and the screen.
        let output = tools::masked::output(output);
        let content = fit(output.content, &mut budget);
        if !send(TurnEvent::ToolFinished {
            id: call.id.clone(),
            name: call.name.clone(),
            summary: output.summary,
            bytes: content.len(),
            ok: output.ok,
            edit,
        }) {
            return None;
        }
        results.push(Message::tool_result(call.id, content));
    }
    Some(results)
}

/// What a result becomes once the request's budget is spent.
const OMITTED: &str = "[omitted: this round's tool results passed their size budget]";

/// `content`, shortened (and saying so) when the request's result budget runs out.
fn fit(content: String, budget: &mut usize) -> String {
    if content.len() <= *budget {
        *budget -= content.len();
        return content;
    }
    let note = format!(
        "\n[shortened: this round's tool results passed {} KiB; ask for less at a time]",
        MAX_RESULT_BYTES_PER_REQUEST / 1024
    );
    if *budget < note.len() + 1 {
        *budget = 0;
        return OMITTED.into();
    }
    let keep = *budget - note.len();
    *budget = 0;
    format!("{}{note}", tools::cap(&content, keep).0)
}

/// The call's output, and for an applied edit what it changed.
async fn one_call(
    tools: &Tools,
    call: &ToolCall,
    tx: &Events,
) -> Option<(ToolOutput, Option<EditStats>)> {
    let Some(kind) = ToolKind::of(&call.name) else {
        let names: Vec<String> = tools.offered().into_iter().map(|s| s.name).collect();
        let unknown = format!(
            "no tool named {:?}; available: {}",
            call.name,
            names.join(", ")
        );
        return Some((ToolOutput::error(unknown), None));
    };
    if kind.level() > tools.level() {
        let disabled = format!(
            "{} is not enabled: the tools level is {} (it needs {})",
            call.name,
            tools.level().as_str(),
            kind.level().as_str()
        );
        return Some((ToolOutput::error(disabled), None));
    }
    match kind {
        ToolKind::Read => Some((blocking(tools, call, super::tools::Tools::call).await, None)),
        ToolKind::Edit => edit(tools, call, tx).await,
        ToolKind::Command => Some((command(tools, call, tx).await?, None)),
    }
}

/// Runs a blocking tool off the async runtime.
async fn blocking(
    tools: &Tools,
    call: &ToolCall,
    work: fn(&Tools, &str, &str) -> ToolOutput,
) -> ToolOutput {
    let (runner, name, args) = (tools.clone(), call.name.clone(), call.arguments.clone());
    tokio::task::spawn_blocking(move || work(&runner, &name, &args))
        .await
        .unwrap_or_else(|err| ToolOutput::error(format!("the tool failed: {err}")))
}

async fn edit(
    tools: &Tools,
    call: &ToolCall,
    tx: &Events,
) -> Option<(ToolOutput, Option<EditStats>)> {
    let (runner, name, args) = (tools.clone(), call.name.clone(), call.arguments.clone());
    let prepared = tokio::task::spawn_blocking(move || runner.prepare_edit(&name, &args)).await;
    let proposal = match prepared {
        Ok(Ok(proposal)) => proposal,
        Ok(Err(output)) => return Some((output, None)),
        Err(err) => {
            return Some((ToolOutput::error(format!("the tool failed: {err}")), None));
        }
    };
    let hunks = proposal.hunks();
    let (added, removed) = super::diff::counts(&hunks);
    // What the transcript draws once it is applied, asked about or not (auto-edit).
    let diff = ShownDiff::new(&hunks, proposal.is_new_file, SHOWN_DIFF_LINES);
    let request = ApprovalRequest::Edit {
        path: proposal.path.clone(),
        hunks,
        is_new_file: proposal.is_new_file,
    };
    if let Some(refusal) = approve(tools, &call.id, request, tx).await? {
        return Some((refusal, None));
    }
    let runner = tools.clone();
    let stats = EditStats {
        path: proposal.path.clone(),
        created: proposal.is_new_file,
        added,
        removed,
        diff: Some(diff),
    };
    let applied = tokio::task::spawn_blocking(move || runner.apply(&proposal)).await;
    Some(match applied {
        Ok(Ok(())) => {
            let what = if stats.created { "created" } else { "edited" };
            let output = ToolOutput::success(
                format!("applied: {what} {} (+{added} -{removed})", stats.path),
                format!("{what} {} {}", stats.path, stats.counts()),
            );
            (output, Some(stats))
        }
        Ok(Err(message)) => (ToolOutput::error(message), None),
        Err(err) => (ToolOutput::error(format!("the tool failed: {err}")), None),
    })
}

async fn command(tools: &Tools, call: &ToolCall, tx: &Events) -> Option<ToolOutput> {
    let run = match tools.prepare_command(&call.name, &call.arguments) {
        Ok(run) => run,
        Err(output) => return Some(output),
    };
    let request = ApprovalRequest::Command {
        command: run.command.clone(),
    };
    if let Some(refusal) = approve(tools, &call.id, request, tx).await? {
        return Some(refusal);
    }
    let id = call.id.clone();
    let policy = tools.command_policy();
    let origin = tools::Origin::Model(&policy);
    let output = tools::run_command(tools.root(), &run, origin, |text| {
        let _ = tx.send(TurnEvent::CommandOutput {
            id: id.clone(),
            text,
        });
    })
    .await;
    Some(output)
}

/// Asks (unless a grant or the ask mode decides) and reports the decision. `Some(result)`
/// when it was not approved; `None` from the outer option when the face went away.
async fn approve(
    tools: &Tools,
    id: &str,
    request: ApprovalRequest,
    tx: &Events,
) -> Option<Option<ToolOutput>> {
    let verdict = tools
        .approvals()
        .lock()
        .map_or(Verdict::Ask, |approvals| approvals.verdict(&request));
    let report = |approved: bool, by: ApprovedBy| {
        tx.send(TurnEvent::Approval {
            id: id.to_owned(),
            approved,
            by,
        })
        .is_ok()
    };
    let decision = match verdict {
        Verdict::Approved(by) => return report(true, by).then_some(None),
        Verdict::Refused(reason) => {
            return report(false, ApprovedBy::NoTerminal)
                .then(|| Some(ToolOutput::error(format!("not approved: {reason}"))));
        }
        Verdict::Ask => {
            let (reply, answer) = oneshot::channel();
            if tx
                .send(TurnEvent::ApprovalNeeded {
                    id: id.to_owned(),
                    request: request.clone(),
                    reply,
                })
                .is_err()
            {
                return None;
            }
            answer.await.unwrap_or(Decision::No {
                reason: Some("the approval was not answered".into()),
            })
        }
    };
    if let Ok(mut approvals) = tools.approvals().lock() {
        approvals.record(&request, &decision);
    }
    if !report(decision.is_yes(), ApprovedBy::User) {
        return None;
    }
    Some(match decision {
        Decision::Yes | Decision::AllEdits | Decision::AlwaysCommand => None,
        Decision::No { reason } => {
            let reason = reason
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "no reason given".into());
            Some(ToolOutput {
                content: format!(
                    "rejected by the user: {reason}. Nothing was done; do not repeat the same call \
                     unless the user asks for it."
                ),
                summary: format!("rejected: {reason}"),
                ok: false,
            })
        }
    })
}
