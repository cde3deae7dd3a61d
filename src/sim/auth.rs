//! The XSUAA side: `POST /oauth/token` (client credentials, form or HTTP Basic, §1.3), the
//! JWT-shaped tokens it issues, and the bearer check every AI API call goes through (§8).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use super::router::Incoming;
use super::{CLIENT_ID, CLIENT_SECRET, Shared, form};

/// Issued tokens and when they stop working.
#[derive(Default)]
pub(crate) struct TokenStore {
    expiry: Mutex<HashMap<String, Instant>>,
    issued: AtomicU64,
}

impl TokenStore {
    fn issue(&self, ttl: Duration) -> (String, String) {
        let serial = self.issued.fetch_add(1, Ordering::Relaxed);
        let jti = format!("{serial:08x}{:016x}", fastrand::u64(..));
        let now = unix_now();
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "sapcode-sim" });
        let claims = json!({
            "exp": now + ttl.as_secs(),
            "iat": now,
            "client_id": CLIENT_ID,
            "cid": CLIENT_ID,
            "jti": jti,
            "zid": "5a9c0de0-0000-4000-8000-000000000001",
            "grant_type": "client_credentials",
        });
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode("sig"),
        );
        let deadline = Instant::now() + ttl;
        self.expiry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(token.clone(), deadline);
        (token, jti)
    }

    fn expires_at(&self, token: &str) -> Option<Instant> {
        self.expiry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(token)
            .copied()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// `POST /oauth/token`.
pub(crate) fn token(shared: &Shared, request: &Incoming) -> Response {
    let (auth_fail, ttl) = {
        let faults = shared.faults();
        (faults.auth_fail, faults.token_ttl)
    };
    if auth_fail {
        return invalid_client();
    }
    let body = String::from_utf8_lossy(&request.body);
    let fields = form::parse_pairs(&body);
    if form::value(&fields, "grant_type") != Some("client_credentials") {
        let body = json!({
            "error": "unsupported_grant_type",
            "error_description": "Unsupported grant type: only client_credentials is served",
        });
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    let accepted = match basic_credentials(&request.headers) {
        Some((id, secret)) => {
            is_client(&id, &secret) || is_client(&form::decode(&id), &form::decode(&secret))
        }
        None => match (
            form::value(&fields, "client_id"),
            form::value(&fields, "client_secret"),
        ) {
            (Some(id), Some(secret)) => is_client(id, secret),
            (Some(_) | None, None) | (None, Some(_)) => false,
        },
    };
    if !accepted {
        return invalid_client();
    }
    let ttl = ttl.unwrap_or(shared.default_token_ttl);
    let (access_token, jti) = shared.tokens.issue(ttl);
    let body = json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs(),
        "scope": "uaa.resource sapcode-simulator!b1.ai.read sapcode-simulator!b1.ai.write",
        "jti": jti,
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn is_client(id: &str, secret: &str) -> bool {
    id == CLIENT_ID && secret == CLIENT_SECRET
}

/// `Authorization: Basic base64(id:secret)`, split at the first colon.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn invalid_client() -> Response {
    let body = json!({ "error": "invalid_client", "error_description": "Bad credentials" });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// Checks `Authorization: Bearer` against issued tokens; the `reject-token` fault applies to
/// every request that carries a bearer token.
pub(crate) fn check_bearer(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = bearer else {
        return Err(unauthorized("Jwt is missing"));
    };
    if shared.faults().take_reject_token() {
        return Err(unauthorized("Jwt is expired"));
    }
    match shared.tokens.expires_at(token) {
        None => Err(unauthorized("Jwt verification failed")),
        Some(deadline) if Instant::now() >= deadline => Err(unauthorized("Jwt is expired")),
        Some(_) => Ok(()),
    }
}

/// 401 with a plain-text body, as the AI Core gateway sends it (§8).
fn unauthorized(text: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}
