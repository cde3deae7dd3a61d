//! Attached images beside the session files: each stored once, named by its SHA-256, in
//! the workspace's session folder (`images/<sha256>.<format>`, 0600), so a session file
//! holds only `{format, sha256}` per image and does not grow by megabytes each turn. On
//! load the bytes are read back and checked against the hash; a copy that is gone or
//! changed leaves the image out, the message saying so.

use std::path::{Path, PathBuf};

use crate::aicore::Message;
use crate::aicore::image::{Image, sha256_hex};

fn blob(dir: &Path, image: &Image) -> PathBuf {
    dir.join("images")
        .join(format!("{}.{}", image.sha256, image.format.word()))
}

/// Stores the images of `messages` that are not stored yet (`dir`: the session's folder).
pub(super) fn save(dir: &Path, messages: &[Message]) -> std::io::Result<()> {
    for image in messages.iter().flat_map(|m| &m.images) {
        let path = blob(dir, image);
        if path.is_file() {
            continue;
        }
        if let Some(images) = path.parent() {
            super::store::create_private_dir(images)?;
        }
        // Written whole under another name first: a kill never leaves a cut copy named
        // by the hash of the whole.
        let partial = path.with_extension("partial");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        std::io::Write::write_all(&mut options.open(&partial)?, &image.bytes)?;
        std::fs::rename(&partial, &path)?;
    }
    Ok(())
}

/// Reads back the bytes of `message`'s images (loaded as references: no bytes yet).
pub(super) fn load(dir: &Path, message: &mut Message) {
    let mut missing = 0;
    message.images.retain_mut(|image| {
        // The name comes from the file: only a hash names a copy (no `../`), and only a
        // regular file is read (a FIFO would block).
        let is_hash = image.sha256.len() == 64
            && image
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let path = blob(dir, image);
        let bytes = if is_hash && path.is_file() {
            std::fs::read(path).unwrap_or_default()
        } else {
            Vec::new()
        };
        if bytes.is_empty() || sha256_hex(&bytes) != image.sha256 {
            missing += 1;
            return false;
        }
        match Image::from_bytes(bytes) {
            Some(read) => {
                *image = read;
                true
            }
            None => {
                missing += 1;
                false
            }
        }
    });
    if missing > 0 {
        message.content.push_str(&format!(
            "\n({missing} attached image{} no longer available: its saved copy is gone or changed)",
            if missing == 1 { "" } else { "s" }
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use crate::agent::session::{Entry, SessionStore};
    use crate::aicore::image::{Image, samples};
    use crate::aicore::{Message, Mode, Role};

    fn with_image(text: &str, image: &Image) -> Message {
        let mut message = Message::new(Role::User, text);
        message.images = vec![image.clone()];
        message
    }

    /// The file names the image; its bytes are stored once however often it is saved, and
    /// come back whole on load. A changed copy is left out, the message saying so.
    #[test]
    fn an_image_is_stored_once_by_hash_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let workspace = std::path::Path::new("/home/ada/project");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
        let file = store
            .create(
                workspace,
                Mode::Foundation,
                Some("gpt-4o"),
                None,
                None,
                at,
                false,
            )
            .unwrap();
        let mut bytes = samples::png(640, 480);
        bytes.resize(200_000, 7);
        let image = Image::from_bytes(bytes).unwrap();
        let question = with_image("what is it?", &image);
        file.append(&Entry::message(question.clone(), at)).unwrap();
        file.append(&Entry::Compacted {
            at: "2026-06-01T00:00:00Z".into(),
            messages: vec![question.clone()],
            tools: Vec::new(),
        })
        .unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(
            text.len() < 2_000,
            "the file holds the bytes: {} bytes",
            text.len()
        );
        assert!(
            text.contains(&format!(r#""sha256":"{}""#, image.sha256)),
            "{text}"
        );
        let images = file.path().parent().unwrap().join("images");
        let stored: Vec<_> = std::fs::read_dir(&images).unwrap().flatten().collect();
        assert_eq!(stored.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = stored[0].metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = store.load(file.id()).unwrap();
        assert_eq!(loaded.messages, vec![question]);
        std::fs::write(stored[0].path(), b"changed").unwrap();
        let loaded = store.load(file.id()).unwrap();
        assert!(loaded.messages[0].images.is_empty());
        // A name that is no hash is never used as a path.
        let mut message = with_image("look", &image);
        message.images[0].sha256 = "../../../etc/passwd".into();
        super::load(file.path().parent().unwrap(), &mut message);
        assert!(message.images.is_empty());
        assert_eq!(
            loaded.messages[0].content,
            "what is it?\n(1 attached image no longer available: its saved copy is gone or changed)"
        );
    }
}
