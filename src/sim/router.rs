//! One fallback handler that records every request, then dispatches on method and path.
//! Manual dispatch keeps recording, auth and fault order in one readable place.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{
    RecordedRequest, Shared, auth, chat_bedrock, chat_foundation, chat_orchestration, chat_vertex,
    data, form, routes_lm,
};

/// Request bodies above this size are refused; chat prompts of a coding assistant fit easily.
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// A request after its body has been read.
pub(crate) struct Incoming {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The body as JSON, `Null` when empty or not JSON.
    pub(crate) json: Value,
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    };
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let incoming = Incoming {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: form::parse_pairs(&raw_query),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        headers: parts.headers,
        body,
    };
    if incoming.path.starts_with("/_sim/") {
        return admin(&shared, &incoming);
    }
    shared.record(record(&incoming, raw_query));
    dispatch(&shared, incoming).await
}

/// Headers a differential test compares between clients; anything else (user agent, length,
/// connection) differs between HTTP stacks without meaning anything to SAP AI Core.
const RECORDED_HEADERS: [&str; 5] = [
    "accept",
    "ai-client-type",
    "ai-resource-group",
    "authorization",
    "content-type",
];

fn recorded_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    RECORDED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            let value = if *name == "authorization" {
                // The scheme says whether it is a bearer token; the token is a secret.
                value.split_whitespace().next().unwrap_or("").to_owned()
            } else {
                value.to_owned()
            };
            Some(((*name).to_owned(), value))
        })
        .collect()
}

fn record(incoming: &Incoming, query: String) -> RecordedRequest {
    let body = if incoming.path == "/oauth/token" {
        let text = String::from_utf8_lossy(&incoming.body);
        let fields: serde_json::Map<String, Value> = form::parse_pairs(&text)
            .into_iter()
            .filter(|(name, _)| name != "client_secret")
            .map(|(name, value)| (name, Value::from(value)))
            .collect();
        Value::Object(fields)
    } else {
        incoming.json.clone()
    };
    RecordedRequest {
        method: incoming.method.to_string(),
        path: incoming.path.clone(),
        query,
        resource_group: incoming
            .headers
            .get("ai-resource-group")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        headers: recorded_headers(&incoming.headers),
        body,
    }
}

/// `POST /_sim/faults` (body = spec), `POST /_sim/release` (a held stream goes on),
/// `GET /_sim/requests` and `GET /_sim/stats`.
fn admin(shared: &Shared, incoming: &Incoming) -> Response {
    match (&incoming.method, incoming.path.as_str()) {
        (&Method::POST, "/_sim/faults") => {
            match super::Faults::parse(&String::from_utf8_lossy(&incoming.body)) {
                Ok(faults) => {
                    *shared.faults() = faults;
                    plain(StatusCode::OK, "ok")
                }
                Err(message) => plain(StatusCode::BAD_REQUEST, &message),
            }
        }
        (&Method::POST, "/_sim/release") => {
            shared.release.add_permits(1);
            plain(StatusCode::OK, "ok")
        }
        (&Method::GET, "/_sim/requests") => axum::Json(shared.recorded()).into_response(),
        (&Method::GET, "/_sim/stats") => {
            let abandoned = shared
                .streams_abandoned
                .load(std::sync::atomic::Ordering::SeqCst);
            axum::Json(json!({ "streams_abandoned": abandoned })).into_response()
        }
        _ => not_found(&incoming.path),
    }
}

