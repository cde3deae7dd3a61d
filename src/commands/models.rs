//! `sapcode models`: the model picker's data, filtered unless `--all`.

use super::table;
use crate::aicore::{Freshness, ModelEntry};
use crate::cli::ListArgs;
use crate::connect::Context;

pub async fn run(ctx: &Context, args: ListArgs) -> anyhow::Result<()> {
    let connection = ctx.connect().await?;
    let models = connection.client.models(freshness(args.refresh)).await?;
    let shown: Vec<&ModelEntry> = models
        .data
        .iter()
        .filter(|model| args.all || model.passes_filter)
        .collect();
    if args.json {
        let json: Vec<serde_json::Value> = shown.iter().map(|m| json_entry(m)).collect();
        crate::stdout::print_line(&serde_json::Value::Array(json).to_string())?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.provider.clone().unwrap_or_else(|| "-".into()),
                m.context_length
                    .map_or_else(|| "-".into(), table::short_count),
                format!("{}/{}", m.running_deployments, m.total_deployments),
                if m.orchestration { "yes" } else { "no" }.into(),
                if m.passes_filter { "" } else { "filtered out" }.into(),
            ]
        })
        .collect();
    crate::stdout::print(&table::render(
        &[
            "MODEL",
            "PROVIDER",
            "CONTEXT",
            "RUNNING/ALL",
            "ORCHESTRATION",
            "",
        ],
        &rows,
    ))?;
    let hidden = models.data.len() - shown.len();
    if hidden > 0 {
        eprintln!(
            "{hidden} more fail the filter (streaming, text generation, context ≥ 32k): --all shows them"
        );
    }
    Ok(())
}

pub fn freshness(refresh: bool) -> Freshness {
    if refresh {
        Freshness::Refresh
    } else {
        Freshness::Cached
    }
}

/// The contract's `models --json` element.
pub fn json_entry(model: &ModelEntry) -> serde_json::Value {
    serde_json::json!({
        "name": model.name,
        "provider": model.provider,
        "version": model.version,
        "context_length": model.context_length,
        "orchestration": model.orchestration,
        "running_deployments": model.running_deployments,
        "total_deployments": model.total_deployments,
        "executable_id": model.executable_id,
        "passes_filter": model.passes_filter,
        "deprecated": model.lifecycle.deprecated,
        "retirement_date": model.lifecycle.retirement_date,
        "suggested_replacements": model.lifecycle.suggested_replacements,
        "input_types": model.input_types,
        "price": model.price.map(|p| serde_json::json!({
            "input_per_1k_usd": p.input_per_1k,
            "output_per_1k_usd": p.output_per_1k,
            "cache_read_per_1k_usd": p.cache_read_per_1k(),
            "cache_write_per_1k_usd": p.cache_write_per_1k(),
        })),
    })
}
