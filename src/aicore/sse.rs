//! Server-Sent Events → `ChatEvent`s. Bytes go through `eventsource-stream` (which keeps a
//! multi-byte character split across chunks intact), each `data:` payload through the
//! dialect's chunk parser (`chunk.rs`). Transport errors and timeouts arrive as `Err` items
//! of the byte stream and end the event stream with that error.

use std::collections::VecDeque;
use std::pin::Pin;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{FutureExt, Stream, StreamExt, stream};

use super::chunk;
pub use super::chunk::Dialect;
use super::{ChatEvent, Error, Usage, lenient_json};

const CLOSED_EARLY: &str = "connection closed before the answer finished";
const INVALID_CHUNK: &str = "the service sent a chunk that is not valid JSON";

/// What the parser does with one `data:` payload; remembers what `Done` needs.
#[derive(Debug)]
pub struct SseParser {
    dialect: Dialect,
    finish_reason: Option<String>,
    /// The latest usage of a dialect that repeats it (`has_running_usage`), sent before Done.
    running_usage: Option<Usage>,
    finished: bool,
}

impl SseParser {
    pub fn new(dialect: Dialect) -> Self {
        SseParser {
            dialect,
            finish_reason: None,
            running_usage: None,
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
        if let Some(message) = chunk::error_in(&payload, self.dialect) {
            out.push(ChatEvent::Error(Error::InStream { message }));
            self.finished = true;
            return;
        }
        let parts = chunk::chunk_parts(&payload, self.dialect);
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

type BoxedSse =
    Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<Error>>> + Send>>;

struct State {
    events: BoxedSse,
    parser: SseParser,
    pending: VecDeque<ChatEvent>,
}

/// Chat events from a byte stream. Always ends with `Done` or `Error`.
pub fn chat_events<S, B>(dialect: Dialect, body: S) -> impl Stream<Item = ChatEvent> + Send
where
    S: Stream<Item = Result<B, Error>> + Send + 'static,
    B: AsRef<[u8]> + Send + 'static,
{
    // A last event without its blank line (one fixture ends `data: [DONE]\n`) is only
    // dispatched once a blank line follows, so one is appended to a body that ended cleanly.
    let body = body
        .map(|r| r.map(|b| b.as_ref().to_vec()))
        .chain(stream::once(async { Ok(b"\n\n".to_vec()) }));
    let state = State {
        events: Box::pin(without_bom(body).eventsource()),
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
            let mut out = Vec::new();
            match st.events.next().await {
                Some(Ok(event)) => st.parser.on_data(&event.data, &mut out),
                Some(Err(EventStreamError::Transport(err))) => {
                    st.parser.finished = true;
                    out.push(ChatEvent::Error(err));
                }
                Some(Err(EventStreamError::Utf8(_))) => {
                    st.parser.finished = true;
                    out.push(ChatEvent::Error(Error::StreamBroken {
                        reason: "the stream was not valid UTF-8".into(),
                    }));
                }
                Some(Err(EventStreamError::Parser(_))) => {
                    st.parser.finished = true;
                    out.push(ChatEvent::Error(Error::StreamBroken {
                        reason: "the stream was not valid Server-Sent Events".into(),
                    }));
                }
                None => st.parser.on_end(&mut out),
            }
            st.pending.extend(out);
        }
    })
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The body without a leading UTF-8 byte-order mark, which the SSE spec says to ignore.
/// eventsource-stream 0.2.3 would panic on it (it slices one byte off the three-byte
/// character), so the first bytes are held back until it is clear whether they are one.
/// Fewer than three bytes before a transport error are dropped: they hold no event.
fn without_bom<S>(body: S) -> impl Stream<Item = Result<Vec<u8>, Error>> + Send
where
    S: Stream<Item = Result<Vec<u8>, Error>> + Send,
{
    body.scan(Some(Vec::new()), |head, item| {
        let out = match (head.as_mut(), item) {
            (Some(held), Ok(bytes)) => {
                held.extend_from_slice(&bytes);
                if held.len() < BOM.len() && BOM.starts_with(held) {
                    Ok(Vec::new())
                } else {
                    let mut held = head.take().unwrap_or_default();
                    if held.starts_with(BOM) {
                        held.drain(..BOM.len());
                    }
                    Ok(held)
                }
            }
            (None, item) | (Some(_), item @ Err(_)) => item,
        };
        std::future::ready(Some(out))
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
