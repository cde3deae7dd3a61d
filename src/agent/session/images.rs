//! Images go only to models whose catalog version lists `image` in `inputTypes`. A question
//! with an image for any other model is refused before anything is sent (exit 2: the input
//! does not suit the model); images earlier in the conversation are left out of requests to
//! such a model (the user switched models), each message saying so in its text.

use crate::aicore::{ChatRequest, ChatTarget, Client, Freshness, Message, Mode, ModelEntry, Role};

/// What a request to the target does with the conversation's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Images {
    Send,
    LeaveOut,
}

/// Decides for `messages` sent to `target`; `Err` is the refusal's message and hint.
pub(super) async fn decide(
    client: &Client,
    target: &ChatTarget,
    messages: &[Message],
) -> Result<Images, (String, String)> {
    if messages.iter().all(|m| m.images.is_empty()) {
        return Ok(Images::Send);
    }
    let catalog = client
        .models(Freshness::Cached)
        .await
        .map(|c| c.data)
        .unwrap_or_default();
    decide_in(&catalog, target.model(), target.mode(), messages)
}

/// `decide` over a catalog already read.
pub(super) fn decide_in(
    catalog: &[ModelEntry],
    model: &str,
    mode: Mode,
    messages: &[Message],
) -> Result<Images, (String, String)> {
    let entry = catalog.iter().find(|m| m.name.eq_ignore_ascii_case(model));
    if entry.is_some_and(ModelEntry::takes_images) {
        return Ok(Images::Send);
    }
    let question_has_images = messages
        .iter()
        .rfind(|m| m.role == Role::User)
        .is_some_and(|m| !m.images.is_empty());
    if !question_has_images {
        return Ok(Images::LeaveOut);
    }
    let why = match entry {
        Some(entry) if entry.input_types.is_empty() => {
            format!("{model} does not take images (its catalog entry lists no inputTypes)")
        }
        Some(entry) => format!(
            "{model} does not take images (its catalog entry lists inputTypes: {})",
            entry.input_types.join(", ")
        ),
        None => format!("{model} is not in the model catalog, so sapcode cannot send it images"),
    };
    Err((why, suggestion(catalog, mode)))
}

/// Up to three models of the catalog that take images and can be reached in `mode`.
fn suggestion(catalog: &[ModelEntry], mode: Mode) -> String {
    let names: Vec<&str> = catalog
        .iter()
        .filter(|m| m.takes_images() && m.passes_filter)
        .filter(|m| match mode {
            Mode::Foundation => m.running_deployments > 0,
            Mode::Orchestration => m.orchestration,
        })
        .map(|m| m.name.as_str())
        .take(3)
        .collect();
    if names.is_empty() {
        "pick a model whose catalog entry lists image in inputTypes (sapcode models)".into()
    } else {
        format!("pick a model that does, e.g. {}", names.join(", "))
    }
}

/// Takes the images out of `request`, each message saying in its text how many were left.
pub(super) fn leave_out(request: &mut ChatRequest, model: &str) {
    for message in &mut request.messages {
        let count = message.images.len();
        if count > 0 {
            message.images.clear();
            message.content.push_str(&format!(
                "\n({count} attached image{} left out: {model} does not take images)",
                if count == 1 { "" } else { "s" }
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::image::{Image, samples};

    fn entry(name: &str, input_types: &[&str], running: usize) -> ModelEntry {
        let mut entry = crate::tui::test_support::models()[0].clone();
        entry.name = name.into();
        entry.input_types = input_types.iter().map(ToString::to_string).collect();
        entry.running_deployments = running;
        entry.passes_filter = true;
        entry
    }

    fn with_image(text: &str) -> Message {
        let mut message = Message::new(Role::User, text);
        message.images = vec![Image::from_bytes(samples::png(4, 4)).unwrap()];
        message
    }

    #[test]
    fn a_question_with_an_image_needs_a_model_listing_image() {
        let catalog = [
            entry("gpt-4o", &["text", "image"], 1),
            entry("o3-mini", &["text"], 1),
            entry("gpt-4.1", &["text", "image"], 0),
        ];
        let question = [with_image("what is it?")];
        let send = decide_in(&catalog, "GPT-4o", Mode::Foundation, &question);
        assert_eq!(send, Ok(Images::Send));
        let (why, hint) = decide_in(&catalog, "o3-mini", Mode::Foundation, &question).unwrap_err();
        assert_eq!(
            why,
            "o3-mini does not take images (its catalog entry lists inputTypes: text)"
        );
        // Foundation mode suggests what runs; orchestration what it serves.
        assert_eq!(hint, "pick a model that does, e.g. gpt-4o");
        let (_, hint) = decide_in(&catalog, "o3-mini", Mode::Orchestration, &question).unwrap_err();
        assert_eq!(hint, "pick a model that does, e.g. gpt-4o, gpt-4.1");
        let (why, _) = decide_in(&catalog, "mystery", Mode::Foundation, &question).unwrap_err();
        assert!(
            why.starts_with("mystery is not in the model catalog"),
            "{why}"
        );
    }

    #[test]
    fn earlier_images_are_left_out_for_a_text_model() {
        let catalog = [entry("o3-mini", &["text"], 1)];
        let messages = [
            with_image("what is it?"),
            Message::new(Role::User, "thanks"),
        ];
        assert_eq!(
            decide_in(&catalog, "o3-mini", Mode::Foundation, &messages),
            Ok(Images::LeaveOut)
        );
        let mut request = ChatRequest {
            messages: messages.to_vec(),
            ..ChatRequest::default()
        };
        leave_out(&mut request, "o3-mini");
        assert!(request.messages[0].images.is_empty());
        assert_eq!(
            request.messages[0].content,
            "what is it?\n(1 attached image left out: o3-mini does not take images)"
        );
    }
}
