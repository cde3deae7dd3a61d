//! Custom slash commands: `.sapcode/commands/NAME.md` in the workspace and
//! `<config dir>/commands/NAME.md` for the user become `/NAME ARGS`; the file's text is sent
//! with `$ARGUMENTS` replaced by ARGS. The popup describes each by its first line. A
//! project's command wins over the user's of the same name; a built-in command wins over
//! both (a file cannot change what `/exit` does).

use std::path::Path;

/// Text of one command file at most: a prompt, not a document.
const MAX_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomCommand {
    pub name: String,
    /// The file's first non-empty line, without a Markdown heading's `#`s.
    pub description: String,
    pub text: String,
}

impl CustomCommand {
    /// The text to send for `/NAME args`.
    pub fn expand(&self, args: &str) -> String {
        self.text.replace("$ARGUMENTS", args.trim())
    }
}

/// The commands of `project` (the workspace) and `user` (the config dir), sorted by name, and
/// one line per file that was skipped.
pub fn load(project: &Path, user: Option<&Path>) -> (Vec<CustomCommand>, Vec<String>) {
    let mut commands: Vec<CustomCommand> = Vec::new();
    let mut problems = Vec::new();
    let dirs = [
        Some(project.join(".sapcode/commands")),
        user.map(|u| u.join("commands")),
    ];
    for dir in dirs.into_iter().flatten() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut found: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        found.sort();
        for path in found {
            let Some(name) = command_name(&path) else {
                continue;
            };
            if crate::tui::slash::find(&name).is_some() || commands.iter().any(|c| c.name == name) {
                continue;
            }
            match read(&path) {
                Ok(text) => commands.push(CustomCommand {
                    description: first_line(&text),
                    name,
                    text,
                }),
                Err(why) => problems.push(format!("/{name} skipped: {why}")),
            }
        }
    }
    commands.sort_by(|a, b| a.name.cmp(&b.name));
    (commands, problems)
}

/// `review.md` → `review`; names are letters, digits, `-` and `_` (what can be typed after
/// `/` and split off at the first space).
fn command_name(path: &Path) -> Option<String> {
    if path.extension()? != "md" {
        return None;
    }
    let name = path.file_stem()?.to_str()?.to_ascii_lowercase();
    let typable = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    typable.then_some(name)
}

fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|err| err.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_BYTES {
        return Err(format!("larger than {} KiB", MAX_BYTES / 1024));
    }
    std::fs::read_to_string(path).map_err(|_| "not UTF-8 text".into())
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(|line| line.trim().trim_start_matches('#').trim())
        .find(|line| !line.is_empty())
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_and_user_commands_load_with_their_first_line() {
        let project = tempfile::tempdir().unwrap();
        let user = tempfile::tempdir().unwrap();
        let project_dir = project.path().join(".sapcode/commands");
        std::fs::create_dir_all(&project_dir).unwrap();
        std::fs::create_dir_all(user.path().join("commands")).unwrap();
        std::fs::write(
            project_dir.join("review.md"),
            "\n# Review a file\nReview $ARGUMENTS for bugs.\n",
        )
        .unwrap();
        std::fs::write(project_dir.join("exit.md"), "not the real exit").unwrap();
        std::fs::write(project_dir.join("notes.txt"), "not a command").unwrap();
        std::fs::write(project_dir.join("bad name.md"), "spaces").unwrap();
        std::fs::write(user.path().join("commands/review.md"), "the user's").unwrap();
        std::fs::write(
            user.path().join("commands/explain.md"),
            "Explain $ARGUMENTS",
        )
        .unwrap();
        std::fs::write(project_dir.join("big.md"), "x".repeat(70 * 1024)).unwrap();
        let (commands, problems) = load(project.path(), Some(user.path()));
        let names: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["explain", "review"]);
        let review = &commands[1];
        assert_eq!(review.description, "Review a file");
        assert_eq!(
            review.expand(" src/lib.rs "),
            "\n# Review a file\nReview src/lib.rs for bugs.\n"
        );
        assert_eq!(problems, ["/big skipped: larger than 64 KiB"]);
    }
}
