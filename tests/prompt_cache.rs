//! Prompt caching end to end: sapcode's client against the simulator, one agent turn (a tool
//! call, its result, the answer) per model and mode, with caching on and off, and what it
//! costs at the catalog's list price. Run with `--nocapture` to see the measured numbers.

// clippy.toml's allow-*-in-tests covers #[test] functions only; this harness's helpers fail
// the test loudly by design too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::StreamExt;
use sapcode::agent::{DEFAULT_SYSTEM_PROMPT, tools};
use sapcode::aicore::{
    ChatEvent, ChatRequest, Client, ClientOptions, Freshness, Message, Mode, Price, Role,
    ServiceKey, ToolCall, Usage, pricing,
};
use sapcode::sim::{SimOptions, SimServer};

async fn sim() -> SimServer {
    SimServer::start(SimOptions::default()).await.unwrap()
}

fn client(server: &SimServer, resource_group: &str) -> Client {
    let key = ServiceKey::from_json(&server.service_key().to_string()).unwrap();
    let options = ClientOptions {
        resource_group: resource_group.into(),
        ..ClientOptions::default()
    };
    Client::new(key, options).unwrap()
}

/// A file the model reads in the turn: enough text that the history passes the providers'
/// 1,024-token minimum for caching.
fn file_text() -> String {
    (0..120)
        .map(|n| format!("fn step_{n}(input: u64) -> u64 {{ input.wrapping_mul({n}) + 1 }}\n"))
        .collect()
}

async fn one_round(
    client: &Client,
    mode: Mode,
    model: &str,
    req: ChatRequest,
) -> (Usage, Vec<ToolCall>) {
    let target = client
        .resolve_target(mode, Some(model), None)
        .await
        .unwrap();
    let mut stream = client.chat_stream(target, req);
    let mut usage = None;
    let mut calls: Vec<ToolCall> = Vec::new();
    while let Some(event) = stream.next().await {
        match event {
            ChatEvent::Usage(u) => usage = Some(u),
            ChatEvent::ToolCall(delta) => {
                if let Some(name) = delta.name {
                    calls.push(ToolCall {
                        id: delta.id.unwrap_or_default(),
                        name,
                        arguments: String::new(),
                        thought_signature: delta.thought_signature,
                    });
                }
                if let Some(call) = calls.last_mut() {
                    call.arguments.push_str(&delta.arguments);
                }
            }
            ChatEvent::Error(e) => panic!("{model}: {e}"),
            _ => {}
        }
    }
    (usage.expect("usage reported"), calls)
}

/// An agent turn: the question, the model's tool call, the tool's result, the answer; then
/// two follow-up questions in the same session. Returns each request's usage.
async fn agent_turn(client: &Client, mode: Mode, model: &str) -> Vec<Usage> {
    let mut req = ChatRequest {
        messages: vec![
            Message::new(Role::System, DEFAULT_SYSTEM_PROMPT),
            Message::new(Role::User, "Read src/steps.rs and tell me what it does."),
        ],
        max_tokens: Some(1000),
        temperature: None,
        tools: tools::specs(),
        reasoning: None,
    };
    let mut usages = Vec::new();
    let (first, calls) = one_round(client, mode, model, req.clone()).await;
    usages.push(first);
    assert!(!calls.is_empty(), "{model} calls a tool first");
    req.messages
        .push(Message::assistant_tool_calls("", calls.clone()));
    for call in &calls {
        req.messages
            .push(Message::tool_result(&call.id, file_text()));
    }
    let (second, _) = one_round(client, mode, model, req.clone()).await;
    usages.push(second);
    for (answer, question) in [
        (
            "It multiplies and adds one.",
            "Thanks. Summarize it in one line.",
        ),
        (
            "Steps that scale and bump.",
            "And which step is the largest?",
        ),
    ] {
        req.messages.push(Message::new(Role::Assistant, answer));
        req.messages.push(Message::new(Role::User, question));
        usages.push(one_round(client, mode, model, req.clone()).await.0);
    }
    usages
}

async fn price(client: &Client, model: &str) -> Price {
    let models = client.models(Freshness::Cached).await.unwrap();
    let entry = models.data.iter().find(|m| m.name == model).unwrap();
    entry.price.unwrap()
}

fn total(usages: &[Usage]) -> Usage {
    let mut sum = Usage::default();
    for usage in usages {
        sum += *usage;
    }
    sum
}

