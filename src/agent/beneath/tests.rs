//! Each operation stays beneath the workspace: symlinks anywhere on the way are refused, by
//! `openat2` and by the name-by-name walk alike.
#![cfg(unix)]

use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};

use super::*;

/// A workspace `root` beside an `outside` dir holding `secret`.
fn setup() -> (tempfile::TempDir, WorkspaceDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), "top secret").unwrap();
    std::fs::write(root.join("sub/file.txt"), "inside").unwrap();
    let workspace = WorkspaceDir::open(&root).unwrap();
    (dir, workspace, outside)
}

fn read(file: File) -> String {
    let mut text = String::new();
    std::io::BufReader::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn reads_replaces_creates_and_removes_inside() {
    let (_dir, workspace, _) = setup();
    let root = workspace.root().to_owned();
    assert_eq!(
        read(workspace.open_file(Path::new("sub/file.txt")).unwrap()),
        "inside"
    );
    let entry = workspace.entry(Path::new("sub/file.txt"), false).unwrap();
    assert!(entry.exists().unwrap());
    entry.replace(b"new", Some(0o640)).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("sub/file.txt")).unwrap(),
        "new"
    );
    let mode = std::fs::metadata(root.join("sub/file.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    // Only the file itself is left: no temp file.
    assert_eq!(std::fs::read_dir(root.join("sub")).unwrap().count(), 1);

    let made = workspace.entry(Path::new("a/b/c.txt"), true).unwrap();
    assert!(!made.exists().unwrap());
    made.replace(b"deep", None).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("a/b/c.txt")).unwrap(),
        "deep"
    );
    made.remove().unwrap();
    assert!(!root.join("a/b/c.txt").exists());
    // Without create_parents nothing is made.
    let err = workspace.entry(Path::new("x/y.txt"), false).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(!root.join("x").exists());
}

#[test]
fn symlinks_on_the_way_are_refused_everywhere() {
    let (dir, workspace, outside) = setup();
    let root = workspace.root().to_owned();
    symlink(&outside, root.join("out")).unwrap();
    symlink(outside.join("secret"), root.join("link")).unwrap();
    symlink(root.join("sub"), root.join("inner")).unwrap();
    for path in ["out/secret", "link", "inner/file.txt"] {
        let err = workspace.open_file(Path::new(path)).unwrap_err();
        assert!(is_symlink_refusal(&err), "{path}: {err}");
    }
    for path in ["out/new.txt", "out/deeper/new.txt"] {
        let err = workspace.entry(Path::new(path), true).unwrap_err();
        assert!(is_symlink_refusal(&err), "{path}: {err}");
    }
    assert!(!outside.join("deeper").exists() && !outside.join("new.txt").exists());
    // A symlink at the name itself is replaced or removed, its target untouched.
    let entry = workspace.entry(Path::new("link"), false).unwrap();
    entry.replace(b"mine", None).unwrap();
    assert_eq!(
        std::fs::read_to_string(outside.join("secret")).unwrap(),
        "top secret"
    );
    symlink(outside.join("secret"), root.join("link2")).unwrap();
    workspace
        .entry(Path::new("link2"), false)
        .unwrap()
        .remove()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(outside.join("secret")).unwrap(),
        "top secret"
    );
    for path in ["../outside/secret", "/etc/passwd", ""] {
        assert!(workspace.entry(Path::new(path), false).is_err(), "{path}");
    }
    drop(dir);
}

#[test]
fn the_name_by_name_walk_refuses_what_openat2_refuses() {
    let (_dir, workspace, outside) = setup();
    let root = workspace.root().to_owned();
    symlink(&outside, root.join("out")).unwrap();
    symlink(root.join("sub"), root.join("inner")).unwrap();
    let names =
        |path: &'static str| -> Vec<&'static OsStr> { path.split('/').map(OsStr::new).collect() };
    for path in ["out/secret", "inner/file.txt"] {
        let err = sys::walk_for_test(&workspace.fd, &names(path)).unwrap_err();
        assert!(is_symlink_refusal(&err), "{path}: {err}");
    }
    let file = sys::walk_for_test(&workspace.fd, &names("sub/file.txt")).unwrap();
    assert_eq!(read(file), "inside");
}

#[test]
fn a_fifo_opens_without_blocking() {
    let (_dir, workspace, _) = setup();
    let fifo = workspace.root().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let file = workspace.open_file(Path::new("pipe")).unwrap();
    assert!(!file.metadata().unwrap().is_file());
}
