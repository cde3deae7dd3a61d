//! Orchestration mode (API reference §7): v2 `/v2/completion` bodies, and the v1
//! `/completion` shape used when a deployment answers v2 with 404. The user's last message
//! travels as a placeholder value, never as template text, so `{{`, `{%` or `{#` in user
//! code is never parsed by the templating module (§7.4).

use serde_json::{Value, json};

use super::openai::{choice_parts, error_message};
use super::{ChunkParts, Dialect, EMPTY_RESULT, Prepared, Wire, thinking};
use crate::aicore::deployments::Deployment;
use crate::aicore::{ChatRequest, Error, Message, Result, Role, ToolSpec};

/// Orchestration v2: the OpenAI-shaped chunk inside `final_result`.
pub struct V2;
/// Orchestration v1: inside `orchestration_result`.
pub struct V1;

impl Wire for V2 {
    fn is_throttling(&self, payload: &Value) -> bool {
        crate::aicore::error_body::is_throttling(payload)
    }

    fn error_in(&self, payload: &Value) -> Option<String> {
        error_message(payload, "final_result")
    }

    fn chunk_parts(&self, payload: &Value) -> ChunkParts {
        wrapped_parts(payload, "final_result", "delta")
    }

    fn completion_parts(&self, payload: &Value) -> ChunkParts {
        wrapped_parts(payload, "final_result", "message")
    }
}

impl Wire for V1 {
    fn is_throttling(&self, payload: &Value) -> bool {
        crate::aicore::error_body::is_throttling(payload)
    }

    fn error_in(&self, payload: &Value) -> Option<String> {
        error_message(payload, "orchestration_result")
    }

    fn chunk_parts(&self, payload: &Value) -> ChunkParts {
        wrapped_parts(payload, "orchestration_result", "delta")
    }

    fn completion_parts(&self, payload: &Value) -> ChunkParts {
        wrapped_parts(payload, "orchestration_result", "message")
    }
}

/// The parts of the OpenAI-shaped object under `key`; nothing when it is missing.
fn wrapped_parts(payload: &Value, key: &str, kind: &str) -> ChunkParts {
    payload
        .get(key)
        .filter(|v| v.is_object())
        .map(|result| choice_parts(result, kind))
        .unwrap_or_default()
}

/// The only template text we ever send.
const TEMPLATE_INPUT: &str = "{{?input}}";

/// History, template and placeholder values, in the conversation's order (templated
/// messages come after `messages_history`, §7.4). Normally the last message travels as
/// `{{?input}}` in its own role (a user question, or an assistant message the model is to
/// continue); when the conversation ends with tool results (a tool round), those results are
/// the template instead, each as `{"role":"tool","tool_call_id",content:"{{?tool_result_N}}"}`
/// so their text is never parsed as template either, and everything before them is history.
/// An empty result travels as `EMPTY_RESULT`: an empty placeholder value may be taken for a
/// missing one. A last assistant message with tool calls but no results cannot be sent.
fn split(messages: &[Message]) -> Result<(Vec<Value>, Value, Value)> {
    let trailing_tools = messages
        .iter()
        .rev()
        .take_while(|m| m.role == Role::Tool)
        .count();
    if trailing_tools > 0 {
        let cut = messages.len() - trailing_tools;
        let mut template = Vec::new();
        let mut values = serde_json::Map::new();
        for (n, message) in messages[cut..].iter().enumerate() {
            let name = format!("tool_result_{}", n + 1);
            template.push(json!({
                "role": "tool",
                "tool_call_id": message.tool_call_id.as_deref().unwrap_or(""),
                "content": format!("{{{{?{name}}}}}"),
            }));
            let content = if message.content.trim().is_empty() {
                EMPTY_RESULT
            } else {
                message.content.as_str()
            };
            values.insert(name, json!(content));
        }
        return Ok((
            messages[..cut].iter().map(Message::openai_json).collect(),
            Value::Array(template),
            Value::Object(values),
        ));
    }
    let Some((last, history)) = messages.split_last() else {
        return Ok((
            Vec::new(),
            json!([{ "role": "user", "content": TEMPLATE_INPUT }]),
            json!({ "input": "" }),
        ));
    };
    if !last.tool_calls.is_empty() {
        return Err(Error::Conversation {
            problem: "it ends with tool calls that have no results".into(),
        });
    }
    // Images go beside the placeholder as content items (spec `UserChatMessageContentItem`);
    // base64 holds no `{{`, so the template parser finds nothing in them.
    let content = if last.images.is_empty() {
        json!(TEMPLATE_INPUT)
    } else {
        crate::aicore::chat::openai_content_parts(json!(TEMPLATE_INPUT), &last.images)
    };
    Ok((
        history.iter().map(Message::openai_json).collect(),
        json!([{ "role": last.role, "content": content }]),
        json!({ "input": last.content }),
    ))
}

