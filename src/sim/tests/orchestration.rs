//! Orchestration v2 and v1 against the orchestration fixtures, with template validation.

use serde_json::{Value, json};

use super::*;

const V2: &str = "/v2/inference/deployments/dabc000000000005/v2/completion";
const V1: &str = "/v2/inference/deployments/dabc000000000005/completion";

fn v2_body(model: &str, stream: bool, chunk_size: Option<u64>) -> Value {
    let mut stream_config = json!({ "enabled": stream });
    if let Some(size) = chunk_size {
        stream_config["chunk_size"] = json!(size);
    }
    json!({
        "config": {
            "modules": { "prompt_templating": {
                "prompt": { "template": [{ "role": "user", "content": "{{?question}}" }] },
                "model": { "name": model, "version": "latest", "params": { "stream_options": { "include_usage": true } } },
            } },
            "stream": stream_config,
        },
        "placeholder_values": { "question": "Why is the sky blue?" },
        "messages_history": [{ "role": "system", "content": "Be brief." }],
    })
}

fn v1_body(stream: bool) -> Value {
    json!({
        "orchestration_config": {
            "stream": stream,
            "stream_options": { "chunk_size": 50 },
            "module_configurations": {
                "llm_module_config": { "model_name": "gpt-4.1", "model_params": {} },
                "templating_module_config": { "template": [{ "role": "user", "content": "{{ ?q }}" }] },
            },
        },
        "input_params": { "q": "Hello v1" },
    })
}

fn stream_text(chunks: &[Value], result_key: &str) -> String {
    chunks
        .iter()
        .filter_map(|chunk| chunk[result_key]["choices"][0]["delta"]["content"].as_str())
        .collect()
}

