//! Foundation-model chat against the Azure OpenAI fixtures.

use serde_json::{Value, json};

use super::*;

const GPT4O: &str =
    "/v2/inference/deployments/d7f3a9c2b1e04d11/chat/completions?api-version=2024-10-21";

fn streaming(messages: Value) -> Value {
    json!({ "messages": messages, "stream": true, "stream_options": { "include_usage": true } })
}

#[tokio::test]
async fn text_stream_has_the_fixture_shape() {
    let sim = start().await;
    let token = token(&sim).await;
    let response = post(
        &sim,
        &token,
        GPT4O,
        &streaming(json!([user("Explain lifetimes, please.")])),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.unwrap();
    assert_eq!(sse_data(&text).last().map(String::as_str), Some("[DONE]"));
    let ours = sse_json(&text);
    let fixture = sse_json(&fixture(
        "foundation-models/azure-openai-chat-completion-stream-chunks.txt",
    ));
    assert!(ours.len() >= 8, "several content chunks: {}", ours.len());
    assert_same_shape(&ours[0], &fixture[0], "prologue");
    assert_same_shape(&ours[1], &fixture[1], "role chunk");
    for chunk in &ours[2..ours.len() - 2] {
        assert_same_shape(chunk, &fixture[2], "content chunk");
    }
    assert_same_shape(
        &ours[ours.len() - 2],
        &fixture[fixture.len() - 2],
        "finish chunk",
    );
    assert_same_shape(
        &ours[ours.len() - 1],
        &fixture[fixture.len() - 1],
        "usage chunk",
    );
    assert_eq!(ours[ours.len() - 2]["choices"][0]["finish_reason"], "stop");
    assert_eq!(ours[1]["model"], "gpt-4o-2024-08-06");

    let answer = foundation_text(&ours);
    assert!(
        answer.contains("> Explain lifetimes, please.") && answer.contains("```rust"),
        "{answer}"
    );
    let usage = &ours[ours.len() - 1]["usage"];
    assert_eq!(
        usage["total_tokens"],
        usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
    );

    // Same request, same bytes.
    let again = post(
        &sim,
        &token,
        GPT4O,
        &streaming(json!([user("Explain lifetimes, please.")])),
    )
    .await;
    assert_eq!(again.text().await.unwrap(), text);
}

#[tokio::test]
async fn stream_without_include_usage_has_no_usage_chunk() {
    let sim = start().await;
    let token = token(&sim).await;
    let body = json!({ "messages": [user("hi")], "stream": true });
    let chunks = sse_json(&post(&sim, &token, GPT4O, &body).await.text().await.unwrap());
    assert!(chunks.iter().all(|chunk| chunk["usage"].is_null()));
}

#[tokio::test]
async fn non_streaming_matches_the_success_fixture() {
    let sim = start().await;
    let token = token(&sim).await;
    let response = post(
        &sim,
        &token,
        GPT4O,
        &json!({ "messages": [user("Hello?")] }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let ours: Value = response.json().await.unwrap();
    let fixture: Value = serde_json::from_str(&fixture(
        "foundation-models/azure-openai-chat-completion-success-response.json",
    ))
    .unwrap();
    assert_same_shape(&ours, &fixture, "chat.completion");
    assert!(
        ours["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .contains("> Hello?")
    );
}

#[tokio::test]
async fn max_tokens_truncates_with_finish_reason_length() {
    let sim = start().await;
    let token = token(&sim).await;
    let mut body = streaming(json!([user("Tell me everything.")]));
    body["max_tokens"] = json!(5);
    let chunks = sse_json(&post(&sim, &token, GPT4O, &body).await.text().await.unwrap());
    assert_eq!(
        chunks[chunks.len() - 2]["choices"][0]["finish_reason"],
        "length"
    );
    assert_eq!(foundation_text(&chunks).chars().count(), 20);
    assert_eq!(chunks[chunks.len() - 1]["usage"]["completion_tokens"], 5);
}

#[tokio::test]
async fn tool_calls_stream_and_tool_results() {
    let sim = start().await;
    let token = token(&sim).await;
    let tools = json!([{ "type": "function", "function": { "name": "add", "description": "Add",
        "parameters": { "type": "object", "properties": { "a": {"type": "integer"}, "b": {"type": "integer"} } } } }]);
    let mut body = streaming(json!([user("Add 1 and 2.")]));
    body["tools"] = tools.clone();
    let ours = sse_json(&post(&sim, &token, GPT4O, &body).await.text().await.unwrap());
    let fixture = sse_json(&fixture(
        "foundation-models/azure-openai-chat-completion-stream-tools-chunks.txt",
    ));
    assert_same_shape(&ours[0], &fixture[0], "prologue");
    assert_same_shape(&ours[1], &fixture[1], "tool call start");
    for chunk in &ours[2..ours.len() - 2] {
        assert_same_shape(chunk, &fixture[2], "argument chunk");
    }
    assert_same_shape(
        &ours[ours.len() - 2],
        &fixture[fixture.len() - 2],
        "finish chunk",
    );
    assert_eq!(
        ours[ours.len() - 2]["choices"][0]["finish_reason"],
        "tool_calls"
    );
    let arguments: String = ours
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(arguments, r#"{"a":1,"b":2}"#);

    let plain = json!({ "messages": [user("Add 1 and 2.")], "tools": tools });
    let message: Value = post(&sim, &token, GPT4O, &plain)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(message["choices"][0]["finish_reason"], "tool_calls");
    let call = &message["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(
        (call["type"].as_str(), call["function"]["name"].as_str()),
        (Some("function"), Some("add"))
    );

    let follow_up = json!({ "tools": tools, "messages": [
        user("Add 1 and 2."),
        { "role": "assistant", "content": null, "tool_calls": [call] },
        { "role": "tool", "tool_call_id": call["id"], "content": "3" },
    ] });
    let answer: Value = post(&sim, &token, GPT4O, &follow_up)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["choices"][0]["finish_reason"], "stop");
    assert!(
        answer["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .contains("`3`")
    );
}

#[tokio::test]
async fn reasoning_effort_only_for_reasoning_models_and_only_three_words() {
    let sim = start().await;
    let token = token(&sim).await;
    let o3 = "/v2/inference/deployments/d03000000000000a/chat/completions?api-version=2024-12-01-preview";
    let effort = |word: &str| json!({ "messages": [user("hi")], "reasoning_effort": word });
    assert_eq!(post(&sim, &token, o3, &effort("high")).await.status(), 200);
    for (path, word) in [(o3, "max"), (GPT4O, "high")] {
        let response = post(&sim, &token, path, &effort(word)).await;
        assert_eq!(response.status(), 400, "{path} {word}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["param"], "reasoning_effort");
    }
}

#[tokio::test]
async fn request_validation_like_azure() {
    let sim = start().await;
    let token = token(&sim).await;
    let no_version = "/v2/inference/deployments/d7f3a9c2b1e04d11/chat/completions";
    let response = post(
        &sim,
        &token,
        no_version,
        &json!({ "messages": [user("hi")] }),
    )
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");

    let o3 = "/v2/inference/deployments/d03000000000000a/chat/completions?api-version=2024-12-01-preview";
    for param in ["temperature", "max_tokens"] {
        let response = post(
            &sim,
            &token,
            o3,
            &json!({ "messages": [user("hi")], param: 1 }),
        )
        .await;
        assert_eq!(response.status(), 400, "{param}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unsupported_parameter");
        assert_eq!(body["error"]["param"], param);
    }
    let ok = post(
        &sim,
        &token,
        o3,
        &json!({ "messages": [user("hi")], "max_completion_tokens": 100 }),
    )
    .await;
    assert_eq!(ok.status(), 200);

    let empty = post(&sim, &token, GPT4O, &json!({ "messages": [] })).await;
    assert_eq!(empty.status(), 400);

    for not_running in [
        "d0c4f1d2e3a4b5c6",
        "d41b000000000002",
        "d15a000000000004",
        "dfff000000000000",
    ] {
        let path = format!(
            "/v2/inference/deployments/{not_running}/chat/completions?api-version=2024-10-21"
        );
        let response = post(&sim, &token, &path, &json!({ "messages": [user("hi")] })).await;
        assert_eq!(response.status(), 404, "{not_running}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(not_running)
        );
    }
    let wrong_route = "/v2/inference/deployments/d7f3a9c2b1e04d11/v2/completion";
    assert_eq!(
        post(&sim, &token, wrong_route, &json!({})).await.status(),
        404
    );
}

#[tokio::test]
async fn mistral_is_openai_compatible() {
    let sim = start().await;
    let token = token(&sim).await;
    let path = "/v2/inference/deployments/d15a000000000003/chat/completions";
    let missing_model = post(&sim, &token, path, &json!({ "messages": [user("hi")] })).await;
    assert_eq!(missing_model.status(), 400);
    let body = json!({ "model": "mistralai--mistral-large-instruct", "messages": [user("hi")], "stream": true,
        "stream_options": { "include_usage": true } });
    let chunks = sse_json(&post(&sim, &token, path, &body).await.text().await.unwrap());
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert!(
        chunks
            .iter()
            .all(|c| c.get("prompt_filter_results").is_none())
    );
    assert!(foundation_text(&chunks).contains("mistralai--mistral-large-instruct"));
    assert!(chunks.last().unwrap()["usage"]["total_tokens"].is_u64());
}
