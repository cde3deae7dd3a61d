//! Messages as a session file holds them: the OpenAI shape `Message` serializes to, plus each
//! tool call's Gemini `thoughtSignature` as `thought_signature` beside `id` and `function`,
//! and an assistant turn's signed Anthropic thinking as `thinking` (Anthropic refuses a tool
//! round resumed without it while thinking is on).
//! The wire shape leaves the signature out (Azure refuses unknown fields), but a resumed
//! Gemini 3 conversation needs it back, so the file keeps it. Files written before it was
//! kept load with no signatures, and an older sapcode ignores the extra key.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::aicore::Message;
use crate::aicore::image::Image;

const KEY: &str = "thought_signature";
/// Where the file names a message's images: `[{format, sha256}]`, the bytes stored once
/// beside it (`image_store`).
const IMAGES: &str = "images";
const THINKING: &str = "thinking";

/// `#[serde(with = "signed")]` for one message.
pub fn serialize<S: Serializer>(message: &Message, serializer: S) -> Result<S::Ok, S::Error> {
    to_value(message)
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Message, D::Error> {
    from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

/// `#[serde(with = "signed::list")]` for a list of messages.
pub mod list {
    use super::{Deserialize, Deserializer, Message, Serializer, Value, from_value, to_value};
    use serde::ser::SerializeSeq;

    pub fn serialize<S: Serializer>(
        messages: &[Message],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(messages.len()))?;
        for message in messages {
            seq.serialize_element(&to_value(message).map_err(serde::ser::Error::custom)?)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Message>, D::Error> {
        Vec::<Value>::deserialize(deserializer)?
            .into_iter()
            .map(|value| from_value(value).map_err(serde::de::Error::custom))
            .collect()
    }
}

fn to_value(message: &Message) -> serde_json::Result<Value> {
    let mut value = serde_json::to_value(message)?;
    if !message.thinking.is_empty() {
        value[THINKING] = serde_json::to_value(&message.thinking)?;
    }
    if let Some(calls) = value.get_mut("tool_calls").and_then(Value::as_array_mut) {
        for (wire, call) in calls.iter_mut().zip(&message.tool_calls) {
            if let Some(signature) = &call.thought_signature {
                wire[KEY] = Value::String(signature.clone());
            }
        }
    }
    if !message.images.is_empty() {
        let refs: Vec<Value> = message
            .images
            .iter()
            .map(|i| serde_json::json!({ "format": i.format, "sha256": i.sha256 }))
            .collect();
        value[IMAGES] = Value::Array(refs);
    }
    Ok(value)
}

fn from_value(mut value: Value) -> serde_json::Result<Message> {
    let thinking = match value.as_object_mut().and_then(|o| o.remove(THINKING)) {
        Some(blocks) => serde_json::from_value(blocks)?,
        None => Vec::new(),
    };
    let signatures: Vec<Option<String>> = value
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|call| call.get(KEY).and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let images = value
        .get(IMAGES)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let format = serde_json::from_value(r.get("format")?.clone()).ok()?;
            Some(Image::unread(format, r.get("sha256")?.as_str()?.to_owned()))
        })
        .collect();
    let mut message: Message = serde_json::from_value(value)?;
    message.images = images;
    for (call, signature) in message.tool_calls.iter_mut().zip(signatures) {
        call.thought_signature = signature;
    }
    message.thinking = thinking;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::session::Entry;
    use crate::aicore::{Role, ToolCall};

    fn signed_turn() -> Message {
        Message::assistant_tool_calls(
            "",
            vec![
                ToolCall {
                    id: "call_1".into(),
                    name: "read_file".into(),
                    arguments: r#"{"path":"a.txt"}"#.into(),
                    thought_signature: Some("c2lnLTE=".into()),
                },
                ToolCall {
                    id: "call_2".into(),
                    name: "list_files".into(),
                    arguments: "{}".into(),
                    thought_signature: None,
                },
            ],
        )
    }

    #[test]
    fn a_saved_message_keeps_its_thought_signatures() {
        let entry = Entry::Message {
            at: "2026-12-01T00:00:00Z".into(),
            message: signed_turn(),
            tool: None,
        };
        let line = serde_json::to_string(&entry).unwrap();
        assert!(line.contains(r#""thought_signature":"c2lnLTE=""#), "{line}");
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(back, entry);
    }

    #[test]
    fn a_saved_message_keeps_its_thinking_and_the_wire_does_not() {
        let mut turn = signed_turn();
        turn.thinking = vec![
            crate::aicore::ThinkingBlock {
                text: "Look at a.txt first.".into(),
                signature: Some("sig-1".into()),
                redacted: None,
            },
            crate::aicore::ThinkingBlock {
                redacted: Some("b3BhcXVl".into()),
                ..Default::default()
            },
        ];
        let entry = Entry::Message {
            at: "2026-12-01T00:00:00Z".into(),
            message: turn.clone(),
            tool: None,
        };
        let line = serde_json::to_string(&entry).unwrap();
        assert!(line.contains(r#""signature":"sig-1""#), "{line}");
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(back, entry);
        let wire = serde_json::to_string(&turn).unwrap();
        assert!(
            !wire.contains("sig-1") && !wire.contains("b3BhcXVl"),
            "{wire}"
        );
    }

    #[test]
    fn compacted_messages_keep_them_too() {
        let entry = Entry::Compacted {
            at: "2026-12-01T00:00:00Z".into(),
            messages: vec![Message::new(Role::User, "hi"), signed_turn()],
            tools: Default::default(),
        };
        let line = serde_json::to_string(&entry).unwrap();
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(back, entry);
    }

    #[test]
    fn a_file_from_before_signatures_were_kept_still_loads() {
        let line = r#"{"type":"message","at":"2026-12-01T00:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{}"}}]}}"#;
        let Entry::Message { message, .. } = serde_json::from_str(line).unwrap() else {
            panic!("not a message");
        };
        assert_eq!(message.tool_calls[0].thought_signature, None);
        assert_eq!(message.tool_calls[0].name, "read_file");
    }

    #[test]
    fn the_wire_shape_still_leaves_the_signature_out() {
        let wire = serde_json::to_string(&signed_turn()).unwrap();
        assert!(!wire.contains("c2lnLTE="), "{wire}");
    }
}
