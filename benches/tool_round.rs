//! What one tool round adds to a turn beyond the tool itself, against the in-process
//! simulator (not a test: prints figures, asserts nothing; target ≤ 5 ms).
//!
//! Three timings, each the median of many turns on one warm client: a turn the simulator
//! answers with text (tools off), a turn where it first calls `read_file` and then answers
//! (tools at `read`), and the `read_file` call alone. The round's overhead is
//! `with tool − without − tool alone`: the driver's bookkeeping plus the second request.
//!
//! Run: `cargo bench --bench tool_round`

// A bench is a measuring harness, not product code: a failed set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sapcode::agent::{Conversation, ToolLevel, Tools, turn};
use sapcode::aicore::{Client, ClientOptions, Mode, ServiceKey};
use sapcode::sim::{SimOptions, SimServer};

const TURNS: usize = 300;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn turn_time(client: &Client, tools: Option<&Tools>, prompt: &str) -> Duration {
    let target = client
        .resolve_target(Mode::Foundation, Some("gpt-4o"), None)
        .await
        .expect("the simulator serves gpt-4o");
    let mut conversation = Conversation::new(None);
    conversation.push_user(prompt, &[]);
    let started = Instant::now();
    let events: Vec<_> = turn::start(
        client.clone(),
        target,
        conversation.request(None),
        tools.cloned(),
        4,
    )
    .collect()
    .await;
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

    for _ in 0..20 {
        turn_time(&client, Some(&read), prompt).await;
        turn_time(&client, None, prompt).await;
    }
    let mut with_tool = Vec::with_capacity(TURNS);
    let mut without = Vec::with_capacity(TURNS);
    let mut tool_alone = Vec::with_capacity(TURNS);
    for _ in 0..TURNS {
        with_tool.push(turn_time(&client, Some(&read), prompt).await);
        without.push(turn_time(&client, None, prompt).await);
        let started = Instant::now();
        let out = read.call("read_file", r#"{"path":"notes.txt"}"#);
        tool_alone.push(started.elapsed());
        assert!(out.ok);
    }
    let (with_tool, without, tool_alone) = (median(with_tool), median(without), median(tool_alone));
    let added = with_tool.saturating_sub(without).saturating_sub(tool_alone);
    println!("turn without tools            {:>8.3} ms", ms(without));
    println!("turn with one read_file round {:>8.3} ms", ms(with_tool));
    println!("read_file alone               {:>8.3} ms", ms(tool_alone));
    println!(
        "a tool round adds             {:>8.3} ms beyond the tool (target ≤ 5 ms)",
        ms(added)
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
