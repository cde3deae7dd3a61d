//! Client-credentials tokens (API reference §1.3): one cache shared by every task,
//! refreshed ahead of expiry, with a single refresh in flight. Tokens live in memory only.

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, RequestTokenError, TokenResponse, TokenUrl};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::error_body;
use super::service_key::{Credential, ServiceKey};
use super::{Error, Result, RetryPolicy, Timeouts};

pub const WHAT: &str = "token request";
/// Used when the token response has no `expires_in`; short, so we never hold a dead token long.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(600);
/// SAP issues tokens for 12 h; a larger `expires_in` (up to `u64::MAX` from a broken or
/// hostile server) is clamped so the refresh instant never overflows.
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// A token answer is a few KiB; anything larger is not a token and is not held in memory.
pub const MAX_TOKEN_BODY: usize = 64 * 1024;

/// A bearer token; compared by identity to decide whether a 401 needs a refresh.
pub type Token = Arc<SecretString>;

#[derive(Debug)]
struct Cached {
    token: Token,
    refresh_at: Instant,
}

/// The token endpoint, its own HTTP client and the cache.
#[derive(Debug)]
pub struct TokenSource {
    key: ServiceKey,
    http: reqwest::Client,
    // tokio Mutex held across the refresh: concurrent callers wait for one request (single flight).
    cache: tokio::sync::Mutex<Option<Cached>>,
    requests: std::sync::atomic::AtomicU32,
    retry: RetryPolicy,
    timeouts: Timeouts,
}

/// Refresh margin: min(5 min, lifetime / 5), so latency and clock skew never let us send a
/// token in its last moments.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 5).min(Duration::from_secs(300))
}

impl TokenSource {
    /// `shared` is the API's client (proxy, CA, connect timeout, no redirects); an X.509 key
    /// needs its own client carrying the certificate, built from `base`.
    pub fn new(
        key: ServiceKey,
        shared: &reqwest::Client,
        base: impl FnOnce() -> Result<reqwest::ClientBuilder>,
    ) -> Result<Self> {
        let http = match &key.credential {
            Credential::Secret(_) => shared.clone(),
            Credential::Certificate {
                certificate_pem,
                key_pem,
            } => certificate_client(certificate_pem, key_pem, base()?)?,
        };
        Ok(TokenSource {
            key,
            http,
            cache: tokio::sync::Mutex::new(None),
            requests: std::sync::atomic::AtomicU32::new(0),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
        })
    }

    /// Time limits for one token request: `first_byte` bounds the whole exchange (headers
    /// and body), as it bounds the wait for an answer elsewhere.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Bounds for retrying the token endpoint (same policy as API calls).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How many token requests were sent (doctor output and tests).
    pub fn request_count(&self) -> u32 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A token that is not near expiry, fetching one if needed.
    pub async fn token(&self) -> Result<Token> {
        let mut guard = self.cache.lock().await;
        if let Some(cached) = guard.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let (token, lifetime) = self.fetch_with_retry().await?;
        let lifetime = lifetime.min(LONGEST_LIFETIME);
        *guard = Some(Cached {
            token: token.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(refresh_margin(lifetime)),
        });
        Ok(token)
    }

    /// After a 401: drop the cached token if it is the one that failed (another task may
    /// already have refreshed), then return a valid one.
    pub async fn refresh_after_401(&self, failed: &Token) -> Result<Token> {
        {
            let mut guard = self.cache.lock().await;
            if guard
                .as_ref()
                .is_some_and(|c| Arc::ptr_eq(&c.token, failed))
            {
                *guard = None;
            }
        }
        self.token().await
    }

