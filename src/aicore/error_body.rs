//! Turns an error response body into one short line (API reference §7.7, §8, §9): every
//! shape SAP answers with, never the raw body.

use serde_json::Value;

/// Longest message we keep from a server; the rest is cut with `…`.
const MAX_LEN: usize = 200;

/// A short, single-line description of an error body.
pub fn short_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "empty response body".into();
    }
    if looks_like_html(trimmed) {
        return "HTML page (proxy?)".into();
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(value) => json_message(&value).unwrap_or_else(|| "unrecognised JSON error body".into()),
        Err(_) => cap(trimmed),
    }
}

pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype")
        || head.starts_with("<html")
        || head.starts_with("<?xml")
        || head.starts_with("<head")
        || head.starts_with("<body")
}

/// The message of any JSON error shape we know, capped; `None` if there is none.
pub fn json_message(value: &Value) -> Option<String> {
    match value {
        // Orchestration with fallbacks: `error` is a list, the last entry decided the status.
        Value::Array(items) => items.iter().rev().find_map(json_message),
        Value::String(s) if !s.trim().is_empty() => Some(cap(s)),
        Value::Object(obj) => {
            if let Some(inner) = obj.get("error") {
                // OAuth (§1.3): `{"error":"invalid_client","error_description":"…"}`.
                if let Value::String(code) = inner {
                    return Some(match obj.get("error_description").and_then(Value::as_str) {
                        Some(desc) if !desc.is_empty() => cap(&format!("{code}: {desc}")),
                        _ => cap(code),
                    });
                }
                if let Some(msg) = json_message(inner) {
                    return Some(msg);
                }
            }
            // Un-wrapped orchestration / v1 errors: `{request_id, code, message, location}`.
            let message = obj.get("message").and_then(Value::as_str)?;
            Some(cap(message))
        }
        _ => None,
    }
}

/// The wait an orchestration error body asks for (§7.7, §8): its `headers` map carries the
/// model's `x-retry-after` (or `retry-after`), in seconds, as a number or a string. With
/// fallbacks `error` is a list and its last entry decided the status.
pub fn retry_after(body: &[u8]) -> Option<std::time::Duration> {
    let value: Value = serde_json::from_slice(body).ok()?;
    wait_in(&value).map(std::time::Duration::from_secs)
}

/// `retry_after` of an already decoded payload, in seconds.
pub fn wait_in(value: &Value) -> Option<u64> {
    match value {
        Value::Array(items) => items.iter().rev().find_map(wait_in),
        Value::Object(obj) => {
            let headers = obj.get("headers").and_then(Value::as_object);
            let own = headers.and_then(|headers| {
                headers.iter().find_map(|(name, value)| {
                    let name = name.to_ascii_lowercase();
                    (name == "x-retry-after" || name == "retry-after")
                        .then(|| seconds(value))
                        .flatten()
                })
            });
            own.or_else(|| obj.get("error").and_then(wait_in))
        }
        _ => None,
    }
}

/// Whether an error payload reports throttling: `code` 429 (a number or a string) on the
/// error, on the last entry of an error list, or on a bare `{code, message}` event.
pub fn is_throttling(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.last().is_some_and(is_throttling),
        Value::Object(obj) => {
            let code = obj.get("code");
            code.and_then(Value::as_u64) == Some(429)
                || code.and_then(Value::as_str).map(str::trim) == Some("429")
                || obj.get("error").is_some_and(is_throttling)
        }
        _ => false,
    }
}

fn seconds(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|s| *s >= 0.0)
                .map(|s| s.ceil() as u64)
        })
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// One line, at most `MAX_LEN` characters.
pub fn cap(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_LEN {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_LEN).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/sap-ai-sdk-js/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn fixtures_give_short_messages() {
        assert_eq!(
            short_message(&fixture(
                "foundation-models/azure-openai-error-response.json"
            )),
            "Relevant error message"
        );
        assert_eq!(
            short_message(&fixture(
                "orchestration/orchestration-chat-completion-input-filter-error.json"
            )),
            "Content filtered due to safety violations. Please modify the prompt and try again."
        );
        let embedding = short_message(&fixture("orchestration/orchestration-embedding-error.json"));
        assert!(embedding.starts_with("400 - Embedding Module: Model name must be one of"));
        assert!(embedding.chars().count() <= MAX_LEN + 1);
    }

    #[test]
    fn the_wait_in_an_orchestration_error_body() {
        let secs = |body: &str| retry_after(body.as_bytes()).map(|d| d.as_secs());
        let wrapped = r#"{"error":{"code":429,"message":"Too many requests","location":"LLM Module",
            "headers":{"x-retry-after":"7"}}}"#;
        assert_eq!(secs(wrapped), Some(7));
        let list = r#"{"error":[{"code":429,"headers":{"x-retry-after":2}},
            {"code":429,"headers":{"X-Retry-After":"5"}}]}"#;
        assert_eq!(secs(list), Some(5), "the last entry decided the status");
        let bare = r#"{"code":429,"message":"m","headers":{"retry-after":3}}"#;
        assert_eq!(secs(bare), Some(3));
        let throttled = |body: &str| is_throttling(&serde_json::from_str(body).unwrap());
        assert!(throttled(wrapped) && throttled(list) && throttled(bare));
        assert!(throttled(r#"{"error":{"code":"429","message":"m"}}"#));
        assert!(!throttled(r#"{"error":{"code":500,"message":"m"}}"#));
        assert!(!throttled(r#"{"error":[{"code":429},{"code":500}]}"#));
        for none in [
            r#"{"error":{"code":429,"message":"m"}}"#,
            "slow down",
            r#"{"headers":{"x-retry-after":"soon"}}"#,
        ] {
            assert_eq!(secs(none), None, "{none}");
        }
    }

    #[test]
    fn other_shapes() {
        let ai_api =
            br#"{"error":{"code":"01010076","message":"Invalid Request","requestID":"e1"}}"#;
        assert_eq!(short_message(ai_api), "Invalid Request");
        let list = br#"{"error":[{"code":429,"message":"first"},{"code":500,"message":"last"}]}"#;
        assert_eq!(short_message(list), "last");
        let oauth = br#"{"error":"invalid_client","error_description":"Bad credentials"}"#;
        assert_eq!(short_message(oauth), "invalid_client: Bad credentials");
        assert_eq!(short_message(b"Jwt is expired\n"), "Jwt is expired");
        assert_eq!(short_message(b"RBAC: access denied"), "RBAC: access denied");
        assert_eq!(
            short_message(b"<!DOCTYPE html><html><body>Proxy login</body></html>"),
            "HTML page (proxy?)"
        );
        assert_eq!(short_message(b"   "), "empty response body");
        let long = "x".repeat(5000);
        assert_eq!(short_message(long.as_bytes()).chars().count(), MAX_LEN + 1);
    }
}
