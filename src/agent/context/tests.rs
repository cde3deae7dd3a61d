use pretty_assertions::assert_eq;

use super::*;
use crate::aicore::{ClientOptions, Mode, ServiceKey, ToolCall};
use crate::sim::{SimOptions, SimServer};

fn conversation_of(turns: &[(&str, &str)]) -> Conversation {
    let mut conversation = Conversation::new(Some("sys"));
    for (question, answer) in turns {
        conversation.push_user(question, &[]);
        conversation.push_assistant(answer);
    }
    conversation
}

fn contents(conversation: &Conversation) -> Vec<&str> {
    conversation
        .messages()
        .iter()
        .map(|m| m.content.as_str())
        .collect()
}

#[test]
fn levels_follow_the_thresholds() {
    let at = |tokens| ContextUse {
        tokens,
        limit: Some(100_000),
    };
    assert_eq!(at(10_000).level(), ContextLevel::Fine);
    assert_eq!(at(80_000).level(), ContextLevel::Warning);
    assert_eq!(at(80_000).percent(), Some(80));
    assert_eq!(at(96_000).level(), ContextLevel::Full);
    let unknown = ContextUse {
        tokens: 10_000_000,
        limit: None,
    };
    assert_eq!(unknown.level(), ContextLevel::Fine);
    assert_eq!(unknown.percent(), None);
}

#[test]
fn measure_uses_reported_usage_then_estimates_the_rest() {
    let mut conversation = conversation_of(&[("q", "a")]);
    let estimated = measure(&conversation, None, Some(1000));
    // "sys", "q", "a": one token each plus four per message.
    assert_eq!(estimated.tokens, 15);
    let mark = UsageMark {
        usage: Usage {
            prompt_tokens: 300,
            completion_tokens: 20,
            total_tokens: 320,
            ..Default::default()
        },
        messages: 2,
    };
    conversation.push_user(&"x".repeat(40), &[]);
    assert_eq!(
        measure(&conversation, Some(mark), None).tokens,
        320 + 10 + 4
    );
    // A mark that covers more messages than exist (after a compaction) is ignored.
    let stale = UsageMark {
        messages: 99,
        ..mark
    };
    assert_eq!(
        measure(&conversation, Some(stale), None).tokens,
        estimated.tokens + 14
    );
}

#[test]
fn old_tool_outputs_are_shortened_but_the_last_turn_is_kept() {
    let mut conversation = Conversation::new(None);
    let big = "line\n".repeat(2_000);
    for question in ["first", "second"] {
        conversation.push_user(question, &[]);
        conversation.extend(vec![
            Message::assistant_tool_calls(
                "",
                vec![ToolCall {
                    id: format!("c-{question}"),
                    name: "read_file".into(),
                    arguments: "{}".into(),
                    thought_signature: None,
                }],
            ),
            Message::tool_result(format!("c-{question}"), big.clone()),
        ]);
        conversation.push_assistant("done");
    }
    let dropped = shorten_old_tool_outputs(&mut conversation, 1);
    assert_eq!(dropped, big.len() - OLD_TOOL_OUTPUT_CHARS);
    let old = &conversation.messages()[2].content;
    assert!(
        old.contains("characters of an old tool output dropped"),
        "{old}"
    );
    assert!(old.chars().count() < OLD_TOOL_OUTPUT_CHARS + 100);
    assert_eq!(conversation.messages()[6].content, big);
    assert_eq!(shorten_old_tool_outputs(&mut conversation, 1), 0);
}

#[test]
fn summary_request_holds_the_older_turns_as_text() {
    let conversation = conversation_of(&[("one", "1"), ("two", "2"), ("three", "3")]);
    let request = summary_request(&conversation, 1).unwrap();
    assert_eq!(request.messages.len(), 2);
    assert_eq!(request.messages[0].role, Role::System);
    assert!(request.tools.is_empty());
    // No cap: a reasoning model (gpt-5, o-series, Gemini 2.5+) spends a cap on hidden
    // reasoning first, and 1,024 tokens left it no summary.
    assert_eq!(request.max_tokens, None);
    let asked = &request.messages[1].content;
    assert!(
        asked.contains("[user]\none\n") && asked.contains("[assistant]\n2\n"),
        "{asked}"
    );
    assert!(!asked.contains("three"), "{asked}");
    assert!(asked.ends_with(SUMMARY_INSTRUCTION));
    assert!(summary_request(&conversation_of(&[("only", "1")]), 1).is_none());
}

#[test]
fn apply_summary_replaces_older_turns_and_keeps_the_last() {
    let mut conversation = conversation_of(&[("one", "1"), ("two", "2"), ("three", "3")]);
    assert_eq!(apply_summary(&mut conversation, " they counted \n", 1), 4);
    assert_eq!(
        contents(&conversation),
        [
            "Summary of the conversation so far:\n\nthey counted",
            "Understood; I will continue from that summary.",
            "three",
            "3"
        ]
    );
    let roles: Vec<Role> = conversation.messages().iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::User, Role::Assistant]
    );
}

async fn demo_client(sim: &SimServer) -> (Client, ChatTarget) {
    let key = ServiceKey::from_json(&sim.service_key().to_string()).unwrap();
    let client = Client::new(key, ClientOptions::default()).unwrap();
    let target = client
        .resolve_target(Mode::Foundation, Some("gpt-4o"), None)
        .await
        .unwrap();
    (client, target)
}

#[tokio::test]
async fn compact_asks_the_model_and_replaces_older_turns() {
    let sim = SimServer::start(SimOptions::default()).await.unwrap();
    let (client, target) = demo_client(&sim).await;
    let mut conversation = conversation_of(&[("one", "1"), ("two", "2")]);
    let replaced = compact(&client, target.clone(), &mut conversation, 1)
        .await
        .unwrap();
    assert_eq!(replaced, 2);
    let messages = conversation.messages();
    assert!(messages[0].content.starts_with(SUMMARY_PREFIX));
    assert!(messages[0].content.len() > SUMMARY_PREFIX.len() + 10);
    assert_eq!(contents(&conversation)[2..], ["two", "2"]);
    let asked = sim
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    let sent = asked.body["messages"][1]["content"].as_str().unwrap();
    assert!(sent.contains("[user]\none") && sent.contains(SUMMARY_INSTRUCTION));

    let mut single = conversation_of(&[("only", "1")]);
    assert!(matches!(
        compact(&client, target, &mut single, 1).await,
        Err(CompactError::NothingToCompact)
    ));
}

#[tokio::test]
async fn fit_leaves_a_small_conversation_alone_and_compacts_a_full_one() {
    let sim = SimServer::start(SimOptions::default()).await.unwrap();
    let (client, target) = demo_client(&sim).await;
    let mut small = conversation_of(&[("one", "1"), ("two", "2")]);
    let fitted = fit(&client, target.clone(), &mut small, None, Some(128_000))
        .await
        .unwrap();
    assert_eq!(fitted, Fitted::AlreadyFits);
    assert_eq!(small.messages().len(), 4);

    let long = "word ".repeat(4_000);
    let mut full = conversation_of(&[(&long, "1"), ("two", "2")]);
    let fitted = fit(&client, target, &mut full, None, Some(5_000))
        .await
        .unwrap();
    assert_eq!(
        fitted,
        Fitted::Compacted {
            replaced_messages: 2
        }
    );
    assert!(full.messages()[0].content.starts_with(SUMMARY_PREFIX));
}
