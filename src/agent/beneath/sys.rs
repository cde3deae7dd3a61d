//! The Unix system calls behind `WorkspaceDir`: `openat2` on Linux, a name-by-name
//! `openat(O_NOFOLLOW)` walk elsewhere, and `mkdirat`, `renameat`, `unlinkat`, `fstatat`
//! on held directory handles.

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub(super) use std::os::fd::OwnedFd as Fd;

/// How directories on the way are opened: read-only handles, never a symlink.
const DIR_FLAGS: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY;
/// Permission bits of a directory the tools create (the umask applies).
const NEW_DIR_MODE: libc::mode_t = 0o777;
/// Permission bits of a new file when the caller names none (the umask applies).
const NEW_FILE_MODE: libc::mode_t = 0o666;

fn c_name(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in a file name"))
}

fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// Takes ownership of a descriptor a successful open just returned.
fn owned(fd: libc::c_int) -> Fd {
    // SAFETY: `fd` was just returned by a successful open call of this module and is owned by
    // nobody else; `OwnedFd` closes it exactly once.
    unsafe { Fd::from_raw_fd(fd) }
}

pub(super) fn open_root(root: &Path) -> io::Result<Fd> {
    let path = c_name(root.as_os_str())?;
    // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
    let fd = check(unsafe { libc::open(path.as_ptr(), DIR_FLAGS | libc::O_CLOEXEC) })?;
    Ok(owned(fd))
}

/// One `openat` of a single name (no `/`, never `..`) that does not follow a symlink there.
/// A directory open that meets a symlink says ELOOP, as `openat2` does, not ENOTDIR.
fn open_name(dir: BorrowedFd<'_>, name: &OsStr, flags: libc::c_int) -> io::Result<Fd> {
    let c = c_name(name)?;
    let all = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let mode = libc::c_uint::from(NEW_FILE_MODE);
    // SAFETY: `dir` is an open descriptor borrowed for the call, `c` a valid C string that
    // outlives it; the mode argument is read only with O_CREAT.
    match check(unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), all, mode) }) {
        Ok(fd) => Ok(owned(fd)),
        Err(err)
            if err.raw_os_error() == Some(libc::ENOTDIR)
                && flags & libc::O_DIRECTORY != 0
                && stat(dir, name).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFLNK) =>
        {
            Err(io::Error::from_raw_os_error(libc::ELOOP))
        }
        Err(err) => Err(err),
    }
}

/// `fstatat` of one name, not following a symlink there.
fn stat(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<libc::stat> {
    let c = c_name(name)?;
    // SAFETY: an all-zero `stat` is a valid value for fstatat to overwrite.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `dir` is open, `c` a valid C string and `stat` a writable struct, all alive for
    // the call; AT_SYMLINK_NOFOLLOW looks at a symlink itself.
    let result = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            c.as_ptr(),
            &raw mut stat,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    check(result).map(|_| stat)
}

/// Opens `names` (a relative path, one name each) beneath `dir`, following no symlink.
fn open_path(dir: BorrowedFd<'_>, names: &[&OsStr], flags: libc::c_int) -> io::Result<Fd> {
    #[cfg(target_os = "linux")]
    match openat2(dir, names, flags) {
        Err(err) if matches!(err.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {}
        other => return other,
    }
    walk(dir, names, flags)
}

/// The same refusals as `openat2` below, one name at a time: each directory on the way is
/// opened with `O_NOFOLLOW` beneath the one before, and names are never `..`.
fn walk(dir: BorrowedFd<'_>, names: &[&OsStr], flags: libc::c_int) -> io::Result<Fd> {
    let Some((last, parents)) = names.split_last() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "an empty path"));
    };
    let mut held: Option<Fd> = None;
    for name in parents {
        let at = held.as_ref().map_or(dir, AsFd::as_fd);
        held = Some(open_name(at, name, DIR_FLAGS)?);
    }
    open_name(held.as_ref().map_or(dir, AsFd::as_fd), last, flags)
}

