//! Before a question is sent: whether it can fit the model's context at all, with the system
//! prompt and room for an answer, however much of the conversation were compacted away. One
//! that cannot is refused, so the earlier turns are never summarised away for nothing.

use crate::agent::Attachment;
use crate::agent::context::{ANSWER_RESERVE_TOKENS, estimate_tokens};

/// A question too large for the model's context, in the meter's estimated tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooBig {
    /// The question with its attachments.
    pub question: u64,
    /// What the model's context holds for a question: its length less the system prompt
    /// and the room kept for an answer.
    pub room: u64,
    pub limit: u64,
}

/// Estimated tokens of the user message `text` with `attachments` placed before it, as the
/// conversation would carry it (`Conversation::push_user`).
pub fn question_tokens(text: &str, attachments: &[Attachment]) -> u64 {
    let attached: u64 = attachments
        .iter()
        .map(|a| match &a.image {
            // An image goes as an image, counted as the context counts it.
            Some(image) => image.estimated_tokens(),
            None => estimate_tokens(&a.as_prompt_block()) + 1,
        })
        .sum();
    attached + estimate_tokens(text) + 4
}

/// `Err` when the question cannot fit `limit` tokens beside `system` and an answer's room.
pub fn check(system: &str, question: u64, limit: u64) -> Result<(), TooBig> {
    let reserved = estimate_tokens(system) + 4 + ANSWER_RESERVE_TOKENS.min(limit / 4);
    let room = limit.saturating_sub(reserved);
    if question > room {
        return Err(TooBig {
            question,
            room,
            limit,
        });
    }
    Ok(())
}

impl TooBig {
    /// The one line the status bar shows.
    pub fn message(&self, model: &str) -> String {
        format!(
            "not sent: the question is ~{} tokens, {model} takes {} ({} left for a \
             question): shorten it or pick a model with a larger context",
            crate::tui::paste::thousands(self.question as usize),
            crate::tui::paste::thousands(self.limit as usize),
            crate::tui::paste::thousands(self.room as usize),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_fits_up_to_the_room_left_by_the_system_prompt_and_the_answer() {
        let system = "s".repeat(400); // 100 tokens, + 4 framing
        let room = 128_000 - 104 - ANSWER_RESERVE_TOKENS;
        assert_eq!(check(&system, room, 128_000), Ok(()));
        assert_eq!(
            check(&system, room + 1, 128_000),
            Err(TooBig {
                question: room + 1,
                room,
                limit: 128_000
            })
        );
    }

    #[test]
    fn a_small_context_keeps_a_quarter_for_the_answer() {
        // 8,000 less 2,000 for the answer and 4 for the (empty) system prompt's framing.
        assert_eq!(check("", 5_996, 8_000), Ok(()));
        assert!(check("", 5_997, 8_000).is_err());
    }

    #[test]
    fn attachments_count_with_the_question() {
        let text = "x".repeat(4_000);
        assert_eq!(question_tokens(&text, &[]), 1_004);
        let attachment = Attachment {
            path: "big.txt".into(),
            content: "y".repeat(40_000),
            image: None,
        };
        assert!(question_tokens(&text, &[attachment]) > 11_000);
    }

    #[test]
    fn the_refusal_says_the_size_the_limit_and_what_to_do() {
        let line = TooBig {
            question: 200_123,
            room: 123_800,
            limit: 128_000,
        }
        .message("gpt-4o");
        assert_eq!(
            line,
            "not sent: the question is ~200,123 tokens, gpt-4o takes 128,000 (123,800 left \
             for a question): shorten it or pick a model with a larger context"
        );
    }
}
