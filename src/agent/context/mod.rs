//! Context accounting and compaction: how full the model's context window is, shortening old
//! tool outputs (cheap, no model call), and replacing older turns with a summary the model
//! writes. Pure functions plus `compact`, which drives the summary request through the client.

use futures_util::StreamExt;

use super::Conversation;
use crate::aicore::{ChatEvent, ChatRequest, ChatTarget, Client, Message, Role, Usage};

/// The meter warns from here (per cent of the context length).
pub const WARN_PERCENT: u64 = 80;
/// Room kept free for the answer when deciding whether a request fits.
pub const ANSWER_RESERVE_TOKENS: u64 = 4_096;
/// Turns (questions and what followed) a compaction keeps verbatim.
pub const KEEP_TURNS: usize = 1;
/// Old tool outputs longer than this (characters) are shortened first.
pub const OLD_TOOL_OUTPUT_CHARS: usize = 2_000;

/// Usage the server reported, and how many messages (system prompt excluded) it covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageMark {
    pub usage: Usage,
    pub messages: usize,
}

/// Tokens in the conversation against the model's context length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextUse {
    pub tokens: u64,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextLevel {
    /// No context length known, or below the warning threshold.
    Fine,
    Warning,
    /// The next request would not fit with room for an answer.
    Full,
}

impl ContextUse {
    pub fn percent(&self) -> Option<u64> {
        self.limit
            .filter(|limit| *limit > 0)
            .map(|limit| self.tokens.saturating_mul(100) / limit)
    }

    pub fn level(&self) -> ContextLevel {
        let Some(limit) = self.limit.filter(|limit| *limit > 0) else {
            return ContextLevel::Fine;
        };
        if self.tokens + ANSWER_RESERVE_TOKENS.min(limit / 4) > limit {
            ContextLevel::Full
        } else if self.tokens.saturating_mul(100) >= limit * WARN_PERCENT {
            ContextLevel::Warning
        } else {
            ContextLevel::Fine
        }
    }
}

/// About four characters a token, plus a few per message for its framing.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

fn message_tokens(message: &Message) -> u64 {
    let calls: u64 = message
        .tool_calls
        .iter()
        .map(|call| estimate_tokens(&call.name) + estimate_tokens(&call.arguments))
        .sum();
    // An image counts as its documented estimate (`Image::estimated_tokens`), not its bytes.
    let images: u64 = message
        .images
        .iter()
        .map(crate::aicore::image::Image::estimated_tokens)
        .sum();
    estimate_tokens(&message.content) + calls + images + 4
}

/// Tokens the conversation's next request carries: the last reported prompt+completion
/// tokens for what they covered, an estimate for everything after (or for all of it).
pub fn measure(
    conversation: &Conversation,
    mark: Option<UsageMark>,
    context_length: Option<u64>,
) -> ContextUse {
    let messages = conversation.messages();
    let system = estimate_tokens(&conversation.system()) + 4;
    let tokens = match mark.filter(|mark| mark.messages <= messages.len()) {
        Some(mark) => {
            mark.usage.total_tokens
                + messages[mark.messages..]
                    .iter()
                    .map(message_tokens)
                    .sum::<u64>()
        }
        None => system + messages.iter().map(message_tokens).sum::<u64>(),
    };
    ContextUse {
        tokens,
        limit: context_length,
    }
}

/// Index of the first message kept by a compaction that keeps `keep_turns` turns, or `None`
/// when there is nothing older to compact.
pub fn kept_from(messages: &[Message], keep_turns: usize) -> Option<usize> {
    let starts: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role == Role::User)
        .map(|(index, _)| index)
        .collect();
    let keep = keep_turns.max(1);
    if starts.len() <= keep {
        return None;
    }
    Some(starts[starts.len() - keep])
}

/// Shortens tool outputs older than the last `keep_turns` turns to their head and tail;
/// returns how many characters were dropped. No model call, so it goes first.
pub fn shorten_old_tool_outputs(conversation: &mut Conversation, keep_turns: usize) -> usize {
    let messages = conversation.messages_mut();
    let end = kept_from(messages, keep_turns).unwrap_or(0);
    let keep = OLD_TOOL_OUTPUT_CHARS / 2;
    let mut dropped = 0;
    for message in &mut messages[..end] {
        let chars = message.content.chars().count();
        // The margin leaves an already shortened output (head, note, tail) alone.
        if message.role != Role::Tool || chars <= OLD_TOOL_OUTPUT_CHARS + 100 {
            continue;
        }
        let head: String = message.content.chars().take(keep).collect();
        let tail: String = message.content.chars().skip(chars - keep).collect();
        let cut = chars - 2 * keep;
        message.content = format!(
            "{head}\n[… {cut} characters of an old tool output dropped to save context …]\n{tail}"
        );
        dropped += cut;
    }
    dropped
}

