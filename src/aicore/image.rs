//! Images a question carries (`@shot.png`): the format told by the file's first bytes (never
//! its name), its size from the header, and the forms the dialects send (base64, `data:`
//! URLs). The size cap and the token estimate live here so every face says the same.

use std::sync::Arc;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// 3.75 MiB: Bedrock Converse's documented limit per image, the smallest of the dialects
/// sapcode speaks (Anthropic's API takes 5 MB, OpenAI's 20 MB, a Gemini request 20 MB).
pub const MAX_IMAGE_BYTES: u64 = 3_932_160;

/// The limit as the error says it.
pub const MAX_IMAGE_LABEL: &str = "3.75 MiB";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageFormat {
    /// The format the bytes start like, if any of the four.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }

    /// Bedrock's `format` word, and how the answer names it.
    pub fn word(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The format a MIME type names (`image/jpg` too, as some clients write it).
    pub fn from_mime(mime: &str) -> Option<ImageFormat> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/png" => Some(ImageFormat::Png),
            "image/jpeg" | "image/jpg" => Some(ImageFormat::Jpeg),
            "image/gif" => Some(ImageFormat::Gif),
            "image/webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    /// Whether a file name promises an image (`.png`, `.jpg`, ...): such a file that is not
    /// one is refused rather than attached as text.
    pub fn named_by(path: &std::path::Path) -> bool {
        path.extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| {
                ["png", "jpg", "jpeg", "gif", "webp"].contains(&ext.to_ascii_lowercase().as_str())
            })
    }
}

/// One attached image: its bytes (shared, never copied per request), format, header size and
/// content hash (which names its one copy beside the session files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub format: ImageFormat,
    pub bytes: Arc<[u8]>,
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
    /// From the header; `None` when it cannot be read (the image is still sent).
    pub size: Option<(u32, u32)>,
}

impl Image {
    /// The image in `bytes`, or `None` when they are not PNG, JPEG, GIF or WebP.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Image> {
        let format = ImageFormat::sniff(&bytes)?;
        let size = dimensions(format, &bytes);
        Some(Image {
            format,
            sha256: sha256_hex(&bytes),
            bytes: bytes.into(),
            size,
        })
    }

    /// An image sent inline as base64, if the decoded bytes are one.
    pub fn from_base64(data: &str) -> Option<Image> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok()?;
        Image::from_bytes(bytes)
    }

    /// The image in a `data:image/…;base64,…` URL (OpenAI `image_url`); `None` for any other
    /// URL (sapcode fetches nothing) or bytes that are no image.
    pub fn from_data_url(url: &str) -> Option<Image> {
        let (_, data) = url.strip_prefix("data:")?.split_once(";base64,")?;
        Image::from_base64(data)
    }

    /// An image known by format and hash only, its bytes still to be read (a session file
    /// names its images; `agent::session::image_store` reads them back).
    pub fn unread(format: ImageFormat, sha256: String) -> Image {
        Image {
            format,
            bytes: Arc::from(Vec::new()),
            sha256,
            size: None,
        }
    }

    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }

    /// `data:image/png;base64,…` (OpenAI `image_url`, orchestration content items).
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.format.mime(), self.base64())
    }

    /// Tokens the image is counted as when fitting the context: Anthropic's documented rule
    /// (width × height / 750, with images scaled to at most ~1.15 megapixels, so at most
    /// 1,600), at least OpenAI's 85 of a low-detail image. A header sapcode cannot read
    /// counts as the maximum.
    pub fn estimated_tokens(&self) -> u64 {
        match self.size {
            Some((w, h)) => (u64::from(w) * u64::from(h) / 750).clamp(85, 1_600),
            None => 1_600,
        }
    }

    /// `png, 640×480 pixels, 12 KB`: what the TUI shows for it.
    pub fn describe(&self) -> String {
        let size = match self.size {
            Some((w, h)) => format!("{w}×{h} pixels, "),
            None => String::new(),
        };
        format!(
            "{}, {size}{}",
            self.format.word(),
            crate::byte_size::human_bytes(self.bytes.len())
        )
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Width and height from the header of an image in `format`.
pub fn dimensions(format: ImageFormat, bytes: &[u8]) -> Option<(u32, u32)> {
    let le16 = |at: usize| {
        Some(u32::from(u16::from_le_bytes([
            *bytes.get(at)?,
            *bytes.get(at + 1)?,
        ])))
    };
    let be32 = |at: usize| {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let le24 = |at: usize| {
        let b = bytes.get(at..at + 3)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], 0]))
    };
    match format {
        // The first chunk is IHDR: width and height at 16 and 20.
        ImageFormat::Png if bytes.get(12..16) == Some(b"IHDR") => Some((be32(16)?, be32(20)?)),
        ImageFormat::Png => None,
        ImageFormat::Gif => Some((le16(6)?, le16(8)?)),
        ImageFormat::Jpeg => jpeg_dimensions(bytes),
        ImageFormat::Webp => match bytes.get(12..16)? {
            b"VP8 " => Some((le16(26)? & 0x3fff, le16(28)? & 0x3fff)),
            b"VP8L" => {
                let b = bytes.get(21..25)?;
                let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
            }
            b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
            _ => None,
        },
    }
    .filter(|&(w, h)| w > 0 && h > 0)
}

