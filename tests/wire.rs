//! Wire facts of issue 18 through the real binary and the simulator: the catalog's lifecycle
//! in `models --json`, and reasoning models that spend a small cap on hidden reasoning.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, stdout_of};
use futures_util::StreamExt;
use sapcode::aicore::{
    ChatEvent, ChatRequest, Client, ClientOptions, Freshness, Message, Mode, Role, ServiceKey,
};
use sapcode::sim::SimServer;
use serde_json::Value;

fn model<'a>(models: &'a Value, name: &str) -> &'a Value {
    models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {models}"))
}

#[test]
fn models_json_carries_the_catalog_lifecycle() {
    let home = Home::new();
    let output = home
        .sapcode()
        .args(["--demo", "models", "--json", "--all"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let models: Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    let old = model(&models, "gpt-35-turbo-16k");
    assert_eq!(old["deprecated"], true);
    assert_eq!(old["retirement_date"], "2026-03-31");
    assert_eq!(
        old["suggested_replacements"],
        serde_json::json!(["gpt-4.1-mini"])
    );
    let current = model(&models, "gpt-4o");
    assert_eq!(current["deprecated"], false);
    assert_eq!(current["retirement_date"], Value::Null);
    assert_eq!(current["suggested_replacements"], serde_json::json!([]));
}

/// The simulator's reasoning models spend 64 tokens on reasoning first: a 16-token cap (what
/// `doctor` used to send) leaves no text, which is what makes the next test able to fail.
#[tokio::test]
async fn a_small_cap_leaves_a_reasoning_model_no_text() {
    let server = SimServer::start(Default::default()).await.unwrap();
    let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
    let client = Client::new(key, ClientOptions::default()).unwrap();
    client.models(Freshness::Refresh).await.unwrap();
    let target = client
        .resolve_target(Mode::Foundation, Some("o3-mini"), None)
        .await
        .unwrap();
    let text = |max_tokens| {
        let (client, target) = (client.clone(), target.clone());
        async move {
            let request = ChatRequest {
                messages: vec![Message::new(Role::User, "Say OK.")],
                max_tokens,
                ..ChatRequest::default()
            };
            let mut text = String::new();
            let mut events = client.chat_stream(target, request);
            while let Some(event) = events.next().await {
                match event {
                    ChatEvent::Delta(delta) => text.push_str(&delta),
                    ChatEvent::Error(err) => panic!("{err}"),
                    _ => {}
                }
            }
            text
        }
    };
    assert_eq!(text(Some(16)).await, "");
    assert!(!text(None).await.is_empty());
}

#[test]
fn doctor_gets_an_answer_from_a_reasoning_model() {
    let home = Home::new();
    for model in ["o3-mini", "gpt-4o"] {
        let output = home
            .sapcode()
            .args(["--demo", "--model", model, "doctor"])
            .output()
            .unwrap();
        let stdout = stdout_of(&output);
        assert!(output.status.success(), "{stdout}");
        let line = stdout
            .lines()
            .find(|l| l.contains("completion"))
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(line.contains(model), "{line}");
        assert!(!line.contains("answered 0 characters"), "{line}");
    }
}
