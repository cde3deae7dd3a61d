//! The client against the in-process simulator: token lifetime and refresh, the 401 retry,
//! caches (memory, disk, bypass), RUNNING by status, and both chat modes end to end.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::StreamExt;
use sapcode::aicore::{
    ChatEvent, ChatRequest, Client, ClientOptions, Freshness, Message, Mode, Role, ServiceKey,
};
use sapcode::sim::{Faults, SimOptions, SimServer};

async fn sim(faults: &str, token_ttl: Duration) -> SimServer {
    SimServer::start(SimOptions {
        faults: Faults::parse(faults).unwrap(),
        token_ttl,
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

fn client(server: &SimServer, cache_dir: Option<std::path::PathBuf>) -> Client {
    let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
    Client::new(
        key,
        ClientOptions {
            cache_dir,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

fn count(server: &SimServer, suffix: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(suffix))
        .count()
}

fn question(text: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::new(Role::User, text)],
        ..ChatRequest::default()
    }
}

async fn collect_text(
    client: &Client,
    mode: Mode,
    model: Option<&str>,
) -> (String, Vec<ChatEvent>) {
    let target = client.resolve_target(mode, model, None).await.unwrap();
    let events: Vec<ChatEvent> = client
        .chat_stream(target, question("hello"))
        .collect()
        .await;
    let text = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    (text, events)
}

#[tokio::test]
async fn one_token_serves_many_calls_until_it_expires() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    client.deployments(Freshness::Refresh).await.unwrap();
    client.models(Freshness::Refresh).await.unwrap();
    assert_eq!(count(&server, "/oauth/token"), 1);
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_before_they_expire() {
    let server = sim("", Duration::from_secs(2)).await;
    let client = client(&server, None);
    client.deployments(Freshness::Refresh).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    client.deployments(Freshness::Refresh).await.unwrap();
    assert_eq!(count(&server, "/oauth/token"), 2);
    // No request was answered 401: the refresh happened before the token died.
    assert_eq!(count(&server, "/v2/lm/deployments"), 2);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    let calls = (0..8).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.deployments(Freshness::Refresh).await.map(|_| ()) })
    });
    for call in futures_util::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(count(&server, "/oauth/token"), 1);
}

/// `sapcode serve`'s clients resolve at once on a cold (or just expired) cache: one listing
/// each of deployments and catalog serves them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cache_misses_share_one_listing() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .resolve_target(Mode::Foundation, Some("gpt-4o"), None)
                .await
                .map(|_| ())
        })
    });
    for call in futures_util::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(count(&server, "/v2/lm/deployments"), 1);
    assert_eq!(count(&server, "/foundation-models/models"), 1);
    assert_eq!(count(&server, "/oauth/token"), 1);
}

