//! Foundation-model chat: `POST {deploymentUrl}/chat/completions` for `azure-openai`
//! (api-version required, Azure chunk sequence of §6.2) and `aicore-mistralai`
//! (OpenAI-compatible, body names the `model`, no Azure filter annotations).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::answer::{self, Reply};
use super::data::{self, Deployment, Status};
use super::router::{Incoming, chat_fault, deployment_not_found, replay};
use super::stream::{self, Event};
use super::tool_choice::ToolChoice;
use super::{Shared, form, prompt_cache, reasoning};

/// Words per streamed content chunk.
const WORDS_PER_CHUNK: usize = 3;
/// Characters of tool-call arguments per streamed chunk.
const ARGUMENT_CHUNK: usize = 4;

/// Azure adds content-filter annotations; OpenAI-compatible executables do not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Azure,
    OpenAiCompatible,
}

/// Everything the response builders need about one request.
struct Turn {
    flavor: Flavor,
    id: String,
    model: String,
    reply: Reply,
    finish_reason: &'static str,
    prompt_tokens: u64,
    /// Prompt tokens Azure's automatic prompt cache served (`prompt_tokens_details`).
    cached_tokens: u64,
    completion_tokens: u64,
    /// The part of `completion_tokens` spent reasoning.
    reasoning_tokens: u64,
}

pub(crate) fn handle(shared: &Shared, incoming: &Incoming, deployment: &Deployment) -> Response {
    let Some((model_name, version)) = deployment.model else {
        return deployment_not_found(deployment.id);
    };
    if deployment.status != Status::Running {
        return deployment_not_found(deployment.id);
    }
    if let Some(response) = chat_fault(
        shared,
        |status, message| json!({ "error": { "code": status.as_u16().to_string(), "message": message } }),
    ) {
        return response;
    }
    if let Some(response) = replay(shared) {
        return response;
    }
    let flavor = match deployment.executable() {
        "azure-openai" => Flavor::Azure,
        _ => Flavor::OpenAiCompatible,
    };
    let turn = build_turn(incoming, flavor, model_name, version)
        .map(|turn| count_prompt(shared, &incoming.json, turn));
    match turn {
        Ok(turn) if incoming.json["stream"] == true => {
            let include_usage = incoming.json["stream_options"]["include_usage"] == true;
            stream::respond(shared, events(shared, &turn, include_usage), error_event())
        }
        Ok(turn) => axum::Json(completion(&turn)).into_response(),
        Err(response) => response,
    }
}

/// The prompt as the service counts it, tools included; Azure OpenAI caches repeated
/// prefixes on its own, the OpenAI-compatible executables do not.
fn count_prompt(shared: &Shared, body: &Value, mut turn: Turn) -> Turn {
    let caching = match turn.flavor {
        Flavor::Azure => prompt_cache::Caching::Automatic,
        Flavor::OpenAiCompatible => prompt_cache::Caching::Off,
    };
    let messages = body["messages"].as_array().map_or(&[][..], Vec::as_slice);
    let segments = prompt_cache::openai_segments(body.get("tools"), messages);
    let counted = shared.prompt_cache.count(&segments, caching);
    turn.prompt_tokens = counted.prompt;
    turn.cached_tokens = counted.read;
    turn
}

fn prompt_details(turn: &Turn) -> Value {
    json!({ "audio_tokens": 0, "cached_tokens": turn.cached_tokens })
}

