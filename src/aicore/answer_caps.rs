//! How much one answer may make the client hold, whatever the server streams: the turn joins
//! every tool call's argument fragments and the answer's text in memory, shows them, saves
//! them in the session and sends them back in the next request, so a hostile or broken
//! endpoint streaming without end (1.5 GiB of arguments once took 10.7 GB of memory) is
//! stopped here, where every dialect's payloads pass (`sse.rs`, and whole completions in
//! `client.rs`). One SSE event is capped before this, by the framer (`sse::MAX_EVENT`).

use std::collections::HashMap;

use super::Error;
use super::dialect::ChunkParts;

/// Arguments of one tool call (contract "The trust boundary").
pub const MAX_CALL_ARGUMENTS: usize = 1 << 20;
/// Arguments of every tool call of one answer together, i.e. of one tool round.
pub const MAX_ROUND_ARGUMENTS: usize = 8 << 20;
/// The answer's text. Models stop at 64k–128k output tokens, well under 1 MiB of text.
pub const MAX_ANSWER_TEXT: usize = 4 << 20;
/// The answer's thinking (text, signatures, redacted data): kept with the turn and sent back
/// with the next request, so held like the text. Thinking budgets stay far below this.
pub const MAX_THINKING: usize = 4 << 20;
/// Distinct tool calls in one answer; each is answered in the next request, run or not.
pub const MAX_CALLS: usize = 1024;

/// What one answer carried so far, fragment by fragment.
#[derive(Debug, Default)]
pub struct AnswerBudget {
    /// Argument bytes per tool-call index: the key the turn joins fragments by.
    per_call: HashMap<u32, usize>,
    arguments: usize,
    text: usize,
    thinking: usize,
}

impl AnswerBudget {
    /// Counts one payload's parts; the error names the limit they passed.
    pub fn count(&mut self, parts: &ChunkParts) -> Result<(), Error> {
        self.text += parts.text.len();
        if self.text > MAX_ANSWER_TEXT {
            return Err(too_large(format!(
                "the answer's text passed {}",
                mib(MAX_ANSWER_TEXT)
            )));
        }
        self.thinking += parts
            .thinking
            .iter()
            .map(|delta| {
                delta.text.len()
                    + delta.signature.as_ref().map_or(0, String::len)
                    + delta.redacted.as_ref().map_or(0, String::len)
            })
            .sum::<usize>();
        if self.thinking > MAX_THINKING {
            return Err(too_large(format!(
                "the answer's thinking passed {}",
                mib(MAX_THINKING)
            )));
        }
        for call in &parts.tool_calls {
            if !self.per_call.contains_key(&call.index) && self.per_call.len() >= MAX_CALLS {
                return Err(too_large(format!(
                    "the answer made more than {MAX_CALLS} tool calls"
                )));
            }
            let used = self.per_call.entry(call.index).or_default();
            *used += call.arguments.len();
            if *used > MAX_CALL_ARGUMENTS {
                return Err(too_large(format!(
                    "the arguments of one tool call passed {}",
                    mib(MAX_CALL_ARGUMENTS)
                )));
            }
            self.arguments += call.arguments.len();
            if self.arguments > MAX_ROUND_ARGUMENTS {
                return Err(too_large(format!(
                    "the arguments of this round's tool calls passed {}",
                    mib(MAX_ROUND_ARGUMENTS)
                )));
            }
        }
        Ok(())
    }
}

fn too_large(what: String) -> Error {
    Error::TooLarge { what }
}

