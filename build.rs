//! Names the commit the binary was built from (`sapcode --version`): `git rev-parse --short
//! HEAD` when the source is a git checkout and git is installed, else "unknown" — a build
//! from a tarball or `cargo install` from crates.io must still work.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SAPCODE_COMMIT={commit}");
    println!("cargo:rerun-if-changed=build.rs");
    // Rerun on a new commit or checkout only (HEAD, the branch's ref, packed refs), not on
    // every edit, so the crate is not rebuilt needlessly.
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        println!(
            "cargo:rerun-if-changed={}",
            PathBuf::from(&git_dir).join("HEAD").display()
        );
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        println!(
            "cargo:rerun-if-changed={}",
            PathBuf::from(&common).join("packed-refs").display()
        );
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!(
                "cargo:rerun-if-changed={}",
                PathBuf::from(&common).join(branch).display()
            );
        }
    }
}
