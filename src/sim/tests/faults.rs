//! Each fault switch, the admin endpoints and replay.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::*;
use crate::sim::Faults;

const GPT4O: &str =
    "/v2/inference/deployments/d7f3a9c2b1e04d11/chat/completions?api-version=2024-10-21";
const V2: &str = "/v2/inference/deployments/dabc000000000005/v2/completion";

fn foundation_stream() -> Value {
    json!({ "messages": [user("Stream something long enough, please.")], "stream": true,
        "stream_options": { "include_usage": true } })
}

fn orchestration_stream() -> Value {
    json!({ "config": {
        "modules": { "prompt_templating": {
            "prompt": { "template": [user("Tell me about faults.")] }, "model": { "name": "gpt-4o" } } },
        "stream": { "enabled": true, "chunk_size": 20 } } })
}

fn content_chunks(text: &str) -> usize {
    sse_json(text)
        .iter()
        .filter(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        })
        .count()
}

#[tokio::test]
async fn reject_token_auth_fail_and_token_ttl() {
    let sim = start().await;
    let token = token(&sim).await;
    sim.set_faults(Faults::parse("reject-token=1").unwrap());
    let rejected = get(&sim, &token, "/v2/lm/deployments", None).await;
    assert_eq!(rejected.status(), 401);
    assert_eq!(rejected.text().await.unwrap(), "Jwt is expired");
    assert_eq!(
        get(&sim, &token, "/v2/lm/deployments", None).await.status(),
        200
    );

    sim.set_faults(Faults::parse("token-ttl=0").unwrap());
    let short = super::token(&sim).await;
    assert_eq!(
        get(&sim, &short, "/v2/lm/deployments", None).await.status(),
        401
    );
    assert_eq!(
        get(&sim, &token, "/v2/lm/deployments", None).await.status(),
        200,
        "older tokens keep their ttl"
    );

    sim.set_faults(Faults::parse("auth-fail").unwrap());
    let response = client()
        .post(format!("{}/oauth/token", sim.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn rate_limit_then_unavailable_then_success() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("429=2,retry-after=3,503=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let body = json!({ "messages": [user("hi")] });
    // /v2/lm is not a chat request: the counters stay untouched.
    assert_eq!(
        get(&sim, &token, "/v2/lm/deployments", None).await.status(),
        200
    );
    for _ in 0..2 {
        let response = post(&sim, &token, GPT4O, &body).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["message"].is_string());
    }
    let unavailable = post(&sim, &token, V2, &orchestration_stream()).await;
    assert_eq!(unavailable.status(), 503);
    let error: Value = unavailable.json().await.unwrap();
    assert_eq!(error["error"]["code"], 503);
    assert_eq!(post(&sim, &token, GPT4O, &body).await.status(), 200);
}

#[tokio::test]
async fn html_errors_and_lm_503() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("503=1,html-errors,lm-503=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let lm = get(&sim, &token, "/v2/lm/deployments", None).await;
    assert_eq!(lm.status(), 503);
    assert!(lm.text().await.unwrap().starts_with("<html>"));
    assert_eq!(
        get(&sim, &token, "/v2/lm/deployments", None).await.status(),
        200
    );
    let chat = post(&sim, &token, GPT4O, &json!({ "messages": [user("hi")] })).await;
    assert_eq!(chat.status(), 503);
    assert_eq!(chat.headers()["content-type"], "text/html");
    assert!(
        chat.text()
            .await
            .unwrap()
            .contains("503 Service Unavailable")
    );
}

#[tokio::test]
async fn cut_after_drops_the_connection_without_done() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("cut-after=2").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let response = post(&sim, &token, GPT4O, &foundation_stream()).await;
    assert_eq!(response.status(), 200);
    let mut received = String::new();
    let mut stream = response.bytes_stream();
    let mut failed = false;
    while let Some(item) = stream.next().await {
        match item {
            Ok(bytes) => received.push_str(&String::from_utf8_lossy(&bytes)),
            Err(_) => failed = true,
        }
    }
    assert!(failed, "the body ends in a transport error");
    assert_eq!(content_chunks(&received), 2);
    assert!(!received.contains("[DONE]"));
}

#[tokio::test]
async fn stall_after_goes_silent_but_stays_open() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("stall-after=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let response = post(&sim, &token, V2, &orchestration_stream()).await;
    let mut stream = response.bytes_stream();
    let mut received = String::new();
    // Wait (generously, the machine may be busy) for the first chunk and one content chunk...
    while sse_data(&received).len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
            Ok(Some(Ok(bytes))) => received.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("expected two chunks, got {other:?} after {received}"),
        }
    }
    // ...then nothing more, yet the connection stays open.
    let quiet = tokio::time::timeout(Duration::from_millis(500), stream.next()).await;
    assert!(quiet.is_err(), "stream should stall, got {quiet:?}");
    let chunks = sse_json(&received);
    assert_eq!(chunks.len(), 2, "first chunk + one content chunk");
    sim.shutdown().await;
}

