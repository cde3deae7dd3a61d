//! `gcp-vertexai` deployments: `POST {deploymentUrl}/models/<model>:generateContent` and
//! `:streamGenerateContent` (API reference §6.3). With `?alt=sse` the stream is `data:` lines
//! of `GenerateContentResponse`s, the last one carrying `finishReason` and the full
//! `usageMetadata`; without it, Google's default: one JSON array of those objects.
//! Errors use Google's `{"error": {code, message, status}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::answer::{self, Reply};
use super::data::{Deployment, Status};
use super::prompt_cache::{self, Counted};
use super::router::{Incoming, chat_fault, deployment_not_found, replay};
use super::stream::{self, Event};
use super::tool_choice::ToolChoice;
use super::{Shared, form, reasoning};

/// Words per streamed chunk.
const WORDS_PER_CHUNK: usize = 3;
/// Fixed `createTime`, so answers are byte-for-byte reproducible.
const CREATE_TIME: &str = "2025-08-05T10:34:20.000000Z";

/// `call` is the last path segment, `<model>:<method>`.
pub(crate) fn handle(
    shared: &Shared,
    incoming: &Incoming,
    deployment: &Deployment,
    call: &str,
) -> Response {
    let Some((model_name, _)) = deployment.model else {
        return deployment_not_found(deployment.id);
    };
    if deployment.status != Status::Running {
        return deployment_not_found(deployment.id);
    }
    let Some((path_model, method)) = call.rsplit_once(':') else {
        return google_error(StatusCode::NOT_FOUND, &format!("Method {call} not found"));
    };
    let is_stream = match method {
        "generateContent" => false,
        "streamGenerateContent" => true,
        _ => {
            return google_error(StatusCode::NOT_FOUND, &format!("Method {method} not found"));
        }
    };
    if path_model != model_name {
        let message = format!(
            "Publisher Model `{path_model}` is not served by this deployment ({model_name})."
        );
        return google_error(StatusCode::NOT_FOUND, &message);
    }
    if let Some(response) = chat_fault(shared, error_body) {
        return response;
    }
    if let Some(response) = replay(shared) {
        return response;
    }
    let body = &incoming.json;
    let messages = match messages(body) {
        Ok(messages) => messages,
        Err(message) => return google_error(StatusCode::BAD_REQUEST, &message),
    };
    let refused = match super::image::check(model_name, &messages) {
        Ok(()) => None,
        Err(super::image::Refusal::TextOnly { .. }) => {
            Some("Unable to submit request because image input is not supported by this model.")
        }
        Err(super::image::Refusal::Invalid { .. }) => Some(
            "Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        ),
    };
    if let Some(message) = refused {
        return google_error(StatusCode::BAD_REQUEST, message);
    }
    let max_tokens = body["generationConfig"]["maxOutputTokens"].as_u64();
    let choice = ToolChoice::gemini(body["toolConfig"].get("functionCallingConfig"));
    let answer = answer::answer(
        model_name,
        &messages,
        tools(body).as_ref(),
        &choice,
        max_tokens,
        reasoning::from_budget(&body["generationConfig"]["thinkingConfig"]["thinkingBudget"]),
    );
    let turn = Turn {
        model: model_name,
        id: answer::hash_hex(&answer::response_seed(model_name, &messages))[..22].to_owned(),
        answer,
        counted: shared.prompt_cache.count(
            &prompt_cache::gemini_segments(body),
            prompt_cache::Caching::Automatic,
        ),
    };
    if !is_stream {
        return axum::Json(whole(&turn)).into_response();
    }
    let chunks = chunks(&turn);
    if form::value(&incoming.query, "alt") == Some("sse") {
        stream::respond(shared, chunks, error_event())
    } else {
        let array: Vec<Value> = chunks
            .into_iter()
            .filter_map(|event| match event {
                Event::Setup(text) | Event::Content(text) | Event::Closing(text) => {
                    serde_json::from_str(&text).ok()
                }
                // Not made here: Gemini sends a call whole, so `huge-tool-args` has no
                // argument stream to flood.
                Event::Repeated(..) => None,
            })
            .collect();
        axum::Json(Value::Array(array)).into_response()
    }
}

struct Turn {
    model: &'static str,
    id: String,
    answer: answer::Answer,
    /// The prompt as Gemini counts it, with what its implicit cache served.
    counted: Counted,
}

/// `contents` as OpenAI-shaped messages for `answer` (role `model` → `assistant`, a turn of
/// `functionResponse` parts → `tool`); checks what Vertex checks.
fn messages(body: &Value) -> Result<Vec<Value>, String> {
    let contents = body["contents"]
        .as_array()
        .filter(|list| !list.is_empty())
        .ok_or("Unable to submit request because it has an empty contents field.")?;
    check_signatures(contents)?;
    let mut out = Vec::new();
    for content in contents {
        let role = match content["role"].as_str() {
            None | Some("user") => "user",
            Some("model") => "assistant",
            Some(other) => {
                return Err(format!(
                    "Please use a valid role: user, model. Got role: {other}."
                ));
            }
        };
        let Some(parts) = content["parts"].as_array().filter(|p| !p.is_empty()) else {
            return Err(
                "Unable to submit request because it must include at least one parts field.".into(),
            );
        };
        let responses: Vec<String> = parts
            .iter()
            .filter_map(|part| part.get("functionResponse"))
            .map(|r| response_text(&r["response"]))
            .collect();
        if responses.is_empty() {
            out.push(json!({ "role": role, "content": parts }));
        } else {
            out.push(json!({ "role": "tool", "content": responses.join("\n") }));
        }
    }
    Ok(out)
}

/// A function response as the text a model reads: the string of a one-field object (sapcode
/// sends `{"content": …}`, others `{"result": …}`), any other response as its JSON, so line
/// breaks in a tool's output stay line breaks.
fn response_text(response: &Value) -> String {
    if let Some(fields) = response.as_object()
        && fields.len() == 1
        && let Some(Value::String(text)) = fields.values().next()
    {
        return text.clone();
    }
    response.to_string()
}

/// `tools[].functionDeclarations[]` as OpenAI-shaped `{function: {name, parameters}}`.
fn tools(body: &Value) -> Option<Value> {
    let functions: Vec<Value> = body["tools"]
        .as_array()?
        .iter()
        .filter_map(|tool| tool["functionDeclarations"].as_array())
        .flatten()
        .map(|f| json!({ "function": { "name": f["name"], "parameters": f["parameters"] } }))
        .collect();
    Some(Value::Array(functions))
}

fn status_word(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    }
}

