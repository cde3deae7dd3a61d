//! The trust boundary of the file tools (contract "The trust boundary"): a directory swapped
//! for a symlink while writing, undo after such a swap, the read deny list with the
//! workspace at `$HOME`, `.jj/`, and names with control characters.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::config::Paths;

/// A workspace `project` and, beside it, an `outside` dir a swapped-in symlink leads to.
fn workspace() -> (tempfile::TempDir, Tools, PathBuf) {
    // On tmpfs where there is one: each write syncs, and a disk would make thousands slow.
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let root = dir.path().join("project");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let tools = Tools::new(&root).unwrap().with_level(ToolLevel::Edit);
    (dir, tools, outside)
}

fn write(tools: &Tools, path: &str, content: &str) -> Result<(), String> {
    let args = json!({ "path": path, "content": content }).to_string();
    let proposal = tools
        .prepare_edit("write_file", &args)
        .map_err(|out| out.content)?;
    tools.apply(&proposal)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Waits a random share of `max_micros` (sleeping, so the writer keeps its CPU): the swaps
/// land anywhere in a write.
fn linger(max_micros: u64) {
    std::thread::sleep(Duration::from_micros(fastrand::u64(0..max_micros)));
}

/// Flips `sub` between the real directory and a symlink to `outside` until `stop`; returns
/// how many times it was a symlink. A directory the tools made in a gap is cleared away.
fn flip(sub: PathBuf, outside: PathBuf, stop: Arc<AtomicBool>) -> usize {
    let parked = sub.with_file_name("parked");
    let mut flips = 0;
    while !stop.load(Ordering::Relaxed) {
        let _ = std::fs::rename(&sub, &parked);
        if symlink(&outside, &sub).is_ok() {
            flips += 1;
        }
        std::thread::yield_now();
        match sub.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                let _ = std::fs::remove_file(&sub);
            }
            Ok(_) => {
                let _ = std::fs::remove_dir_all(&sub);
            }
            Err(_) => {}
        }
        let _ = std::fs::rename(&parked, &sub);
        linger(300);
    }
    flips
}

/// Thousands of approved writes (new files, new directories, rewrites of a file) race a
/// process flipping their directory to a symlink out of the workspace: none ever lands
/// outside. Before `beneath` a write checked the path, then wrote through it by name.
#[test]
fn a_directory_swapped_for_a_symlink_never_lets_a_write_out() {
    let (dir, tools, outside) = workspace();
    let sub = tools.root().join("sub");
    std::fs::write(sub.join("kept.txt"), "0").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (sub, outside, stop) = (sub.clone(), outside.clone(), stop.clone());
        std::thread::spawn(move || flip(sub, outside, stop))
    };
    let deadline = Instant::now() + Duration::from_secs(6);
    let (mut tries, mut applied, mut refused) = (0, 0, 0);
    while tries < 3000 && Instant::now() < deadline {
        tries += 1;
        let path = match tries % 3 {
            0 => format!("sub/new{tries}.txt"),
            1 => format!("sub/dir{tries}/new.txt"),
            _ => "sub/kept.txt".to_owned(),
        };
        // Proposed while `sub` is a directory, applied whatever it is by then.
        let args = json!({ "path": path, "content": tries.to_string() }).to_string();
        let Some(proposal) = (0..1000).find_map(|_| tools.prepare_edit("write_file", &args).ok())
        else {
            continue;
        };
        match tools.apply(&proposal) {
            Ok(()) => applied += 1,
            Err(err) if err.contains("outside the project") || err.contains("symlink") => {
                refused += 1;
            }
            Err(_) => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    let flips = flipper.join().unwrap();
    println!("{tries} approved writes: {applied} applied, {refused} refused; {flips} swaps");
    assert!(
        flips > 100 && applied > 100 && refused > 10,
        "the race did not run"
    );
    assert_eq!(entries(&outside), Vec::<String>::new(), "a write escaped");
    assert_eq!(entries(dir.path()), ["outside", "project"]);
}

/// Undo after the edited file's directory became a symlink to a copy outside: refused, the
/// outside file untouched (it used to be deleted or overwritten).
#[test]
fn undo_after_a_swap_refuses_and_leaves_the_outside_alone() {
    let (dir, tools, outside) = workspace();
    let sub = tools.root().join("sub");
    std::fs::write(sub.join("old.txt"), "before\n").unwrap();
    write(&tools, "sub/old.txt", "after\n").unwrap();
    write(&tools, "sub/new.txt", "created\n").unwrap();
    // The attacker's copy, with what sapcode wrote, so a content check alone would pass.
    std::fs::write(outside.join("old.txt"), "after\n").unwrap();
    std::fs::write(outside.join("new.txt"), "created\n").unwrap();
    std::fs::rename(&sub, dir.path().join("project/parked")).unwrap();
    symlink(&outside, &sub).unwrap();
    for path in ["sub/new.txt", "sub/old.txt"] {
        let err = tools.undo_last().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{path}: a symlink is now on its path, which sapcode does not follow; not undone"
            )
        );
    }
    assert_eq!(
        std::fs::read_to_string(outside.join("new.txt")).unwrap(),
        "created\n"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("old.txt")).unwrap(),
        "after\n"
    );
    // The real files, moved aside, keep sapcode's edits too.
    let parked = dir.path().join("project/parked");
    assert_eq!(
        std::fs::read_to_string(parked.join("old.txt")).unwrap(),
        "after\n"
    );
}

