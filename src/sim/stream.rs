//! Server-Sent Events output for both chat modes, with the stream faults applied
//! (`slow`, `stall-after`, `cut-after`, `error-after`, `bad-chunk-after`, `hold-stream`,
//! `huge-tool-args`).
//!
//! A fault "after K content chunks" fires before the first content or closing event once K
//! content chunks went out, so a K beyond the answer's length still breaks the stream
//! before its finish chunk and `[DONE]`.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::{Semaphore, mpsc, watch};

use super::Shared;

/// One SSE event payload (the text after `data: `), classified for fault counting.
pub(crate) enum Event {
    /// Before any model output: prologues, templating results, the empty role chunk.
    Setup(String),
    /// Carries answer text or tool-call arguments.
    Content(String),
    /// Finish chunk, usage chunk, `[DONE]`.
    Closing(String),
    /// One content payload sent this many times, made once (`huge-tool-args`): hundreds of
    /// MiB go out without the simulator holding them.
    Repeated(String, u64),
}

/// Spaces per repeated chunk under `huge-tool-args` and `huge-thinking`.
pub(crate) const FLOOD_CHUNK: usize = 64 << 10;

/// The argument deltas of a streamed tool call: `arguments` in pieces of `chunk` characters,
/// each made into a payload by `delta`; under `huge-tool-args=MIB` first MIB MiB of spaces.
pub(crate) fn argument_events(
    shared: &Shared,
    arguments: &str,
    chunk: usize,
    delta: impl Fn(&str) -> String,
) -> Vec<Event> {
    let mut events = Vec::new();
    if let Some(mib) = shared.faults().huge_tool_args {
        let times = mib.saturating_mul(1 << 20) / FLOOD_CHUNK as u64;
        events.push(Event::Repeated(delta(&" ".repeat(FLOOD_CHUNK)), times));
    }
    for piece in super::answer::char_chunks(arguments, chunk) {
        events.push(Event::Content(delta(&piece)));
    }
    events
}

/// Stream faults as they were when the stream started.
struct StreamFaults {
    slow: Option<Duration>,
    stall_after: Option<u32>,
    cut_after: Option<u32>,
    error_after: Option<u32>,
    bad_chunk_after: Option<u32>,
    /// `hold-stream`: wait for a release before the first closing event.
    hold: Option<Arc<Semaphore>>,
}

/// A 200 `text/event-stream` response that plays `events`; `error_event` is the mode's
/// in-stream error payload for the `error-after` fault.
pub(crate) fn respond(shared: &Shared, events: Vec<Event>, error_event: String) -> Response {
    let faults = {
        let mut faults = shared.faults();
        let hold = faults.take_hold().then(|| Arc::clone(&shared.release));
        StreamFaults {
            hold,
            slow: faults.slow,
            stall_after: faults.stall_after,
            cut_after: faults.cut_after,
            error_after: faults.error_after,
            bad_chunk_after: faults.bad_chunk_after,
        }
    };
    let (sender, receiver) = mpsc::channel::<Result<Bytes, io::Error>>(8);
    let abandoned = Arc::clone(&shared.streams_abandoned);
    let shutdown = shared.shutdown.clone();
    tokio::spawn(async move {
        if play(events, error_event, faults, sender, shutdown).await == Played::ClientLeft {
            abandoned.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
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

fn frame(payload: &str) -> Bytes {
    Bytes::from(format!("data: {payload}\n\n"))
}

fn reached(limit: Option<u32>, sent: u32) -> bool {
    limit.is_some_and(|limit| sent >= limit)
}

/// How a stream ended: the client's hang-up is counted (`streams_abandoned`).
#[derive(PartialEq, Eq)]
enum Played {
    Out,
    ClientLeft,
}

/// Writes the events; returns early when the client hangs up or a fault ends the stream.
async fn play(
    events: Vec<Event>,
    error_event: String,
    mut faults: StreamFaults,
    sender: mpsc::Sender<Result<Bytes, io::Error>>,
    mut shutdown: watch::Receiver<bool>,
) -> Played {
    let mut sent_content = 0;
    let mut bad_chunk_sent = false;
    for (index, event) in events.into_iter().enumerate() {
        let (payload, is_content) = match event {
            Event::Setup(payload) => (payload, None),
            Event::Content(payload) => (payload, Some(true)),
            Event::Closing(payload) => (payload, Some(false)),
            Event::Repeated(payload, times) => {
                let frame = frame(&payload);
                for _ in 0..times {
                    if sender.send(Ok(frame.clone())).await.is_err() {
                        return Played::ClientLeft;
                    }
                }
                continue;
            }
        };
        if is_content.is_some() {
            if !bad_chunk_sent && reached(faults.bad_chunk_after, sent_content) {
                bad_chunk_sent = true;
                if sender
                    .send(Ok(Bytes::from_static(b"data: {not json\n\n")))
                    .await
                    .is_err()
                {
                    return Played::ClientLeft;
                }
            }
            if reached(faults.error_after, sent_content) {
                // Real services end the stream after an error event, without [DONE] (§7.7).
                let _ = sender.send(Ok(frame(&error_event))).await;
                return Played::Out;
            }
            if reached(faults.cut_after, sent_content) {
                // An error item makes hyper abort the chunked body: the client sees a cut.
                // Wait first so what was already sent is flushed, not dropped with the socket.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = sender
                    .send(Err(io::Error::other("simulated connection cut")))
                    .await;
                return Played::Out;
            }
            if reached(faults.stall_after, sent_content) {
                return tokio::select! {
                    _ = shutdown.wait_for(|stopped| *stopped) => Played::Out,
                    () = sender.closed() => Played::ClientLeft,
                };
            }
        }
        if matches!(is_content, Some(false))
            && let Some(release) = faults.hold.take()
        {
            tokio::select! {
                permit = release.acquire() => {
                    if let Ok(permit) = permit {
                        permit.forget();
                    }
                }
                _ = shutdown.wait_for(|stopped| *stopped) => return Played::Out,
                () = sender.closed() => return Played::ClientLeft,
            }
        }
        if index > 0
            && let Some(delay) = faults.slow
        {
            tokio::time::sleep(delay).await;
        }
        if sender.send(Ok(frame(&payload))).await.is_err() {
            return Played::ClientLeft;
        }
        if is_content == Some(true) {
            sent_content += 1;
        }
    }
    Played::Out
}
