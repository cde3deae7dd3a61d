//! A simulator of SAP AI Core: the real wire formats, deterministic answers, fault switches.
//! It shares no types with `aicore`, so the client is checked against the wire, not itself.
//!
//! This file owns the public handle ([`SimServer`]), its options and the recorded-request log;
//! routing lives in `router`, the fixed data set in `data`, and each API in its own module.

// Handlers return an early `Response` as their error: built once per request, never stored.
#![allow(clippy::result_large_err)]

mod answer;
mod auth;
mod chat_bedrock;
mod chat_foundation;
mod chat_orchestration;
mod chat_vertex;
mod data;
mod faults;
mod form;
mod image;
mod intent;
mod orchestration_request;
mod prompt_cache;
mod python_repr;
mod reasoning;
mod router;
mod routes_lm;
mod schema;
mod script;
mod script_init;
mod script_project;
mod script_summary;
mod stream;
mod template;
mod thinking;
mod tool_choice;
mod toolset;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::Faults;

/// OAuth client id of the simulator's service key.
pub const CLIENT_ID: &str = "sapcode-simulator";
/// OAuth client secret; holds `$ + / =` on purpose so clients must form-encode it (§1.1).
pub const CLIENT_SECRET: &str = "sim-secret$Zm9vYmFy+/=";

/// How to start a [`SimServer`].
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Port on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// Initial fault switches (see [`Faults::parse`]).
    pub faults: Faults,
    /// When set, every chat request is answered 200 `text/event-stream` with exactly these bytes.
    pub replay: Option<Vec<u8>>,
    /// Lifetime of issued tokens unless the `token-ttl` fault overrides it.
    pub token_ttl: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            port: 0,
            faults: Faults::default(),
            replay: None,
            token_ttl: Duration::from_secs(3600),
        }
    }
}

/// One request as the simulator received it, for tests that check what a client sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Raw query string without `?` (empty when none).
    pub query: String,
    /// The `AI-Resource-Group` header as sent, if any.
    pub resource_group: Option<String>,
    /// The headers that decide how SAP AI Core treats a request (`router::RECORDED_HEADERS`),
    /// names lower-cased; `authorization` keeps only its scheme, never the token.
    pub headers: std::collections::BTreeMap<String, String>,
    /// JSON body; `Null` when empty or not JSON. The token form is recorded as a JSON object
    /// without `client_secret`, so secrets never reach test output.
    pub body: serde_json::Value,
}

/// State shared by every request handler.
pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) replay: Option<Vec<u8>>,
    pub(crate) default_token_ttl: Duration,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) tokens: auth::TokenStore,
    /// Flips to `true` on shutdown; stalled streams wait on it so they end with the server.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// One permit per release; a stream held by `hold-stream` takes one to go on. A permit
    /// given before the stream reaches its hold is kept, so no release is lost.
    pub(crate) release: Arc<tokio::sync::Semaphore>,
    /// Answer streams the client closed before their end (`GET /_sim/stats`): how a test
    /// sees that a proxy in front of the simulator cancelled its upstream request.
    pub(crate) streams_abandoned: Arc<std::sync::atomic::AtomicU64>,
    /// Prompt prefixes cached so far (`prompt_cache`).
    pub(crate) prompt_cache: prompt_cache::PromptCache,
}

impl Shared {
    /// Locks the fault switches; a poisoned lock still holds valid data, so take it.
    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn requests(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        self.requests().push(request);
    }

    pub(crate) fn recorded(&self) -> Vec<RecordedRequest> {
        self.requests().clone()
    }
}

/// A running simulator on 127.0.0.1. Dropping it (or [`SimServer::shutdown`]) stops it.
pub struct SimServer {
    shared: Arc<Shared>,
    port: u16,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Binds `127.0.0.1:port` and serves until shut down.
    pub async fn start(opts: SimOptions) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
        let port = listener.local_addr()?.port();
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared {
            base_url: format!("http://127.0.0.1:{port}"),
            replay: opts.replay,
            default_token_ttl: opts.token_ttl,
            faults: Mutex::new(opts.faults),
            requests: Mutex::new(Vec::new()),
            tokens: auth::TokenStore::default(),
            shutdown: shutdown.clone(),
            release: Arc::new(tokio::sync::Semaphore::new(0)),
            streams_abandoned: Arc::default(),
            prompt_cache: prompt_cache::PromptCache::default(),
        });
        let app = router::router(Arc::clone(&shared));
        let mut signal = shutdown;
        let task = tokio::spawn(async move {
            let stopped = async move {
                // An error means the sender is gone, which also means "stop".
                let _ = signal.wait_for(|stopped| *stopped).await;
            };
            // Serving only fails when the listener breaks; the server then simply ends.
            // Without TCP_NODELAY the first chunk after the response headers waits for the
            // client's delayed ACK (~40 ms): a stall no real gateway shows.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await;
        });
        Ok(SimServer {
            shared,
            port,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, the value of both `url` and `AI_API_URL` in the service key.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// A client-secret service key (§1.1) pointing at this server.
    pub fn service_key(&self) -> serde_json::Value {
        let base = self.base_url();
        json!({
            "clientid": CLIENT_ID,
            "clientsecret": CLIENT_SECRET,
            "url": base,
            "identityzone": "sapcode-sim",
            "identityzoneid": "5a9c0de0-0000-4000-8000-000000000001",
            "appname": format!("{CLIENT_ID}!b1|aicore!b540"),
            "credential-type": "binding-secret",
            "serviceurls": { "AI_API_URL": base },
        })
    }

    /// Replaces the fault switches (counters start afresh).
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults() = faults;
    }

    /// Lets a stream held by `hold-stream=N` finish.
    pub fn release(&self) {
        self.shared.release.add_permits(1);
    }

    /// Every request received so far, in order (admin `/_sim/*` calls excluded).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorded()
    }

    /// Answer streams whose client hung up before the stream's end.
    pub fn streams_abandoned(&self) -> u64 {
        self.shared
            .streams_abandoned
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops accepting requests, ends stalled streams and waits (up to 5 s) for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
