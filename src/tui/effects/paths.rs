//! Paths typed in the TUI: `~/` expansion and the completion candidates for `@` attachments
//! and the service-key field. Plain file-system reads, run by `effects` off the UI loop.

/// Entries of the prefix's directory whose names start with its last part; hidden ones only
/// when that part starts with `.`. Directories end in `/`. At most 200, sorted.
pub(super) fn path_candidates(prefix: &str) -> Vec<String> {
    let (dir, start) = match prefix.rfind('/') {
        Some(at) => (&prefix[..=at], &prefix[at + 1..]),
        None => ("", prefix),
    };
    let listed = if dir.is_empty() {
        std::path::PathBuf::from(".")
    } else {
        expand_home(dir)
    };
    let Ok(entries) = std::fs::read_dir(listed) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if !name.starts_with(start) || (name.starts_with('.') && !start.starts_with('.')) {
                return None;
            }
            let slash = if entry.file_type().ok()?.is_dir() {
                "/"
            } else {
                ""
            };
            Some(format!("{dir}{name}{slash}"))
        })
        .take(200)
        .collect();
    names.sort();
    names
}

pub(super) fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}
