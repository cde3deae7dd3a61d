//! File work the TUI asks for, run off the UI loop: reading the `@path` attachments of a
//! message, `@` completion over the workspace's files (walked once, then kept), and the
//! directory listing behind Tab in the settings' key-file field.

use std::sync::{Arc, Mutex};

use super::paths::{self, expand_home, path_candidates};
use super::{Runner, lock};
use crate::agent::Attachment;
use crate::tui::event::Event;

/// The workspace's files, walked once on the first `@` completion and kept for the session.
pub(super) type FileList = Arc<Mutex<Option<Arc<Vec<String>>>>>;

impl Runner {
    pub(super) fn read_attachments(&self, request: u64, paths: Vec<String>) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            // A word that names nothing on disk (`@property`, `@types/node`) is text, not an
            // attachment: it gets no result, and the message goes as typed.
            let results = paths
                .iter()
                .filter(|path| names_something(&expand_home(path)))
                .map(|path| {
                    let shown = path.clone();
                    Attachment::read(&expand_home(path))
                        .map(|attachment| Attachment {
                            path: shown,
                            ..attachment
                        })
                        .map_err(|err| err.to_string())
                })
                .collect();
            let _ = tx.send(Event::AttachmentsRead { request, results });
        });
    }

    pub(super) fn complete_path(&self, request: u64, prefix: String) {
        let tx = self.tx.clone();
        let files = self.workspace_files.clone();
        let root = self.workspace.clone();
        tokio::task::spawn_blocking(move || {
            let candidates = if paths::is_outside_workspace(&prefix) {
                path_candidates(&prefix)
            } else {
                let files = cached_files(&files, &root);
                crate::tui::fuzzy::rank(
                    &prefix,
                    files.iter().map(String::as_str),
                    paths::MAX_CANDIDATES,
                )
            };
            let _ = tx.send(Event::PathCompleted {
                request,
                prefix,
                candidates,
            });
        });
    }

    pub(super) fn list_path(&self, request: u64, prefix: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let candidates = path_candidates(&prefix);
            let _ = tx.send(Event::PathListed {
                request,
                prefix,
                candidates,
            });
        });
    }
}

/// The workspace's files, walked on first use. The lock is held during the walk, so the
/// requests of the first keystrokes wait for one walk (on blocking threads, never the UI
/// loop) instead of each walking the tree.
fn cached_files(slot: &FileList, root: &std::path::Path) -> Arc<Vec<String>> {
    let mut cached = lock(slot);
    if let Some(files) = cached.as_ref() {
        return files.clone();
    }
    let files = Arc::new(paths::workspace_files(root));
    *cached = Some(files.clone());
    files
}

/// Whether `path` exists (a dangling symlink counts: reading it says why it fails). Only
/// "no such file" and "a parent is not a directory" mean nothing is there; any other error
/// (permission denied) is a path the user meant, and reading it says what went wrong.
fn names_something(path: &std::path::Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(err) => !matches!(
            err.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
        ),
    }
}
