//! Sending AI API and inference requests: the three headers, one 401 refresh-and-retry,
//! the first-byte timeout, the retry decision before the first byte, and turning failed
//! responses into short errors. Chat-specific request shapes live elsewhere.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use tokio::time::Instant;

use super::auth::{self, Token, TokenSource};
use super::error::{NetworkCause, Retry};
use super::error_body;
use super::{Error, Result, RetryPolicy, Timeouts};

/// Largest JSON document read (listings, non-streamed chat); a bigger one is refused rather
/// than held in memory.
pub const MAX_JSON_BODY: usize = 8 << 20;

/// What one attempt produced.
pub enum Outcome {
    /// 2xx; its body is unread.
    Success(reqwest::Response),
    /// Worth another try after `delay` (the last attempt never gets here: it fails).
    Retry {
        delay: Duration,
        reason: String,
    },
    Fail(Error),
}

/// Where a request failed before any response: getting the token, or sending the request.
enum Failed {
    Token(Error),
    Request(Error),
}

/// The shared sender, one per `Client`.
#[derive(Debug)]
pub struct Transport {
    pub http: reqwest::Client,
    pub tokens: TokenSource,
    pub resource_group: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

/// Wait before attempt `attempt + 1` (attempts count from 1), or `None` to stop: 429 waits
/// `Retry-After` (capped); otherwise 0.5 s·2^n shortened by up to a quarter of jitter.
pub fn retry_delay(
    policy: &RetryPolicy,
    attempt: u32,
    retry_after: Option<Duration>,
    elapsed: Duration,
) -> Option<Duration> {
    if attempt >= policy.max_attempts {
        return None;
    }
    let delay = match retry_after {
        Some(wait) => wait.min(policy.max_retry_after),
        None => {
            let base =
                Duration::from_millis(500).saturating_mul(1 << attempt.saturating_sub(1).min(16));
            base.mul_f64(1.0 - fastrand::f64() * 0.25)
        }
    };
    (elapsed + delay <= policy.max_total).then_some(delay)
}

pub fn retry_after_header(resp: &reqwest::Response) -> Option<Duration> {
    let value = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    // Seconds only; an HTTP-date is rare here and falls back to backoff.
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl Transport {
    fn with_headers(&self, req: reqwest::RequestBuilder, token: &Token) -> reqwest::RequestBuilder {
        use secrecy::ExposeSecret;
        req.bearer_auth(token.expose_secret())
            .header("AI-Resource-Group", &self.resource_group)
            .header("AI-Client-Type", "sapcode")
    }

    async fn send_timed(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response> {
        let (http, request) = req.build_split();
        let request = request.map_err(|e| network_error(what, &e))?;
        // Logged: method, URL, status, time. Never headers (Authorization) or bodies.
        let method = request.method().clone();
        let url = crate::logging::loggable_url(request.url());
        let started = Instant::now();
        let result = tokio::time::timeout(self.timeouts.first_byte, http.execute(request)).await;
        let ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(Ok(resp)) => {
                tracing::info!(%method, %url, status = resp.status().as_u16(), ms, "{what}");
                Ok(resp)
            }
            Ok(Err(e)) => {
                let err = network_error(what, &e);
                tracing::warn!(%method, %url, ms, error = %err, "{what} failed");
                Err(err)
            }
            Err(_) => {
                tracing::warn!(%method, %url, ms, "{what}: no response headers in time");
                Err(Error::Timeout {
                    what: "waiting for the first byte".into(),
                    after: self.timeouts.first_byte,
                })
            }
        }
    }

    /// One authorised request; a 401 refreshes the token (if it is still the cached one)
    /// and tries once more. A second 401 is returned as is. The token goes only to https://
    /// or loopback URLs, whoever named them (the service key or a listing's `deploymentUrl`).
    async fn send_authorised(
        &self,
        what: &str,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
    ) -> std::result::Result<reqwest::Response, Failed> {
        let (_, request) = build().build_split();
        let request = request.map_err(|e| Failed::Request(network_error(what, &e)))?;
        check_token_url(request.url()).map_err(Failed::Request)?;
        let token = self.tokens.token().await.map_err(Failed::Token)?;
        let resp = self
            .send_timed(what, self.with_headers(build(), &token))
            .await
            .map_err(Failed::Request)?;
        if resp.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let fresh = self
            .tokens
            .refresh_after_401(&token)
            .await
            .map_err(Failed::Token)?;
        self.send_timed(what, self.with_headers(build(), &fresh))
            .await
            .map_err(Failed::Request)
    }

    /// Sends and classifies one attempt.
    pub async fn attempt(
        &self,
        what: &str,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
        attempt: u32,
        started: Instant,
    ) -> Outcome {
        match self.send_authorised(what, build).await {
            Ok(resp) if resp.status().is_success() => Outcome::Success(resp),
            Ok(resp) => self.classify_failure(what, resp, attempt, started).await,
            // The token source has retried its own failures already.
            Err(Failed::Token(err)) => Outcome::Fail(err),
            Err(Failed::Request(err)) => self.retry_or_fail(err, attempt, started),
        }
    }

    /// `Retry` when the error's kind allows another attempt and the policy has one left.
    fn retry_or_fail(&self, err: Error, attempt: u32, started: Instant) -> Outcome {
        let delay = (err.retry() != Retry::Never)
            .then(|| retry_delay(&self.retry, attempt, err.server_wait(), started.elapsed()))
            .flatten();
        match delay {
            Some(delay) => Outcome::Retry {
                delay,
                reason: retry_reason(&err),
            },
            None => Outcome::Fail(err),
        }
    }

    async fn classify_failure(
        &self,
        what: &str,
        resp: reqwest::Response,
        attempt: u32,
        started: Instant,
    ) -> Outcome {
        let status = resp.status().as_u16();
        let retry_after = retry_after_header(&resp);
        let is_lm = resp.url().path().contains("/v2/lm/");
        let (detail, body_wait) = self.read_error_body(resp).await;
        // Orchestration puts the model's wait in the body (`x-retry-after`); the HTTP header
        // wins when both are there.
        let retry_after = retry_after.or(body_wait);
        if status == 403 && is_lm {
            // API reference §8: SAP answers 403 "RBAC: access denied" for an unknown group.
            return Outcome::Fail(Error::ResourceGroup {
                resource_group: self.resource_group.clone(),
                status,
                detail,
            });
        }
        let error = Error::Http {
            what: what.into(),
            status,
            detail,
            retry_after,
        };
        self.retry_or_fail(error, attempt, started)
    }

    /// A short message from an error body, read with the idle timeout and a size cap, and
    /// the wait the body asks for, if any.
    pub async fn read_error_body(&self, resp: reqwest::Response) -> (String, Option<Duration>) {
        const LIMIT: usize = 64 * 1024;
        let mut body = Vec::new();
        let mut chunks = resp.bytes_stream();
        // A failed read or a stall just ends the body: the message is best effort.
        while let Ok(Some(Ok(chunk))) =
            tokio::time::timeout(self.timeouts.idle, chunks.next()).await
        {
            body.extend_from_slice(&chunk);
            if body.len() >= LIMIT {
                break;
            }
        }
        let body = auth::scrubbed(&body);
        (
            error_body::short_message(&body),
            error_body::retry_after(&body),
        )
    }

    /// Retries until success or a final error; for listings and non-streaming chat.
    pub async fn send_with_retry(
        &self,
        what: &str,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
    ) -> Result<reqwest::Response> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            match self.attempt(what, build, attempt, started).await {
                Outcome::Success(resp) => return Ok(resp),
                Outcome::Retry { delay, reason } => {
                    tracing::info!(attempt, delay_ms = delay.as_millis() as u64, %reason, "{what}: retrying");
                    tokio::time::sleep(delay).await;
                }
                Outcome::Fail(err) => return Err(err),
            }
            attempt += 1;
        }
    }

