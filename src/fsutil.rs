//! Writing files so a crash or a full disk never leaves a half-written one behind.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Temp files of `write_atomic` older than this were left by a killed process: no write
/// takes minutes, so removing them cannot race a live one.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(10 * 60);

/// Writes `bytes` to a temp file beside `path`, syncs it, then renames it over `path`.
/// With `private`, the file is created with mode 0600 on Unix before any byte is written.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map_or_else(|| "file".into(), |name| name.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        fastrand::u32(..)
    ));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes `write_atomic` temp files in `dir` last modified more than `max_age` before `now`
/// (a kill between create and rename leaves them behind). Best effort: errors are ignored.
pub fn remove_stale_temps(dir: &Path, max_age: Duration, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(".tmp")) {
            continue;
        }
        let is_stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > max_age);
        if is_stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one", false).unwrap();
        write_atomic(&path, b"two", false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn only_stale_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join(".models.json.4242.17.tmp");
        let kept = dir.path().join("models.json");
        std::fs::write(&temp, b"half").unwrap();
        std::fs::write(&kept, b"{}").unwrap();
        let now = SystemTime::now();
        remove_stale_temps(dir.path(), STALE_TEMP_AGE, now);
        assert!(
            temp.exists(),
            "a fresh temp file may belong to a live write"
        );
        remove_stale_temps(dir.path(), STALE_TEMP_AGE, now + STALE_TEMP_AGE * 2);
        assert!(!temp.exists());
        assert!(kept.exists());
    }

    #[test]
    fn failure_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub");
        std::fs::create_dir(&path).unwrap();
        // Renaming a file over a directory fails; the directory must survive untouched.
        assert!(write_atomic(&path, b"x", false).is_err());
        assert!(path.is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
