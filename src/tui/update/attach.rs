//! Files attached with `@path`: a message's `@path` words are read (by an effect, off the
//! loop) before it is sent; any failure sends nothing and says why. A word naming nothing on
//! disk (`@property`) is text: the effect returns no result for it. A message made only of
//! attached `@path` words attaches them to the next question, and so does a pasted path of
//! an image file (as terminals drop one: quoted, `\ `-escaped or `file://`). Completing the
//! path: `completion.rs`.

use super::{code, next_request};
use crate::agent::Attachment;
pub use crate::agent::attachment::at_paths;
use crate::agent::attachment::{AT_PATH_PUNCTUATION, names_an_image_file};
use crate::tui::event::Effect;
use crate::tui::state::{AppState, Attaching};

/// Whether the message has words other than the `@path`s that were attached: a question
/// to send (an `@word` that named no file is part of the question).
fn has_question(text: &str, attached: &[&str]) -> bool {
    text.split_whitespace().any(|word| {
        let path = word
            .strip_prefix('@')
            .map(|p| p.trim_end_matches(AT_PATH_PUNCTUATION));
        !path.is_some_and(|p| attached.contains(&p))
    })
}

/// Starts reading the message's `@path` files; `None` when it names none.
pub(super) fn start(state: &mut AppState, text: &str) -> Option<Vec<Effect>> {
    let paths = at_paths(text);
    if paths.is_empty() {
        return None;
    }
    Some(start_paths(state, text, paths))
}

/// A paste that is exactly the path of an existing image file attaches it to the next
/// question, as `@path` would; `None` for any other paste (it goes into the message).
pub(super) fn pasted_image(state: &mut AppState, pasted: &str) -> Option<Vec<Effect>> {
    let path = pasted_path(pasted)?;
    let expanded = crate::tui::effects::expand_home(&path);
    if !names_an_image_file(&expanded) {
        return None;
    }
    Some(start_paths(state, "", vec![path]))
}

/// The one path a paste holds: quotes, a `file://` prefix (percent-decoded) and `\ ` escapes
/// as terminals write a dropped file are taken off; `None` for text of several lines.
fn pasted_path(pasted: &str) -> Option<String> {
    let text = pasted.trim();
    if text.is_empty() || text.contains(['\n', '\r']) {
        return None;
    }
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)))
        .unwrap_or(text);
    if let Some(uri) = unquoted.strip_prefix("file://") {
        // `file:///home/a/b.png` (empty host) or `file://localhost/...`.
        let path = uri.strip_prefix("localhost").unwrap_or(uri);
        return path.starts_with('/').then(|| percent_decoded(path));
    }
    Some(unquoted.replace("\\ ", " "))
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn start_paths(state: &mut AppState, text: &str, paths: Vec<String>) -> Vec<Effect> {
    let request = next_request(state);
    state.chat.composer.attaching = Some(Attaching {
        request,
        text: text.to_owned(),
    });
    vec![Effect::ReadAttachments { request, paths }]
}

pub(super) fn read(
    state: &mut AppState,
    request: u64,
    results: Vec<Result<Attachment, String>>,
) -> Vec<Effect> {
    let Some(attaching) = state
        .chat
        .composer
        .attaching
        .take_if(|a| a.request == request)
    else {
        return Vec::new();
    };
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().cloned())
        .collect();
    if !errors.is_empty() {
        state.notice = Some(format!("nothing sent: {}", errors.join("; ")));
        return Vec::new();
    }
    let attached: Vec<String> = results.iter().flatten().map(|a| a.path.clone()).collect();
    let attached: Vec<&str> = attached.iter().map(String::as_str).collect();
    let has_question = attached.is_empty() || has_question(&attaching.text, &attached);
    let mut last_title = None;
    for attachment in results.into_iter().flatten() {
        last_title = Some(format!("@{}", attachment.path));
        state
            .chat
            .composer
            .attachments
            .retain(|a| a.path != attachment.path);
        state.chat.composer.attachments.push(attachment);
    }
    if let Some(title) = last_title {
        code::show(state, &title);
    }
    if has_question {
        return super::chat::send_text(state, attaching.text);
    }
    if state.chat.composer.input.text() == attaching.text {
        state.chat.composer.input.set_text("");
    }
    let names: Vec<String> = state.chat.composer.attachments.iter().map(label).collect();
    state.notice = Some(format!(
        "{} attached: it goes with your next question",
        names.join(" ")
    ));
    Vec::new()
}

