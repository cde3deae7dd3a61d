//! Approval of edits and commands: what the driver asks the face, the answers a user can
//! give, and the grants a session keeps across turns ("yes to every edit", "always this
//! exact command"). Reads never ask.

use std::collections::BTreeSet;

use tokio::sync::oneshot;

use super::diff::Hunk;
use super::permissions::ProjectPermissions;

/// What the model wants to do, as the user reviews it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApprovalRequest {
    /// An `edit_file` or `write_file` call: the file and the hunks of its diff. Faces draw
    /// the hunks themselves: a unified text parsed again would read an added line
    /// `++ x` (`+` and `++ x`) as a `+++` file header and hide it.
    Edit {
        path: String,
        hunks: Vec<Hunk>,
        is_new_file: bool,
    },
    /// A `run_command` call: the exact command line.
    Command { command: String },
}

/// The user's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Yes,
    /// No; the reason, if given, is passed on to the model.
    No {
        reason: Option<String>,
    },
    /// Yes, and to every further edit of this session.
    AllEdits,
    /// Yes, and to this exact command line whenever it comes again this session.
    AlwaysCommand,
}

impl Decision {
    pub fn is_yes(&self) -> bool {
        match self {
            Decision::Yes | Decision::AllEdits | Decision::AlwaysCommand => true,
            Decision::No { .. } => false,
        }
    }
}

/// Sent with an `ApprovalNeeded` event; the turn waits until it is answered (a dropped
/// reply counts as "no").
pub type Reply = oneshot::Sender<Decision>;

/// How a face wants requests handled that no grant covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AskMode {
    /// Ask the face (the TUI, or `run` on a terminal).
    #[default]
    Ask,
    /// `--yes`: approve everything.
    ApproveAll,
    /// Nobody to ask (`run` without a terminal): refuse, with this reason for the model.
    Refuse(String),
}

/// The approval mode a user works in (tui.md): `ask` asks for every edit and command,
/// `auto-edit` applies edits without asking (commands still ask), `plan` offers the read
/// tools only. The mode is a view of the grants and the level: auto-edit is the "every edit"
/// grant, plan caps the level a turn offers at `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApprovalMode {
    #[default]
    Ask,
    AutoEdit,
    Plan,
}

impl ApprovalMode {
    pub const ALL: [ApprovalMode; 3] = [
        ApprovalMode::Ask,
        ApprovalMode::AutoEdit,
        ApprovalMode::Plan,
    ];

    /// The word in the status line, the config (`[ui] approval_mode`) and `/mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalMode::Ask => "ask",
            ApprovalMode::AutoEdit => "auto-edit",
            ApprovalMode::Plan => "plan",
        }
    }

    pub fn parse(text: &str) -> Option<ApprovalMode> {
        ApprovalMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text.trim())
    }

    /// Shift-Tab: ask → auto-edit → plan → ask.
    pub fn next(self) -> ApprovalMode {
        match self {
            ApprovalMode::Ask => ApprovalMode::AutoEdit,
            ApprovalMode::AutoEdit => ApprovalMode::Plan,
            ApprovalMode::Plan => ApprovalMode::Ask,
        }
    }

    /// The level a turn offers in this mode: plan reads only, whatever the level chosen.
    pub fn cap(self, level: super::ToolLevel) -> super::ToolLevel {
        match self {
            ApprovalMode::Plan => level.min(super::ToolLevel::Read),
            ApprovalMode::Ask | ApprovalMode::AutoEdit => level,
        }
    }

    /// What the mode means, as said to the user when it changes.
    pub fn describe(self) -> &'static str {
        match self {
            ApprovalMode::Ask => "mode ask: every edit and command asks first",
            ApprovalMode::AutoEdit => "mode auto-edit: edits apply without asking; commands ask",
            ApprovalMode::Plan => "mode plan: the model reads only; nothing is edited or run",
        }
    }
}

/// Who approved (or refused) a call, for the `approval` JSON event and the transcript.
/// Serialized as `as_str` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovedBy {
    /// The user answered this request.
    User,
    /// A grant given earlier this session (all edits, or this command).
    Session,
    /// The project's `.sapcode/config.toml` `[permissions] allow`.
    Project,
    /// `--yes`.
    #[serde(rename = "--yes")]
    Flag,
    /// Refused because nobody could be asked.
    NoTerminal,
}

impl ApprovedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovedBy::User => "user",
            ApprovedBy::Session => "session",
            ApprovedBy::Project => "project",
            ApprovedBy::Flag => "--yes",
            ApprovedBy::NoTerminal => "no-terminal",
        }
    }
}

/// The session's approval policy: the ask mode, the grants given so far and the project's
/// standing permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approvals {
    pub mode: AskMode,
    pub all_edits: bool,
    pub commands: BTreeSet<String>,
    pub project: ProjectPermissions,
}

/// What the policy says before anyone is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approved(ApprovedBy),
    Refused(String),
    Ask,
}