/// The workspace is `$HOME`: sapcode's config dir and the credential stores are neither
/// read, listed, searched nor written, whatever the path says.
#[test]
fn with_the_workspace_at_home_the_deny_list_holds() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().canonicalize().unwrap();
    let config = home.join(".config/sapcode");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(config.join("secrets.json"), "{\"s\":\"SECRET-7731\"}").unwrap();
    std::fs::write(home.join(".ssh/id_ed25519"), "SECRET-7731").unwrap();
    std::fs::write(home.join(".config/other.txt"), "fine").unwrap();
    symlink(".ssh/id_ed25519", home.join("innocent.txt")).unwrap();
    let paths = Paths {
        config_file: config.join("config.toml"),
        cache_dir: None,
        data_dir: None,
        state_dir: None,
    };
    // As the binary builds it: the default config dir (here `~/.config/sapcode`) is denied
    // whole.
    let mut deny = ReadDenyList::new(&paths, Some(&home));
    deny.add(&config);
    let tools = Tools::new(&home)
        .unwrap()
        .with_deny_list(deny)
        .with_level(ToolLevel::Edit);
    let refused = |out: &ToolOutput| {
        !out.ok
            && out.content.contains("no tool reads or writes there")
            && !out.content.contains("SECRET")
    };
    for path in [
        ".config/sapcode/secrets.json",
        ".ssh/id_ed25519",
        "innocent.txt",
        ".config/sapcode",
    ] {
        let out = tools.call("read_file", &json!({ "path": path }).to_string());
        assert!(refused(&out), "{path}: {out:?}");
    }
    for path in [".config/sapcode", ".ssh"] {
        let out = tools.call("list_files", &json!({ "path": path }).to_string());
        assert!(refused(&out), "{path}: {out:?}");
    }
    let out = tools.call("list_files", r#"{"path":".config"}"#);
    assert_eq!(out.content, ".config/other.txt", "{out:?}");
    for path in [".", ".config", ".config/sapcode/secrets.json"] {
        let out = tools.call(
            "search",
            &json!({ "pattern": "SECRET", "path": path }).to_string(),
        );
        assert!(!out.content.contains("SECRET-7731"), "{path}: {out:?}");
    }
    for args in [
        json!({"path": ".config/sapcode/secrets.json", "content": "{}"}),
        json!({"path": ".config/sapcode/new.toml", "content": "x"}),
        json!({"path": ".ssh/authorized_keys", "content": "ssh-ed25519 AAAA"}),
        json!({"path": "innocent.txt", "content": "x"}),
    ] {
        let err = tools
            .prepare_edit("write_file", &args.to_string())
            .unwrap_err();
        assert!(refused(&err), "{args}: {err:?}");
    }
    let args =
        json!({"path": ".config/sapcode/secrets.json", "old_text": "SECRET", "new_text": "x"});
    let err = tools
        .prepare_edit("edit_file", &args.to_string())
        .unwrap_err();
    assert!(refused(&err), "{err:?}");
    assert!(!home.join(".ssh/authorized_keys").exists());
    assert_eq!(
        std::fs::read_to_string(home.join(".ssh/id_ed25519")).unwrap(),
        "SECRET-7731"
    );
}

#[test]
fn jj_dirs_are_never_written() {
    let (_dir, tools, _) = workspace();
    for path in [".jj/repo/store/x", "sub/.jj/config.toml", ".JJ/x"] {
        let err = write(&tools, path, "x").unwrap_err();
        assert!(
            err.contains("which sapcode never writes to"),
            "{path}: {err}"
        );
    }
    assert!(!tools.root().join(".jj").exists());
}

/// A newline, CR, ESC, DEL, a C1 control or a bidi override in a path: the name the user
/// reads is not the name written, so every file tool refuses it and says which character.
#[test]
fn paths_with_control_characters_are_refused() {
    let (_dir, tools, _) = workspace();
    std::fs::write(tools.root().join("notes.txt"), "hello\n").unwrap();
    for path in [
        "notes.txt\n",
        "evil\nnotes.txt",
        "notes.txt\r",
        "\u{1b}[2Jnotes.txt",
        "notes\u{7f}.txt",
        "notes\u{9b}.txt",
        "txt.\u{202e}sh",
    ] {
        let args = json!({ "path": path, "content": "x", "old_text": "hello", "new_text": "x", "pattern": "x" });
        for name in ["read_file", "list_files", "search"] {
            let out = tools.call(name, &args.to_string());
            assert!(
                !out.ok && out.content.contains("control character U+"),
                "{name} {path:?}: {out:?}"
            );
            assert!(
                !out.content
                    .contains(['\n', '\r', '\u{1b}', '\u{7f}', '\u{9b}']),
                "{out:?}"
            );
        }
        for name in ["write_file", "edit_file"] {
            let err = tools.prepare_edit(name, &args.to_string()).unwrap_err();
            assert!(
                err.content
                    .contains("file names with control characters are refused"),
                "{name} {path:?}: {err:?}"
            );
        }
    }
    assert_eq!(entries(tools.root()), ["notes.txt", "sub"]);
}
