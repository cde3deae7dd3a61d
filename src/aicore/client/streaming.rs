//! `Client::chat_stream`: connect (with the retries before the first byte), then play the
//! answer's events; throttling reported in the stream after HTTP 200 is retried once while
//! nothing was answered.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use tokio::time::Instant;

use super::{ChatStream, Client, RetryPolicy, refuse_binary_event_stream};
use crate::aicore::error::ErrorKind;
use crate::aicore::transport::Outcome;
use crate::aicore::{ChatEvent, ChatRequest, ChatTarget, Error, sse};

impl Client {
    /// Streams one turn. Never fails up front: every failure is the final `ChatEvent::Error`;
    /// waits before a retry show as `ChatEvent::Retrying`. Throttling reported in the stream
    /// after HTTP 200 (orchestration) is retried once, if nothing was answered yet.
    pub fn chat_stream(&self, target: ChatTarget, req: ChatRequest) -> ChatStream {
        /// `throttle_retried`: the one retry of in-stream throttling was used.
        enum Phase {
            Connect {
                attempt: u32,
                throttle_retried: bool,
            },
            Wait {
                attempt: u32,
                delay: Duration,
                throttle_retried: bool,
            },
            Streaming {
                events: ChatStream,
                attempt: u32,
                answered: bool,
                throttle_retried: bool,
            },
            Finished,
        }
        let client = self.clone();
        let started = Instant::now();
        let first = Phase::Connect {
            attempt: 1,
            throttle_retried: false,
        };
        let state = (first, client, target, req);
        Box::pin(stream::unfold(
            state,
            move |(phase, client, target, req)| async move {
                let mut phase = phase;
                loop {
                    match phase {
                        Phase::Finished => return None,
                        Phase::Wait {
                            attempt,
                            delay,
                            throttle_retried,
                        } => {
                            tokio::time::sleep(delay).await;
                            phase = Phase::Connect {
                                attempt: attempt + 1,
                                throttle_retried,
                            };
                        }
                        Phase::Streaming {
                            mut events,
                            attempt,
                            answered,
                            throttle_retried,
                        } => {
                            let ev = events.next().await?;
                            if let ChatEvent::Error(err) = &ev {
                                if !answered && !throttle_retried {
                                    let policy = &client.inner.transport.retry;
                                    let delay = throttling_retry(err, policy, attempt, started);
                                    if let Some(delay) = delay {
                                        tracing::info!(attempt, delay_ms = delay.as_millis() as u64, error = %err, "chat stream throttled: retrying once");
                                        let ev = ChatEvent::Retrying {
                                            attempt,
                                            delay,
                                            reason: "rate limited mid-stream".into(),
                                        };
                                        let wait = Phase::Wait {
                                            attempt,
                                            delay,
                                            throttle_retried: true,
                                        };
                                        return Some((ev, (wait, client, target, req)));
                                    }
                                }
                                tracing::warn!(error = %err, "chat stream ended early");
                            }
                            let answered = answered
                                || matches!(ev, ChatEvent::Delta(_) | ChatEvent::ToolCall(_));
                            let next = Phase::Streaming {
                                events,
                                attempt,
                                answered,
                                throttle_retried,
                            };
                            return Some((ev, (next, client, target, req)));
                        }
                        Phase::Connect {
                            attempt,
                            throttle_retried,
                        } => {
                            let (outcome, dialect) = client
                                .chat_attempt(&target, &req, true, attempt, started)
                                .await;
                            match outcome {
                                Outcome::Success(resp) => {
                                    if let Err(err) = refuse_binary_event_stream(&resp) {
                                        return Some((
                                            ChatEvent::Error(err),
                                            (Phase::Finished, client, target, req),
                                        ));
                                    }
                                    let body = client.inner.transport.body_stream(resp, true);
                                    phase = Phase::Streaming {
                                        events: Box::pin(sse::chat_events(dialect, body)),
                                        attempt,
                                        answered: false,
                                        throttle_retried,
                                    };
                                }
                                Outcome::Retry { delay, reason, .. } => {
                                    tracing::info!(attempt, delay_ms = delay.as_millis() as u64, %reason, "chat request: retrying");
                                    let ev = ChatEvent::Retrying {
                                        attempt,
                                        delay,
                                        reason,
                                    };
                                    let wait = Phase::Wait {
                                        attempt,
                                        delay,
                                        throttle_retried,
                                    };
                                    return Some((ev, (wait, client, target, req)));
                                }
                                Outcome::Fail(err) => {
                                    tracing::warn!(error = %err, "chat request failed");
                                    return Some((
                                        ChatEvent::Error(err),
                                        (Phase::Finished, client, target, req),
                                    ));
                                }
                            }
                        }
                    }
                }
            },
        ))
    }
}

/// The wait before retrying a stream that reported throttling, within the retry policy;
/// `None` for any other error or when the policy has no attempt left.
fn throttling_retry(
    err: &Error,
    policy: &RetryPolicy,
    attempt: u32,
    started: Instant,
) -> Option<Duration> {
    (err.kind() == ErrorKind::ThrottledInStream)
        .then(|| {
            crate::aicore::transport::retry_delay(
                policy,
                attempt,
                err.server_wait(),
                started.elapsed(),
            )
        })
        .flatten()
}