/// Validates the request like Azure/OpenAI would and decides the answer.
fn build_turn(
    incoming: &Incoming,
    flavor: Flavor,
    model_name: &str,
    version: &str,
) -> Result<Turn, Response> {
    let body = &incoming.json;
    match flavor {
        Flavor::Azure if form::value(&incoming.query, "api-version").is_none_or(str::is_empty) => {
            return Err(error(
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
                Value::Null,
            ));
        }
        Flavor::OpenAiCompatible if !body["model"].is_string() => {
            return Err(error(
                "invalid_request_error",
                "Field required: body.model",
                json!("model"),
            ));
        }
        Flavor::Azure | Flavor::OpenAiCompatible => {}
    }
    let Some(messages) = body["messages"]
        .as_array()
        .filter(|messages| !messages.is_empty())
    else {
        return Err(error(
            "invalid_request_error",
            "'messages' must be a non-empty array of chat messages.",
            json!("messages"),
        ));
    };
    if is_reasoning_model(model_name) {
        for param in ["temperature", "max_tokens"] {
            if !body[param].is_null() {
                let message = format!(
                    "Unsupported parameter: '{param}' is not supported with this model.{}",
                    if param == "max_tokens" {
                        " Use 'max_completion_tokens' instead."
                    } else {
                        ""
                    }
                );
                return Err(error("unsupported_parameter", &message, json!(param)));
            }
        }
    }
    check_reasoning_effort(model_name, &body["reasoning_effort"])?;
    check_images(model_name, messages)?;
    let model = data::model(model_name).map_or(model_name.to_owned(), |m| m.reported_name(version));
    let max_tokens = body["max_completion_tokens"]
        .as_u64()
        .or(body["max_tokens"].as_u64());
    let choice = ToolChoice::openai(body.get("tool_choice"));
    let asked = reasoning::from_effort(&body["reasoning_effort"]);
    let decided = answer::answer(
        model_name,
        messages,
        body.get("tools"),
        &choice,
        max_tokens,
        asked,
    );
    Ok(Turn {
        flavor,
        id: answer::completion_id(&answer::response_seed(&model, messages)),
        model,
        finish_reason: decided.openai_finish_reason(),
        prompt_tokens: decided.prompt_tokens,
        cached_tokens: 0,
        completion_tokens: decided.completion_tokens + decided.reasoning_tokens,
        reasoning_tokens: decided.reasoning_tokens,
        reply: decided.reply,
    })
}

/// Azure takes `reasoning_effort` from reasoning models only, and only its three words.
fn check_reasoning_effort(model_name: &str, effort: &Value) -> Result<(), Response> {
    if effort.is_null() {
        return Ok(());
    }
    let message = if !is_reasoning_model(model_name) {
        "Unrecognized request argument supplied: reasoning_effort"
    } else if !["low", "medium", "high"].contains(&effort.as_str().unwrap_or("")) {
        "Invalid value for 'reasoning_effort': expected one of 'low', 'medium' or 'high'."
    } else {
        return Ok(());
    };
    Err(error(
        "invalid_request_error",
        message,
        json!("reasoning_effort"),
    ))
}

/// Azure's words for an image a model does not take, and for bytes that are no image.
fn check_images(model_name: &str, messages: &[Value]) -> Result<(), Response> {
    match super::image::check(model_name, messages) {
        Ok(()) => Ok(()),
        Err(super::image::Refusal::TextOnly {
            at: (message, part),
        }) => Err(error(
            "BadRequest",
            "Invalid content type. image_url is only supported by certain models.",
            json!(format!("messages.[{message}].content.[{part}].type")),
        )),
        Err(super::image::Refusal::Invalid { .. }) => Err(error(
            "invalid_image_format",
            "You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
            Value::Null,
        )),
    }
}

