//! HTTP behaviour of `Client` against a tiny in-test axum server on a loopback port: token
//! single flight and refresh, 401 retry, 403 resource group, retries, timeouts, the v1
//! fallback, caches and request bodies.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Response};
use futures_util::StreamExt;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::*;

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: String,
    headers: HeaderMap,
    body: Bytes,
}

/// What the test server does for one request: (delay before headers, response).
type Handler = dyn Fn(&Seen, u32) -> (Duration, Response<Body>) + Send + Sync;

#[derive(Clone)]
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    tokens: Arc<AtomicU32>,
}

impl Server {
    fn requests(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

fn json_response(status: u16, body: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn text_response(status: u16, body: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn sse_response(body: String) -> Response<Body> {
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(body))
        .unwrap()
}

/// Token endpoint built in (50 ms slow, `expires_in` seconds); everything else goes to `api`.
async fn serve(expires_in: u64, api: Box<Handler>) -> Server {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let tokens = Arc::new(AtomicU32::new(0));
    let counter = Arc::new(AtomicU32::new(0));
    let api: Arc<Handler> = Arc::from(api);
    let (seen2, tokens2) = (seen.clone(), tokens.clone());
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (seen, tokens, counter, api) = (seen2.clone(), tokens2.clone(), counter.clone(), api.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
            let s = Seen {
                path: parts.uri.path().to_string(),
                query: parts.uri.query().unwrap_or("").to_string(),
                headers: parts.headers,
                body,
            };
            seen.lock().unwrap().push(s.clone());
            if s.path == "/oauth/token" {
                let n = tokens.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                return json_response(200, json!({"access_token": format!("tok-{n}"), "token_type": "bearer", "expires_in": expires_in}));
            }
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let (delay, resp) = api(&s, n);
            tokio::time::sleep(delay).await;
            resp
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { base, seen, tokens }
}

fn options() -> ClientOptions {
    ClientOptions {
        resource_group: "rg-test".into(),
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            first_byte: Duration::from_secs(5),
            idle: Duration::from_secs(5),
        },
        retry: RetryPolicy {
            max_attempts: 3,
            max_total: Duration::from_secs(10),
            max_retry_after: Duration::from_millis(50),
        },
        ..ClientOptions::default()
    }
}

fn client(server: &Server, opts: ClientOptions) -> Client {
    let key = ServiceKey::from_parts(
        "cid",
        SecretString::from("s3cr$t+/="),
        &server.base,
        &server.base,
    )
    .unwrap();
    Client::new(key, opts).unwrap()
}

fn deployment(server: &Server, executable: &str, scenario: &str) -> Deployment {
    Deployment {
        id: "d1".into(),
        scenario_id: scenario.into(),
        executable_id: Some(executable.into()),
        configuration_name: None,
        model_name: Some("gpt-4o".into()),
        model_version: None,
        status: "RUNNING".into(),
        target_status: None,
        url: Some(format!("{}/v2/inference/deployments/d1", server.base)),
        created_at: None,
        modified_at: None,
        start_time: None,
    }
}

fn foundation_target(server: &Server) -> ChatTarget {
    ChatTarget::Foundation {
        deployment: deployment(server, "azure-openai", "foundation-models"),
        model: "gpt-4o".into(),
    }
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message::new(Role::User, "hi")],
        max_tokens: Some(10),
        temperature: None,
        tools: Vec::new(),
        reasoning: None,
    }
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/sap-ai-sdk-js/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ok_list() -> Response<Body> {
    json_response(200, json!({"count": 0, "resources": []}))
}

async fn collect(stream: ChatStream) -> Vec<ChatEvent> {
    tokio::time::timeout(Duration::from_secs(20), stream.collect::<Vec<_>>())
        .await
        .unwrap()
}

#[tokio::test]
async fn single_flight_token_and_form_body() {
    let server = serve(3600, Box::new(|_, _| (Duration::ZERO, ok_list()))).await;
    let c = client(&server, options());
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.fetch_token().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.tokens.load(Ordering::SeqCst), 1);
    assert_eq!(c.token_requests(), 1);
    let req = &server.requests("/oauth/token")[0];
    let form = String::from_utf8_lossy(&req.body).to_string();
    assert!(form.contains("grant_type=client_credentials"), "{form}");
    assert!(form.contains("client_id=cid"), "{form}");
    assert!(form.contains("client_secret=s3cr%24t%2B%2F%3D"), "{form}");
    assert!(
        req.headers.get("authorization").is_none(),
        "credentials go in the body"
    );
}

/// On tokio's paused clock, so "ahead of expiry" is exact: a 600 s token (margin 120 s) is
/// kept until 480 s after it arrived and replaced from then on, long before it expires.
#[tokio::test(start_paused = true)]
async fn token_is_refreshed_ahead_of_expiry_by_the_margin() {
    let server = serve(600, Box::new(|_, _| (Duration::ZERO, ok_list()))).await;
    let c = client(&server, options());
    c.fetch_token().await.unwrap();
    let arrived = tokio::time::Instant::now();
    let due = arrived + Duration::from_secs(600) - auth::refresh_margin(Duration::from_secs(600));
    assert_eq!(due - arrived, Duration::from_secs(480));
    tokio::time::sleep_until(due - Duration::from_secs(1)).await;
    c.fetch_token().await.unwrap();
    assert_eq!(
        server.tokens.load(Ordering::SeqCst),
        1,
        "still fresh a second before the margin"
    );
    tokio::time::sleep_until(due).await;
    c.fetch_token().await.unwrap();
    assert_eq!(
        server.tokens.load(Ordering::SeqCst),
        2,
        "replaced at the margin, 120 s before expiry"
    );
}

#[tokio::test]
async fn headers_and_401_refresh_then_one_retry() {
    let server = serve(
        3600,
        Box::new(|s, _| {
            let auth = s
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if auth == "Bearer tok-1" {
                (Duration::ZERO, text_response(401, "Jwt is expired"))
            } else {
                (Duration::ZERO, ok_list())
            }
        }),
    )
    .await;
    let c = client(&server, options());
    let list = c.deployments(Freshness::Refresh).await.unwrap();
    assert!(!list.from_cache && list.data.is_empty());
    assert_eq!(server.tokens.load(Ordering::SeqCst), 2);
    let reqs = server.requests("/v2/lm/deployments");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].query, "$top=10000&$skip=0");
    assert_eq!(reqs[1].headers["authorization"], "Bearer tok-2");
    assert_eq!(reqs[1].headers["ai-resource-group"], "rg-test");
    assert_eq!(reqs[1].headers["ai-client-type"], "sapcode");
}