#[tokio::test]
async fn v2_stream_has_the_fixture_shape() {
    let sim = start().await;
    let token = token(&sim).await;
    let response = post(
        &sim,
        &token,
        V2,
        &v2_body("anthropic--claude-4.5-sonnet", true, Some(40)),
    )
    .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert_eq!(sse_data(&text).last().map(String::as_str), Some("[DONE]"));
    let ours = sse_json(&text);
    let fixture = sse_json(&fixture(
        "orchestration/orchestration-chat-completion-stream-chunks.txt",
    ));
    assert_same_shape(&ours[0], &fixture[0], "first chunk");
    for chunk in &ours[1..ours.len() - 1] {
        assert_same_shape(chunk, &fixture[1], "content chunk");
        assert_eq!(
            chunk["final_result"]["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            40
        );
        assert_eq!(chunk["intermediate_results"]["llm"], chunk["final_result"]);
    }
    let last = &ours[ours.len() - 1];
    assert_same_shape(last, &fixture[fixture.len() - 1], "last chunk");
    assert_eq!(last["final_result"]["choices"][0]["finish_reason"], "stop");
    // History first, then the filled template (§7.4).
    assert_eq!(
        ours[0]["intermediate_results"]["templating"],
        json!([{ "role": "system", "content": "Be brief." }, { "role": "user", "content": "Why is the sky blue?" }])
    );

    let plain: Value = post(
        &sim,
        &token,
        V2,
        &v2_body("anthropic--claude-4.5-sonnet", false, None),
    )
    .await
    .json()
    .await
    .unwrap();
    let answer = plain["final_result"]["choices"][0]["message"]["content"]
        .as_str()
        .unwrap();
    assert_eq!(stream_text(&ours, "final_result"), answer);
    assert!(
        answer.contains("anthropic--claude-4.5-sonnet")
            && answer.contains("> Why is the sky blue?")
    );
}

#[tokio::test]
async fn v2_default_chunk_size_is_100_and_non_stream_matches_fixture() {
    let sim = start().await;
    let token = token(&sim).await;
    let chunks = sse_json(
        &post(&sim, &token, V2, &v2_body("gpt-4o", true, None))
            .await
            .text()
            .await
            .unwrap(),
    );
    let first = chunks[1]["final_result"]["choices"][0]["delta"]["content"]
        .as_str()
        .unwrap();
    assert_eq!(first.chars().count(), 100);
    assert_eq!(chunks[1]["final_result"]["model"], "gpt-4o-2024-08-06");

    let ours: Value = post(&sim, &token, V2, &v2_body("gpt-4o", false, None))
        .await
        .json()
        .await
        .unwrap();
    let fixture: Value = serde_json::from_str(&fixture(
        "orchestration/orchestration-chat-completion-success-response.json",
    ))
    .unwrap();
    assert_same_shape(&ours, &fixture, "v2 completion");
}

#[tokio::test]
async fn v1_stream_and_completion_use_v1_keys() {
    let sim = start().await;
    let token = token(&sim).await;
    let chunks = sse_json(
        &post(&sim, &token, V1, &v1_body(true))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(chunks[0]["module_results"]["templating"].is_array());
    assert_eq!(
        chunks[0]["orchestration_result"]["finish_reason"],
        Value::Null
    );
    assert_eq!(
        chunks[0]["orchestration_result"]["choices"][0]["finish_reason"],
        ""
    );
    let last = chunks.last().unwrap();
    assert_eq!(
        last["orchestration_result"]["choices"][0]["finish_reason"],
        "stop"
    );
    assert!(last["module_results"]["llm"]["usage"]["total_tokens"].is_u64());
    assert_eq!(
        chunks[1]["orchestration_result"]["choices"][0]["delta"]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        50
    );

    let body: Value = post(&sim, &token, V1, &v1_body(false))
        .await
        .json()
        .await
        .unwrap();
    assert!(body["module_results"]["llm"]["choices"].is_array());
    let answer = body["orchestration_result"]["choices"][0]["message"]["content"]
        .as_str()
        .unwrap();
    assert!(answer.contains("> Hello v1"));
    assert_eq!(stream_text(&chunks, "orchestration_result"), answer);
}

#[tokio::test]
async fn placeholders_are_validated() {
    let sim = start().await;
    let token = token(&sim).await;
    let mut missing = v2_body("gpt-4o", false, None);
    missing["placeholder_values"] = json!({});
    let response = post(&sim, &token, V2, &missing).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["location"], "Input Parameters");
    assert_eq!(body["error"]["code"], 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Missing required parameters: ['question']")
    );

    let mut unused = v2_body("gpt-4o", false, None);
    unused["placeholder_values"]["number"] = json!("7");
    let body: Value = post(&sim, &token, V2, &unused).await.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "400 - Input Parameters: Error validating parameters. Unused parameters: ['number']."
    );

    let mut defaults = v2_body("gpt-4o", false, None);
    defaults["placeholder_values"] = json!({});
    defaults["config"]["modules"]["prompt_templating"]["prompt"]["defaults"] =
        json!({ "question": "Default?" });
    let body: Value = post(&sim, &token, V2, &defaults)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["intermediate_results"]["templating"][1]["content"],
        "Default?"
    );

    let mut v1 = v1_body(false);
    v1["input_params"] = json!({});
    let response = post(&sim, &token, V1, &v1).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["location"], "Input Parameters");
    assert!(body.get("error").is_none());
}

