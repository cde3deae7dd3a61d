//! `aws-bedrock` deployments: `POST {deploymentUrl}/converse` and `/converse-stream` with the
//! AWS Converse body (API reference §6.3). The stream is relayed as one `data:` line per
//! Converse event (`messageStart`, `contentBlockDelta`, …, `metadata`) without `[DONE]`;
//! errors use AWS's `{"message"}` body and `…Exception` stream events [I: SAP's relay].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;
use super::answer::{self, Reply};
use super::data::{self, Deployment, Status};
use super::prompt_cache::{self, Counted};
use super::python_repr;
use super::reasoning;
use super::router::{Incoming, chat_fault, deployment_not_found, replay};
use super::stream::{self, Event};
use super::thinking;
use super::tool_choice::ToolChoice;

/// Words per streamed text delta.
const WORDS_PER_CHUNK: usize = 3;
/// Characters of tool input per streamed delta.
const INPUT_CHUNK: usize = 4;
/// Fixed `metrics.latencyMs`, so answers are byte-for-byte reproducible.
const LATENCY_MS: u64 = 420;

pub(crate) fn handle(
    shared: &Shared,
    incoming: &Incoming,
    deployment: &Deployment,
    is_stream: bool,
) -> Response {
    let Some((model_name, _)) = deployment.model else {
        return deployment_not_found(deployment.id);
    };
    if deployment.status != Status::Running {
        return deployment_not_found(deployment.id);
    }
    if let Some(response) = chat_fault(shared, |_, message| json!({ "message": message })) {
        return response;
    }
    if let Some(response) = replay(shared) {
        return response;
    }
    let body = &incoming.json;
    let messages = match messages(body) {
        Ok(messages) => messages,
        Err(message) => return validation_error(&message),
    };
    match super::image::check(model_name, &messages) {
        Ok(()) => {}
        Err(super::image::Refusal::TextOnly { .. }) => {
            return validation_error(
                "This model doesn't support the image content block that you provided. Try again with a supported content block.",
            );
        }
        Err(super::image::Refusal::Invalid { .. }) => {
            return validation_error(
                "The provided image must be a valid PNG, JPEG, GIF or WEBP image.",
            );
        }
    }
    if thinking::enabled(body)
        && let Err(message) = thinking::check(body)
    {
        return validation_error(&message);
    }
    let tools = tools(body);
    let max_tokens = body["inferenceConfig"]["maxTokens"].as_u64();
    let choice = ToolChoice::bedrock(body["toolConfig"].get("toolChoice"));
    let thinking = &body["additionalModelRequestFields"]["thinking"];
    let asked = reasoning::from_budget(&thinking["budget_tokens"]);
    let answer = answer::answer(
        model_name,
        &messages,
        tools.as_ref(),
        &choice,
        max_tokens,
        asked,
    );
    let caching = data::model(model_name).map_or(prompt_cache::Caching::Off, |m| {
        prompt_cache::caching_of(m.provider)
    });
    let counted = shared
        .prompt_cache
        .count(&prompt_cache::converse_segments(body), caching);
    // Claude shows its thinking when asked to think (and it spent some).
    let thought = (thinking::enabled(body) && answer.reasoning_tokens > 0).then(|| {
        let question = messages.iter().rev().find(|m| m["role"] == "user");
        thinking::text(&question.map_or(String::new(), |m| answer::content_text(&m["content"])))
    });
    let thought = thought.as_deref();
    if is_stream {
        stream::respond(
            shared,
            events(shared, &answer, counted, thought),
            error_event(),
        )
    } else {
        axum::Json(response(&answer, counted, thought)).into_response()
    }
}