#[cfg(target_os = "linux")]
fn openat2(dir: BorrowedFd<'_>, names: &[&OsStr], flags: libc::c_int) -> io::Result<Fd> {
    let mut joined = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if index > 0 {
            joined.push(b'/');
        }
        joined.extend_from_slice(name.as_bytes());
    }
    let path = c_name(OsStr::from_bytes(&joined))?;
    // SAFETY: `open_how` is plain integers; all-zero is its documented neutral value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    // No O_NOFOLLOW: RESOLVE_NO_SYMLINKS covers the last name too, and says ELOOP where
    // O_NOFOLLOW with O_DIRECTORY would say ENOTDIR.
    how.flags = u64::try_from(flags | libc::O_CLOEXEC).unwrap_or_default();
    // openat2 refuses a mode without O_CREAT.
    if flags & libc::O_CREAT != 0 {
        how.mode = u64::from(NEW_FILE_MODE);
    }
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS;
    // SAFETY: openat2(2) reads `how` (its exact size is passed) and the C string `path`, both
    // alive for the call; `dir` is an open descriptor borrowed for it.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            path.as_ptr(),
            &raw const how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    let fd = libc::c_int::try_from(fd)
        .map_err(|_| io::Error::other("openat2 returned an out-of-range descriptor"))?;
    Ok(owned(check(fd)?))
}

/// The directory `names` beneath `root`; with `create`, missing ones are made, each opened
/// beneath its parent right after (a symlink planted meanwhile is refused by that open).
pub(super) fn open_dir(root: &Fd, names: &[&OsStr], create: bool) -> io::Result<Fd> {
    if names.is_empty() {
        return root.try_clone();
    }
    match open_path(root.as_fd(), names, DIR_FLAGS) {
        Err(err) if create && err.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let mut held = root.try_clone()?;
    for name in names {
        let next = match open_path(held.as_fd(), &[name], DIR_FLAGS) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                let c = c_name(name)?;
                // SAFETY: `held` is an open directory descriptor and `c` a valid C string,
                // both alive for the call.
                let made =
                    check(unsafe { libc::mkdirat(held.as_raw_fd(), c.as_ptr(), NEW_DIR_MODE) });
                match made {
                    Err(err) if err.kind() != io::ErrorKind::AlreadyExists => return Err(err),
                    Ok(_) | Err(_) => {}
                }
                open_path(held.as_fd(), &[name], DIR_FLAGS)?
            }
            other => other?,
        };
        held = next;
    }
    Ok(held)
}

pub(super) fn open_file(dir: &Fd, name: &OsStr) -> io::Result<File> {
    open_path(dir.as_fd(), &[name], libc::O_RDONLY | libc::O_NONBLOCK).map(File::from)
}

pub(super) fn exists(dir: &Fd, name: &OsStr) -> io::Result<bool> {
    match stat(dir.as_fd(), name) {
        Ok(_) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

pub(super) fn replace(dir: &Fd, name: &OsStr, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let temp = format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        fastrand::u32(..)
    );
    let temp = OsStr::new(&temp);
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
    let mut file = File::from(open_path(dir.as_fd(), &[temp], flags)?);
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(mode) = mode {
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        file.sync_all()?;
        rename(dir, temp, name)
    })();
    if result.is_err() {
        let _ = remove(dir, temp);
    }
    result
}

fn rename(dir: &Fd, from: &OsStr, to: &OsStr) -> io::Result<()> {
    let (from, to) = (c_name(from)?, c_name(to)?);
    // SAFETY: `dir` is an open directory descriptor and both names valid C strings, all alive
    // for the call; both names are single names in that one directory.
    let result =
        unsafe { libc::renameat(dir.as_raw_fd(), from.as_ptr(), dir.as_raw_fd(), to.as_ptr()) };
    check(result).map(drop)
}

pub(super) fn remove(dir: &Fd, name: &OsStr) -> io::Result<()> {
    let c = c_name(name)?;
    // SAFETY: `dir` is an open directory descriptor and `c` a valid C string, both alive for
    // the call; without AT_REMOVEDIR only a non-directory is removed.
    check(unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) }).map(drop)
}

/// The name-by-name walk, for tests that check it refuses what `openat2` refuses.
#[cfg(test)]
pub(super) fn walk_for_test(dir: &Fd, names: &[&OsStr]) -> io::Result<File> {
    walk(dir.as_fd(), names, libc::O_RDONLY | libc::O_NONBLOCK).map(File::from)
}
