//! Every dialect's chunks and whole responses against SAP's SDK fixtures.

use serde_json::Value;

use super::*;

mod chunks {
    use super::*;

    fn fixture(path: &str) -> Value {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/sap-ai-sdk-js/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn azure_single_chunks() {
        let d = Dialect::OpenAi;
        let initial = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-initial.json",
        );
        assert_eq!(chunk_parts(&initial, d), ChunkParts::default());
        let delta = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-delta-content.json",
        );
        assert!(!chunk_parts(&delta, d).text.is_empty());
        let fin = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-finish-reason.json",
        );
        assert_eq!(chunk_parts(&fin, d).finish_reason.as_deref(), Some("stop"));
        let usage_chunk = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-token-usage.json",
        );
        assert!(
            chunk_parts(&usage_chunk, d)
                .usage
                .is_some_and(|u| u.total_tokens > 0)
        );
        let tools = fixture(
            "foundation-models/azure-openai-chat-completion-stream-chunk-response-tool-calls.json",
        );
        let calls = chunk_parts(&tools, d).tool_calls;
        assert!(!calls.is_empty());
        for payload in [initial, delta, fin, usage_chunk, tools] {
            assert_eq!(error_in(&payload, d), None);
        }
    }

    #[test]
    fn orchestration_single_chunks() {
        let d = Dialect::OrchestrationV2;
        let initial = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-initial.json",
        );
        assert_eq!(chunk_parts(&initial, d), ChunkParts::default());
        let delta = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-delta-content.json",
        );
        assert!(!chunk_parts(&delta, d).text.is_empty());
        let last = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-token-usage-and-finish-reason.json",
        );
        let parts = chunk_parts(&last, d);
        assert!(parts.finish_reason.is_some());
        assert!(parts.usage.is_some_and(|u| u.total_tokens > 0));
        let tool = fixture(
            "orchestration/orchestration-chat-completion-stream-chunk-response-tool-call.json",
        );
        assert!(!chunk_parts(&tool, d).tool_calls.is_empty());
        for payload in [initial, delta, last, tool] {
            assert_eq!(error_in(&payload, d), None);
        }
    }

    #[test]
    fn error_shapes() {
        let d = Dialect::OrchestrationV1;
        let v1: Value = serde_json::json!({"code": 500, "message": "message"});
        assert_eq!(error_in(&v1, d).as_deref(), Some("message"));
        let list = serde_json::json!({"error": [{"code": 400, "message": "a"}, {"code": 500, "message": "b"}]});
        assert_eq!(
            error_in(&list, Dialect::OrchestrationV2).as_deref(),
            Some("b")
        );
        let azure = serde_json::json!({"error": {"code": null, "message": "m", "type": "x"}});
        assert_eq!(error_in(&azure, Dialect::OpenAi).as_deref(), Some("m"));
    }
}

mod responses {
    use super::*;
    use crate::aicore::{Error, response_from_json};

    fn fixture(path: &str) -> Value {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/sap-ai-sdk-js/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn azure_success_response() {
        let body = fixture("foundation-models/azure-openai-chat-completion-success-response.json");
        let resp = response_from_json(&body, Dialect::OpenAi).unwrap();
        assert!(!resp.text.is_empty());
        assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
        assert!(resp.usage.is_some_and(|u| u.total_tokens > 0));
    }

    #[test]
    fn orchestration_success_responses() {
        for path in [
            "orchestration/orchestration-chat-completion-success-response.json",
            "orchestration/orchestration-chat-completion-message-history.json",
        ] {
            let resp = response_from_json(&fixture(path), Dialect::OrchestrationV2).unwrap();
            assert!(!resp.text.is_empty(), "{path}");
            assert!(resp.usage.is_some(), "{path}");
        }
    }

    #[test]
    fn error_body_as_response_is_an_error() {
        let body = fixture("orchestration/orchestration-chat-completion-input-filter-error.json");
        let err = response_from_json(&body, Dialect::OrchestrationV2).unwrap_err();
        assert!(
            matches!(err, Error::InStream { ref message } if message.starts_with("Content filtered"))
        );
    }
}