/// o1/o3/o4/gpt-5 reject `temperature` and `max_tokens` on Azure (§6.2), and orchestration
/// refuses `max_tokens` for them too (§12).
pub(crate) fn is_reasoning_model(name: &str) -> bool {
    ["o1", "o3", "o4", "gpt-5"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Azure's error body `{"error": {code, message, param, type}}` with HTTP 400.
fn error(code: &str, message: &str, param: Value) -> Response {
    let body = json!({
        "error": { "code": code, "message": message, "param": param, "type": "invalid_request_error" }
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn error_event() -> String {
    json!({
        "error": {
            "code": "500",
            "message": "The server had an error while processing your request (simulated).",
            "param": null,
            "type": "server_error",
        }
    })
    .to_string()
}

fn safe_filters() -> Value {
    let safe = json!({ "filtered": false, "severity": "safe" });
    json!({ "hate": safe, "self_harm": safe, "sexual": safe, "violence": safe })
}

fn fingerprint(turn: &Turn) -> String {
    format!("fp_{}", &answer::hash_hex(&turn.model)[..10])
}

/// One `chat.completion.chunk` with a single choice.
fn chunk(turn: &Turn, delta: Value, finish_reason: Value, filtered: bool) -> String {
    let mut choice =
        json!({ "delta": delta, "finish_reason": finish_reason, "index": 0, "logprobs": null });
    if turn.flavor == Flavor::Azure {
        choice["content_filter_results"] = if filtered { safe_filters() } else { json!({}) };
    }
    json!({
        "choices": [choice],
        "created": answer::CREATED,
        "id": turn.id,
        "model": turn.model,
        "object": "chat.completion.chunk",
        "system_fingerprint": fingerprint(turn),
        "usage": null,
    })
    .to_string()
}

/// The chunk sequence of `azure-openai-chat-completion-stream(-tools)-chunks.txt`.
fn events(shared: &Shared, turn: &Turn, include_usage: bool) -> Vec<Event> {
    let mut events = Vec::new();
    if turn.flavor == Flavor::Azure {
        let prologue = json!({
            "choices": [], "created": 0, "id": "", "model": "", "object": "",
            "prompt_filter_results": [{ "prompt_index": 0, "content_filter_results": safe_filters() }],
        });
        events.push(Event::Setup(prologue.to_string()));
    }
    match &turn.reply {
        Reply::Text(text) => {
            let role = json!({ "content": "", "role": "assistant" });
            events.push(Event::Setup(chunk(turn, role, Value::Null, false)));
            for piece in answer::word_chunks(text, WORDS_PER_CHUNK) {
                events.push(Event::Content(chunk(
                    turn,
                    json!({ "content": piece }),
                    Value::Null,
                    true,
                )));
            }
        }
        Reply::ToolCall {
            id,
            name,
            arguments,
        } => {
            let start = json!({
                "content": null, "refusal": null, "role": "assistant",
                "tool_calls": [{ "function": { "arguments": "", "name": name }, "id": id, "index": 0, "type": "function" }],
            });
            events.push(Event::Content(chunk(turn, start, Value::Null, false)));
            events.extend(stream::argument_events(
                shared,
                arguments,
                ARGUMENT_CHUNK,
                |piece| {
                    let delta = json!({ "tool_calls": [{ "function": { "arguments": piece }, "index": 0 }] });
                    chunk(turn, delta, Value::Null, false)
                },
            ));
        }
    }
    events.push(Event::Closing(chunk(
        turn,
        json!({}),
        json!(turn.finish_reason),
        false,
    )));
    if include_usage {
        let mut usage = json!({
            "choices": [],
            "created": answer::CREATED,
            "id": turn.id,
            "model": turn.model,
            "object": "chat.completion.chunk",
            "system_fingerprint": fingerprint(turn),
            "usage": {
                "completion_tokens": turn.completion_tokens,
                "prompt_tokens": turn.prompt_tokens,
                "total_tokens": turn.completion_tokens + turn.prompt_tokens,
            },
        });
        // As in SAP's fixture, the details come only when there is something in them.
        if turn.cached_tokens > 0 {
            usage["usage"]["prompt_tokens_details"] = prompt_details(turn);
        }
        if turn.reasoning_tokens > 0 {
            usage["usage"]["completion_tokens_details"] =
                json!({ "reasoning_tokens": turn.reasoning_tokens });
        }
        events.push(Event::Closing(usage.to_string()));
    }
    events.push(Event::Closing("[DONE]".to_owned()));
    events
}

/// The non-streaming body of `azure-openai-chat-completion-success-response.json`.
fn completion(turn: &Turn) -> Value {
    let message = match &turn.reply {
        Reply::Text(text) => json!({ "content": text, "refusal": null, "role": "assistant" }),
        Reply::ToolCall {
            id,
            name,
            arguments,
        } => json!({
            "content": null, "refusal": null, "role": "assistant",
            "tool_calls": [{ "function": { "arguments": arguments, "name": name }, "id": id, "type": "function" }],
        }),
    };
    let mut choice = json!({
        "finish_reason": turn.finish_reason, "index": 0, "logprobs": null, "message": message,
    });
    let mut body = json!({
        "choices": [],
        "created": answer::CREATED,
        "id": turn.id,
        "model": turn.model,
        "object": "chat.completion",
        "system_fingerprint": fingerprint(turn),
        "usage": {
            "completion_tokens": turn.completion_tokens,
            "completion_tokens_details": {
                "accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": turn.reasoning_tokens, "rejected_prediction_tokens": 0,
            },
            "prompt_tokens": turn.prompt_tokens,
            "prompt_tokens_details": prompt_details(turn),
            "total_tokens": turn.completion_tokens + turn.prompt_tokens,
        },
    });
    if turn.flavor == Flavor::Azure {
        choice["content_filter_results"] = safe_filters();
        body["prompt_filter_results"] =
            json!([{ "content_filter_results": safe_filters(), "prompt_index": 0 }]);
    }
    body["choices"] = json!([choice]);
    body
}
