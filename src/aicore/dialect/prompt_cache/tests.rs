//! Cache breakpoints per dialect against the documented shapes, and the cache counts every
//! dialect's usage carries.

use serde_json::{Value, json};

use super::super::{Foundation, chunk_parts, completion_parts, foundation_request};
use super::*;
use crate::aicore::{ChatRequest, Message, Role, ToolCall, ToolSpec, Usage};

const SONNET: &str = "anthropic--claude-4.5-sonnet";

/// System prompt, two tools, a question, a tool round and its result.
fn agent_round() -> ChatRequest {
    let tool = |name: &str| ToolSpec {
        name: name.into(),
        description: format!("{name} things"),
        parameters: json!({"type": "object"}),
    };
    ChatRequest {
        messages: vec![
            Message::new(Role::System, "You are sapcode."),
            Message::new(Role::User, "What is in a.rs?"),
            Message::assistant_tool_calls(
                "",
                vec![ToolCall {
                    id: "t1".into(),
                    name: "read_file".into(),
                    arguments: r#"{"path":"a.rs"}"#.into(),
                    thought_signature: None,
                }],
            ),
            Message::tool_result("t1", "fn a() {}"),
        ],
        max_tokens: Some(100),
        temperature: None,
        tools: vec![tool("read_file"), tool("list_files")],
        reasoning: None,
    }
}

fn bedrock(model: &str, req: &ChatRequest) -> Prepared {
    let at = Foundation {
        base: "https://h/v2/inference/deployments/d1",
        model,
        req,
        stream: true,
    };
    let mut prepared = foundation_request("aws-bedrock", &at).unwrap();
    add_cache_points(&mut prepared, model);
    prepared
}

fn orchestration(model: &str, req: &ChatRequest, v1: bool) -> Prepared {
    let deployment: crate::aicore::Deployment = serde_json::from_value(json!({
        "id": "d9", "scenario_id": "orchestration", "executable_id": "orchestration",
        "configuration_name": null, "model_name": null, "model_version": null, "status": "RUNNING",
        "target_status": null, "url": "https://h/v2/inference/deployments/d9", "created_at": null,
        "modified_at": null, "start_time": null
    }))
    .unwrap();
    let mut prepared =
        super::super::orchestration_request(&deployment, model, req, false, v1, "https://h/v2")
            .unwrap();
    add_cache_points(&mut prepared, model);
    prepared
}

fn cache_points_in(value: &Value) -> usize {
    value
        .to_string()
        .matches(r#""cachePoint":{"type":"default"}"#)
        .count()
}

#[test]
fn which_models_take_cache_points() {
    for model in [
        SONNET,
        "anthropic--claude-3.5-sonnet",
        "anthropic--claude-3.7-sonnet",
        "anthropic--claude-4-opus",
        "anthropic--claude-4.5-haiku",
        "Anthropic--Claude-4-Sonnet",
    ] {
        assert!(takes_cache_points(model), "{model}");
    }
    for model in [
        "anthropic--claude-3-haiku",
        "anthropic--claude-3-opus",
        "amazon--nova-pro",
        "gpt-4o",
        "gemini-2.5-pro",
        "claude-sonnet",
    ] {
        assert!(!takes_cache_points(model), "{model}");
    }
}

#[test]
fn converse_gets_cache_points_after_tools_system_and_the_last_user_turns() {
    let body = bedrock(SONNET, &agent_round()).body;
    let point = json!({"cachePoint": {"type": "default"}});
    let tools = body["toolConfig"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 3);
    assert_eq!(tools[2], point);
    assert!(tools[..2].iter().all(|t| t.get("toolSpec").is_some()));
    assert_eq!(
        body["system"],
        json!([{"text": "You are sapcode."}, point.clone()])
    );
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(
        messages[0]["content"],
        json!([{"text": "What is in a.rs?"}, point.clone()])
    );
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(cache_points_in(&messages[1]), 0);
    assert_eq!(
        messages[2]["content"][1], point,
        "the tool result turn ends with a point"
    );
    // Anthropic allows four breakpoints per request.
    assert_eq!(cache_points_in(&body), 4);
}

#[test]
fn long_histories_keep_four_points() {
    let mut req = agent_round();
    for n in 0..5 {
        req.messages
            .push(Message::new(Role::Assistant, format!("answer {n}")));
        req.messages
            .push(Message::new(Role::User, format!("question {n}")));
    }
    let body = bedrock(SONNET, &req).body;
    assert_eq!(cache_points_in(&body), 4);
    let messages = body["messages"].as_array().unwrap();
    let marked: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| cache_points_in(m) > 0)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(marked, [messages.len() - 3, messages.len() - 1]);
}

#[test]
fn other_bedrock_models_and_plain_requests_get_no_empty_points() {
    let unmarked = bedrock("anthropic--claude-3-haiku", &agent_round()).body;
    assert_eq!(cache_points_in(&unmarked), 0);
    assert_eq!(
        cache_points_in(&bedrock("amazon--nova-pro", &agent_round()).body),
        0
    );
    // No system and no tools: only the user turn gets one, never an empty list.
    let plain = ChatRequest {
        messages: vec![Message::new(Role::User, "hi")],
        ..ChatRequest::default()
    };
    let body = bedrock(SONNET, &plain).body;
    assert!(body.get("system").is_none() && body.get("toolConfig").is_none());
    assert_eq!(cache_points_in(&body), 1);
}