/// Converse messages as OpenAI-shaped ones for `answer`: text blocks stay content, a user
/// turn holding `toolResult` blocks becomes a `tool` message. Checks what Bedrock checks.
fn messages(body: &Value) -> Result<Vec<Value>, String> {
    let list = body["messages"]
        .as_array()
        .filter(|list| !list.is_empty())
        .ok_or("A conversation must start with a user message. Try again with a conversation that starts with a user message.")?;
    let mut out = Vec::new();
    for (index, message) in list.iter().enumerate() {
        let role = message["role"].as_str().unwrap_or("");
        if role != "user" && role != "assistant" {
            return Err(format!(
                "1 validation error detected: Value '{role}' at 'messages.{}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
                index + 1
            ));
        }
        if index == 0 && role != "user" {
            return Err("A conversation must start with a user message. Try again with a conversation that starts with a user message.".into());
        }
        let Some(blocks) = message["content"].as_array() else {
            return Err(format!(
                "1 validation error detected: Value at 'messages.{}.member.content' failed to satisfy constraint: Member must not be null",
                index + 1
            ));
        };
        check_blocks(body, blocks, index)?;
        let results: Vec<&Value> = blocks
            .iter()
            .filter_map(|block| block.get("toolResult"))
            .collect();
        if results.is_empty() {
            out.push(json!({ "role": role, "content": blocks }));
        } else {
            let text: Vec<String> = results
                .iter()
                .map(|result| answer::content_text(&result["content"]))
                .collect();
            out.push(json!({ "role": "tool", "content": text.join("\n") }));
        }
    }
    Ok(out)
}

/// What Bedrock refuses in one message's content blocks (§12): blank text, and tool blocks
/// in a request without `toolConfig`.
fn check_blocks(body: &Value, blocks: &[Value], index: usize) -> Result<(), String> {
    for (position, block) in blocks.iter().enumerate() {
        if block["text"]
            .as_str()
            .is_some_and(|text| text.trim().is_empty())
        {
            return Err(format!(
                "The text field in the ContentBlock object at messages.{index}.content.{position} is blank. Add text to the text field, and try again."
            ));
        }
        if let Some(format) = block.get("image").map(|image| &image["format"])
            && format.as_str().and_then(super::image::format_of).is_none()
        {
            return Err(format!(
                "1 validation error detected: Value '{}' at 'messages.{}.member.content.{}.member.image.format' failed to satisfy constraint: Member must satisfy enum value set: [png, jpeg, gif, webp]",
                format.as_str().unwrap_or(""),
                index + 1,
                position + 1
            ));
        }
        let is_tool_block = block.get("toolUse").is_some() || block.get("toolResult").is_some();
        if is_tool_block && body["toolConfig"].is_null() {
            return Err("The toolConfig field must be defined when using toolUse and toolResult content blocks.".into());
        }
    }
    Ok(())
}

/// `toolConfig.tools[].toolSpec` as OpenAI-shaped `{function: {name, parameters}}`.
fn tools(body: &Value) -> Option<Value> {
    let specs: Vec<Value> = body["toolConfig"]["tools"]
        .as_array()?
        .iter()
        .filter_map(|tool| tool.get("toolSpec"))
        .map(|spec| {
            json!({ "function": { "name": spec["name"], "parameters": spec["inputSchema"]["json"] } })
        })
        .collect();
    Some(Value::Array(specs))
}

/// AWS's 400 body for a `ValidationException`.
fn validation_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("x-amzn-ErrorType", "ValidationException")],
        axum::Json(json!({ "message": message })),
    )
        .into_response()
}

fn error_event() -> String {
    json!({
        "internalServerException": {
            "message": "The server had an error while processing your request (simulated)."
        }
    })
    .to_string()
}

fn stop_reason(answer: &answer::Answer) -> &'static str {
    match (&answer.reply, answer.truncated) {
        (Reply::ToolCall { .. }, _) => "tool_use",
        (Reply::Text(_), true) => "max_tokens",
        (Reply::Text(_), false) => "end_turn",
    }
}

/// Converse usage: `inputTokens` is the prompt after the cached part; the cache counts come
/// only when the request had any. Claude's thinking is output like the text, not said apart.
fn usage(answer: &answer::Answer, counted: Counted) -> Value {
    let output = answer.completion_tokens + answer.reasoning_tokens;
    let mut usage = json!({
        "inputTokens": counted.uncached(),
        "outputTokens": output,
        "totalTokens": counted.prompt + output,
    });
    if counted.read + counted.write > 0 {
        usage["cacheReadInputTokens"] = json!(counted.read);
        usage["cacheWriteInputTokens"] = json!(counted.write);
    }
    usage
}

