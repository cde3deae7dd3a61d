//! Bedrock Converse and Vertex Gemini deployments of `team-b` (API reference §6.3).

use serde_json::{Value, json};

use super::*;
use crate::sim::Faults;

const CLAUDE: &str = "/v2/inference/deployments/db00000000000003";
const GEMINI: &str = "/v2/inference/deployments/db00000000000004";

async fn post_b(sim: &SimServer, path: &str, body: &Value) -> reqwest::Response {
    let token = token(sim).await;
    client()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(&token)
        .header("AI-Resource-Group", "team-b")
        .json(body)
        .send()
        .await
        .expect("POST")
}

fn converse(text: &str) -> Value {
    json!({
        "messages": [{ "role": "user", "content": [{ "text": text }] }],
        "system": [{ "text": "be brief" }],
        "inferenceConfig": { "maxTokens": 1000, "temperature": 0.2 },
    })
}

fn gemini(text: &str) -> Value {
    json!({
        "contents": [{ "role": "user", "parts": [{ "text": text }] }],
        "systemInstruction": { "parts": [{ "text": "be brief" }] },
        "generationConfig": { "maxOutputTokens": 1000 },
    })
}

#[tokio::test]
async fn converse_stream_sends_converse_events_without_done() {
    let sim = start().await;
    let response = post_b(&sim, &format!("{CLAUDE}/converse-stream"), &converse("Hi")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let events = sse_json(&response.text().await.unwrap());
    assert_eq!(
        events[0],
        json!({ "messageStart": { "role": "assistant" } })
    );
    let text: String = events
        .iter()
        .filter_map(|e| e["contentBlockDelta"]["delta"]["text"].as_str())
        .collect();
    assert!(text.starts_with("**anthropic--claude-4.5-sonnet** (simulated)"));
    let n = events.len();
    assert_eq!(
        events[n - 3],
        json!({ "contentBlockStop": { "contentBlockIndex": 0 } })
    );
    assert_eq!(events[n - 2]["messageStop"]["stopReason"], "end_turn");
    let usage = &events[n - 1]["metadata"]["usage"];
    assert_eq!(
        usage["totalTokens"].as_u64(),
        Some(usage["inputTokens"].as_u64().unwrap() + usage["outputTokens"].as_u64().unwrap())
    );
}

#[tokio::test]
async fn converse_whole_answer_tools_and_validation() {
    let sim = start().await;
    let mut body = converse("Hi");
    body["inferenceConfig"]["maxTokens"] = json!(5);
    let whole: Value = post_b(&sim, &format!("{CLAUDE}/converse"), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(whole["stopReason"], "max_tokens");
    assert_eq!(whole["output"]["message"]["role"], "assistant");
    assert_eq!(
        whole["output"]["message"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        20
    );
    assert_eq!(whole["usage"]["outputTokens"], 5);

    let mut tools = converse("add 2 and 3");
    tools["toolConfig"] = json!({ "tools": [{ "toolSpec": { "name": "add", "inputSchema": { "json": {
        "type": "object", "properties": { "a": { "type": "number" }, "b": { "type": "number" } } } } } }] });
    let call: Value = post_b(&sim, &format!("{CLAUDE}/converse"), &tools)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(call["stopReason"], "tool_use");
    let tool_use = &call["output"]["message"]["content"][0]["toolUse"];
    assert_eq!(tool_use["name"], "add");
    assert_eq!(tool_use["input"], json!({ "a": 2, "b": 3 }));

    let bad = json!({ "messages": [{ "role": "system", "content": [{ "text": "x" }] }] });
    let response = post_b(&sim, &format!("{CLAUDE}/converse"), &bad).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "ValidationException"
    );
    let error: Value = response.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("[user, assistant]")
    );
    // A Bedrock deployment has no OpenAI route, and Converse is not served elsewhere.
    let openai = json!({ "messages": [user("hi")] });
    let wrong = post_b(&sim, &format!("{CLAUDE}/chat/completions"), &openai).await;
    assert_eq!(wrong.status(), 404);
    let azure = "/v2/inference/deployments/db00000000000002/converse";
    assert_eq!(post_b(&sim, azure, &converse("Hi")).await.status(), 404);
}

#[tokio::test]
async fn converse_refuses_blank_text_and_tool_blocks_without_tool_config() {
    let sim = start().await;
    let path = format!("{CLAUDE}/converse");
    let message = |body: &Value| body["message"].as_str().unwrap_or("").to_owned();

    let mut blank = converse("Hi");
    blank["messages"] = json!([
        { "role": "user", "content": [{ "text": "Hi" }] },
        { "role": "assistant", "content": [{ "text": "" }] },
        { "role": "user", "content": [{ "text": "again" }] },
    ]);
    let response = post_b(&sim, &path, &blank).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert!(
        message(&error).contains("messages.1.content.0 is blank"),
        "{error}"
    );

    let mut history = converse("add 2 and 3");
    history["messages"] = json!([
        { "role": "user", "content": [{ "text": "add 2 and 3" }] },
        { "role": "assistant", "content": [{ "toolUse": { "toolUseId": "t1", "name": "add", "input": { "a": 2, "b": 3 } } }] },
        { "role": "user", "content": [{ "toolResult": { "toolUseId": "t1", "content": [{ "text": "5" }] } }] },
    ]);
    let response = post_b(&sim, &path, &history).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert!(
        message(&error).contains("toolConfig field must be defined"),
        "{error}"
    );

    history["toolConfig"] = json!({ "tools": [{ "toolSpec": { "name": "add", "inputSchema": { "json": { "type": "object" } } } }] });
    assert_eq!(post_b(&sim, &path, &history).await.status(), 200);
}

#[tokio::test]
async fn gemini_sse_stream_finishes_in_its_last_chunk() {
    let sim = start().await;
    let path = format!("{GEMINI}/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    let response = post_b(&sim, &path, &gemini("Hi")).await;
    assert_eq!(response.status(), 200);
    let chunks = sse_json(&response.text().await.unwrap());
    let text: String = chunks
        .iter()
        .filter_map(|c| c["candidates"][0]["content"]["parts"][0]["text"].as_str())
        .collect();
    assert!(text.starts_with("**gemini-2.5-pro** (simulated)"));
    let last = chunks.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert!(last["usageMetadata"]["candidatesTokenCount"].as_u64() > Some(0));
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c["candidates"][0]["finishReason"].is_null()
                && c["modelVersion"] == "gemini-2.5-pro")
    );
    // Without `alt=sse`: Google's default, one JSON array of the same objects.
    let path = format!("{GEMINI}/models/gemini-2.5-pro:streamGenerateContent");
    let array: Value = post_b(&sim, &path, &gemini("Hi"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(array.as_array().unwrap(), &chunks);
}

#[tokio::test]
async fn gemini_whole_answer_and_errors() {
    let sim = start().await;
    let mut body = gemini("Hi");
    body["generationConfig"]["maxOutputTokens"] = json!(3);
    let path = format!("{GEMINI}/models/gemini-2.5-pro:generateContent");
    let whole: Value = post_b(&sim, &path, &body).await.json().await.unwrap();
    // Gemini 2.5 spends the 3-token cap on reasoning: no text, the thoughts counted apart.
    assert_eq!(whole["candidates"][0]["finishReason"], "MAX_TOKENS");
    assert_eq!(whole["usageMetadata"]["candidatesTokenCount"], 0);
    assert_eq!(whole["usageMetadata"]["thoughtsTokenCount"], 3);

    let other_model = format!("{GEMINI}/models/gemini-2.5-flash:generateContent");
    let response = post_b(&sim, &other_model, &gemini("Hi")).await;
    assert_eq!(response.status(), 404);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["status"], "NOT_FOUND");

    let response = post_b(&sim, &path, &json!({ "contents": [] })).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["status"], "INVALID_ARGUMENT");
}

