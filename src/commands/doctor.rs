//! `sapcode doctor`: checks each step a chat depends on, in order, and says which failed,
//! why, and what to do. Later steps are skipped once one fails.

use crate::aicore::{ChatTarget, Freshness};
use crate::connect::{Connection, Context};
use crate::report;

/// One report line on stdout; server text in it is escaped for the terminal.
fn print_line(line: &str) -> std::io::Result<()> {
    crate::stdout::print_line(&crate::terminal_text::escape_line(line))
}

/// One line of the report, and the lines under it.
struct Step {
    name: &'static str,
    outcome: Result<String, anyhow::Error>,
    notes: Vec<String>,
}

impl Step {
    fn new(name: &'static str, outcome: Result<String, anyhow::Error>) -> Step {
        Step {
            name,
            outcome,
            notes: Vec::new(),
        }
    }
}

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let mut steps: Vec<Step> = Vec::new();
    let failure = check_all(ctx, &mut steps).await;
    for step in &steps {
        match &step.outcome {
            Ok(detail) => {
                print_line(&format!("✓ {:<12} {detail}", step.name))?;
                for note in &step.notes {
                    print_line(&format!("  {:<12} {note}", ""))?;
                }
            }
            Err(err) => {
                let message = crate::redact::scrub(&format!("{err:#}"));
                print_line(&format!("✗ {:<12} {message}", step.name))?;
                if let (_, Some(hint)) = report::classify(err) {
                    print_line(&format!("  {:<12} {hint}", ""))?;
                }
            }
        }
    }
    match failure {
        Some(err) => Err(err),
        None => {
            print_line("all checks passed")?;
            Ok(())
        }
    }
}

/// Runs the steps until one fails; returns that failure for the exit code.
async fn check_all(ctx: &Context, steps: &mut Vec<Step>) -> Option<anyhow::Error> {
    let config_detail = if ctx.backend == crate::connect::Backend::Simulator {
        "not needed (--demo)".to_owned()
    } else if ctx.paths.config_file.exists() {
        format!(
            "{} ({} profile(s), using '{}')",
            ctx.paths.config_file.display(),
            ctx.config.profiles.len(),
            ctx.profile_name
        )
    } else {
        format!("{} does not exist yet", ctx.paths.config_file.display())
    };
    let caching = if ctx.prompt_cache() {
        "prompt caching on (where the model takes cache points)"
    } else {
        "prompt caching off (--no-prompt-cache or [agent] prompt_cache = false)"
    };
    steps.push(Step {
        name: "config",
        outcome: Ok(config_detail),
        notes: vec![caching.to_owned()],
    });
    // Not a failure either way: it says what protects the user when a command is approved,
    // each protection with whether it holds on this kernel.
    let protection = crate::agent::sandbox::status();
    let network = ctx.config.agent.network.unwrap_or(false);
    steps.push(Step {
        name: "sandbox",
        outcome: Ok(format!(
            "{} (network {} by default)",
            protection.label(network),
            if network { "on" } else { "off" }
        )),
        notes: protection
            .checks(network)
            .iter()
            .map(|check| {
                let mark = if check.holds { "✓" } else { "✗ missing:" };
                format!("{mark} {}: {}", check.name, check.detail)
            })
            .collect(),
    });

    let connection = match ctx.connect().await {
        Ok(connection) => connection,
        Err(err) => return fail(steps, "credentials", err),
    };
    steps.push(Step::new(
        "credentials",
        Ok(format!("from {}", connection.source)),
    ));
    check_service(ctx, &connection, steps).await
}

async fn check_service(
    ctx: &Context,
    connection: &Connection,
    steps: &mut Vec<Step>,
) -> Option<anyhow::Error> {
    let client = &connection.client;
    if let Err(err) = client.fetch_token().await {
        return fail(steps, "token", err.into());
    }
    steps.push(ok("token", "received from the auth URL".into()));

    let deployments = match client.deployments(Freshness::Refresh).await {
        Ok(deployments) => deployments.data,
        Err(err) => return fail(steps, "deployments", err.into()),
    };
    let running = deployments.iter().filter(|d| d.is_running()).count();
    let orchestration = deployments
        .iter()
        .any(|d| d.is_orchestration() && d.is_running());
    steps.push(ok(
        "deployments",
        format!(
            "{running} RUNNING of {} in resource group '{}'; orchestration {}",
            deployments.len(),
            client.resource_group(),
            if orchestration {
                "RUNNING"
            } else {
                "not running"
            }
        ),
    ));

    let models = match client.models(Freshness::Refresh).await {
        Ok(models) => models.data,
        Err(err) => return fail(steps, "catalog", err.into()),
    };
    let passing = models.iter().filter(|m| m.passes_filter).count();
    steps.push(ok(
        "catalog",
        format!("{} models, {passing} pass the filter", models.len()),
    ));

    let target = match client
        .resolve_target(
            ctx.mode(),
            ctx.model().as_deref(),
            ctx.deployment().as_deref(),
        )
        .await
    {
        Ok(target) => target,
        Err(err) => return fail(steps, "completion", err.into()),
    };
    let text = match crate::agent::probe::say_ok(client, &target).await {
        Ok(text) => text,
        Err(err) => return fail(steps, "completion", err.into()),
    };
    steps.push(ok(
        "completion",
        format!(
            "{} via deployment {} answered {} characters",
            target.model(),
            target.deployment().id,
            text.chars().count()
        ),
    ));
    if matches!(target, ChatTarget::Orchestration { .. }) {
        return check_templating(client, &target, steps).await;
    }
    None
}

/// Orchestration only: a tool result holding template syntax reaches the model verbatim
/// (`agent::probe::echo_tool_result`), so code with `{{`, `{%` or `{#` in it is safe to send.
async fn check_templating(
    client: &crate::aicore::Client,
    target: &ChatTarget,
    steps: &mut Vec<Step>,
) -> Option<anyhow::Error> {
    use crate::agent::probe::{TEMPLATE_PROBE, echo_tool_result};
    let text = match echo_tool_result(client, target).await {
        Ok(text) => text,
        Err(err) => return fail(steps, "templating", err.into()),
    };
    if text.contains(TEMPLATE_PROBE) {
        steps.push(ok(
            "templating",
            format!("a tool result holding {TEMPLATE_PROBE} came back verbatim"),
        ));
        return None;
    }
    let answered: String = text.trim().chars().take(80).collect();
    let err = report::Reported {
        class: crate::aicore::error::ExitClass::Service,
        message: format!("asked to repeat {TEMPLATE_PROBE}, the model answered {answered:?}"),
        hint: Some(
            "if the placeholder, the if or the comment is missing, orchestration rendered a tool              result as a template: report it; if the model answered in its own words, try              another --model"
                .into(),
        ),
    };
    fail(steps, "templating", err.into())
}

fn ok(name: &'static str, detail: String) -> Step {
    Step::new(name, Ok(detail))
}

fn fail(steps: &mut Vec<Step>, name: &'static str, err: anyhow::Error) -> Option<anyhow::Error> {
    let (class, hint) = report::classify(&err);
    steps.push(Step::new(name, Err(err)));
    Some(
        report::Reported {
            class,
            message: format!("doctor: the {name} check failed"),
            hint,
        }
        .into(),
    )
}
