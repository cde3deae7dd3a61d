//! The registry of tools: each tool is one file here implementing `Tool` (its name, its
//! JSON schema, its kind, which decides the level it needs and the approval it asks, and
//! what a call does). `TOOLS` is the one registration point; a tool's name is written once,
//! in its own file, and everything else (the offered specs, dispatch, `ToolKind::of`) looks
//! it up here.

mod edit_file;
mod list_files;
mod read_file;
mod run_command;
mod search;
mod write_file;

use serde_json::Value;

use super::{CommandRun, ToolKind, ToolOutput, Tools};
use crate::agent::edit::Proposal;
use crate::aicore::ToolSpec;

/// What a call comes to before any approval.
pub enum Step {
    /// Finished: the result for the model (read tools, and every refused call).
    Done(ToolOutput),
    /// An edit to show the user; nothing is written until it is approved and applied.
    ApproveEdit(Proposal),
    /// A command to show the user; it runs only once approved.
    ApproveCommand(CommandRun),
}

pub trait Tool: Sync {
    /// The name the model calls it by.
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// The JSON schema of its arguments.
    fn parameters(&self) -> Value;
    /// Read, edit or command: the level that offers it and the approval it needs.
    fn kind(&self) -> ToolKind;
    /// The call with its arguments (a JSON object); blocking I/O for the file tools.
    fn run(&self, tools: &Tools, args: &Value) -> Step;
}

/// Every tool, read tools first (the simulator falls back on the first one).
pub const TOOLS: [&dyn Tool; 6] = [
    &read_file::ReadFile,
    &list_files::ListFiles,
    &search::Search,
    &edit_file::EditFile,
    &write_file::WriteFile,
    &run_command::RunCommand,
];

/// The tool called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static dyn Tool> {
    TOOLS.iter().copied().find(|tool| tool.name() == name)
}

/// The names of the tools of `kind`, for "available: …" sentences.
pub fn names_of(kind: ToolKind) -> String {
    let names: Vec<&str> = TOOLS
        .iter()
        .filter(|tool| tool.kind() == kind)
        .map(|tool| tool.name())
        .collect();
    names.join(", ")
}

/// Every tool's spec, as offered to the model in every dialect.
pub fn specs() -> Vec<ToolSpec> {
    TOOLS.iter().map(|tool| spec(*tool)).collect()
}

pub fn spec(tool: &dyn Tool) -> ToolSpec {
    ToolSpec {
        name: tool.name().into(),
        description: tool.description().into(),
        parameters: tool.parameters(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::tools::ToolLevel;

    #[test]
    fn every_tool_is_registered_once_and_found_by_its_name() {
        let mut names: Vec<&str> = TOOLS.iter().map(|tool| tool.name()).collect();
        assert_eq!(TOOLS[0].kind(), ToolKind::Read, "read tools first");
        for tool in TOOLS {
            assert_eq!(find(tool.name()).map(Tool::name), Some(tool.name()));
            assert_eq!(ToolKind::of(tool.name()), Some(tool.kind()));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TOOLS.len(), "duplicate names: {names:?}");
        assert!(find("read_files").is_none() && ToolKind::of("").is_none());
    }

    #[test]
    fn every_schema_is_an_object_whose_required_fields_exist() {
        for tool in TOOLS {
            let schema = tool.parameters();
            assert_eq!(schema["type"], "object", "{}", tool.name());
            let properties = schema["properties"].as_object().unwrap();
            for field in schema["required"].as_array().unwrap() {
                assert!(
                    properties.contains_key(field.as_str().unwrap()),
                    "{}",
                    tool.name()
                );
            }
            assert!(!tool.description().is_empty());
        }
    }

    #[test]
    fn each_level_offers_the_tools_of_its_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let offered = |level| -> Vec<String> {
            let tools = Tools::new(dir.path()).unwrap().with_level(level);
            tools.offered().into_iter().map(|spec| spec.name).collect()
        };
        assert!(offered(ToolLevel::Off).is_empty());
        assert_eq!(
            offered(ToolLevel::Read),
            ["read_file", "list_files", "search"]
        );
        assert_eq!(
            offered(ToolLevel::Edit),
            [
                "read_file",
                "list_files",
                "search",
                "edit_file",
                "write_file"
            ]
        );
        let all: Vec<String> = specs().into_iter().map(|spec| spec.name).collect();
        assert_eq!(offered(ToolLevel::All), all);
        assert_eq!(all.last().map(String::as_str), Some("run_command"));
    }

    #[test]
    fn a_call_of_the_wrong_kind_is_refused_with_the_right_list() {
        let dir = tempfile::tempdir().unwrap();
        let tools = Tools::new(dir.path()).unwrap();
        let out = tools.call("write_file", r#"{"path":"a","content":"b"}"#);
        assert!(!out.ok);
        assert!(
            out.content
                .contains("available: read_file, list_files, search"),
            "{}",
            out.content
        );
        let refused = tools
            .prepare_edit("run_command", r#"{"command":"ls"}"#)
            .unwrap_err();
        assert!(
            refused.content.contains("available: edit_file, write_file"),
            "{}",
            refused.content
        );
        let run = tools
            .prepare_command("run_command", r#"{"command":"ls","timeout_s":5}"#)
            .unwrap();
        assert_eq!((run.command.as_str(), run.timeout.as_secs()), ("ls", 5));
        let empty = tools
            .prepare_command("run_command", r#"{"command":"  "}"#)
            .unwrap_err();
        assert!(
            empty
                .content
                .contains("run_command needs a non-empty string `command`")
        );
        assert!(
            tools
                .prepare_command("read_file", r#"{"path":"a"}"#)
                .is_err()
        );
    }
}
