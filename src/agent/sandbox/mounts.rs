//! The command's view of the file system, set up in its mount namespace: a private `/tmp`
//! (the workspace bound back where it was when it lies under `/tmp`), empty read-only
//! stand-ins over the denied paths a writable root would expose and over the user's runtime
//! dir (`/run/user/UID`: the desktop bus, agents, the systemd user manager), and the VCS
//! dirs at any depth of the workspace bound read-only. Planned in the parent as a list of mount(2)
//! calls on prepared strings; the child only makes the calls.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::{PrivateTmp, errno};

struct Step {
    source: Option<CString>,
    target: CString,
    fstype: Option<CString>,
    flags: libc::c_ulong,
    data: Option<CString>,
}

/// The mount calls and the directory to change to afterwards.
pub struct Mounts {
    steps: Vec<Step>,
    chdir: CString,
}

fn c_path(path: &Path) -> Result<CString, String> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| format!("{} holds a NUL byte", path.display()))
}

/// The plan for `workspace` (canonical). Of the `denied` paths (canonical), those beneath
/// a root the command can write (`writable`) get a stand-in (Landlock keeps the others
/// unreadable); the `runtime` dirs always do.
pub fn plan(
    workspace: &Path,
    writable: &[PathBuf],
    denied: &[PathBuf],
    runtime: &[PathBuf],
) -> Result<(Mounts, PrivateTmp), String> {
    let mut steps = vec![Step {
        source: None,
        target: c"/".to_owned(),
        fstype: None,
        flags: libc::MS_REC | libc::MS_PRIVATE,
        data: None,
    }];
    let bind = |source: CString, target: CString, flags| Step {
        source: Some(source),
        target,
        fstype: None,
        flags: libc::MS_BIND | flags,
        data: None,
    };
    let tmp = Path::new("/tmp")
        .canonicalize()
        .unwrap_or_else(|_| "/tmp".into());
    let mut private = PrivateTmp::default();
    if !tmp.starts_with(workspace) {
        let dir = tmp.join(format!("sapcode-cmd-{:016x}", fastrand::u64(..)));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|err| {
                format!(
                    "cannot create the command's /tmp in {}: {err}",
                    tmp.display()
                )
            })?;
        private = PrivateTmp::new(dir.clone());
        // A workspace under /tmp is bound into the new /tmp's directory first, so the
        // recursive bind of that directory over /tmp brings it back where it was.
        if let Ok(rel) = workspace.strip_prefix(&tmp) {
            let inside = dir.join(rel);
            std::fs::DirBuilder::new()
                .recursive(true)
                .create(&inside)
                .map_err(|err| format!("cannot prepare the command's /tmp: {err}"))?;
            steps.push(bind(c_path(workspace)?, c_path(&inside)?, libc::MS_REC));
        }
        steps.push(bind(c_path(&dir)?, c_path(&tmp)?, libc::MS_REC));
    }
    // A path under the replaced /tmp is gone already (unless in the workspace); a denied
    // path under a root the command may write needs a stand-in (Landlock's grant on the
    // root covers it); the runtime dirs always do (connecting to a socket needs no right
    // Landlock controls before ABI 9).
    let gone = |path: &Path| {
        private.dir().is_some() && path.starts_with(&tmp) && !path.starts_with(workspace)
    };
    let exposed = denied
        .iter()
        .filter(|path| writable.iter().any(|root| path.starts_with(root)))
        .chain(runtime);
    let mut hidden: Vec<&PathBuf> = Vec::new();
    for path in exposed {
        if gone(path) || hidden.iter().any(|done| path.starts_with(done)) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        hidden.push(path);
        steps.push(if meta.is_dir() {
            Step {
                source: Some(c"tmpfs".to_owned()),
                target: c_path(path)?,
                fstype: Some(c"tmpfs".to_owned()),
                flags: libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                data: Some(c"size=4k,nr_inodes=1,mode=000".to_owned()),
            }
        } else {
            bind(c"/dev/null".to_owned(), c_path(path)?, 0)
        });
    }
    for path in super::vcs::find(workspace) {
        let target = c_path(&path)?;
        steps.push(bind(target.clone(), target.clone(), libc::MS_REC));
        steps.push(Step {
            source: None,
            target,
            fstype: None,
            flags: libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | locked_flags(&path),
            data: None,
        });
    }
    let mounts = Mounts {
        steps,
        chdir: c_path(workspace)?,
    };
    Ok((mounts, private))
}

/// The flags of the mount `path` is on that a remount in a user namespace must keep
/// (the kernel refuses to clear `nosuid`, `nodev`, `noexec` or the atime mode there).
fn locked_flags(path: &Path) -> libc::c_ulong {
    let Ok(c_path) = c_path(path) else {
        return 0;
    };
    // SAFETY: statvfs fills the zeroed struct from a NUL-terminated path.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &raw mut stat) } != 0 {
        return 0;
    }
    let have = stat.f_flag;
    [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ]
    .into_iter()
    .filter(|(st, _)| have & *st != 0)
    .fold(0, |flags, (_, ms)| flags | ms)
}

impl Mounts {
    /// Makes the mount calls in order, then changes into the workspace as the new tree
    /// shows it. Runs between fork and exec: no allocation.
    pub fn apply(&self) -> Result<(), i32> {
        let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        for step in &self.steps {
            let data = step
                .data
                .as_ref()
                .map_or(std::ptr::null(), |d| d.as_ptr().cast());
            // SAFETY: mount with NUL-terminated strings (or null) that outlive the call.
            let rc = unsafe {
                libc::mount(
                    ptr(&step.source),
                    step.target.as_ptr(),
                    ptr(&step.fstype),
                    step.flags,
                    data,
                )
            };
            if rc != 0 {
                return Err(errno());
            }
        }
        // SAFETY: chdir to a NUL-terminated path.
        if unsafe { libc::chdir(self.chdir.as_ptr()) } != 0 {
            return Err(errno());
        }
        Ok(())
    }
}

/// The probe's mounts: the calls a command's plan starts with, on nothing of the user's.
pub fn probe() -> Mounts {
    Mounts {
        steps: vec![
            Step {
                source: None,
                target: c"/".to_owned(),
                fstype: None,
                flags: libc::MS_REC | libc::MS_PRIVATE,
                data: None,
            },
            Step {
                source: Some(c"tmpfs".to_owned()),
                target: c"/tmp".to_owned(),
                fstype: Some(c"tmpfs".to_owned()),
                flags: libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
                data: Some(c"size=4k".to_owned()),
            },
        ],
        chdir: c"/".to_owned(),
    }
}
