//! The conversation: system prompt, turns, attached files, and the `ChatRequest` built from
//! them. One turn driver shape for both `sapcode run` and the TUI.

pub mod approval;
pub mod attachment;
pub mod beneath;
pub mod command_log;
pub mod context;
pub mod diff;
pub mod edit;
pub mod history;
pub mod outcome;
pub mod permissions;
pub mod probe;
pub mod protected;
mod round;
pub mod rules;
pub mod sandbox;
pub mod session;
pub mod tools;
pub mod turn;

#[cfg(test)]
mod driver_tests;

pub use approval::{ApprovalMode, ApprovalRequest, Approvals, ApprovedBy, AskMode, Decision};
pub use attachment::{Attachment, AttachmentError};
pub use outcome::EditStats;
pub use round::{MAX_CALLS_PER_ROUND, MAX_RESULT_BYTES_PER_REQUEST};
pub use session::{Session, SessionEvent};
pub use tools::{ToolLevel, ToolOutput, Tools};
pub use turn::{DEFAULT_MAX_ROUNDS, Turn, TurnEvent};

use crate::aicore::{ChatRequest, Message, Role};

/// Said once per conversation; short so it costs few tokens on every turn. The file has no
/// final newline, so the prompt ends where its text does.
pub const DEFAULT_SYSTEM_PROMPT: &str = include_str!("../../assets/system-prompt.md");

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    system: String,
    /// `AGENTS.md` text appended to the system prompt on every request.
    rules: Option<rules::ProjectRules>,
    messages: Vec<Message>,
}

impl Conversation {
    pub fn new(system: Option<&str>) -> Conversation {
        Conversation {
            system: system.unwrap_or(DEFAULT_SYSTEM_PROMPT).to_owned(),
            rules: None,
            messages: Vec::new(),
        }
    }

    /// Project rules to send with every request (`None` removes them).
    pub fn set_project_rules(&mut self, rules: Option<rules::ProjectRules>) {
        self.rules = rules;
    }

    /// The rules in use, so a transcript can say once that they are.
    pub fn project_rules(&self) -> Option<&rules::ProjectRules> {
        self.rules.as_ref()
    }

    /// The system prompt as sent: the base prompt plus any project rules.
    pub fn system(&self) -> String {
        match &self.rules {
            Some(rules) => format!("{}{}", self.system, rules.prompt_block()),
            None => self.system.clone(),
        }
    }

    /// Adds the user's text with any attached files placed before it, each in a fenced block
    /// named by its path so the model can refer to it.
    /// An attached image goes with the message as an image, named in the text by its path.
    pub fn push_user(&mut self, text: &str, attachments: &[Attachment]) {
        let mut content = String::new();
        let mut images = Vec::new();
        for attachment in attachments {
            match &attachment.image {
                Some(image) => {
                    content.push_str(&format!("`{}`: attached image\n", attachment.path));
                    images.push(image.clone());
                }
                None => {
                    content.push_str(&attachment.as_prompt_block());
                    content.push('\n');
                }
            }
        }
        content.push_str(text);
        // The remembered secrets (client secret, tokens) never go to the model or the session
        // file, whoever put them here: a `.env` attached by `@path` or `--file`, text piped to
        // `run`, a paste. Masked here, where both faces add a question, after connecting.
        let mut message = Message::new(Role::User, crate::redact::mask_remembered(&content));
        message.images = images;
        self.messages.push(message);
    }

    pub fn push_assistant(&mut self, text: &str) {
        self.messages
            .push(Message::new(Role::Assistant, text.to_owned()));
    }

    /// Messages a turn with tools added before its answer (tool calls and their results).
    pub fn extend(&mut self, messages: Vec<Message>) {
        self.messages.extend(messages);
    }

    /// Drops the last user message and whatever followed it, so a failed turn can be retried.
    pub fn pop_last_turn(&mut self) -> Option<String> {
        self.pop_last_question().map(|question| question.content)
    }

    /// As `pop_last_turn`, the question whole (its images too), to ask it again.
    pub fn pop_last_question(&mut self) -> Option<Message> {
        let index = self.messages.iter().rposition(|m| m.role == Role::User)?;
        let user = self.messages.remove(index);
        self.messages.truncate(index);
        Some(user)
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// For compaction, which rewrites older messages in place.
    pub(crate) fn messages_mut(&mut self) -> &mut Vec<Message> {
        &mut self.messages
    }

    pub fn request(&self, max_tokens: Option<u32>) -> ChatRequest {
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        messages.push(Message::new(Role::System, self.system()));
        messages.extend(self.messages.iter().cloned());
        ChatRequest {
            messages,
            max_tokens,
            temperature: None,
            tools: Vec::new(),
            reasoning: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_system_prompt_is_one_trimmed_paragraph() {
        assert!(DEFAULT_SYSTEM_PROMPT.starts_with("You are sapcode"));
        assert_eq!(DEFAULT_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT.trim());
    }
    use pretty_assertions::assert_eq;

    #[test]
    fn request_starts_with_the_system_prompt_and_keeps_order() {
        let mut conversation = Conversation::new(Some("be terse"));
        conversation.push_user("hi", &[]);
        conversation.push_assistant("hello");
        conversation.push_user("why?", &[]);
        let request = conversation.request(Some(50));
        let roles: Vec<Role> = request.messages.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            [Role::System, Role::User, Role::Assistant, Role::User]
        );
        assert_eq!(request.messages[0].content, "be terse");
        assert_eq!(request.max_tokens, Some(50));
    }

    #[test]
    fn attachments_come_before_the_question() {
        let mut conversation = Conversation::new(None);
        let attachment = Attachment::from_text("src/lib.rs", "fn main() {}");
        conversation.push_user("explain", &[attachment]);
        let content = &conversation.messages()[0].content;
        assert!(
            content.starts_with("`src/lib.rs`:\n```rs\nfn main() {}\n```\n"),
            "{content}"
        );
        assert!(content.ends_with("explain"));
    }

    #[test]
    fn retry_removes_the_failed_turn() {
        let mut conversation = Conversation::new(None);
        conversation.push_user("one", &[]);
        conversation.push_assistant("1");
        conversation.push_user("two", &[]);
        conversation.push_assistant("partial");
        assert_eq!(conversation.pop_last_turn().as_deref(), Some("two"));
        assert_eq!(conversation.messages().len(), 2);
    }

    /// An image goes with the question as an image, named in its text; asked again (a
    /// retry), the question keeps it.
    #[test]
    fn an_attached_image_stays_with_its_question() {
        let image =
            crate::aicore::image::Image::from_bytes(crate::aicore::image::samples::png(8, 8))
                .unwrap();
        let shot = Attachment::from_image("shot.png", image.clone());
        let mut conversation = Conversation::new(None);
        conversation.push_user("what is it?", &[shot]);
        let question = conversation.messages()[0].clone();
        assert_eq!(question.content, "`shot.png`: attached image\nwhat is it?");
        assert_eq!(question.images, vec![image]);
        conversation.push_assistant("partial");
        assert_eq!(conversation.pop_last_question(), Some(question));
        assert!(conversation.messages().is_empty());
    }
}