#[tokio::test]
async fn second_401_is_an_http_error() {
    let server = serve(
        3600,
        Box::new(|_, _| (Duration::ZERO, text_response(401, "Jwt is expired"))),
    )
    .await;
    let c = client(&server, options());
    let err = c.deployments(Freshness::Refresh).await.unwrap_err();
    assert!(
        matches!(err, Error::Http { status: 401, ref detail, .. } if detail == "Jwt is expired"),
        "{err:?}"
    );
    assert_eq!(server.tokens.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn forbidden_listing_names_the_resource_group() {
    let server = serve(
        3600,
        Box::new(|_, _| (Duration::ZERO, text_response(403, "RBAC: access denied"))),
    )
    .await;
    let err = client(&server, options())
        .deployments(Freshness::Refresh)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResourceGroup { ref resource_group, status: 403, .. } if resource_group == "rg-test"),
        "{err:?}"
    );
}

#[tokio::test]
async fn rate_limit_then_success_yields_retrying() {
    let body = fixture("foundation-models/azure-openai-chat-completion-stream-chunks.txt");
    let server = serve(
        3600,
        Box::new(move |_, n| {
            if n == 1 {
                let resp = Response::builder()
                    .status(429)
                    .header("retry-after", "7")
                    .body(Body::from("slow down"))
                    .unwrap();
                (Duration::ZERO, resp)
            } else {
                (Duration::ZERO, sse_response(body.clone()))
            }
        }),
    )
    .await;
    let c = client(&server, options());
    let events = collect(c.chat_stream(foundation_target(&server), request())).await;
    assert!(
        matches!(&events[0], ChatEvent::Retrying { attempt: 1, delay, reason } if *delay == Duration::from_millis(50) && reason == "HTTP 429"),
        "{:?}",
        events[0]
    );
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "The capital of France is Paris.");
    assert!(matches!(events.last(), Some(ChatEvent::Done { .. })));
    let reqs = server.requests("/v2/inference/deployments/d1/chat/completions");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].query, "api-version=2024-10-21");
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(
        body,
        json!({"messages": [{"role": "user", "content": "hi"}], "stream": true, "stream_options": {"include_usage": true}, "max_tokens": 10})
    );
}

