//! `/v2/lm/*`: deployment listing with the query filters SDKs rely on (§4.1), single
//! deployments, the `$count` endpoint and the foundation-model catalog (§5).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::router::{Incoming, html_error, plain};
use super::{Shared, answer, data, form};

/// Dispatches `GET /v2/lm/{rest}` after auth and resource-group checks.
pub(crate) fn route(
    shared: &Shared,
    incoming: &Incoming,
    resource_group: &str,
    rest: &[&str],
) -> Response {
    match rest {
        ["deployments"] => match filtered(incoming, resource_group) {
            Ok(list) => {
                let (count, page) = list;
                let resources: Vec<Value> =
                    page.iter().map(|d| d.to_json(&shared.base_url)).collect();
                axum::Json(json!({ "count": count, "resources": resources })).into_response()
            }
            Err(response) => response,
        },
        ["deployments", "$count"] => match filtered(incoming, resource_group) {
            Ok((count, _)) => plain(StatusCode::OK, &count.to_string()),
            Err(response) => response,
        },
        ["deployments", id] => match data::deployment(resource_group, id) {
            Some(deployment) => {
                let mut body = deployment.to_json(&shared.base_url);
                body["statusDetails"] = json!({});
                axum::Json(body).into_response()
            }
            None => ai_api_error(
                StatusCode::NOT_FOUND,
                &format!("Deployment {id} not found"),
                &incoming.path,
            ),
        },
        ["scenarios", "foundation-models", "models"] => {
            axum::Json(data::catalog_json()).into_response()
        }
        _ => ai_api_error(
            StatusCode::NOT_FOUND,
            &format!("Path {} not found", incoming.path),
            &incoming.path,
        ),
    }
}

/// The `lm-503` fault's answer: JSON AI API error, or the proxy page with `html-errors`.
pub(crate) fn unavailable(shared: &Shared) -> Response {
    if shared.faults().html_errors {
        return html_error(StatusCode::SERVICE_UNAVAILABLE);
    }
    ai_api_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service Unavailable",
        "/v2/lm",
    )
}

/// Matching count (before paging) and the requested page.
fn filtered(
    incoming: &Incoming,
    resource_group: &str,
) -> Result<(usize, Vec<&'static data::Deployment>), Response> {
    let query = &incoming.query;
    let scenario = form::value(query, "scenarioId");
    let status = form::value(query, "status");
    let configuration = form::value(query, "configurationId");
    let executables: Option<Vec<&str>> =
        form::value(query, "executableIds").map(|list| list.split(',').map(str::trim).collect());
    let top = number(incoming, "$top")?.unwrap_or(10_000);
    let skip = number(incoming, "$skip")?.unwrap_or(0);
    let matching: Vec<&'static data::Deployment> = data::deployments_in(resource_group)
        .filter(|d| scenario.is_none_or(|scenario| d.scenario() == scenario))
        .filter(|d| status.is_none_or(|status| d.status.as_str() == status))
        .filter(|d| {
            executables
                .as_ref()
                .is_none_or(|ids| ids.contains(&d.executable()))
        })
        .filter(|d| configuration.is_none_or(|id| d.to_json("")["configurationId"] == id))
        .collect();
    let page = matching.iter().copied().skip(skip).take(top).collect();
    Ok((matching.len(), page))
}

fn number(incoming: &Incoming, name: &str) -> Result<Option<usize>, Response> {
    match form::value(&incoming.query, name) {
        None => Ok(None),
        Some(text) => text.parse::<usize>().map(Some).map_err(|_| {
            ai_api_error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid value '{text}' for query parameter {name}"),
                &incoming.path,
            )
        }),
    }
}

/// AI API error body `{"error": {code, message, requestId, target}}` (§8).
fn ai_api_error(status: StatusCode, message: &str, target: &str) -> Response {
    let body = json!({
        "error": {
            "code": status.as_u16().to_string(),
            "message": message,
            "requestId": answer::request_id(target),
            "target": target,
        }
    });
    (status, axum::Json(body)).into_response()
}
