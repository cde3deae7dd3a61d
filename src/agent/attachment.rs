//! Files attached to a prompt (`run --file`, `@path` in `run` and the TUI), read with a size
//! cap. Only regular files: a FIFO would block the open, `/dev/zero` would never end. A file
//! whose first bytes are PNG, JPEG, GIF or WebP is an image (`aicore::image`), whatever its
//! name; a file named like an image that is none is refused, not sent as text.

use std::io::Read;
use std::path::Path;

use crate::aicore::image::{Image, ImageFormat, MAX_IMAGE_BYTES, MAX_IMAGE_LABEL};

/// Large enough for a long source file, small enough not to blow a context window by accident.
pub const MAX_ATTACHMENT_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachment {
    pub path: String,
    /// The text; for an image, what it is (`image: png, 640×480 pixels, 12.0 KiB`).
    pub content: String,
    /// Set when the file is an image: it goes to the model as one, not as text.
    pub image: Option<Image>,
}

/// The `@path` words of a message, in order, without trailing punctuation.
pub fn at_paths(text: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let Some(path) = word.strip_prefix('@') else {
            continue;
        };
        let path = path.trim_end_matches(AT_PATH_PUNCTUATION);
        if !path.is_empty() && !paths.iter().any(|p| p == path) {
            paths.push(path.to_owned());
        }
    }
    paths
}

/// Sentence punctuation after an `@path` that is not part of it.
pub const AT_PATH_PUNCTUATION: [char; 6] = [',', ';', ':', '?', '!', ')'];

#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("cannot read {path}: {detail}")]
    Read { path: String, detail: String },
    #[error(
        "{path} is {size} bytes, more than the {MAX_ATTACHMENT_BYTES}-byte limit for attachments"
    )]
    TooLarge { path: String, size: u64 },
    #[error("{path} is not UTF-8 text")]
    NotText { path: String },
    #[error("{path} is {kind}, not a regular file: attach a file's contents instead")]
    NotRegular { path: String, kind: &'static str },
    #[error(
        "{path} is an image of {}, more than the {MAX_IMAGE_LABEL} limit for images: attach a smaller one (a JPEG, or a cropped screenshot)",
        crate::byte_size::human_bytes(usize::try_from(*size).unwrap_or(usize::MAX))
    )]
    ImageTooLarge { path: String, size: u64 },
    #[error("{path} is named like an image but is not a PNG, JPEG, GIF or WebP file")]
    NotAnImage { path: String },
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

enum Opened {
    Io(std::io::Error),
    NotRegular(std::fs::FileType),
}

/// Opens `path` without ever waiting (O_NONBLOCK: opening a FIFO with no writer would block
/// until one comes) and checks the type and size on the handle, so a path swapped for a
/// FIFO or device after any earlier look is still refused.
fn open_regular(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), Opened> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(Opened::Io)?;
    let metadata = file.metadata().map_err(Opened::Io)?;
    if !metadata.is_file() {
        return Err(Opened::NotRegular(metadata.file_type()));
    }
    Ok((file, metadata))
}

impl Attachment {
    /// The file at `path`: an image when its first bytes say so, else UTF-8 text.
    pub fn read(path: &Path) -> Result<Attachment, AttachmentError> {
        let shown = path.display().to_string();
        let (mut file, metadata) = open_regular(path).map_err(|err| match err {
            Opened::Io(err) => AttachmentError::Read {
                path: shown.clone(),
                detail: err.to_string(),
            },
            Opened::NotRegular(file_type) => AttachmentError::NotRegular {
                path: shown.clone(),
                kind: kind_of(file_type),
            },
        })?;
        let read_error = |err: std::io::Error| AttachmentError::Read {
            path: shown.clone(),
            detail: err.to_string(),
        };
        let mut head = Vec::with_capacity(16);
        (&mut file)
            .take(16)
            .read_to_end(&mut head)
            .map_err(read_error)?;
        if ImageFormat::sniff(&head).is_some() {
            return read_image(head, file, &metadata, &shown);
        }
        if ImageFormat::named_by(path) {
            return Err(AttachmentError::NotAnImage { path: shown });
        }
        Attachment::from_reader(std::io::Cursor::new(head).chain(file), &metadata, &shown)
    }