#[test]
fn orchestration_v2_marks_tool_system_and_history_for_claude_only() {
    let mut req = agent_round();
    req.messages.insert(2, Message::new(Role::User, "Go on"));
    let body = orchestration(SONNET, &req, false).body;
    let ephemeral = json!({"type": "ephemeral"});
    let tools = body["config"]["modules"]["prompt_templating"]["prompt"]["tools"]
        .as_array()
        .unwrap();
    assert_eq!(tools[1]["cache_control"], ephemeral);
    assert!(tools[0].get("cache_control").is_none());
    let history = body["messages_history"].as_array().unwrap();
    assert_eq!(
        history[0],
        json!({"role": "system", "content": [{"type": "text", "text": "You are sapcode.", "cache_control": ephemeral}]})
    );
    assert_eq!(
        history[1],
        json!({"role": "user", "content": [{"type": "text", "text": "What is in a.rs?", "cache_control": ephemeral}]})
    );
    assert_eq!(
        history[2],
        json!({"role": "user", "content": [{"type": "text", "text": "Go on", "cache_control": ephemeral}]})
    );
    assert_eq!(
        history[3]["content"], "",
        "a tool-call turn without text stays as it is"
    );
    // The template and its placeholder values are untouched.
    assert_eq!(
        body["config"]["modules"]["prompt_templating"]["prompt"]["template"],
        json!([{"role": "tool", "tool_call_id": "t1", "content": "{{?tool_result_1}}"}])
    );
    assert_eq!(body.to_string().matches("cache_control").count(), 4);

    let gpt = orchestration("gpt-4o", &req, false).body;
    assert!(!gpt.to_string().contains("cache_control"));
    let v1 = orchestration(SONNET, &req, true).body;
    assert!(
        !v1.to_string().contains("cache_control"),
        "v1 has no such field"
    );
}

#[test]
fn orchestration_marks_the_end_of_a_long_history() {
    let mut req = agent_round();
    for n in 0..4 {
        req.messages
            .push(Message::new(Role::Assistant, format!("answer {n}")));
        req.messages
            .push(Message::new(Role::User, format!("question {n}")));
    }
    let body = orchestration(SONNET, &req, false).body;
    let history = body["messages_history"].as_array().unwrap();
    let marked: Vec<usize> = history
        .iter()
        .enumerate()
        .filter(|(_, m)| m.to_string().contains("cache_control"))
        .map(|(i, _)| i)
        .collect();
    // The system prompt, and the last two history messages (the last question is the input).
    assert_eq!(marked, [0, history.len() - 2, history.len() - 1]);
    assert_eq!(history.last().unwrap()["role"], "assistant");
}

#[test]
fn blank_history_messages_stay_strings() {
    let req = ChatRequest {
        messages: vec![
            Message::new(Role::System, "  "),
            Message::new(Role::User, "hi"),
        ],
        ..ChatRequest::default()
    };
    let body = orchestration(SONNET, &req, false).body;
    assert_eq!(
        body["messages_history"],
        json!([{"role": "system", "content": "  "}])
    );
}

fn cached(prompt: u64, completion: u64, total: u64, read: u64, write: u64) -> Option<Usage> {
    Some(Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: total,
        cache_read_tokens: read,
        cache_write_tokens: write,
        reasoning_tokens: None,
    })
}

#[test]
fn every_dialect_reads_cache_counts() {
    // Bedrock: inputTokens is the uncached rest; the prompt is all three.
    let meta = json!({"metadata": {"usage": {"inputTokens": 4, "outputTokens": 10,
        "cacheReadInputTokens": 15_601, "cacheWriteInputTokens": 20, "totalTokens": 15_635}}});
    assert_eq!(
        chunk_parts(&meta, Dialect::BedrockConverse).usage,
        cached(15_625, 10, 15_635, 15_601, 20)
    );
    let whole = json!({"output": {"message": {"content": [{"text": "ok"}]}}, "stopReason": "end_turn",
        "usage": {"inputTokens": 4, "outputTokens": 1, "cacheReadInputTokens": 100, "totalTokens": 5}});
    assert_eq!(
        completion_parts(&whole, Dialect::BedrockConverse).usage,
        cached(104, 1, 105, 100, 0),
        "a total without the cache counts is never below the parts"
    );
    // OpenAI: cached_tokens are part of prompt_tokens.
    let openai = json!({"choices": [], "usage": {"prompt_tokens": 2000, "completion_tokens": 5,
        "total_tokens": 2005, "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0}}});
    assert_eq!(
        chunk_parts(&openai, Dialect::OpenAi).usage,
        cached(2000, 5, 2005, 1920, 0)
    );
    // Orchestration repeats OpenAI's usage and adds cache_creation_tokens for Claude.
    let orch = json!({"final_result": {"choices": [], "usage": {"prompt_tokens": 3000,
        "completion_tokens": 7, "total_tokens": 3007,
        "prompt_tokens_details": {"cached_tokens": 1000, "cache_creation_tokens": 1500}}}});
    assert_eq!(
        chunk_parts(&orch, Dialect::OrchestrationV2).usage,
        cached(3000, 7, 3007, 1000, 1500)
    );
    // Gemini: cachedContentTokenCount is part of promptTokenCount.
    let gemini = json!({"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 5000, "candidatesTokenCount": 3,
        "totalTokenCount": 5003, "cachedContentTokenCount": 4096}});
    assert_eq!(
        chunk_parts(&gemini, Dialect::VertexGemini).usage,
        cached(5000, 3, 5003, 4096, 0)
    );
}

#[test]
fn sdk_fixture_usage_has_zero_cache_counts() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/sap-ai-sdk-js/foundation-models/azure-openai-chat-completion-success-response.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let usage = completion_parts(&body, Dialect::OpenAi).usage.unwrap();
    assert!(usage.prompt_tokens > 0);
    assert_eq!((usage.cache_read_tokens, usage.cache_write_tokens), (0, 0));
}
