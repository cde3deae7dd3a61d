//! The tools the model may call and the rules they share: which are offered at which level,
//! one dispatch through the registry (`builtin/`, one file per tool), result caps, and the
//! session state a face keeps across turns (approval grants, the undo stack). The machinery
//! the tools share lives in sibling files: reading in `read.rs`, applying edits in
//! `write.rs`, commands in `command.rs`; path confinement in `paths.rs`.
//! Every failure is a plain sentence handed back to the model as the tool result, never a panic.

mod builtin;
mod command;
pub mod masked;
mod paths;
mod read;
mod undo;
mod write;

#[cfg(test)]
mod boundary_tests;
#[cfg(test)]
pub(crate) mod command_tests;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub use builtin::specs;
pub use command::{CommandOutcome, CommandRun, MAX_COMMAND_OUTPUT, Origin};
pub use masked::run_command;
pub(crate) use read::walk as walk_workspace;
pub use undo::{UndoEntry, UndoError};

pub use crate::byte_size::human_bytes;

use super::approval::Approvals;
use super::beneath::WorkspaceDir;
use super::edit::Proposal;
use super::protected::ReadDenyList;

/// Most bytes one file tool result may hold.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;
/// Most matches `search` reports.
pub const MAX_MATCHES: usize = 200;
/// Most entries `list_files` reports.
pub const MAX_ENTRIES: usize = 2000;
/// Files larger than this are not read, searched or edited.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// `run_command`'s timeout when the model gives none and the config says nothing.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// The range `timeout_s` and `[agent] command_timeout_s` are clamped to.
pub const COMMAND_TIMEOUT_RANGE: (u64, u64) = (1, 600);

/// Which tools are offered: `read` the three read tools, `edit` adds `edit_file` and
/// `write_file`, `all` adds `run_command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ToolLevel {
    Off,
    Read,
    Edit,
    All,
}

impl ToolLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolLevel::Off => "off",
            ToolLevel::Read => "read",
            ToolLevel::Edit => "edit",
            ToolLevel::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<ToolLevel> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Some(ToolLevel::Off),
            "read" => Some(ToolLevel::Read),
            "edit" => Some(ToolLevel::Edit),
            "all" => Some(ToolLevel::All),
            _ => None,
        }
    }
}

/// What kind of thing a tool does, which decides the level it needs and the approval it
/// asks: none for reads, the diff for edits, the command line for commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    Read,
    Edit,
    Command,
}

impl ToolKind {
    /// The kind of the tool called `name`, if there is such a tool.
    pub fn of(name: &str) -> Option<ToolKind> {
        builtin::find(name).map(builtin::Tool::kind)
    }

    /// The lowest level that offers this kind.
    pub fn level(self) -> ToolLevel {
        match self {
            ToolKind::Read => ToolLevel::Read,
            ToolKind::Edit => ToolLevel::Edit,
            ToolKind::Command => ToolLevel::All,
        }
    }
}

/// How a write that changed nothing begins its summary (the line shows it, not "applied").
pub const UNCHANGED: &str = "unchanged";

/// What one call produced: the text for the model and a short line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    pub content: String,
    /// `src/lib.rs (1.2 KiB)`, `12 matches`, or the error.
    pub summary: String,
    pub ok: bool,
}

impl ToolOutput {
    pub fn error(message: impl Into<String>) -> ToolOutput {
        let message = message.into();
        ToolOutput {
            content: format!("error: {message}"),
            summary: format!("refused: {message}"),
            ok: false,
        }
    }

    pub(crate) fn success(content: String, summary: String) -> ToolOutput {
        ToolOutput {
            content,
            summary,
            ok: true,
        }
    }
}

/// The tools of one workspace, plus what the face keeps across turns: the level, the
/// approval grants and the undo stack. Cloning shares the grants and the stack. The file
/// tools do blocking I/O: call them off the async runtime. Every file is reached through the
/// workspace directory held open (`beneath`), and nothing on the read deny list is touched.
#[derive(Debug, Clone)]
pub struct Tools {
    dir: WorkspaceDir,
    deny: Arc<ReadDenyList>,
    level: ToolLevel,
    command_timeout: Duration,
    approvals: Arc<Mutex<Approvals>>,
    undo: Arc<Mutex<Vec<UndoEntry>>>,
    /// Whether commands get the network; shared by every clone (`/network` toggles it).
    network: Arc<AtomicBool>,
}

impl Tools {
    /// `root` must exist; it is canonicalized and opened once so every check compares real
    /// paths. Starts at level `read` with the default command timeout, commands without
    /// network and the deny list of the default sapcode dirs (faces pass their own with
    /// `with_deny_list`).
    pub fn new(root: &Path) -> std::io::Result<Tools> {
        // A project file that cannot be read allows nothing: every command asks.
        let project = super::permissions::ProjectPermissions::load(root).unwrap_or_else(|err| {
            tracing::warn!("{err}");
            super::permissions::ProjectPermissions::default()
        });
        Ok(Tools {
            dir: WorkspaceDir::open(root)?,
            deny: Arc::new(ReadDenyList::for_environment(
                &crate::config::Paths::discover(None),
            )),
            level: ToolLevel::Read,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            approvals: Arc::new(Mutex::new(Approvals {
                project,
                ..Approvals::default()
            })),
            undo: Arc::default(),
            network: Arc::default(),
        })
    }