/// How an attachment is named on screen: `@src/lib.rs` for a file, `!cargo test` for the
/// output of a command the user ran.
pub fn label(attachment: &Attachment) -> String {
    if attachment.path.starts_with('!') {
        attachment.path.clone()
    } else {
        format!("@{}", attachment.path)
    }
}

/// `Ctrl-X`: drops the attachment added last.
pub(super) fn remove_last(state: &mut AppState) {
    state.notice = Some(match state.chat.composer.attachments.pop() {
        Some(attachment) => format!("{} removed", label(&attachment)),
        None => "no attachment to remove".into(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::image::{Image, samples};
    use crate::tui::event::Event;
    use crate::tui::test_support::{apply, picked, typed};

    #[test]
    fn at_words_are_paths() {
        assert_eq!(
            at_paths("explain @src/lib.rs, and @a.rs? not me@x @"),
            ["src/lib.rs", "a.rs"]
        );
        assert!(!has_question("@a.rs  @b.rs", &["a.rs", "b.rs"]));
        assert!(has_question("@a.rs why", &["a.rs"]));
        // `@property` named no file: it is a word of the question.
        assert!(has_question("@a.rs @property", &["a.rs"]));
        assert!(!has_question("@a.rs, @b.rs?", &["a.rs", "b.rs"]));
    }

    #[test]
    fn a_pasted_path_is_taken_as_terminals_drop_it() {
        assert_eq!(
            pasted_path("/tmp/shot.png\n").as_deref(),
            Some("/tmp/shot.png")
        );
        assert_eq!(
            pasted_path("'/tmp/my shot.png'").as_deref(),
            Some("/tmp/my shot.png")
        );
        assert_eq!(
            pasted_path("\"/tmp/a b.png\"").as_deref(),
            Some("/tmp/a b.png")
        );
        assert_eq!(
            pasted_path("/tmp/my\\ shot.png").as_deref(),
            Some("/tmp/my shot.png")
        );
        assert_eq!(
            pasted_path("file:///tmp/my%20shot.png").as_deref(),
            Some("/tmp/my shot.png")
        );
        assert_eq!(
            pasted_path("file://localhost/tmp/a.png").as_deref(),
            Some("/tmp/a.png")
        );
        assert_eq!(pasted_path("file://server/a.png"), None);
        assert_eq!(pasted_path("/tmp/a.png\n/tmp/b.png"), None);
        assert_eq!(pasted_path("  "), None);
    }

    /// A pasted image path attaches the image to the next question (the typed text stays);
    /// a pasted path of a text file, or of no file, is text in the message.
    #[test]
    fn a_pasted_image_path_attaches_it_and_the_question_carries_it() {
        let dir = tempfile::tempdir().unwrap();
        let shot = dir.path().join("my shot.png");
        std::fs::write(&shot, samples::png(32, 16)).unwrap();
        let note = dir.path().join("note.txt");
        std::fs::write(&note, "hi").unwrap();
        let mut state = picked(160, 48);
        typed(&mut state, "look: ");
        let effects = apply(&mut state, Event::Paste(format!("'{}'", shot.display())));
        let [Effect::ReadAttachments { request, paths }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(paths, &[shot.display().to_string()]);
        assert_eq!(state.chat.composer.input.text(), "look: ");
        let image = Image::from_bytes(samples::png(32, 16)).unwrap();
        let attachment = Attachment::from_image(&shot.display().to_string(), image.clone());
        let effects = apply(
            &mut state,
            Event::AttachmentsRead {
                request: *request,
                results: vec![Ok(attachment)],
            },
        );
        assert_eq!(effects, vec![]);
        assert_eq!(state.chat.composer.input.text(), "look: ");
        assert!(
            state
                .notice
                .as_deref()
                .unwrap()
                .ends_with("attached: it goes with your next question"),
            "{:?}",
            state.notice
        );
        typed(&mut state, "what is it?");
        let effects = crate::tui::test_support::key(&mut state, crossterm::event::KeyCode::Enter);
        let Some(Effect::StartTurn { conversation, .. }) = effects.last() else {
            panic!("{effects:?}");
        };
        let question = conversation.messages().last().unwrap();
        assert_eq!(question.images, vec![image]);
        assert!(
            question
                .content
                .ends_with("attached image\nlook: what is it?"),
            "{}",
            question.content
        );
        assert_eq!(
            state.chat.transcript.entries[0].files,
            [format!("@{} 29 B", shot.display())]
        );
        for text in [
            note.display().to_string(),
            dir.path().join("gone.png").display().to_string(),
        ] {
            let mut state = picked(160, 48);
            assert_eq!(apply(&mut state, Event::Paste(text.clone())), vec![]);
            assert_eq!(state.chat.composer.input.text(), text);
        }
    }
}
