//! An upstream chat stream as a streaming HTTP response body. The body owns the upstream
//! stream: when the client goes away hyper drops the body, which drops the upstream request
//! and closes its connection, so SAP AI Core stops generating for nobody.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;

use super::upstream::Started;
use crate::aicore::{ChatEvent, ChatStream};

/// Turns events into the wire text of one API's stream.
pub trait Encoder: Send + 'static {
    /// Frames for one event (may be empty).
    fn event(&mut self, event: ChatEvent) -> String;
    /// Frames once the upstream stream ended (not called after an error event).
    fn end(&mut self) -> String;
    /// The encoder wrote an error event of its own: nothing may follow it.
    fn failed(&self) -> bool {
        false
    }
}

struct Playing<E> {
    encoder: E,
    first: Option<ChatEvent>,
    rest: ChatStream,
    finished: bool,
    /// Called once when the stream is over, whether it ended or the client left.
    on_close: Option<Box<dyn FnOnce(bool) + Send>>,
}

impl<E> Drop for Playing<E> {
    fn drop(&mut self) {
        if let Some(on_close) = self.on_close.take() {
            on_close(self.finished);
        }
    }
}

/// A 200 `text/event-stream` response playing `started` through `encoder`. `on_close` gets
/// `true` when the stream was played to its end, `false` when the client left first.
pub fn respond<E: Encoder>(
    encoder: E,
    started: Started,
    on_close: impl FnOnce(bool) + Send + 'static,
) -> Response {
    let state = Playing {
        encoder,
        first: Some(started.first),
        rest: started.rest,
        finished: false,
        on_close: Some(Box::new(on_close)),
    };
    let body = futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if state.finished {
                return None;
            }
            let next = match state.first.take() {
                Some(event) => Some(event),
                None => state.rest.next().await,
            };
            let text = match next {
                Some(event @ ChatEvent::Error(_)) => {
                    state.finished = true;
                    state.encoder.event(event)
                }
                Some(event) => {
                    let text = state.encoder.event(event);
                    state.finished = state.encoder.failed();
                    text
                }
                None => {
                    state.finished = true;
                    state.encoder.end()
                }
            };
            if !text.is_empty() {
                return Some((Ok::<Bytes, Infallible>(Bytes::from(text)), state));
            }
        }
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// `data: JSON` and a blank line.
pub fn data(value: &serde_json::Value) -> String {
    format!("data: {value}\n\n")
}

/// `event: NAME`, `data: JSON` and a blank line (Anthropic names every event).
pub fn named(name: &str, value: &serde_json::Value) -> String {
    format!("event: {name}\ndata: {value}\n\n")
}

/// A short random id suffix for `chatcmpl-…`, `msg_…`: unique enough to tell answers apart.
pub fn random_id(prefix: &str) -> String {
    format!(
        "{prefix}{:016x}{:08x}",
        fastrand::u64(..),
        fastrand::u32(..)
    )
}
