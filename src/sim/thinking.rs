//! Claude's extended thinking on Bedrock Converse (`additionalModelRequestFields.thinking`):
//! the simulated model shows signed thinking before its answer, and refuses what Anthropic
//! refuses while thinking is on: a temperature other than 1, a token cap not above the
//! budget, and a pending tool round whose assistant turn does not start with the thinking it
//! came with (signature checked), so a client that drops or alters thinking fails as it would
//! on a real tenant.

use serde_json::{Value, json};

use super::answer;

/// Where Anthropic's errors send the reader; part of every message below.
const DOCS: &str = "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

/// Whether the Converse `body` turns thinking on.
pub(crate) fn enabled(body: &Value) -> bool {
    body["additionalModelRequestFields"]["thinking"]["type"] == "enabled"
}

/// The thinking the simulated model shows before answering `question`.
pub(crate) fn text(question: &str) -> String {
    let topic: String = question.chars().take(60).collect();
    format!("The user asks: {topic}. Look at what the workspace holds before answering.")
}

/// The signature the simulator gives `text`; only the same text verifies.
pub(crate) fn signature(text: &str) -> String {
    format!("sim-sig-{}", &answer::hash_hex(text)[..24])
}

/// What Anthropic refuses in a Converse `body` with thinking on, in its words as Bedrock
/// relays them.
pub(crate) fn check(body: &Value) -> Result<(), String> {
    let relay = |message: String| format!("The model returned the following errors: {message}");
    let temperature = &body["inferenceConfig"]["temperature"];
    if temperature.as_f64().is_some_and(|t| t != 1.0) {
        return Err(relay(format!(
            "`temperature` may only be set to 1 when thinking is enabled. {DOCS}"
        )));
    }
    let budget = body["additionalModelRequestFields"]["thinking"]["budget_tokens"].as_u64();
    let max_tokens = body["inferenceConfig"]["maxTokens"].as_u64();
    if let (Some(budget), Some(max)) = (budget, max_tokens)
        && max <= budget
    {
        return Err(relay(format!(
            "`max_tokens` must be greater than `thinking.budget_tokens`. {DOCS}"
        )));
    }
    check_replayed(body["messages"].as_array().map_or(&[][..], Vec::as_slice)).map_err(relay)
}

