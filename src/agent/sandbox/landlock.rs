//! The Landlock ruleset of a command, built in the parent (opening paths allocates) and
//! enforced in the child by `restrict_self` alone. Writes: the writable roots only. Reads:
//! everything but the denied paths. Landlock is an allow list, so a denied path is left out
//! by granting read on its siblings along the way down from `/` instead of on `/` itself.
//! Network (ABI 4): no TCP bind or connect when the network is off. Scopes (ABI 6): no
//! abstract unix socket or signal outside the sandbox.

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, RulesetAttr, RulesetCreated,
    RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
};

/// The newest ABI whose rights this code asks for; older kernels get what they support
/// (best effort) and `status` says what is missing.
const ABI_USED: ABI = ABI::V7;

/// The kernel's Landlock ABI version, `None` without Landlock.
pub fn kernel_abi() -> Option<i32> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer and size 0 this call only reports the ABI version.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    i32::try_from(abi).ok().filter(|abi| *abi >= 1)
}

/// The ruleset for one command: `writable` roots get every right, the rest of the tree
/// reading rights except under `denied`; with `network` false, TCP is denied too.
pub fn ruleset(
    writable: &[PathBuf],
    denied: &[PathBuf],
    network: bool,
) -> Result<RulesetCreated, String> {
    let fail = |err: landlock::RulesetError| format!("cannot prepare the Landlock sandbox: {err}");
    let mut ruleset = landlock::Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(ABI_USED))
        .map_err(fail)?;
    if !network {
        ruleset = ruleset
            .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)
            .map_err(fail)?;
    }
    ruleset
        .scope(Scope::AbstractUnixSocket | Scope::Signal)
        .and_then(landlock::Ruleset::create)
        .and_then(|r| {
            r.add_rules(path_beneath_rules(
                readable_roots(Path::new("/"), denied),
                AccessFs::from_read(ABI_USED),
            ))
        })
        .and_then(|r| r.add_rules(path_beneath_rules(writable, AccessFs::from_all(ABI_USED))))
        .map_err(fail)
}

/// Whether the kernel enforced a ruleset at all (`NotEnforced` means no Landlock).
pub fn enforced(status: &RulesetStatus) -> bool {
    !matches!(status, RulesetStatus::NotEnforced)
}

/// The paths to grant read on so that everything under `dir` is readable except `denied`:
/// `dir` itself when nothing denied lies beneath it, else its entries, recursively. Symlinks
/// get no grant (a rule would land on their target, which may be a denied path); following
/// them needs none. An unreadable directory is left out: it stays unreadable.
pub fn readable_roots(dir: &Path, denied: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(dir, denied, &mut out);
    out
}

fn collect(dir: &Path, denied: &[PathBuf], out: &mut Vec<PathBuf>) {
    if denied.iter().any(|d| dir.starts_with(d)) {
        return;
    }
    if !denied.iter().any(|d| d.starts_with(dir)) {
        out.push(dir.to_owned());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_link = entry.file_type().is_ok_and(|kind| kind.is_symlink());
        if !is_link {
            collect(&entry.path(), denied, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_granted_around_denied_paths_and_never_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in [
            "home/.ssh",
            "home/project/src",
            "home/.config/sapcode",
            "home/.config/other",
            "etc",
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(root.join("home/.bashrc"), "").unwrap();
        std::os::unix::fs::symlink(root.join("home/.ssh"), root.join("home/keys")).unwrap();
        let denied = [root.join("home/.ssh"), root.join("home/.config/sapcode")];
        let mut granted = readable_roots(root, &denied);
        granted.sort();
        let mut expected = vec![
            root.join("etc"),
            root.join("home/.bashrc"),
            root.join("home/.config/other"),
            root.join("home/project"),
        ];
        expected.sort();
        assert_eq!(granted, expected);
        assert_eq!(
            readable_roots(&root.join("etc"), &denied),
            [root.join("etc")]
        );
        assert!(readable_roots(&root.join("home/.ssh"), &denied).is_empty());
    }
}