#[tokio::test]
async fn gemini_function_calls_carry_a_thought_signature_that_must_come_back() {
    let sim = start().await;
    let path = format!("{GEMINI}/models/gemini-2.5-pro:generateContent");
    let mut body = gemini("read the file a.txt");
    body["tools"] = json!([{ "functionDeclarations": [{ "name": "read_file",
        "parameters": { "type": "object", "properties": { "path": { "type": "string" } } } }] }]);
    let whole: Value = post_b(&sim, &path, &body).await.json().await.unwrap();
    let part = whole["candidates"][0]["content"]["parts"][0].clone();
    assert_eq!(part["functionCall"]["name"], "read_file");
    let signature = part["thoughtSignature"].as_str().unwrap_or("").to_owned();
    assert!(signature.starts_with("sim-sig-"), "{part}");

    let response = json!({ "role": "user", "parts": [{ "functionResponse": {
        "name": "read_file", "response": { "content": "hello" } } }] });
    let mut follow_up = body.clone();
    let contents = follow_up["contents"].as_array_mut().unwrap();
    contents.push(json!({ "role": "model", "parts": [part.clone()] }));
    contents.push(response.clone());
    assert_eq!(post_b(&sim, &path, &follow_up).await.status(), 200);

    let mut unsigned = part.clone();
    unsigned.as_object_mut().unwrap().remove("thoughtSignature");
    let mut stripped = body.clone();
    let contents = stripped["contents"].as_array_mut().unwrap();
    contents.push(json!({ "role": "model", "parts": [unsigned.clone()] }));
    contents.push(response.clone());
    let refused = post_b(&sim, &path, &stripped).await;
    assert_eq!(refused.status(), 400);
    let error: Value = refused.json().await.unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("thought_signature")),
        "{error}"
    );

    // Only the current turn is checked: an unsigned call before the last user text is fine.
    let mut earlier = stripped.clone();
    let contents = earlier["contents"].as_array_mut().unwrap();
    contents.push(json!({ "role": "model", "parts": [{ "text": "done" }] }));
    contents.push(json!({ "role": "user", "parts": [{ "text": "thanks" }] }));
    assert_eq!(post_b(&sim, &path, &earlier).await.status(), 200);
}

#[tokio::test]
async fn stream_faults_apply_to_both() {
    let sim = start_with(SimOptions {
        faults: Faults::parse("error-after=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let text = post_b(&sim, &format!("{CLAUDE}/converse-stream"), &converse("Hi"))
        .await
        .text()
        .await
        .unwrap();
    let events = sse_json(&text);
    assert!(events.last().unwrap()["internalServerException"]["message"].is_string());
    assert!(events.iter().all(|e| e.get("messageStop").is_none()));
    let path = format!("{GEMINI}/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
    let text = post_b(&sim, &path, &gemini("Hi"))
        .await
        .text()
        .await
        .unwrap();
    let chunks = sse_json(&text);
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[1]["error"]["status"], "INTERNAL");

    let sim = start_with(SimOptions {
        faults: Faults::parse("429=1").unwrap(),
        ..SimOptions::default()
    })
    .await;
    let response = post_b(&sim, &format!("{CLAUDE}/converse-stream"), &converse("Hi")).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("Rate limit"));
}
