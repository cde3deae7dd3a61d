//! Images in a chat request, in each dialect's part shape once its messages are OpenAI-shaped
//! (`image_url` data URLs, Converse `image` blocks, Gemini `inlineData`): accepted only for
//! models whose catalog lists `image` in `inputTypes`, decoded, and described from the bytes
//! themselves (format and size from the header, byte count, hash), so a test can tell that
//! an image arrived whole.

use base64::Engine;
use serde_json::Value;

use super::data;
use crate::aicore::image::{Image, ImageFormat};

/// Why a request's images are refused; each dialect words it as its service does.
#[derive(Debug, PartialEq)]
pub(crate) enum Refusal {
    /// The model takes text only; `at` is the (message, part) index of the first image.
    TextOnly { at: (usize, usize) },
    /// Not a PNG, JPEG, GIF or WebP image, or not base64.
    Invalid { at: (usize, usize) },
}

/// The bytes of one image part, if `part` is one (`Some(None)`: an image part whose bytes
/// cannot be had, e.g. an `http` URL the simulator does not fetch, or broken base64).
fn image_bytes(part: &Value) -> Option<Option<Vec<u8>>> {
    let decode = |text: Option<&str>| {
        text.and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
    };
    if let Some(image_url) = part.get("image_url") {
        let url = image_url
            .get("url")
            .and_then(Value::as_str)
            .or(image_url.as_str());
        let data = url
            .and_then(|u| u.strip_prefix("data:"))
            .and_then(|u| u.split_once(";base64,"))
            .map(|(_, data)| data);
        return Some(decode(data));
    }
    if let Some(image) = part.get("image") {
        return Some(decode(image["source"]["bytes"].as_str()));
    }
    let inline = part.get("inlineData").or(part.get("inline_data"))?;
    Some(decode(inline["data"].as_str()))
}

/// The images of one message's content, in order, each decoded if it can be.
fn images_of(content: &Value) -> Vec<Option<Image>> {
    let Some(parts) = content.as_array() else {
        return Vec::new();
    };
    parts
        .iter()
        .filter_map(image_bytes)
        .map(|bytes| bytes.and_then(Image::from_bytes))
        .collect()
}

/// Whether `model` takes images, as the simulated catalog says.
pub(crate) fn takes_images(model: &str) -> bool {
    data::model(model).is_some_and(|m| m.capabilities.contains(&"image-recognition"))
}

/// Refuses images the model does not take, and any that is not an image.
pub(crate) fn check(model: &str, messages: &[Value]) -> Result<(), Refusal> {
    let takes = takes_images(model);
    for (index, message) in messages.iter().enumerate() {
        for (part, image) in images_of(&message["content"]).into_iter().enumerate() {
            if !takes {
                return Err(Refusal::TextOnly { at: (index, part) });
            }
            if image.is_none() {
                return Err(Refusal::Invalid { at: (index, part) });
            }
        }
    }
    Ok(())
}

/// `an image of 640×480 pixels, png, 29 bytes, sha256 1a2b3c4d5e6f`.
fn described(image: &Image) -> String {
    let size = match image.size {
        Some((w, h)) => format!("{w}×{h} pixels"),
        None => "unknown size".into(),
    };
    format!(
        "an image of {size}, {}, {} bytes, sha256 {}",
        image.format.word(),
        image.bytes.len(),
        &image.sha256[..12]
    )
}

/// The answer to a question carrying images: what each one is.
pub(crate) fn answer(model: &str, question: &Value) -> Option<String> {
    let images: Vec<Image> = images_of(&question["content"])
        .into_iter()
        .flatten()
        .collect();
    if images.is_empty() {
        return None;
    }
    let list: Vec<String> = images.iter().map(described).collect();
    Some(format!(
        "I see {}. That is what **{model}** (simulated) can tell from the bytes.",
        list.join("; and ")
    ))
}

/// Bedrock's `format` word must name what the bytes are.
pub(crate) fn format_of(word: &str) -> Option<ImageFormat> {
    ImageFormat::from_mime(&format!("image/{word}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aicore::image::samples;
    use serde_json::json;

    fn png_b64() -> String {
        base64::engine::general_purpose::STANDARD.encode(samples::png(640, 480))
    }

    #[test]
    fn every_dialects_part_is_read_and_described() {
        let data = png_b64();
        for part in [
            json!({"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{data}")}}),
            json!({"image": {"format": "png", "source": {"bytes": data}}}),
            json!({"inlineData": {"mimeType": "image/png", "data": data}}),
        ] {
            let question = json!({"role": "user", "content": [{"text": "what is it?"}, part]});
            assert_eq!(check("gpt-4o", std::slice::from_ref(&question)), Ok(()));
            let answer = answer("gpt-4o", &question).unwrap();
            assert!(
                answer.starts_with("I see an image of 640×480 pixels, png, 29 bytes, sha256 "),
                "{answer}"
            );
            assert_eq!(
                check("o3-mini", &[question]),
                Err(Refusal::TextOnly { at: (0, 0) })
            );
        }
        let broken = json!({"role": "user", "content": [{"inlineData": {"mimeType": "image/png", "data": "aGVsbG8="}}]});
        assert_eq!(
            check("gpt-4o", &[broken]),
            Err(Refusal::Invalid { at: (0, 0) })
        );
        assert_eq!(answer("gpt-4o", &json!({"content": "plain"})), None);
        assert_eq!(format_of("jpeg"), Some(ImageFormat::Jpeg));
    }
}
