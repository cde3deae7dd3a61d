//! Each tool and each refusal, on a temp project beside a `secret` it must not reach.

use serde_json::json;

use super::*;

fn project() -> (tempfile::TempDir, Tools) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    std::fs::create_dir_all(root.join("src/nested")).unwrap();
    std::fs::create_dir_all(root.join("target/debug")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join(".hidden")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"demo\"\n").unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "pub fn one() {}\npub fn two() {}\n// needle\n",
    )
    .unwrap();
    std::fs::write(root.join("src/nested/deep.rs"), "// needle deep\n").unwrap();
    std::fs::write(root.join("target/debug/out.rs"), "// needle built\n").unwrap();
    std::fs::write(root.join(".git/config"), "needle").unwrap();
    std::fs::write(root.join(".hidden/x"), "needle").unwrap();
    std::fs::write(dir.path().join("secret"), "top secret").unwrap();
    let tools = Tools::new(&root).unwrap().with_level(ToolLevel::All);
    (dir, tools)
}

fn read(tools: &Tools, relative: &str) -> String {
    std::fs::read_to_string(tools.root().join(relative)).unwrap()
}

/// Prepares and applies an edit as an approved call would.
fn edit(tools: &Tools, name: &str, args: serde_json::Value) -> Result<(), String> {
    let proposal = tools
        .prepare_edit(name, &args.to_string())
        .map_err(|out| out.content)?;
    tools.apply(&proposal)
}