/// The last assistant turn, when tool results follow it, must start with its thinking.
fn check_replayed(messages: &[Value]) -> Result<(), String> {
    let Some(index) = messages.iter().rposition(|m| m["role"] == "assistant") else {
        return Ok(());
    };
    let blocks = messages[index]["content"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let answered = messages[index + 1..].iter().any(|m| {
        m["content"]
            .as_array()
            .is_some_and(|c| c.iter().any(|b| b.get("toolResult").is_some()))
    });
    if !answered || !blocks.iter().any(|b| b.get("toolUse").is_some()) {
        return Ok(());
    }
    let first = blocks.first().unwrap_or(&Value::Null);
    let Some(reasoning) = first.get("reasoningContent") else {
        let found = if first.get("text").is_some() {
            "text"
        } else {
            "tool_use"
        };
        return Err(unthought(index, found));
    };
    if reasoning.get("redactedContent").is_some() {
        return Ok(());
    }
    let signed = &reasoning["reasoningText"];
    let text = signed["text"].as_str().unwrap_or_default();
    if signed["signature"].as_str() != Some(signature(text).as_str()) {
        return Err(format!(
            "messages.{index}.content.0: Invalid `signature` in `thinking` block"
        ));
    }
    Ok(())
}

/// Anthropic's refusal of a tool round whose assistant message `index` starts with `found`.
fn unthought(index: usize, found: &str) -> String {
    format!(
        "messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. {DOCS}"
    )
}

/// Whether orchestration model params turn Claude's thinking on.
pub(crate) fn enabled_in_params(params: &Value) -> bool {
    params["thinking"]["type"] == "enabled"
}

/// Orchestration's `ReasoningBlock` for `thinking`, signed.
pub(crate) fn reasoning_block(thinking: &str) -> Value {
    json!({ "content": thinking, "signature": signature(thinking) })
}

/// `check_replayed` for OpenAI-shaped messages (orchestration's history and template): the
/// last assistant message, when tool results follow it, must carry its signed thinking as
/// `reasoning_content`.
pub(crate) fn check_openai(messages: &[Value]) -> Result<(), String> {
    let Some(index) = messages.iter().rposition(|m| m["role"] == "assistant") else {
        return Ok(());
    };
    let turn = &messages[index];
    let answered = messages[index + 1..].iter().any(|m| m["role"] == "tool");
    let calls = turn["tool_calls"].as_array().is_some_and(|c| !c.is_empty());
    if !answered || !calls {
        return Ok(());
    }
    let Some(block) = turn["reasoning_content"].as_array().and_then(|b| b.first()) else {
        return Err(unthought(index, "tool_use"));
    };
    let text = block["content"].as_str().unwrap_or_default();
    if block["signature"].as_str() != Some(signature(text).as_str()) {
        return Err(format!(
            "messages.{index}.content.0: Invalid `signature` in `thinking` block"
        ));
    }
    Ok(())
}

/// Converse stream deltas of `thinking` at block `index`: its text in pieces, then the
/// signature.
pub(crate) fn stream_deltas(thinking: &str, index: u32) -> Vec<Value> {
    let mut deltas: Vec<Value> = answer::word_chunks(thinking, 4)
        .into_iter()
        .map(|piece| json!({ "reasoningContent": { "text": piece } }))
        .collect();
    deltas.push(json!({ "reasoningContent": { "signature": signature(thinking) } }));
    deltas
        .into_iter()
        .map(|delta| json!({ "contentBlockDelta": { "delta": delta, "contentBlockIndex": index } }))
        .collect()
}

/// The whole `/converse` response's thinking block.
pub(crate) fn block(thinking: &str) -> Value {
    json!({ "reasoningContent": { "reasoningText": {
        "text": thinking,
        "signature": signature(thinking),
    } } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool_round(assistant: Value) -> Value {
        json!({ "messages": [
            { "role": "user", "content": [{ "text": "read a.txt" }] },
            { "role": "assistant", "content": assistant },
            { "role": "user", "content": [{ "toolResult": { "toolUseId": "t1", "content": [{ "text": "x" }] } }] },
        ], "additionalModelRequestFields": { "thinking": { "type": "enabled", "budget_tokens": 2048 } },
           "inferenceConfig": { "maxTokens": 10240 } })
    }

    #[test]
    fn a_tool_round_must_start_with_its_signed_thinking() {
        let tool_use =
            json!({ "toolUse": { "toolUseId": "t1", "name": "read_file", "input": {} } });
        let bare = check(&tool_round(json!([tool_use]))).unwrap_err();
        assert!(
            bare.contains("Expected `thinking` or `redacted_thinking`, but found `tool_use`"),
            "{bare}"
        );
        let thought = text("read a.txt");
        assert_eq!(
            check(&tool_round(json!([block(&thought), tool_use]))),
            Ok(())
        );
        let forged = json!({ "reasoningContent": { "reasoningText": { "text": "other", "signature": signature(&thought) } } });
        let err = check(&tool_round(json!([forged, tool_use]))).unwrap_err();
        assert!(err.contains("Invalid `signature`"), "{err}");
        let redacted = json!({ "reasoningContent": { "redactedContent": "b3BhcXVl" } });
        assert_eq!(check(&tool_round(json!([redacted, tool_use]))), Ok(()));
    }

    #[test]
    fn an_orchestration_tool_round_must_carry_its_signed_reasoning_content() {
        let round = |assistant: Value| {
            vec![
                json!({ "role": "user", "content": "read a.txt" }),
                assistant,
                json!({ "role": "tool", "tool_call_id": "t1", "content": "x" }),
            ]
        };
        let calls = json!([{ "id": "t1", "type": "function", "function": { "name": "read_file", "arguments": "{}" } }]);
        let bare = check_openai(&round(
            json!({ "role": "assistant", "content": "", "tool_calls": calls }),
        ))
        .unwrap_err();
        assert!(bare.contains("but found `tool_use`"), "{bare}");
        let thought = text("read a.txt");
        let signed = json!({ "role": "assistant", "content": "", "tool_calls": calls,
            "reasoning_content": [reasoning_block(&thought)] });
        assert_eq!(check_openai(&round(signed)), Ok(()));
        let forged = json!({ "role": "assistant", "content": "", "tool_calls": calls,
            "reasoning_content": [{ "content": "other", "signature": signature(&thought) }] });
        assert!(
            check_openai(&round(forged))
                .unwrap_err()
                .contains("Invalid `signature`")
        );
    }

    #[test]
    fn temperature_and_a_small_cap_are_refused() {
        let mut body = tool_round(json!([{ "text": "hi" }]));
        assert_eq!(check(&body), Ok(()));
        body["inferenceConfig"]["temperature"] = json!(0.2);
        assert!(
            check(&body)
                .unwrap_err()
                .contains("`temperature` may only be set to 1")
        );
        body["inferenceConfig"] = json!({ "maxTokens": 1024 });
        assert!(
            check(&body)
                .unwrap_err()
                .contains("`max_tokens` must be greater")
        );
    }
}
