//! Server-Sent Events → `ChatEvent`s. Bytes go through our framer (`sse_lines.rs`: linear in
//! the body, one event capped at `MAX_EVENT`), each `data:` payload through the dialect's
//! chunk parser (`dialect/`). Transport errors and timeouts arrive as `Err` items of the byte
//! stream and end the event stream with that error.

use std::collections::VecDeque;
use std::pin::Pin;

use futures_util::{FutureExt, Stream, StreamExt, stream};

use super::answer_caps::AnswerBudget;
use super::dialect;
pub use super::dialect::Dialect;
use super::sse_lines::{FramingError, SseFramer};
use super::{ChatEvent, Error, Usage, lenient_json};

const CLOSED_EARLY: &str = "connection closed before the answer finished";
const INVALID_CHUNK: &str = "the service sent a chunk that is not valid JSON";
/// The largest single event accepted: a chunk is a few KiB, a whole tool-call argument far
/// less than this; a server that sends more is stopped rather than buffered without end.
pub const MAX_EVENT: usize = 4 << 20;

/// What the parser does with one `data:` payload; remembers what `Done` needs.
#[derive(Debug)]
pub struct SseParser {
    dialect: Dialect,
    finish_reason: Option<String>,
    /// The latest usage of a dialect that repeats it (`has_running_usage`), sent before Done.
    running_usage: Option<Usage>,
    /// Text and tool-call arguments so far, against `answer_caps`.
    budget: AnswerBudget,
    finished: bool,
}

impl SseParser {
    pub fn new(dialect: Dialect) -> Self {
        SseParser {
            dialect,
            finish_reason: None,
            running_usage: None,
            budget: AnswerBudget::default(),
            finished: false,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Handles one event's data; after `[DONE]` or an error event nothing more is emitted.
    pub fn on_data(&mut self, data: &str, out: &mut Vec<ChatEvent>) {
        if self.finished {
            return;
        }
        let data = data.trim();
        if data.is_empty() {
            return;
        }
        if data == "[DONE]" {
            self.finish(out);
            return;
        }
        let payload = if self.dialect.is_lenient() {
            lenient_json::parse(data)
        } else {
            serde_json::from_str::<serde_json::Value>(data).ok()
        };
        let Some(payload) = payload else {
            // Skipping it would silently drop part of the answer (a word, a line of code):
            // stop here, keep the text so far, and say why.
            out.push(ChatEvent::Error(Error::StreamBroken {
                reason: INVALID_CHUNK.into(),
            }));
            self.finished = true;
            return;
        };
        if let Some(err) = dialect::stream_error(&payload, self.dialect) {
            out.push(ChatEvent::Error(err));
            self.finished = true;
            return;
        }
        let parts = dialect::chunk_parts(&payload, self.dialect);
        if let Err(err) = self.budget.count(&parts) {
            // Nothing of this payload is passed on; what came before stays shown.
            out.push(ChatEvent::Error(err));
            self.finished = true;
            return;
        }
        out.extend(parts.thinking.into_iter().map(ChatEvent::Thinking));
        if !parts.text.is_empty() {
            out.push(ChatEvent::Delta(parts.text));
        }
        out.extend(parts.tool_calls.into_iter().map(ChatEvent::ToolCall));
        if let Some(usage) = parts.usage {
            if self.dialect.has_running_usage() {
                self.running_usage = Some(usage);
            } else {
                out.push(ChatEvent::Usage(usage));
            }
        }
        if parts.finish_reason.is_some() {
            // Azure sends usage in a later chunk (API reference §6.2), Bedrock its `metadata`
            // event after `messageStop` (§6.3): Done waits for [DONE] or the end of the body.
            self.finish_reason = parts.finish_reason;
        }
    }

    /// The body ended (cleanly or not): Done if the model finished, else a broken stream.
    pub fn on_end(&mut self, out: &mut Vec<ChatEvent>) {
        if self.finished {
            return;
        }
        if self.finish_reason.is_some() {
            self.finish(out);
        } else {
            self.finished = true;
            out.push(ChatEvent::Error(Error::StreamBroken {
                reason: CLOSED_EARLY.into(),
            }));
        }
    }

    fn finish(&mut self, out: &mut Vec<ChatEvent>) {
        self.finished = true;
        if let Some(usage) = self.running_usage.take() {
            out.push(ChatEvent::Usage(usage));
        }
        out.push(ChatEvent::Done {
            finish_reason: self.finish_reason.take(),
        });
    }
}

struct State<S> {
    body: Pin<Box<S>>,
    framer: SseFramer,
    parser: SseParser,
    pending: VecDeque<ChatEvent>,
}

impl<S> State<S> {
    /// Hands every completed event to the parser; a framing failure ends the stream.
    fn frame(&mut self, framed: Result<(), FramingError>, data: Vec<String>) {
        let mut out = Vec::new();
        for data in &data {
            self.parser.on_data(data, &mut out);
        }
        if let Err(err) = framed
            && !self.parser.finished
        {
            self.parser.finished = true;
            out.push(ChatEvent::Error(framing_error(err)));
        }
        self.pending.extend(out);
    }
}

fn framing_error(err: FramingError) -> Error {
    let reason = match err {
        FramingError::TooLarge { limit } => format!(
            "the service sent one event larger than {} MiB; stopped reading",
            limit >> 20
        ),
        FramingError::NotUtf8 => "the stream was not valid UTF-8".into(),
    };
    Error::StreamBroken { reason }
}

/// Chat events from a byte stream. Always ends with `Done` or `Error`.
pub fn chat_events<S, B>(dialect: Dialect, body: S) -> impl Stream<Item = ChatEvent> + Send
where
    S: Stream<Item = Result<B, Error>> + Send + 'static,
    B: AsRef<[u8]> + Send + 'static,
{
    let state = State {
        body: Box::pin(body),
        framer: SseFramer::new(MAX_EVENT),
        parser: SseParser::new(dialect),
        pending: VecDeque::new(),
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if let Some(ev) = st.pending.pop_front() {
                return Some((ev, st));
            }
            if st.parser.is_finished() {
                return None;
            }
            let mut data = Vec::new();
            match st.body.next().await {
                Some(Ok(bytes)) => {
                    let framed = st.framer.feed(bytes.as_ref(), &mut data);
                    st.frame(framed, data);
                }
                Some(Err(err)) => {
                    st.parser.finished = true;
                    st.pending.push_back(ChatEvent::Error(err));
                }
                None => {
                    let framed = st.framer.finish(&mut data);
                    st.frame(framed, data);
                    let mut out = Vec::new();
                    st.parser.on_end(&mut out);
                    st.pending.extend(out);
                }
            }
        }
    })
}

/// Parses a whole body given as arbitrary chunks; for tests and recorded streams.
pub fn parse_sse_body(
    dialect: Dialect,
    chunks: impl IntoIterator<Item = Vec<u8>>,
) -> Vec<ChatEvent> {
    let chunks: Vec<Result<Vec<u8>, Error>> = chunks.into_iter().map(Ok).collect();
    // Every source item is ready, so the future completes on its first poll.
    chat_events(dialect, stream::iter(chunks))
        .collect::<Vec<_>>()
        .now_or_never()
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
