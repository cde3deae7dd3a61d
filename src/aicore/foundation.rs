//! Foundation mode (API reference §6): a model's own deployment, spoken to in the dialect of
//! its executable (`dialect::foundation_request`); an executable sapcode does not speak is
//! refused with a hint towards orchestration mode. Also infers the executable of a
//! deployment that does not name it.

use super::deployments::Deployment;
use super::dialect::{self, Foundation, Prepared};
use super::models::ModelEntry;
use super::{ChatRequest, Error, Result};

fn executable(deployment: &Deployment) -> &str {
    deployment.executable_id.as_deref().unwrap_or("")
}

/// Catalog `provider` words and the executable that serves that provider's models (§5).
const PROVIDER_EXECUTABLES: [(&str, &str); 6] = [
    ("openai", "azure-openai"),
    ("anthropic", "aws-bedrock"),
    ("amazon", "aws-bedrock"),
    ("google", "gcp-vertexai"),
    ("mistral ai", "aicore-mistralai"),
    ("perplexity", "perplexity-ai"),
];

/// Model name prefixes SAP AI Core uses per executable (§5).
const NAME_EXECUTABLES: [(&str, &str); 9] = [
    ("gpt-", "azure-openai"),
    ("o1", "azure-openai"),
    ("o3", "azure-openai"),
    ("o4", "azure-openai"),
    ("anthropic--", "aws-bedrock"),
    ("amazon--", "aws-bedrock"),
    ("gemini-", "gcp-vertexai"),
    ("mistralai--", "aicore-mistralai"),
    ("sonar", "perplexity-ai"),
];

/// The executable to speak to a deployment whose `executableId` is missing or null (SAP's
/// own SDK test data has such deployments, §12): the model's catalog entry, else its
/// provider, else its name. `None` when none of them tells.
pub fn infer_executable(model: &str, entry: Option<&ModelEntry>) -> Option<String> {
    if let Some(id) = entry
        .map(|e| e.executable_id.as_str())
        .filter(|id| !id.is_empty())
    {
        return Some(id.to_string());
    }
    let provider = entry
        .and_then(|e| e.provider.as_deref())
        .map(str::to_ascii_lowercase);
    let by_provider = provider.and_then(|provider| {
        PROVIDER_EXECUTABLES
            .iter()
            .find(|(word, _)| *word == provider)
            .map(|(_, executable)| *executable)
    });
    let name = model.to_ascii_lowercase();
    let by_name = || {
        NAME_EXECUTABLES
            .iter()
            .find(|(prefix, _)| name.starts_with(prefix))
            .map(|(_, executable)| *executable)
    };
    by_provider.or_else(by_name).map(str::to_string)
}

