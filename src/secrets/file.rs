//! The file store: `secrets.json` (profile → secret) beside the config file, written
//! atomically with mode 0600, for machines where no keyring works. Plain text protected by
//! file permissions only, as `gh` does; chosen explicitly, never as a silent fallback.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use super::{SecretError, SecretStore};

pub const SECRETS_FILE_NAME: &str = "secrets.json";
/// Leads the store's name, so errors from it are recognised.
pub(super) const BACKEND: &str = "file";

pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// The store in `config_dir` (the directory of the config file in use).
    pub fn in_dir(config_dir: &Path) -> FileStore {
        FileStore {
            path: config_dir.join(SECRETS_FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<HashMap<String, String>, SecretError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| {
                self.error("is not the JSON sapcode writes; remove it and log in again".into())
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(err) => Err(self.error(err.to_string())),
        }
    }

    fn write(&self, secrets: &HashMap<String, String>) -> Result<(), SecretError> {
        let bytes = serde_json::to_vec(secrets).map_err(|err| self.error(err.to_string()))?;
        crate::fsutil::write_atomic(&self.path, &bytes, /*private*/ true)
            .map_err(|err| self.error(err.to_string()))
    }

    fn error(&self, detail: String) -> SecretError {
        SecretError {
            backend: self.name(),
            detail,
        }
    }
}

impl SecretStore for FileStore {
    fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError> {
        Ok(self.read()?.remove(profile).map(SecretString::from))
    }

    fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        let mut secrets = self.read()?;
        secrets.insert(profile.into(), secret.expose_secret().into());
        self.write(&secrets)
    }

    fn delete(&self, profile: &str) -> Result<bool, SecretError> {
        let mut secrets = self.read()?;
        let existed = secrets.remove(profile).is_some();
        if existed {
            self.write(&secrets)?;
        }
        Ok(existed)
    }

    fn name(&self) -> String {
        format!("{BACKEND} {} (readable only by you)", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_and_keeps_other_profiles() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::in_dir(dir.path());
        store.set("a", &SecretString::from("one")).unwrap();
        store.set("b", &SecretString::from("two")).unwrap();
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(store.delete("a").unwrap());
        assert_eq!(store.get("b").unwrap().unwrap().expose_secret(), "two");
        std::fs::write(store.path(), "garbage").unwrap();
        let err = store.get("b").unwrap_err();
        assert!(err.to_string().starts_with("file "), "{err}");
        assert!(!err.to_string().contains("garbage"));
    }
}
