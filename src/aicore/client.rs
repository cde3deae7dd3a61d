//! `Client`: the one handle callers hold. Builds the HTTP clients (proxy from the
//! environment via reqwest's defaults, extra CA, connect timeout), owns the token source
//! and caches, lists deployments and models, resolves targets and runs chat turns.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::auth::TokenSource;
use super::cache::{self, TtlCache};
use super::dialect::{self, Prepared};
use super::foundation;
use super::transport::{Outcome, Transport};
use super::{
    Cached, ChatEvent, ChatRequest, ChatResponse, ChatTarget, Deployment, Error, Mode, ModelEntry,
    Result, ServiceKey, deployments, models, resolve, sse,
};

mod streaming;

/// Network time limits.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    /// Until response headers and the first body chunk.
    pub first_byte: Duration,
    /// Longest gap between two body chunks.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(120),
            idle: Duration::from_secs(60),
        }
    }
}

/// Retries before the first answer byte (429, 502/503/504, connection errors).
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub max_total: Duration,
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_total: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

/// Everything a `Client` needs besides the key; callers read config and environment.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub resource_group: String,
    pub cache_dir: Option<PathBuf>,
    pub timeouts: Timeouts,
    pub extra_ca_file: Option<PathBuf>,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            resource_group: "default".into(),
            cache_dir: None,
            timeouts: Timeouts::default(),
            extra_ca_file: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// Use a cached listing if fresh, or fetch now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    Cached,
    Refresh,
}

pub type ChatStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = ChatEvent> + Send>>;

#[derive(Debug)]
struct Inner {
    api_base: String,
    transport: Transport,
    catalog: TtlCache<Vec<ModelEntry>>,
    deployments: TtlCache<Vec<Deployment>>,
    /// Set once a deployment answered `/v2/completion` with 404 (§7.2): use v1 from then on.
    orchestration_v1: AtomicBool,
    /// Whether requests carry prompt-cache breakpoints (`dialect::add_cache_points`).
    prompt_cache: AtomicBool,
}

/// Cheap to clone; all clones share tokens and caches.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

