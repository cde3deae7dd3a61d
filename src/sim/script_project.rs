//! The small projects the scripted "fix the failing test" writes, as data: a shell one for any
//! workspace and a standalone Rust crate for a Cargo project. Both hold the same VAT bug
//! (dividing by 10 instead of 100) and a comment that does not name the rate, so `script`
//! walks either one the same way: write both files, run the test, read the code, apply the
//! two fixes, run the test again.

/// One demo project and how the script drives it.
#[derive(Debug)]
pub(super) struct DemoProject {
    /// Written in this order before the first test run.
    pub files: [(&'static str, &'static str); 2],
    /// The file that holds the bug; read after the failure and edited twice.
    pub code_path: &'static str,
    /// Runs the test; exits non-zero and prints `FAILED` while the bug is there.
    pub command: &'static str,
    /// `(old_text, new_text)` for the formula, then for the comment; each old text occurs once.
    pub fixes: [(&'static str, &'static str); 2],
    /// What a passing run prints (and a failing one does not).
    pub passed: &'static str,
    /// The fixed formula, as the final answer quotes it.
    pub formula: &'static str,
}

/// Any workspace: `sh` is all it needs.
pub(super) const SHELL: DemoProject = DemoProject {
    files: [
        (
            "sapcode-demo/price.sh",
            "#!/bin/sh\n# Adds VAT to a net price.\n# usage: price.sh NET_CENTS\nnet=$1\necho $(( net * 119 / 10 ))\n",
        ),
        (
            "sapcode-demo/test.sh",
            "#!/bin/sh\n# 10.00 net is 11.90 gross.\ngot=$(sh sapcode-demo/price.sh 1000)\nif [ \"$got\" = \"1190\" ]; then\n  echo \"test price ... ok\"\nelse\n  echo \"test price ... FAILED: expected 1190, got $got\"\n  exit 1\nfi\n",
        ),
    ],
    code_path: "sapcode-demo/price.sh",
    command: "sh sapcode-demo/test.sh",
    fixes: [
        ("net * 119 / 10 ))", "net * 119 / 100 ))"),
        (
            "# Adds VAT to a net price.",
            "# Adds 19 % VAT to a net price.",
        ),
    ],
    passed: "test price ... ok",
    formula: "net * 119 / 100",
};

/// A Cargo project: a crate of its own inside it. The empty `[workspace]` keeps it out of a
/// workspace the user's `Cargo.toml` may declare (cargo refuses a nested package otherwise),
/// and `--target-dir` keeps its build inside `sapcode-demo/` even when `CARGO_TARGET_DIR`
/// points elsewhere (where the Landlock sandbox would refuse the write). With no
/// dependencies cargo writes nothing under `CARGO_HOME`.
pub(super) const RUST: DemoProject = DemoProject {
    files: [
        (
            "sapcode-demo/Cargo.toml",
            "[package]\nname = \"sapcode-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             # A crate of its own, even inside another Cargo workspace.\n[workspace]\n",
        ),
        (
            "sapcode-demo/src/lib.rs",
            "//! Prices in cents.\n\n/// Adds VAT to a net price.\npub fn gross_cents(net_cents: u64) -> u64 {\n    \
             net_cents * 119 / 10\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    \
             fn ten_euros_net_are_eleven_ninety_gross() {\n        assert_eq!(gross_cents(1000), 1190);\n    }\n}\n",
        ),
    ],
    code_path: "sapcode-demo/src/lib.rs",
    command: "cargo test --manifest-path sapcode-demo/Cargo.toml --target-dir sapcode-demo/target",
    fixes: [
        ("net_cents * 119 / 10\n", "net_cents * 119 / 100\n"),
        (
            "/// Adds VAT to a net price.",
            "/// Adds 19 % VAT to a net price.",
        ),
    ],
    passed: "test result: ok",
    formula: "net_cents * 119 / 100",
};

impl DemoProject {
    /// The buggy code, as first written.
    pub fn code(&self) -> &'static str {
        self.files
            .iter()
            .find(|(path, _)| *path == self.code_path)
            .map_or("", |(_, content)| content)
    }
}

/// The project for a workspace whose top-level listing is `listing` (a `list_files` result):
/// the crate where a `Cargo.toml` sits at the root, the shell project anywhere else.
pub(super) fn for_listing(listing: &str) -> &'static DemoProject {
    if listing.lines().any(|line| line.trim() == "Cargo.toml") {
        &RUST
    } else {
        &SHELL
    }
}

/// For the tests here and in `script`.
#[cfg(test)]
impl DemoProject {
    /// The code after both fixes.
    pub fn fixed_code(&self) -> String {
        let code = self.code();
        self.fixes.iter().fold(code.to_owned(), |code, (old, new)| {
            code.replacen(old, new, 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_cargo_toml_picks_the_crate_and_anything_else_the_shell_project() {
        assert_eq!(
            for_listing("Cargo.toml\nsrc/\nsrc/main.rs").command,
            RUST.command
        );
        assert_eq!(
            for_listing("README.md\n  Cargo.toml  ").command,
            RUST.command
        );
        assert_eq!(for_listing("(empty directory)").command, SHELL.command);
        // A nested crate (or the demo's own) does not make the workspace a Cargo project.
        assert_eq!(
            for_listing("sapcode-demo/\nsapcode-demo/Cargo.toml\ntools/Cargo.toml").command,
            SHELL.command
        );
    }

    #[test]
    fn each_fix_matches_once_in_order_and_both_are_needed() {
        for project in [&SHELL, &RUST] {
            let mut code = project.code().to_owned();
            assert!(!code.is_empty(), "{}", project.code_path);
            for (old, new) in project.fixes {
                assert_eq!(code.matches(old).count(), 1, "{old:?} in {code}");
                code = code.replacen(old, new, 1);
                assert_eq!(code.matches(old).count(), 0, "{old:?} still in {code}");
            }
            assert_eq!(code, project.fixed_code());
            assert!(code.contains(project.formula), "{code}");
            assert!(code.contains("19 % VAT"), "{code}");
            let paths: Vec<&str> = project.files.iter().map(|(path, _)| *path).collect();
            assert!(
                paths.iter().all(|p| p.starts_with("sapcode-demo/")),
                "{paths:?}"
            );
        }
    }

    #[test]
    fn the_crate_stands_alone_and_builds_inside_its_own_directory() {
        let manifest = RUST.files[0].1;
        assert!(
            manifest.lines().any(|line| line == "[workspace]"),
            "{manifest}"
        );
        assert!(!manifest.contains("[dependencies]"), "{manifest}");
        assert!(
            RUST.command
                .contains("--manifest-path sapcode-demo/Cargo.toml")
                && RUST.command.contains("--target-dir sapcode-demo/target"),
            "{}",
            RUST.command
        );
    }
}