    /// GET a JSON document from the AI API with retries.
    pub async fn get_json(&self, what: &str, url: &str) -> Result<serde_json::Value> {
        let http = self.http.clone();
        let url = url.to_string();
        let resp = self.send_with_retry(what, &move || http.get(&url)).await?;
        self.read_json(what, resp).await
    }

    /// The whole body as JSON, each chunk within the idle timeout.
    pub async fn read_json(
        &self,
        what: &str,
        resp: reqwest::Response,
    ) -> Result<serde_json::Value> {
        let mut body = Vec::new();
        let mut chunks = Box::pin(self.body_stream(resp, false));
        while let Some(chunk) = chunks.next().await {
            body.extend_from_slice(&chunk?);
            if body.len() > MAX_JSON_BODY {
                return Err(Error::Decode {
                    what: what.into(),
                    detail: format!(
                        "the answer is larger than {} MiB; stopped reading",
                        MAX_JSON_BODY >> 20
                    ),
                });
            }
        }
        serde_json::from_slice(&body).map_err(|_| Error::Decode {
            what: what.into(),
            detail: if error_body::looks_like_html(&String::from_utf8_lossy(&body)) {
                "HTML page (proxy?) instead of JSON".into()
            } else {
                "the answer is not the expected JSON".into()
            },
        })
    }

