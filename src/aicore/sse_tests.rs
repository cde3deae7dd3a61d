//! Tests for `sse.rs` over every recorded stream of the SAP SDK fixtures.

use proptest::prelude::*;

use super::*;
use crate::aicore::Usage;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/sap-ai-sdk-js/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Events as comparable strings (`Error` holds no `PartialEq`).
fn describe(events: &[ChatEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            ChatEvent::Error(err) => format!("Error({err})"),
            other => format!("{other:?}"),
        })
        .collect()
}

fn text_of(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn args_of(events: &[ChatEvent], index: u32) -> (Option<String>, String) {
    let mut name = None;
    let mut args = String::new();
    for e in events {
        if let ChatEvent::ToolCall(call) = e {
            if call.index == index {
                name = name.or(call.name.clone());
                args.push_str(&call.arguments);
            }
        }
    }
    (name, args)
}

fn last_two(events: &[ChatEvent]) -> (&ChatEvent, &ChatEvent) {
    let n = events.len();
    (&events[n - 2], &events[n - 1])
}

const STREAMS: [(&str, Dialect); 5] = [
    (
        "foundation-models/azure-openai-chat-completion-stream-chunks.txt",
        Dialect::OpenAi,
    ),
    (
        "foundation-models/azure-openai-chat-completion-stream-tools-chunks.txt",
        Dialect::OpenAi,
    ),
    (
        "orchestration/orchestration-chat-completion-stream-chunks.txt",
        Dialect::OrchestrationV2,
    ),
    (
        "orchestration/orchestration-chat-completion-stream-tools-chunks.txt",
        Dialect::OrchestrationV2,
    ),
    (
        "orchestration/orchestration-chat-completion-stream-chunks-with-error.txt",
        Dialect::OrchestrationV2,
    ),
];

#[test]
fn azure_text_stream() {
    let events = parse_sse_body(Dialect::OpenAi, [fixture(STREAMS[0].0)]);
    assert_eq!(text_of(&events), "The capital of France is Paris.");
    let (usage, done) = last_two(&events);
    assert!(matches!(
        usage,
        ChatEvent::Usage(Usage {
            prompt_tokens: 14,
            completion_tokens: 7,
            total_tokens: 21
        })
    ));
    assert!(matches!(done, ChatEvent::Done { finish_reason: Some(r) } if r == "stop"));
}

#[test]
fn azure_tool_stream() {
    let events = parse_sse_body(Dialect::OpenAi, [fixture(STREAMS[1].0)]);
    assert_eq!(text_of(&events), "");
    let (name, args) = args_of(&events, 0);
    assert_eq!(name.as_deref(), Some("add"));
    assert_eq!(args, r#"{"a":1,"b":2}"#);
    let (usage, done) = last_two(&events);
    assert!(matches!(usage, ChatEvent::Usage(u) if u.total_tokens == 70 && u.prompt_tokens == 52));
    assert!(matches!(done, ChatEvent::Done { finish_reason: Some(r) } if r == "tool_calls"));
}

#[test]
fn orchestration_text_stream() {
    let events = parse_sse_body(Dialect::OrchestrationV2, [fixture(STREAMS[2].0)]);
    let text = text_of(&events);
    assert!(text.starts_with("The SAP Cloud SDK is a comprehensive development toolkit"));
    assert!(text.ends_with("rate with SAP's enterprise solutions."));
    let (usage, done) = last_two(&events);
    assert!(
        matches!(usage, ChatEvent::Usage(u) if u.total_tokens == 288 && u.completion_tokens == 271)
    );
    assert!(matches!(done, ChatEvent::Done { finish_reason: Some(r) } if r == "stop"));
}

#[test]
fn orchestration_tool_stream() {
    let events = parse_sse_body(Dialect::OrchestrationV2, [fixture(STREAMS[3].0)]);
    let (name0, args0) = args_of(&events, 0);
    let (name1, args1) = args_of(&events, 1);
    assert_eq!(name0.as_deref(), Some("add"));
    assert_eq!(args0, r#"{"a": 2, "b": 3}"#);
    assert_eq!(name1.as_deref(), Some("multiply"));
    assert_eq!(args1, r#"{"a": 2, "b": 3}"#);
    let last = events.last().unwrap();
    assert!(matches!(last, ChatEvent::Done { finish_reason: Some(r) } if r == "length"));
}

#[test]
fn orchestration_error_stream() {
    let events = parse_sse_body(Dialect::OrchestrationV2, [fixture(STREAMS[4].0)]);
    let last = events.last().unwrap();
    match last {
        ChatEvent::Error(Error::InStream { message }) => assert_eq!(
            message,
            "400 - LLM Module: Model gpt-5 in version wrong-version not found."
        ),
        other => panic!("{other:?}"),
    }
    // Nothing but the error follows the empty first chunk; no Done.
    assert!(events.iter().all(|e| !matches!(e, ChatEvent::Done { .. })));
}

#[test]
fn ends_without_done_or_finish_reason_is_broken() {
    let body = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
    let events = parse_sse_body(Dialect::OpenAi, [body.to_vec()]);
    assert_eq!(text_of(&events), "Hel");
    assert!(matches!(
        events.last(),
        Some(ChatEvent::Error(Error::StreamBroken { reason })) if reason == CLOSED_EARLY
    ));
}

#[test]
fn invalid_json_chunk_ends_the_stream_and_keeps_the_text() {
    let ok = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}]}\n\n";
    let body = format!("{ok}data: {{not json\n\n{ok}data: [DONE]\n\n");
    let events = parse_sse_body(Dialect::OpenAi, [body.as_bytes().to_vec()]);
    assert_eq!(text_of(&events), "ok");
    assert!(
        matches!(events.last(), Some(ChatEvent::Error(Error::StreamBroken { reason })) if reason == INVALID_CHUNK),
        "{events:?}"
    );
}

#[test]
fn v1_stream_and_v1_error_event() {
    let body = "data: {\"orchestration_result\":{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"\"}]}}\n\ndata: {\"code\": 500, \"message\": \"message\"}\n\n";
    let events = parse_sse_body(Dialect::OrchestrationV1, [body.as_bytes().to_vec()]);
    assert_eq!(text_of(&events), "hi");
    assert!(
        matches!(events.last(), Some(ChatEvent::Error(Error::InStream { message })) if message == "message")
    );
}

#[test]
fn multibyte_char_split_across_chunks() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Grüße 🌍\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let bytes = body.as_bytes();
    let split = body.find('ü').unwrap() + 1; // inside the two-byte ü
    let events = parse_sse_body(
        Dialect::OpenAi,
        [bytes[..split].to_vec(), bytes[split..].to_vec()],
    );
    assert_eq!(text_of(&events), "Grüße 🌍");
    let emoji = body.find('🌍').unwrap() + 2;
    let events = parse_sse_body(
        Dialect::OpenAi,
        [bytes[..emoji].to_vec(), bytes[emoji..].to_vec()],
    );
    assert_eq!(text_of(&events), "Grüße 🌍");
}

fn split_at(bytes: &[u8], mut cuts: Vec<usize>) -> Vec<Vec<u8>> {
    cuts.iter_mut().for_each(|c| *c %= bytes.len() + 1);
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts {
        out.push(bytes[start..cut].to_vec());
        start = cut;
    }
    out.push(bytes[start..].to_vec());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn any_split_gives_the_same_events(
        which in 0..STREAMS.len(),
        cuts in proptest::collection::vec(0usize..100_000, 0..12),
    ) {
        let (path, dialect) = STREAMS[which];
        let bytes = fixture(path);
        let whole = describe(&parse_sse_body(dialect, [bytes.clone()]));
        let parts = describe(&parse_sse_body(dialect, split_at(&bytes, cuts)));
        prop_assert_eq!(whole, parts);
    }

    #[test]
    fn splits_inside_multibyte_text(cut in 0usize..200) {
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"äöü ñ 漢字 🎉 ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        let events = parse_sse_body(Dialect::OpenAi, split_at(body.as_bytes(), vec![cut, cut + 1, cut + 3]));
        prop_assert_eq!(text_of(&events), "äöü ñ 漢字 🎉 ok");
    }
}
