//! How each tool call of a turn looked in the transcript (its decision, its command output's
//! tail, how it ended, an applied edit's diff), gathered from the turn's events so the
//! session file can keep it beside the call's result: a resumed conversation draws its tool
//! lines, diffs and output as they were. Bounded like the live transcript (the output's
//! tail, the diff's first lines), and made only of text that already passed the masking of
//! secrets.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::event::SessionEvent;
use crate::agent::approval::ApprovedBy;
use crate::agent::command_log::CommandLog;
use crate::agent::outcome::{EditStats, ShownDiff};
use crate::agent::tools::ToolKind;

/// One call as the transcript showed it once it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolView {
    pub ok: bool,
    pub summary: String,
    /// The size of the result the model received.
    pub bytes: usize,
    /// The decision on an edit or command, and who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Decided>,
    /// The tail of a command's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<CommandLog>,
    /// An applied edit: what it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<EditStats>,
    /// An applied edit's diff, as drawn (`EditStats` leaves it out of its JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<ShownDiff>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub approved: bool,
    pub by: ApprovedBy,
}

impl ToolView {
    /// The edit stats with their diff put back.
    pub fn edit_stats(&self) -> Option<EditStats> {
        self.edit.clone().map(|mut edit| {
            edit.diff.clone_from(&self.diff);
            edit
        })
    }
}

/// The views of the calls of the turn going on, by call id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolViews {
    views: BTreeMap<String, ToolView>,
    /// Calls of `run_command`: approved, they show an output block (empty or not).
    commands: BTreeSet<String>,
}

impl ToolViews {
    /// Takes in one event of the turn.
    pub fn observe(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::ToolCall {
                id: Some(id),
                name: Some(name),
                ..
            } => {
                self.views.insert(id.clone(), ToolView::default());
                if ToolKind::of(name) == Some(ToolKind::Command) {
                    self.commands.insert(id.clone());
                }
            }
            SessionEvent::Approval { id, approved, by } => {
                let runs = *approved && self.commands.contains(id);
                let view = self.view(id);
                view.approval = Some(Decided {
                    approved: *approved,
                    by: *by,
                });
                // As the transcript shows it: an approved command runs, its output under it.
                if runs {
                    view.output.get_or_insert_with(CommandLog::default);
                }
            }
            SessionEvent::CommandOutput { id, text } => {
                self.view(id)
                    .output
                    .get_or_insert_with(CommandLog::default)
                    .push(text);
            }
            SessionEvent::ToolResult {
                id,
                ok,
                summary,
                bytes,
                edit,
                ..
            } => {
                let view = self.view(id);
                view.ok = *ok;
                view.summary.clone_from(summary);
                view.bytes = *bytes;
                view.diff = edit.as_ref().and_then(|edit| edit.diff.clone());
                view.edit = edit.clone().map(|edit| EditStats { diff: None, ..edit });
            }
            _ => {}
        }
    }

    fn view(&mut self, id: &str) -> &mut ToolView {
        self.views.entry(id.to_owned()).or_default()
    }

    pub fn get(&self, id: &str) -> Option<&ToolView> {
        self.views.get(id)
    }

    pub fn clear(&mut self) {
        self.views.clear();
        self.commands.clear();
    }
}