    /// An image attachment (`path` as shown, `image` already read).
    pub fn from_image(path: &str, image: Image) -> Attachment {
        Attachment {
            path: path.to_owned(),
            content: format!("image: {}", image.describe()),
            image: Some(image),
        }
    }

    /// The text of a regular file already open (its `metadata` taken on the handle), shown
    /// as `shown`, with the same cap as `read`.
    pub fn from_file(
        file: std::fs::File,
        metadata: &std::fs::Metadata,
        shown: &str,
    ) -> Result<Attachment, AttachmentError> {
        Attachment::from_reader(file, metadata, shown)
    }

    fn from_reader(
        file: impl Read,
        metadata: &std::fs::Metadata,
        shown: &str,
    ) -> Result<Attachment, AttachmentError> {
        let read_error = |err: std::io::Error| AttachmentError::Read {
            path: shown.to_owned(),
            detail: err.to_string(),
        };
        if metadata.len() > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentError::TooLarge {
                path: shown.to_owned(),
                size: metadata.len(),
            });
        }
        // A file growing while read stops one byte past the cap rather than at its end.
        let mut bytes = Vec::new();
        file.take(MAX_ATTACHMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentError::TooLarge {
                path: shown.to_owned(),
                size: bytes.len() as u64,
            });
        }
        let content = String::from_utf8(bytes).map_err(|_| AttachmentError::NotText {
            path: shown.to_owned(),
        })?;
        Ok(Attachment::from_text(shown, &content))
    }

    pub fn from_text(path: &str, content: &str) -> Attachment {
        Attachment {
            path: path.to_owned(),
            content: content.to_owned(),
            image: None,
        }
    }

    /// The file's size: an image's bytes, else its text's.
    pub fn byte_len(&self) -> usize {
        self.image
            .as_ref()
            .map_or(self.content.len(), |image| image.bytes.len())
    }

    /// The file as the model sees it: its path, then a fence long enough that backticks
    /// inside the file cannot close it early.
    pub fn as_prompt_block(&self) -> String {
        let language = Path::new(&self.path)
            .extension()
            .and_then(|ext| ext.to_str())
            .unwrap_or("");
        let longest_run = longest_backtick_run(&self.content);
        let fence = "`".repeat(longest_run.max(2) + 1);
        let newline = if self.content.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        format!(
            "`{}`:\n{fence}{language}\n{}{newline}{fence}",
            self.path, self.content
        )
    }
}

