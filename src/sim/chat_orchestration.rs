//! Orchestration completions, v2 (`/v2/completion`) and v1 (`/completion`): the
//! non-streaming bodies of §7.5 and the chunk sequence of §7.6
//! (`orchestration-chat-completion-stream(-tools)-chunks.txt`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;
use super::answer::{self, Reply};
use super::data::{Deployment, Status};
pub(crate) use super::orchestration_request::Api;
use super::orchestration_request::{self, OrchRequest};
use super::prompt_cache::{self, Counted};
use super::reasoning;
use super::router::{Incoming, chat_fault, deployment_not_found, replay};
use super::stream::{self, Event};
use super::thinking;
use super::tool_choice::ToolChoice;

/// Characters of tool-call arguments per streamed chunk.
const ARGUMENT_CHUNK: usize = 6;

/// One answered request.
struct Turn {
    api: Api,
    request_id: String,
    id: String,
    model: String,
    templating: Vec<Value>,
    reply: Reply,
    finish_reason: &'static str,
    usage: Value,
    /// Claude's thinking, shown before the answer when the request turned thinking on.
    thought: Option<String>,
}

impl Turn {
    /// `(intermediate results key, final result key)` of this API version.
    fn keys(&self) -> (&'static str, &'static str) {
        match self.api {
            Api::V2 => ("intermediate_results", "final_result"),
            Api::V1 => ("module_results", "orchestration_result"),
        }
    }
}

