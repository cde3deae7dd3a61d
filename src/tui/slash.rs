//! The slash commands of the message input: their table (name, argument, what it does), the
//! popup's filtering, and parsing a typed line into a command. Pure: what each command does
//! lives in `update/slash.rs`.

/// Every slash command, in the order the popup lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Model,
    Deployment,
    Mode,
    New,
    Resume,
    Compact,
    Init,
    Undo,
    Tools,
    Network,
    Reasoning,
    Copy,
    Cost,
    Help,
    Exit,
}

/// One row of the table: how it is typed and what the popup says about it.
pub struct Spec {
    pub command: Command,
    pub name: &'static str,
    /// The argument as shown (`[off|read|edit|all]`), empty when there is none.
    pub args: &'static str,
    pub help: &'static str,
}

pub const COMMANDS: [Spec; 17] = [
    spec(Command::Model, "model", "", "pick the model"),
    spec(Command::Deployment, "deployment", "", "pick the deployment"),
    spec(
        Command::Mode,
        "mode",
        "[foundation|orchestration]",
        "switch the mode (no argument: the other one)",
    ),
    spec(
        Command::New,
        "new",
        "",
        "new conversation (the last one stays saved)",
    ),
    spec(Command::New, "clear", "", "new conversation, like /new"),
    spec(
        Command::Resume,
        "resume",
        "",
        "open a saved conversation of this workspace",
    ),
    spec(
        Command::Compact,
        "compact",
        "",
        "replace older turns with a summary the model writes",
    ),
    spec(
        Command::Init,
        "init",
        "",
        "ask the model to write AGENTS.md for this repository",
    ),
    spec(
        Command::Undo,
        "undo",
        "",
        "restore the file of the last applied edit",
    ),
    spec(
        Command::Tools,
        "tools",
        "[off|read|edit|all]",
        "what the model may do here (no argument: show it)",
    ),
    spec(
        Command::Network,
        "network",
        "[on|off]",
        "network for the model's commands (no argument: switch)",
    ),
    spec(
        Command::Reasoning,
        "reasoning",
        "[low|medium|high|off]",
        "how hard a reasoning model thinks (no argument: show it)",
    ),
    spec(Command::Copy, "copy", "", "copy the last answer (OSC 52)"),
    spec(
        Command::Cost,
        "cost",
        "",
        "tokens and list-price cost of this conversation by model",
    ),
    spec(Command::Help, "help", "", "every key and command"),
    spec(
        Command::Exit,
        "exit",
        "",
        "quit sapcode (the conversation stays saved)",
    ),
    spec(
        Command::Exit,
        "quit",
        "",
        "quit sapcode (the conversation stays saved)",
    ),
];

const fn spec(
    command: Command,
    name: &'static str,
    args: &'static str,
    help: &'static str,
) -> Spec {
    Spec {
        command,
        name,
        args,
        help,
    }
}

/// One row of the popup: a built-in command, or a custom one (run by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub args: &'static str,
    pub help: String,
    /// `None` for a custom command.
    pub command: Option<Command>,
}

impl Row {
    fn builtin(spec: &Spec) -> Row {
        Row {
            name: spec.name.to_owned(),
            args: spec.args,
            help: spec.help.to_owned(),
            command: Some(spec.command),
        }
    }
}

use crate::tui::custom_commands::CustomCommand;

/// What the input holds when it is a command line: `/name rest`. `//…` sends a literal `/`,
/// so it is not a command.
pub fn command_line(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some((name, args.trim()))
}

/// The popup's rows for `text` (the input): while only the name is typed, the commands whose
/// name starts with it, then those that merely contain it; custom ones after the built-ins.
/// Empty once arguments are typed.
pub fn matches(text: &str, custom: &[CustomCommand]) -> Vec<Row> {
    let Some((name, _)) = command_line(text) else {
        return Vec::new();
    };
    if text.contains(char::is_whitespace) {
        return Vec::new();
    }
    let name = name.to_ascii_lowercase();
    let rows: Vec<Row> = COMMANDS
        .iter()
        .map(Row::builtin)
        .chain(custom.iter().map(|c| Row {
            name: c.name.clone(),
            args: "[text]",
            help: c.description.clone(),
            command: None,
        }))
        .collect();
    let (prefixed, rest): (Vec<Row>, Vec<Row>) =
        rows.into_iter().partition(|r| r.name.starts_with(&name));
    prefixed
        .into_iter()
        .chain(rest.into_iter().filter(|r| r.name.contains(&name)))
        .collect()
}

/// The command named exactly `name` (case-insensitive).
pub fn find(name: &str) -> Option<Command> {
    COMMANDS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .map(|s| s.command)
}

/// Text that starts with `//` is sent with one `/` less.
pub fn unescape(text: &str) -> Option<&str> {
    text.starts_with("//").then(|| &text[1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        matches(text, &[]).into_iter().map(|s| s.name).collect()
    }

    #[test]
    fn a_slash_lists_every_command_and_typing_narrows_it() {
        assert_eq!(names("/").len(), COMMANDS.len());
        assert_eq!(names("/he"), ["help"]);
        // Names that start with the text come first, then those that contain it.
        assert_eq!(
            names("/m"),
            ["model", "mode", "deployment", "resume", "compact"]
        );
        assert_eq!(names("/MOD"), ["model", "mode"]);
        assert_eq!(names("/dep"), ["deployment"]);
        assert_eq!(names("/co"), ["compact", "copy", "cost"]);
        assert_eq!(names("/cl"), ["clear"]);
        assert_eq!(names("/py"), ["copy"]);
        assert_eq!(names("/net"), ["network"]);
        assert_eq!(names("/rea"), ["reasoning"]);
        assert_eq!(
            names("/o"),
            [
                "model",
                "deployment",
                "mode",
                "compact",
                "undo",
                "tools",
                "network",
                "reasoning",
                "copy",
                "cost"
            ]
        );
        assert!(names("/zz").is_empty());
    }

    #[test]
    fn no_popup_for_plain_text_a_double_slash_or_once_arguments_start() {
        assert!(names("hello").is_empty());
        assert!(names("//etc").is_empty());
        assert!(names("/tools ").is_empty());
        assert!(names("/tools read").is_empty());
    }

    #[test]
    fn command_lines_split_into_name_and_argument() {
        assert_eq!(command_line("/tools  edit "), Some(("tools", "edit")));
        assert_eq!(command_line("/new"), Some(("new", "")));
        assert_eq!(command_line("//new"), None);
        assert_eq!(command_line("new"), None);
        assert_eq!(find("HELP"), Some(Command::Help));
        assert_eq!(find("helpme"), None);
        assert_eq!(unescape("//etc/hosts is?"), Some("/etc/hosts is?"));
        assert_eq!(unescape("/etc"), None);
    }
}