fn error_body(status: StatusCode, message: &str) -> Value {
    json!({ "error": { "code": status.as_u16(), "message": message, "status": status_word(status) } })
}

fn google_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(error_body(status, message))).into_response()
}

fn error_event() -> String {
    error_body(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error encountered. (simulated)",
    )
    .to_string()
}

fn finish_reason(answer: &answer::Answer) -> &'static str {
    if answer.truncated {
        "MAX_TOKENS"
    } else {
        "STOP"
    }
}

/// `usageMetadata`; before the end only the prompt is counted, as Gemini streams it.
/// `cachedContentTokenCount` appears once the implicit cache served part of the prompt;
/// `thoughtsTokenCount` when a reasoning model spent tokens before its answer.
fn usage(turn: &Turn, is_final: bool) -> Value {
    let (answer, prompt) = (&turn.answer, turn.counted.prompt);
    let mut usage = if is_final {
        let thoughts = answer.reasoning_tokens;
        let mut usage = json!({
            "promptTokenCount": prompt,
            "candidatesTokenCount": answer.completion_tokens,
            "totalTokenCount": prompt + answer.completion_tokens + thoughts,
        });
        if thoughts > 0 {
            usage["thoughtsTokenCount"] = json!(thoughts);
        }
        usage
    } else {
        json!({ "promptTokenCount": prompt, "totalTokenCount": prompt })
    };
    if turn.counted.read > 0 {
        usage["cachedContentTokenCount"] = json!(turn.counted.read);
    }
    usage
}

