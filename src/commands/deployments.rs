//! `sapcode deployments`: the deployment picker's data; non-RUNNING ones are marked.

use super::models::freshness;
use super::table;
use crate::aicore::{Deployment, Error};
use crate::cli::DeploymentsArgs;
use crate::connect::Context;

pub async fn run(ctx: &Context, args: DeploymentsArgs) -> anyhow::Result<()> {
    let connection = ctx.connect().await?;
    let deployments = connection
        .client
        .deployments(freshness(args.refresh))
        .await?;
    // Every deployment is listed (non-RUNNING marked); `--model` narrows to one model's.
    let model = ctx.overrides.model.as_deref();
    let shown: Vec<&Deployment> = deployments
        .data
        .iter()
        .filter(|d| model.is_none_or(|name| d.serves(name)))
        .collect();
    // A typo must not look like "no deployments": the same unknown-model error as `run`,
    // unless the catalog knows the model (then the empty table is the answer).
    if let Some(name) = model
        && shown.is_empty()
    {
        let catalog = connection.client.models(freshness(args.refresh)).await?;
        if !catalog
            .data
            .iter()
            .any(|m| m.name.eq_ignore_ascii_case(name))
        {
            return Err(Error::UnknownModel { model: name.into() }.into());
        }
    }
    if args.json {
        let json: Vec<serde_json::Value> = shown.iter().map(|d| json_entry(d)).collect();
        crate::stdout::print_line(&serde_json::Value::Array(json).to_string())?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.model_name
                    .clone()
                    .unwrap_or_else(|| d.scenario_id.clone()),
                d.model_version.clone().unwrap_or_else(|| "-".into()),
                status_cell(d),
                d.executable_id.clone().unwrap_or_else(|| "-".into()),
                if d.is_running() { "" } else { "not selectable" }.into(),
            ]
        })
        .collect();
    crate::stdout::print(&table::render(
        &["ID", "MODEL", "VERSION", "STATUS", "EXECUTABLE", ""],
        &rows,
    ))?;
    Ok(())
}

/// `PENDING → RUNNING` says more than `PENDING` when the deployment is on its way up.
pub fn status_cell(deployment: &Deployment) -> String {
    match deployment.target_status.as_deref() {
        Some(target) if target != deployment.status => {
            format!("{} → {target}", deployment.status)
        }
        _ => deployment.status.clone(),
    }
}

/// The contract's `deployments --json` element.
pub fn json_entry(d: &Deployment) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "model": d.model_name,
        "model_version": d.model_version,
        "scenario_id": d.scenario_id,
        "executable_id": d.executable_id,
        "status": d.status,
        "target_status": d.target_status,
        "running": d.is_running(),
        "url": d.url,
        "configuration_name": d.configuration_name,
        "created_at": d.created_at,
    })
}
