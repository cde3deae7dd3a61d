//! Anthropic's streaming events from sapcode's chat events: `message_start`, then one
//! content block at a time (`content_block_start`, `…_delta` with `text_delta` or
//! `input_json_delta`, `content_block_stop`), then `message_delta` with the stop reason and
//! usage, and `message_stop`. Anthropic blocks never interleave; the upstream dialects stream
//! one tool call after another, so a fragment of a call already closed is a broken stream.

use serde_json::{Value, json};

use super::anthropic::{error, stop_reason};
use super::stream::{Encoder, named, random_id};
use super::upstream::{ApiError, ErrorKind};
use crate::aicore::{ChatEvent, ToolCallDelta, Usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Text,
    /// A tool_use block for the upstream call of this index.
    Tool(u32),
}

pub struct EventEncoder {
    model: String,
    /// Estimated prompt tokens for `message_start` (the real count comes at the end).
    input_estimate: u64,
    started: bool,
    open: Open,
    /// Index of the next content block.
    next_block: u32,
    closed_tools: Vec<u32>,
    made_calls: bool,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    failed: bool,
}

impl EventEncoder {
    pub fn new(model: &str, input_estimate: u64) -> EventEncoder {
        EventEncoder {
            model: model.to_owned(),
            input_estimate,
            started: false,
            open: Open::Nothing,
            next_block: 0,
            closed_tools: Vec::new(),
            made_calls: false,
            finish_reason: None,
            usage: None,
            failed: false,
        }
    }

    fn start(&mut self) -> String {
        if self.started {
            return String::new();
        }
        self.started = true;
        let message = json!({
            "id": random_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": {"input_tokens": self.input_estimate, "output_tokens": 0},
        });
        named(
            "message_start",
            &json!({"type": "message_start", "message": message}),
        )
    }

    fn close(&mut self) -> String {
        let was = std::mem::replace(&mut self.open, Open::Nothing);
        if was == Open::Nothing {
            return String::new();
        }
        if let Open::Tool(index) = was {
            self.closed_tools.push(index);
        }
        let index = self.next_block;
        self.next_block += 1;
        named(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        )
    }

    fn open(&mut self, open: Open, block: Value) -> String {
        let mut out = self.close();
        self.open = open;
        out.push_str(&named(
            "content_block_start",
            &json!({"type": "content_block_start", "index": self.next_block, "content_block": block}),
        ));
        out
    }

    fn delta(&self, delta: Value) -> String {
        named(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": self.next_block, "delta": delta}),
        )
    }

    fn text(&mut self, text: String) -> String {
        let mut out = self.start();
        if text.is_empty() {
            return out;
        }
        if self.open != Open::Text {
            out.push_str(&self.open(Open::Text, json!({"type": "text", "text": ""})));
        }
        out.push_str(&self.delta(json!({"type": "text_delta", "text": text})));
        out
    }

    fn tool(&mut self, call: ToolCallDelta) -> String {
        let mut out = self.start();
        if self.open != Open::Tool(call.index) {
            if self.closed_tools.contains(&call.index) {
                return out + &self.fail("the service interleaved two tool calls");
            }
            self.made_calls = true;
            let id = call.id.unwrap_or_else(|| random_id("toolu_"));
            let block = json!({"type": "tool_use", "id": id, "name": call.name.unwrap_or_default(), "input": {}});
            out.push_str(&self.open(Open::Tool(call.index), block));
        }
        if !call.arguments.is_empty() {
            out.push_str(
                &self.delta(json!({"type": "input_json_delta", "partial_json": call.arguments})),
            );
        }
        out
    }

    fn fail(&mut self, message: &str) -> String {
        self.failed = true;
        let err = ApiError::new(
            axum::http::StatusCode::BAD_GATEWAY,
            ErrorKind::Upstream,
            format!("sapcode: {message} — ask again to retry"),
        );
        named("error", &error(&err))
    }
}

