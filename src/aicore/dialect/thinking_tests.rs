//! The reasoning effort in each dialect's request: the field it goes in, the models that
//! take it, and the token cap it needs.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;
use crate::aicore::deployments::Deployment;
use crate::aicore::{Effort, Message, Role, ToolSpec};

fn request(reasoning: Option<Effort>) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::new(Role::User, "why?")],
        max_tokens: Some(1_000),
        temperature: Some(0.5),
        reasoning,
        ..ChatRequest::default()
    }
}

fn with_tools(mut req: ChatRequest) -> ChatRequest {
    req.tools = vec![ToolSpec {
        name: "read_file".into(),
        description: "Read a file".into(),
        parameters: json!({ "type": "object" }),
    }];
    req
}

/// A tool call of the model and its result, the round still pending.
fn add_tool_round(req: &mut ChatRequest) {
    let call = crate::aicore::ToolCall {
        id: "t1".into(),
        name: "read_file".into(),
        arguments: "{}".into(),
        thought_signature: None,
    };
    req.messages
        .push(Message::assistant_tool_calls("", vec![call]));
    req.messages.push(Message::tool_result("t1", "text"));
}

/// The pending round's call as it came with Claude's signed thinking.
fn sign_tool_round(req: &mut ChatRequest) {
    req.messages[1].thinking = vec![crate::aicore::ThinkingBlock {
        text: "Read it.".into(),
        signature: Some("sig".into()),
        redacted: None,
    }];
}

fn foundation(executable: &str, model: &str, req: &ChatRequest) -> Value {
    let at = Foundation {
        base: "https://h/d1",
        model,
        req,
        stream: true,
    };
    foundation_request(executable, &at).unwrap().body
}

fn orchestration_deployment() -> Deployment {
    Deployment {
        id: "d9".into(),
        scenario_id: "orchestration".into(),
        executable_id: Some("orchestration".into()),
        configuration_name: None,
        model_name: None,
        model_version: None,
        status: "RUNNING".into(),
        target_status: None,
        url: Some("https://h/v2/inference/deployments/d9".into()),
        created_at: None,
        modified_at: None,
        start_time: None,
    }
}

fn orchestration(model: &str, req: &ChatRequest) -> Value {
    let deployment = orchestration_deployment();
    let prepared = orchestration_request(&deployment, model, req, true, false, "https://h/v2");
    prepared.unwrap().body["config"]["modules"]["prompt_templating"]["model"]["params"].clone()
}

#[test]
fn openai_reasoning_models_get_reasoning_effort_and_others_nothing() {
    let high = request(Some(Effort::High));
    for model in ["o3-mini", "gpt-5"] {
        let body = foundation("azure-openai", model, &high);
        assert_eq!(body["reasoning_effort"], "high", "{model}");
    }
    let low = foundation("azure-openai", "o3-mini", &request(Some(Effort::Low)));
    assert_eq!(low["reasoning_effort"], "low");
    // gpt-4o would refuse the field.
    let plain = foundation("azure-openai", "gpt-4o", &high);
    assert!(plain.get("reasoning_effort").is_none(), "{plain}");
    let unset = foundation("azure-openai", "o3-mini", &request(None));
    assert!(unset.get("reasoning_effort").is_none(), "{unset}");
}

#[test]
fn claude_on_bedrock_thinks_within_a_raised_cap_and_without_temperature() {
    let body = foundation(
        "aws-bedrock",
        "anthropic--claude-4.5-sonnet",
        &request(Some(Effort::Medium)),
    );
    assert_eq!(
        body["additionalModelRequestFields"],
        json!({ "thinking": { "type": "enabled", "budget_tokens": 8_192 } })
    );
    assert_eq!(body["inferenceConfig"], json!({ "maxTokens": 9_192 }));

    // Without a cap of the caller's, the answer still gets room beyond the budget.
    let uncapped = ChatRequest {
        max_tokens: None,
        ..request(Some(Effort::Low))
    };
    let body = foundation("aws-bedrock", "anthropic--claude-4.5-sonnet", &uncapped);
    assert_eq!(body["inferenceConfig"]["maxTokens"], 2_048 + 8_192);
}