/// The rest of an image file whose first bytes (`head`) were read, with the image cap.
fn read_image(
    head: Vec<u8>,
    file: std::fs::File,
    metadata: &std::fs::Metadata,
    shown: &str,
) -> Result<Attachment, AttachmentError> {
    let too_large = |size| AttachmentError::ImageTooLarge {
        path: shown.to_owned(),
        size,
    };
    if metadata.len() > MAX_IMAGE_BYTES {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = head;
    file.take(MAX_IMAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| AttachmentError::Read {
            path: shown.to_owned(),
            detail: err.to_string(),
        })?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    match Image::from_bytes(bytes) {
        Some(image) => Ok(Attachment::from_image(shown, image)),
        None => Err(AttachmentError::NotAnImage {
            path: shown.to_owned(),
        }),
    }
}

/// Whether `path` is worth attaching as an image without reading it: it exists and is named
/// like one (a pasted path, `tui::update::attach`).
pub fn names_an_image_file(path: &Path) -> bool {
    ImageFormat::named_by(path) && path.is_file()
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_outgrows_backticks_in_the_file() {
        let block = Attachment::from_text("README.md", "```sh\nls\n```\n").as_prompt_block();
        assert!(block.starts_with("`README.md`:\n````md\n"), "{block}");
        assert!(block.ends_with("\n````"));
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_reading() {
        let err = Attachment::read(Path::new("/dev/zero")).unwrap_err();
        assert!(
            matches!(
                err,
                AttachmentError::NotRegular {
                    kind: "a device",
                    ..
                }
            ),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = make_fifo(dir.path());
        // Without the check this open blocks for ever (no writer).
        let err = Attachment::read(&fifo).unwrap_err();
        assert!(
            matches!(err, AttachmentError::NotRegular { kind: "a FIFO", .. }),
            "{err}"
        );
    }

    #[cfg(unix)]
    fn make_fifo(dir: &Path) -> std::path::PathBuf {
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        fifo
    }

    /// The open itself never waits for a writer: checked on the handle, not on the path
    /// before it (which a swap could defeat). A generous deadline turns a hang into a failure.
    #[cfg(unix)]
    #[test]
    fn opening_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = make_fifo(dir.path());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(matches!(open_regular(&fifo), Err(Opened::NotRegular(_))));
        });
        let refused = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("opening the FIFO blocked");
        assert!(refused);
    }

    #[test]
    fn images_are_told_by_their_bytes_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        // Named like text, but a PNG: an image all the same.
        let shot = dir.path().join("shot.txt");
        std::fs::write(&shot, crate::aicore::image::samples::png(640, 480)).unwrap();
        let attachment = Attachment::read(&shot).unwrap();
        let image = attachment.image.as_ref().unwrap();
        assert_eq!(image.size, Some((640, 480)));
        assert_eq!(
            &image.bytes[..],
            &crate::aicore::image::samples::png(640, 480)[..]
        );
        assert_eq!(attachment.content, "image: png, 640×480 pixels, 29 B");
        // Named like an image but text: refused, not sent as text.
        let fake = dir.path().join("fake.png");
        std::fs::write(&fake, "hello").unwrap();
        let err = Attachment::read(&fake).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is named like an image but is not a PNG, JPEG, GIF or WebP file",
                fake.display()
            )
        );
        let big = dir.path().join("big.png");
        let mut bytes = crate::aicore::image::samples::png(9000, 9000);
        bytes.resize(MAX_IMAGE_BYTES as usize + 1, 0);
        std::fs::write(&big, bytes).unwrap();
        let err = Attachment::read(&big).unwrap_err();
        assert!(
            matches!(err, AttachmentError::ImageTooLarge { .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("more than the 3.75 MiB limit for images"),
            "{err}"
        );
        // An image of exactly the limit is fine.
        let mut bytes = crate::aicore::image::samples::png(10, 10);
        bytes.resize(MAX_IMAGE_BYTES as usize, 0);
        std::fs::write(&big, bytes).unwrap();
        assert!(Attachment::read(&big).unwrap().image.is_some());
        // Text still reads whole through the sniffed head.
        let text = dir.path().join("a.rs");
        std::fs::write(&text, "fn main() {}\n// more than sixteen bytes\n").unwrap();
        assert_eq!(
            Attachment::read(&text).unwrap().content,
            "fn main() {}\n// more than sixteen bytes\n"
        );
    }

    #[test]
    fn binary_and_huge_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("a.bin");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let err = Attachment::read(&binary).unwrap_err();
        assert!(err.to_string().ends_with("is not UTF-8 text"), "{err}");
        let huge = dir.path().join("big.txt");
        std::fs::write(&huge, vec![b'a'; MAX_ATTACHMENT_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            Attachment::read(&huge),
            Err(AttachmentError::TooLarge { .. })
        ));
        let err = Attachment::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        let missing = Attachment::read(&dir.path().join("none")).unwrap_err();
        assert!(missing.to_string().starts_with("cannot read"), "{missing}");
    }
}