#[tokio::test]
async fn a_401_forces_one_refresh_and_one_retry() {
    let server = sim("reject-token=1", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    client.deployments(Freshness::Refresh).await.unwrap();
    assert_eq!(count(&server, "/oauth/token"), 2);
    assert_eq!(count(&server, "/v2/lm/deployments"), 2);
}

#[tokio::test]
async fn caches_serve_from_memory_and_disk_and_refresh_bypasses_them() {
    let server = sim("", Duration::from_secs(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let first = client(&server, Some(dir.path().to_owned()));
    let fetched = first.models(Freshness::Cached).await.unwrap();
    assert!(!fetched.from_cache);
    let again = first.models(Freshness::Cached).await.unwrap();
    assert!(again.from_cache);
    assert_eq!(again.data, fetched.data);
    assert_eq!(count(&server, "/foundation-models/models"), 1);

    // A new process (new client) finds the lists on disk.
    let second = client(&server, Some(dir.path().to_owned()));
    assert!(second.models(Freshness::Cached).await.unwrap().from_cache);
    assert!(
        second
            .deployments(Freshness::Cached)
            .await
            .unwrap()
            .from_cache
    );
    assert_eq!(count(&server, "/foundation-models/models"), 1);

    let refreshed = second.models(Freshness::Refresh).await.unwrap();
    assert!(!refreshed.from_cache);
    assert_eq!(count(&server, "/foundation-models/models"), 2);
}

#[tokio::test]
async fn caches_are_kept_per_resource_group() {
    let server = sim("", Duration::from_secs(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let default = client(&server, Some(dir.path().to_owned()));
    let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
    let team_b = Client::new(
        key,
        ClientOptions {
            resource_group: "team-b".into(),
            cache_dir: Some(dir.path().to_owned()),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let a = default.deployments(Freshness::Cached).await.unwrap();
    let b = team_b.deployments(Freshness::Cached).await.unwrap();
    assert!(!b.from_cache);
    assert_ne!(a.data.len(), b.data.len());
}

#[tokio::test]
async fn counts_and_running_come_from_status() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    let models = client.models(Freshness::Refresh).await.unwrap().data;
    let gpt4o = models.iter().find(|m| m.name == "gpt-4o").unwrap();
    assert_eq!((gpt4o.running_deployments, gpt4o.total_deployments), (2, 3));
    let deployments = client.deployments(Freshness::Refresh).await.unwrap().data;
    let pending = deployments
        .iter()
        .find(|d| d.id == "d0c4f1d2e3a4b5c6")
        .unwrap();
    assert_eq!(pending.target_status.as_deref(), Some("RUNNING"));
    assert!(!pending.is_running());
}

#[tokio::test]
async fn both_modes_stream_text_usage_and_finish() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    for (mode, model) in [
        (Mode::Foundation, Some("gpt-4o")),
        (Mode::Foundation, Some("mistralai--mistral-large-instruct")),
        (Mode::Orchestration, Some("gemini-2.5-pro")),
    ] {
        let (text, events) = collect_text(&client, mode, model).await;
        assert!(text.contains("hello"), "{mode:?} {model:?}: {text}");
        assert!(
            events
                .iter()
                .filter(|e| matches!(e, ChatEvent::Delta(_)))
                .count()
                > 1
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ChatEvent::Usage(u) if u.completion_tokens > 0))
        );
        assert!(
            matches!(events.last(), Some(ChatEvent::Done { finish_reason: Some(r) }) if r == "stop")
        );
    }
}

#[tokio::test]
async fn reasoning_models_get_max_completion_tokens_and_no_temperature() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    let target = client
        .resolve_target(Mode::Foundation, Some("o3-mini"), None)
        .await
        .unwrap();
    let request = ChatRequest {
        max_tokens: Some(500),
        temperature: Some(0.2),
        ..question("hi")
    };
    let events: Vec<ChatEvent> = client.chat_stream(target, request).collect().await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Done { .. })),
        "{events:?}"
    );
    let body = server
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/chat/completions"))
        .unwrap()
        .body;
    assert_eq!(body["max_completion_tokens"], 500);
    assert!(
        body.get("temperature").is_none() && body.get("max_tokens").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn orchestration_never_puts_user_text_in_the_template() {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    let target = client
        .resolve_target(Mode::Orchestration, Some("gpt-4o"), None)
        .await
        .unwrap();
    let tricky = "fn f() { let s = \"{{?input}} {% raw %} {# c #}\"; }";
    let events: Vec<ChatEvent> = client.chat_stream(target, question(tricky)).collect().await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Done { .. })),
        "{events:?}"
    );
    let body = server
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/v2/completion"))
        .unwrap()
        .body;
    let template = body["config"]["modules"]["prompt_templating"]["prompt"]["template"].to_string();
    assert!(!template.contains("fn f()"), "{template}");
}

#[tokio::test]
async fn in_stream_error_keeps_text_and_ends_with_error() {
    let server = sim("error-after=2", Duration::from_secs(3600)).await;
    let client = client(&server, None);
    let (text, events) = collect_text(&client, Mode::Orchestration, Some("gpt-4o")).await;
    assert!(!text.is_empty());
    assert!(
        matches!(
            events.last(),
            Some(ChatEvent::Error(sapcode::aicore::Error::InStream { .. }))
        ),
        "{events:?}"
    );
}

fn team_b_client(server: &SimServer) -> Client {
    let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
    Client::new(
        key,
        ClientOptions {
            resource_group: "team-b".into(),
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// The conversation of `provider_stream` and what each executable's body must carry.
fn system_and_question() -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::new(Role::System, "be brief"),
            Message::new(Role::User, "hello there"),
        ],
        max_tokens: Some(800),
        temperature: Some(0.25),
        tools: Vec::new(),
        reasoning: None,
    }
}

async fn provider_stream(server: &SimServer, model: &str) -> (String, Vec<ChatEvent>) {
    let client = team_b_client(server);
    let target = client
        .resolve_target(Mode::Foundation, Some(model), None)
        .await
        .unwrap();
    let events: Vec<ChatEvent> = client
        .chat_stream(target, system_and_question())
        .collect()
        .await;
    let text = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    (text, events)
}

fn assert_answered(model: &str, text: &str, events: &[ChatEvent]) {
    assert!(
        text.starts_with(&format!("**{model}** (simulated)")) && text.contains("hello there"),
        "{text}"
    );
    let deltas = events
        .iter()
        .filter(|e| matches!(e, ChatEvent::Delta(_)))
        .count();
    assert!(deltas > 1, "{events:?}");
    let usages: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Usage(u) => Some(*u),
            _ => None,
        })
        .collect();
    assert_eq!(usages.len(), 1, "{events:?}");
    let usage = usages[0];
    assert!(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
    assert!(
        matches!(events.last(), Some(ChatEvent::Done { finish_reason: Some(r) }) if r == "stop"),
        "{events:?}"
    );
}