impl Encoder for EventEncoder {
    fn event(&mut self, event: ChatEvent) -> String {
        match event {
            ChatEvent::Delta(text) => self.text(text),
            ChatEvent::ToolCall(call) => self.tool(call),
            ChatEvent::Usage(usage) => {
                self.usage = Some(usage);
                String::new()
            }
            ChatEvent::Done { finish_reason } => {
                self.finish_reason = finish_reason;
                String::new()
            }
            ChatEvent::Retrying { .. } | ChatEvent::Thinking(_) => String::new(),
            ChatEvent::Error(err) => {
                let mut out = self.start();
                out.push_str(&named("error", &error(&ApiError::from_client(&err))));
                out
            }
        }
    }

    fn failed(&self) -> bool {
        self.failed
    }

    fn end(&mut self) -> String {
        let mut out = self.start();
        out.push_str(&self.close());
        let usage = self.usage.unwrap_or_default();
        let input = if self.usage.is_some() {
            usage.prompt_tokens
        } else {
            self.input_estimate
        };
        out.push_str(&named(
            "message_delta",
            &json!({
                "type": "message_delta",
                "delta": {
                    "stop_reason": stop_reason(self.finish_reason.as_deref(), self.made_calls),
                    "stop_sequence": null,
                },
                "usage": {"input_tokens": input, "output_tokens": usage.completion_tokens},
            }),
        ));
        out.push_str(&named("message_stop", &json!({"type": "message_stop"})));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<(String, Value)> {
        text.split("\n\n")
            .filter(|frame| !frame.is_empty())
            .map(|frame| {
                let (name, data) = frame.split_once('\n').unwrap();
                (
                    name.strip_prefix("event: ").unwrap().to_owned(),
                    serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap(),
                )
            })
            .collect()
    }

    fn call(index: u32, id: Option<&str>, arguments: &str) -> ChatEvent {
        ChatEvent::ToolCall(ToolCallDelta {
            index,
            id: id.map(str::to_owned),
            name: id.map(|_| "Read".to_owned()),
            arguments: arguments.into(),
            thought_signature: None,
        })
    }

    #[test]
    fn text_then_two_tool_calls_make_three_blocks_in_order() {
        let mut enc = EventEncoder::new("claude-sonnet-4-5", 12);
        let mut out = enc.event(ChatEvent::Delta("Reading.".into()));
        out += &enc.event(call(0, Some("toolu_a"), "{\"file"));
        out += &enc.event(call(0, None, "\":\"a\"}"));
        out += &enc.event(call(1, Some("toolu_b"), "{}"));
        out += &enc.event(ChatEvent::Done {
            finish_reason: Some("tool_calls".into()),
        });
        out += &enc.event(ChatEvent::Usage(Usage {
            prompt_tokens: 30,
            completion_tokens: 9,
            total_tokens: 39,
            ..Default::default()
        }));
        out += &enc.end();
        let got = events(&out);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(got[0].1["message"]["usage"]["input_tokens"], 12);
        assert_eq!(got[4].1["index"], 1);
        assert_eq!(got[4].1["content_block"]["id"], "toolu_a");
        assert_eq!(got[6].1["delta"]["partial_json"], "\":\"a\"}");
        assert_eq!(got[8].1["index"], 2);
        assert_eq!(got[11].1["delta"]["stop_reason"], "tool_use");
        assert_eq!(got[11].1["usage"]["output_tokens"], 9);
        assert_eq!(got[11].1["usage"]["input_tokens"], 30);
    }

    #[test]
    fn an_interleaved_call_and_an_upstream_error_end_with_an_error_event() {
        let mut enc = EventEncoder::new("m", 1);
        let mut out = enc.event(call(0, Some("a"), "{"));
        out += &enc.event(call(1, Some("b"), "{}"));
        out += &enc.event(call(0, None, "}"));
        assert_eq!(events(&out).last().unwrap().0, "error");
        assert!(enc.failed());
        let mut enc = EventEncoder::new("m", 1);
        let out = enc.event(ChatEvent::Error(crate::aicore::Error::StreamBroken {
            reason: "cut".into(),
        }));
        let got = events(&out);
        assert_eq!(got[1].0, "error");
        assert_eq!(got[1].1["error"]["type"], "api_error");
    }
}
