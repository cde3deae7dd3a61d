//! The fault matrix: the client against the in-process simulator through every failure the
//! issue names. Each case runs under an overall deadline, ends with the right outcome and
//! message, and keeps the text received before a failure. The async cases run on tokio's
//! paused clock: the simulator (in-process), backoffs, `Retry-After` waits and timeouts all
//! use it, so durations asserted below are exact virtual time, never the machine's speed.
//! README "What sapcode survives" lists them.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers
// (fixtures, servers, waits) fail the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use futures_util::StreamExt;
use sapcode::aicore::{
    ChatEvent, ChatRequest, ChatTarget, Client, ClientOptions, Error, Freshness, Message, Mode,
    RetryPolicy, Role, ServiceKey, Timeouts,
};
use sapcode::sim::{Faults, SimOptions, SimServer};

/// Every case must finish within this, whatever the fault.
const DEADLINE: Duration = Duration::from_secs(20);

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(5),
        idle: Duration::from_millis(400),
    }
}

fn options() -> ClientOptions {
    ClientOptions {
        timeouts: timeouts(),
        retry: RetryPolicy {
            max_attempts: 4,
            max_total: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(2),
        },
        ..ClientOptions::default()
    }
}

async fn sim(faults: &str, token_ttl: Duration) -> SimServer {
    SimServer::start(SimOptions {
        faults: Faults::parse(faults).unwrap(),
        token_ttl,
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

fn client_for(server: &SimServer, opts: ClientOptions) -> Client {
    let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
    Client::new(key, opts).unwrap()
}

fn count(server: &SimServer, part: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.contains(part))
        .count()
}

fn chat_requests(server: &SimServer) -> usize {
    count(server, "/chat/completions")
}

async fn bounded<T>(case: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, case)
        .await
        .expect("the case did not finish in bounded time")
}

/// What one streamed turn produced.
struct Turn {
    text: String,
    retries: Vec<Duration>,
    outcome: Result<Option<String>, Error>,
    took: Duration,
}

async fn target(client: &Client) -> ChatTarget {
    client
        .resolve_target(Mode::Foundation, Some("gpt-4o"), None)
        .await
        .unwrap()
}

async fn turn(client: &Client, target: ChatTarget) -> Turn {
    let started = Instant::now();
    let request = ChatRequest {
        messages: vec![Message::new(
            Role::User,
            "Explain what a borrow checker does, in a few sentences.",
        )],
        ..ChatRequest::default()
    };
    let mut stream = client.chat_stream(target, request);
    let mut text = String::new();
    let mut retries = Vec::new();
    let mut outcome = Err(Error::Interrupted);
    while let Some(event) = stream.next().await {
        match event {
            ChatEvent::Delta(delta) => text.push_str(&delta),
            ChatEvent::Retrying { delay, .. } => retries.push(delay),
            ChatEvent::Done { finish_reason } => outcome = Ok(finish_reason),
            ChatEvent::Error(err) => outcome = Err(err),
            ChatEvent::ToolCall(_) | ChatEvent::Thinking(_) | ChatEvent::Usage(_) => {}
        }
    }
    Turn {
        text,
        retries,
        outcome,
        took: started.elapsed(),
    }
}

/// A server, a client, a resolved target, then `faults` switched on for the turn itself.
async fn turn_with(faults: &str) -> (SimServer, Turn) {
    let server = sim("", Duration::from_secs(3600)).await;
    let client = client_for(&server, options());
    let target = target(&client).await;
    server.set_faults(Faults::parse(faults).unwrap());
    let turn = turn(&client, target).await;
    (server, turn)
}

#[tokio::test(start_paused = true)]
async fn token_expiry_mid_session_is_refreshed_without_a_401() {
    bounded(async {
        let server = sim("", Duration::from_secs(2)).await;
        let client = client_for(&server, options());
        let target = target(&client).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let turn = turn(&client, target).await;
        assert!(turn.outcome.is_ok(), "{:?}", turn.outcome.err());
        assert!(!turn.text.is_empty());
        assert_eq!(count(&server, "/oauth/token"), 2);
        assert_eq!(chat_requests(&server), 1, "no request was refused");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn api_401_forces_one_refresh_and_one_retry() {
    bounded(async {
        let (server, turn) = turn_with("reject-token=1").await;
        assert_eq!(turn.outcome.unwrap().as_deref(), Some("stop"));
        assert_eq!(count(&server, "/oauth/token"), 2);
        assert_eq!(chat_requests(&server), 2);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn revoked_secret_ends_with_auth_rejected_not_a_loop() {
    bounded(async {
        let server = sim("", Duration::from_secs(3600)).await;
        let client = client_for(&server, options());
        client.deployments(Freshness::Refresh).await.unwrap();
        // The key is deleted in BTP: the cached token is refused, and so is a new one.
        server.set_faults(Faults::parse("reject-token=100,auth-fail").unwrap());
        let err = client.deployments(Freshness::Refresh).await.unwrap_err();
        assert!(matches!(err, Error::AuthRejected { .. }), "{err:?}");
        assert_eq!(err.exit_class() as u8, 3);
        assert!(
            err.hint().contains("clientid and clientsecret"),
            "{}",
            err.hint()
        );
        assert_eq!(
            count(&server, "/oauth/token"),
            2,
            "one refresh, no retry loop"
        );
        assert_eq!(count(&server, "/v2/lm/deployments"), 2);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn rate_limit_429_waits_retry_after_then_answers() {
    bounded(async {
        let (server, turn) = turn_with("429=1,retry-after=1").await;
        assert_eq!(turn.retries, vec![Duration::from_secs(1)]);
        assert!(turn.took >= Duration::from_secs(1));
        assert_eq!(turn.outcome.unwrap().as_deref(), Some("stop"));
        assert_eq!(chat_requests(&server), 2);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn retry_after_longer_than_the_cap_is_capped() {
    bounded(async {
        let (_server, turn) = turn_with("429=1,retry-after=600").await;
        assert_eq!(turn.retries, vec![Duration::from_secs(2)], "capped");
        assert!(turn.outcome.is_ok());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn unavailable_503_twice_then_success() {
    bounded(async {
        let (server, turn) = turn_with("503=2").await;
        assert_eq!(turn.retries.len(), 2);
        assert!(turn.outcome.is_ok(), "{:?}", turn.outcome.err());
        assert!(!turn.text.is_empty());
        assert_eq!(chat_requests(&server), 3);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn unavailable_for_good_gives_up_with_the_status() {
    bounded(async {
        let (server, turn) = turn_with("503=100,html-errors").await;
        let err = turn.outcome.unwrap_err();
        assert!(matches!(err, Error::Http { status: 503, .. }), "{err:?}");
        assert!(!err.to_string().contains("<html"), "{err}");
        assert_eq!(chat_requests(&server), 4, "max_attempts");
        assert_eq!(turn.retries.len(), 3);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn listing_503_is_retried() {
    bounded(async {
        let server = sim("lm-503=2", Duration::from_secs(3600)).await;
        let client = client_for(&server, options());
        let list = client.deployments(Freshness::Refresh).await.unwrap();
        assert!(!list.data.is_empty());
        assert_eq!(count(&server, "/v2/lm/deployments"), 3);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_then_names_the_host() {
    bounded(async {
        // A port that was just free: nothing listens there.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let base = format!("http://127.0.0.1:{port}");
        let key = ServiceKey::from_parts(
            "cid",
            secrecy::SecretString::from("secret-value"),
            &base,
            &base,
        )
        .unwrap();
        let client = Client::new(key, options()).unwrap();
        let started = Instant::now();
        let err = client.deployments(Freshness::Refresh).await.unwrap_err();
        assert!(matches!(err, Error::Network { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot reach 127.0.0.1"), "{err}");
        assert!(err.hint().contains("HTTPS_PROXY"), "{}", err.hint());
        // Three backoff waits (0.5 + 1 + 2 s, minus jitter) before giving up.
        assert!(started.elapsed() >= Duration::from_millis(2500));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn stall_past_the_idle_timeout_keeps_the_text() {
    bounded(async {
        let (server, turn) = turn_with("stall-after=2").await;
        let err = turn.outcome.unwrap_err();
        assert!(
            matches!(&err, Error::Timeout { what, after } if what == "stream idle" && *after == timeouts().idle),
            "{err:?}"
        );
        assert!(!turn.text.is_empty(), "text so far is kept");
        assert!(turn.took < Duration::from_secs(5), "{:?}", turn.took);
        assert_eq!(chat_requests(&server), 1, "never retried after text");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn steady_slow_stream_never_times_out() {
    bounded(async {
        // 150 ms between chunks, idle limit 400 ms: a long answer must finish.
        let (_server, turn) = turn_with("slow=150").await;
        assert_eq!(turn.outcome.unwrap().as_deref(), Some("stop"));
        assert!(
            turn.took > timeouts().idle,
            "the whole answer took longer than idle"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn cut_stream_keeps_the_text_and_is_not_retried() {
    bounded(async {
        let (server, turn) = turn_with("cut-after=2").await;
        let err = turn.outcome.unwrap_err();
        assert!(matches!(err, Error::StreamBroken { .. }), "{err:?}");
        assert!(err.hint().contains("text so far was kept"));
        assert!(!turn.text.is_empty());
        assert!(turn.retries.is_empty());
        assert_eq!(chat_requests(&server), 1, "never retried after text");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn error_in_stream_keeps_the_text() {
    bounded(async {
        let (server, turn) = turn_with("error-after=2").await;
        let err = turn.outcome.unwrap_err();
        assert!(matches!(err, Error::InStream { .. }), "{err:?}");
        assert!(!turn.text.is_empty());
        assert_eq!(chat_requests(&server), 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn invalid_chunk_ends_the_turn_and_says_why() {
    bounded(async {
        let (server, turn) = turn_with("bad-chunk-after=2").await;
        let err = turn.outcome.unwrap_err();
        assert!(
            matches!(&err, Error::StreamBroken { reason } if reason.contains("not valid JSON")),
            "{err:?}"
        );
        assert!(!turn.text.is_empty());
        assert_eq!(chat_requests(&server), 1);
    })
    .await;
}

/// The `[timeouts]` section reaches the client of the real binary: a stream that stalls
/// longer than `idle_secs = 1` ends with exit 5, the text so far printed and the timeout
/// named as 1 s (the stall itself is endless, so only the configured timeout can end it).
#[test]
fn idle_timeout_from_the_config_file_ends_a_stalled_run() {
    let home = common::Home::new();
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(
        home.config_file(),
        "[timeouts]\nconnect_secs = 2\nfirst_byte_secs = 5\nidle_secs = 1\n",
    )
    .unwrap();
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "stall-after=2")
        .args(["--demo", "run", "hi"])
        // A guard against a hang, not a timing check.
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = common::stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("stream idle timed out after 1s"),
        "{stderr}"
    );
    assert!(
        !common::stdout_of(&output).trim().is_empty(),
        "text so far kept"
    );
}

/// `sapcode run` shows each wait and never retries once text was printed.
#[test]
fn run_shows_retries_and_does_not_retry_a_cut_stream() {
    let home = common::Home::new();
    let output = home
        .sapcode()
        .env("SAPCODE_SIM_FAULTS", "503=1,cut-after=2")
        .args(["--demo", "run", "hi"])
        .output()
        .unwrap();
    let stderr = common::stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.matches("retrying in").count(), 1, "{stderr}");
    assert!(stderr.contains("HTTP 503; retrying in"), "{stderr}");
    assert!(stderr.contains("the text so far was kept"), "{stderr}");
}