#[tokio::test]
async fn error_after_sends_the_modes_error_event() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("error-after=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let text = post(&sim, &token, V2, &orchestration_stream())
        .await
        .text()
        .await
        .unwrap();
    let events = sse_json(&text);
    assert!(!text.contains("[DONE]"));
    let error = &events.last().unwrap()["error"];
    let fixture = sse_json(&fixture(
        "orchestration/orchestration-chat-completion-stream-chunks-with-error.txt",
    ));
    assert_same_shape(
        events.last().unwrap(),
        fixture.last().unwrap(),
        "orchestration error event",
    );
    assert_eq!(error["code"], 500);
    assert_eq!(events.len(), 3);

    let text = post(&sim, &token, GPT4O, &foundation_stream())
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("[DONE]"));
    let events = sse_json(&text);
    let error = &events.last().unwrap()["error"];
    assert!(error["code"].is_string() && error["message"].is_string());
    assert_eq!(content_chunks(&text), 1);
}

#[tokio::test]
async fn bad_chunk_after_then_the_rest() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("bad-chunk-after=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let text = post(&sim, &token, GPT4O, &foundation_stream())
        .await
        .text()
        .await
        .unwrap();
    let data = sse_data(&text);
    assert_eq!(data.iter().filter(|d| *d == "{not json").count(), 1);
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let bad_at = data.iter().position(|d| d == "{not json").unwrap();
    // prologue, role chunk, one content chunk, then the bad one.
    assert_eq!(bad_at, 3);
}

#[tokio::test]
async fn slow_spaces_the_chunks() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("slow=15").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    let started = Instant::now();
    let text = post(&sim, &token, GPT4O, &foundation_stream())
        .await
        .text()
        .await
        .unwrap();
    let events = sse_data(&text).len() as u32;
    assert!(
        started.elapsed() >= Duration::from_millis(15) * (events - 1),
        "{:?} for {events}",
        started.elapsed()
    );
}

#[tokio::test]
async fn admin_endpoints_steer_and_report() {
    let sim = start().await;
    let admin = format!("{}/_sim/faults", sim.base_url());
    let bad = client().post(&admin).body("429=x").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.text().await.unwrap(), "fault '429' needs a number");
    let good = client().post(&admin).body("lm-503=1").send().await.unwrap();
    assert_eq!(good.status(), 200);
    let token = token(&sim).await;
    assert_eq!(
        get(
            &sim,
            &token,
            "/v2/lm/deployments?status=RUNNING",
            Some("default")
        )
        .await
        .status(),
        503
    );

    let recorded: Value = client()
        .get(format!("{}/_sim/requests", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let recorded = recorded.as_array().unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[1]["method"], "GET");
    assert_eq!(recorded[1]["path"], "/v2/lm/deployments");
    assert_eq!(recorded[1]["query"], "status=RUNNING");
    assert_eq!(recorded[1]["resource_group"], "default");
    assert!(recorded[1]["body"].is_null());
}

#[tokio::test]
async fn replay_answers_every_chat_request_verbatim() {
    let bytes = b"data: {\"weird\": true}\n\ndata: [DONE]\n\n".to_vec();
    let sim = start_with(SimOptions {
        replay: Some(bytes.clone()),
        ..SimOptions::default()
    })
    .await;
    let token = token(&sim).await;
    for (path, body) in [(GPT4O, foundation_stream()), (V2, orchestration_stream())] {
        let response = post(&sim, &token, path, &body).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
    }
    assert_eq!(sim.requests()[1].body, foundation_stream());
}