    /// The paths no tool reads or writes and no command reads (sapcode's dirs as this run
    /// found them, the credential stores).
    pub fn with_deny_list(mut self, deny: ReadDenyList) -> Tools {
        self.deny = Arc::new(deny);
        self
    }

    /// Whether commands get the network (for every clone).
    pub fn set_network(&self, on: bool) {
        self.network.store(on, Ordering::Relaxed);
    }

    pub fn network(&self) -> bool {
        self.network.load(Ordering::Relaxed)
    }

    /// The sandbox policy of the model's commands as it is now.
    pub fn command_policy(&self) -> super::sandbox::Policy {
        super::sandbox::Policy {
            network: self.network(),
            deny: ReadDenyList::clone(&self.deny),
        }
    }

    pub fn with_level(mut self, level: ToolLevel) -> Tools {
        self.level = level;
        self
    }

    /// The default for `run_command` (clamped to 1–600 s).
    pub fn with_command_timeout(mut self, timeout: Duration) -> Tools {
        self.command_timeout = clamp_timeout(timeout.as_secs());
        self
    }

    pub fn root(&self) -> &Path {
        self.dir.root()
    }

    pub fn level(&self) -> ToolLevel {
        self.level
    }

    pub fn command_timeout(&self) -> Duration {
        self.command_timeout
    }

    /// The session's approval grants, shared by every clone.
    pub fn approvals(&self) -> &Arc<Mutex<Approvals>> {
        &self.approvals
    }

    /// The specs offered at this level (none at `off`).
    pub fn offered(&self) -> Vec<crate::aicore::ToolSpec> {
        builtin::TOOLS
            .iter()
            .filter(|tool| tool.kind().level() <= self.level)
            .map(|tool| builtin::spec(*tool))
            .collect()
    }

    /// Runs a read tool with JSON `arguments`; unknown tools and bad arguments are errors in
    /// the result, not failures of the turn. Edits go through `prepare_edit` and commands
    /// through `command::run`: both need approval first.
    pub fn call(&self, name: &str, arguments: &str) -> ToolOutput {
        let args = match parse_arguments(name, arguments) {
            Ok(args) => args,
            Err(output) => return output,
        };
        match self.run(name, ToolKind::Read, &args) {
            Some(builtin::Step::Done(output)) => output,
            Some(_) | None => ToolOutput::error(format!(
                "no read tool named {name:?}; available: {}",
                builtin::names_of(ToolKind::Read)
            )),
        }
    }

    /// Validates an `edit_file` or `write_file` call against the file as it is now and
    /// returns the change to approve; nothing is written.
    pub fn prepare_edit(&self, name: &str, arguments: &str) -> Result<Proposal, ToolOutput> {
        let args = parse_arguments(name, arguments)?;
        match self.run(name, ToolKind::Edit, &args) {
            Some(builtin::Step::ApproveEdit(proposal)) => Ok(proposal),
            Some(builtin::Step::Done(output)) => Err(output),
            Some(builtin::Step::ApproveCommand(_)) | None => Err(ToolOutput::error(format!(
                "no edit tool named {name:?}; available: {}",
                builtin::names_of(ToolKind::Edit)
            ))),
        }
    }

    /// Validates a `run_command` call and returns the command to approve; nothing runs.
    pub fn prepare_command(&self, name: &str, arguments: &str) -> Result<CommandRun, ToolOutput> {
        let args = parse_arguments(name, arguments)?;
        match self.run(name, ToolKind::Command, &args) {
            Some(builtin::Step::ApproveCommand(run)) => Ok(run),
            Some(builtin::Step::Done(output)) => Err(output),
            Some(builtin::Step::ApproveEdit(_)) | None => Err(ToolOutput::error(format!(
                "no command tool named {name:?}; available: {}",
                builtin::names_of(ToolKind::Command)
            ))),
        }
    }

    /// Runs the tool called `name` if it is of `kind`; `None` when there is no such tool.
    fn run(&self, name: &str, kind: ToolKind, args: &Value) -> Option<builtin::Step> {
        let tool = builtin::find(name).filter(|tool| tool.kind() == kind)?;
        Some(tool.run(self, args))
    }

    /// The `timeout_s` of a `run_command` call, clamped, else this session's default.
    pub fn timeout_for(&self, args: &Value) -> Duration {
        args.get("timeout_s")
            .and_then(Value::as_u64)
            .map_or(self.command_timeout, clamp_timeout)
    }
}

/// The call's arguments as a JSON object; empty text is `{}`.
pub(crate) fn parse_arguments(name: &str, arguments: &str) -> Result<Value, ToolOutput> {
    if arguments.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str(arguments) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) | Err(_) => Err(ToolOutput::error(format!(
            "arguments for {name} are not a JSON object: {}",
            truncate(arguments, 200)
        ))),
    }
}

fn clamp_timeout(secs: u64) -> Duration {
    Duration::from_secs(secs.clamp(COMMAND_TIMEOUT_RANGE.0, COMMAND_TIMEOUT_RANGE.1))
}

/// At most `max` bytes of `text`, cut on a character boundary; `true` when cut.
pub(crate) fn cap(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    let (cut, was_cut) = cap(text, max);
    if was_cut {
        format!("{cut}…")
    } else {
        cut.to_owned()
    }
}