#[test]
fn reads_files_and_line_ranges() {
    let (_dir, tools) = project();
    let out = tools.call("read_file", r#"{"path":"Cargo.toml"}"#);
    assert!(out.ok, "{out:?}");
    assert_eq!(out.content, "[package]\nname = \"demo\"\n");
    assert_eq!(out.summary, "Cargo.toml (24 B)");
    let out = tools.call(
        "read_file",
        r#"{"path":"./src/lib.rs","start_line":2,"end_line":2}"#,
    );
    assert_eq!(out.content, "pub fn two() {}\n");
    let out = tools.call("read_file", r#"{"path":"src/lib.rs","start_line":9}"#);
    assert!(!out.ok && out.content.contains("past the end"), "{out:?}");
}

#[test]
fn escapes_are_refused() {
    let (dir, tools) = project();
    for path in [
        "../secret",
        "src/../../secret",
        dir.path().join("secret").to_str().unwrap(),
        "/etc/passwd",
        "../missing",
    ] {
        let args = json!({ "path": path }).to_string();
        let out = tools.call("read_file", &args);
        assert!(!out.ok, "{path}: {out:?}");
        assert!(
            out.content.starts_with("error: ") && out.content.contains("outside the project"),
            "{path}: {}",
            out.content
        );
        assert!(!out.content.contains("top secret"));
    }
    let out = tools.call("read_file", r#"{"path":"src/../Cargo.toml"}"#);
    assert!(out.ok, "{out:?}");
    let inside = tools.root().join("Cargo.toml");
    let out = tools.call("read_file", &json!({ "path": inside }).to_string());
    assert!(out.ok, "{out:?}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_refused() {
    let (dir, tools) = project();
    std::os::unix::fs::symlink(dir.path().join("secret"), tools.root().join("link")).unwrap();
    std::os::unix::fs::symlink(dir.path(), tools.root().join("up")).unwrap();
    let out = tools.call("read_file", r#"{"path":"link"}"#);
    assert!(
        !out.ok && out.content.contains("outside the project"),
        "{out:?}"
    );
    let out = tools.call("read_file", r#"{"path":"up/secret"}"#);
    assert!(
        !out.ok && out.content.contains("outside the project"),
        "{out:?}"
    );
    let out = tools.call("search", r#"{"pattern":"top secret"}"#);
    assert_eq!(out.content, "no matches for \"top secret\"");
    let out = tools.call("list_files", r#"{"path":"up"}"#);
    assert!(!out.ok, "{out:?}");
    // Writes through the links, and new files under the linked directory, are refused too.
    for (name, args) in [
        ("write_file", json!({"path": "link", "content": "x"})),
        ("write_file", json!({"path": "up/new.txt", "content": "x"})),
        (
            "write_file",
            json!({"path": "up/deeper/new.txt", "content": "x"}),
        ),
        (
            "edit_file",
            json!({"path": "link", "old_text": "top", "new_text": "x"}),
        ),
    ] {
        let err = edit(&tools, name, args.clone()).unwrap_err();
        assert!(err.contains("outside the project"), "{args}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secret")).unwrap(),
        "top secret"
    );
    assert!(!dir.path().join("new.txt").exists() && !dir.path().join("deeper").exists());
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_after_the_proposal_is_caught_before_writing() {
    let (dir, tools) = project();
    std::fs::create_dir(tools.root().join("out")).unwrap();
    let proposal = tools
        .prepare_edit(
            "write_file",
            &json!({"path": "out/x.txt", "content": "x"}).to_string(),
        )
        .unwrap();
    std::fs::remove_dir(tools.root().join("out")).unwrap();
    std::os::unix::fs::symlink(dir.path(), tools.root().join("out")).unwrap();
    let err = tools.apply(&proposal).unwrap_err();
    assert!(err.contains("outside the project"), "{err}");
    assert!(!dir.path().join("x.txt").exists());
}

#[test]
fn lists_honouring_gitignore_without_build_vcs_or_hidden_dirs() {
    let (_dir, tools) = project();
    let out = tools.call("list_files", "{}");
    assert_eq!(
        out.content,
        "Cargo.toml\nsrc/\nsrc/lib.rs\nsrc/nested/\nsrc/nested/deep.rs"
    );
    let out = tools.call("list_files", r#"{"path":"src","max_depth":1}"#);
    assert_eq!(out.content, "src/lib.rs\nsrc/nested/");
    let out = tools.call("list_files", r#"{"path":"Cargo.toml"}"#);
    assert!(!out.ok);
    std::fs::write(tools.root().join(".gitignore"), "nested/\n*.log\n").unwrap();
    std::fs::write(tools.root().join("debug.log"), "needle log").unwrap();
    let out = tools.call("list_files", "{}");
    assert_eq!(out.content, "Cargo.toml\nsrc/\nsrc/lib.rs");
    let out = tools.call("search", r#"{"pattern":"needle"}"#);
    assert_eq!(out.content, "src/lib.rs:3: // needle");
}

#[test]
fn search_reports_file_line_text() {
    let (_dir, tools) = project();
    let out = tools.call("search", r#"{"pattern":"needle"}"#);
    assert_eq!(
        out.content,
        "src/lib.rs:3: // needle\nsrc/nested/deep.rs:1: // needle deep"
    );
    assert_eq!(out.summary, "2 matches");
    let out = tools.call("search", r#"{"pattern":"fn","path":"src/lib.rs"}"#);
    assert_eq!(out.content.lines().count(), 2);
    let out = tools.call("search", r#"{"path":"src"}"#);
    assert!(!out.ok && out.content.contains("pattern"));
}

#[test]
fn results_are_capped() {
    let (_dir, tools) = project();
    let many: String = (0..500).map(|i| format!("hit {i}\n")).collect();
    std::fs::write(tools.root().join("many.txt"), many).unwrap();
    let out = tools.call("search", r#"{"pattern":"hit"}"#);
    assert_eq!(out.content.lines().count(), MAX_MATCHES + 1);
    assert!(out.content.ends_with("narrow the pattern or path]"));
    assert_eq!(out.summary, "200 matches (capped)");
    let big = "é".repeat(MAX_RESULT_BYTES);
    std::fs::write(tools.root().join("big.txt"), &big).unwrap();
    let out = tools.call("read_file", r#"{"path":"big.txt"}"#);
    assert!(out.content.len() <= MAX_RESULT_BYTES + 100);
    assert!(out.content.ends_with("ask for a line range]"));
}

#[test]
fn binary_huge_and_bad_calls_are_clear_errors() {
    let (_dir, tools) = project();
    let cases = [
        ("read_file", "not json"),
        ("read_file", "[1]"),
        ("read_file", "{}"),
        ("read_file", r#"{"path":"nope.rs"}"#),
        ("read_file", r#"{"path":"src"}"#),
        ("write_file", r#"{"path":"x"}"#),
    ];
    for (name, args) in cases {
        let out = tools.call(name, args);
        assert!(
            !out.ok && out.content.starts_with("error: "),
            "{name} {args}: {out:?}"
        );
    }
    std::fs::write(tools.root().join("bin"), [0xff, 0xfe]).unwrap();
    std::fs::write(tools.root().join("nul"), b"text\0more").unwrap();
    for name in ["bin", "nul"] {
        let out = tools.call("read_file", &json!({"path": name}).to_string());
        assert!(out.content.contains("is a binary file"), "{out:?}");
    }
    let huge = std::fs::File::create(tools.root().join("huge.txt")).unwrap();
    huge.set_len(MAX_FILE_BYTES + 1).unwrap();
    let out = tools.call("read_file", r#"{"path":"huge.txt"}"#);
    assert!(out.content.contains("too large to read"), "{out:?}");
    assert_eq!(human_bytes(1229), "1.2 KiB");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let (_dir, tools) = project();
    let fifo = tools.root().join("pipe");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: plain mkfifo on a NUL-terminated path in a temp dir.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    // No writer ever opens it: a blocking open would hang this test.
    let out = tools.call("read_file", r#"{"path":"pipe"}"#);
    assert!(out.content.contains("not a regular file"), "{out:?}");
    let out = tools.call("search", r#"{"pattern":"x","path":"pipe"}"#);
    assert_eq!(out.content, "no matches for \"x\"");
    let err = edit(
        &tools,
        "edit_file",
        json!({"path": "pipe", "old_text": "a", "new_text": "b"}),
    )
    .unwrap_err();
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn edit_file_replaces_once_or_everywhere_when_asked() {
    let (_dir, tools) = project();
    edit(&tools, "edit_file", json!({"path": "src/lib.rs", "old_text": "pub fn two() {}", "new_text": "pub fn two() -> u8 {\n    2\n}"})).unwrap();
    assert_eq!(
        read(&tools, "src/lib.rs"),
        "pub fn one() {}\npub fn two() -> u8 {\n    2\n}\n// needle\n"
    );
    // A second edit of the same file applies on the result of the first.
    edit(
        &tools,
        "edit_file",
        json!({"path": "src/lib.rs", "old_text": "    2\n", "new_text": "    3\n"}),
    )
    .unwrap();
    assert!(read(&tools, "src/lib.rs").contains("    3\n"));
    edit(
        &tools,
        "edit_file",
        json!({"path": "src/lib.rs", "old_text": "pub fn", "new_text": "fn", "replace_all": true}),
    )
    .unwrap();
    assert_eq!(
        read(&tools, "src/lib.rs"),
        "fn one() {}\nfn two() -> u8 {\n    3\n}\n// needle\n"
    );
}

#[test]
fn edit_file_tells_the_model_what_to_fix() {
    let (dir, tools) = project();
    std::fs::write(tools.root().join("bin"), [0xff, 0xfe]).unwrap();
    let secret = dir.path().join("secret");
    let cases = [
        (
            json!({"path": "src/lib.rs", "old_text": "fn three", "new_text": "x"}),
            "was not found in src/lib.rs",
        ),
        (
            json!({"path": "src/lib.rs", "old_text": "pub fn", "new_text": "fn"}),
            "found 2 times",
        ),
        (
            json!({"path": "../secret", "old_text": "top", "new_text": "x"}),
            "outside the project",
        ),
        (
            json!({"path": secret, "old_text": "top", "new_text": "x"}),
            "outside the project",
        ),
        (
            json!({"path": "/tmp/sapcode-x.txt", "old_text": "a", "new_text": "x"}),
            "outside the project",
        ),
        (
            json!({"path": "bin", "old_text": "a", "new_text": "b"}),
            "binary file",
        ),
        (
            json!({"path": "src", "old_text": "a", "new_text": "b"}),
            "not a regular file",
        ),
        (
            json!({"path": "missing.rs", "old_text": "a", "new_text": "b"}),
            "use write_file to create it",
        ),
        (
            json!({"path": "Cargo.toml", "old_text": "", "new_text": "b"}),
            "old_text is empty",
        ),
        (
            json!({"path": "Cargo.toml", "old_text": "demo", "new_text": "demo"}),
            "same as old_text",
        ),
        (
            json!({"path": "Cargo.toml", "old_text": "demo"}),
            "needs string",
        ),
    ];
    for (args, expected) in cases {
        let err = edit(&tools, "edit_file", args.clone()).unwrap_err();
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args}: {err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret");
    assert_eq!(
        read(&tools, "src/lib.rs"),
        "pub fn one() {}\npub fn two() {}\n// needle\n"
    );
}

#[test]
fn write_file_creates_parents_inside_and_never_writes_vcs_dirs() {
    let (dir, tools) = project();
    edit(
        &tools,
        "write_file",
        json!({"path": "src/new/deep/mod.rs", "content": "// new\n"}),
    )
    .unwrap();
    assert_eq!(read(&tools, "src/new/deep/mod.rs"), "// new\n");
    edit(
        &tools,
        "write_file",
        json!({"path": "Cargo.toml", "content": "[package]\n"}),
    )
    .unwrap();
    assert_eq!(read(&tools, "Cargo.toml"), "[package]\n");
    for path in [
        ".git/config",
        ".git/hooks/pre-commit",
        "sub/.git/config",
        ".GIT/config",
        "a/.hg/hgrc",
        ".svn/x",
    ] {
        let err = edit(&tools, "write_file", json!({"path": path, "content": "x"})).unwrap_err();
        assert!(err.contains("never writes to"), "{path}: {err}");
    }
    let err = edit(
        &tools,
        "edit_file",
        json!({"path": ".git/config", "old_text": "needle", "new_text": "x"}),
    )
    .unwrap_err();
    assert!(err.contains("never writes to"), "{err}");
    assert_eq!(read(&tools, ".git/config"), "needle");
    for path in ["../escape.txt", "src/../../escape.txt", "/tmp/escape.txt"] {
        let err = edit(&tools, "write_file", json!({"path": path, "content": "x"})).unwrap_err();
        assert!(
            err.contains("outside the project") || err.contains("without `..`"),
            "{path}: {err}"
        );
    }
    assert!(!dir.path().join("escape.txt").exists());
}

#[cfg(unix)]
#[test]
fn writes_keep_permissions_and_undo_restores() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, tools) = project();
    let script = tools.root().join("run.sh");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    edit(
        &tools,
        "edit_file",
        json!({"path": "run.sh", "old_text": "/bin/sh", "new_text": "/bin/sh -e"}),
    )
    .unwrap();
    assert_eq!(
        std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );
    edit(
        &tools,
        "write_file",
        json!({"path": "fresh.txt", "content": "new\n"}),
    )
    .unwrap();
    assert_eq!(tools.undo_len(), 2);
    assert_eq!(tools.undo_last().unwrap(), "fresh.txt");
    assert!(!tools.root().join("fresh.txt").exists());
    assert_eq!(tools.undo_last().unwrap(), "run.sh");
    assert_eq!(read(&tools, "run.sh"), "#!/bin/sh\n");
    assert_eq!(
        std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert_eq!(tools.undo_last(), Err(UndoError::Empty));
    // A file changed since the edit is not undone.
    edit(
        &tools,
        "write_file",
        json!({"path": "run.sh", "content": "echo one\n"}),
    )
    .unwrap();
    std::fs::write(&script, "echo mine\n").unwrap();
    assert_eq!(
        tools.undo_last().unwrap_err().to_string(),
        "run.sh changed since sapcode edited it; not undone"
    );
    assert_eq!(read(&tools, "run.sh"), "echo mine\n");
}

#[test]
fn levels_offer_their_tools() {
    let (_dir, tools) = project();
    let names = |level| -> Vec<String> {
        tools
            .clone()
            .with_level(level)
            .offered()
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    assert!(names(ToolLevel::Off).is_empty());
    assert_eq!(
        names(ToolLevel::Read),
        ["read_file", "list_files", "search"]
    );
    assert_eq!(names(ToolLevel::Edit).len(), 5);
    assert_eq!(names(ToolLevel::All).last().unwrap(), "run_command");
    assert_eq!(ToolLevel::parse(" Edit "), Some(ToolLevel::Edit));
    assert_eq!(ToolLevel::parse("write"), None);
    let timeout = |args: serde_json::Value| tools.timeout_for(&args).as_secs();
    assert_eq!(timeout(json!({})), 120);
    assert_eq!(timeout(json!({"timeout_s": 0})), 1);
    assert_eq!(timeout(json!({"timeout_s": 9999})), 600);
}

/// A write of the content a file already has is a no-op that worked, not a refusal: the model
/// is told nothing was written, and the line does not claim an edit was applied.
#[test]
fn writing_the_same_content_again_is_unchanged_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sh"), "echo hi\n").unwrap();
    let tools = Tools::new(dir.path())
        .unwrap()
        .with_level(crate::agent::ToolLevel::Edit);
    let out = tools
        .prepare_edit("write_file", r#"{"path":"a.sh","content":"echo hi\n"}"#)
        .unwrap_err();
    assert!(out.ok, "{out:?}");
    assert!(
        out.content
            .starts_with("unchanged: a.sh already has this content")
    );
    let finished = crate::agent::outcome::Finished {
        kind: Some(crate::agent::tools::ToolKind::Edit),
        summary: &out.summary,
        bytes: out.content.len(),
        ok: out.ok,
        edit: None,
    };
    let line = crate::agent::outcome::describe_finished("write_file a.sh", finished);
    assert_eq!(line, "write_file a.sh: unchanged: already has this content");
}