#[tokio::test]
async fn unknown_models_and_fallbacks() {
    let sim = start().await;
    let token = token(&sim).await;
    for model in ["gpt-9", "gpt-35-turbo-16k", "text-embedding-3-small"] {
        let response = post(&sim, &token, V2, &v2_body(model, true, None)).await;
        assert_eq!(response.status(), 400, "{model}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["message"],
            format!("400 - LLM Module: Model {model} not supported.")
        );
        assert_eq!(body["error"]["location"], "LLM Module");
        assert!(body["error"]["request_id"].is_string());
    }
    let mut v1 = v1_body(false);
    v1["orchestration_config"]["module_configurations"]["llm_module_config"]["model_name"] =
        json!("gpt-9");
    let body: Value = post(&sim, &token, V1, &v1).await.json().await.unwrap();
    assert_eq!(
        body["message"],
        "400 - LLM Module: Model gpt-9 not supported."
    );

    let mut version = v2_body("gpt-4o", false, None);
    version["config"]["modules"]["prompt_templating"]["model"]["version"] = json!("wrong-version");
    let body: Value = post(&sim, &token, V2, &version).await.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "400 - LLM Module: Model gpt-4o in version wrong-version not found."
    );

    let mut fallback = v2_body("gpt-9", false, None);
    let bad = fallback["config"]["modules"].clone();
    let mut good = bad.clone();
    good["prompt_templating"]["model"]["name"] = json!("gemini-2.5-pro");
    fallback["config"]["modules"] = json!([bad, good]);
    let body: Value = post(&sim, &token, V2, &fallback)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["final_result"]["model"], "gemini-2.5-pro");
    assert_eq!(body["intermediate_failures"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reasoning_models_refuse_max_tokens_but_take_max_completion_tokens() {
    let sim = start().await;
    let token = token(&sim).await;
    let mut body = v2_body("o3-mini", false, None);
    let params = &mut body["config"]["modules"]["prompt_templating"]["model"]["params"];
    params["max_tokens"] = json!(5);
    let response = post(&sim, &token, V2, &body).await;
    assert_eq!(response.status(), 400);
    let refusal: Value = response.json().await.unwrap();
    assert_eq!(refusal["error"]["location"], "LLM Module");
    assert!(
        refusal["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'max_tokens'") && m.contains("max_completion_tokens")),
        "{refusal}"
    );

    let params = &mut body["config"]["modules"]["prompt_templating"]["model"]["params"];
    params.as_object_mut().unwrap().remove("max_tokens");
    params["max_completion_tokens"] = json!(5);
    let response = post(&sim, &token, V2, &body).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer["final_result"]["choices"][0]["finish_reason"],
        "length"
    );

    let mut gpt4o = v2_body("gpt-4o", false, None);
    gpt4o["config"]["modules"]["prompt_templating"]["model"]["params"]["max_tokens"] = json!(5);
    assert_eq!(post(&sim, &token, V2, &gpt4o).await.status(), 200);
}

#[tokio::test]
async fn tool_calls_in_orchestration_shape() {
    let sim = start().await;
    let token = token(&sim).await;
    let mut body = v2_body("gpt-4o", true, None);
    body["placeholder_values"]["question"] = json!("Add 2 and 3.");
    body["config"]["modules"]["prompt_templating"]["prompt"]["tools"] = json!([{ "type": "function", "function": {
        "name": "add", "parameters": { "type": "object", "properties": { "a": {"type": "integer"}, "b": {"type": "integer"} } } } }]);
    let ours = sse_json(&post(&sim, &token, V2, &body).await.text().await.unwrap());
    let fixture = sse_json(&fixture(
        "orchestration/orchestration-chat-completion-stream-tools-chunks.txt",
    ));
    assert_same_shape(&ours[1], &fixture[1], "tool call start");
    for chunk in &ours[2..ours.len() - 1] {
        assert_same_shape(chunk, &fixture[2], "argument chunk");
    }
    let mut last = ours[ours.len() - 1].clone();
    assert_eq!(
        last["final_result"]["choices"][0]["finish_reason"],
        "tool_calls"
    );
    assert!(last["final_result"]["usage"]["total_tokens"].is_u64());
    for key in ["final_result", "intermediate_results"] {
        let result = if key == "final_result" {
            &mut last[key]
        } else {
            &mut last[key]["llm"]
        };
        result.as_object_mut().unwrap().remove("usage");
    }
    assert_same_shape(
        &last,
        &fixture[fixture.len() - 1],
        "finish chunk without usage",
    );
    let arguments: String = ours
        .iter()
        .filter_map(|c| {
            c["final_result"]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                .as_str()
        })
        .collect();
    assert_eq!(arguments, r#"{"a":2,"b":3}"#);
}