/// `max_completion_tokens` for every model, as SAP's Java SDK sends it: orchestration
/// deprecates `max_tokens` and refuses it for GPT-5 and the o-series (§7.3).
fn model_params(model: &str, req: &ChatRequest, stream: bool, replays: bool) -> Value {
    let mut params = json!({});
    if let Some(max) = req.max_tokens {
        params["max_completion_tokens"] = json!(max);
    }
    if let Some(t) = req.temperature {
        params["temperature"] = json!(t);
    }
    if stream {
        params["stream_options"] = json!({ "include_usage": true });
    }
    add_reasoning(&mut params, model, req, replays);
    params
}

/// The effort in the model params (§7.4: the SDKs pass `reasoning_effort` there, and the
/// harmonized API takes provider-specific snake_case keys): `reasoning_effort` for OpenAI's
/// reasoning models and Gemini 2.5+, Anthropic's `thinking` (with the token cap raised above
/// its budget and no temperature) for Claude. Other models get nothing they might refuse.
/// `replays`: the API sends thinking back (v2's `reasoning_content`), so Claude may think in
/// tool rounds too.
fn add_reasoning(params: &mut Value, model: &str, req: &ChatRequest, replays: bool) {
    let Some(effort) = req.reasoning else {
        return;
    };
    if super::is_reasoning_model(model) || thinking::gemini_thinks(model) {
        params["reasoning_effort"] = json!(effort.as_str());
    } else if thinking::is_claude(model)
        && let Some((budget, max_tokens)) = thinking::anthropic(req, replays)
    {
        params["thinking"] = budget;
        params["max_completion_tokens"] = json!(max_tokens);
        if let Some(map) = params.as_object_mut() {
            map.remove("temperature");
        }
    }
}

pub fn prepare(
    deployment: &Deployment,
    model: &str,
    req: &ChatRequest,
    stream: bool,
    v1: bool,
    api_base: &str,
) -> Result<Prepared> {
    let base = deployment.inference_base(api_base);
    let (history, template, values) = split(&req.messages)?;
    let mut prompt = json!({ "template": template });
    if !req.tools.is_empty() {
        prompt["tools"] = req.tools.iter().map(ToolSpec::openai_json).collect();
    }
    if v1 {
        let mut config = json!({
            "module_configurations": {
                "llm_module_config": { "model_name": model, "model_version": "latest", "model_params": model_params(model, req, stream, false) },
                "templating_module_config": prompt
            },
            "stream": stream
        });
        if stream {
            config["stream_options"] = json!({ "chunk_size": 100 });
        }
        return Ok(Prepared {
            url: format!("{base}/completion"),
            body: json!({ "orchestration_config": config, "input_params": values, "messages_history": history }),
            dialect: Dialect::OrchestrationV1,
        });
    }
    let params = model_params(model, req, stream, true);
    let mut history_json = json!(history);
    if params.get("thinking").is_some() {
        // The history is the first messages of the request, in order.
        replay_thinking(&mut history_json, &req.messages);
    }
    let mut config = json!({
        "modules": { "prompt_templating": {
            "prompt": prompt,
            "model": { "name": model, "version": "latest", "params": params }
        } }
    });
    if stream {
        config["stream"] = json!({ "enabled": true, "chunk_size": 100 });
    }
    Ok(Prepared {
        url: format!("{base}/v2/completion"),
        body: json!({ "config": config, "placeholder_values": values, "messages_history": history_json }),
        dialect: Dialect::OrchestrationV2,
    })
}

