use std::path::Path;
use std::time::{Duration, SystemTime};

use pretty_assertions::assert_eq;

use super::*;
use crate::aicore::{Message, Mode, Role, ToolCall, Usage};

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000 + seconds)
}

fn store() -> (tempfile::TempDir, SessionStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    (dir, store)
}

fn start(store: &SessionStore, workspace: &Path, seconds: u64) -> SessionFile {
    store
        .create(
            workspace,
            Mode::Foundation,
            Some("gpt-4o"),
            Some("d1"),
            None,
            at(seconds),
            false,
        )
        .unwrap()
}

fn say(file: &SessionFile, role: Role, text: &str, seconds: u64) {
    file.append(&Entry::message(Message::new(role, text), at(seconds)))
        .unwrap();
}

#[test]
fn saves_lists_and_loads_a_conversation() {
    let (_dir, store) = store();
    let workspace = Path::new("/home/ada/project");
    let file = start(&store, workspace, 0);
    say(&file, Role::User, "why is the sky blue?\nsecond line", 1);
    let call = ToolCall {
        id: "c1".into(),
        name: "read_file".into(),
        arguments: r#"{"path":"a.rs"}"#.into(),
        thought_signature: None,
    };
    file.append(&Entry::message(
        Message::assistant_tool_calls("", vec![call]),
        at(2),
    ))
    .unwrap();
    file.append(&Entry::message(
        Message::tool_result("c1", "fn a() {}"),
        at(3),
    ))
    .unwrap();
    say(&file, Role::Assistant, "Rayleigh scattering.", 4);
    file.append(&Entry::usage(
        Usage {
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15,
            ..Default::default()
        },
        at(4),
    ))
    .unwrap();

    let list = store.list(Scope::Workspace(workspace)).unwrap();
    assert_eq!(
        list,
        [SessionSummary {
            id: file.id().to_owned(),
            workspace: workspace.to_owned(),
            model: Some("gpt-4o".into()),
            updated: "2026-05-28T20:26:44Z".into(),
            title: "why is the sky blue?".into(),
            turns: 1,
            one_shot: false,
            cost_usd: None,
        }]
    );
    let loaded = store.load(file.id()).unwrap();
    assert_eq!(loaded.messages.len(), 4);
    assert_eq!(loaded.messages[1].tool_calls[0].name, "read_file");
    assert_eq!(loaded.last_usage.map(|u| u.total_tokens), Some(15));
    assert!(!loaded.was_truncated);
    let conversation = loaded.conversation();
    assert_eq!(conversation.messages(), loaded.messages.as_slice());
}

#[cfg(unix)]
#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, store) = store();
    let file = start(&store, Path::new("/w"), 0);
    let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(file.path().parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
}

#[test]
fn a_cut_last_line_loses_only_that_line() {
    let (_dir, store) = store();
    let file = start(&store, Path::new("/w"), 0);
    say(&file, Role::User, "question", 1);
    say(&file, Role::Assistant, "complete answer", 2);
    say(&file, Role::User, "second question", 3);
    say(&file, Role::Assistant, "answer that was streaming", 4);
    let text = std::fs::read_to_string(file.path()).unwrap();
    let cut = text.len() - 20;
    std::fs::write(file.path(), &text[..cut]).unwrap();

    let loaded = store.load(file.id()).unwrap();
    assert!(loaded.was_truncated);
    let contents: Vec<&str> = loaded.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["question", "complete answer", "second question"]);
    // The session goes on: appending after a cut line starts a fresh, readable line.
    say(&file, Role::Assistant, "retried", 5);
    assert_eq!(store.load(file.id()).unwrap().messages.len(), 4);
}

#[test]
fn lists_newest_first_per_workspace_or_all() {
    let (_dir, store) = store();
    let here = Path::new("/work/here");
    let there = Path::new("/work/there");
    let old = start(&store, here, 0);
    say(&old, Role::User, "old", 1);
    let other = start(&store, there, 2);
    say(&other, Role::User, "elsewhere", 3);
    let new = start(&store, here, 4);
    say(&new, Role::User, "new", 5);
    say(&old, Role::User, "old again", 6);

    let ids = |scope| -> Vec<String> {
        store
            .list(scope)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(
        ids(Scope::Workspace(here)),
        [old.id().to_owned(), new.id().to_owned()]
    );
    assert_eq!(
        ids(Scope::All),
        [old.id(), new.id(), other.id()].map(str::to_owned)
    );
    let last = store.last_for(here).unwrap().unwrap();
    assert_eq!(last.header.id, old.id());
    assert_eq!(last.summary().turns, 2);
    assert!(store.last_for(Path::new("/nowhere")).unwrap().is_none());
}

#[test]
fn reopened_sessions_append_to_the_same_file() {
    let (_dir, store) = store();
    let file = start(&store, Path::new("/w"), 0);
    say(&file, Role::User, "one", 1);
    let loaded = store.load(file.id()).unwrap();
    let again = store.reopen(&loaded);
    assert_eq!(again.path(), file.path());
    say(&again, Role::User, "two", 2);
    assert_eq!(store.load(file.id()).unwrap().summary().turns, 2);
}

#[test]
fn unknown_or_malformed_ids_are_not_found() {
    let (_dir, store) = store();
    for id in ["nope", "../../etc/passwd", ""] {
        assert!(
            matches!(store.load(id), Err(SessionError::NotFound(_))),
            "{id}"
        );
    }
    assert!(store.list(Scope::All).unwrap().is_empty());
}

#[test]
fn compaction_replaces_the_messages() {
    let (_dir, store) = store();
    let file = start(&store, Path::new("/w"), 0);
    say(&file, Role::User, "one", 1);
    say(&file, Role::Assistant, "1", 2);
    file.append(&Entry::Compacted {
        at: entry::stamp(at(3)),
        messages: vec![Message::new(Role::User, "summary")],
        tools: Default::default(),
    })
    .unwrap();
    say(&file, Role::User, "two", 4);
    let loaded = store.load(file.id()).unwrap();
    let contents: Vec<&str> = loaded.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["summary", "two"]);
    // The title stays the first question as asked, not the summary that replaced it.
    assert_eq!(loaded.summary().title, "one");
}

#[test]
fn titles_skip_attachments_and_are_shortened() {
    let long = "x".repeat(80);
    let messages = [Message::new(
        Role::User,
        format!("`a.rs`:\n```rs\nfn a() {{}}\n```\n\n{long}"),
    )];
    let title = title_of(&messages);
    assert_eq!(title.chars().count(), TITLE_CHARS + 1);
    assert!(title.starts_with("xxx") && title.ends_with('…'), "{title}");
    // Attached images, alone or after a file, are skipped too.
    for content in [
        "`shot.png`: attached image\n`b.png`: attached image\nwhat is this",
        "`a.rs`:\n```rs\nfn a() {}\n```\n`shot.png`: attached image\nwhat is this",
    ] {
        let messages = [Message::new(Role::User, content.to_owned())];
        assert_eq!(title_of(&messages), "what is this", "{content}");
    }
}

#[test]
fn unanswered_questions_are_not_continued() {
    let (_dir, store) = store();
    let file = start(&store, Path::new("/w"), 0);
    say(&file, Role::User, "failed", 1);
    say(&file, Role::User, "answered", 2);
    say(&file, Role::Assistant, "yes", 3);
    say(&file, Role::User, "killed", 4);
    let loaded = store.load(file.id()).unwrap();
    assert_eq!(loaded.summary().turns, 3);
    let conversation = loaded.conversation();
    let contents: Vec<&str> = conversation
        .messages()
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["answered", "yes"]);
}