impl Approvals {
    pub fn verdict(&self, request: &ApprovalRequest) -> Verdict {
        let granted = match request {
            ApprovalRequest::Edit { .. } => self.all_edits,
            ApprovalRequest::Command { command } => self.commands.contains(command),
        };
        if granted {
            return Verdict::Approved(ApprovedBy::Session);
        }
        if let ApprovalRequest::Command { command } = request
            && self.project.allows(command)
        {
            return Verdict::Approved(ApprovedBy::Project);
        }
        match &self.mode {
            AskMode::Ask => Verdict::Ask,
            AskMode::ApproveAll => Verdict::Approved(ApprovedBy::Flag),
            AskMode::Refuse(reason) => Verdict::Refused(reason.clone()),
        }
    }

    /// Puts the session in `mode`: auto-edit grants every edit; ask and plan take that grant
    /// back (grants of single commands stay).
    pub fn set_mode(&mut self, mode: ApprovalMode) {
        self.all_edits = mode == ApprovalMode::AutoEdit;
    }

    /// Remembers the grant a decision carries.
    pub fn record(&mut self, request: &ApprovalRequest, decision: &Decision) {
        match (decision, request) {
            (Decision::AllEdits, ApprovalRequest::Edit { .. }) => self.all_edits = true,
            (Decision::AlwaysCommand, ApprovalRequest::Command { command }) => {
                self.commands.insert(command.clone());
            }
            (Decision::AllEdits, ApprovalRequest::Command { .. })
            | (Decision::AlwaysCommand, ApprovalRequest::Edit { .. })
            | (Decision::Yes | Decision::No { .. }, _) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::ToolLevel;

    #[test]
    fn modes_cycle_and_decide_edits_and_the_level() {
        let edit = ApprovalRequest::Edit {
            path: "a".into(),
            hunks: Vec::new(),
            is_new_file: false,
        };
        assert_eq!(ApprovalMode::Ask.next(), ApprovalMode::AutoEdit);
        assert_eq!(ApprovalMode::AutoEdit.next(), ApprovalMode::Plan);
        assert_eq!(ApprovalMode::Plan.next(), ApprovalMode::Ask);
        for mode in ApprovalMode::ALL {
            assert_eq!(ApprovalMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(ApprovalMode::parse("yolo"), None);
        let mut approvals = Approvals::default();
        approvals.set_mode(ApprovalMode::AutoEdit);
        assert_eq!(
            approvals.verdict(&edit),
            Verdict::Approved(ApprovedBy::Session)
        );
        approvals.set_mode(ApprovalMode::Ask);
        assert_eq!(approvals.verdict(&edit), Verdict::Ask);
        assert_eq!(ApprovalMode::Plan.cap(ToolLevel::All), ToolLevel::Read);
        assert_eq!(ApprovalMode::Plan.cap(ToolLevel::Off), ToolLevel::Off);
        assert_eq!(ApprovalMode::AutoEdit.cap(ToolLevel::All), ToolLevel::All);
    }

    #[test]
    fn grants_cover_only_what_they_name() {
        let edit = ApprovalRequest::Edit {
            path: "a".into(),
            hunks: Vec::new(),
            is_new_file: false,
        };
        let test = ApprovalRequest::Command {
            command: "cargo test".into(),
        };
        let other = ApprovalRequest::Command {
            command: "cargo test; rm -rf ~".into(),
        };
        let mut approvals = Approvals::default();
        assert_eq!(approvals.verdict(&edit), Verdict::Ask);
        approvals.record(&test, &Decision::AlwaysCommand);
        assert_eq!(
            approvals.verdict(&test),
            Verdict::Approved(ApprovedBy::Session)
        );
        assert_eq!(approvals.verdict(&other), Verdict::Ask);
        assert_eq!(approvals.verdict(&edit), Verdict::Ask);
        approvals.record(&edit, &Decision::AllEdits);
        assert_eq!(
            approvals.verdict(&edit),
            Verdict::Approved(ApprovedBy::Session)
        );
        approvals.mode = AskMode::Refuse("no terminal".into());
        assert_eq!(
            approvals.verdict(&other),
            Verdict::Refused("no terminal".into())
        );
        approvals.mode = AskMode::ApproveAll;
        assert_eq!(
            approvals.verdict(&other),
            Verdict::Approved(ApprovedBy::Flag)
        );
    }

    #[test]
    fn project_permissions_allow_their_commands_and_nothing_near_them() {
        let command = |text: &str| ApprovalRequest::Command {
            command: text.into(),
        };
        let approvals = Approvals {
            project: ProjectPermissions::new(vec!["cargo test".into()]),
            ..Approvals::default()
        };
        assert_eq!(
            approvals.verdict(&command("cargo test")),
            Verdict::Approved(ApprovedBy::Project)
        );
        assert_eq!(
            approvals.verdict(&command("cargo test; rm -rf x")),
            Verdict::Ask
        );
        let refusing = Approvals {
            mode: AskMode::Refuse("no terminal".into()),
            ..approvals
        };
        assert_eq!(
            refusing.verdict(&command("cargo test && rm -rf x")),
            Verdict::Refused("no terminal".into())
        );
    }
}