pub(crate) fn handle(
    shared: &Shared,
    incoming: &Incoming,
    deployment: &Deployment,
    api: Api,
) -> Response {
    if deployment.status != Status::Running {
        return deployment_not_found(deployment.id);
    }
    let request_id = answer::request_id(&incoming.json.to_string());
    if let Some(response) = chat_fault(shared, |status, message| {
        error_json(
            api,
            &request_id,
            status.as_u16(),
            &format!("{} - LLM Module: {message}", status.as_u16()),
        )
    }) {
        return response;
    }
    if let Some(response) = replay(shared) {
        return response;
    }
    let request = match orchestration_request::parse(&incoming.json, api) {
        Ok(request) => request,
        Err(errors) => {
            let body = orchestration_request::error_body(api, &errors, &request_id);
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
    };
    // The LLM module passes the provider's refusal on, as a 400 of its own.
    let refused = match super::image::check(request.model.name, &request.templating) {
        Ok(()) => None,
        Err(super::image::Refusal::TextOnly { .. }) => Some(
            "400 - LLM Module: Invalid content type. image_url is only supported by certain models.",
        ),
        Err(super::image::Refusal::Invalid { .. }) => Some(
            "400 - LLM Module: You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
        ),
    };
    if let Some(message) = refused {
        let body = error_json(api, &request_id, 400, message);
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    if request.model.name.starts_with("anthropic--")
        && thinking::enabled_in_params(&request.params)
        && let Err(message) = thinking::check_openai(&request.templating)
    {
        let body = error_json(
            api,
            &request_id,
            400,
            &format!("400 - LLM Module: {message}"),
        );
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    let counted = shared.prompt_cache.count(
        &prompt_cache::openai_segments(request.tools.as_ref(), &request.templating),
        prompt_cache::caching_of(request.model.provider),
    );
    let turn = build_turn(&request, api, request_id.clone(), counted);
    if request.stream {
        let error = error_json(
            api,
            &request_id,
            500,
            "500 - LLM Module: Internal server error (simulated).",
        );
        return stream::respond(
            shared,
            events(shared, &turn, request.chunk_size),
            error.to_string(),
        );
    }
    let mut body = completion(&turn);
    if api == Api::V2 && !request.failures.is_empty() {
        let failures: Vec<Value> = request
            .failures
            .iter()
            .map(|f| json!({ "request_id": request_id, "code": 400, "message": f.message, "location": f.location }))
            .collect();
        body["intermediate_failures"] = json!(failures);
    }
    axum::Json(body).into_response()
}

/// v2 wraps errors in `error`; v1 puts them at the top level (§7.7).
fn error_json(api: Api, request_id: &str, code: u16, message: &str) -> Value {
    let entry = json!({ "request_id": request_id, "code": code, "message": message, "location": "LLM Module" });
    match api {
        Api::V2 => json!({ "error": entry }),
        Api::V1 => entry,
    }
}

fn build_turn(request: &OrchRequest, api: Api, request_id: String, counted: Counted) -> Turn {
    let model = request.model.reported_name(request.version);
    let params = &request.params;
    let max_tokens = params["max_completion_tokens"]
        .as_u64()
        .or(params["max_tokens"].as_u64());
    let decided = answer::answer(
        request.model.name,
        &request.templating,
        request.tools.as_ref(),
        &ToolChoice::openai(params.get("tool_choice")),
        max_tokens,
        reasoning::from_effort(&params["reasoning_effort"])
            .or_else(|| reasoning::from_budget(&params["thinking"]["budget_tokens"])),
    );
    let finish_reason = decided.openai_finish_reason();
    let (prompt_tokens, completion_tokens) = (
        counted.prompt,
        decided.completion_tokens + decided.reasoning_tokens,
    );
    Turn {
        api,
        id: answer::completion_id(&answer::response_seed(&model, &request.templating)),
        request_id,
        model,
        templating: request.templating.clone(),
        reply: decided.reply,
        finish_reason,
        usage: usage(
            prompt_tokens,
            completion_tokens,
            counted,
            decided.reasoning_tokens,
        ),
        thought: (thinking::enabled_in_params(params) && decided.reasoning_tokens > 0)
            .then(|| thinking::text(&answer::last_user_text(&request.templating))),
    }
}

/// `TokenUsage` (orchestration spec): the cache counts in `prompt_tokens_details` once the
/// prompt cache served or stored any (`cache_creation_tokens` is Anthropic's alone), the
/// reasoning part of the completion in `completion_tokens_details` when the model reasoned.
fn usage(prompt_tokens: u64, completion_tokens: u64, counted: Counted, reasoning: u64) -> Value {
    let mut usage = json!({
        "completion_tokens": completion_tokens,
        "prompt_tokens": prompt_tokens,
        "total_tokens": completion_tokens + prompt_tokens,
    });
    if counted.read + counted.write > 0 {
        usage["prompt_tokens_details"] =
            json!({ "cached_tokens": counted.read, "cache_creation_tokens": counted.write });
    }
    if reasoning > 0 {
        usage["completion_tokens_details"] = json!({ "reasoning_tokens": reasoning });
    }
    usage
}

fn fingerprint(turn: &Turn) -> String {
    format!("fp_{}", &answer::hash_hex(&turn.model)[..10])
}

/// One chunk event: the LLM chunk under `intermediate_results.llm` and again as the final result.
fn chunk_event(turn: &Turn, choice: Value, usage: Option<&Value>) -> String {
    let mut llm = json!({
        "id": turn.id,
        "object": "chat.completion.chunk",
        "created": answer::CREATED,
        "model": turn.model,
        "system_fingerprint": fingerprint(turn),
        "choices": [choice],
    });
    if let Some(usage) = usage {
        llm["usage"] = usage.clone();
    }
    let (intermediate, result) = turn.keys();
    json!({ "request_id": turn.request_id, intermediate: { "llm": llm.clone() }, result: llm })
        .to_string()
}

fn events(shared: &Shared, turn: &Turn, chunk_size: usize) -> Vec<Event> {
    let (intermediate, result) = turn.keys();
    let shell = json!({
        "request_id": turn.request_id,
        intermediate: { "templating": turn.templating },
        result: {
            "id": "", "object": "", "created": 0, "model": "", "system_fingerprint": "",
            "choices": [{ "index": 0, "delta": { "role": "", "content": "" }, "finish_reason": "" }],
        },
    });
    let mut events = vec![Event::Setup(shell.to_string())];
    if let Some(thought) = &turn.thought {
        let choice = json!({ "index": 0, "delta": { "role": "assistant", "content": "",
            "reasoning_content": [thinking::reasoning_block(thought)] } });
        events.push(Event::Content(chunk_event(turn, choice, None)));
    }
    match &turn.reply {
        Reply::Text(text) => {
            let mut pieces = answer::char_chunks(text, chunk_size);
            if pieces.is_empty() {
                pieces.push(String::new());
            }
            let last = pieces.len() - 1;
            for (index, piece) in pieces.into_iter().enumerate() {
                let is_last = index == last;
                let choice = json!({
                    "index": 0,
                    "delta": { "role": "assistant", "content": piece },
                    "finish_reason": if is_last { turn.finish_reason } else { "" },
                });
                let usage = Some(&turn.usage).filter(|_| is_last);
                events.push(Event::Content(chunk_event(turn, choice, usage)));
            }
        }
        Reply::ToolCall {
            id,
            name,
            arguments,
        } => {
            let start = json!({ "index": 0, "delta": { "role": "assistant", "content": "", "tool_calls": [
                { "index": 0, "id": id, "type": "function", "function": { "name": name, "arguments": "" } } ] } });
            events.push(Event::Content(chunk_event(turn, start, None)));
            events.extend(stream::argument_events(shared, arguments, ARGUMENT_CHUNK, |piece| {
                let choice = json!({ "index": 0, "delta": { "role": "assistant", "content": "", "tool_calls": [
                    { "index": 0, "function": { "arguments": piece } } ] }, "logprobs": {} });
                chunk_event(turn, choice, None)
            }));
            let finish = json!({ "index": 0, "delta": { "role": "assistant", "content": "" }, "logprobs": {},
                "finish_reason": turn.finish_reason });
            events.push(Event::Closing(chunk_event(turn, finish, Some(&turn.usage))));
        }
    }
    events.push(Event::Closing("[DONE]".to_owned()));
    events
}

/// Non-streaming body: `templating` + `llm` intermediate results and the final result.
fn completion(turn: &Turn) -> Value {
    let message = match &turn.reply {
        Reply::Text(text) => json!({ "role": "assistant", "content": text }),
        Reply::ToolCall {
            id,
            name,
            arguments,
        } => json!({
            "role": "assistant", "content": "",
            "tool_calls": [{ "id": id, "type": "function", "function": { "name": name, "arguments": arguments } }],
        }),
    };
    let mut message = message;
    if let Some(thought) = &turn.thought {
        message["reasoning_content"] = json!([thinking::reasoning_block(thought)]);
    }
    let llm = json!({
        "id": turn.id,
        "object": "chat.completion",
        "created": answer::CREATED,
        "model": turn.model,
        "system_fingerprint": fingerprint(turn),
        "choices": [{ "index": 0, "message": message, "finish_reason": turn.finish_reason }],
        "usage": turn.usage,
    });
    let (intermediate, result) = turn.keys();
    json!({
        "request_id": turn.request_id,
        intermediate: { "templating": turn.templating, "llm": llm.clone() },
        result: llm,
    })
}