    /// The body as chunks; the first within `first_byte` (if `first_is_answer`), the rest
    /// within `idle` of each other. A cut connection becomes `StreamBroken`.
    pub fn body_stream(
        &self,
        resp: reqwest::Response,
        first_is_answer: bool,
    ) -> impl Stream<Item = Result<Bytes>> + Send + use<> {
        let timeouts = self.timeouts;
        let chunks = Box::pin(resp.bytes_stream());
        stream::unfold(
            (chunks, first_is_answer, false),
            move |(mut chunks, first, done)| async move {
                if done {
                    return None;
                }
                let (limit, what) = if first {
                    (timeouts.first_byte, "waiting for the first byte")
                } else {
                    (timeouts.idle, "stream idle")
                };
                match tokio::time::timeout(limit, chunks.next()).await {
                    Ok(Some(Ok(bytes))) => Some((Ok(bytes), (chunks, false, false))),
                    Ok(Some(Err(e))) => Some((
                        Err(Error::StreamBroken {
                            reason: format!(
                                "connection lost: {}",
                                error_body::cap(&auth::error_chain(&e.without_url()))
                            ),
                        }),
                        (chunks, false, true),
                    )),
                    Ok(None) => None,
                    Err(_) => Some((
                        Err(Error::Timeout {
                            what: what.into(),
                            after: limit,
                        }),
                        (chunks, false, true),
                    )),
                }
            },
        )
    }
}

fn check_token_url(url: &reqwest::Url) -> Result<()> {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => Ok(()),
        "http" if super::service_key::is_loopback(host) => Ok(()),
        _ => Err(Error::InsecureUrl {
            what: "a URL the token would be sent to".into(),
            url: format!("{}://{host}", url.scheme()),
            carries_token: true,
        }),
    }
}

/// The short reason a retry shows (`ChatEvent::Retrying`, the log).
fn retry_reason(err: &Error) -> String {
    match err {
        Error::Http { status, .. } => format!("HTTP {status}"),
        other => other.to_string(),
    }
}

pub fn network_error(what: &str, e: &reqwest::Error) -> Error {
    let host = e
        .url()
        .and_then(|u| u.host_str())
        .unwrap_or("the server")
        .to_string();
    let (cause, detail) = network_detail(e);
    Error::Network {
        what: what.into(),
        host,
        detail,
        cause,
    }
}

/// The cause chain of a connection failure, capped, and whether the server's certificate
/// was refused (TLS inspection without the corporate CA). Such details lead with the
/// certificate so the message shows it even when capped. The chain is reqwest's and
/// rustls's wording, read once here where the failure is seen; the result is typed.
pub fn network_detail(e: &dyn std::error::Error) -> (NetworkCause, String) {
    let chain = auth::error_chain(e);
    match chain.find("certificate") {
        Some(at) => {
            let from = chain[..at].rfind(": ").map_or(0, |i| i + 2);
            (
                NetworkCause::UntrustedCertificate,
                error_body::cap(&format!("TLS certificate not trusted: {}", &chain[from..])),
            )
        }
        None => (NetworkCause::Unreachable, error_body::cap(&chain)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_bounded() {
        let p = RetryPolicy::default();
        let first = retry_delay(&p, 1, None, Duration::ZERO).unwrap();
        assert!(first <= Duration::from_millis(500) && first >= Duration::from_millis(375));
        let third = retry_delay(&p, 3, None, Duration::ZERO).unwrap();
        assert!(third <= Duration::from_secs(2) && third >= Duration::from_millis(1500));
        assert_eq!(
            retry_delay(&p, 4, None, Duration::ZERO),
            None,
            "max_attempts reached"
        );
        assert_eq!(
            retry_delay(&p, 1, Some(Duration::from_secs(99)), Duration::ZERO),
            Some(p.max_retry_after)
        );
        assert_eq!(
            retry_delay(&p, 1, Some(Duration::from_secs(5)), Duration::from_secs(29)),
            None,
            "max_total"
        );
    }
}