#[tokio::test]
async fn unavailable_gives_up_after_max_attempts() {
    let server = serve(
        3600,
        Box::new(|_, _| {
            (
                Duration::ZERO,
                text_response(503, "<html><body>busy</body></html>"),
            )
        }),
    )
    .await;
    let c = client(&server, options());
    let err = c
        .chat(&foundation_target(&server), &request())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Http { status: 503, ref detail, .. } if detail == "HTML page (proxy?)"),
        "{err:?}"
    );
    assert_eq!(
        server
            .requests("/v2/inference/deployments/d1/chat/completions")
            .len(),
        3
    );
    let events = collect(c.chat_stream(foundation_target(&server), request())).await;
    let retries = events
        .iter()
        .filter(|e| matches!(e, ChatEvent::Retrying { .. }))
        .count();
    assert_eq!(retries, 2);
    assert!(matches!(
        events.last(),
        Some(ChatEvent::Error(Error::Http { status: 503, .. }))
    ));
}

#[tokio::test]
async fn first_byte_timeout() {
    let server = serve(
        3600,
        Box::new(|_, _| (Duration::from_millis(800), text_response(200, ""))),
    )
    .await;
    let mut opts = options();
    opts.timeouts.first_byte = Duration::from_millis(150);
    let events =
        collect(client(&server, opts).chat_stream(foundation_target(&server), request())).await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Error(Error::Timeout { what, .. })) if what == "waiting for the first byte"),
        "{events:?}"
    );
}

#[tokio::test]
async fn idle_timeout_keeps_text_so_far() {
    let server = serve(3600, Box::new(|_, _| {
        let first = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
        let chunks = futures_util::stream::unfold(0, move |i| async move {
            match i {
                0 => Some((Ok::<_, std::convert::Infallible>(Bytes::from(first)), 1)),
                1 => { tokio::time::sleep(Duration::from_secs(3)).await; None }
                _ => None,
            }
        });
        (Duration::ZERO, Response::builder().body(Body::from_stream(chunks)).unwrap())
    }))
    .await;
    let mut opts = options();
    opts.timeouts.idle = Duration::from_millis(200);
    let events =
        collect(client(&server, opts).chat_stream(foundation_target(&server), request())).await;
    assert!(
        matches!(&events[0], ChatEvent::Delta(t) if t == "Hel"),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(ChatEvent::Error(Error::Timeout { what, .. })) if what == "stream idle"),
        "{events:?}"
    );
}