#[test]
fn bedrock_thinks_with_tools_and_sends_the_pending_rounds_thinking_back() {
    let claude = "anthropic--claude-4.5-sonnet";
    let mut req = with_tools(request(Some(Effort::High)));
    let body = foundation("aws-bedrock", claude, &req);
    assert_eq!(
        body["additionalModelRequestFields"]["thinking"]["type"],
        "enabled"
    );

    add_tool_round(&mut req);
    // A round begun without thinking cannot go on with it: Anthropic would refuse it.
    let unsigned = foundation("aws-bedrock", claude, &req);
    assert!(
        unsigned.get("additionalModelRequestFields").is_none(),
        "{unsigned}"
    );
    assert_eq!(unsigned["inferenceConfig"]["temperature"], 0.5);

    sign_tool_round(&mut req);
    let signed = foundation("aws-bedrock", claude, &req);
    assert_eq!(
        signed["additionalModelRequestFields"]["thinking"]["type"],
        "enabled"
    );
    assert_eq!(
        signed["messages"][1]["content"][0],
        json!({ "reasoningContent": { "reasoningText": { "text": "Read it.", "signature": "sig" } } })
    );
    assert!(
        signed["inferenceConfig"].get("temperature").is_none(),
        "{signed}"
    );
    // Without thinking on, the kept thinking stays home.
    req.reasoning = None;
    let plain = foundation("aws-bedrock", claude, &req);
    assert!(
        plain["messages"][1]["content"][0].get("toolUse").is_some(),
        "{plain}"
    );

    let nova = foundation(
        "aws-bedrock",
        "amazon--nova-pro",
        &request(Some(Effort::High)),
    );
    assert!(nova.get("additionalModelRequestFields").is_none(), "{nova}");
    assert_eq!(nova["inferenceConfig"]["temperature"], 0.5);
}

#[test]
fn orchestration_v2_thinks_with_tools_and_sends_the_thinking_back() {
    let claude = "anthropic--claude-4.5-sonnet";
    let mut req = with_tools(request(Some(Effort::High)));
    let params = orchestration(claude, &req);
    assert_eq!(params["thinking"]["type"], "enabled", "{params}");
    add_tool_round(&mut req);
    assert!(orchestration(claude, &req).get("thinking").is_none());
    sign_tool_round(&mut req);
    assert_eq!(orchestration(claude, &req)["thinking"]["type"], "enabled");
    let deployment = orchestration_deployment();
    let body = orchestration_request(&deployment, claude, &req, true, false, "https://h/v2")
        .unwrap()
        .body;
    assert_eq!(
        body["messages_history"][1]["reasoning_content"],
        json!([{ "content": "Read it.", "signature": "sig" }])
    );
    // v1 has no field for it: no thinking in a tool round there.
    let v1 = orchestration_request(&deployment, claude, &req, true, true, "https://h/v2")
        .unwrap()
        .body;
    let v1_params =
        &v1["orchestration_config"]["module_configurations"]["llm_module_config"]["model_params"];
    assert!(v1_params.get("thinking").is_none(), "{v1_params}");
    assert!(v1["messages_history"][1].get("reasoning_content").is_none());
}

#[test]
fn gemini_gets_a_thinking_budget_beside_its_answer_cap() {
    let body = foundation(
        "gcp-vertexai",
        "gemini-2.5-pro",
        &request(Some(Effort::High)),
    );
    assert_eq!(
        body["generationConfig"],
        json!({
            "maxOutputTokens": 25_576,
            "temperature": 0.5,
            "thinkingConfig": { "thinkingBudget": 24_576 },
        })
    );
    let flash = foundation(
        "gcp-vertexai",
        "gemini-2.0-flash",
        &request(Some(Effort::High)),
    );
    assert!(
        flash["generationConfig"].get("thinkingConfig").is_none(),
        "{flash}"
    );
}

#[test]
fn orchestration_puts_the_effort_in_the_model_params() {
    let high = request(Some(Effort::High));
    assert_eq!(orchestration("o3-mini", &high)["reasoning_effort"], "high");
    assert_eq!(
        orchestration("gemini-2.5-pro", &high)["reasoning_effort"],
        "high"
    );
    let claude = orchestration("anthropic--claude-4.5-sonnet", &high);
    assert_eq!(
        claude["thinking"],
        json!({ "type": "enabled", "budget_tokens": 24_576 })
    );
    assert_eq!(claude["max_completion_tokens"], 25_576);
    assert!(claude.get("temperature").is_none(), "{claude}");
    let plain = orchestration("gpt-4o", &high);
    assert!(plain.get("reasoning_effort").is_none(), "{plain}");
    assert!(plain.get("thinking").is_none(), "{plain}");
    // With tools too: v2 sends the thinking back (`orchestration_v2_thinks_with_tools…`).
    let claude_with_tools = orchestration("anthropic--claude-4.5-sonnet", &with_tools(high));
    assert_eq!(claude_with_tools["thinking"]["type"], "enabled");
}

#[test]
fn config_words_parse_case_blind() {
    assert_eq!(Effort::parse("High"), Some(Effort::High));
    assert_eq!(Effort::parse(" low "), Some(Effort::Low));
    assert_eq!(Effort::parse("max"), None);
}