    /// `fetch` with retries on 429 (honouring `Retry-After`), 502/503/504 and connection
    /// errors, bounded by the retry policy; never on 400/401/403 (a refused secret stays
    /// refused, and retrying it could lock the client out).
    async fn fetch_with_retry(&self) -> Result<(Token, Duration)> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let err = match self.fetch().await {
                Ok(found) => return Ok(found),
                Err(err) => err,
            };
            let retryable = err.retry() != super::error::Retry::Never;
            let delay = retryable
                .then(|| {
                    let wait = err.server_wait();
                    super::transport::retry_delay(&self.retry, attempt, wait, started.elapsed())
                })
                .flatten();
            match delay {
                Some(delay) => {
                    tracing::info!(attempt, delay_ms = delay.as_millis() as u64, error = %err, "token request retried");
                    tokio::time::sleep(delay).await;
                }
                None => {
                    tracing::warn!(error = %err, "token request failed");
                    return Err(err);
                }
            }
            attempt += 1;
        }
    }

    async fn fetch(&self) -> Result<(Token, Duration)> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token_url =
            TokenUrl::new(self.key.token_url.clone()).map_err(|_| Error::ServiceKey {
                field: "url".into(),
                problem: "is not a valid token URL".into(),
            })?;
        let mut client = BasicClient::new(ClientId::new(self.key.client_id.clone()))
            .set_token_uri(token_url)
            // API reference §9: SAP's clients send credentials in the form body.
            .set_auth_type(AuthType::RequestBody);
        if let Credential::Secret(secret) = &self.key.credential {
            crate::redact::remember_client_secret(&self.key.client_id, secret.expose_secret());
            client =
                client.set_client_secret(ClientSecret::new(secret.expose_secret().to_string()));
        }
        let status = Arc::new(StdMutex::new(None::<(u16, Option<Duration>)>));
        let oversized = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = status.clone();
        let too_big = oversized.clone();
        let http = self.http.clone();
        let exec = move |req: oauth2::HttpRequest| {
            let http = http.clone();
            let seen = seen.clone();
            let too_big = too_big.clone();
            async move {
                let (parts, body) = req.into_parts();
                let mut resp = http
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await?;
                if let Ok(mut s) = seen.lock() {
                    *s = Some((
                        resp.status().as_u16(),
                        super::transport::retry_after_header(&resp),
                    ));
                }
                let code = resp.status();
                let headers = resp.headers().clone();
                let mut bytes = Vec::new();
                while let Some(chunk) = resp.chunk().await? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_TOKEN_BODY {
                        too_big.store(true, std::sync::atomic::Ordering::Relaxed);
                        bytes.truncate(MAX_TOKEN_BODY);
                        break;
                    }
                }
                let mut out = oauth2::HttpResponse::new(bytes);
                *out.status_mut() = code;
                *out.headers_mut() = headers;
                Ok::<_, reqwest::Error>(out)
            }
        };
        let exchange = client.exchange_client_credentials().request_async(&exec);
        let Ok(result) = tokio::time::timeout(self.timeouts.first_byte, exchange).await else {
            return Err(Error::Timeout {
                what: WHAT.into(),
                after: self.timeouts.first_byte,
            });
        };
        if oversized.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Decode {
                what: WHAT.into(),
                detail: format!(
                    "the answer is larger than {} KiB; stopped reading",
                    MAX_TOKEN_BODY >> 10
                ),
            });
        }
        let seen = status.lock().ok().and_then(|s| *s);
        let status = seen.map(|(code, _)| code);
        let retry_after = seen.and_then(|(_, wait)| wait);
        match result {
            Ok(resp) => {
                let lifetime = resp.expires_in().unwrap_or(ASSUMED_LIFETIME);
                // Logs and crash reports mask this token from now on.
                crate::redact::remember(resp.access_token().secret());
                tracing::info!(
                    host = %host_of(&self.key.token_url),
                    lifetime_s = lifetime.as_secs(),
                    "token issued"
                );
                let token = SecretString::from(resp.access_token().secret().clone());
                Ok((Arc::new(token), lifetime))
            }
            Err(err) => Err(match self.map_error(err, status) {
                Error::Http {
                    what,
                    status,
                    detail,
                    ..
                } => Error::Http {
                    what,
                    status,
                    detail,
                    retry_after,
                },
                other => other,
            }),
        }
    }

    fn map_error<RE: std::error::Error + 'static>(
        &self,
        err: RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
        status: Option<u16>,
    ) -> Error {
        let rejected = |detail: String| Error::AuthRejected {
            status: status.unwrap_or(401),
            detail,
        };
        match err {
            RequestTokenError::ServerResponse(resp) => {
                let mut detail = resp.error().to_string();
                if let Some(desc) = resp.error_description().filter(|d| !d.is_empty()) {
                    detail = format!("{detail}: {desc}");
                }
                // Masked before capping: a cut could leave half a secret unrecognisable.
                let detail = crate::redact::scrub(&detail);
                match status {
                    Some(400 | 401) | None => rejected(error_body::cap(&detail)),
                    Some(s) => http_error(s, error_body::cap(&detail)),
                }
            }
            RequestTokenError::Request(e) => {
                let (cause, detail) = super::transport::network_detail(&e);
                let is_certificate_key =
                    matches!(self.key.credential, Credential::Certificate { .. });
                if is_certificate_key && is_client_certificate_alert(&error_chain(&e)) {
                    Error::CertificateRejected { detail }
                } else {
                    Error::Network {
                        what: WHAT.into(),
                        host: host_of(&self.key.token_url),
                        detail,
                        cause,
                    }
                }
            }
            RequestTokenError::Parse(_, body) => match status.map(|s| (s, scrubbed(&body))) {
                Some((400 | 401, body)) => rejected(error_body::short_message(&body)),
                Some((s, body)) if !(200..300).contains(&s) => {
                    http_error(s, error_body::short_message(&body))
                }
                _ => Error::Decode {
                    what: WHAT.into(),
                    detail: describe_bad_body(&body),
                },
            },
            RequestTokenError::Other(text) => match status {
                Some(400 | 401) => rejected(error_body::cap(&crate::redact::scrub(&text))),
                _ => Error::Decode {
                    what: WHAT.into(),
                    detail: error_body::cap(&crate::redact::scrub(&text)),
                },
            },
        }
    }
}