#[tokio::test]
async fn orchestration_v2_404_falls_back_to_v1_and_remembers() {
    let server = serve(3600, Box::new(|s, _| {
        if s.path.ends_with("/v2/completion") {
            (Duration::ZERO, json_response(404, json!({"error": {"code": "404", "message": "Not Found"}})))
        } else {
            (Duration::ZERO, json_response(200, json!({"request_id": "r", "module_results": {},
                "orchestration_result": {"choices": [{"index": 0, "message": {"role": "assistant", "content": "v1 says hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}})))
        }
    }))
    .await;
    let c = client(&server, options());
    let target = ChatTarget::Orchestration {
        deployment: deployment(&server, "orchestration", "orchestration"),
        model: "gpt-4o".into(),
    };
    let resp = c.chat(&target, &request()).await.unwrap();
    assert_eq!(resp.text, "v1 says hi");
    assert_eq!(resp.usage.map(|u| u.total_tokens), Some(3));
    c.chat(&target, &request()).await.unwrap();
    assert_eq!(
        server
            .requests("/v2/inference/deployments/d1/v2/completion")
            .len(),
        1,
        "v1 remembered"
    );
    let v1 = server.requests("/v2/inference/deployments/d1/completion");
    assert_eq!(v1.len(), 2);
    let body: Value = serde_json::from_slice(&v1[0].body).unwrap();
    assert_eq!(body["input_params"], json!({"input": "hi"}));
    assert_eq!(
        body["orchestration_config"]["module_configurations"]["llm_module_config"]["model_name"],
        "gpt-4o"
    );
}

#[tokio::test]
async fn orchestration_stream_error_event() {
    let body = fixture("orchestration/orchestration-chat-completion-stream-chunks-with-error.txt");
    let server = serve(
        3600,
        Box::new(move |_, _| (Duration::ZERO, sse_response(body.clone()))),
    )
    .await;
    let target = ChatTarget::Orchestration {
        deployment: deployment(&server, "orchestration", "orchestration"),
        model: "gpt-5".into(),
    };
    let events = collect(client(&server, options()).chat_stream(target, request())).await;
    assert!(
        matches!(events.last(), Some(ChatEvent::Error(Error::InStream { message })) if message.contains("wrong-version")),
        "{events:?}"
    );
    let sent: Value = serde_json::from_slice(
        &server.requests("/v2/inference/deployments/d1/v2/completion")[0].body,
    )
    .unwrap();
    assert_eq!(sent["placeholder_values"], json!({"input": "hi"}));
}

#[tokio::test]
async fn token_errors_are_classified() {
    let key = |base: &str| {
        ServiceKey::from_parts("cid", SecretString::from("wrong"), base, base).unwrap()
    };
    // Rejected credentials.
    let app = axum::Router::new().fallback(|| async {
        json_response(
            401,
            json!({"error": "invalid_client", "error_description": "Bad credentials"}),
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let err = Client::new(key(&base), options())
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::AuthRejected { ref detail, .. } if detail == "invalid_client: Bad credentials"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("wrong"));
    // A proxy's HTML page.
    let app = axum::Router::new().fallback(|| async {
        Response::builder()
            .header("content-type", "text/html")
            .body(Body::from("<html>login</html>"))
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let err = Client::new(key(&base), options())
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    // Nobody listening.
    let err = Client::new(key("http://127.0.0.1:9"), options())
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
}

#[tokio::test]
async fn models_are_cached_and_refresh_bypasses() {
    let server = serve(3600, Box::new(|s, _| {
        if s.path.ends_with("/models") {
            (Duration::ZERO, json_response(200, json!({"count": 1, "resources": [{"model": "gpt-4o", "executableId": "azure-openai",
                "allowedScenarios": [{"scenarioId": "orchestration", "executableId": "orchestration"}],
                "versions": [{"name": "1", "isLatest": true, "contextLength": 128000, "capabilities": ["text-generation"], "streamingSupported": true}]}]})))
        } else {
            (Duration::ZERO, ok_list())
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.cache_dir = Some(dir.path().to_path_buf());
    let c = client(&server, opts.clone());
    let first = c.models(Freshness::Cached).await.unwrap();
    assert!(!first.from_cache && first.data[0].passes_filter);
    let second = c.models(Freshness::Cached).await.unwrap();
    assert!(second.from_cache);
    // A new client (new process) reads the disk cache.
    assert!(
        client(&server, opts)
            .models(Freshness::Cached)
            .await
            .unwrap()
            .from_cache
    );
    assert_eq!(
        server
            .requests("/v2/lm/scenarios/foundation-models/models")
            .len(),
        1
    );
    c.models(Freshness::Refresh).await.unwrap();
    assert_eq!(
        server
            .requests("/v2/lm/scenarios/foundation-models/models")
            .len(),
        2
    );
    let err = c
        .resolve_target(Mode::Foundation, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NothingRunning {
                other_mode_has_it: false,
                ..
            }
        ),
        "{err:?}"
    );
}

/// A token endpoint that answers from a script: one (status, extra header, body) per call.
async fn scripted_token_endpoint(
    script: Vec<(u16, Option<&'static str>, Value)>,
) -> (String, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let script = Arc::new(script);
    let seen = calls.clone();
    let app = axum::Router::new().fallback(move || {
        let (calls, script) = (seen.clone(), script.clone());
        async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) as usize;
            let (status, retry_after, body) = script[n.min(script.len() - 1)].clone();
            let mut resp = json_response(status, body);
            if let Some(wait) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", wait.parse().unwrap());
            }
            resp
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, calls)
}

#[tokio::test]
async fn token_endpoint_busy_is_retried_then_succeeds() {
    let ok = json!({"access_token": "tok", "token_type": "bearer", "expires_in": 3600});
    let (base, calls) = scripted_token_endpoint(vec![
        (503, None, json!({"error": "unavailable"})),
        (429, Some("0"), json!({"error": "slow_down"})),
        (200, None, ok),
    ])
    .await;
    let key = ServiceKey::from_parts("cid", SecretString::from("s"), &base, &base).unwrap();
    let client = Client::new(key, options()).unwrap();
    client.fetch_token().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn token_endpoint_refusals_are_never_retried() {
    for status in [400u16, 401, 403] {
        let (base, calls) = scripted_token_endpoint(vec![(
            status,
            None,
            json!({"error": "invalid_client", "error_description": "Bad credentials"}),
        )])
        .await;
        let key = ServiceKey::from_parts("cid", SecretString::from("s"), &base, &base).unwrap();
        let err = Client::new(key, options())
            .unwrap()
            .fetch_token()
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{status}: {err:?}");
    }
}

#[tokio::test]
async fn token_endpoint_retries_are_bounded() {
    let (base, calls) =
        scripted_token_endpoint(vec![(502, None, json!({"error": "bad gateway"}))]).await;
    let key = ServiceKey::from_parts("cid", SecretString::from("s"), &base, &base).unwrap();
    let err = Client::new(key, options())
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 502, .. }), "{err:?}");
    assert_eq!(calls.load(Ordering::SeqCst), options().retry.max_attempts);
}

#[tokio::test]
async fn huge_and_html_listings_are_refused_with_a_clear_message() {
    // 9 MiB of JSON: refused at the 8 MiB cap, not held in memory.
    let huge = format!("{{\"resources\": [\"{}\"]}}", "x".repeat(9 << 20));
    let server = serve(
        3600,
        Box::new(move |_, _| (Duration::ZERO, json_response_raw(200, huge.clone()))),
    )
    .await;
    let err = client(&server, options())
        .deployments(Freshness::Refresh)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { detail, .. } if detail.contains("larger than 8 MiB")),
        "{err:?}"
    );
    // A proxy's login page with status 200.
    let server = serve(
        3600,
        Box::new(|_, _| {
            (
                Duration::ZERO,
                text_response(200, "<!DOCTYPE html><html><body>Sign in</body></html>"),
            )
        }),
    )
    .await;
    let err = client(&server, options())
        .deployments(Freshness::Refresh)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { detail, .. } if detail.contains("HTML page")),
        "{err:?}"
    );
    assert!(err.hint().contains("proxy"), "{}", err.hint());
}

#[tokio::test]
async fn huge_error_bodies_are_summarised() {
    let page = format!("<html><body>{}</body></html>", "busy ".repeat(2 << 20));
    let server = serve(
        3600,
        Box::new(move |_, _| (Duration::ZERO, text_response(500, &page))),
    )
    .await;
    let opts = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 1,
            ..options().retry
        },
        ..options()
    };
    let err = client(&server, opts)
        .deployments(Freshness::Refresh)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 500, .. }), "{err:?}");
    assert!(err.to_string().len() < 400, "{err}");
}

fn json_response_raw(status: u16, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Listings of any shape decode leniently or not at all; never a panic.
    #[test]
    fn listings_of_any_shape_never_panic(text in "[\\[\\]{}\",:a-zA-Z0-9 ]{0,200}") {
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            let _ = deployments::decode_list(&value);
            let _ = models::decode_catalog(&value);
        }
        let _ = error_body::short_message(text.as_bytes());
    }
}

#[tokio::test]
async fn bedrock_asks_for_sse_and_names_binary_event_stream_when_it_comes_anyway() {
    let server = serve(
        3600,
        Box::new(|_, _| {
            let resp = Response::builder()
                .header("content-type", "application/vnd.amazon.eventstream")
                .body(Body::from(vec![0u8, 0, 0, 0x5d, 0xff, 0xfe, 0x80, 0x01]))
                .unwrap();
            (Duration::ZERO, resp)
        }),
    )
    .await;
    let c = client(&server, options());
    let target = ChatTarget::Foundation {
        deployment: deployment(&server, "aws-bedrock", "foundation-models"),
        model: "anthropic--claude-4.5-sonnet".into(),
    };
    let events = collect(c.chat_stream(target.clone(), request())).await;
    let [ChatEvent::Error(err)] = events.as_slice() else {
        panic!("{events:?}")
    };
    let line = err.to_string();
    assert!(
        line.contains("application/vnd.amazon.eventstream") && !line.contains("UTF-8"),
        "{line}"
    );
    let whole = c.chat(&target, &request()).await.unwrap_err().to_string();
    assert!(whole.contains("binary event-stream"), "{whole}");

    let stream = server.requests("/v2/inference/deployments/d1/converse-stream");
    assert_eq!(stream[0].headers["accept"], "text/event-stream");
    let converse = server.requests("/v2/inference/deployments/d1/converse");
    assert_eq!(converse[0].headers["accept"], "application/json");
}

#[tokio::test]
async fn a_plain_http_deployment_url_never_gets_the_token() {
    let server = serve(3600, Box::new(|_, _| (Duration::ZERO, ok_list()))).await;
    let c = client(&server, options());
    let mut target = foundation_target(&server);
    if let ChatTarget::Foundation { deployment, .. } = &mut target {
        deployment.url = Some("http://example.invalid/v2/inference/deployments/d1".into());
    }
    let events = collect(c.chat_stream(target, request())).await;
    assert!(
        matches!(events.as_slice(), [ChatEvent::Error(Error::InsecureUrl { url, .. })] if url == "http://example.invalid"),
        "{events:?}"
    );
    assert_eq!(c.token_requests(), 0, "no token was even fetched");
    assert!(server.requests("/oauth/token").is_empty());
}

/// Orchestration's 429 carries the model's wait in the body, not in a header (§7.7): it is
/// honoured like `Retry-After` (capped by `max_retry_after`, 50 ms here), where a body
/// without it gets the backoff (375–500 ms).
#[tokio::test]
async fn a_wait_in_the_error_body_is_honoured_like_the_header() {
    let body = fixture("foundation-models/azure-openai-chat-completion-stream-chunks.txt");
    for (error, honoured) in [
        (
            json!({"error": {"code": 429, "message": "Too many requests", "location": "LLM Module",
            "headers": {"x-retry-after": "7"}}}),
            true,
        ),
        (
            json!({"error": {"code": 429, "message": "Too many requests"}}),
            false,
        ),
    ] {
        let stream = body.clone();
        let server = serve(
            3600,
            Box::new(move |_, n| match n {
                1 => (Duration::ZERO, json_response(429, error.clone())),
                _ => (Duration::ZERO, sse_response(stream.clone())),
            }),
        )
        .await;
        let c = client(&server, options());
        let events = collect(c.chat_stream(foundation_target(&server), request())).await;
        let ChatEvent::Retrying { delay, .. } = &events[0] else {
            panic!("{:?}", events[0]);
        };
        assert_eq!(*delay == Duration::from_millis(50), honoured, "{delay:?}");
        assert!(
            matches!(events.last(), Some(ChatEvent::Done { .. })),
            "{events:?}"
        );
    }
}

/// Orchestration reports throttling after HTTP 200 as an SSE error event (§7.7): before any
/// text it is retried once (with the event's wait, capped at 50 ms here); a second one, or
/// one after text, ends the turn.
#[tokio::test]
async fn throttling_mid_stream_before_any_text_is_retried_once() {
    let good = fixture("foundation-models/azure-openai-chat-completion-stream-chunks.txt");
    let throttled = "data: {\"error\":{\"code\":429,\"message\":\"Too many requests\",\
                     \"headers\":{\"x-retry-after\":\"1\"}}}\n\n"
        .to_string();
    let text_then_throttled = format!(
        "data: {}\n\n{throttled}",
        json!({"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})
    );
    let run = |bodies: Vec<String>| async move {
        let server = serve(
            3600,
            Box::new(move |_, n| {
                let body = bodies[(n as usize - 1).min(bodies.len() - 1)].clone();
                (Duration::ZERO, sse_response(body))
            }),
        )
        .await;
        let c = client(&server, options());
        collect(c.chat_stream(foundation_target(&server), request())).await
    };
    let retries = |events: &[ChatEvent]| {
        events
            .iter()
            .filter(|e| matches!(e, ChatEvent::Retrying { .. }))
            .count()
    };

    let events = run(vec![throttled.clone(), good.clone()]).await;
    assert!(
        matches!(&events[0], ChatEvent::Retrying { attempt: 1, delay, reason }
            if *delay == Duration::from_millis(50) && reason == "rate limited mid-stream"),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(ChatEvent::Done { .. })),
        "{events:?}"
    );

    let events = run(vec![throttled.clone(), throttled.clone(), good.clone()]).await;
    assert_eq!(retries(&events), 1, "{events:?}");
    assert!(
        matches!(
            events.last(),
            Some(ChatEvent::Error(Error::ThrottledInStream { .. }))
        ),
        "{events:?}"
    );

    let events = run(vec![text_then_throttled, good]).await;
    assert_eq!(retries(&events), 0, "{events:?}");
    assert!(
        matches!(&events[0], ChatEvent::Delta(t) if t == "Hel"),
        "{events:?}"
    );
    assert!(
        matches!(
            events.last(),
            Some(ChatEvent::Error(Error::ThrottledInStream { .. }))
        ),
        "{events:?}"
    );
}
