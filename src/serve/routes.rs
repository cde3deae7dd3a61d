//! The HTTP surface: the key check in front of everything, one handler per endpoint, errors
//! in the caller's API shape, and the `-v` request log (method, path, model names, status,
//! times; never a key, a header value or a prompt's text).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::key::LocalKey;
use super::stream::respond;
use super::upstream::{ApiError, Collected, ErrorKind, Upstream};
use super::{anthropic, anthropic_stream, openai};

/// Long agent conversations are large; Claude Code sends the whole history every turn.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

pub struct App {
    pub upstream: Upstream,
    pub key: LocalKey,
    pub verbose: bool,
}

impl App {
    fn log(&self, line: std::fmt::Arguments<'_>) {
        if self.verbose {
            // Model names come from clients: no control characters reach the terminal.
            let line = line.to_string();
            eprintln!(
                "sapcode serve: {}",
                crate::terminal_text::escape_line(&line)
            );
        }
    }
}

/// Which API's error shape a path answers in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    OpenAi,
    Anthropic,
}

impl Shape {
    fn of(path: &str) -> Shape {
        if path.starts_with("/v1/messages") {
            Shape::Anthropic
        } else {
            Shape::OpenAi
        }
    }

    fn error(self, err: &ApiError) -> Response {
        let body = match self {
            Shape::OpenAi => openai::error(err),
            Shape::Anthropic => anthropic::error(err),
        };
        (err.status, Json(body)).into_response()
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/models", get(models))
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), gate))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

/// The key check and the request log line.
async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The path only: a query string could carry anything.
    let path = request.uri().path().to_owned();
    if !app.key.admits(request.headers()) {
        app.log(format_args!("{method} {path} 401 (no valid local key)"));
        let err = ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorKind::Authentication,
            "sapcode serve: missing or wrong local key — send it as `Authorization: Bearer KEY` \
             or `x-api-key: KEY` (`sapcode serve` printed where it is kept)",
        );
        return Shape::of(&path).error(&err);
    }
    let response = next.run(request).await;
    app.log(format_args!(
        "{method} {path} {} in {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}

async fn not_found(request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let err = ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorKind::NotFound,
        format!(
            "sapcode serve: no endpoint {path} — it serves GET /v1/models, POST /v1/chat/completions, \
             POST /v1/messages and POST /v1/messages/count_tokens"
        ),
    );
    Shape::of(&path).error(&err)
}

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|err| ApiError::invalid(format!("the request body is not valid JSON: {err}")))
}

async fn models(State(app): State<Arc<App>>) -> Response {
    match app.upstream.servable().await {
        Ok(list) => {
            let data: Vec<Value> = list
                .iter()
                .map(|m| {
                    json!({
                        "id": m.name,
                        "object": "model",
                        "created": 0,
                        "owned_by": m.provider.as_deref().unwrap_or("sap-ai-core"),
                    })
                })
                .collect();
            Json(json!({"object": "list", "data": data})).into_response()
        }
        Err(err) => Shape::OpenAi.error(&err),
    }
}

/// What the log says about a finished or abandoned stream.
fn on_close(app: &Arc<App>, started: Instant) -> impl FnOnce(bool) + Send + 'static {
    let app = Arc::clone(app);
    move |finished| {
        let ms = started.elapsed().as_millis();
        if finished {
            app.log(format_args!("stream ended after {ms} ms"));
        } else {
            app.log(format_args!(
                "client left after {ms} ms: upstream request cancelled"
            ));
        }
    }
}

async fn chat_completions(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let started = Instant::now();
    let result = async {
        let parsed = openai::parse(&json_body(&body)?)?;
        let target = app.upstream.target(&parsed.model).await?;
        app.log(format_args!(
            "chat completions: {} → {} via {} {}{}",
            parsed.model,
            target.model(),
            target.mode().as_str(),
            target.deployment().id,
            if parsed.stream { ", streaming" } else { "" },
        ));
        let upstream = app.upstream.start(target, parsed.request).await?;
        Ok(if parsed.stream {
            let encoder = openai::ChunkEncoder::new(&parsed.model, parsed.include_usage);
            respond(encoder, upstream, on_close(&app, started))
        } else {
            let answer = Collected::from(upstream).await?;
            Json(openai::completion(&parsed.model, &answer)).into_response()
        })
    };
    result
        .await
        .unwrap_or_else(|err: ApiError| Shape::OpenAi.error(&err))
}

async fn messages(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let started = Instant::now();
    let result = async {
        let value = json_body(&body)?;
        let parsed = anthropic::parse(&value)?;
        let target = app.upstream.target(&parsed.model).await?;
        app.log(format_args!(
            "messages: {} → {} via {} {}{}",
            parsed.model,
            target.model(),
            target.mode().as_str(),
            target.deployment().id,
            if parsed.stream { ", streaming" } else { "" },
        ));
        let upstream = app.upstream.start(target, parsed.request).await?;
        Ok(if parsed.stream {
            let encoder = anthropic_stream::EventEncoder::new(
                &parsed.model,
                anthropic::estimate_tokens(&value),
            );
            respond(encoder, upstream, on_close(&app, started))
        } else {
            let answer = Collected::from(upstream).await?;
            Json(anthropic::message(&parsed.model, &answer)).into_response()
        })
    };
    result
        .await
        .unwrap_or_else(|err: ApiError| Shape::Anthropic.error(&err))
}

/// An estimate; the model must still exist, so a client learns a wrong name here already.
async fn count_tokens(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let result = async {
        let value = json_body(&body)?;
        let model = value
            .get("model")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("model: field required"))?;
        app.upstream.target(model).await?;
        Ok(Json(json!({"input_tokens": anthropic::estimate_tokens(&value)})).into_response())
    };
    result
        .await
        .unwrap_or_else(|err: ApiError| Shape::Anthropic.error(&err))
}
