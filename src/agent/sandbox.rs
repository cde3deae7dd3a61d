//! The Landlock confinement of `run_command` on Linux: the child may read everywhere but
//! write only in the workspace, `/tmp`, `$TMPDIR` and `/dev/null`. The ruleset is built in
//! the parent (opening paths allocates) and only `restrict_self` runs in the child between
//! fork and exec, so sapcode itself is never confined. Where the kernel has no Landlock,
//! `status` says so and approval is the only protection.

use std::path::Path;

/// Which protection approved commands run under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Landlock is enforced; the kernel's ABI version.
    Landlock { abi: i32 },
    /// No Landlock on this system: commands are only as safe as the user's approval.
    ApprovalOnly,
}

impl std::fmt::Display for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Landlock { abi } => write!(
                f,
                "Landlock ABI {abi}: commands write only in the workspace and temp dirs"
            ),
            Protection::ApprovalOnly => {
                write!(
                    f,
                    "no Landlock on this system: commands are confined by approval only"
                )
            }
        }
    }
}

/// The protection `run_command` gets on this machine.
pub fn status() -> Protection {
    match kernel_abi() {
        Some(abi) => Protection::Landlock { abi },
        None => Protection::ApprovalOnly,
    }
}

#[cfg(target_os = "linux")]
fn kernel_abi() -> Option<i32> {
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
    (abi >= 1).then_some(abi as i32)
}

#[cfg(not(target_os = "linux"))]
fn kernel_abi() -> Option<i32> {
    None
}

/// Makes `command` confine its child with Landlock, when the kernel has it.
#[cfg(target_os = "linux")]
pub fn confine(command: &mut tokio::process::Command, workspace: &Path) -> Result<(), String> {
    use landlock::{
        ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, path_beneath_rules,
    };
    if kernel_abi().is_none() {
        return Ok(());
    }
    let abi = ABI::V7;
    let mut writable = vec![
        workspace.to_path_buf(),
        std::path::PathBuf::from("/tmp"),
        std::path::PathBuf::from("/dev/null"),
    ];
    if let Some(tmpdir) = std::env::var_os("TMPDIR").filter(|t| !t.is_empty()) {
        writable.push(tmpdir.into());
    }
    let ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(landlock::Ruleset::create)
        .and_then(|r| r.add_rules(path_beneath_rules(["/"], AccessFs::from_read(abi))))
        .and_then(|r| r.add_rules(path_beneath_rules(&writable, AccessFs::from_all(abi))))
        .map_err(|err| format!("cannot prepare the Landlock sandbox: {err}"))?;
    let mut ruleset = Some(ruleset);
    // SAFETY: between fork and exec this only makes the prctl and landlock syscalls on a
    // ruleset built beforehand; the error path allocates nothing.
    unsafe {
        command.pre_exec(move || match ruleset.take() {
            Some(ruleset) => match ruleset.restrict_self() {
                Ok(_) => Ok(()),
                Err(_) => Err(std::io::Error::from_raw_os_error(libc::EPERM)),
            },
            None => Ok(()),
        });
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn confine(_command: &mut tokio::process::Command, _workspace: &Path) -> Result<(), String> {
    Ok(())
}
