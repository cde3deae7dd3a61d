//! The workspace's files reached through a handle on the workspace directory, never through a
//! path string: every open, create, rename and remove resolves beneath that handle at the
//! moment it happens and refuses a symlink anywhere on the way (contract "The trust
//! boundary"). A directory swapped for a symlink after the user approved a diff, even while
//! the write runs, makes the write fail instead of landing outside.
//!
//! Paths given here are real paths relative to the workspace (the tools resolve and check
//! them first, symlinks inside the workspace included), so refusing every symlink loses
//! nothing. On Linux an open is one `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
//! RESOLVE_NO_MAGICLINKS)`; where that call is missing (kernels before 5.6, seccomp filters
//! that return ENOSYS or EPERM, other Unixes) the path is walked one name at a time with
//! `O_NOFOLLOW`, which refuses the same things. A file is replaced by a temp file made in the
//! same held directory and `renameat` into place, so nothing is resolved twice.
//!
//! A directory already held that is then *moved* out of the workspace stays held: moving it
//! there needs write access to the destination, which is what an attacker in the workspace
//! lacks; a symlink needs nothing but the workspace, and that is what is refused.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};
#[cfg(unix)]
use std::sync::Arc;

#[cfg(unix)]
use sys::Fd;

/// A workspace directory, held open once.
#[derive(Debug, Clone)]
pub struct WorkspaceDir {
    root: PathBuf,
    #[cfg(unix)]
    fd: Arc<Fd>,
}

/// One file of the workspace, its parent directory held open: reading, replacing and removing
/// it all go through that one handle.
#[derive(Debug)]
pub struct Entry {
    #[cfg(unix)]
    dir: Fd,
    #[cfg(not(unix))]
    dir: PathBuf,
    name: std::ffi::OsString,
}

/// `err` is the refusal of a symlink on the way (or a resolution leaving the workspace).
pub fn is_symlink_refusal(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(err.raw_os_error(), Some(libc::ELOOP | libc::EXDEV))
    }
    #[cfg(not(unix))]
    {
        err.kind() == io::ErrorKind::PermissionDenied
    }
}

/// The names of a plain relative path (`a/b/c`); `..`, roots and prefixes are refused.
fn names(relative: &Path) -> io::Result<Vec<&OsStr>> {
    relative
        .components()
        .filter_map(|c| match c {
            Component::CurDir => None,
            Component::Normal(name) => Some(Ok(name)),
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                Some(Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a path inside the workspace",
                )))
            }
        })
        .collect()
}

fn not_a_file() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "no file name")
}

impl WorkspaceDir {
    /// Opens `root` (canonicalized once, so every check compares real paths).
    pub fn open(root: &Path) -> io::Result<WorkspaceDir> {
        let root = root.canonicalize()?;
        Ok(WorkspaceDir {
            #[cfg(unix)]
            fd: Arc::new(sys::open_root(&root)?),
            root,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `absolute` relative to the root, if it lies inside.
    pub fn relative<'a>(&self, absolute: &'a Path) -> io::Result<&'a Path> {
        absolute
            .strip_prefix(&self.root)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "outside the workspace"))
    }

    /// The file at `relative` (a real path inside the workspace), its parent directory opened
    /// beneath the root; `create_parents` makes missing directories on the way, each one
    /// opened beneath the one before.
    pub fn entry(&self, relative: &Path, create_parents: bool) -> io::Result<Entry> {
        let names = names(relative)?;
        let (name, parents) = names.split_last().ok_or_else(not_a_file)?;
        Ok(Entry {
            #[cfg(unix)]
            dir: sys::open_dir(&self.fd, parents, create_parents)?,
            #[cfg(not(unix))]
            dir: portable::open_dir(&self.root, parents, create_parents)?,
            name: (*name).to_owned(),
        })
    }

    /// Opens the file at `relative` for reading (see [`Entry::open`]).
    pub fn open_file(&self, relative: &Path) -> io::Result<File> {
        self.entry(relative, false)?.open()
    }
}

impl Entry {
    /// Opens the file for reading without following a symlink and without waiting (a FIFO
    /// with no writer would block a plain open); the caller checks the type on the handle.
    pub fn open(&self) -> io::Result<File> {
        #[cfg(unix)]
        {
            sys::open_file(&self.dir, &self.name)
        }
        #[cfg(not(unix))]
        {
            portable::open_file(&self.dir.join(&self.name))
        }
    }

    /// Something (a file, a directory, a symlink) is at this name now.
    pub fn exists(&self) -> io::Result<bool> {
        #[cfg(unix)]
        {
            sys::exists(&self.dir, &self.name)
        }
        #[cfg(not(unix))]
        {
            Ok(self.dir.join(&self.name).symlink_metadata().is_ok())
        }
    }

    /// Writes `bytes` to a temp file in the held directory (with `mode`'s permission bits on
    /// Unix, else the default), syncs it and renames it over the name. A symlink now at the
    /// name is replaced, never followed.
    pub fn replace(&self, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
        #[cfg(unix)]
        {
            sys::replace(&self.dir, &self.name, bytes, mode)
        }
        #[cfg(not(unix))]
        {
            let _ = mode;
            crate::fsutil::write_atomic(&self.dir.join(&self.name), bytes, false)
        }
    }

    /// Removes the name (a symlink there is removed itself, its target untouched).
    pub fn remove(&self) -> io::Result<()> {
        #[cfg(unix)]
        {
            sys::remove(&self.dir, &self.name)
        }
        #[cfg(not(unix))]
        {
            std::fs::remove_file(self.dir.join(&self.name))
        }
    }
}

#[cfg(unix)]
mod sys;

/// Without directory handles the best is to check each name is no symlink just before use;
/// a race can still win there. sapcode's trust boundary is built on the Unix path above.
#[cfg(not(unix))]
mod portable {
    use std::ffi::OsStr;
    use std::io;
    use std::path::{Path, PathBuf};

    fn refuse_link(path: &Path) -> io::Result<()> {
        match path.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "a symlink is on the way",
            )),
            Ok(_) => Ok(()),
            Err(err) => Err(err),
        }
    }

    pub fn open_dir(root: &Path, parents: &[&OsStr], create: bool) -> io::Result<PathBuf> {
        let mut dir = root.to_owned();
        for name in parents {
            dir.push(name);
            match refuse_link(&dir) {
                Err(err) if create && err.kind() == io::ErrorKind::NotFound => {
                    std::fs::create_dir(&dir)?;
                    refuse_link(&dir)?;
                }
                other => other?,
            }
        }
        Ok(dir)
    }

    pub fn open_file(path: &Path) -> io::Result<std::fs::File> {
        refuse_link(path)?;
        std::fs::File::open(path)
    }
}

#[cfg(test)]
mod tests;
