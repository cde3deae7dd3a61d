//! The places no tool may read, whatever the workspace is (contract "The trust boundary"):
//! sapcode's own config, data, cache and state dirs (credentials, session files, logs) and the
//! well-known credential stores in the home directory. One list, shared by the file tools,
//! `AGENTS.md` and the command sandbox, so the three cannot drift apart.
//!
//! Each entry is kept as given and, where it exists, as its real path (a home directory
//! reached through a symlink must match either way).

use std::path::{Path, PathBuf};

use crate::config::Paths;

/// Credential stores under the home directory, by their conventional relative paths.
pub const HOME_CREDENTIAL_STORES: &[&str] = &[
    ".ssh",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker",
    ".gnupg",
    ".netrc",
    ".git-credentials",
    // Tokens the command-line tools of the platforms a developer deploys to keep in plain
    // text: a hostile server needs no network rule to get them, the tool result carries
    // them to it (Cloud Foundry and the btp CLI are what SAP BTP users have).
    ".cf",
    ".config/.btp",
    ".config/gh",
    ".config/hub",
    ".npmrc",
    ".pypirc",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".vault-token",
    ".terraform.d/credentials.tfrc.json",
    ".pgpass",
    ".password-store",
    ".local/share/keyrings",
];

/// Paths no tool reads, and whose contents a sandboxed command cannot read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadDenyList {
    roots: Vec<PathBuf>,
}

impl ReadDenyList {
    /// sapcode's dirs for `paths` (and the platform defaults, in case `--config` moved the
    /// config file elsewhere) plus the credential stores under `home`.
    pub fn new(paths: &Paths, home: Option<&Path>) -> ReadDenyList {
        let mut list = ReadDenyList::default();
        let defaults = Paths::discover(None);
        for dirs in [&defaults, paths] {
            for dir in [&dirs.cache_dir, &dirs.data_dir, &dirs.state_dir]
                .into_iter()
                .flatten()
            {
                list.add(dir);
            }
        }
        list.add(&defaults.config_dir());
        // An overridden config file may sit anywhere (even in the workspace): deny the file
        // and the secrets file beside it, not its whole directory.
        list.add(&paths.config_file);
        list.add(&paths.config_dir().join(crate::secrets::SECRETS_FILE_NAME));
        if let Some(home) = home {
            for store in HOME_CREDENTIAL_STORES {
                list.add(&home.join(store));
            }
        }
        list
    }

    /// The list for this process: discovered dirs and `$HOME`.
    pub fn for_environment(paths: &Paths) -> ReadDenyList {
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from);
        ReadDenyList::new(paths, home.as_deref())
    }

    /// Adds `path` (absolute paths only; a relative one would depend on the cwd).
    pub fn add(&mut self, path: &Path) {
        if !path.is_absolute() {
            return;
        }
        let mut push = |path: PathBuf| {
            if !self.roots.contains(&path) {
                self.roots.push(path);
            }
        };
        push(path.to_owned());
        if let Ok(real) = path.canonicalize() {
            push(real);
        }
    }

    /// Every denied path, as given and as resolved.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The denied path that `path` is, or lies beneath, if any. `path` should be absolute
    /// and already resolved (symlinks followed) by the caller.
    pub fn covering(&self, path: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .find(|root| path.starts_with(root))
            .map(PathBuf::as_path)
    }

    /// The denied paths that lie strictly beneath `dir` (the ones a grant on `dir` would
    /// expose, so the sandbox must grant around them).
    pub fn beneath<'a>(&'a self, dir: &'a Path) -> impl Iterator<Item = &'a Path> + 'a {
        self.roots
            .iter()
            .filter(move |root| root.starts_with(dir) && root.as_path() != dir)
            .map(PathBuf::as_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_in(dir: &Path) -> Paths {
        Paths {
            config_file: dir.join("config/sapcode/config.toml"),
            cache_dir: Some(dir.join("cache/sapcode")),
            data_dir: Some(dir.join("data/sapcode")),
            state_dir: Some(dir.join("state/sapcode")),
        }
    }

    #[test]
    fn covers_sapcode_dirs_and_credential_stores() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let list = ReadDenyList::new(&paths_in(dir.path()), Some(&home));
        for denied in [
            home.join(".ssh/id_ed25519"),
            home.join(".config/gcloud/credentials.db"),
            home.join(".netrc"),
            dir.path().join("data/sapcode/sessions/x.jsonl"),
            dir.path().join("config/sapcode/secrets.json"),
            dir.path().join("config/sapcode/config.toml"),
        ] {
            assert!(list.covering(&denied).is_some(), "{}", denied.display());
        }
        for allowed in [
            home.join("project/src/main.rs"),
            home.join(".config/other/x"),
            home.join(".sshd_config"),
        ] {
            assert_eq!(list.covering(&allowed), None, "{}", allowed.display());
        }
    }

    #[test]
    fn lists_what_lies_beneath_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let list = ReadDenyList::new(&paths_in(dir.path()), Some(&home));
        let beneath: Vec<_> = list.beneath(&home).collect();
        assert!(beneath.contains(&home.join(".ssh").as_path()));
        assert!(!beneath.contains(&home.as_path()));
        assert_eq!(list.beneath(&home.join("project")).count(), 0);
    }

    #[test]
    fn relative_paths_are_ignored() {
        let mut list = ReadDenyList::default();
        list.add(Path::new("relative/secrets.json"));
        assert!(list.roots().is_empty());
    }
}