/// With Claude thinking on, each assistant message of `history` carries the thinking it came
/// with as v2's `reasoning_content` (`[{content, signature}]`, the spec's `ReasoningBlock`),
/// which Anthropic requires back before a tool round's calls. Redacted thinking has no field
/// in that schema and is left out.
fn replay_thinking(history_json: &mut Value, history: &[Message]) {
    let Some(list) = history_json.as_array_mut() else {
        return;
    };
    for (wire, message) in list.iter_mut().zip(history) {
        let blocks: Vec<Value> = message
            .thinking
            .iter()
            .filter(|block| block.redacted.is_none())
            .map(|block| json!({ "content": block.text, "signature": block.signature.as_deref().unwrap_or_default() }))
            .collect();
        if !blocks.is_empty() {
            wire["reasoning_content"] = Value::Array(blocks);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Deployment {
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

    const TRICKY: &str = "fn f() { let t = \"{{ x }} {% if y %} {# c #} {{?input}}\"; }";

    fn request() -> ChatRequest {
        ChatRequest {
            messages: vec![
                Message::new(Role::System, "be terse"),
                Message::new(Role::User, "first {{?x}}"),
                Message::new(Role::Assistant, "ok"),
                Message::new(Role::User, TRICKY),
            ],
            max_tokens: Some(64),
            temperature: None,
            tools: Vec::new(),
            reasoning: None,
        }
    }

    #[test]
    fn v2_body_keeps_user_text_out_of_the_template() {
        let p = prepare(
            &deployment(),
            "gpt-4o",
            &request(),
            true,
            false,
            "https://h/v2",
        )
        .unwrap();
        assert_eq!(p.url, "https://h/v2/inference/deployments/d9/v2/completion");
        assert_eq!(p.dialect, Dialect::OrchestrationV2);
        let template = &p.body["config"]["modules"]["prompt_templating"]["prompt"]["template"];
        assert_eq!(
            template,
            &json!([{"role": "user", "content": "{{?input}}"}])
        );
        let template_text = template.to_string();
        assert!(
            !template_text.contains("{%")
                && !template_text.contains("{#")
                && !template_text.contains("first")
        );
        assert_eq!(p.body["placeholder_values"]["input"], TRICKY);
        assert_eq!(
            p.body["messages_history"],
            json!([
                {"role": "system", "content": "be terse"},
                {"role": "user", "content": "first {{?x}}"},
                {"role": "assistant", "content": "ok"}
            ])
        );
        assert_eq!(
            p.body["config"]["modules"]["prompt_templating"]["model"],
            json!({
                "name": "gpt-4o", "version": "latest",
                "params": {"max_completion_tokens": 64, "stream_options": {"include_usage": true}}
            })
        );
        assert_eq!(
            p.body["config"]["stream"],
            json!({"enabled": true, "chunk_size": 100})
        );
    }

    #[test]
    fn v1_body() {
        let p = prepare(
            &deployment(),
            "gpt-4o",
            &request(),
            false,
            true,
            "https://h/v2",
        )
        .unwrap();
        assert_eq!(p.url, "https://h/v2/inference/deployments/d9/completion");
        let mc = &p.body["orchestration_config"]["module_configurations"];
        assert_eq!(
            mc["llm_module_config"],
            json!({"model_name": "gpt-4o", "model_version": "latest", "model_params": {"max_completion_tokens": 64}})
        );
        assert_eq!(
            mc["templating_module_config"]["template"],
            json!([{"role": "user", "content": "{{?input}}"}])
        );
        assert_eq!(p.body["orchestration_config"]["stream"], false);
        assert_eq!(p.body["input_params"]["input"], TRICKY);
        assert_eq!(p.body["messages_history"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn tool_rounds_put_results_in_the_template_and_calls_in_history() {
        use crate::aicore::ToolCall;
        let mut req = request();
        req.tools = vec![ToolSpec {
            name: "read_file".into(),
            description: "Read a file".into(),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
        }];
        req.messages.push(Message::assistant_tool_calls(
            "",
            vec![ToolCall {
                id: "call_1".into(),
                name: "read_file".into(),
                arguments: r#"{"path":"a.rs"}"#.into(),
                thought_signature: None,
            }],
        ));
        req.messages
            .push(Message::tool_result("call_1", "fn a() { \"{{?x}}\" }"));
        let p = prepare(&deployment(), "gpt-4o", &req, false, false, "https://h/v2").unwrap();
        let prompt = &p.body["config"]["modules"]["prompt_templating"]["prompt"];
        assert_eq!(
            prompt["tools"],
            json!([{"type": "function", "function": {"name": "read_file", "description": "Read a file",
                "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}])
        );
        assert_eq!(
            prompt["template"],
            json!([{"role": "tool", "tool_call_id": "call_1", "content": "{{?tool_result_1}}"}])
        );
        assert_eq!(
            p.body["placeholder_values"],
            json!({"tool_result_1": "fn a() { \"{{?x}}\" }"})
        );
        let history = p.body["messages_history"].as_array().unwrap();
        assert_eq!(history.len(), 5);
        assert_eq!(history[3], json!({"role": "user", "content": TRICKY}));
        assert_eq!(
            history[4],
            json!({"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "read_file", "arguments": "{\"path\":\"a.rs\"}"}}]})
        );
        let v1 = prepare(&deployment(), "gpt-4o", &req, false, true, "https://h/v2").unwrap();
        let templating =
            &v1.body["orchestration_config"]["module_configurations"]["templating_module_config"];
        assert_eq!(templating["tools"], prompt["tools"]);
        assert_eq!(v1.body["input_params"], p.body["placeholder_values"]);
    }

    #[test]
    fn no_tools_no_tool_fields() {
        let p = prepare(
            &deployment(),
            "gpt-4o",
            &request(),
            false,
            false,
            "https://h/v2",
        )
        .unwrap();
        let prompt = &p.body["config"]["modules"]["prompt_templating"]["prompt"];
        assert_eq!(
            prompt,
            &json!({"template": [{"role": "user", "content": "{{?input}}"}]})
        );
    }

    #[test]
    fn an_empty_tool_result_travels_as_no_output() {
        use crate::aicore::ToolCall;
        let mut req = request();
        let call = |id: &str| ToolCall {
            id: id.into(),
            name: "search".into(),
            arguments: "{}".into(),
            thought_signature: None,
        };
        req.messages.push(Message::assistant_tool_calls(
            "",
            vec![call("c1"), call("c2")],
        ));
        req.messages.push(Message::tool_result("c1", ""));
        req.messages.push(Message::tool_result("c2", "  \n"));
        let p = prepare(&deployment(), "gpt-4o", &req, true, false, "https://h/v2").unwrap();
        assert_eq!(
            p.body["placeholder_values"],
            json!({"tool_result_1": "(no output)", "tool_result_2": "(no output)"})
        );
    }

    #[test]
    fn a_conversation_ending_with_an_assistant_message_keeps_its_order() {
        let mut req = request();
        req.messages
            .push(Message::new(Role::Assistant, "Let me think {{?x}}"));
        let p = prepare(&deployment(), "gpt-4o", &req, true, false, "https://h/v2").unwrap();
        let roles: Vec<&str> = p.body["messages_history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["system", "user", "assistant", "user"]);
        assert_eq!(
            p.body["messages_history"][3]["content"], TRICKY,
            "the last question stays in place"
        );
        assert_eq!(
            p.body["config"]["modules"]["prompt_templating"]["prompt"]["template"],
            json!([{"role": "assistant", "content": "{{?input}}"}])
        );
        assert_eq!(
            p.body["placeholder_values"],
            json!({"input": "Let me think {{?x}}"})
        );
    }

    #[test]
    fn tool_calls_without_results_are_refused_not_reordered() {
        use crate::aicore::ToolCall;
        let mut req = request();
        req.messages.push(Message::assistant_tool_calls(
            "",
            vec![ToolCall {
                id: "c1".into(),
                name: "search".into(),
                arguments: "{}".into(),
                thought_signature: None,
            }],
        ));
        let err = prepare(&deployment(), "gpt-4o", &req, true, false, "https://h/v2").unwrap_err();
        assert!(matches!(err, Error::Conversation { .. }), "{err:?}");
        assert!(
            err.to_string().contains("tool calls that have no results"),
            "{err}"
        );
    }
}