/// One `GenerateContentResponse`.
fn response(turn: &Turn, parts: Value, finish: Option<&str>, is_final: bool) -> Value {
    let mut candidate = json!({ "content": { "role": "model", "parts": parts } });
    if let Some(reason) = finish {
        candidate["finishReason"] = json!(reason);
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": usage(turn, is_final),
        "modelVersion": turn.model,
        "createTime": CREATE_TIME,
        "responseId": turn.id,
    })
}

/// Every simulated function call carries a `thoughtSignature`, as Gemini 3's do (§12).
fn call_part(name: &str, arguments: &str) -> Value {
    let args: Value = serde_json::from_str(arguments).unwrap_or_else(|_| json!({}));
    let signature = thought_signature(name, &args);
    json!({ "functionCall": { "name": name, "args": args }, "thoughtSignature": signature })
}

/// Deterministic stand-in for Gemini's opaque signature: tied to the call, so one copied from
/// another call is refused too.
fn thought_signature(name: &str, args: &Value) -> String {
    format!(
        "sim-sig-{}",
        &answer::hash_hex(&format!("{name}\n{args}"))[..16]
    )
}

/// Gemini 3 checks the function calls of the current turn (after the last user text): the
/// first `functionCall` part of each model step must carry the signature it was sent with.
fn check_signatures(contents: &[Value]) -> Result<(), String> {
    let is_user_text = |content: &Value| {
        content["role"].as_str().is_none_or(|role| role == "user")
            && content["parts"]
                .as_array()
                .is_some_and(|parts| parts.iter().any(|part| part.get("text").is_some()))
    };
    let turn_start = contents.iter().rposition(is_user_text).unwrap_or(0);
    for (position, content) in contents.iter().enumerate().skip(turn_start) {
        let first_call = content["parts"]
            .as_array()
            .and_then(|parts| parts.iter().find(|part| part.get("functionCall").is_some()));
        let Some(part) = first_call.filter(|_| content["role"] == "model") else {
            continue;
        };
        let call = &part["functionCall"];
        let expected = thought_signature(call["name"].as_str().unwrap_or(""), &call["args"]);
        if part["thoughtSignature"].as_str() != Some(expected.as_str()) {
            return Err(format!(
                "Function call `{}` in the {}. content block is missing a `thought_signature`.",
                call["name"].as_str().unwrap_or(""),
                position + 1
            ));
        }
    }
    Ok(())
}

fn chunks(turn: &Turn) -> Vec<Event> {
    let mut events = Vec::new();
    match &turn.answer.reply {
        Reply::Text(text) => {
            for piece in answer::word_chunks(text, WORDS_PER_CHUNK) {
                let chunk = response(turn, json!([{ "text": piece }]), None, false);
                events.push(Event::Content(chunk.to_string()));
            }
        }
        Reply::ToolCall {
            name, arguments, ..
        } => {
            let chunk = response(turn, json!([call_part(name, arguments)]), None, false);
            events.push(Event::Content(chunk.to_string()));
        }
    }
    let last = response(
        turn,
        json!([{ "text": "" }]),
        Some(finish_reason(&turn.answer)),
        true,
    );
    events.push(Event::Closing(last.to_string()));
    events
}

/// The `:generateContent` response body.
fn whole(turn: &Turn) -> Value {
    let part = match &turn.answer.reply {
        Reply::Text(text) => json!({ "text": text }),
        Reply::ToolCall {
            name, arguments, ..
        } => call_part(name, arguments),
    };
    response(turn, json!([part]), Some(finish_reason(&turn.answer)), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_response_reads_as_its_text() {
        let text = response_text(&json!({ "content": "Cargo.toml\nsrc/" }));
        assert_eq!(text.lines().collect::<Vec<_>>(), ["Cargo.toml", "src/"]);
        assert_eq!(response_text(&json!({ "result": "ok" })), "ok");
        let structured = json!({ "exit": 1, "output": "x" });
        assert_eq!(response_text(&structured), structured.to_string());
        assert_eq!(response_text(&json!({ "n": 3 })), r#"{"n":3}"#);
    }
}
