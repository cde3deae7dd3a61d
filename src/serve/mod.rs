//! `sapcode serve`: SAP AI Core as a local OpenAI- and Anthropic-compatible endpoint, so
//! Claude Code, Codex and any SDK use the tenant through sapcode's credentials, token cache,
//! model resolution and dialects (contract "`sapcode serve`").
//!
//! `routes` is the HTTP surface, `key` the local key, `upstream` the SAP AI Core side and its
//! neutral errors, `names` the model-name mapping; `openai`, `anthropic` and
//! `anthropic_stream` translate each API's shapes to and from sapcode's own request and event
//! types, and `stream` plays an upstream stream as a response body.

mod anthropic;
mod anthropic_stream;
mod key;
mod names;
mod openai;
mod routes;
mod stream;
mod upstream;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::aicore::Freshness;
use crate::connect::Context;
use crate::report::UsageError;

pub use key::ENV_VAR as KEY_ENV_VAR;

/// Serves on `address` until Ctrl-C.
pub async fn run(ctx: &Context, address: SocketAddr) -> anyhow::Result<()> {
    let key = key::LocalKey::load(
        std::env::var(key::ENV_VAR).ok(),
        ctx.paths.state_dir.as_deref(),
    )?;
    let connection = ctx.connect().await?;
    let client = connection.client.clone();
    // Token and listings now: wrong credentials or a refused resource group fail here, with
    // the CLI's hint, instead of in the first client's face. Later requests share them.
    client.models(Freshness::Cached).await?;
    let app = Arc::new(routes::App {
        upstream: upstream::Upstream {
            client,
            mode: ctx.mode(),
            strict_mode: ctx.overrides.mode.is_some(),
            aliases: ctx.config.serve.models.clone(),
        },
        key,
        verbose: ctx.overrides.verbose,
    });
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| {
            UsageError::new(
                format!("cannot listen on {address}: {err}"),
                "pass another --port (0 picks a free one), or stop what uses this one",
            )
        })?;
    let local = listener.local_addr()?;
    eprintln!(
        "{}",
        banner(ctx, &app.key, local, connection.simulator.as_ref())
    );
    // Small SSE frames go out at once rather than after the client's delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, routes::router(app));
    tokio::select! {
        result = server => result?,
        // Ctrl-C is how a server is stopped: not a failure. Open streams end with it.
        _ = tokio::signal::ctrl_c() => eprintln!("sapcode serve: stopped"),
    }
    drop(connection);
    Ok(())
}

/// The start-up lines on stderr: where it listens, where the key is, and how to point
/// Claude Code and Codex at it. The key itself is not printed (stderr may be logged).
fn banner(
    ctx: &Context,
    key: &key::LocalKey,
    local: SocketAddr,
    simulator: Option<&crate::sim::SimServer>,
) -> String {
    // A wildcard address is reached locally through loopback; the warning names it.
    let url = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{}", local.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("http://[::1]:{}", local.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", local.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}", local.port()),
    };
    let mut out = String::new();
    if !local.ip().is_loopback() {
        out.push_str(&format!(
            "sapcode serve: WARNING: listening on {} — not loopback: anyone who can reach this \
             address and has the local key uses your SAP AI Core credentials and quota\n",
            local.ip()
        ));
    }
    out.push_str(&format!("listening on {url}\n"));
    let (key_line, key_value) = match &key.source {
        key::KeySource::Env => (
            format!("local key: from {}", key::ENV_VAR),
            format!("${}", key::ENV_VAR),
        ),
        key::KeySource::File(path) => (
            format!("local key: in {} (0600)", path.display()),
            format!("$(cat {})", path.display()),
        ),
    };
    out.push_str(&key_line);
    out.push('\n');
    match simulator {
        Some(sim) => out.push_str(&format!(
            "backend: the built-in simulator at {} (--demo)\n",
            sim.base_url()
        )),
        None => out.push_str(&format!(
            "backend: SAP AI Core, profile {}, resource group {}\n",
            ctx.profile_name,
            ctx.resource_group()
        )),
    }
    out.push_str(&format!(
        "Claude Code: ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY={key_value} claude\n\
         Codex: in ~/.codex/config.toml\n  \
           [model_providers.sapcode]\n  \
           name = \"sapcode\"\n  \
           base_url = \"{url}/v1\"\n  \
           env_key = \"{env}\"\n  \
           wire_api = \"chat\"\n\
         then: {env}={key_value} codex -c model_provider=sapcode -m gpt-4o\n\
         OpenAI SDKs: base URL {url}/v1; Anthropic SDKs: base URL {url}; the key as API key",
        env = key::ENV_VAR,
    ));
    out
}