/// The frame header (SOF0–SOF15 but DHT, JPG and DAC) holds height then width.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *bytes.get(at)? != 0xff {
            at += 1;
        }
        while *bytes.get(at)? == 0xff {
            at += 1;
        }
        let marker = *bytes.get(at)?;
        at += 1;
        if matches!(marker, 0xd8 | 0x01 | 0xd0..=0xd7) {
            continue;
        }
        let length = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        if matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let height = u16::from_be_bytes([*bytes.get(at + 3)?, *bytes.get(at + 4)?]);
            let width = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            return Some((u32::from(width), u32::from(height)));
        }
        if length < 2 {
            return None;
        }
        at += length;
    }
}

/// Test images: the smallest headers that say a size, for this crate's tests.
#[cfg(test)]
pub(crate) mod samples {
    /// A PNG signature and IHDR of `w`×`h` (enough for every reader here).
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(w.to_be_bytes());
        bytes.extend(h.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0]);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes_with_their_size() {
        let png = Image::from_bytes(samples::png(640, 480)).unwrap();
        assert_eq!((png.format, png.size), (ImageFormat::Png, Some((640, 480))));
        let gif = Image::from_bytes(b"GIF89a\x02\x00\x03\x00\x80\0\0".to_vec()).unwrap();
        assert_eq!((gif.format, gif.size), (ImageFormat::Gif, Some((2, 3))));
        // SOI, an APP0 segment to skip, then SOF0: 8 bits, height 200, width 300.
        let jpeg = [
            &[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46][..],
            &[0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0xc8, 0x01, 0x2c, 0x03],
        ]
        .concat();
        let jpeg = Image::from_bytes(jpeg).unwrap();
        assert_eq!(
            (jpeg.format, jpeg.size),
            (ImageFormat::Jpeg, Some((300, 200)))
        );
        // VP8X: canvas width-1 and height-1 as 24-bit little-endian numbers.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend([0x1f, 0x03, 0x00, 0x57, 0x02, 0x00]);
        let webp = Image::from_bytes(webp).unwrap();
        assert_eq!(
            (webp.format, webp.size),
            (ImageFormat::Webp, Some((800, 600)))
        );
        assert!(Image::from_bytes(b"not an image at all".to_vec()).is_none());
        // A PNG signature with a cut header is still a PNG, of unknown size.
        let cut = Image::from_bytes(b"\x89PNG\r\n\x1a\n".to_vec()).unwrap();
        assert_eq!(cut.size, None);
        assert_eq!(cut.estimated_tokens(), 1_600);
    }

    #[test]
    fn wire_forms_and_estimates() {
        let image = Image::from_bytes(samples::png(1, 1)).unwrap();
        assert!(
            image
                .data_url()
                .starts_with("data:image/png;base64,iVBORw0KGgo")
        );
        assert_eq!(image.estimated_tokens(), 85);
        let big = Image::from_bytes(samples::png(1000, 750)).unwrap();
        assert_eq!(big.estimated_tokens(), 1_000);
        assert_eq!(
            Image::from_bytes(samples::png(4000, 3000))
                .unwrap()
                .estimated_tokens(),
            1_600
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(ImageFormat::from_mime("image/jpg"), Some(ImageFormat::Jpeg));
        assert_eq!(Image::from_data_url(&image.data_url()), Some(image.clone()));
        assert_eq!(Image::from_data_url("https://example.com/a.png"), None);
        assert_eq!(Image::from_base64("aGVsbG8="), None);
        assert!(ImageFormat::named_by(std::path::Path::new("a/Shot.PNG")));
        assert!(!ImageFormat::named_by(std::path::Path::new("a/shot.txt")));
        assert_eq!(big.describe(), "png, 1000×750 pixels, 29 B");
    }
}
