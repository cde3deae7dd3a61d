//! `sapcode --demo serve` through the real binary, over HTTP: the local key, `/v1/models`,
//! OpenAI chat completions and Anthropic messages (streaming text and a tool round each),
//! `count_tokens`, unknown models in each caller's shape, a client that leaves mid-stream
//! cancelling the upstream request, and 50 clients sharing one token and one listing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod serve_support;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use serve_support::{KEY, Options, Serve, sse_events};

fn post(url: String) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(url).bearer_auth(KEY)
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

const WEATHER_TOOL: &str = r#"{"type": "function", "function": {"name": "get_weather",
    "description": "Current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}"#;

#[tokio::test]
async fn without_the_local_key_every_endpoint_answers_401_in_its_shape() {
    let serve = Serve::start_with(Options {
        key: None,
        ..Options::default()
    });
    let client = reqwest::Client::new();
    let (status, body) = json_of(client.get(serve.url("/v1/models")).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "authentication_error", "{body}");
    let wrong = client
        .post(serve.url("/v1/messages?beta=true"))
        .header("x-api-key", "not-the-key")
        .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": []}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(wrong).await;
    assert_eq!(status, 401);
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "authentication_error", "{body}");

    // The generated key: stored 0600 in the state dir, where the start-up lines say.
    let file = serve.home.path().join("state/sapcode/serve-key");
    let key = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(serve.stderr().contains(&file.display().to_string()));
    assert!(
        !serve.stderr().contains(&key),
        "the key itself is not printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for auth in [
        ("authorization", format!("Bearer {key}")),
        ("x-api-key", key),
    ] {
        let ok = client
            .get(serve.url("/v1/models"))
            .header(auth.0, auth.1)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
    }
}

#[tokio::test]
async fn models_lists_what_can_be_served_in_openai_shape() {
    let serve = Serve::start();
    let response = reqwest::Client::new()
        .get(serve.url("/v1/models"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "list");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"gpt-4o"), "{ids:?}");
    // Served through the RUNNING orchestration deployment.
    assert!(ids.contains(&"anthropic--claude-4.5-sonnet"), "{ids:?}");
    // Embeddings fail the filter; sonar has no deployment and no orchestration.
    assert!(!ids.contains(&"text-embedding-3-small"), "{ids:?}");
    assert!(!ids.contains(&"sonar"), "{ids:?}");
}

