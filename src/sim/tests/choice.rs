//! `tool_choice` through each dialect's route: the same question with a tool that the
//! question names, answered with text under `none` and with a call under `required`/a name.

use serde_json::{Value, json};

use super::*;

const GPT4O: &str =
    "/v2/inference/deployments/d7f3a9c2b1e04d11/chat/completions?api-version=2024-10-21";
const ORCHESTRATION: &str = "/v2/inference/deployments/dabc000000000005/v2/completion";
const CLAUDE: &str = "/v2/inference/deployments/db00000000000003/converse";
const GEMINI: &str =
    "/v2/inference/deployments/db00000000000004/models/gemini-2.5-pro:generateContent";

fn add_schema() -> Value {
    json!({ "type": "object", "required": ["a", "b"],
        "properties": { "a": {"type": "integer"}, "b": {"type": "integer"} } })
}

async fn post_in(sim: &SimServer, group: &str, path: &str, body: &Value) -> Value {
    let token = token(sim).await;
    client()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(&token)
        .header("AI-Resource-Group", group)
        .json(body)
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn openai_and_orchestration_honour_none_required_and_a_name() {
    let sim = start().await;
    let tools =
        json!([{ "type": "function", "function": { "name": "add", "parameters": add_schema() } }]);
    let ask = |question: &str, choice: Value| json!({ "messages": [user(question)], "tools": tools, "tool_choice": choice });
    let none = post_in(&sim, "default", GPT4O, &ask("Add 2 and 3.", json!("none"))).await;
    assert_eq!(none["choices"][0]["finish_reason"], "stop", "{none}");
    let required = post_in(&sim, "default", GPT4O, &ask("hello", json!("required"))).await;
    assert_eq!(
        required["choices"][0]["finish_reason"], "tool_calls",
        "{required}"
    );
    let call = &required["choices"][0]["message"]["tool_calls"][0]["function"];
    assert_eq!(call["name"], "add");
    assert_eq!(
        call["arguments"], r#"{"a":1,"b":1}"#,
        "valid against the schema"
    );
    let named = json!({ "type": "function", "function": { "name": "add" } });
    let named = post_in(&sim, "default", GPT4O, &ask("hello", named)).await;
    assert_eq!(
        named["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
        "add"
    );
    let auto = post_in(&sim, "default", GPT4O, &ask("hello", json!("auto"))).await;
    assert_eq!(auto["choices"][0]["finish_reason"], "stop", "{auto}");

    let orchestration = |choice: Value| {
        json!({ "config": { "modules": { "prompt_templating": {
            "prompt": { "template": [{ "role": "user", "content": "Add 2 and 3." }], "tools": tools },
            "model": { "name": "gpt-4o", "version": "latest", "params": { "tool_choice": choice } } } } } })
    };
    let none = post_in(
        &sim,
        "default",
        ORCHESTRATION,
        &orchestration(json!("none")),
    )
    .await;
    assert_eq!(
        none["final_result"]["choices"][0]["finish_reason"], "stop",
        "{none}"
    );
    let auto = post_in(
        &sim,
        "default",
        ORCHESTRATION,
        &orchestration(json!("auto")),
    )
    .await;
    assert_eq!(
        auto["final_result"]["choices"][0]["finish_reason"], "tool_calls",
        "{auto}"
    );
}

#[tokio::test]
async fn bedrock_and_gemini_honour_their_spelling() {
    let sim = start().await;
    let converse = |choice: Value| {
        json!({ "messages": [{ "role": "user", "content": [{ "text": "hello" }] }],
            "toolConfig": { "tools": [{ "toolSpec": { "name": "add", "inputSchema": { "json": add_schema() } } }],
                "toolChoice": choice } })
    };
    let any = post_in(&sim, "team-b", CLAUDE, &converse(json!({ "any": {} }))).await;
    assert_eq!(any["stopReason"], "tool_use", "{any}");
    assert_eq!(
        any["output"]["message"]["content"][0]["toolUse"]["name"],
        "add"
    );
    let auto = post_in(&sim, "team-b", CLAUDE, &converse(json!({ "auto": {} }))).await;
    assert_eq!(auto["stopReason"], "end_turn", "{auto}");

    let gemini = |mode: &str| {
        json!({ "contents": [{ "role": "user", "parts": [{ "text": "Add 2 and 3." }] }],
            "tools": [{ "functionDeclarations": [{ "name": "add", "parameters": add_schema() }] }],
            "toolConfig": { "functionCallingConfig": { "mode": mode } } })
    };
    let none = post_in(&sim, "team-b", GEMINI, &gemini("NONE")).await;
    assert!(
        none["candidates"][0]["content"]["parts"][0]["text"].is_string(),
        "{none}"
    );
    let any = post_in(&sim, "team-b", GEMINI, &gemini("ANY")).await;
    assert_eq!(
        any["candidates"][0]["content"]["parts"][0]["functionCall"]["name"], "add",
        "{any}"
    );
}
