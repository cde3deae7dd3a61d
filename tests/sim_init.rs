//! `/init` against the simulator (issue 17): a prompt asking to write AGENTS.md makes the
//! simulated model list the workspace, then `write_file AGENTS.md` describing what it listed,
//! through `sapcode --demo run --tools edit --yes` (the TUI's `/init` sends such a prompt).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Home, stderr_of, stdout_of};

/// The wording the README documents for the simulator (the TUI's `/init` sends it).
const INIT_PROMPT: &str =
    "Create an AGENTS.md file for this repository: look at its layout first, then write it.";

fn project(home: &Home) -> std::path::PathBuf {
    let project = home.path().join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(project.join("Cargo.toml"), "[package]\nname = \"shop\"\n").unwrap();
    std::fs::write(project.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(project.join("README.md"), "# shop\n").unwrap();
    project
}

#[test]
fn init_lists_the_workspace_then_writes_agents_md_describing_it() {
    let home = Home::new();
    let project = project(&home);
    let output = home
        .sapcode()
        .current_dir(&project)
        .args(["--demo", "run", "--tools", "edit", "--yes", INIT_PROMPT])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let list = stderr.find("list_files").expect("listed first");
    let write = stderr
        .find("write_file AGENTS.md")
        .expect("then wrote AGENTS.md");
    assert!(list < write, "{stderr}");
    let agents = std::fs::read_to_string(project.join("AGENTS.md")).unwrap();
    for line in [
        "- `Cargo.toml` (file)",
        "- `README.md` (file)",
        "- `src/` (directory)",
        "- Build: `cargo build`",
        "- Test: `cargo test`",
    ] {
        assert!(agents.contains(line), "{line:?} in\n{agents}");
    }
    assert!(
        stdout_of(&output).contains("Wrote `AGENTS.md`: it lists the 3 top-level entries"),
        "{}",
        stdout_of(&output)
    );
}

#[test]
fn init_without_write_tools_says_which_level_it_needs() {
    let home = Home::new();
    let project = project(&home);
    let output = home
        .sapcode()
        .current_dir(&project)
        .args(["--demo", "run", "--tools", "read", INIT_PROMPT])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        stdout_of(&output).contains("--tools edit"),
        "{}",
        stdout_of(&output)
    );
    assert!(!project.join("AGENTS.md").exists());
    assert!(
        !stderr_of(&output).contains("list_files"),
        "nothing is done half"
    );
}
