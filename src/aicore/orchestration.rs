//! Orchestration mode (API reference §7): v2 `/v2/completion` bodies, and the v1
//! `/completion` shape used when a deployment answers v2 with 404. The user's last message
//! travels as a placeholder value, never as template text, so `{{`, `{%` or `{#` in user
//! code is never parsed by the templating module (§7.4).

use serde_json::{Value, json};

use super::deployments::Deployment;
use super::foundation::{Prepared, inference_base};
use super::sse::Dialect;
use super::{ChatRequest, Message, Role};

/// The only template text we ever send.
const TEMPLATE_INPUT: &str = "{{?input}}";

/// History (everything but the last user message) and that message's text.
fn split_last_user(messages: &[Message]) -> (Vec<&Message>, String) {
    match messages.iter().rposition(|m| m.role == Role::User) {
        Some(i) => (
            messages
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, m)| m)
                .collect(),
            messages[i].content.clone(),
        ),
        None => (messages.iter().collect(), String::new()),
    }
}

fn model_params(req: &ChatRequest, stream: bool) -> Value {
    let mut params = json!({});
    if let Some(max) = req.max_tokens {
        params["max_tokens"] = json!(max);
    }
    if let Some(t) = req.temperature {
        params["temperature"] = json!(t);
    }
    if stream {
        params["stream_options"] = json!({ "include_usage": true });
    }
    params
}

pub fn prepare(
    deployment: &Deployment,
    model: &str,
    req: &ChatRequest,
    stream: bool,
    v1: bool,
    api_base: &str,
) -> Prepared {
    let base = inference_base(deployment, api_base);
    let (history, input) = split_last_user(&req.messages);
    let template = json!([{ "role": "user", "content": TEMPLATE_INPUT }]);
    if v1 {
        let mut config = json!({
            "module_configurations": {
                "llm_module_config": { "model_name": model, "model_version": "latest", "model_params": model_params(req, stream) },
                "templating_module_config": { "template": template }
            },
            "stream": stream
        });
        if stream {
            config["stream_options"] = json!({ "chunk_size": 100 });
        }
        return Prepared {
            url: format!("{base}/completion"),
            body: json!({ "orchestration_config": config, "input_params": { "input": input }, "messages_history": history }),
            dialect: Dialect::OrchestrationV1,
        };
    }
    let mut config = json!({
        "modules": { "prompt_templating": {
            "prompt": { "template": template },
            "model": { "name": model, "version": "latest", "params": model_params(req, stream) }
        } }
    });
    if stream {
        config["stream"] = json!({ "enabled": true, "chunk_size": 100 });
    }
    Prepared {
        url: format!("{base}/v2/completion"),
        body: json!({ "config": config, "placeholder_values": { "input": input }, "messages_history": history }),
        dialect: Dialect::OrchestrationV2,
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
                Message {
                    role: Role::System,
                    content: "be terse".into(),
                },
                Message {
                    role: Role::User,
                    content: "first {{?x}}".into(),
                },
                Message {
                    role: Role::Assistant,
                    content: "ok".into(),
                },
                Message {
                    role: Role::User,
                    content: TRICKY.into(),
                },
            ],
            max_tokens: Some(64),
            temperature: None,
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
        );
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
                "params": {"max_tokens": 64, "stream_options": {"include_usage": true}}
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
        );
        assert_eq!(p.url, "https://h/v2/inference/deployments/d9/completion");
        let mc = &p.body["orchestration_config"]["module_configurations"];
        assert_eq!(
            mc["llm_module_config"],
            json!({"model_name": "gpt-4o", "model_version": "latest", "model_params": {"max_tokens": 64}})
        );
        assert_eq!(
            mc["templating_module_config"]["template"],
            json!([{"role": "user", "content": "{{?input}}"}])
        );
        assert_eq!(p.body["orchestration_config"]["stream"], false);
        assert_eq!(p.body["input_params"]["input"], TRICKY);
        assert_eq!(p.body["messages_history"].as_array().map(Vec::len), Some(3));
    }
}