/// The same turn with caching on and off, each against a fresh simulator.
async fn on_and_off(
    resource_group: &str,
    mode: Mode,
    model: &str,
) -> (Vec<Usage>, Vec<Usage>, Price) {
    let on_sim = sim().await;
    let on_client = client(&on_sim, resource_group);
    let on = agent_turn(&on_client, mode, model).await;
    let price = price(&on_client, model).await;
    let off_sim = sim().await;
    let off_client = client(&off_sim, resource_group);
    off_client.set_prompt_cache(false);
    let off = agent_turn(&off_client, mode, model).await;
    let (sum_on, sum_off) = (total(&on), total(&off));
    eprintln!(
        "{model} ({}): caching on: prompt {} (cache read {}, write {}), completion {}, {}; \
         off: prompt {}, completion {}, {}",
        mode.as_str(),
        sum_on.prompt_tokens,
        sum_on.cache_read_tokens,
        sum_on.cache_write_tokens,
        sum_on.completion_tokens,
        pricing::list_label(sum_on.cost_usd(&price)),
        sum_off.prompt_tokens,
        sum_off.completion_tokens,
        pricing::list_label(sum_off.cost_usd(&price)),
    );
    (on, off, price)
}

fn assert_claude_caches(on: &[Usage], off: &[Usage], price: &Price) {
    // The prompt is the same size either way; only how it is billed differs.
    let prompts = |u: &[Usage]| u.iter().map(|u| u.prompt_tokens).collect::<Vec<_>>();
    assert_eq!(prompts(on), prompts(off));
    assert!(
        off.iter()
            .all(|u| u.cache_read_tokens + u.cache_write_tokens == 0),
        "{off:?}"
    );
    // System prompt and tools alone are under Claude's 1,024-token minimum, so the first
    // request caches nothing; then each request reads what the one before wrote.
    assert_eq!(
        on[0].cache_read_tokens + on[0].cache_write_tokens,
        0,
        "{on:?}"
    );
    assert!(on.iter().any(|u| u.cache_write_tokens > 0), "{on:?}");
    assert!(on.last().unwrap().cache_read_tokens > 0, "{on:?}");
    for pair in on.windows(2) {
        let written = pair[0].cache_read_tokens + pair[0].cache_write_tokens;
        assert!(pair[1].cache_read_tokens >= written, "{on:?}");
    }
    for usage in on {
        assert!(usage.cache_read_tokens + usage.cache_write_tokens <= usage.prompt_tokens);
    }
    let (cost_on, cost_off) = (total(on).cost_usd(price), total(off).cost_usd(price));
    assert!(cost_on < cost_off, "on {cost_on} off {cost_off}");
}

#[tokio::test]
async fn claude_on_bedrock_reads_its_cache_points_and_costs_less() {
    let (on, off, price) =
        on_and_off("team-b", Mode::Foundation, "anthropic--claude-4.5-sonnet").await;
    assert_claude_caches(&on, &off, &price);
}

#[tokio::test]
async fn claude_through_orchestration_reads_its_cache_control() {
    let (on, off, price) = on_and_off(
        "default",
        Mode::Orchestration,
        "anthropic--claude-4.5-sonnet",
    )
    .await;
    assert_claude_caches(&on, &off, &price);
}

#[tokio::test]
async fn openai_and_gemini_cache_on_their_own() {
    for (group, mode, model) in [
        ("default", Mode::Foundation, "gpt-4o"),
        ("team-b", Mode::Foundation, "gemini-2.5-pro"),
        ("default", Mode::Orchestration, "gpt-4o"),
    ] {
        let (on, off, price) = on_and_off(group, mode, model).await;
        // No breakpoints to send: the switch changes nothing, the service caches anyway.
        assert_eq!(on, off, "{model}");
        assert_eq!(on[0].cache_read_tokens, 0);
        assert_eq!(
            on[1].cache_read_tokens, 0,
            "the prompt so far is under 1,024 tokens"
        );
        assert!(
            on[2].cache_read_tokens >= on[1].prompt_tokens,
            "{model}: {on:?}"
        );
        assert!(
            on[3].cache_read_tokens >= on[2].prompt_tokens,
            "{model}: {on:?}"
        );
        assert_eq!(total(&on).cache_write_tokens, 0);
        let uncached = Usage {
            cache_read_tokens: 0,
            ..total(&on)
        };
        assert!(total(&on).cost_usd(&price) < uncached.cost_usd(&price));
    }
}