const SUMMARY_INSTRUCTION: &str = "Summarise the conversation above for your own later use: \
the user's goals, decisions made, files read or changed (with paths), commands run and their \
outcome, and what is still open. Be concise and factual; use short bullet points. Answer with \
the summary only.";

/// Said before the summary in the compacted conversation.
pub const SUMMARY_PREFIX: &str = "Summary of the conversation so far:";

/// The request asking the model to summarise everything before the kept turns, or `None`
/// when nothing is old enough. The history goes in as text so dangling tool calls cannot
/// make a provider reject it.
pub fn summary_request(conversation: &Conversation, keep_turns: usize) -> Option<ChatRequest> {
    let messages = conversation.messages();
    let end = kept_from(messages, keep_turns)?;
    let mut transcript = String::new();
    for message in &messages[..end] {
        let who = match message.role {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool result",
        };
        transcript.push_str(&format!("[{who}]\n{}\n", message.content));
        for call in &message.tool_calls {
            transcript.push_str(&format!("(called {} {})\n", call.name, call.arguments));
        }
        transcript.push('\n');
    }
    Some(ChatRequest {
        messages: vec![
            Message::new(Role::System, conversation.system()),
            Message::new(
                Role::User,
                format!("<conversation>\n{transcript}</conversation>\n\n{SUMMARY_INSTRUCTION}"),
            ),
        ],
        // No cap: gpt-5, the o-series and Gemini 2.5+ spend a cap on hidden reasoning first
        // (1,024 left them no text), and a cap near the context's end is refused by some
        // providers. The instruction keeps the summary short.
        max_tokens: None,
        temperature: None,
        tools: Vec::new(),
        reasoning: None,
    })
}

/// Replaces the messages before the kept turns with the summary (as a user message and a
/// short acknowledgement, so roles still alternate for providers that require it). Returns
/// how many messages were replaced.
pub fn apply_summary(conversation: &mut Conversation, summary: &str, keep_turns: usize) -> usize {
    let messages = conversation.messages_mut();
    let Some(end) = kept_from(messages, keep_turns) else {
        return 0;
    };
    let summary = [
        Message::new(
            Role::User,
            format!("{SUMMARY_PREFIX}\n\n{}", summary.trim()),
        ),
        Message::new(
            Role::Assistant,
            "Understood; I will continue from that summary.",
        ),
    ];
    messages.splice(..end, summary);
    end
}

#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error("nothing to compact yet: the conversation has only its latest turn")]
    NothingToCompact,
    #[error("the model sent an empty summary; the conversation was left as it was")]
    EmptySummary,
    #[error(transparent)]
    Chat(#[from] crate::aicore::Error),
}

/// Asks the model for a summary and puts it in place of the older turns. On any failure the
/// conversation is unchanged.
pub async fn compact(
    client: &Client,
    target: ChatTarget,
    conversation: &mut Conversation,
    keep_turns: usize,
) -> Result<usize, CompactError> {
    let request =
        summary_request(conversation, keep_turns).ok_or(CompactError::NothingToCompact)?;
    let mut stream = client.chat_stream(target, request);
    let mut summary = String::new();
    while let Some(event) = stream.next().await {
        match event {
            ChatEvent::Delta(text) => summary.push_str(&text),
            ChatEvent::Error(err) => return Err(err.into()),
            ChatEvent::Usage(_)
            | ChatEvent::Done { .. }
            | ChatEvent::ToolCall(_)
            | ChatEvent::Thinking(_)
            | ChatEvent::Retrying { .. } => {}
        }
    }
    if summary.trim().is_empty() {
        return Err(CompactError::EmptySummary);
    }
    Ok(apply_summary(conversation, &summary, keep_turns))
}

/// What `fit` did to make the next request fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fitted {
    AlreadyFits,
    ShortenedToolOutputs { dropped_chars: usize },
    Compacted { replaced_messages: usize },
}

/// Before a request: when it would not fit the context, shorten old tool outputs first and,
/// if that is not enough, compact. Known usage is no longer valid after either.
pub async fn fit(
    client: &Client,
    target: ChatTarget,
    conversation: &mut Conversation,
    mark: Option<UsageMark>,
    context_length: Option<u64>,
) -> Result<Fitted, CompactError> {
    if measure(conversation, mark, context_length).level() != ContextLevel::Full {
        return Ok(Fitted::AlreadyFits);
    }
    let dropped_chars = shorten_old_tool_outputs(conversation, KEEP_TURNS);
    if dropped_chars > 0
        && measure(conversation, None, context_length).level() != ContextLevel::Full
    {
        return Ok(Fitted::ShortenedToolOutputs { dropped_chars });
    }
    let replaced_messages = compact(client, target, conversation, KEEP_TURNS).await?;
    Ok(Fitted::Compacted { replaced_messages })
}

#[cfg(test)]
mod tests;