/// The converse-stream events; with `python_repr` each payload is written as a Python relay
/// would print it, with the `None`/`True`/`False` fields such a relay passes on.
fn events(
    shared: &Shared,
    answer: &answer::Answer,
    counted: Counted,
    thought: Option<&str>,
) -> Vec<Event> {
    let python_repr = shared.faults().python_repr;
    let write = |payload: Value| {
        if python_repr {
            python_repr::ascii_repr(&payload)
        } else {
            payload.to_string()
        }
    };
    let mut events = vec![Event::Setup(write(
        json!({ "messageStart": { "role": "assistant" } }),
    ))];
    if let Some(thought) = thought {
        if let Some(mib) = shared.faults().huge_thinking {
            let flood = json!({ "contentBlockDelta": { "delta": { "reasoningContent": { "text": " ".repeat(stream::FLOOD_CHUNK) } }, "contentBlockIndex": 0 } });
            let times = mib.saturating_mul(1 << 20) / stream::FLOOD_CHUNK as u64;
            events.push(Event::Repeated(write(flood), times));
        }
        let deltas = thinking::stream_deltas(thought, 0);
        events.extend(deltas.into_iter().map(|delta| Event::Content(write(delta))));
        events.push(Event::Content(write(
            json!({ "contentBlockStop": { "contentBlockIndex": 0 } }),
        )));
    }
    let index = u32::from(thought.is_some());
    match &answer.reply {
        Reply::Text(text) => {
            for piece in answer::word_chunks(text, WORDS_PER_CHUNK) {
                let delta = json!({ "contentBlockDelta": { "delta": { "text": piece }, "contentBlockIndex": index } });
                events.push(Event::Content(write(delta)));
            }
        }
        Reply::ToolCall {
            id,
            name,
            arguments,
        } => {
            let start = json!({ "contentBlockStart": { "start": { "toolUse": { "toolUseId": id, "name": name } }, "contentBlockIndex": index } });
            events.push(Event::Content(write(start)));
            events.extend(stream::argument_events(shared, arguments, INPUT_CHUNK, |piece| {
                let delta = json!({ "contentBlockDelta": { "delta": { "toolUse": { "input": piece } }, "contentBlockIndex": index } });
                write(delta)
            }));
        }
    }
    let mut stop = json!({ "messageStop": { "stopReason": stop_reason(answer) } });
    let mut metadata = json!({ "metadata": { "usage": usage(answer, counted), "metrics": { "latencyMs": LATENCY_MS } } });
    if python_repr {
        stop["messageStop"]["additionalModelResponseFields"] = Value::Null;
        metadata["metadata"]["trace"] =
            json!({ "promptRouter": null, "cached": false, "streamed": true });
    }
    let block_stop = json!({ "contentBlockStop": { "contentBlockIndex": index } });
    for closing in [block_stop, stop, metadata] {
        events.push(Event::Closing(write(closing)));
    }
    events
}

/// The `/converse` response body.
fn response(answer: &answer::Answer, counted: Counted, thought: Option<&str>) -> Value {
    let block = match &answer.reply {
        Reply::Text(text) => json!({ "text": text }),
        Reply::ToolCall {
            id,
            name,
            arguments,
        } => {
            let input: Value = serde_json::from_str(arguments).unwrap_or_else(|_| json!({}));
            json!({ "toolUse": { "toolUseId": id, "name": name, "input": input } })
        }
    };
    let content: Vec<Value> = thought
        .map(thinking::block)
        .into_iter()
        .chain([block])
        .collect();
    json!({
        "output": { "message": { "role": "assistant", "content": content } },
        "stopReason": stop_reason(answer),
        "usage": usage(answer, counted),
        "metrics": { "latencyMs": LATENCY_MS },
    })
}
