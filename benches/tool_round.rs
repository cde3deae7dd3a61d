//! What one tool round adds to a turn beyond the tool itself and the model's two answers,
//! against the in-process simulator (not a test: prints figures, asserts nothing; target
//! ≤ 5 ms).
//!
//! A turn with one `read_file` round makes two requests: the one the model answers with the
//! call, and the one carrying the call and its result, answered with text. Both are also
//! timed alone, straight through the client with the same bodies, and so is the tool. The
//! round's overhead is `turn − first request − second request − tool`: what the driver adds
//! (joining the call, running it off the async threads, building the second request, the
//! events) beyond work any client must do. Each figure is the median of many runs on one
//! warm client.
//!
//! Run: `cargo bench --bench tool_round`

// A bench is a measuring harness, not product code: a failed set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sapcode::agent::{Conversation, ToolLevel, Tools, TurnEvent, turn};
use sapcode::aicore::{ChatRequest, ChatTarget, Client, ClientOptions, Mode, ServiceKey};
use sapcode::sim::{SimOptions, SimServer};

const TURNS: usize = 300;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn target(client: &Client) -> ChatTarget {
    client
        .resolve_target(Mode::Foundation, Some("gpt-4o"), None)
        .await
        .expect("the simulator serves gpt-4o")
}

/// One turn through the driver with `tools`; its time and the events it produced.
async fn turn_time(client: &Client, tools: &Tools, prompt: &str) -> (Duration, Vec<TurnEvent>) {
    let target = target(client).await;
    let mut conversation = Conversation::new(None);
    conversation.push_user(prompt, &[]);
    let started = Instant::now();
    let events: Vec<_> = turn::start(
        client.clone(),
        target,
        conversation.request(None),
        Some(tools.clone()),
        4,
    )
    .collect()
    .await;
    (started.elapsed(), events)
}

/// One request straight through the client, its stream read to the end.
async fn request_time(client: &Client, request: &ChatRequest) -> Duration {
    let target = target(client).await;
    let started = Instant::now();
    let events: Vec<_> = client.chat_stream(target, request.clone()).collect().await;
    let elapsed = started.elapsed();
    assert!(!events.is_empty());
    elapsed
}

#[tokio::main]
async fn main() {
    let server = SimServer::start(SimOptions::default())
        .await
        .expect("simulator");
    let key = ServiceKey::from_json(&server.service_key().to_string()).expect("key");
    let client = Client::new(key, ClientOptions::default()).expect("client");
    let dir = tempfile::tempdir().expect("temp dir");
    let text: String = (0..200)
        .map(|i| format!("line {i} of the notes\n"))
        .collect();
    std::fs::write(dir.path().join("notes.txt"), &text).expect("write");
    let read = Tools::new(dir.path())
        .expect("tools")
        .with_level(ToolLevel::Read);
    let prompt = "read the file notes.txt";

    // The two requests of the round, as the driver sends them: the question with the tools
    // offered, then the same with the model's call and the tool's result added.
    let (_, events) = turn_time(&client, &read, prompt).await;
    let added = events
        .into_iter()
        .find_map(|event| match event {
            TurnEvent::History(messages) => Some(messages),
            _ => None,
        })
        .expect("the simulator calls read_file for a question naming a file");
    let mut conversation = Conversation::new(None);
    conversation.push_user(prompt, &[]);
    let mut first = conversation.request(None);
    first.tools = read.offered();
    conversation.extend(added);
    let mut second = conversation.request(None);
    second.tools = read.offered();

    for _ in 0..20 {
        turn_time(&client, &read, prompt).await;
        request_time(&client, &first).await;
        request_time(&client, &second).await;
    }
    let mut turns = Vec::with_capacity(TURNS);
    let mut firsts = Vec::with_capacity(TURNS);
    let mut seconds = Vec::with_capacity(TURNS);
    let mut tool_alone = Vec::with_capacity(TURNS);
    for _ in 0..TURNS {
        turns.push(turn_time(&client, &read, prompt).await.0);
        firsts.push(request_time(&client, &first).await);
        seconds.push(request_time(&client, &second).await);
        let started = Instant::now();
        let out = read.call("read_file", r#"{"path":"notes.txt"}"#);
        tool_alone.push(started.elapsed());
        assert!(out.ok);
    }
    let (turn, first, second, tool) = (
        median(turns),
        median(firsts),
        median(seconds),
        median(tool_alone),
    );
    // Signed: within noise the difference can come out below zero.
    let added = ms(turn) - ms(first) - ms(second) - ms(tool);
    println!("turn with one read_file round {:>8.3} ms", ms(turn));
    println!("first request alone           {:>8.3} ms", ms(first));
    println!("second request alone          {:>8.3} ms", ms(second));
    println!("read_file alone               {:>8.3} ms", ms(tool));
    println!(
        "a tool round adds             {added:>8.3} ms beyond the tool and the two requests (target ≤ 5 ms)"
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