async fn dispatch(shared: &Arc<Shared>, incoming: Incoming) -> Response {
    let segments: Vec<&str> = incoming.path.trim_matches('/').split('/').collect();
    let method = incoming.method.clone();
    match (method, segments.as_slice()) {
        (Method::POST, ["oauth", "token"]) => auth::token(shared, &incoming),
        (Method::GET, ["v2", "lm", rest @ ..]) => {
            let resource_group = match gate(shared, &incoming.headers) {
                Ok(group) => group,
                Err(response) => return response,
            };
            if shared.faults().take_lm_503() {
                return routes_lm::unavailable(shared);
            }
            routes_lm::route(shared, &incoming, &resource_group, rest)
        }
        (Method::POST, ["v2", "inference", "deployments", id, rest @ ..]) => {
            let resource_group = match gate(shared, &incoming.headers) {
                Ok(group) => group,
                Err(response) => return response,
            };
            let Some(deployment) = data::deployment(&resource_group, id) else {
                return deployment_not_found(id);
            };
            match (deployment.scenario(), deployment.executable(), rest) {
                ("foundation-models", "aws-bedrock", ["converse"]) => {
                    chat_bedrock::handle(shared, &incoming, deployment, false)
                }
                ("foundation-models", "aws-bedrock", ["converse-stream"]) => {
                    chat_bedrock::handle(shared, &incoming, deployment, true)
                }
                ("foundation-models", "gcp-vertexai", ["models", call]) => {
                    chat_vertex::handle(shared, &incoming, deployment, call)
                }
                // Bedrock and Vertex deployments do not speak the OpenAI API (§6.1).
                ("foundation-models", "aws-bedrock" | "gcp-vertexai", _) => {
                    not_found(&incoming.path)
                }
                ("foundation-models", _, ["chat", "completions"]) => {
                    chat_foundation::handle(shared, &incoming, deployment)
                }
                ("orchestration", _, ["v2", "completion"]) => chat_orchestration::handle(
                    shared,
                    &incoming,
                    deployment,
                    chat_orchestration::Api::V2,
                ),
                ("orchestration", _, ["completion"]) => chat_orchestration::handle(
                    shared,
                    &incoming,
                    deployment,
                    chat_orchestration::Api::V1,
                ),
                _ => not_found(&incoming.path),
            }
        }
        _ => not_found(&incoming.path),
    }
}

/// Bearer token, then resource group (missing header = `default`, §2); returns the group.
fn gate(shared: &Shared, headers: &HeaderMap) -> Result<String, Response> {
    auth::check_bearer(shared, headers)?;
    let group = headers
        .get("ai-resource-group")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("default");
    if data::RESOURCE_GROUPS.contains(&group) {
        Ok(group.to_owned())
    } else {
        Err(plain(StatusCode::FORBIDDEN, "RBAC: access denied"))
    }
}

/// 404 for an unknown or non-RUNNING deployment, in the AI API error shape (§8).
pub(crate) fn deployment_not_found(id: &str) -> Response {
    let body = json!({
        "error": {
            "code": "404",
            "message": format!("Deployment ID {id} not found"),
            "requestId": super::answer::request_id(id),
            "target": format!("/v2/inference/deployments/{id}"),
        }
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

fn not_found(path: &str) -> Response {
    let body = json!({ "error": { "code": "404", "message": format!("Path {path} not found") } });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// A `text/plain` response, as the gateway sends for auth and RBAC failures.
pub(crate) fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
}

/// The HTML page a proxy in front of AI Core sends instead of JSON (`html-errors` fault).
pub(crate) fn html_error(status: StatusCode) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

/// Applies the `429`/`503` counters to a chat request. `json_error` builds the mode's JSON
/// error body for a status and message.
pub(crate) fn chat_fault(
    shared: &Shared,
    json_error: impl Fn(StatusCode, &str) -> Value,
) -> Option<Response> {
    let mut faults = shared.faults();
    let html = faults.html_errors;
    if faults.take_429() {
        let retry_after = faults.retry_after_secs();
        let mut response = if html {
            html_error(StatusCode::TOO_MANY_REQUESTS)
        } else {
            let message = format!("Rate limit exceeded. Retry after {retry_after} seconds.");
            let body = json_error(StatusCode::TOO_MANY_REQUESTS, &message);
            (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
        };
        if let Ok(value) = retry_after.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Some(response);
    }
    if faults.take_503() {
        return Some(if html {
            html_error(StatusCode::SERVICE_UNAVAILABLE)
        } else {
            let body = json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable.",
            );
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        });
    }
    None
}

/// The `replay` body, verbatim, when the simulator was started with one.
pub(crate) fn replay(shared: &Shared) -> Option<Response> {
    let bytes = shared.replay.clone()?;
    Some(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/event-stream")],
            Body::from(bytes),
        )
            .into_response(),
    )
}