/// TLS alerts a server sends when it does not accept the client's certificate (RFC 8446
/// §6.2); rustls words them `received fatal alert: UnknownCA` and so on. Read from the TLS
/// library's own error chain where the failure is seen; our messages are never read back.
fn is_client_certificate_alert(detail: &str) -> bool {
    detail.contains("fatal alert")
        && [
            "UnknownCA",
            "BadCertificate",
            "CertificateRequired",
            "CertificateExpired",
            "CertificateRevoked",
            "CertificateUnknown",
            "UnsupportedCertificate",
            "AccessDenied",
        ]
        .iter()
        .any(|alert| detail.contains(alert))
}

/// An error body with any remembered secret, token or secret-named field masked.
pub fn scrubbed(body: &[u8]) -> Vec<u8> {
    crate::redact::scrub(&String::from_utf8_lossy(body)).into_bytes()
}

fn http_error(status: u16, detail: String) -> Error {
    Error::Http {
        what: WHAT.into(),
        status,
        detail,
        retry_after: None,
    }
}

fn describe_bad_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if error_body::looks_like_html(&text) {
        "HTML page (proxy?) instead of a token".into()
    } else {
        "the answer is not a token JSON".into()
    }
}

pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string())
}

/// An error with its sources, e.g. "error sending request: connection refused".
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// A client that presents the key's certificate for mTLS at `certurl` (API reference §1.2).
fn certificate_client(
    certificate_pem: &str,
    key_pem: &SecretString,
    base: reqwest::ClientBuilder,
) -> Result<reqwest::Client> {
    let mut pem = certificate_pem.to_owned().into_bytes();
    pem.push(b'\n');
    pem.extend_from_slice(key_pem.expose_secret().as_bytes());
    crate::redact::remember(key_pem.expose_secret());
    let identity = reqwest::Identity::from_pem(&pem).map_err(|_| Error::ServiceKey {
        field: "certificate/key".into(),
        problem: "is not a usable PEM certificate and private key".into(),
    })?;
    base.identity(identity)
        .build()
        .map_err(|e| Error::Config(format!("cannot set up HTTPS for the token endpoint: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_fifth_capped_at_five_minutes() {
        assert_eq!(
            refresh_margin(Duration::from_secs(43_199)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(600)),
            Duration::from_secs(120)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(1)),
            Duration::from_millis(200)
        );
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod endpoint_tests;
