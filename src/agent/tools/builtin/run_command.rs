//! `run_command`: the command line to approve; `round.rs` runs it through
//! `masked::run_command` after the approval.

use serde_json::{Value, json};

use super::{Step, Tool};
use crate::agent::tools::{CommandRun, ToolKind, ToolOutput, Tools};

/// The name the model calls it by; written here only.
pub const NAME: &str = "run_command";

pub struct RunCommand;

impl Tool for RunCommand {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Run a shell command (sh -c) in the project root, stdin empty. The user approves \
             each command. Returns the exit code and the output (long output keeps its head \
             and tail)."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "The command line, e.g. `cargo test`"},
                "timeout_s": {"type": "integer", "description": "Seconds before it is killed (1-600, default 120)"}
            },
            "required": ["command"]
        })
    }

    fn kind(&self) -> ToolKind {
        ToolKind::Command
    }

    fn run(&self, tools: &Tools, args: &Value) -> Step {
        let Some(command) = args
            .get("command")
            .and_then(Value::as_str)
            .filter(|c| !c.trim().is_empty())
        else {
            return Step::Done(ToolOutput::error(format!(
                "{NAME} needs a non-empty string `command`"
            )));
        };
        Step::ApproveCommand(CommandRun {
            command: command.to_owned(),
            timeout: tools.timeout_for(args),
        })
    }
}
