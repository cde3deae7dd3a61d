//! In-process HTTP tests of the simulator: a server on a free loopback port, hit with
//! `reqwest`, streams compared key-by-key with the SAP SDK fixtures.

mod auth;
mod choice;
mod faults;
mod foundation;
mod lm;
mod orchestration;
mod providers;

use serde_json::{Map, Value, json};

use super::{CLIENT_ID, CLIENT_SECRET, SimOptions, SimServer};

pub(super) async fn start() -> SimServer {
    start_with(SimOptions::default()).await
}

pub(super) async fn start_with(options: SimOptions) -> SimServer {
    SimServer::start(options).await.expect("simulator starts")
}

pub(super) fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A fresh token via the form body, as SAP's own clients get it.
pub(super) async fn token(sim: &SimServer) -> String {
    let response = client()
        .post(format!("{}/oauth/token", sim.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub(super) async fn get(
    sim: &SimServer,
    token: &str,
    path: &str,
    group: Option<&str>,
) -> reqwest::Response {
    let mut request = client()
        .get(format!("{}{path}", sim.base_url()))
        .bearer_auth(token);
    if let Some(group) = group {
        request = request.header("AI-Resource-Group", group);
    }
    request.send().await.expect("GET")
}

pub(super) async fn post(
    sim: &SimServer,
    token: &str,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    client()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(token)
        .header("ai-resource-group", "default")
        .json(body)
        .send()
        .await
        .expect("POST")
}

/// Payloads of the `data:` lines of an SSE body, in order.
pub(super) fn sse_data(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(str::to_owned)
        .collect()
}

/// Parsed JSON payloads of an SSE body, without the `[DONE]` terminator.
pub(super) fn sse_json(text: &str) -> Vec<Value> {
    sse_data(text)
        .iter()
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).expect("chunk is JSON"))
        .collect()
}

pub(super) fn fixture(relative: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/sap-ai-sdk-js/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The key structure of a JSON value: objects keep their keys (sorted), arrays the shape of
/// their first element, scalars become their type name. `null` and `""` stay distinct.
pub(super) fn shape(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(text) if text.is_empty() => json!("empty-string"),
        Value::String(_) => json!("string"),
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::Object(map) => {
            let shaped: Map<String, Value> = map
                .iter()
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect();
            Value::Object(shaped)
        }
    }
}

/// Asserts equal key structure with a readable diff.
pub(super) fn assert_same_shape(ours: &Value, fixture: &Value, what: &str) {
    pretty_assertions::assert_eq!(shape(ours), shape(fixture), "{what}");
}

/// The text of all `delta.content` pieces of foundation chunks.
pub(super) fn foundation_text(chunks: &[Value]) -> String {
    chunks
        .iter()
        .filter_map(|chunk| chunk["choices"][0]["delta"]["content"].as_str())
        .collect()
}

pub(super) fn user(text: &str) -> Value {
    json!({ "role": "user", "content": text })
}