fn last_post(server: &SimServer) -> sapcode::sim::RecordedRequest {
    server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST" && r.path != "/oauth/token")
        .unwrap()
}

#[tokio::test]
async fn claude_on_bedrock_streams_through_converse() {
    let server = sim("", Duration::from_secs(3600)).await;
    let model = "anthropic--claude-4.5-sonnet";
    let (text, events) = provider_stream(&server, model).await;
    assert_answered(model, &text, &events);
    let request = last_post(&server);
    assert_eq!(
        request.path,
        "/v2/inference/deployments/db00000000000003/converse-stream"
    );
    assert_eq!(request.resource_group.as_deref(), Some("team-b"));
    assert_eq!(
        request.body,
        serde_json::json!({
            // Prompt caching: a cache point after the system prompt and the last user turn.
            "messages": [{ "role": "user", "content": [{ "text": "hello there" }, { "cachePoint": { "type": "default" } }] }],
            "system": [{ "text": "be brief" }, { "cachePoint": { "type": "default" } }],
            "inferenceConfig": { "maxTokens": 800, "temperature": 0.25 },
        })
    );
    // Without streaming: `/converse`, cut at the token limit.
    let client = team_b_client(&server);
    let target = client
        .resolve_target(Mode::Foundation, Some(model), None)
        .await
        .unwrap();
    let request = ChatRequest {
        max_tokens: Some(4),
        ..question("hi")
    };
    let whole = client.chat(&target, &request).await.unwrap();
    assert_eq!(whole.text.chars().count(), 16);
    assert_eq!(whole.finish_reason.as_deref(), Some("length"));
    assert_eq!(whole.usage.map(|u| u.completion_tokens), Some(4));
    assert!(last_post(&server).path.ends_with("/converse"));
}

#[tokio::test]
async fn gemini_on_vertex_streams_through_stream_generate_content() {
    let server = sim("", Duration::from_secs(3600)).await;
    let model = "gemini-2.5-pro";
    let (text, events) = provider_stream(&server, model).await;
    assert_answered(model, &text, &events);
    let request = last_post(&server);
    assert_eq!(
        request.path,
        "/v2/inference/deployments/db00000000000004/models/gemini-2.5-pro:streamGenerateContent"
    );
    assert_eq!(request.query, "alt=sse");
    assert_eq!(
        request.body,
        serde_json::json!({
            "contents": [{ "role": "user", "parts": [{ "text": "hello there" }] }],
            "systemInstruction": { "parts": [{ "text": "be brief" }] },
            "generationConfig": { "maxOutputTokens": 800, "temperature": 0.25 },
        })
    );
    let client = team_b_client(&server);
    let target = client
        .resolve_target(Mode::Foundation, Some(model), None)
        .await
        .unwrap();
    let whole = client.chat(&target, &question("hi")).await.unwrap();
    assert!(whole.text.starts_with("**gemini-2.5-pro** (simulated)"));
    assert_eq!(whole.finish_reason.as_deref(), Some("stop"));
    assert!(whole.usage.is_some_and(|u| u.total_tokens > 0));
    assert!(last_post(&server).path.ends_with(":generateContent"));
}

#[tokio::test]
async fn provider_streams_that_break_keep_their_text() {
    for model in ["anthropic--claude-4.5-sonnet", "gemini-2.5-pro"] {
        let server = sim("error-after=2", Duration::from_secs(3600)).await;
        let (text, events) = provider_stream(&server, model).await;
        assert!(!text.is_empty(), "{model}");
        assert!(
            matches!(
                events.last(),
                Some(ChatEvent::Error(sapcode::aicore::Error::InStream { message })) if message.contains("simulated")
            ),
            "{model}: {events:?}"
        );
        let server = sim("cut-after=2", Duration::from_secs(3600)).await;
        let (text, events) = provider_stream(&server, model).await;
        assert!(!text.is_empty(), "{model}");
        assert!(
            matches!(
                events.last(),
                Some(ChatEvent::Error(
                    sapcode::aicore::Error::StreamBroken { .. }
                ))
            ),
            "{model}: {events:?}"
        );
        // A 429 before the first byte is retried like every other route.
        let server = sim("429=1,retry-after=0", Duration::from_secs(3600)).await;
        let (text, events) = provider_stream(&server, model).await;
        assert_answered(model, &text, &events);
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ChatEvent::Retrying { .. }))
        );
    }
}
