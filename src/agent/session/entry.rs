//! The lines of a session file. Each is a JSON object tagged by `type`; unknown fields are
//! ignored so an older sapcode can still read a newer file's messages.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::tool_view::ToolView;
use crate::aicore::{Message, Mode, Usage};

/// Format version written in every header.
pub const VERSION: u32 = 1;

/// The first line: which conversation this is and where it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub version: u32,
    pub id: String,
    pub workspace: PathBuf,
    /// RFC 3339, UTC.
    pub created: String,
    pub mode: Mode,
    pub model: Option<String>,
    pub deployment: Option<String>,
    /// The system prompt when it is not the default (`run --system`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Started by a one-shot `sapcode run`, not in the TUI: `/resume` marks it apart.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub one_shot: bool,
}

/// One completed event. A message is written only once it is whole, so a killed process
/// loses at most the answer that was streaming.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    Header(Header),
    Message {
        at: String,
        #[serde(with = "super::signed")]
        message: Message,
        /// A tool result's call as the transcript showed it (absent in older files).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool: Option<Box<ToolView>>,
    },
    /// The conversation went on with another model or deployment.
    Target {
        at: String,
        mode: Mode,
        model: Option<String>,
        deployment: Option<String>,
    },
    /// One turn's tokens and, where the catalog had a price, its cost at list price (USD;
    /// files written before it was kept have none).
    Usage {
        at: String,
        usage: Usage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost_usd: Option<f64>,
    },
    /// `/compact` replaced the messages so far with these (a summary and the kept turns).
    Compacted {
        at: String,
        #[serde(with = "super::signed::list")]
        messages: Vec<Message>,
        /// Views of the last turn's tool calls among `messages`, by position (a retried
        /// turn's, not written before); earlier calls keep the views written with them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tools: Vec<PlacedView>,
    },
}

/// A tool view and the position of its result among a rewrite's messages. (A list, not a
/// map: a map with number keys does not read back inside a tagged entry.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedView {
    pub message: usize,
    pub view: ToolView,
}

impl Entry {
    pub fn message(message: Message, at: std::time::SystemTime) -> Entry {
        Entry::Message {
            at: stamp(at),
            message,
            tool: None,
        }
    }

    pub fn usage(usage: Usage, at: std::time::SystemTime) -> Entry {
        Entry::Usage {
            at: stamp(at),
            usage,
            cost_usd: None,
        }
    }

    /// When it happened (the header: when the session was created).
    pub fn at(&self) -> &str {
        match self {
            Entry::Header(header) => &header.created,
            Entry::Message { at, .. }
            | Entry::Target { at, .. }
            | Entry::Usage { at, .. }
            | Entry::Compacted { at, .. } => at,
        }
    }
}

/// RFC 3339 to the second, UTC: sorts as text.
pub fn stamp(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}