#[tokio::test]
async fn chat_completions_stream_text_with_usage_and_a_tool_round() {
    let serve = Serve::start();
    let body = post(serve.url("/v1/chat/completions"))
        .json(&json!({
            "model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true},
            "messages": [{"role": "user", "content": "hello"}]
        }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
    let chunks = sse_events(&body);
    let text: String = chunks
        .iter()
        .filter_map(|(_, c)| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(text.contains("**gpt-4o** (simulated)"), "{text}");
    assert!(
        chunks
            .iter()
            .any(|(_, c)| c["choices"][0]["finish_reason"] == "stop")
    );
    let usage = &chunks.last().unwrap().1;
    assert_eq!(usage["choices"], json!([]));
    assert!(usage["usage"]["completion_tokens"].as_u64().unwrap() > 0);

    // Round one: the model calls the tool (streamed).
    let tool: Value = serde_json::from_str(WEATHER_TOOL).unwrap();
    let question =
        json!({"role": "user", "content": "What is the weather in Oslo? Use get_weather."});
    let body = post(serve.url("/v1/chat/completions"))
        .json(&json!({"model": "gpt-4o", "stream": true, "tools": [tool], "messages": [question]}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let chunks = sse_events(&body);
    let calls: Vec<&Value> = chunks
        .iter()
        .filter_map(|(_, c)| c["choices"][0]["delta"]["tool_calls"].get(0))
        .collect();
    let id = calls[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let arguments: String = calls
        .iter()
        .filter_map(|c| c["function"]["arguments"].as_str())
        .collect();
    assert!(
        serde_json::from_str::<Value>(&arguments)
            .unwrap()
            .is_object()
    );
    assert!(
        chunks
            .iter()
            .any(|(_, c)| c["choices"][0]["finish_reason"] == "tool_calls")
    );

    // Round two: the result goes back; the answer quotes it (not streamed this time).
    let response = post(serve.url("/v1/chat/completions"))
        .json(&json!({"model": "gpt-4o", "tools": [tool], "messages": [
            question,
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": id, "type": "function", "function": {"name": "get_weather", "arguments": arguments}}]},
            {"role": "tool", "tool_call_id": id, "content": "sunny, 21 C"}
        ]}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "chat.completion");
    let answer = body["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(answer.contains("sunny, 21 C"), "{answer}");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert!(body["usage"]["total_tokens"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn messages_stream_events_and_a_tool_round_under_a_claude_name() {
    let serve = Serve::start();
    let body = post(serve.url("/v1/messages?beta=true"))
        .json(&json!({
            "model": "claude-sonnet-4-5-20250929", "max_tokens": 32000, "stream": true,
            "thinking": {"type": "enabled", "budget_tokens": 31999},
            "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]},
            "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]
        }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = sse_events(&body);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_deref().unwrap()).collect();
    assert_eq!(names.first(), Some(&"message_start"), "{body}");
    assert_eq!(&names[names.len() - 2..], ["message_delta", "message_stop"]);
    assert!(names.contains(&"content_block_start") && names.contains(&"content_block_stop"));
    let text: String = events
        .iter()
        .filter_map(|(_, e)| e["delta"]["text"].as_str())
        .collect();
    // Mapped to the catalog's Claude, reached through orchestration in this tenant.
    assert!(text.contains("anthropic--claude-4.5-sonnet"), "{text}");
    let delta = &events[events.len() - 2].1;
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert!(delta["usage"]["output_tokens"].as_u64().unwrap() > 0);

    let tool = json!({"name": "get_weather", "description": "Current weather of a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}});
    let question =
        json!({"role": "user", "content": "What is the weather in Oslo? Use get_weather."});
    let body = post(serve.url("/v1/messages"))
        .json(
            &json!({"model": "claude-sonnet-4-5", "max_tokens": 1000, "stream": true,
            "tools": [tool], "messages": [question]}),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = sse_events(&body);
    let start = events
        .iter()
        .find(|(_, e)| e["content_block"]["type"] == "tool_use")
        .expect("a tool_use block");
    let id = start.1["content_block"]["id"].as_str().unwrap().to_owned();
    assert_eq!(start.1["content_block"]["name"], "get_weather");
    let input: String = events
        .iter()
        .filter(|(_, e)| e["delta"]["type"] == "input_json_delta")
        .map(|(_, e)| e["delta"]["partial_json"].as_str().unwrap())
        .collect();
    let input: Value = serde_json::from_str(&input).unwrap();
    let delta = &events[events.len() - 2].1;
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");

    let response = post(serve.url("/v1/messages"))
        .json(
            &json!({"model": "claude-sonnet-4-5", "max_tokens": 1000, "tools": [tool],
            "messages": [
                question,
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": id, "name": "get_weather", "input": input}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": id, "content": "sunny, 21 C"}]}
            ]}),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "message");
    assert_eq!(body["stop_reason"], "end_turn");
    let answer = body["content"][0]["text"].as_str().unwrap();
    assert!(answer.contains("sunny, 21 C"), "{answer}");
}

#[tokio::test]
async fn count_tokens_estimates_and_unknown_models_are_404_in_each_shape() {
    let serve = Serve::start();
    let count = |text: String| {
        post(serve.url("/v1/messages/count_tokens")).json(&json!({"model": "claude-sonnet-4-5",
            "messages": [{"role": "user", "content": text}]}))
    };
    let (status, small) = json_of(count("hi".into()).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let (_, large) = json_of(count("word ".repeat(2000)).send().await.unwrap()).await;
    let (small, large) = (
        small["input_tokens"].as_u64().unwrap(),
        large["input_tokens"].as_u64().unwrap(),
    );
    assert!(small >= 1 && large > small + 2000, "{small} {large}");

    let response = post(serve.url("/v1/messages"))
        .json(&json!({"model": "claude-opus-9-9", "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "not_found_error");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown model 'claude-opus-9-9'"),
        "{message}"
    );
    assert!(
        message.contains("sapcode models --all"),
        "the CLI's hint: {message}"
    );

    let response = post(serve.url("/v1/chat/completions"))
        .json(&json!({"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "model_not_found", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("gpt-9"));
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_cancels_the_upstream_request() {
    // The simulator stalls after two chunks: only a cancelled upstream request ends it.
    let serve = Serve::start_with(Options {
        faults: "stall-after=2",
        ..Options::default()
    });
    for (path, body) in [
        (
            "/v1/messages",
            json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": true,
                "messages": [{"role": "user", "content": "hello"}]}),
        ),
        (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hello"}]}),
        ),
    ] {
        let before = serve.streams_abandoned().await;
        let response = post(serve.url(path)).json(&body).send().await.unwrap();
        let mut stream = response.bytes_stream();
        let first = stream.next().await.unwrap().unwrap();
        assert!(!first.is_empty());
        drop(stream);
        let deadline = Instant::now() + Duration::from_secs(10);
        while serve.streams_abandoned().await == before {
            assert!(
                Instant::now() < deadline,
                "{path}: the simulator never saw the upstream request close"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(
        serve.stderr().contains("upstream request cancelled"),
        "{}",
        serve.stderr()
    );
}

#[tokio::test]
async fn fifty_streaming_clients_share_one_token_and_one_listing_and_the_log_holds_no_prompt() {
    let serve = Serve::start();
    let clients = (0..50).map(|n| {
        let request = post(serve.url("/v1/chat/completions")).json(&json!({
            "model": if n % 2 == 0 { "gpt-4o" } else { "claude-sonnet-4-5" },
            "stream": true,
            "messages": [{"role": "user", "content": format!("private-prompt-words {n}")}]
        }));
        async move { request.send().await.unwrap().text().await.unwrap() }
    });
    let bodies = futures_util::future::join_all(clients).await;
    for body in &bodies {
        assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
    }
    assert_eq!(serve.sim_count("/oauth/token").await, 1);
    assert_eq!(serve.sim_count("/v2/lm/deployments").await, 1);
    assert_eq!(serve.sim_count("/foundation-models/models").await, 1);
    let log = serve.stderr();
    assert!(log.contains("POST /v1/chat/completions 200"), "{log}");
    assert!(!log.contains("private-prompt-words"), "{log}");
    assert!(!log.contains(KEY), "{log}");
}

#[tokio::test]
async fn serve_models_in_the_config_map_any_name_to_a_catalog_model() {
    let serve = Serve::start_with(Options {
        config: Some("[serve.models]\n\"team-default\" = \"gpt-4.1\"\n"),
        ..Options::default()
    });
    let response = post(serve.url("/v1/chat/completions"))
        .json(&json!({"model": "team-default", "messages": [{"role": "user", "content": "hello"}]}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    let answer = body["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(answer.contains("**gpt-4.1** (simulated)"), "{answer}");
    // The caller's own name comes back, as an OpenAI server echoes it.
    assert_eq!(body["model"], "team-default");
}

#[test]
fn another_address_than_loopback_is_said_loudly() {
    let serve = Serve::start_with(Options {
        args: &["--bind", "0.0.0.0"],
        ..Options::default()
    });
    let log = serve.stderr();
    assert!(log.contains("WARNING: listening on 0.0.0.0"), "{log}");
}
