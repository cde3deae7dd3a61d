//! The `/resume` picker: this workspace's saved conversations, newest first, while they load
//! and once they are listed.

use crate::agent::session::SessionSummary;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum SessionList {
    #[default]
    Loading,
    Ready(Vec<SessionSummary>),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResumePicker {
    /// The listing asked for; a late answer to an older one is dropped.
    pub request: u64,
    pub list: SessionList,
    pub cursor: usize,
}

impl ResumePicker {
    pub fn sessions(&self) -> &[SessionSummary] {
        match &self.list {
            SessionList::Ready(sessions) => sessions,
            SessionList::Loading | SessionList::Failed(_) => &[],
        }
    }
}