fn mib(bytes: usize) -> String {
    format!("{} MiB", bytes >> 20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::{ChatEvent, Dialect, ToolCallDelta, parse_sse_body};

    fn call(index: u32, bytes: usize) -> ChunkParts {
        ChunkParts {
            tool_calls: vec![ToolCallDelta {
                index,
                id: None,
                name: None,
                arguments: "x".repeat(bytes),
                thought_signature: None,
            }],
            ..ChunkParts::default()
        }
    }

    fn message(result: Result<(), Error>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn one_call_may_carry_exactly_its_cap() {
        let mut budget = AnswerBudget::default();
        budget.count(&call(0, MAX_CALL_ARGUMENTS - 1)).unwrap();
        budget.count(&call(0, 1)).unwrap();
        let err = message(budget.count(&call(0, 1)));
        assert_eq!(
            err,
            "the answer stream was stopped: the arguments of one tool call passed 1 MiB"
        );
    }

    #[test]
    fn the_round_cap_counts_every_call() {
        let mut budget = AnswerBudget::default();
        for index in 0..8 {
            budget.count(&call(index, MAX_CALL_ARGUMENTS)).unwrap();
        }
        let err = message(budget.count(&call(8, 1)));
        assert!(
            err.ends_with("this round's tool calls passed 8 MiB"),
            "{err}"
        );
    }

    #[test]
    fn text_and_the_number_of_calls_are_capped() {
        let mut budget = AnswerBudget::default();
        let text = |bytes: usize| ChunkParts {
            text: "y".repeat(bytes),
            ..ChunkParts::default()
        };
        budget.count(&text(MAX_ANSWER_TEXT)).unwrap();
        assert!(message(budget.count(&text(1))).ends_with("text passed 4 MiB"));
        let mut budget = AnswerBudget::default();
        for index in 0..1024 {
            budget.count(&call(index, 0)).unwrap();
        }
        budget.count(&call(5, 3)).unwrap();
        assert!(message(budget.count(&call(4000, 0))).contains("more than 1024 tool calls"));
    }

    /// Thinking is held with the turn and sent back: a server streaming it without end is
    /// stopped like endless text.
    #[test]
    fn thinking_is_capped_with_its_signatures() {
        let mut budget = AnswerBudget::default();
        let thinking = |text: usize, signature: usize| ChunkParts {
            thinking: vec![crate::aicore::chat::ThinkingDelta {
                index: 0,
                text: "t".repeat(text),
                signature: (signature > 0).then(|| "s".repeat(signature)),
                redacted: None,
            }],
            ..ChunkParts::default()
        };
        budget.count(&thinking(MAX_THINKING - 10, 10)).unwrap();
        assert!(message(budget.count(&thinking(0, 1))).ends_with("thinking passed 4 MiB"));
    }

    /// One payload of `dialect` carrying `text`, or `arguments` for tool call `index`.
    fn payload(dialect: Dialect, text: &str, index: u32, arguments: &str) -> String {
        use serde_json::json;
        let openai = || {
            let delta = if text.is_empty() {
                json!({ "tool_calls": [{ "index": index, "id": format!("c{index}"),
                    "function": { "name": "write_file", "arguments": arguments } }] })
            } else {
                json!({ "content": text })
            };
            json!({ "choices": [{ "index": 0, "delta": delta }] })
        };
        let value = match dialect {
            Dialect::OpenAi => openai(),
            Dialect::OrchestrationV2 => json!({ "final_result": openai() }),
            Dialect::OrchestrationV1 => json!({ "orchestration_result": openai() }),
            Dialect::BedrockConverse if text.is_empty() => json!({ "contentBlockDelta": {
                "delta": { "toolUse": { "input": arguments } }, "contentBlockIndex": index } }),
            Dialect::BedrockConverse => json!({ "contentBlockDelta": {
                "delta": { "text": text }, "contentBlockIndex": 0 } }),
            // Gemini sends each call whole; `index` is the call's place in the chunk.
            Dialect::VertexGemini => {
                let mut parts = vec![json!({ "text": text })];
                if text.is_empty() {
                    parts = (0..=index)
                        .map(|at| {
                            let content = if at == index { arguments } else { "" };
                            json!({ "functionCall": { "name": "write_file",
                                "args": { "content": content } } })
                        })
                        .collect();
                }
                json!({ "candidates": [{ "content": { "role": "model", "parts": parts } }] })
            }
        };
        format!("data: {value}\n\n")
    }

    const DIALECTS: [Dialect; 5] = [
        Dialect::OpenAi,
        Dialect::OrchestrationV2,
        Dialect::OrchestrationV1,
        Dialect::BedrockConverse,
        Dialect::VertexGemini,
    ];

    /// The stream's text, its argument bytes and its last event.
    fn play(dialect: Dialect, body: Vec<String>) -> (String, usize, String) {
        let events = parse_sse_body(dialect, body.into_iter().map(String::into_bytes));
        let mut text = String::new();
        let mut arguments = 0;
        for event in &events {
            match event {
                ChatEvent::Delta(delta) => text.push_str(delta),
                ChatEvent::ToolCall(call) => arguments += call.arguments.len(),
                _ => {}
            }
        }
        let last = match events.last() {
            Some(ChatEvent::Error(err)) => err.to_string(),
            other => format!("{other:?}"),
        };
        (text, arguments, last)
    }

    #[test]
    fn an_endless_tool_call_is_stopped_at_one_mib_in_every_dialect() {
        let piece = "a".repeat(64 << 10);
        for dialect in DIALECTS {
            let mut body = vec![payload(dialect, "Writing it now.", 0, "")];
            body.extend((0..40).map(|_| payload(dialect, "", 0, &piece)));
            let (text, arguments, last) = play(dialect, body);
            assert_eq!(text, "Writing it now.", "{dialect:?}");
            assert!(arguments <= MAX_CALL_ARGUMENTS, "{dialect:?}: {arguments}");
            assert!(
                arguments > MAX_CALL_ARGUMENTS / 2,
                "{dialect:?}: {arguments}"
            );
            assert!(
                last.ends_with("the arguments of one tool call passed 1 MiB"),
                "{dialect:?}: {last}"
            );
        }
    }

    #[test]
    fn many_calls_are_stopped_at_eight_mib_a_round_in_every_dialect() {
        let piece = "b".repeat(512 << 10);
        for dialect in DIALECTS {
            let body = (0..20).map(|index| payload(dialect, "", index, &piece));
            let (_, arguments, last) = play(dialect, body.collect());
            assert!(arguments <= MAX_ROUND_ARGUMENTS, "{dialect:?}: {arguments}");
            assert!(
                last.ends_with("the arguments of this round's tool calls passed 8 MiB"),
                "{dialect:?}: {last}"
            );
        }
    }

    #[test]
    fn endless_text_is_stopped_in_every_dialect() {
        let piece = "c".repeat(256 << 10);
        for dialect in DIALECTS {
            let body = (0..20).map(|_| payload(dialect, &piece, 0, ""));
            let (text, _, last) = play(dialect, body.collect());
            assert_eq!(text.len(), MAX_ANSWER_TEXT, "{dialect:?}");
            assert!(last.ends_with("text passed 4 MiB"), "{dialect:?}: {last}");
        }
    }

    #[test]
    fn a_whole_completion_is_held_to_the_same_caps() {
        let arguments = "d".repeat(MAX_CALL_ARGUMENTS + 1);
        let body = serde_json::json!({ "choices": [{ "index": 0, "message": { "tool_calls": [
            { "id": "c", "function": { "name": "write_file", "arguments": arguments } }] } }] });
        let err = crate::aicore::response_from_json(&body, Dialect::OpenAi).unwrap_err();
        assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    }
}