/// `uses_tls`: whether any URL of the key is https. Loading the system's trust store reads
/// every file under /etc/ssl/certs, the largest start-up cost of a `run`; loopback
/// http (the simulator) skips it.
fn base_builder(opts: &ClientOptions, uses_tls: bool) -> Result<reqwest::ClientBuilder> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(opts.timeouts.connect)
        .user_agent(concat!("sapcode/", env!("CARGO_PKG_VERSION")))
        .tls_built_in_root_certs(uses_tls)
        // Neither SAP's token endpoint nor the AI API redirects; following one would replay
        // credentials or the bearer token to another host.
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = opts.extra_ca_file.as_ref().filter(|_| uses_tls) {
        let pem = std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read CA file {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
            Error::Config(format!(
                "CA file {} holds no PEM certificate",
                path.display()
            ))
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

impl Client {
    /// No network: builds the HTTP clients and empty caches.
    pub fn new(key: ServiceKey, opts: ClientOptions) -> Result<Client> {
        let uses_tls = [&key.token_url, &key.api_base]
            .iter()
            .any(|url| url.starts_with("https://"));
        let http = base_builder(&opts, uses_tls)?
            .build()
            .map_err(|e| Error::Config(format!("cannot set up HTTPS: {e}")))?;
        let api_base = key.api_base.clone();
        let file = |kind: &str| {
            opts.cache_dir
                .as_ref()
                .map(|d| cache::cache_file(d, &api_base, &opts.resource_group, kind))
        };
        // One HTTP client (one trust store load) serves both, unless the token call needs a
        // client certificate of its own.
        let tokens = TokenSource::new(key, &http, || base_builder(&opts, uses_tls))?
            .with_retry(opts.retry)
            .with_timeouts(opts.timeouts);
        Ok(Client {
            inner: Arc::new(Inner {
                catalog: TtlCache::new(cache::CATALOG_TTL, file("catalog")),
                deployments: TtlCache::new(cache::DEPLOYMENTS_TTL, file("deployments")),
                transport: Transport {
                    http,
                    tokens,
                    resource_group: opts.resource_group.clone(),
                    timeouts: opts.timeouts,
                    retry: opts.retry,
                },
                api_base,
                orchestration_v1: AtomicBool::new(false),
                prompt_cache: AtomicBool::new(true),
            }),
        })
    }

    pub fn resource_group(&self) -> &str {
        &self.inner.transport.resource_group
    }

    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// Fetches (or reuses) a token now, to check the credentials.
    pub async fn fetch_token(&self) -> Result<()> {
        self.inner.transport.tokens.token().await.map(|_| ())
    }

    /// Token requests sent so far by this client and its clones.
    pub fn token_requests(&self) -> u32 {
        self.inner.transport.tokens.request_count()
    }

    /// All deployments of the resource group, sorted (model name, RUNNING first, id).
    pub async fn deployments(&self, fresh: Freshness) -> Result<Cached<Vec<Deployment>>> {
        let inner = &self.inner;
        if let Some(hit) = inner.deployments.hit(fresh == Freshness::Refresh) {
            return Ok(hit);
        }
        let _one_at_a_time = inner.deployments.fetch_gate().await;
        // Whoever held the gate before may have filled the cache meanwhile.
        if let Some(hit) = inner.deployments.hit(fresh == Freshness::Refresh) {
            return Ok(hit);
        }
        let what = "listing deployments";
        // The API filters by `scenarioId`, `status` and `executableIds` (§4.1, §12), but one
        // unfiltered listing serves both modes and the pickers, which show non-RUNNING
        // deployments too; it is cached, so filtering here would only add round trips.
        let url = format!("{}/lm/deployments?$top=10000&$skip=0", inner.api_base);
        let body = inner.transport.get_json(what, &url).await?;
        let list = deployments::decode_list(&body).ok_or_else(|| Error::Decode {
            what: what.into(),
            detail: "no `resources` list".into(),
        })?;
        Ok(inner.deployments.put(list, SystemTime::now()))
    }

    /// The whole catalog joined with deployment counts; not filtered (see `passes_filter`).
    pub async fn models(&self, fresh: Freshness) -> Result<Cached<Vec<ModelEntry>>> {
        let catalog = self.catalog(fresh).await?;
        let list = self.deployments(fresh).await?;
        Ok(Cached {
            data: models::join(&catalog.data, &list.data),
            fetched_at: catalog.fetched_at.min(list.fetched_at),
            from_cache: catalog.from_cache || list.from_cache,
        })
    }

    async fn catalog(&self, fresh: Freshness) -> Result<Cached<Vec<ModelEntry>>> {
        let inner = &self.inner;
        if let Some(hit) = inner.catalog.hit(fresh == Freshness::Refresh) {
            return Ok(hit);
        }
        let _one_at_a_time = inner.catalog.fetch_gate().await;
        if let Some(hit) = inner.catalog.hit(fresh == Freshness::Refresh) {
            return Ok(hit);
        }
        let what = "reading the model catalog";
        let url = format!("{}/lm/scenarios/foundation-models/models", inner.api_base);
        let body = inner.transport.get_json(what, &url).await?;
        let list = models::decode_catalog(&body).ok_or_else(|| Error::Decode {
            what: what.into(),
            detail: "no `resources` list".into(),
        })?;
        Ok(inner.catalog.put(list, SystemTime::now()))
    }

    /// Picks deployment and model by the contract's rules (see `resolve.rs`).
    pub async fn resolve_target(
        &self,
        mode: Mode,
        model: Option<&str>,
        deployment: Option<&str>,
    ) -> Result<ChatTarget> {
        let models = self.models(Freshness::Cached).await?;
        let list = self.deployments(Freshness::Cached).await?;
        resolve::resolve(mode, model, deployment, &models.data, &list.data)
    }

    /// Prompt caching is on unless switched off here; every clone follows.
    pub fn set_prompt_cache(&self, on: bool) {
        self.inner.prompt_cache.store(on, Ordering::Relaxed);
    }

    fn prepare(&self, target: &ChatTarget, req: &ChatRequest, stream: bool) -> Result<Prepared> {
        let base = &self.inner.api_base;
        let mut prepared = match target {
            ChatTarget::Foundation { deployment, model } => {
                foundation::prepare(deployment, model, req, stream, base)?
            }
            ChatTarget::Orchestration { deployment, model } => {
                let v1 = self.inner.orchestration_v1.load(Ordering::Relaxed);
                dialect::orchestration_request(deployment, model, req, stream, v1, base)?
            }
        };
        if self.inner.prompt_cache.load(Ordering::Relaxed) {
            dialect::add_cache_points(&mut prepared, target.model());
        }
        Ok(prepared)
    }

    /// One attempt of a chat request, with the v2 → v1 fallback on 404 (§7.2).
    async fn chat_attempt(
        &self,
        target: &ChatTarget,
        req: &ChatRequest,
        stream: bool,
        attempt: u32,
        started: Instant,
    ) -> (Outcome, sse::Dialect) {
        let mut prepared = match self.prepare(target, req, stream) {
            Ok(p) => p,
            Err(e) => return (Outcome::Fail(e), sse::Dialect::OpenAi),
        };
        loop {
            let http = self.inner.transport.http.clone();
            let (url, body) = (prepared.url.clone(), prepared.body.clone());
            let accept = prepared.dialect.accept(stream);
            let build = move || {
                let request = http.post(&url).json(&body);
                match accept {
                    Some(accept) => request.header(reqwest::header::ACCEPT, accept),
                    None => request,
                }
            };
            let outcome = self
                .inner
                .transport
                .attempt("chat request", &build, attempt, started)
                .await;
            let is_v2 = prepared.dialect == sse::Dialect::OrchestrationV2;
            if is_v2 && matches!(outcome, Outcome::Fail(Error::Http { status: 404, .. })) {
                self.inner.orchestration_v1.store(true, Ordering::Relaxed);
                match self.prepare(target, req, stream) {
                    Ok(p) => prepared = p,
                    Err(e) => return (Outcome::Fail(e), sse::Dialect::OpenAi),
                }
                continue;
            }
            return (outcome, prepared.dialect);
        }
    }

    /// One turn without streaming; retries like listings do.
    pub async fn chat(&self, target: &ChatTarget, req: &ChatRequest) -> Result<ChatResponse> {
        let started = Instant::now();
        let mut attempt = 1;
        let (resp, dialect) = loop {
            match self
                .chat_attempt(target, req, false, attempt, started)
                .await
            {
                (Outcome::Success(resp), dialect) => break (resp, dialect),
                (Outcome::Retry { delay, .. }, _) => tokio::time::sleep(delay).await,
                (Outcome::Fail(err), _) => return Err(err),
            }
            attempt += 1;
        };
        refuse_binary_event_stream(&resp)?;
        let body = self.inner.transport.read_json("chat request", resp).await?;
        response_from_json(&body, dialect)
    }
}

fn refuse_binary_event_stream(resp: &reqwest::Response) -> Result<()> {
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    dialect::refuse_binary_event_stream(content_type)
}

/// A non-streamed completion (`chat.completion`, or orchestration's wrapped result).
pub fn response_from_json(body: &serde_json::Value, dialect: sse::Dialect) -> Result<ChatResponse> {
    if let Some(message) = dialect::error_in(body, dialect) {
        return Err(Error::InStream { message });
    }
    let parts = dialect::completion_parts(body, dialect);
    super::answer_caps::AnswerBudget::default().count(&parts)?;
    Ok(ChatResponse {
        text: parts.text,
        usage: parts.usage,
        finish_reason: parts.finish_reason,
        tool_calls: parts.tool_calls,
    })
}