pub fn prepare(
    deployment: &Deployment,
    model: &str,
    req: &ChatRequest,
    stream: bool,
    api_base: &str,
) -> Result<Prepared> {
    let base = deployment.inference_base(api_base);
    let at = Foundation {
        base: &base,
        model,
        req,
        stream,
    };
    let executable = executable(deployment);
    dialect::foundation_request(executable, &at).ok_or_else(|| Error::UnsupportedExecutable {
        model: model.to_string(),
        executable: if executable.is_empty() {
            "(none given, and the model does not tell)".into()
        } else {
            executable.to_string()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::dialect::{Dialect, is_reasoning_model};
    use crate::aicore::{Message, Role, ToolSpec};
    use serde_json::json;

    fn deployment(executable: &str, url: Option<&str>) -> Deployment {
        Deployment {
            id: "d1".into(),
            scenario_id: "foundation-models".into(),
            executable_id: Some(executable.into()),
            configuration_name: None,
            model_name: Some("gpt-4o".into()),
            model_version: None,
            status: "RUNNING".into(),
            target_status: None,
            url: url.map(str::to_string),
            created_at: None,
            modified_at: None,
            start_time: None,
        }
    }

    fn request() -> ChatRequest {
        ChatRequest {
            messages: vec![Message::new(Role::User, "hi")],
            max_tokens: Some(100),
            temperature: Some(0.5),
            tools: Vec::new(),
            reasoning: None,
        }
    }

    #[test]
    fn azure_streaming_body() {
        let p = prepare(
            &deployment(
                "azure-openai",
                Some("https://h/v2/inference/deployments/d1/"),
            ),
            "gpt-4o",
            &request(),
            true,
            "https://h/v2",
        )
        .unwrap();
        assert_eq!(
            p.url,
            "https://h/v2/inference/deployments/d1/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            p.body,
            json!({"messages": [{"role": "user", "content": "hi"}], "stream": true,
            "stream_options": {"include_usage": true}, "max_tokens": 100, "temperature": 0.5})
        );
    }

    #[test]
    fn reasoning_models_get_max_completion_tokens_and_no_temperature() {
        let p = prepare(
            &deployment("azure-openai", None),
            "o3-mini",
            &request(),
            false,
            "https://h/v2",
        )
        .unwrap();
        assert_eq!(
            p.url,
            "https://h/v2/inference/deployments/d1/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            p.body,
            json!({"messages": [{"role": "user", "content": "hi"}], "stream": false, "max_completion_tokens": 100})
        );
        assert!(is_reasoning_model("gpt-5-mini") && !is_reasoning_model("gpt-4o"));
    }

    #[test]
    fn mistral_names_the_model() {
        let p = prepare(
            &deployment("aicore-mistralai", Some("https://h/x")),
            "mistralai--mistral-large-instruct",
            &request(),
            false,
            "https://h/v2",
        )
        .unwrap();
        assert_eq!(p.url, "https://h/x/chat/completions");
        assert_eq!(p.body["model"], "mistralai--mistral-large-instruct");
    }

    #[test]
    fn bedrock_uses_converse() {
        let d = deployment("aws-bedrock", Some("https://h/v2/inference/deployments/d1"));
        let model = "anthropic--claude-4.5-sonnet";
        let p = prepare(&d, model, &request(), true, "https://h/v2").unwrap();
        assert_eq!(
            p.url,
            "https://h/v2/inference/deployments/d1/converse-stream"
        );
        assert_eq!(p.dialect, Dialect::BedrockConverse);
        assert_eq!(
            p.body,
            json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}],
                "inferenceConfig": {"maxTokens": 100, "temperature": 0.5}})
        );
        let p = prepare(&d, model, &request(), false, "https://h/v2").unwrap();
        assert_eq!(p.url, "https://h/v2/inference/deployments/d1/converse");
    }

    #[test]
    fn vertex_names_the_model_in_the_path() {
        let d = deployment("gcp-vertexai", None);
        let p = prepare(&d, "gemini-2.5-pro", &request(), true, "https://h/v2").unwrap();
        assert_eq!(
            p.url,
            "https://h/v2/inference/deployments/d1/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        assert_eq!(p.dialect, Dialect::VertexGemini);
        assert_eq!(
            p.body,
            json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                "generationConfig": {"maxOutputTokens": 100, "temperature": 0.5}})
        );
        let p = prepare(&d, "gemini-2.5-pro", &request(), false, "https://h/v2").unwrap();
        assert!(p.url.ends_with("/models/gemini-2.5-pro:generateContent"));
    }

    #[test]
    fn other_executables_are_refused() {
        for executable in ["aicore-cohere", "aicore-sap", ""] {
            let err = prepare(
                &deployment(executable, None),
                "cohere--command-a-reasoning",
                &request(),
                true,
                "https://h/v2",
            )
            .unwrap_err();
            let shown = if executable.is_empty() {
                "(none given, and the model does not tell)"
            } else {
                executable
            };
            assert!(
                matches!(err, Error::UnsupportedExecutable { executable: ref e, .. } if e == shown)
            );
            assert!(err.hint().contains("orchestration"));
        }
    }

    #[test]
    fn the_executable_is_inferred_from_catalog_provider_or_name() {
        let entry = |executable: &str, provider: Option<&str>| ModelEntry {
            name: "m".into(),
            provider: provider.map(str::to_string),
            version: None,
            context_length: None,
            executable_id: executable.into(),
            orchestration: false,
            streaming: true,
            text_generation: true,
            passes_filter: true,
            running_deployments: 0,
            total_deployments: 0,
            lifecycle: Default::default(),
            price: None,
            input_types: Vec::new(),
        };
        let infer = |model: &str, entry: Option<&ModelEntry>| infer_executable(model, entry);
        let catalog = entry("gcp-vertexai", Some("OpenAI"));
        assert_eq!(
            infer("whatever", Some(&catalog)).as_deref(),
            Some("gcp-vertexai")
        );
        let by_provider = entry("", Some("Anthropic"));
        assert_eq!(
            infer("claude-next", Some(&by_provider)).as_deref(),
            Some("aws-bedrock")
        );
        let unknown_provider = entry("", Some("Someone"));
        for (model, executable) in [
            ("gpt-4-32k", "azure-openai"),
            ("o3-mini", "azure-openai"),
            ("anthropic--claude-4.5-sonnet", "aws-bedrock"),
            ("Gemini-2.5-Pro", "gcp-vertexai"),
            ("mistralai--mistral-large-instruct", "aicore-mistralai"),
        ] {
            assert_eq!(infer(model, None).as_deref(), Some(executable), "{model}");
            assert_eq!(
                infer(model, Some(&unknown_provider)).as_deref(),
                Some(executable),
                "{model}"
            );
        }
        assert_eq!(infer("ibm--granite-13b-chat", None), None);
    }

    #[test]
    fn azure_tools_and_tool_messages() {
        use crate::aicore::ToolCall;
        let mut req = request();
        req.tools = vec![ToolSpec {
            name: "read_file".into(),
            description: "Read a file".into(),
            parameters: json!({"type": "object"}),
        }];
        req.messages.push(Message::assistant_tool_calls(
            "",
            vec![ToolCall {
                id: "call_1".into(),
                name: "read_file".into(),
                arguments: r#"{"path":"a"}"#.into(),
                thought_signature: None,
            }],
        ));
        req.messages.push(Message::tool_result("call_1", "text"));
        let p = prepare(
            &deployment("azure-openai", None),
            "gpt-4o",
            &req,
            false,
            "https://h/v2",
        )
        .unwrap();
        assert_eq!(
            p.body["tools"],
            json!([{"type": "function", "function": {"name": "read_file", "description": "Read a file", "parameters": {"type": "object"}}}])
        );
        assert_eq!(
            p.body["messages"],
            json!([
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "read_file", "arguments": "{\"path\":\"a\"}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "text"}
            ])
        );
    }
}
