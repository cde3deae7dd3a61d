//! `doctor`'s completion check: the smallest question that proves a deployment answers.

use futures_util::StreamExt;

use super::Conversation;
use crate::aicore::{ChatEvent, ChatTarget, Client, Error};

/// Asks `target` to say OK; the text it answered.
pub async fn say_ok(client: &Client, target: &ChatTarget) -> Result<String, Error> {
    let mut conversation = Conversation::new(Some("Answer with one word."));
    conversation.push_user("Say OK.", &[]);
    // A reasoning model spends its cap on reasoning first: 16 tokens would leave it no
    // answer (`finish_reason: length`), so it gets no cap; the prompt keeps the answer short.
    let cap = (!crate::aicore::models::reasons_by_default(target.model())).then_some(16);
    let mut stream = client.chat_stream(target.clone(), conversation.request(cap));
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        match event {
            ChatEvent::Delta(delta) => text.push_str(&delta),
            ChatEvent::Error(err) => return Err(err),
            ChatEvent::Retrying { .. }
            | ChatEvent::ToolCall(_)
            | ChatEvent::Thinking(_)
            | ChatEvent::Usage(_)
            | ChatEvent::Done { .. } => {}
        }
    }
    Ok(text)
}
